namespace HierFunctional

open System
open HierFunctional.Inference

/// A location μ with a Normal prior and a positive scale τ with a half-t or half-normal prior that enter the same
/// Normal children's means linearly — y ~ N(a + c·μ + d·τ, s) with c free of τ, d free of μ and s free of both, as
/// in the non-centred hierarchy y_j ~ N(μ + τ·η_j, σ_j). One-at-a-time Gibbs moves the pair along their posterior
/// correlation; here they are drawn jointly instead: given τ's mixture weight w (τ | w ~ HalfNormal(A/√w)), the
/// pair is bivariate Normal truncated to τ > 0, so τ is drawn from its marginal (a truncated Normal) and then μ | τ.
[<RequireQualifiedAccess>]
module internal LocationScaleBlock =

    let private refs (e: Expr) = Expr.paramRefs e |> Set.ofList

    let private childNames (children: GaussianChild list) =
        children |> List.map (fun c -> c.Node.Name) |> Set.ofList

    /// Every child's coefficient and sd read neither parameter: with the means conditionally linear in each, the
    /// children's log-density is then a quadratic form in (μ, τ).
    let private jointlyQuadratic (mu: string) (tau: string) (muChildren: GaussianChild list) tauChildren =
        let free (names: string list) (c: GaussianChild) =
            let r = Set.union (refs c.Coefficient) (refs c.Sd)
            names |> List.forall (fun n -> not (r.Contains n))

        childNames muChildren = childNames tauChildren
        && muChildren |> List.forall (free [ tau ])
        && tauChildren |> List.forall (free [ mu ])

    let private create
        (b: Bound)
        (muInfo: NodeInfo)
        (m0: Expr, s0: Expr, muChildren: GaussianChild list)
        (tauInfo: NodeInfo)
        (tauPrior: Dist, tauChildren: GaussianChild list)
        : Update option =
        let arg e =
            let f = Eval.compileScalar b Scope.Global e
            fun s -> f s 0

        let mu, tau = muInfo.Node.Name, tauInfo.Node.Name

        let priorsFree =
            not ((refs m0).Contains tau || (refs s0).Contains tau)
            && (Dist.arguments tauPrior
                |> List.forall (fun (_, e) -> not ((refs e).Contains mu)))

        match NormalUpdates.halfTArguments b tauPrior with
        | Some(dof, scale) when priorsFree && jointlyQuadratic mu tau muChildren tauChildren ->
            let fillMu = GaussianLikelihood.gaussianLikelihood b muInfo muChildren
            let fillTau = GaussianLikelihood.gaussianLikelihood b tauInfo tauChildren
            let muMean, muSd = arg m0, arg s0
            let muOff, tauOff = b.Layout.Offsets.[mu], b.Layout.Offsets.[tau]
            let rule = "Normal location and positive scale, jointly"

            let run
                (weight: MixingWeight)
                (prec: float[], shift: float[], scratch: float[])
                (rng: Random)
                (st: ChainState)
                =
                let s = st.Values
                let mu0, tau0 = s.[muOff], s.[tauOff]
                // The children's log-density is −½(Aμ² + 2Cμτ + Dτ²) + Bμ + Tτ: μ's shift at τ and at τ + 1
                // gives B − Cτ and C; τ's precision and shift give D and T − Cμ.
                fillMu s prec shift scratch
                let a, sMu = prec.[0], shift.[0]
                s.[tauOff] <- tau0 + 1.0
                fillMu s prec shift scratch
                s.[tauOff] <- tau0
                let c = sMu - shift.[0]
                fillTau s prec shift scratch
                let d, sTau = prec.[0], shift.[0]
                let scaleA = scale s

                let stats =
                    {
                        A = a
                        C = c
                        D = d
                        B = sMu + c * tau0
                        T = sTau + c * mu0
                    }

                match
                    ConjugatePosterior.drawLocationAndPositiveScale
                        rng
                        { Mean = muMean s; Sd = muSd s }
                        scaleA
                        weight.Value
                        stats
                with
                | ValueSome(struct (mv, tv)) ->
                    UpdateKit.checkFinite tau rule tv
                    UpdateKit.checkFinite mu rule mv
                    s.[tauOff] <- tv
                    s.[muOff] <- mv
                    weight.Value <- ConjugatePosterior.drawHalfTWeight rng (dof s) scaleA tv
                | ValueNone ->
                    raise (
                        ModelException(
                            ModelError.NumericalFailure(
                                $"{mu}, {tau}",
                                rule,
                                $"the joint precision of ({mu}, {tau}) is not positive definite"
                            )
                        )
                    )

            Some
                {
                    Node = $"{mu}, {tau}"
                    Method = rule
                    Kind = UpdateKind.JointLocationScale
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = true
                    Init =
                        fun _ ->
                            let weight = MixingWeight 1.0
                            let scratch = Array.zeroCreate 1, Array.zeroCreate 1, Array.zeroCreate 1
                            UpdateStep.withWeight weight (run weight scratch)
                }
        | _ -> None

    /// Replaces a scalar Normal-Normal location update and a positive-coefficient scale update over the same
    /// children by one joint update (at the scale's place in the schedule); other updates are left as they are.
    let combine (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        let b = density.Bound

        let scalarGlobal (name: string) =
            if Factor.isScalarGlobalParameter b name then
                Some(Bound.node b name)
            else
                None

        let ruleOf (rule: Recogniser<'m>) (name: string) =
            Model.tryFind name expanded
            |> Option.bind (fun n -> rule.Recognise expanded n |> RuleOutcome.toOption)

        let isRule (rule: Recogniser<'m>) (u: Update) = u.Kind = UpdateKind.Rule rule.Name

        let locations =
            updates
            |> Array.choose (fun u ->
                match isRule NormalConjugacy.normalMean u, scalarGlobal u.Node with
                | true, Some info ->
                    match ruleOf NormalConjugacy.normalMean u.Node with
                    | Some(m0, s0, children) -> Some(info, (m0, s0, children))
                    | _ -> None
                | _ -> None)

        let pairs =
            updates
            |> Array.choose (fun u ->
                match isRule NormalConjugacy.normalLinearPositive u, scalarGlobal u.Node with
                | true, Some tauInfo ->
                    match ruleOf NormalConjugacy.normalLinearPositive u.Node with
                    | Some(prior, children) ->
                        locations
                        |> Array.tryPick (fun (muInfo, m) ->
                            create b muInfo m tauInfo (prior, children)
                            |> Option.map (fun joint -> muInfo.Node.Name, tauInfo.Node.Name, joint))
                    | _ -> None
                | _ -> None)
            // One joint update per location.
            |> Array.distinctBy (fun (mu, _, _) -> mu)

        if pairs.Length = 0 then
            updates
        else
            let absorbed = pairs |> Array.map (fun (mu, _, _) -> mu) |> Set.ofArray

            updates
            |> Array.choose (fun u ->
                match pairs |> Array.tryFind (fun (_, tau, _) -> tau = u.Node) with
                | Some(_, _, joint) -> Some joint
                | None when absorbed.Contains u.Node && isRule NormalConjugacy.normalMean u -> None
                | None -> Some u)
