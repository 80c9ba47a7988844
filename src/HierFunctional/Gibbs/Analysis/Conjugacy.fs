namespace HierFunctional

/// An MvNormal child of a vector mean or covariance target: child ~ MvNormal(mean, covariance).
type MvNormalChild =
    {
        /// The child node (observed rows of a Matrix column, or a vector parameter over a group).
        Node: Node
        /// The child's mean vector.
        Mean: Expr
        /// The child's covariance matrix.
        Covariance: Expr
    }

/// A Normal child whose mean is linear in the target: child ~ Normal(offset + coefficient · target[slot], sd).
type GaussianChild =
    {
        /// The child node (observed data or a lower-level parameter).
        Node: Node
        /// The part of the mean free of the target.
        Offset: Expr
        /// Where the target enters.
        Slot: Slot
        /// The multiplier of the target (a vector for dot-product slots).
        Coefficient: Expr
        /// The child's standard deviation, free of the target.
        Sd: Expr
    }

/// How a scale-type target enters a Normal child's standard deviation.
[<RequireQualifiedAccess>]
type ScaleLink =
    /// sd = target (a standard deviation).
    | Sd
    /// sd = sqrt(target) (a variance).
    | Variance
    /// sd = 1 / sqrt(target) (a precision).
    | Precision

/// A Normal child whose sd is a function of the target and whose mean is free of it.
type ScaleChild =
    {
        /// The child node.
        Node: Node
        /// The child's mean (free of the target).
        Mean: Expr
    }

/// A count child whose success probability or rate is the target (possibly indexed).
type CountChild =
    {
        /// The child node.
        Node: Node
        /// Where the target enters.
        Slot: Slot
        /// Binomial trials (Const 1 for Bernoulli), or the Poisson multiplier (exposure × coefficient).
        Size: Expr
    }

/// What a rule's recogniser says about a target node. `NotApplicable`: the node's prior is not the rule's family, so
/// the rule is silent in the plan. `Rejected`: the prior fits but something else does not, and the reason is shown
/// when the node falls back to slice sampling. `Matched`: the rule's own finding, which its executor implements.
[<RequireQualifiedAccess>]
type RuleOutcome<'m> =
    /// The rule is not about this kind of node (its prior is not the rule's family).
    | NotApplicable
    /// The rule is about this kind of node but does not cover this one, for the reason given.
    | Rejected of reason: string
    /// The rule applies; the value is what its executor needs.
    | Matched of 'm

