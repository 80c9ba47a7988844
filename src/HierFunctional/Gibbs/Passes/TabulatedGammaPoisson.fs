namespace HierFunctional

open System
open HierFunctional.Inference

/// Group rates θ_g ~ Gamma(α, rate β) with Poisson children of data counts and exposures (BUGS pumps), where α and β
/// are scalar parameters with priors of data arguments that nothing but θ reads: θ integrates out, leaving
/// p(α, β | x) ∝ p(α) p(β) Π_g Γ(α + X_g)/Γ(α) · β^α/(β + T_g)^(α + X_g) (a product of negative-binomial terms,
/// X_g and T_g the group's summed counts and exposures), fixed by the data. The pass replaces the updates of α
/// (slice with β integrated out), β and θ by one step: (log α, log β) by `TabulatedPair`'s independence MH step from
/// a table of that marginal, then θ_g ~ Gamma(α + X_g, β + T_g) exactly.
[<RequireQualifiedAccess>]
module internal TabulatedGammaPoisson =

    let private rule = "collapsed Gamma-Poisson"

    /// The step for rates node `rates` (the Gamma-Poisson rule's node), or None when the pattern does not hold.
    let private tryPair (density: CompiledDensity) (expanded: Model) (rates: NodeInfo) =
        let b = density.Bound

        match CountConjugacy.gammaPoisson.Recognise expanded rates.Node with
        | RuleOutcome.Matched(Param alpha, Param beta, children) when
            alpha <> beta
            && rates.Event = Shape.Scalar
            && UpdateKit.isPrivateHyperparameter density rates.Node.Name Support.Positive alpha
            && UpdateKit.isPrivateHyperparameter density rates.Node.Name Support.Positive beta
            ->
            match CountSums.staticCountSums b rates children with
            | Some(xs, ts) when Array.forall2 (fun x t -> x >= 0.0 && t >= 0.0 && Double.IsFinite(x + t)) xs ts ->
                let pairs = Array.zip xs ts |> Array.countBy id
                let px = pairs |> Array.map (fst >> fst)
                let pt = pairs |> Array.map (fst >> snd)
                let pm = pairs |> Array.map (snd >> float)
                let groups = float xs.Length
                let offA, offB = b.Layout.Offsets.[alpha], b.Layout.Offsets.[beta]
                let ownA = density.Term { Node = alpha; Copy = 0 }
                let ownB = density.Term { Node = beta; Copy = 0 }

                // log p(log α, log β | x): priors, Jacobian α·β, and the negative-binomial terms over distinct (X, T)
                let logTarget (s: float[]) (u1: float) (u2: float) =
                    let a, bb = exp u1, exp u2
                    s.[offA] <- a
                    s.[offB] <- bb

                    if a > 0.0 && bb > 0.0 && Double.IsFinite(a + bb) then
                        let la, lb = LogGamma.value a, log bb
                        let mutable sum = ownA s + ownB s + u1 + u2 + groups * (a * lb - la) // accumulator

                        for i in 0 .. px.Length - 1 do
                            let x = px.[i]
                            let g = if x = 0.0 then la else LogGamma.value (a + x)
                            sum <- sum + pm.[i] * (g - (a + x) * log (bb + pt.[i]))

                        sum
                    else
                        Double.NegativeInfinity

                let name = rates.Node.Name
                let off = b.Layout.Offsets.[name]

                let drawGroups (index: int) (gs: GroupStream) (st: ChainState) (lo: int) (hi: int) =
                    let s = st.Values
                    let a, bb = s.[offA], s.[offB]

                    for j in lo .. hi - 1 do
                        let rng = gs.PhiloxInOrder(index, st.Sweep, j)
                        let x = Numerics.positive (GammaVariate.fromPhilox rng (a + xs.[j]) (bb + ts.[j]))
                        UpdateKit.checkFinite name rule x
                        s.[off + j] <- x

                Some(
                    alpha,
                    beta,
                    ({
                        Name1 = alpha
                        Name2 = beta
                        Off1 = offA
                        Off2 = offB
                        LogTarget = logTarget
                        Current = fun s -> struct (log s.[offA], log s.[offB])
                        Start = struct (0.0, 0.0)
                        Terms = pairs.Length
                        Groups = rates.Copies
                        DrawGroups = drawGroups
                    }
                    : TabulatedPair.Pair)
                )
            | _ -> None
        | _ -> None

    /// Replaces the updates of α, β and θ of each matched hierarchy by the one tabulated step, at the place of the
    /// first of them, when each has its own update and the table is built; otherwise the plan is left as it is.
    let combine (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        let b = density.Bound

        let find (u: Update) =
            match u.Kind with
            | UpdateKind.Rule r when r = CountConjugacy.gammaPoisson.Name ->
                tryPair density expanded (Bound.node b u.Node)
            | _ -> None

        let build (u: Update) alpha beta pair =
            TabulatedPair.tryUpdate
                b.Layout.Size
                $"{alpha}, {beta}, {u.Node}"
                UpdateKind.CollapsedGammaPoisson
                $"{rule} ({u.Node} integrated out: {alpha}, {beta} by independence Metropolis-Hastings from their tabulated marginal; then {u.Node} drawn exactly)"
                pair
            |> Result.toOption

        UpdateKit.replaceHierarchies find build updates
