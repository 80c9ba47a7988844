namespace HierFunctional

open System
open HierFunctional.Inference

/// ASIS interweaving (Yu & Meng 2011) for Normal random effects whose children are log-linear count rows:
/// θ_e ~ Normal(μ, σ(τ)) with σ written as an sd, a variance or a precision (BUGS's `1/sqrt tau`), and
/// y_i ~ Poisson(exp(a_i + c_i θ[e_i])) or NegativeBinomial. The centred updates (τ | θ in closed form, each θ_e sliced
/// through its own counts) crawl when a few counts say little about each θ_e, as for BUGS Epil's patient-visit effects.
/// After them this update moves τ, then μ, under the non-centred parameterisation θ = μ + σ(τ)·η with η held fixed. In
/// (μ, τ, η) the joint is p(μ) p(τ) Π N(η_e; 0, 1) p(y | μ + σ(τ)η), so slice steps on p(τ | η, μ, y) (on τ's
/// unconstrained scale, with its Jacobian) and on p(μ | η, τ, y) leave the posterior invariant. The rows are summarised
/// once per update (`LogLinearCountUpdate.summarise`: per element Σy and W = Σ e^(a_i) E_i), so a slice evaluation costs one
/// exponential per element when an element's Poisson rows share their coefficient, and one pass over its rows otherwise.
[<RequireQualifiedAccess>]
module internal GlmInterweave =

    /// A random effect over a group with count children, its prior mean, its scale node and how the sd is written.
    type private Candidate =
        {
            Theta: NodeInfo
            Mean: Expr
            /// The prior mean's node, when it is a scalar real parameter the children do not read: it moves too.
            MeanNode: NodeInfo option
            Tau: NodeInfo
            Link: ScaleLink
            Parts: LogLinearCountUpdate.Rows[]
        }

    let private freeOf (p: string) (c: LinkedChild) =
        let family =
            match c.Family with
            | GlmFamily.Poisson e
            | GlmFamily.NegativeBinomial e
            | GlmFamily.Logistic e -> e

        [ c.Offset; c.Coefficient; family ]
        |> List.forall (fun e -> not (Expr.dependsOn p e))

    /// A scalar global parameter whose own update keeps no auxiliary variable other than a half-t augmentation
    /// (which the move refreshes): a move of it leaves no other state stale.
    let private movable (b: Bound) (updates: Update[]) (p: string) =
        Factor.isScalarGlobalParameter b p
        && updates
           |> Array.forall (fun u ->
               u.Node <> p
               || not u.KeepsWeight
               || (InterweaveKit.augmentationOf b updates b.NodeMap.[p]).IsSome)

    let private candidate (b: Bound) (expanded: Model) (updates: Update[]) (info: NodeInfo) : Candidate option =
        let name = info.Node.Name

        let countSliced =
            updates
            |> Array.exists (fun u -> u.Node = name && u.Kind = UpdateKind.Rule GlmConjugacy.logLinearCount.Name)

        match Model.tryFind name expanded, info.Node.Plate with
        | Some node, Plate.Over _ when countSliced ->
            match node.Kind with
            | NodeKind.Parameter(Dist.Normal(mean, sd)) ->
                match NormalConjugacy.scaleOf (Graph.inlineDerived b.Model sd) with
                | Some(tau, link) when
                    movable b updates tau
                    && b.NodeMap.[tau].ParameterSupport = Some Support.Positive
                    && not (Expr.dependsOn tau mean)
                    && Factor.readsOnlyScalarGlobals b mean
                    ->
                    match GlmChildren.recognise GlmChildren.logLinearChild expanded node with
                    | Ok(GaussianPrior.Elementwise _, children) when List.forall (freeOf tau) children ->
                        let meanNode =
                            match mean with
                            | Param m when
                                movable b updates m
                                && List.forall (freeOf m) children
                                && b.NodeMap.[m].ParameterSupport = Some Support.Real
                                ->
                                Some b.NodeMap.[m]
                            | _ -> None

                        children
                        |> List.map (LogLinearCountUpdate.rows b info)
                        |> PolyaGammaUpdate.collect
                        |> Result.toOption
                        |> Option.map (fun parts ->
                            {
                                Theta = info
                                Mean = mean
                                MeanNode = meanNode
                                Tau = b.NodeMap.[tau]
                                Link = link
                                Parts = parts
                            })
                    | _ -> None
                | _ -> None
            | _ -> None
        | _ -> None

    let private updateName = "interweaving"

    let private create (density: CompiledDensity) (updates: Update[]) (c: Candidate) : Update =
        let b = density.Bound
        let theta, tau, parts = c.Theta, c.Tau, c.Parts
        let n = theta.Copies
        let thetaOff = b.Layout.Offsets.[theta.Node.Name]
        let tauOff = b.Layout.Offsets.[tau.Node.Name]
        let tauRest = InterweaveKit.tauRest density theta tau
        let augmentation = InterweaveKit.augmentationOf b updates tau

        let support = tau.ParameterSupport |> Option.defaultValue Support.Positive

        let sdOf = InterweaveKit.sdOf c.Link

        let meanOf =
            let f = Eval.compileScalar b Scope.Global c.Mean
            fun s -> f s 0

        let meanMove =
            c.MeanNode
            |> Option.map (fun m -> b.Layout.Offsets.[m.Node.Name], InterweaveKit.tauRest density theta m, m.Node.Name)

        // τ's half-t weight (kept by τ's own update, found when the chain is set up), the slice widths of τ and μ,
        // and scratch that every move rebuilds.
        let run
            (weight: MixingWeight voption)
            (widths: SliceWidth[])
            (eta: float[], scratch: LogLinearCountUpdate.Scratch[])
            (rng: Random)
            (st: ChainState)
            =
            let s = st.Values

            for k in 0 .. parts.Length - 1 do
                LogLinearCountUpdate.summarise parts.[k] s scratch.[k]

            let mu0 = meanOf s
            let t0 = s.[tauOff]
            let sd0 = sdOf t0

            for e in 0 .. n - 1 do
                eta.[e] <- (s.[thetaOff + e] - mu0) / sd0

            // log p(y | θ = m + sd·η), up to terms free of θ
            let logLik (m: float) (sd: float) =
                let mutable acc = 0.0

                for k in 0 .. parts.Length - 1 do
                    let rs, sc = parts.[k], scratch.[k]

                    for e in 0 .. n - 1 do
                        acc <- acc + LogLinearCountUpdate.elementLogLik rs sc e (m + sd * eta.[e])

                acc

            let fTau u =
                let t = Transform.fromUnconstrainedScalar support u
                s.[tauOff] <- t
                logLik mu0 (sdOf t) + tauRest s + Transform.logJacobianScalar support u

            let u0 = Transform.toUnconstrainedScalar support t0

            let r = UpdateKit.sliceStep tau.Node.Name updateName rng fTau widths.[0].Width u0

            let t = Transform.fromUnconstrainedScalar support r.Value
            UpdateKit.checkFinite tau.Node.Name updateName t
            s.[tauOff] <- t

            if st.Adapting then
                widths.[0] <- Slice.adaptWidth widths.[0] u0 r.Value

            match augmentation, weight with
            | Some a, ValueSome w -> InterweaveKit.redrawWeight a w rng s t
            | _ -> ()

            let sd = sdOf t

            let mu =
                match meanMove with
                | Some(muOff, muRest, muName) ->
                    let fMu m =
                        s.[muOff] <- m
                        logLik m sd + muRest s

                    let rm = UpdateKit.sliceStep muName updateName rng fMu widths.[1].Width mu0

                    s.[muOff] <- rm.Value

                    if st.Adapting then
                        widths.[1] <- Slice.adaptWidth widths.[1] mu0 rm.Value

                    rm.Value
                | None -> mu0

            for e in 0 .. n - 1 do
                s.[thetaOff + e] <- mu + sd * eta.[e]

        let moved =
            match c.MeanNode with
            | Some m -> $"{tau.Node.Name}, then {m.Node.Name},"
            | None -> tau.Node.Name

        {
            Node =
                match c.MeanNode with
                | Some m -> $"{m.Node.Name}, {tau.Node.Name} | {theta.Node.Name}"
                | None -> $"{tau.Node.Name} | {theta.Node.Name}"
            Method =
                $"interweaving (ASIS: slices {moved} with the standardised {theta.Node.Name} fixed, through its count rows)"
            Kind = UpdateKind.Interweaving
            Exactness = Exactness.Markov
            Reason = ""
            KeepsWeight = false
            Init =
                fun setup ->
                    let weight =
                        match augmentation with
                        | Some _ -> setup.WeightOf tau.Node.Name
                        | None -> ValueNone

                    let scratch =
                        parts
                        |> Array.map (fun p ->
                            ({
                                O = Array.zeroCreate p.Copies
                                C = Array.zeroCreate p.Copies
                                Phi = Array.zeroCreate p.Copies
                                SumY = Array.zeroCreate n
                                W = Array.zeroCreate n
                                Shared = Array.zeroCreate n
                            }
                            : LogLinearCountUpdate.Scratch))

                    let widths = UpdateStep.widths (if c.MeanNode.IsSome then 2 else 1)
                    UpdateStep.withWidths widths (run weight widths (Array.zeroCreate n, scratch))
        }

    /// Appends an interweaving step for each Normal random effect whose elements are count-sliced (the update kind of
    /// `GlmConjugacy.logLinearCount`) and whose sd is a scale node's sd, variance or precision.
    let add (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        let b = density.Bound

        let extra =
            b.Nodes
            |> List.choose (candidate b expanded updates)
            |> List.map (create density updates)
            |> Array.ofList

        Array.append updates extra
