namespace HierFunctional

open System
open HierFunctional.Inference

/// Beta(a, b) group rates with Binomial children and two stochastic hyperparameters: the hyperparameters are
/// updated with the rates integrated out, on the Beta-Binomial marginal p(a, b | y) ∝ p(a, b) Π_g B(a + Y_g,
/// b + F_g)/B(a, b), then the rates are drawn exactly from Beta(a + Y_g, b + F_g). This removes the dependence of
/// (a, b) on θ that makes the one-at-a-time sweep slow (BDA3 §5.3's rat tumours), as `CollapsedRate` does for pumps.
[<RequireQualifiedAccess>]
module internal CollapsedBetaBinomial =

    let internal name = CollapsedBetaConjugacy.name

    let private ignore2 (_: Random) (_: ChainState) = ()

    /// Where the two hyperparameters are moved: on (logit(a/(a+b)), log(a+b)) when they are the Beta's arguments
    /// themselves (the mean and the prior sample size, nearly independent a posteriori), otherwise each on its own
    /// unconstrained scale (e.g. Beta(μκ, (1 − μ)κ) is already on (logit μ, log κ)).
    [<RequireQualifiedAccess>]
    type private Scale =
        | MeanSum of offA: int * offB: int
        | Own of off1: int * support1: Support * off2: int * support2: Support

    /// One chain's scratch: the state and the coordinate held fixed while the other is sliced, read by the two
    /// log-density closures made once per chain, so a move allocates nothing.
    [<AllowNullLiteral>]
    type private Scratch() =
        member val Values: float[] = null with get, set
        member val U1 = 0.0 with get, set
        member val U2 = 0.0 with get, set
        member val Along1: float -> float = (fun _ -> nan) with get, set
        member val Along2: float -> float = (fun _ -> nan) with get, set

    let private positiveSupport (s: Support) =
        match s with
        | Support.Positive -> true
        | Support.Interval(l, _) -> l >= 0.0
        | _ -> false

    let private scalarSupport (s: Support) =
        match s with
        | Support.Real
        | Support.Positive
        | Support.UnitInterval
        | Support.Interval _ -> true
        | _ -> false

    /// Writes (u1, u2) into the state and returns the log-Jacobian of the map from (u1, u2).
    let private place (scale: Scale) (s: float[]) (u1: float) (u2: float) : float =
        match scale with
        | Scale.MeanSum(oa, ob) ->
            // a = e^u2 σ(u1), b = e^u2 σ(−u1); |∂(a, b)/∂(u1, u2)| = a·b
            let la = u2 + Numerics.logSigmoid u1
            let lb = u2 + Numerics.logSigmoid -u1
            s.[oa] <- exp la
            s.[ob] <- exp lb
            la + lb
        | Scale.Own(o1, s1, o2, s2) ->
            s.[o1] <- Transform.fromUnconstrainedScalar s1 u1
            s.[o2] <- Transform.fromUnconstrainedScalar s2 u2
            Transform.logJacobianScalar s1 u1 + Transform.logJacobianScalar s2 u2

    /// The current (u1, u2) of the state.
    let private current (scale: Scale) (s: float[]) =
        match scale with
        | Scale.MeanSum(oa, ob) -> struct (log s.[oa] - log s.[ob], log (s.[oa] + s.[ob]))
        | Scale.Own(o1, s1, o2, s2) ->
            struct (Transform.toUnconstrainedScalar s1 s.[o1], Transform.toUnconstrainedScalar s2 s.[o2])

    /// θ ~ Beta(x, y) as G_x/(G_x + G_y); MathNet's sampler when both Gamma draws underflow (tiny shapes).
    let private drawBeta (rng: Random) (x: float) (y: float) =
        let gx = GammaVariate.standard rng x
        let gy = GammaVariate.standard rng y
        let t = gx / (gx + gy)

        if Double.IsFinite t then
            Numerics.unitOpen t
        else
            Numerics.unitOpen (MathNet.Numerics.Distributions.Beta.Sample(rng, x, y))

    /// What both updates of a match read: the hyperparameters' names, the log target of (u1, u2) on the chosen scale
    /// (it writes the hyperparameters into the state it is given), the move between scale and state, the rates' exact
    /// draw, and whether the target is fixed by the data (nothing but the two hyperparameters enters it).
    type internal Parts =
        {
            Name1: string
            Name2: string
            Rates: string
            /// Successes and failures per group.
            Successes: float[]
            Failures: float[]
            LogTarget: float[] -> float -> float -> float
            /// Writes (u1, u2) into the state.
            Place: float[] -> float -> float -> unit
            /// The state's (u1, u2).
            Current: float[] -> struct (float * float)
            /// A point of the scale near the pooled rate, where a search for the mode can start.
            Start: struct (float * float)
            /// Rates of groups lo .. hi − 1 given the state's hyperparameters (update index, group streams).
            DrawRates: int -> GroupStream -> ChainState -> int -> int -> unit
            Groups: int
            /// The priors' arguments are data and the factors read only the two hyperparameters.
            Fixed: bool
        }

    /// The parts of the update of the match's two hyperparameters with the rates integrated out, then of the
    /// rates; an error (and a slice fallback) when the counts are not fixed data or the arguments vary between groups.
    let internal parts (b: Bound) (target: NodeInfo) (m: CollapsedBetaMatch) : Result<Parts, string> =
        let partner = Bound.node b m.Partner
        let rates = Bound.node b m.Rates

        let supportOf (i: NodeInfo) =
            match i.Node.Kind with
            | NodeKind.Parameter d when not (Dist.isDiscrete d) -> Some(Dist.support d)
            | _ -> None

        let factors = m.Factors |> List.map (Bound.node b)

        let factorsGlobal =
            factors
            |> List.forall (fun f ->
                match f.Node.Kind with
                | NodeKind.Factor e -> Factor.readsOnlyScalarGlobals b e
                | _ -> false)

        match supportOf target, supportOf partner, CountSums.staticCountSums b rates m.Children with
        | _ when not (Factor.readsOnlyScalarGlobals b m.A && Factor.readsOnlyScalarGlobals b m.B) ->
            Error $"the Beta arguments of '{m.Rates}' read more than scalar global parameters"
        | _ when not factorsGlobal -> Error "a factor on the hyperparameters reads more than scalar global parameters"
        | None, _, _
        | _, None, _ -> Error "a hyperparameter is discrete"
        | Some s1, Some s2, _ when not (scalarSupport s1 && scalarSupport s2) ->
            Error "a hyperparameter has a non-scalar support"
        | _, _, None -> Error $"the successes or trials of a child of '{m.Rates}' are not fixed data"
        | Some s1, Some s2, Some(ys, sizes) ->
            let fs = Array.map2 (-) sizes ys

            if
                not (Array.forall (fun y -> y >= 0.0 && Double.IsFinite y) ys)
                || not (Array.forall (fun f -> f >= 0.0 && Double.IsFinite f) fs)
            then
                Error $"the children of '{m.Rates}' have missing or negative counts or failures"
            else
                let name1, name2 = target.Node.Name, partner.Node.Name
                let off1, off2 = b.Layout.Offsets.[name1], b.Layout.Offsets.[name2]

                let scale =
                    match m.A, m.B with
                    | Param pa, Param pb when positiveSupport s1 && positiveSupport s2 ->
                        let offOf p = if p = name1 then off1 else off2
                        Scale.MeanSum(offOf pa, offOf pb)
                    | _ -> Scale.Own(off1, s1, off2, s2)

                let af = Eval.compileScalar b Scope.Global m.A
                let bf = Eval.compileScalar b Scope.Global m.B
                let marginal = BetaBinomialMarginal.create ys fs

                // The hyperparameters' own terms: their priors and the factors that read them.
                let own =
                    [ target; partner ] @ factors
                    |> List.collect (fun i ->
                        let term = LogDensity.nodeTerm b i
                        List.init i.Copies (fun c -> fun s -> term s c))
                    |> Array.ofList

                let dataOnly (e: Expr) = List.isEmpty (Expr.paramRefs e)

                let fixedTarget =
                    [ target; partner ]
                    |> List.forall (fun i ->
                        match i.Node.Kind with
                        | NodeKind.Parameter d -> Dist.arguments d |> List.forall (snd >> dataOnly)
                        | _ -> false)
                    && factors
                       |> List.forall (fun f ->
                           match f.Node.Kind with
                           | NodeKind.Factor e -> Expr.paramRefs e |> List.forall (fun p -> p = name1 || p = name2)
                           | _ -> false)

                let logTarget (s: float[]) (u1: float) (u2: float) =
                    let logJ = place scale s u1 u2
                    let mutable sum = logJ // accumulator over the own terms

                    for t in own do
                        sum <- sum + t s

                    if Double.IsNegativeInfinity sum then
                        sum
                    else
                        sum + marginal (af s 0) (bf s 0)

                let ratesOff = b.Layout.Offsets.[m.Rates]

                // the pooled rate's logit on the mean-and-size scale; the origin on the own scales
                let start =
                    match scale with
                    | Scale.MeanSum _ ->
                        let y, f = Array.sum ys, Array.sum fs
                        struct (log ((y + 0.5) / (f + 0.5)), 0.0)
                    | Scale.Own _ -> struct (0.0, 0.0)

                let method =
                    $"{name} ({name1}, {name2} with {m.Rates} integrated out; then {m.Rates})"

                // the rates given the moved hyperparameters, group g from its own stream
                let drawRates (index: int) (gs: GroupStream) (st: ChainState) (lo: int) (hi: int) =
                    let s = st.Values
                    let a, bb = af s 0, bf s 0

                    for g in lo .. hi - 1 do
                        let t =
                            drawBeta (gs.PhiloxInOrder(index, st.Sweep, g) :> Random) (a + ys.[g]) (bb + fs.[g])

                        UpdateKit.checkFinite m.Rates method t
                        s.[ratesOff + g] <- t

                Ok
                    {
                        Name1 = name1
                        Name2 = name2
                        Rates = m.Rates
                        Successes = ys
                        Failures = fs
                        LogTarget = logTarget
                        Place = fun s u1 u2 -> place scale s u1 u2 |> ignore
                        Current = current scale
                        Start = start
                        DrawRates = drawRates
                        Groups = rates.Copies
                        Fixed = fixedTarget
                    }

    /// The update of the match's two hyperparameters with the rates integrated out (each sliced in turn), then of
    /// the rates; an error (and a slice fallback) when the parts cannot be formed.
    let update (b: Bound) (target: NodeInfo) (m: CollapsedBetaMatch) : Result<Update, string> =
        parts b target m
        |> Result.map (fun p ->
            let name1, name2 = p.Name1, p.Name2

            let method =
                $"{name} ({name1}, {name2} with {m.Rates} integrated out; then {m.Rates})"

            // the hyperparameters' slice step on the marginal (the chain's generator), before the rates
            let moveHyper (sc: Scratch) (widths: SliceWidth[]) (rng: Random) (st: ChainState) =
                let s = st.Values
                sc.Values <- s
                let struct (u1, u2) = p.Current s
                let f0 = p.LogTarget s u1 u2

                if not (Double.IsFinite f0) then
                    UpdateKit.fail name1 method $"the log-density at the current value is {f0}"

                sc.U2 <- u2
                let r1 = Slice.stepFrom rng sc.Along1 widths.[0].Width UpdateKit.maxSteps u1 f0
                sc.U1 <- r1.Value

                let r2 =
                    Slice.stepFrom rng sc.Along2 widths.[1].Width UpdateKit.maxSteps u2 r1.LogDensity

                p.Place s r1.Value r2.Value

                if st.Adapting then
                    widths.[0] <- Slice.adaptWidth widths.[0] u1 r1.Value
                    widths.[1] <- Slice.adaptWidth widths.[1] u2 r2.Value

            {
                Node = name1
                Method = method
                Kind = UpdateKind.Rule name
                Exactness = Exactness.Markov
                Reason = ""
                KeepsWeight = false
                Init =
                    fun setup ->
                        let sc = Scratch()
                        sc.Along1 <- fun v -> p.LogTarget sc.Values v sc.U2
                        sc.Along2 <- fun v -> p.LogTarget sc.Values sc.U1 v
                        let widths = UpdateStep.widths 2

                        UpdateStep.withWidths widths ignore2
                        |> UpdateStep.grouped
                            {
                                Count = p.Groups
                                Prepare = moveHyper sc widths
                                RunRange = p.DrawRates setup.Index
                            }
            })

    /// The plan pass after the rules: each collapsed update already moves its partner and draws the rates exactly,
    /// so the partner's slice step (a move given θ) and the rates' own Beta-Binomial draw (a fresh θ given the same
    /// a, b) only repeat it; they are dropped and the update is listed under the three nodes. Other updates of the
    /// partner or the rates (a user's rule) are kept.
    let combine (expanded: Model) (updates: Update[]) : Update[] =
        let matches =
            updates
            |> Array.choose (fun u ->
                match u.Kind, Model.tryFind u.Node expanded with
                | UpdateKind.Rule r, Some node when r = name ->
                    match CollapsedBetaConjugacy.recogniser.Recognise expanded node with
                    | RuleOutcome.Matched m -> Some(u.Node, m)
                    | _ -> None
                | _ -> None)

        let repeats (u: Update) =
            matches
            |> Array.exists (fun (_, m) ->
                (u.Node = m.Partner && u.Kind = UpdateKind.Slice)
                || (u.Node = m.Rates && u.Kind = UpdateKind.Rule CountConjugacy.betaBinomial.Name))

        updates
        |> Array.filter (repeats >> not)
        |> Array.map (fun u ->
            match matches |> Array.tryFind (fun (n, _) -> n = u.Node) with
            | Some(_, m) ->
                { u with
                    Node = $"{u.Node}, {m.Partner}, {m.Rates}"
                }
            | None -> u)
