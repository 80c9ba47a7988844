namespace HierFunctional

open System
open HierFunctional.Inference

/// ASIS interweaving (Yu & Meng 2011) of the scale of random effects drawn in a shared-ω logistic block or by the
/// collapsed logistic-intercepts step, whose prior mean is fixed data (θ_e ~ Normal(m_e, σ(τ)), seeds' b ~ Normal(0, τ)), which `Interweave` leaves out because it
/// moves a parameter mean with τ. The block draws θ given τ (centred); when σ is small the θ_e pin τ and both crawl.
/// After the block this update slices log τ with η = (θ − m)/σ(τ) held fixed: the target is p(τ), τ's other
/// dependents, the θ's children at θ = m + σ(τ)η (θ's own prior terms become p(η), free of τ) and the Jacobian τ.
/// When every child of θ is a logistic row with data coefficients, `ConditionalCentring` replaces this step.
[<RequireQualifiedAccess>]
module internal LogitScaleInterweave =

    let private create
        (density: CompiledDensity)
        (expanded: Model)
        (theta: NodeInfo)
        (mean: Expr)
        (tau: NodeInfo)
        (link: ScaleLink)
        =
        let b = density.Bound
        // θ's logistic children as frozen rows (one exp and one log per row per evaluation), when they take that form
        let logit = LogitRows.tryCreate b expanded theta [ tau.Node.Name ]

        let sdOf = InterweaveKit.sdOf link

        let j = theta.Copies

        let thetaOff, tauOff =
            b.Layout.Offsets.[theta.Node.Name], b.Layout.Offsets.[tau.Node.Name]

        let means = UpdateKit.precompute b theta.Scope j mean

        let isChild = InterweaveKit.termFlags b (InterweaveKit.childChunks density theta)

        let terms =
            Seq.append (InterweaveKit.ownTerms density tau) (InterweaveKit.childChunks density theta)
            |> InterweaveKit.distinctKept (fun t -> t.Node <> theta.Node.Name && (logit.IsNone || not (isChild t)))
            |> Array.map density.Term

        let node = $"{tau.Node.Name} | {theta.Node.Name}"

        let method =
            $"interweaving (ASIS: slices {tau.Node.Name} with ({theta.Node.Name} - prior mean)/sd fixed)"

        {
            Node = node
            Method = method
            Kind = UpdateKind.Interweaving
            Exactness = Exactness.Markov
            Reason = ""
            KeepsWeight = false
            Init =
                fun _ ->
                    let eta = Array.zeroCreate<float> j

                    let buffers =
                        match logit with
                        | Some rows -> LogitRows.buffers rows
                        | None -> [||], [||]

                    UpdateStep.scratch (fun rng st ->
                        let s = st.Values
                        let sd0 = sdOf s.[tauOff]

                        for e in 0 .. j - 1 do
                            eta.[e] <- (s.[thetaOff + e] - means.[e]) / sd0

                        match logit with
                        | Some rows -> LogitRows.freeze rows buffers s
                        | None -> ()

                        // log τ's target; writes τ and θ = m + σ(τ)η into the state it evaluates (hot loop)
                        let target (u: float) =
                            let t = exp u
                            s.[tauOff] <- t
                            let sd = sdOf t

                            for e in 0 .. j - 1 do
                                s.[thetaOff + e] <- means.[e] + sd * eta.[e]

                            let mutable total = u

                            for f in terms do
                                total <- total + f s

                            match logit with
                            | Some rows -> total <- total + LogitRows.logLikelihood rows buffers s
                            | None -> ()

                            if Double.IsNaN total then -infinity else total

                        let u1 = UpdateKit.sliceStep node method rng target 1.0 (log s.[tauOff])
                        target u1.Value |> ignore)
        }

    /// A fixed-mean random effect in a `LogitBlock` or collapsed logistic-intercepts update with a scalar positive scale parameter whose update keeps no
    /// mixing weight: the θ, its mean and its scale node.
    let candidates (b: Bound) (updates: Update[]) =
        updates
        |> Array.filter (fun u -> u.Kind = UpdateKind.LogitBlock || u.Kind = UpdateKind.LogisticIntercepts)
        |> Array.collect (fun u -> u.Node.Split ", ")
        |> Array.choose (fun name ->
            let info = b.NodeMap.[name]

            match info.Node.Kind, info.Node.Plate with
            | NodeKind.Parameter(Dist.Normal(mean, sd)), Plate.Over _ when Factor.isDataOnly mean ->
                match NormalConjugacy.scaleOf (Graph.inlineDerived b.Model sd) with
                | Some(t, link) ->
                    match b.NodeMap.TryFind t with
                    | Some tau when
                        Factor.isScalarGlobalParameter b t
                        && tau.ParameterSupport = Some Support.Positive
                        && updates |> Array.forall (fun v -> v.Node <> t || not v.KeepsWeight)
                        ->
                        Some(info, mean, tau, link)
                    | _ -> None
                | None -> None
            | _ -> None)

    /// Appends one interweaving step per candidate.
    let add (density: CompiledDensity) (updates: Update[]) : Update[] =
        let expanded = lazy (Graph.expand density.Bound.Model)

        let extra =
            candidates density.Bound updates
            |> Array.map (fun (theta, mean, tau, link) -> create density expanded.Value theta mean tau link)

        Array.append updates extra
