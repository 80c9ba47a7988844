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

    /// Normal prior × Normal children with means linear in the target: posterior precision
    /// 1/s0² + Σ c_i²/s_i², mean (m0/s0² + Σ c_i (y_i − a_i)/s_i²) / precision (element-wise for group vectors).
    let normalMean: Recogniser<Expr * Expr * GaussianChild list> =
        elementwiseGaussian
            "Normal-Normal"
            "theta ~ N(m0, s0), y_i ~ N(a_i + c_i theta, s_i) => theta | y ~ N(m, 1/P), P = 1/s0^2 + sum c_i^2/s_i^2, m = (m0/s0^2 + sum c_i (y_i - a_i)/s_i^2)/P"
            (function
             | Dist.Normal(m0, s0) -> Some(m0, s0)
             | _ -> None)

    /// Two-group prior w·δ₀ + (1−w)·N(0, s²) × Normal children linear in the target: the exact conditional is the
    /// same mixture with updated weight and slab (`ConjugatePosterior.slabProbability`), so the indicator and the value are
    /// drawn together in closed form, for every element of a group vector.
    let spikeAndSlab: Recogniser<Expr * Expr * GaussianChild list> =
        elementwiseGaussian
            "spike-and-slab Normal"
            "theta ~ w delta0 + (1-w) N(0, s), y_i ~ N(a_i + c_i theta, s_i) => P(theta != 0 | y) = logistic(log((1-w)/w) - log(1 + s^2 P)/2 + B^2/(2(P + 1/s^2))), theta | theta != 0 ~ N(B/(P + 1/s^2), 1/(P + 1/s^2)), P = sum c_i^2/s_i^2, B = sum c_i (y_i - a_i)/s_i^2"
            (function
             | Dist.SpikeAndSlab(w, sd) -> Some(w, sd)
             | _ -> None)

    /// iid Normal prior on a coefficient vector × children whose means are `a_i + x_i·beta`: posterior precision
    /// I/s0² + Xᵀ W X with W = diag(1/s_i²), mean P⁻¹ (m0/s0² + Xᵀ W (y − a)) (MvNormal block, Cholesky solve).
    let normalBlock: Recogniser<Expr * Expr * GaussianChild list> =
        {
            Name = "Normal-block (regression)"
            Math =
                "beta_k ~ N(m0, s0) iid, y_i ~ N(a_i + x_i . beta, s_i) => beta | y ~ MvN(P^-1 (m0/s0^2 1 + X'W(y - a)), P^-1), P = I/s0^2 + X'WX"
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

    let private scaleChildren (target: string) (children: Node list) =
        children
        |> List.map (fun c ->
            match RecogniserKit.childDist c with
            | Some(Dist.Normal(mean, sd)) when not (Expr.dependsOn target mean) ->
                match scaleLink target sd with
                | Some link -> Ok(link, { Node = c; Mean = mean })
                | None ->
                    Error
                        $"child '{c.Name}' uses '{target}' in its sd other than as sd, sqrt(variance) or 1/sqrt(precision)"
            | _ -> Error $"child '{c.Name}' is not a Normal with '{target}' only in its sd")
        |> RecogniserKit.allOk
        |> Result.bind (fun pairs ->
            match pairs |> List.map fst |> List.distinct with
            | [ link ] -> Ok(link, List.map snd pairs)
            | _ -> Error $"children use '{target}' with different meanings (sd, variance, precision)")

    /// Scale of Normal children (SS = Σ(y − μ)², n terms). Gamma(a, b) on a precision → Gamma(a + n/2, b + SS/2);
    /// InverseGamma(a, b) on a variance → IG(a + n/2, b + SS/2); Gamma(a, b) on a variance → GIG(a − n/2, 2b, SS);
    /// HalfNormal(s) on an sd → σ² ~ GIG(1/2 − n/2, 1/s², SS); HalfCauchy(A) / HalfStudentT(ν, A) on an sd → the
    /// inverse-gamma scale mixture σ² | a ~ IG((ν + n)/2, ν/a + SS/2), a | σ² ~ IG((ν + 1)/2, ν/σ² + 1/A²).
    let normalScale: Recogniser<ScaleLink * Dist * ScaleChild list> =
        {
            Name = "Normal scale"
            Math =
                "see docs/conjugacy.md: Gamma-precision, InvGamma-variance, GIG (half-normal sd, gamma variance), half-t augmentation"
            Recognise =
                fun expanded target ->
                    match target.Kind, target.Plate with
                    | NodeKind.Parameter(Dist.Gamma _ | Dist.InverseGamma _ | Dist.HalfNormal _ | Dist.HalfCauchy _ | Dist.HalfStudentT _ as prior),
                      Plate.Scalar ->
                        RecogniserKit.childrenOf expanded target
                        >>= RecogniserKit.factorFree
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

    /// A positive scalar entering Normal children's means linearly (the τ of a non-centred hierarchy,
    /// y_i ~ N(a_i + c_i τ, s_i)): the children give exp(−½Pτ² + Sτ); a half-normal(A) prior keeps it Gaussian, and
    /// a half-t(ν, A) prior (half-Cauchy: ν = 1) does so given the mixture weight w of τ | w ~ HalfNormal(A/√w),
    /// w ~ Gamma(ν/2, ν/2). So τ | w, y ~ N(S/Q, 1/Q) truncated to τ > 0 with Q = P + w/A², and
    /// w | τ ~ Gamma((ν + 1)/2, (ν + τ²/A²)/2).
    let normalLinearPositive: Recogniser<Dist * GaussianChild list> =
        {
            Name = "Normal linear coefficient, positive"
            Math =
                "tau ~ half-t(nu, A) = HalfNormal(A/sqrt w), w ~ Gamma(nu/2, nu/2); y_i ~ N(a_i + c_i tau, s_i) => tau | w, y ~ N(S/Q, 1/Q) on tau > 0, Q = sum c_i^2/s_i^2 + w/A^2, S = sum c_i (y_i - a_i)/s_i^2; w | tau ~ Gamma((nu+1)/2, (nu + tau^2/A^2)/2)"
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
