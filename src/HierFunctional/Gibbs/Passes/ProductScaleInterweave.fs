namespace HierFunctional

open System
open HierFunctional.Inference

/// ASIS interweaving (Yu & Meng 2011) of a scale that multiplies random effects inside the predictor rather than in
/// their prior: oxford's σ·b_i with b_i ~ Normal(0, 1), σ ~ Uniform(0, 3). The shared-ω block draws b given σ and σ's
/// own update moves σ given b, and σ·b is what the data identify, so both crawl. After them this step moves log σ with
/// θ = σ·b held fixed (b = θ/σ): the predictor, hence every row, is unchanged, so the target is p(σ) · Π_e
/// Normal(θ_e/σ; m_e, s_e) · σ^(−J) (the Jacobian of b = θ/σ) · σ (of log σ), O(J) per evaluation and no row visited.
/// Taken when b has a data-only Normal prior and sits in a `LogitBlock` update, σ is a scalar positive parameter read
/// by none of b's prior, every child of b reads σ only as a factor of b's coefficient, and σ has no other dependent.
[<RequireQualifiedAccess>]
module internal ProductScaleInterweave =

    let private create
        (b: Bound)
        (theta: NodeInfo)
        (means: float[])
        (sds: float[])
        (sigma: NodeInfo)
        (priorOfSigma: float[] -> float)
        =
        let j = theta.Copies
        let thetaOff = b.Layout.Offsets.[theta.Node.Name]
        let sigmaOff = b.Layout.Offsets.[sigma.Node.Name]
        let node = $"{sigma.Node.Name} | {theta.Node.Name}"

        let method =
            $"interweaving (ASIS: slices {sigma.Node.Name} with {sigma.Node.Name}*{theta.Node.Name} fixed; no row visited)"

        {
            Node = node
            Method = method
            Kind = UpdateKind.Interweaving
            Exactness = Exactness.Approximate
            Reason = ""
            KeepsWeight = false
            Init =
                fun _ ->
                    let product = Array.zeroCreate<float> j

                    UpdateStep.scratch (fun rng st ->
                        let s = st.Values
                        let sigma0 = s.[sigmaOff]

                        for e in 0 .. j - 1 do
                            product.[e] <- sigma0 * s.[thetaOff + e]

                        // log σ's target with θ fixed; writes σ and b = θ/σ into the state it evaluates (hot loop)
                        let target (u: float) =
                            let sg = exp u
                            s.[sigmaOff] <- sg
                            let mutable total = priorOfSigma s + u * (1.0 - float j)

                            for e in 0 .. j - 1 do
                                let x = product.[e] / sg
                                s.[thetaOff + e] <- x
                                let z = (x - means.[e]) / sds.[e]
                                total <- total - 0.5 * z * z

                            if Double.IsNaN total then -infinity else total

                        let u1 = UpdateKit.sliceStep node method rng target 1.0 (log sigma0)
                        target u1.Value |> ignore)
        }

    /// σ when `coefficient` is σ times a σ-free expression (a linear form in σ with a zero data-only offset).
    let private scaleIn (b: Bound) (child: NodeInfo) (sigma: string) (coefficient: Expr) =
        match Linear.analyse sigma coefficient with
        | Some form when
            Factor.isDataOnly form.Offset
            && form.Terms
               |> List.forall (fun (slot, c) -> slot = Slot.Whole && not (Expr.dependsOn sigma c))
            && not form.Terms.IsEmpty
            ->
            let zero = UpdateKit.precompute b child.Scope child.Copies form.Offset
            zero |> Array.forall (fun x -> x = 0.0)
        | _ -> false

    /// The (b, σ) pairs of the plan's `LogitBlock` updates.
    let private candidates (density: CompiledDensity) (expanded: Model) (updates: Update[]) =
        let b = density.Bound

        updates
        |> Array.filter (fun u -> u.Kind = UpdateKind.LogitBlock)
        |> Array.collect (fun u -> u.Node.Split ", ")
        |> Array.choose (fun name ->
            let theta = b.NodeMap.[name]

            match theta.Node.Kind, GlmConjugacy.polyaGammaLogistic.Recognise expanded theta.Node with
            | NodeKind.Parameter(Dist.Normal(mean, sd)), RuleOutcome.Matched(_, children) when
                Factor.isDataOnly mean && Factor.isDataOnly sd
                ->
                let sigmas =
                    children
                    |> List.collect (fun c -> Expr.paramRefs c.Coefficient)
                    |> List.distinct
                    |> List.filter (fun p -> Factor.isScalarGlobalParameter b p)

                match sigmas with
                | [ sg ] ->
                    let sigma = b.NodeMap.[sg]

                    let positive =
                        match sigma.Node.Kind with
                        | NodeKind.Parameter d ->
                            Dist.support d = Support.Positive
                            || (match d with
                                | Dist.Uniform(Const lo, Const hi) -> lo >= 0.0 && hi > lo
                                | _ -> false)
                        | _ -> false

                    let childTerms =
                        [|
                            for c in 0 .. theta.Copies - 1 do
                                yield! density.Dependents.[name].[c]
                        |]
                        |> Set.ofArray

                    let sigmaTerms = density.Dependents.[sg].[0] |> Set.ofArray

                    let onlyAsFactor =
                        children
                        |> List.forall (fun c ->
                            not (Expr.dependsOn sg c.Offset)
                            && scaleIn b (Bound.node b c.Node.Name) sg c.Coefficient)

                    if positive && onlyAsFactor && Set.isSubset sigmaTerms childTerms then
                        let j = theta.Copies
                        let means = UpdateKit.precompute b theta.Scope j mean
                        let sds = UpdateKit.precompute b theta.Scope j sd

                        if sds |> Array.forall (fun x -> x > 0.0 && Double.IsFinite x) then
                            let prior = density.Term { Term.Node = sg; Copy = 0 }
                            Some(create b theta means sds sigma prior)
                        else
                            None
                    else
                        None
                | _ -> None
            | _ -> None)

    /// Appends one interweaving step per (b, σ) pair.
    let add (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        Array.append updates (candidates density expanded updates)
