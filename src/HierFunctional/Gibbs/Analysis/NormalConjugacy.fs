namespace HierFunctional

open HierFunctional.Inference

/// The recognisers of the rules for Normal children: a Normal prior on a mean or coefficient (element-wise, spike-and-slab,
/// block), a prior on their scale, and a positive coefficient with a half-t family prior.
[<RequireQualifiedAccess>]
module internal NormalConjugacy =

    let private (>>=) r f = Result.bind f r

    /// A rule for a scalar or per-element prior with two arguments whose children are Normal with means linear in
    /// the target: `prior` picks the two arguments from the prior (or says it is not this rule's family).
    let private elementwiseGaussian name math (prior: Dist -> (Expr * Expr) option) =
        {
            Name = name
            Math = math
            Recognise =
                fun expanded target ->
                    match target.Kind, target.Plate with
                    | NodeKind.Parameter d, (Plate.Scalar | Plate.Over _ | Plate.Sized _) when (prior d).IsSome ->
                        let a, b = (prior d).Value

                        RecogniserKit.eachChild expanded target ((RecogniserKit.gaussianChild target.Name false))
                        |> Result.map (fun cs -> a, b, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// Normal prior × Normal children with means linear in the target, element-wise for group vectors.
    let normalMean: Recogniser<Expr * Expr * GaussianChild list> =
        elementwiseGaussian
            "Normal-Normal"
            (RuleMath.one
                "Normal(m0, s0), scalar, per group level, or per element"
                "Normal, mean linear in θ, sd free of θ"
                "precision P = 1/s0² + Σ c_i²/s_i², mean (m0/s0² + Σ c_i (y_i − a_i)/s_i²)/P")
            (function
             | Dist.Normal(m0, s0) -> Some(m0, s0)
             | _ -> None)

    /// Spike-and-slab prior × Normal children linear in the target: the conditional is the same mixture, so the
    /// indicator and the value are drawn together (`ConjugatePosterior.slabProbability`).
    let spikeAndSlab: Recogniser<Expr * Expr * GaussianChild list> =
        elementwiseGaussian
            "spike-and-slab Normal"
            (RuleMath.one
                "SpikeAndSlab(w, s): w·δ₀ + (1 − w)·N(0, s²), scalar or per group level"
                "Normal, mean linear in θ, sd free of θ"
                "the same two-group mixture: P(θ ≠ 0 | y) = logistic(log((1−w)/w) − ½ log(1 + s²P) + B²/(2(P + 1/s²))) with P = Σ c_i²/s_i², B = Σ c_i (y_i − a_i)/s_i²; then θ | θ ≠ 0 ~ N(B/(P + 1/s²), 1/(P + 1/s²)). The weight w and the slab sd s are sliced (their conditional densities are exact: zeros contribute log w, non-zeros log(1 − w) + log N(θ; 0, s)).")
            (function
             | Dist.SpikeAndSlab(w, sd) -> Some(w, sd)
             | _ -> None)

    /// iid Normal prior on a coefficient vector × children whose means are `a_i + x_i·beta`: one MvNormal block.
    let normalBlock: Recogniser<Expr * Expr * GaussianChild list> =
        {
            Name = "Normal-block (regression)"
            Math =
                RuleMath.one
                    "Normal(m0, s0) iid on a `sized k` vector"
                    "Normal with mean `a_i + x_i·β` (design `x_i` from data)"
                    "MvNormal with precision I/s0² + XᵀWX, mean P⁻¹(m0/s0² + XᵀW(y − a)), W = diag(1/s_i²); drawn by Cholesky"
            Recognise =
                fun expanded target ->
                    match target.Kind, target.Plate with
                    | NodeKind.Parameter(Dist.Normal(m0, s0)), Plate.Sized _ ->
                        RecogniserKit.eachChild expanded target ((RecogniserKit.gaussianChild target.Name true))
                        |> Result.map (fun cs -> m0, s0, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// The scale parameter a Normal sd expression reads and how: `t` (sd), `sqrt t` (variance), `1 / sqrt t` or
    /// `t^-0.5` (precision, what `NormalPrecision` builds).
    let scaleOf (sd: Expr) : (string * ScaleLink) option =
        match sd with
        | Param t -> Some(t, ScaleLink.Sd)
        | Apply(Fn.Sqrt, Param t) -> Some(t, ScaleLink.Variance)
        | Div(Const 1.0, Apply(Fn.Sqrt, Param t))
        | Power(Param t, Const -0.5) -> Some(t, ScaleLink.Precision)
        | _ -> None

    let private scaleLink (target: string) (sd: Expr) =
        scaleOf sd |> Option.filter (fun (t, _) -> t = target) |> Option.map snd

    /// sd = link(target), or link(target) × w with a data-only weight w on either side.
    let private scaleTerm (target: string) (sd: Expr) =
        let dataOnly (w: Expr) = List.isEmpty (Expr.paramRefs w)

        match scaleLink target sd, sd with
        | Some link, _ -> Some(link, ScaleTerm.Row)
        | None, Mul(s, w) when dataOnly w && (scaleLink target s).IsSome ->
            Some((scaleLink target s).Value, ScaleTerm.Weighted w)
        | None, Mul(w, s) when dataOnly w && (scaleLink target s).IsSome ->
            Some((scaleLink target s).Value, ScaleTerm.Weighted w)
        | _ -> None

    let private scaleChildren (target: string) (children: Node list) =
        children
        |> List.map (fun c ->
            match c.Kind, RecogniserKit.childDist c with
            | NodeKind.Factor(Pushdown.PooledSquares(count, squares, sd)), _ when
                List.isEmpty (Expr.paramRefs count @ Expr.paramRefs squares)
                && (scaleLink target sd).IsSome
                && c.Plate = Plate.Scalar
                ->
                Ok(
                    (scaleLink target sd).Value,
                    {
                        Node = c
                        Mean = Const 0.0
                        Term = ScaleTerm.Pooled(count, squares)
                    }
                )
            | NodeKind.Factor _, _ -> Error $"factor '{c.Name}' adds a non-standard term"
            | _, Some(Dist.Normal(mean, sd)) when not (Expr.dependsOn target mean) ->
                match scaleTerm target sd with
                | Some(link, term) -> Ok(link, { Node = c; Mean = mean; Term = term })
                | None ->
                    Error
                        $"child '{c.Name}' uses '{target}' in its sd other than as sd, sqrt(variance) or 1/sqrt(precision), possibly times data"
            | _ -> Error $"child '{c.Name}' is not a Normal with '{target}' only in its sd")
        |> RecogniserKit.allOk
        |> Result.bind (fun pairs ->
            match pairs |> List.map fst |> List.distinct with
            | [ link ] -> Ok(link, List.map snd pairs)
            | _ -> Error $"children use '{target}' with different meanings (sd, variance, precision)")

    /// The scale of Normal children written as a precision, a variance or an sd, one row of `Math` per prior family.
    let normalScale: Recogniser<ScaleLink * Dist * ScaleChild list> =
        {
            Name = "Normal scale"
            Math =
                [
                    RuleMath.case
                        "Gamma on a precision"
                        "Gamma(a, b)"
                        "Normal with sd `1/sqrt(θ)`, mean free of θ"
                        "Gamma(a + n/2, b + SS/2), SS = Σ(y_i − m_i)²"
                    RuleMath.case
                        "InverseGamma on a variance"
                        "InverseGamma(a, b)"
                        "Normal with sd `sqrt(θ)`"
                        "InverseGamma(a + n/2, b + SS/2)"
                    RuleMath.case
                        "Gamma on a variance"
                        "Gamma(a, b)"
                        "Normal with sd `sqrt(θ)`"
                        "GIG(λ = a − n/2, χ = SS, ψ = 2b)"
                    RuleMath.case
                        "HalfNormal on an sd"
                        "HalfNormal(s)"
                        "Normal with sd θ"
                        "θ² ~ GIG(λ = 1/2 − n/2, χ = SS, ψ = 1/s²) (exact GIG draw, Hörmann & Leydold 2014)"
                    RuleMath.case
                        "HalfCauchy / HalfStudentT on an sd"
                        "HalfStudentT(ν, A) (HalfCauchy: ν = 1)"
                        "Normal with sd θ"
                        "inverse-gamma scale mixture (Wand et al. 2011; Makalic & Schmidt 2016) with an auxiliary a: θ² | a ~ IG((ν + n)/2, ν/a + SS/2), a | θ² ~ IG((ν + 1)/2, ν/θ² + 1/A²)"
                    RuleMath.case
                        "on sums: weighted children, pooled squares"
                        "any prior above"
                        "Normal with sd `link(θ)·w_i`, w_i data (a group mean ȳ_g of n_g rows: w = 1/√n_g), and factors −d·log sd − S/(2 sd²) with data d, S (the pooled within-group squares of `Pushdown.rewrite`)"
                        "the row above's with n = Σ_i 1 + Σ d and SS = Σ_i ((y_i − m_i)/w_i)² + Σ S: for group means this is the rows' N and Σ(y − μ_g)² = SS_within + Σ n_g (ȳ_g − μ_g)²"
                ]
            Recognise =
                fun expanded target ->
                    match target.Kind, target.Plate with
                    | NodeKind.Parameter(Dist.Gamma _ | Dist.InverseGamma _ | Dist.HalfNormal _ | Dist.HalfCauchy _ | Dist.HalfStudentT _ as prior),
                      Plate.Scalar ->
                        RecogniserKit.childrenOf expanded target
                        >>= scaleChildren target.Name
                        >>= (fun (link, cs) ->
                            match prior, link with
                            | Dist.Gamma _, ScaleLink.Precision
                            | Dist.InverseGamma _, ScaleLink.Variance
                            | Dist.Gamma _, ScaleLink.Variance
                            | Dist.HalfNormal _, ScaleLink.Sd
                            | Dist.HalfCauchy _, ScaleLink.Sd
                            | Dist.HalfStudentT _, ScaleLink.Sd -> Ok(link, prior, cs)
                            | _ -> Error $"a {Dist.name prior} prior on a Normal {link} has no closed-form update")
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// A positive scalar entering Normal children's means linearly (the τ of a non-centred hierarchy) under a
    /// half-normal or half-t prior, which stays Gaussian given the half-t's mixture weight.
    let normalLinearPositive: Recogniser<Dist * GaussianChild list> =
        {
            Name = "Normal linear coefficient, positive"
            Math =
                RuleMath.one
                    "HalfNormal(A), HalfCauchy(A) or HalfStudentT(ν, A), scalar"
                    "Normal, mean linear in θ with θ itself as the slot (a non-centred scale: `mu + tau * eta[school]`), sd free of θ"
                    "with the half-t written as θ | w ~ HalfNormal(A/√w), w ~ Gamma(ν/2, rate ν/2) (half-normal: w = 1): θ | w, y ~ N(S/Q, 1/Q) truncated to θ > 0, Q = Σ c_i²/s_i² + w/A², S = Σ c_i (y_i − a_i)/s_i² (exact draw, Robert 1995); then w | θ ~ Gamma((ν + 1)/2, rate (ν + θ²/A²)/2)"
            Recognise =
                fun expanded target ->
                    match target.Kind, target.Plate with
                    | NodeKind.Parameter(Dist.HalfNormal _ | Dist.HalfCauchy _ | Dist.HalfStudentT _ as prior),
                      Plate.Scalar ->
                        RecogniserKit.eachChild
                            expanded
                            target
                            (RecogniserKit.gaussianChildWhere (fun slot -> slot.IsWhole) target.Name)
                        |> Result.map (fun cs -> prior, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }
