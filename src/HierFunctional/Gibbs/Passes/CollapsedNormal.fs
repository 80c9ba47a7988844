namespace HierFunctional

open System
open System.Numerics
open HierFunctional.Inference

/// A Normal hierarchy over observations with known standard deviations, centred (θ_j ~ N(μ, τ), y_i ~ N(a_i +
/// c_i·θ[j_i], s_i)) or non-centred (η_j ~ N(0, 1), y_i ~ N(a_i + μ + τ·η[j_i], s_i)), with a, c and s data: the
/// group values and μ integrate out in closed form. τ's marginal p(τ | y) is then fixed by the data, so it is
/// tabulated once (`TabulatedProposal`) and τ moves by an independence Metropolis–Hastings step from the table, and
/// μ | τ, y and θ | μ, τ, y (η = (θ − μ)/τ) are drawn exactly: one blocked step for all three whose draws are nearly
/// independent between sweeps (eight schools), as `CollapsedRate` does for pumps.
/// A centred hierarchy whose a, c or s read other parameters (radon: a_i = β·floor_i, s_i = σ) integrates out the
/// same way given them: p(τ | β, σ, y) changes every sweep, so τ is slice-sampled on it (P_j, S_j formed each
/// sweep as θ's own update forms them) before μ and θ are drawn exactly. Each slice evaluation of that marginal is
/// O(J) and a step takes several, so above `MaxSlicedGroups` groups (where the data pin τ and interweaving mixes it)
/// the hierarchy keeps its one-node-at-a-time plan.
[<RequireQualifiedAccess>]
module internal CollapsedNormal =

    let private rule = "collapsed Normal hierarchy"

    /// The most groups a hierarchy whose τ marginal changes every sweep is collapsed for: at 10⁶ groups the sliced
    /// step cost twice the interweaving plan per group and sweep (`scale-cpu`, bench/results/session12-scale.md).
    [<Literal>]
    let MaxSlicedGroups = 10000

    /// The parts of a matched hierarchy: the three nodes, μ's Normal prior, and the children as they read θ.
    type private Pattern =
        {
            Mu: NodeInfo
            Tau: NodeInfo
            /// θ (centred) or η (non-centred).
            Groups: NodeInfo
            NonCentred: bool
            M0: Expr
            S0: Expr
            /// The observations with θ's coefficient and offset (μ taken out of the non-centred offsets).
            Children: GaussianChild list
        }


    let private knownSd (c: GaussianChild) =
        c.Node.Kind.IsObserved
        && Factor.isDataOnly c.Offset
        && Factor.isDataOnly c.Coefficient
        && Factor.isDataOnly c.Sd

    /// An observed child whose offset, coefficient and sd read none of the hierarchy's nodes: given the parameters
    /// they do read, θ still integrates out in closed form.
    let private freeOf (names: string list) (c: GaussianChild) =
        let reads (e: Expr) =
            Expr.paramRefs e |> List.exists (fun r -> List.contains r names)

        c.Node.Kind.IsObserved
        && not (reads c.Offset || reads c.Coefficient || reads c.Sd)

    let private childSet (expanded: Model) (name: string) =
        Graph.children expanded name |> List.map (fun n -> n.Name) |> Set.ofList

    /// θ written through μ and τ in a non-centred child: offset μ + a and coefficient τ, with a data.
    let private asCentred (mu: string) (tau: string) (c: GaussianChild) : GaussianChild option =
        match c.Coefficient, Linear.tryAffine mu c.Offset with
        | Param t, Some(a, Slot.Whole, Const 1.0) when t = tau && Factor.isDataOnly a ->
            Some
                { c with
                    Offset = a
                    Coefficient = Const 1.0
                }
        | _ -> None

    let private find (b: Bound) (expanded: Model) (groups: NodeInfo) (children: GaussianChild list) =
        let scalarParam name =
            if Factor.isScalarGlobalParameter b name then
                Some(Bound.node b name)
            else
                None

        let normalPrior (info: NodeInfo) =
            match info.Node.Kind with
            | NodeKind.Parameter(Dist.Normal(m0, s0)) -> Some(m0, s0)
            | _ -> None

        let positive (info: NodeInfo) =
            info.ParameterSupport = Some Support.Positive

        let pattern mu tau nonCentred cs =
            match scalarParam mu, scalarParam tau with
            | Some muInfo, Some tauInfo when mu <> tau && positive tauInfo ->
                match normalPrior muInfo with
                | Some(m0, s0) when
                    Factor.isDataOnly m0
                    && Factor.isDataOnly s0
                    && (match tauInfo.Node.Kind with
                        | NodeKind.Parameter d -> Dist.arguments d |> List.forall (fun (_, e) -> Factor.isDataOnly e)
                        | _ -> false)
                    ->
                    Some
                        {
                            Mu = muInfo
                            Tau = tauInfo
                            Groups = groups
                            NonCentred = nonCentred
                            M0 = m0
                            S0 = s0
                            Children = cs
                        }
                | _ -> None
            | _ -> None

        let observed = children |> List.map (fun c -> c.Node.Name) |> Set.ofList

        if groups.Scope = Scope.Global || groups.Event <> Shape.Scalar || children.IsEmpty then
            None
        else
            match groups.Node.Kind with
            // centred: θ_j ~ N(μ, τ) is all that reads μ and τ; the children may read other parameters
            | NodeKind.Parameter(Dist.Normal(Param mu, Param tau)) when
                children |> List.forall (freeOf [ mu; tau; groups.Node.Name ])
                && childSet expanded mu = Set.singleton groups.Node.Name
                && childSet expanded tau = Set.singleton groups.Node.Name
                ->
                pattern mu tau false children
            // non-centred: η_j ~ N(0, 1) and every child reads μ + τ·η; nothing else reads μ or τ
            | NodeKind.Parameter(Dist.Normal(Const 0.0, Const 1.0)) ->
                match children.Head.Coefficient, Expr.paramRefs children.Head.Offset with
                | Param tau, [ mu ] ->
                    let centred = children |> List.choose (asCentred mu tau)

                    if
                        centred.Length = children.Length
                        && centred |> List.forall knownSd
                        && childSet expanded mu = observed
                        && childSet expanded tau = observed
                    then
                        pattern mu tau true centred
                    else
                        None
                | _ -> None
            | _ -> None

    /// log p(τ | y) up to a constant, with μ ~ N(m0, s0²) and θ integrated out: per group d = 1 + τ²P,
    /// Σ (S²τ²/(2d) − ½ log d) − ½ log A + B²/(2A), A = 1/s0² + Σ P/d, B = m0/s0² + Σ S/d. Also leaves A, B and the
    /// τ they belong to in ab.[0..2], so a caller can tell whether they are still current.
    let internal logMarginal (p: float[]) (q: float[]) (m0: float) (s0: float) (tau: float) (ab: float[]) =
        let t2 = tau * tau
        let mutable a = 1.0 / (s0 * s0)
        let mutable bb = m0 * a
        let mutable c = 0.0
        // Σ log d as the log of running products (one log per ~10 groups, not one per group); d ≥ 1.
        let mutable prod = 1.0
        let mutable logs = 0.0

        for g in 0 .. p.Length - 1 do
            let d = 1.0 + t2 * p.[g]
            let s = q.[g]
            let r = 1.0 / d
            a <- a + p.[g] * r
            bb <- bb + s * r
            c <- c + s * s * t2 * r

            if d < 1e100 then
                prod <- prod * d

                if prod > 1e200 then
                    logs <- logs + log prod
                    prod <- 1.0
            else
                logs <- logs + log d

        ab.[0] <- a
        ab.[1] <- bb
        ab.[2] <- tau
        0.5 * (c - logs - log prod - log a + bb * bb / a)

    /// One chain's scratch: the state of the current update and the children's P_j, S_j, read by a log-marginal
    /// closure made once per chain (so a sweep allocates nothing), A, B of the last τ it was evaluated at (with that
    /// τ), and the point log τ the last tabulated step ended at with its log target.
    [<AllowNullLiteral>]
    type private Scratch(p: float[], q: float[]) =
        member val Values: float[] = null with get, set
        member _.P = p
        member _.Q = q
        member val AB: float[] = [| nan; nan; nan |]
        member val LogMarginal: float -> float = (fun _ -> nan) with get, set
        member val U = nan with get, set
        member val FU = nan with get, set
        /// exp U, the τ the last step wrote.
        member val TU = nan with get, set
        /// The point of the log target's last evaluation and the τ = exp of it that the evaluation wrote.
        member val LastU = nan with get, set
        member val LastT = nan with get, set
        /// The groups' N(0, 1) variates of a sweep.
        member val Z: float[] = Array.zeroCreate p.Length

    /// The update, or None when τ's marginal is fixed by the data but cannot be tabulated (too flat to cover
    /// within the scan).
    let private create (density: CompiledDensity) (pt: Pattern) : Update option =
        let b = density.Bound
        let mu, tau, groups = pt.Mu.Node.Name, pt.Tau.Node.Name, pt.Groups.Node.Name
        let nodes = $"{mu}, {tau}, {groups}"
        let j = pt.Groups.Copies
        // P_j and S_j as θ's own Normal-Normal update forms them: once when they are data, else every sweep.
        let fill = GaussianLikelihood.gaussianLikelihood b pt.Groups pt.Children
        let known = pt.Children |> List.forall knownSd
        let zero = UpdateKit.zeroState b
        let m0 = Eval.compileScalar b Scope.Global pt.M0 zero 0
        let s0 = Eval.compileScalar b Scope.Global pt.S0 zero 0
        let own = density.Term { Node = tau; Copy = 0 }
        let muOff, tauOff = b.Layout.Offsets.[mu], b.Layout.Offsets.[tau]
        let gOff = b.Layout.Offsets.[groups]
        let priorOk = Double.IsFinite m0 && s0 > 0.0 && Double.IsFinite s0

        // log p(log τ | the rest, y) with θ and μ integrated out: τ's own prior term reads τ from the state it is
        // given.
        let logTarget (p: float[]) (q: float[]) (s: float[]) (ab: float[]) (u: float) =
            let t = exp u
            s.[tauOff] <- t

            if t > 0.0 && Double.IsFinite t then
                own s + logMarginal p q m0 s0 t ab + u
            else
                Double.NegativeInfinity

        let scratch (p: float[]) (q: float[]) =
            let sc = Scratch(p, q)

            sc.LogMarginal <-
                fun u ->
                    let f = logTarget sc.P sc.Q sc.Values sc.AB u
                    sc.LastU <- u
                    sc.LastT <- sc.Values.[tauOff]
                    f

            sc

        // μ | τ, y at the τ now in the state.
        let drawMu (sc: Scratch) (rng: Random) (s: float[]) =
            let t = s.[tauOff]

            // A and B at the new τ: still there when the step's last evaluation was at it
            if sc.AB.[2] <> t then
                logMarginal sc.P sc.Q m0 s0 t sc.AB |> ignore

            let m = sc.AB.[1] / sc.AB.[0] + StandardNormal.sample rng / sqrt sc.AB.[0]
            UpdateKit.checkFinite mu rule m
            s.[muOff] <- m

        let nonCentred = pt.NonCentred

        // θ_g | μ, τ, y ~ N((μ + τ²S)/d, τ²/d), d = 1 + τ²P, from its N(0, 1) variate z (η = (θ − μ)/τ), at the
        // state's τ = t and μ = m
        let drawTheta (sc: Scratch) (s: float[]) (t: float) (m: float) (g: int) (z: float) =
            let t2 = t * t
            let d = 1.0 + t2 * sc.P.[g]
            let theta = (m + t2 * sc.Q.[g]) / d + t / sqrt d * z
            let v = if nonCentred then (theta - m) / t else theta
            UpdateKit.checkFinite groups rule v
            s.[gOff + g] <- v

        // drawTheta for every group from the variates z.[g], Vector<float>.Count groups at a time: the same IEEE
        // operations lane by lane (no fused multiply-adds), so the same bits; the variates are drawn first, in group
        // order, since these draws take none.
        let drawThetas (sc: Scratch) (s: float[]) (t: float) (m: float) (z: float[]) =
            let width = Vector<float>.Count
            let t2 = t * t
            let vt, vt2, vm = Vector<float>(t), Vector<float>(t2), Vector<float>(m)
            let mutable g = 0

            while g + width <= j do
                let d = Vector<float>.One + vt2 * Vector<float>(sc.P, g)

                let theta =
                    (vm + vt2 * Vector<float>(sc.Q, g)) / d
                    + vt / Vector.SquareRoot d * Vector<float>(z, g)

                let v = if nonCentred then (theta - vm) / vt else theta

                if not (Vector.LessThanAll(Vector.Abs v, Vector<float>(Double.PositiveInfinity))) then
                    for k in 0 .. width - 1 do
                        UpdateKit.checkFinite groups rule v.[k]

                v.CopyTo(s, gOff + g)
                g <- g + width

            while g < j do
                drawTheta sc s t m g z.[g]
                g <- g + 1

        // `reuse`: P_j, S_j are data, so the target depends on log τ alone, and log (exp u1) is the last step's end
        // point u1 again about three times in four. NaN never equals, so a fresh scratch evaluates; so does 0, which
        // equals −0 (the target's last term adds u itself).
        let current (reuse: bool) (sc: Scratch) (s: float[]) =
            sc.Values <- s
            let u = log s.[tauOff]

            let fu =
                if reuse && u = sc.U && u <> 0.0 then
                    sc.FU
                else
                    sc.LogMarginal u

            if not (Double.IsFinite fu) then
                UpdateKit.fail nodes rule $"the log-density at the current {tau} = {s.[tauOff]} is {fu}"

            struct (u, fu)

        let update method step =
            {
                Node = nodes
                Method =
                    $"{rule} ({groups} and {mu} integrated out: {tau} by {method}, then {mu}, {groups} drawn exactly)"
                Kind = UpdateKind.CollapsedNormal
                Exactness = Exactness.Markov
                Reason = ""
                KeepsWeight = false
                Init = step
            }

        if not priorOk || (not known && j > MaxSlicedGroups) then
            None
        elif known then
            let p, q = Array.zeroCreate j, Array.zeroCreate j
            fill zero p q (Array.zeroCreate j)

            // Start the table's scan near the observations' typical sd.
            let start =
                let inv = p |> Array.filter (fun x -> x > 0.0) |> Array.map (fun x -> 1.0 / x)

                if inv.Length = 0 then
                    0.0
                else
                    0.5 * log (Array.average inv)

            let s, ab = Array.zeroCreate b.Layout.Size, Array.zeroCreate 3

            TabulatedProposal.TryCreate(logTarget p q s ab, start)
            |> Option.map (fun g ->
                let run (sc: Scratch) (rng: Random) (st: ChainState) =
                    let struct (u, fu) = current true sc st.Values
                    let struct (u1, f1) = g.Step(rng, sc.LogMarginal, u, fu)
                    // exp u1 as an evaluation or the last step already computed it (the proposal when accepted)
                    let t1 =
                        if u1 = sc.LastU then sc.LastT
                        elif u1 = sc.U then sc.TU
                        else exp u1

                    sc.U <- u1
                    sc.FU <- f1
                    sc.TU <- t1
                    let s = st.Values
                    s.[tauOff] <- t1
                    drawMu sc rng s
                    StandardNormal.fill rng sc.Z j
                    drawThetas sc s t1 s.[muOff] sc.Z

                update "independence Metropolis-Hastings from its tabulated marginal" (fun _ ->
                    UpdateStep.scratch (run (scratch p q))))
        else
            // τ and μ before the groups; each θ_g then from its own stream, so the groups can be split across
            // threads or shards (`GroupWise`).
            let prepare (sc: Scratch) (ys: float[]) (widths: SliceWidth[]) (rng: Random) (st: ChainState) =
                let s = st.Values
                fill s sc.P sc.Q ys
                let struct (u, fu) = current false sc s
                let w = widths.[0]
                let r = Slice.stepFrom rng sc.LogMarginal w.Width UpdateKit.maxSteps u fu
                s.[tauOff] <- exp r.Value

                if st.Adapting then
                    widths.[0] <- Slice.adaptWidth w u r.Value

                drawMu sc rng s

            let drawRange (sc: Scratch) (update: int) (gs: GroupStream) (st: ChainState) (lo: int) (hi: int) =
                let mutable first = lo
                let t, m = st.Values.[tauOff], st.Values.[muOff]

                // eight groups' N(0, 1) variates at a time, from their streams' first blocks computed together
                while first < hi do
                    let n = min PhiloxBlocks.Stride (hi - first)
                    let z = gs.FirstNormals(update, st.Sweep, first, n)

                    for i in 0 .. n - 1 do
                        drawTheta sc st.Values t m (first + i) z.[i]

                    first <- first + n

            Some(
                update "slice sampling on its marginal given the other parameters" (fun setup ->
                    let widths = UpdateStep.widths 1
                    let sc = scratch (Array.zeroCreate j) (Array.zeroCreate j)

                    UpdateStep.withWidths widths (fun _ _ -> ())
                    |> UpdateStep.grouped
                        {
                            Count = j
                            Prepare = prepare sc (Array.zeroCreate j) widths
                            RunRange = drawRange sc setup.Index
                        })
            )

    /// Replaces the updates of μ, τ and the group node of each matched hierarchy by one collapsed update, at the
    /// place of the first of them; other updates are left as they are.
    let combine (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        let b = density.Bound

        let matches =
            updates
            |> Array.choose (fun u ->
                match u.Kind, Model.tryFind u.Node expanded with
                | UpdateKind.Rule r, Some node when r = NormalConjugacy.normalMean.Name ->
                    match NormalConjugacy.normalMean.Recognise expanded node |> RuleOutcome.toOption with
                    | Some(_, _, children) ->
                        find b expanded (Bound.node b u.Node) children
                        |> Option.bind (fun pt ->
                            create density pt
                            |> Option.map (fun joint ->
                                Set.ofList [ pt.Mu.Node.Name; pt.Tau.Node.Name; u.Node ], joint))
                    | None -> None
                | _ -> None)

        UpdateKit.placeJoints matches updates
