namespace HierFunctional

open System
open HierFunctional.Inference

/// Ancillarity-sufficiency interweaving (ASIS; Yu & Meng 2011) for Normal hierarchies θ_j ~ Normal(μ, τ).
/// The centred Gibbs updates (θ | μ, τ, y; μ | θ; τ | θ) mix badly when the data say little about τ — eight schools,
/// where JAGS's centred sampler crawls. After them, this update moves (μ, τ) with the ancillary η_j = (θ_j − μ)/τ
/// held fixed, i.e. under the non-centred parameterization, and maps back θ_j = μ + τ η_j. In (μ, τ, η) the joint is
/// p(μ) p(τ) Π N(η_j; 0, 1) p(y | μ + τ η), so slice updates of μ and of log τ that leave p(μ, τ | η, y) invariant
/// leave the joint invariant: the chain's target is unchanged and it now mixes well whether the data are strong or weak.
[<RequireQualifiedAccess>]
module internal Interweave =

    /// μ ~ Normal(m0, s0) and τ ~ half-t(ν, A) (ν = ∞: half-normal) informed by nothing but θ: then, with τ's
    /// half-t written as τ | w ~ HalfNormal(A/√w), w ~ Gamma(ν/2, ν/2), p(μ, τ | η, y, w) is a bivariate Normal
    /// truncated to τ > 0 and the interweaving move can draw it exactly instead of slicing.
    type private ExactPriors =
        {
            MuMean: float[] -> float
            MuSd: float[] -> float
            TauDof: float[] -> float
            TauScale: float[] -> float
        }

    let private create
        (density: CompiledDensity)
        (theta: NodeInfo)
        (mu: NodeInfo)
        (tau: NodeInfo)
        (link: ScaleLink)
        (augmentation: InterweaveKit.Augmentation option)
        (likelihood: (float[] -> float[] -> float[] -> float[] -> unit) option)
        (logit: LogitRows.Rows option)
        : Update =
        let b = density.Bound

        // The group sd as a function of the scale node's value (the move keeps (θ − μ)/sd fixed).
        let sdOf = InterweaveKit.sdOf link

        let j = theta.Copies
        let thetaOff = b.Layout.Offsets.[theta.Node.Name]

        let muOff, tauOff =
            b.Layout.Offsets.[mu.Node.Name], b.Layout.Offsets.[tau.Node.Name]

        let tauSupport = tau.ParameterSupport |> Option.defaultValue Support.Positive

        // Terms of p(μ) p(τ) p(y | μ + τη): θ's own prior terms become p(η), free of μ and τ, so they are left out.
        let notThetaPrior (t: Term) = t.Node <> theta.Node.Name

        let termsFor (node: NodeInfo) =
            Seq.append (InterweaveKit.ownTerms density node) (InterweaveKit.childChunks density theta)
            |> InterweaveKit.distinctKept notThetaPrior
            |> Array.map density.Term

        // With θ's children Gaussian in θ and free of μ and τ (`likelihood`), their log-density is
        // Σ_j −½ P_j θ_j² + S_j θ_j + const; with θ_j = μ + τ η_j it is a quadratic in (μ, τ) whose five sums are
        // formed once per update, so each slice evaluation costs O(1) instead of one pass over the data rows.
        let isChild = InterweaveKit.termFlags b (InterweaveKit.childChunks density theta)

        let restTermsOf (node: NodeInfo) =
            InterweaveKit.ownTerms density node
            |> InterweaveKit.distinctKept (fun t -> notThetaPrior t && not (isChild t))

        let restFor = restTermsOf >> Array.map density.Term

        let exact =
            let onlyOwnPrior (node: NodeInfo) =
                restTermsOf node = [| { Term.Node = node.Node.Name; Copy = 0 } |]

            let arg e =
                let f = Eval.compileScalar b Scope.Global e
                fun s -> f s 0

            let tauPrior =
                match tau.Node.Kind with
                | NodeKind.Parameter d -> NormalUpdates.halfTArguments b d
                | _ -> None

            match mu.Node.Kind, tauPrior with
            | NodeKind.Parameter(Dist.Normal(m0, s0)), Some(dof, scale) when
                link = ScaleLink.Sd && likelihood.IsSome && onlyOwnPrior mu && onlyOwnPrior tau
                ->
                Some
                    {
                        MuMean = arg m0
                        MuSd = arg s0
                        TauDof = dof
                        TauScale = scale
                    }
            | _ -> None

        // θ's children in closed form (Gaussian sums) or as frozen logistic rows: left out of the density terms
        let muTerms, tauTerms =
            if likelihood.IsSome || logit.IsSome then
                restFor mu, restFor tau
            else
                termsFor mu, termsFor tau

        let sum (terms: (float[] -> float)[]) (s: float[]) =
            let mutable total = 0.0

            for t in terms do
                total <- total + t s

            total

        // θ_c = μ + sd(τ)·η_c for every group, from the current μ and τ.
        let place (s: float[]) (eta: float[]) =
            let m, t = s.[muOff], sdOf s.[tauOff]

            for c in 0 .. j - 1 do
                s.[thetaOff + c] <- m + t * eta.[c]

        // The centred τ update's half-t auxiliary is redrawn from a | τ², since the move left it stale.
        let augment (weight: MixingWeight voption) (rng: Random) (s: float[]) =
            match augmentation, weight with
            | Some a, ValueSome w -> InterweaveKit.redrawWeight a w rng s s.[tauOff]
            | _ -> ()

        // The half-t weight of τ's own update, which this move leaves stale (found when the chain is set up).
        // The exact path defines no local functions: a closure made per move would allocate every sweep.
        let run
            (weight: MixingWeight voption)
            (widths: SliceWidth[])
            (eta: float[], prec: float[], shift: float[], scratch: float[], logitBuffers: float[] * float[])
            (rng: Random)
            (st: ChainState)
            =
            let s = st.Values
            let m0, t0 = s.[muOff], s.[tauOff]
            let sd0 = sdOf t0

            // Sums of the quadratic: ΣP, ΣPη, ΣPη², ΣS, ΣSη (local accumulation over the buffers).
            let mutable sp, spe, spee, ss, sse = 0.0, 0.0, 0.0, 0.0, 0.0

            // η and the sums in one pass over the groups (fused; flat arrays, no closures).
            match likelihood with
            | Some fill ->
                fill s prec shift scratch

                for c in 0 .. j - 1 do
                    let e = (s.[thetaOff + c] - m0) / sd0
                    eta.[c] <- e
                    let p = prec.[c]
                    sp <- sp + p
                    spe <- spe + p * e
                    spee <- spee + p * e * e
                    ss <- ss + shift.[c]
                    sse <- sse + shift.[c] * e
            | None ->
                for c in 0 .. j - 1 do
                    eta.[c] <- (s.[thetaOff + c] - m0) / sd0

                match logit with
                | Some rows -> LogitRows.freeze rows logitBuffers s
                | None -> ()

            // Exact block draw of (μ, τ) | η, y, w (see ExactPriors and `ConjugatePosterior.drawLocationAndPositiveScale`),
            // w refreshed from τ first; false when rounding left the joint precision indefinite (then: slice moves).
            let drawn =
                match exact with
                | Some e ->
                    let scale = e.TauScale s
                    let w = ConjugatePosterior.drawHalfTWeight rng (e.TauDof s) scale t0

                    let stats =
                        {
                            A = sp
                            C = spe
                            D = spee
                            B = ss
                            T = sse
                        }

                    match
                        ConjugatePosterior.drawLocationAndPositiveScale
                            rng
                            { Mean = e.MuMean s; Sd = e.MuSd s }
                            scale
                            w
                            stats
                    with
                    | ValueSome(struct (mv, tv)) ->
                        UpdateKit.checkFinite tau.Node.Name "interweaving" tv
                        UpdateKit.checkFinite mu.Node.Name "interweaving" mv
                        s.[tauOff] <- tv
                        s.[muOff] <- mv
                        true
                    | ValueNone -> false
                | _ -> false

            if drawn then
                augment weight rng s
                place s eta
            else
                let sp, spe, spee, ss, sse = sp, spe, spee, ss, sse

                let children () =
                    match likelihood with
                    | Some _ ->
                        let m, t = s.[muOff], sdOf s.[tauOff]
                        -0.5 * (m * m * sp + 2.0 * m * t * spe + t * t * spee) + m * ss + t * sse
                    | None ->
                        place s eta

                        match logit with
                        | Some rows -> LogitRows.logLikelihood rows logitBuffers s
                        | None -> 0.0

                // log τ with its Jacobian, then μ; each a slice update of p(· | η, y, the other).
                let fTau u =
                    s.[tauOff] <- Transform.fromUnconstrainedScalar tauSupport u
                    children () + sum tauTerms s + Transform.logJacobianScalar tauSupport u

                let u0 = Transform.toUnconstrainedScalar tauSupport t0

                let r =
                    UpdateKit.sliceStep tau.Node.Name "interweaving" rng fTau widths.[0].Width u0

                fTau r.Value |> ignore

                if st.Adapting then
                    widths.[0] <- Slice.adaptWidth widths.[0] u0 r.Value

                augment weight rng s

                let fMu x =
                    s.[muOff] <- x
                    children () + sum muTerms s

                let rm = UpdateKit.sliceStep mu.Node.Name "interweaving" rng fMu widths.[1].Width m0

                fMu rm.Value |> ignore
                place s eta

                if st.Adapting then
                    widths.[1] <- Slice.adaptWidth widths.[1] m0 rm.Value

        let fixedText =
            let t, m, th = tau.Node.Name, mu.Node.Name, theta.Node.Name

            match link with
            | ScaleLink.Sd -> $"({th} - {m})/{t}"
            | ScaleLink.Variance -> $"({th} - {m})/sqrt({t})"
            | ScaleLink.Precision -> $"({th} - {m})*sqrt({t})"

        {
            Node = $"{mu.Node.Name}, {tau.Node.Name} | {theta.Node.Name}"
            Method =
                if exact.IsSome then
                    $"interweaving (ASIS: draws {mu.Node.Name}, {tau.Node.Name} exactly with {fixedText} fixed)"
                else
                    $"interweaving (ASIS: moves {mu.Node.Name}, {tau.Node.Name} with {fixedText} fixed)"
            Kind = UpdateKind.Interweaving
            Exactness = if exact.IsSome then Exactness.Exact else Exactness.Markov
            Reason = ""
            KeepsWeight = false
            Init =
                fun setup ->
                    let weight =
                        match augmentation with
                        | Some _ -> setup.WeightOf tau.Node.Name
                        | None -> ValueNone

                    let widths = UpdateStep.widths 2

                    let logitBuffers =
                        match logit with
                        | Some rows -> LogitRows.buffers rows
                        | None -> [||], [||]

                    let buffers =
                        Array.zeroCreate j, Array.zeroCreate j, Array.zeroCreate j, Array.zeroCreate j, logitBuffers

                    // `run` takes five arguments: F# invokes up to five curried arguments without an intermediate
                    // closure, so a sixth would allocate every sweep.
                    UpdateStep.withWidths widths (run weight widths buffers)
        }

    /// Appends an interweaving step after the updates of each centred Normal hierarchy found in the plan.
    let add (density: CompiledDensity) (updates: Update[]) : Update[] =
        let b = density.Bound

        let augmentationOf = InterweaveKit.augmentationOf b updates

        let expanded = lazy (Graph.expand b.Model)

        // θ's children in closed form, when none of them reads μ or τ directly (else every row is evaluated).
        let likelihoodOf (theta: NodeInfo) (mu: NodeInfo) (tau: NodeInfo) =
            match NormalConjugacy.normalMean.Recognise expanded.Value theta.Node with
            | RuleOutcome.Matched(_, _, children) when
                children
                |> List.forall (fun c ->
                    [ c.Offset; c.Coefficient; c.Sd ]
                    |> List.collect Expr.paramRefs
                    |> List.forall (fun p ->
                        p <> mu.Node.Name
                        && p <> tau.Node.Name
                        && (b.NodeMap.TryFind p |> Option.exists (fun i -> i.Node.Kind.IsParameter))))
                ->
                Some(GaussianLikelihood.gaussianLikelihood b theta children)
            | _ -> None

        let extra =
            InterweaveKit.candidates b updates (UpdateKind.Rule NormalConjugacy.normalMean.Name)
            |> List.map (fun (theta, mu, tau, link) ->
                let augmentation = if link = ScaleLink.Sd then augmentationOf tau else None

                create density theta mu tau link augmentation (likelihoodOf theta mu tau) None)
            |> Array.ofList

        // Collapsed logistic intercepts with an sd: only τ is interwoven (one Laplace-t MH step), since a slice step on
        // (μ, τ) through the logistic likelihood costs more than the τ mixing it buys (bench/results/logit2-before-after.md).
        let logitExtra =
            InterweaveKit.candidates b updates UpdateKind.LogisticIntercepts
            |> List.choose (fun (theta, mu, tau, link) ->
                match tau.Node.Kind, augmentationOf tau with
                | NodeKind.Parameter d, None when link = ScaleLink.Sd && Dist.support d = Support.Positive ->
                    match GlmConjugacy.polyaGammaLogistic.Recognise expanded.Value theta.Node with
                    | RuleOutcome.Matched(_, children) ->
                        let centreSd =
                            match d with
                            | Dist.HalfNormal(Const sd) when sd > 0.0 -> sd
                            | _ -> Double.PositiveInfinity

                        LogitIntercepts.tryTauInterweave
                            b
                            theta
                            mu
                            tau
                            centreSd
                            (InterweaveKit.tauRest density theta tau)
                            children
                    | _ -> None
                // a precision or a variance (BUGS's form): (μ, τ) sliced with the rows frozen (`LogitRows`), one exp
                // and one log per row per evaluation
                | NodeKind.Parameter _, None ->
                    LogitRows.tryCreate b expanded.Value theta [ mu.Node.Name; tau.Node.Name ]
                    |> Option.map (fun rows -> create density theta mu tau link None None (Some rows))
                | _ -> None)
            |> Array.ofList

        // Random effects inside a shared-ω logistic block: (μ, τ) sliced with (θ − μ)/sd held fixed, θ's rows evaluated
        let logitBlockExtra =
            InterweaveKit.candidates b updates UpdateKind.LogitBlock
            |> List.map (fun (theta, mu, tau, link) ->
                let augmentation = if link = ScaleLink.Sd then augmentationOf tau else None

                create
                    density
                    theta
                    mu
                    tau
                    link
                    augmentation
                    None
                    (LogitRows.tryCreate b expanded.Value theta [ mu.Node.Name; tau.Node.Name ]))
            |> Array.ofList

        Array.concat [ updates; extra; logitExtra; logitBlockExtra ]