/// Building and reading rule outcomes.
[<RequireQualifiedAccess>]
module RuleOutcome =

    /// `Ok m` as a match, `Error why` as a rejection (the family already fits; the parts did not).
    let ofResult (r: Result<'m, string>) : RuleOutcome<'m> =
        match r with
        | Ok m -> RuleOutcome.Matched m
        | Error why -> RuleOutcome.Rejected why

    /// The outcome with its match transformed (rejections and non-applicability pass through).
    let map (f: 'm -> 'n) (o: RuleOutcome<'m>) : RuleOutcome<'n> =
        match o with
        | RuleOutcome.Matched m -> RuleOutcome.Matched(f m)
        | RuleOutcome.Rejected why -> RuleOutcome.Rejected why
        | RuleOutcome.NotApplicable -> RuleOutcome.NotApplicable

    /// The match, if the rule applied.
    let toOption (o: RuleOutcome<'m>) : 'm option =
        match o with
        | RuleOutcome.Matched m -> Some m
        | _ -> None

/// The recognising half of a conjugacy rule: a name, the update's math, and a recogniser whose match type `'m` is
/// the rule's own. `Rules` pairs each with its executor into a `ConjugacyRule`.
type Recogniser<'m> =
    {
        /// Short name shown by `Gibbs.describe` (like JAGS's sampler names).
        Name: string
        /// The update's math, for documentation and the plan listing.
        Math: string
        /// Recognises the pattern for a target parameter node of the expanded model.
        Recognise: Model -> Node -> RuleOutcome<'m>
    }

/// The recognisers of the built-in conjugacy rules (`Rules` pairs them with their executors). Each is a value that can
/// be tested on its own.
[<RequireQualifiedAccess>]
module Conjugacy =

    let private allOk (results: Result<'a, string> list) : Result<'a list, string> =
        results
        |> List.fold
            (fun acc r ->
                match acc, r with
                | Ok xs, Ok x -> Ok(xs @ [ x ])
                | Error e, _ -> Error e
                | _, Error e -> Error e)
            (Ok [])

    let private childrenOf (expanded: Model) (target: Node) =
        match Graph.children expanded target.Name with
        | [] -> Error "it has no children (its update is a draw from the prior)"
        | cs -> Ok cs

    let private factorFree (children: Node list) =
        match children |> List.tryFind (fun c -> c.Kind.IsFactor) with
        | Some f -> Error $"factor '{f.Name}' adds a non-standard term"
        | None -> Ok children

    let private (>>=) r f = Result.bind f r

    /// The target's children (no factors among them), each checked by `child`; the first failure is the reason.
    let private eachChild (expanded: Model) (target: Node) (child: Node -> Result<'a, string>) =
        childrenOf expanded target >>= factorFree >>= (List.map child >> allOk)

    let private childDist (c: Node) =
        match c.Kind with
        | NodeKind.Parameter d
        | NodeKind.Observed d -> Some d
        | _ -> None

    let private gaussianChildWhere (accept: Slot -> bool) (target: string) (c: Node) : Result<GaussianChild, string> =
        match childDist c with
        | Some(Dist.Normal(mean, sd)) when not (Expr.dependsOn target sd) ->
            match Linear.tryAffine target mean with
            | Some(offset, slot, coefficient) ->
                if accept slot then
                    Ok
                        {
                            Node = c
                            Offset = offset
                            Slot = slot
                            Coefficient = coefficient
                            Sd = sd
                        }
                else
                    Error $"child '{c.Name}' uses '{target}' in a way this rule does not cover"
            | None -> Error $"the mean of child '{c.Name}' is not linear in '{target}'"
        | Some(Dist.Normal _) -> Error $"child '{c.Name}' has '{target}' in its sd"
        | Some d -> Error $"child '{c.Name}' is {Dist.name d}, not Normal"
        | None -> Error $"'{c.Name}' is not a stochastic node"

    let private gaussianChild (target: string) (blockOnly: bool) (c: Node) =
        gaussianChildWhere (fun slot -> slot.IsWholeDot = blockOnly) target c

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

                        eachChild expanded target ((gaussianChild target.Name false))
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
                        eachChild expanded target ((gaussianChild target.Name true))
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
            match childDist c with
            | Some(Dist.Normal(mean, sd)) when not (Expr.dependsOn target mean) ->
                match scaleLink target sd with
                | Some link -> Ok(link, { Node = c; Mean = mean })
                | None ->
                    Error
                        $"child '{c.Name}' uses '{target}' in its sd other than as sd, sqrt(variance) or 1/sqrt(precision)"
            | _ -> Error $"child '{c.Name}' is not a Normal with '{target}' only in its sd")
        |> allOk
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
                        childrenOf expanded target
                        >>= factorFree
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
                        eachChild expanded target (gaussianChildWhere (fun slot -> slot.IsWhole) target.Name)
                        |> Result.map (fun cs -> prior, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    let private countChild (target: string) (c: Node) (family: string) (pick: Dist -> (Expr * Expr) option) =
        match childDist c |> Option.bind pick with
        | Some(size, p) when not (Expr.dependsOn target size) ->
            match Linear.tryAffine target p with
            | Some(Const 0.0, slot, coefficient) when not slot.IsWholeDot && not slot.IsIndexedDot ->
                Ok
                    {
                        Node = c
                        Slot = slot
                        Size =
                            (if coefficient = Const 1.0 then
                                 size
                             else
                                 Mul(size, coefficient))
                    }
            | _ -> Error $"child '{c.Name}' does not use '{target}' directly as its {family} parameter"
        | _ -> Error $"child '{c.Name}' is not {family} in '{target}'"

    /// Beta(a, b) × Binomial(n_i, θ) / Bernoulli(θ) children → Beta(a + Σy_i, b + Σ(n_i − y_i)).
    let betaBinomial: Recogniser<Expr * Expr * CountChild list> =
        {
            Name = "Beta-Binomial"
            Math = "theta ~ Beta(a, b), y_i ~ Bin(n_i, theta) => Beta(a + sum y_i, b + sum (n_i - y_i))"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Beta(a, b)) ->
                        let pick d =
                            match d with
                            | Dist.Binomial(n, p) -> Some(n, p)
                            | Dist.Bernoulli p -> Some(Const 1.0, p)
                            | _ -> None

                        eachChild
                            expanded
                            target
                            ((fun c -> countChild target.Name c "Binomial/Bernoulli probability" pick))
                        |> Result.map (fun cs -> a, b, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// Gamma(a, rate b) × Poisson(E_i c_i θ) children → Gamma(a + Σy_i, b + Σ E_i c_i).
    let gammaPoisson: Recogniser<Expr * Expr * CountChild list> =
        {
            Name = "Gamma-Poisson"
            Math = "theta ~ Gamma(a, b), y_i ~ Poisson(E_i theta) => Gamma(a + sum y_i, b + sum E_i)"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Gamma(a, b)) ->
                        let pick d =
                            match d with
                            | Dist.Poisson(rate, exposure) -> Some(exposure, rate)
                            | _ -> None

                        eachChild expanded target ((fun c -> countChild target.Name c "Poisson rate" pick))
                        |> Result.map (fun cs -> a, b, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// Gamma(a, rate b) × Exponential(θ) children → Gamma(a + n, b + Σx_i).
    let gammaExponential: Recogniser<Expr * Expr * Node list> =
        {
            Name = "Gamma-Exponential"
            Math = "theta ~ Gamma(a, b), x_i ~ Exp(theta) => Gamma(a + n, b + sum x_i)"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Gamma(a, b)) when target.Plate = Plate.Scalar ->
                        eachChild expanded target (fun c ->
                            match childDist c with
                            | Some(Dist.Exponential(Param t)) when t = target.Name -> Ok c
                            | _ -> Error $"child '{c.Name}' is not Exponential with rate '{target.Name}'")
                        |> Result.map (fun cs -> a, b, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// Gamma(c, rate d) on the rate of Gamma(s_i, θ) children → Gamma(c + Σ s_i, d + Σ x_i) (BUGS pumps' beta).
    let gammaRateOfGamma: Recogniser<Expr * Expr * (Node * Expr) list> =
        {
            Name = "Gamma rate of Gamma"
            Math = "beta ~ Gamma(c, d), x_i ~ Gamma(s_i, beta) => Gamma(c + sum s_i, d + sum x_i)"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Gamma(c, d)) when target.Plate = Plate.Scalar ->
                        eachChild expanded target (fun ch ->
                            match childDist ch with
                            | Some(Dist.Gamma(s, Param t)) when t = target.Name && not (Expr.dependsOn t s) ->
                                Ok(ch, s)
                            | _ -> Error $"child '{ch.Name}' is not Gamma with rate '{target.Name}'")
                        |> Result.map (fun cs -> c, d, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// Dirichlet(α) × Categorical(θ) / Multinomial(n, θ) children → Dirichlet(α + category counts).
    let dirichletCounts: Recogniser<Expr * Node list> =
        {
            Name = "Dirichlet-Multinomial"
            Math = "p ~ Dirichlet(alpha), y_i ~ Categorical(p) => Dirichlet(alpha + counts)"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Dirichlet a) when target.Plate = Plate.Scalar ->
                        eachChild expanded target (fun c ->
                            match childDist c with
                            | Some(Dist.Categorical(Param t))
                            | Some(Dist.Multinomial(_, Param t)) when t = target.Name -> Ok c
                            | _ -> Error $"child '{c.Name}' is not Categorical/Multinomial in '{target.Name}'")
                        |> Result.map (fun cs -> a, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// The dimension K of an MvNormalCholesky: its LkjCholesky factor node's, its `sized` scale node's, or the length
    /// of a literal mean or scale vector.
    let private choleskyDim (expanded: Model) (mean: Expr) (scales: Expr) (corr: Expr) =
        let node e =
            match e with
            | Param p -> Model.tryFind p expanded
            | _ -> None

        match node corr, node scales, mean, scales with
        | Some {
                   Kind = NodeKind.Parameter(Dist.LkjCholesky(k, _))
               },
          _,
          _,
          _ -> Some k
        | _, Some { Plate = Plate.Sized k }, _, _ -> Some k
        | _, _, Vector xs, _
        | _, _, _, Vector xs -> Some xs.Length
        | _ -> None

    /// Σ = diag(s)·L·Lᵀ·diag(s) as a K×K matrix expression: entry (i, j) = s_i·s_j·(row i of L · row j of L).
    let scaledCorrelation (k: int) (scales: Expr) (corrCholesky: Expr) : Expr =
        Matrix
            [
                for i in 0 .. k - 1 ->
                    [
                        for j in 0 .. k - 1 ->
                            Elem(scales, i)
                            * Elem(scales, j)
                            * Dot(Elem(corrCholesky, i), Elem(corrCholesky, j))
                    ]
            ]

    /// The mean and covariance of an MvNormal, or of an MvNormalCholesky with its covariance written out (see
    /// `scaledCorrelation`), so the MvNormal rules apply to both.
    let mvNormalForm (expanded: Model) (d: Dist) : (Expr * Expr) option =
        match d with
        | Dist.MvNormal(m, cov) -> Some(m, cov)
        | Dist.MvNormalCholesky(m, sc, l) ->
            choleskyDim expanded m sc l |> Option.map (fun k -> m, scaledCorrelation k sc l)
        | _ -> None

    /// How an MvNormal child must use the target: exactly as its mean, exactly as its covariance, or as the
    /// inverse of its covariance (`inverse target`, a precision) — and not at all in the other argument.
    type private MvRole =
        | AsMean
        | AsCovariance
        | AsPrecision

    let private mvNormalChild (expanded: Model) (target: string) (role: MvRole) (c: Node) =
        let used, other =
            match role with
            | AsMean -> "mean", "covariance"
            | AsCovariance -> "covariance", "mean"
            | AsPrecision -> "covariance (as inverse of it)", "mean"

        match childDist c |> Option.map (fun d -> d, mvNormalForm expanded d) with
        | Some(Dist.MvNormalCholesky _, Some _) when role <> AsMean ->
            Error
                $"child '{c.Name}' is MvNormalCholesky, whose covariance is built from scales and a correlation factor"
        | Some(_, Some(mean, cov)) ->
            let exact, rest = if role = AsMean then mean, cov else cov, mean

            match role, exact with
            | _ when Expr.dependsOn target rest -> Error $"child '{c.Name}' has '{target}' in its {other}"
            | (AsMean | AsCovariance), Param p when p = target ->
                Ok
                    {
                        Node = c
                        Mean = mean
                        Covariance = cov
                    }
            | AsPrecision, Apply(Fn.Inverse, Param p) when p = target ->
                Ok
                    {
                        Node = c
                        Mean = mean
                        Covariance = cov
                    }
            | _ -> Error $"the {used} of child '{c.Name}' is not exactly '{target}'"
        | Some(d, _) -> Error $"child '{c.Name}' is {Dist.name d}, not MvNormal"
        | None -> Error $"'{c.Name}' is not a stochastic node"

    /// A rule for a single (Plate.Scalar) vector or matrix node whose MvNormal children use it in `role`:
    /// `prior` picks the prior's two arguments, `what` names the node's kind.
    let private mvRule
        name
        math
        (what: string)
        role
        (prior: Model -> Dist -> (Expr * Expr) option)
        : Recogniser<Expr * Expr * MvNormalChild list> =
        {
            Name = name
            Math = math
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter d ->
                        match prior expanded d, target.Plate with
                        | Some(a, b), Plate.Scalar ->
                            eachChild expanded target (mvNormalChild expanded target.Name role)
                            |> Result.map (fun cs -> a, b, cs)
                            |> RuleOutcome.ofResult
                        | Some _, _ ->
                            RuleOutcome.Rejected $"it is a {what} per group level; this rule covers a single {what}"
                        | None, _ -> RuleOutcome.NotApplicable
                    | _ -> RuleOutcome.NotApplicable
        }

    /// MvNormal(m0, S0) prior on a vector μ × children x_i ~ MvNormal(μ, Σ_c) with Σ_c free of μ: posterior
    /// precision Q = S0⁻¹ + Σ_c n_c Σ_c⁻¹, mean Q⁻¹ (S0⁻¹ m0 + Σ_c Σ_c⁻¹ Σ_i x_i) (the MvNormal-MvNormal identity).
    let mvNormalMean: Recogniser<Expr * Expr * MvNormalChild list> =
        mvRule
            "MvNormal mean"
            "mu ~ MvN(m0, S0), x_i ~ MvN(mu, Sigma) => mu | x ~ MvN(Q^-1 (S0^-1 m0 + Sigma^-1 sum x_i), Q^-1), Q = S0^-1 + n Sigma^-1"
            "vector"
            AsMean
            mvNormalForm

    /// InverseWishart(ν, Ψ) prior on a covariance Σ × children x_i ~ MvNormal(m_i, Σ) with means free of Σ:
    /// InverseWishart(ν + n, Ψ + Σ_i (x_i − m_i)(x_i − m_i)ᵀ) (the inverse-Wishart–normal identity).
    let inverseWishartCovariance: Recogniser<Expr * Expr * MvNormalChild list> =
        mvRule
            "InverseWishart covariance"
            "Sigma ~ IW(nu, Psi), x_i ~ MvN(m_i, Sigma) => Sigma | x ~ IW(nu + n, Psi + sum (x_i - m_i)(x_i - m_i)')"
            "covariance"
            AsCovariance
            (fun _ d ->
                match d with
                | Dist.InverseWishart(nu, psi) -> Some(nu, psi)
                | _ -> None)

    /// Wishart(ν, V) prior on a precision matrix Λ × children x_i ~ MvNormal(m_i, inverse Λ) with means free of Λ:
    /// Wishart(ν + n, (V⁻¹ + Σ_i (x_i − m_i)(x_i − m_i)ᵀ)⁻¹) (the Wishart–normal identity).
    let wishartPrecision: Recogniser<Expr * Expr * MvNormalChild list> =
        mvRule
            "Wishart precision"
            "Lambda ~ Wishart(nu, V), x_i ~ MvN(m_i, inverse Lambda) => Lambda | x ~ Wishart(nu + n, (V^-1 + sum (x_i - m_i)(x_i - m_i)')^-1)"
            "precision"
            AsPrecision
            (fun _ d ->
                match d with
                | Dist.Wishart(nu, v) -> Some(nu, v)
                | _ -> None)

    /// MvNormal(m0, S0) prior on each copy b_j of a vector node × Normal children y_i ~ N(a_i + x_i·b_j, s_i)
    /// (a dot product with the whole node, or with the copy its group index selects): per copy, posterior
    /// precision Q_j = S0⁻¹ + Σ_{i in j} x_i x_iᵀ/s_i², mean Q_j⁻¹ (S0⁻¹ m0 + Σ_{i in j} x_i (y_i − a_i)/s_i²).
    let mvNormalLinear: Recogniser<Expr * Expr * GaussianChild list> =
        {
            Name = "MvNormal-linear (dot product)"
            Math =
                "b_j ~ MvN(m0, S0), y_i ~ N(a_i + x_i . b_j, s_i) => b_j | y ~ MvN(Q^-1 (S0^-1 m0 + sum x_i (y_i - a_i)/s_i^2), Q^-1), Q = S0^-1 + sum x_i x_i'/s_i^2"
            Recognise =
                fun expanded target ->
                    let form =
                        match target.Kind with
                        | NodeKind.Parameter d -> mvNormalForm expanded d
                        | _ -> None

                    match form, target.Plate with
                    | Some(m0, s0), (Plate.Scalar | Plate.Over _) ->
                        let accept (slot: Slot) = slot.IsWholeDot || slot.IsIndexedDot

                        eachChild expanded target (gaussianChildWhere accept target.Name)
                        |> Result.map (fun cs -> m0, s0, cs)
                        |> RuleOutcome.ofResult
                    | Some _, _ ->
                        RuleOutcome.Rejected
                            "it is a fixed-size set of vectors; this rule covers one vector or one per group level"
                    | None, _ -> RuleOutcome.NotApplicable
        }

    /// Normal/MvNormal prior × y_i ~ Binomial(n_i, invLogit(eta_i)) with eta linear in the target (Polson, Scott &
    /// Windle 2013): given ω_i ~ PG(n_i, eta_i) the likelihood is Gaussian in eta with pseudo-data κ_i/ω_i,
    /// κ_i = y_i − n_i/2 and precision ω_i, so the target gets the Normal-Normal, block or MvNormal-linear draw.
    let polyaGammaLogistic: Recogniser<GaussianPrior * LinkedChild list> =
        {
            Name = "Pólya-Gamma logistic"
            Math =
                "y_i ~ Bin(n_i, invlogit(a_i + c_i theta)), w_i ~ PG(n_i, eta_i) => theta | w ~ Normal rule with z_i = (y_i - n_i/2)/w_i, sd_i = w_i^-1/2"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Normal _ | Dist.MvNormal _) ->
                        GlmChildren.recognise GlmChildren.logisticChild expanded target
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// Normal prior × Poisson(exp(eta_i), E_i) / NegativeBinomial(exp(eta_i), φ_i) children with eta linear in the
    /// target: no closed form; each element is slice-sampled on its exact log-conditional (see docs/conjugacy.md).
    let logLinearCount: Recogniser<GaussianPrior * LinkedChild list> =
        {
            Name = "log-linear count slice"
            Math =
                "y_i ~ Poisson(E_i exp(a_i + c_i theta)): log p(theta | .) = log N(theta) + theta sum c_i y_i - sum E_i e^(a_i) e^(c_i theta), sliced per element"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Normal _ | Dist.MvNormal _) ->
                        GlmChildren.recognise GlmChildren.logLinearChild expanded target
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }
