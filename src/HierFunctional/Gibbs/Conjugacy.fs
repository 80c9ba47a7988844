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

/// What a conjugacy rule found: the closed-form full conditional the compiler will implement.
[<RequireQualifiedAccess>]
type Conjugate =
    /// Normal prior (mean, sd) × Gaussian children linear in the target → Normal (element-wise for group vectors).
    | NormalMean of priorMean: Expr * priorSd: Expr * children: GaussianChild list
    /// Two-group SpikeAndSlab(w, s) prior × Gaussian children linear in the target → spike or Normal slab draw.
    | SpikeAndSlabNormal of zeroWeight: Expr * slabSd: Expr * children: GaussianChild list
    /// iid Normal(mean, sd) prior on a fixed-length coefficient vector × children with `X·beta` means → MvNormal block.
    | NormalBlock of priorMean: Expr * priorSd: Expr * children: GaussianChild list
    /// A scale parameter of Normal children with a prior that keeps the update closed-form (Gamma on a precision,
    /// inverse-gamma on a variance, half-normal → GIG, half-Cauchy/half-t → scale-mixture augmentation).
    | NormalScale of link: ScaleLink * prior: Dist * children: ScaleChild list
    /// HalfNormal/HalfCauchy/HalfStudentT prior on a scalar τ that enters Normal children's means linearly (a
    /// non-centred scale, y ~ N(a + c·τ, s)) → Normal truncated to τ > 0 (given a scale-mixture weight for half-t).
    | NormalLinearPositive of prior: Dist * children: GaussianChild list
    /// Beta(a, b) × Binomial/Bernoulli children → Beta(a + Σy, b + Σ(n − y)).
    | BetaBinomial of alpha: Expr * beta: Expr * children: CountChild list
    /// Gamma(a, rate b) × Poisson children with rate size·target → Gamma(a + Σy, b + Σ size).
    | GammaPoisson of shape: Expr * rate: Expr * children: CountChild list
    /// Gamma(a, rate b) × Exponential children with rate target → Gamma(a + n, b + Σx).
    | GammaExponential of shape: Expr * rate: Expr * children: Node list
    /// Gamma(c, rate d) prior on the rate of Gamma children with shapes s_i → Gamma(c + Σ s_i, d + Σ x_i).
    | GammaRateOfGamma of shape: Expr * rate: Expr * children: (Node * Expr) list
    /// Dirichlet(α) × Categorical/Multinomial children → Dirichlet(α + counts).
    | DirichletCounts of concentration: Expr * children: Node list
    /// MvNormal(m0, S0) prior on a vector × MvNormal(target, Σ_c) children → MvNormal.
    | MvNormalMean of priorMean: Expr * priorCovariance: Expr * children: MvNormalChild list
    /// InverseWishart(ν, Ψ) prior on a covariance × MvNormal(m_i, target) children → InverseWishart(ν + n, Ψ + S).
    | InverseWishartCovariance of dof: Expr * scale: Expr * children: MvNormalChild list
    /// Wishart(ν, V) prior on a precision Λ × MvNormal(m_i, inverse Λ) children → Wishart(ν + n, (V⁻¹ + S)⁻¹).
    | WishartPrecision of dof: Expr * scale: Expr * children: MvNormalChild list
    /// MvNormal(m0, S0) prior on each copy of a vector node × Normal children with means a_i + x_i·target[slot]
    /// → MvNormal per copy (varying intercepts and slopes).
    | MvNormalLinear of priorMean: Expr * priorCovariance: Expr * children: GaussianChild list
    /// Gaussian prior × Binomial/Bernoulli children with logit-linear probability → Pólya-Gamma augmentation:
    /// ω_i ~ PG(n_i, eta_i), then the Gaussian update with pseudo-data κ_i/ω_i, κ_i = y_i − n_i/2, precision ω_i.
    | PolyaGammaLogistic of prior: GaussianPrior * children: LinkedChild list
    /// Gaussian prior × Poisson/NegativeBinomial children with log-linear mean (not conjugate): a slice update of
    /// each element on its exact log-conditional, from per-sweep row summaries (see docs/conjugacy.md).
    | LogLinearCount of prior: GaussianPrior * children: LinkedChild list
    /// A conjugate prior truncated to constant bounds [lower, upper]: the conditional is the untruncated rule's
    /// posterior restricted to the same bounds (Normal-Normal, Beta-Binomial, Gamma-Poisson, Gamma-Exponential,
    /// Gamma on a precision, InverseGamma on a variance).
    | Truncated of lower: float * upper: float * conjugate: Conjugate

/// A conjugacy rule: a value that recognises one prior × likelihood pattern on the expanded model graph.
type ConjugacyRule =
    {
        /// Short name shown by `Gibbs.describe` (like JAGS's sampler names).
        Name: string
        /// The update's math, for documentation and the plan listing.
        Math: string
        /// Recognises the pattern for a target parameter node, or says why it does not apply.
        Try: Model -> Node -> Result<Conjugate, string>
    }

/// The built-in conjugacy rules. Each is a value that can be tested on its own; users may add their own.
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
    let private elementwiseGaussian name math (prior: Dist -> (Expr * Expr) option) (notThis: string) make =
        {
            Name = name
            Math = math
            Try =
                fun expanded target ->
                    match target.Kind, target.Plate with
                    | NodeKind.Parameter d, (Plate.Scalar | Plate.Over _ | Plate.Sized _) when (prior d).IsSome ->
                        let a, b = (prior d).Value

                        eachChild expanded target ((gaussianChild target.Name false))
                        |> Result.map (fun cs -> make (a, b, cs))
                    | _ -> Error notThis
        }

    /// Normal prior × Normal children with means linear in the target: posterior precision
    /// 1/s0² + Σ c_i²/s_i², mean (m0/s0² + Σ c_i (y_i − a_i)/s_i²) / precision (element-wise for group vectors).
    let normalMean: ConjugacyRule =
        elementwiseGaussian
            "Normal-Normal"
            "theta ~ N(m0, s0), y_i ~ N(a_i + c_i theta, s_i) => theta | y ~ N(m, 1/P), P = 1/s0^2 + sum c_i^2/s_i^2, m = (m0/s0^2 + sum c_i (y_i - a_i)/s_i^2)/P"
            (function
            | Dist.Normal(m0, s0) -> Some(m0, s0)
            | _ -> None)
            "its prior is not Normal"
            Conjugate.NormalMean

    /// Two-group prior w·δ₀ + (1−w)·N(0, s²) × Normal children linear in the target: the exact conditional is the
    /// same mixture with updated weight and slab (`Conjugate.slabProbability`), so the indicator and the value are
    /// drawn together in closed form, for every element of a group vector.
    let spikeAndSlab: ConjugacyRule =
        elementwiseGaussian
            "spike-and-slab Normal"
            "theta ~ w delta0 + (1-w) N(0, s), y_i ~ N(a_i + c_i theta, s_i) => P(theta != 0 | y) = logistic(log((1-w)/w) - log(1 + s^2 P)/2 + B^2/(2(P + 1/s^2))), theta | theta != 0 ~ N(B/(P + 1/s^2), 1/(P + 1/s^2)), P = sum c_i^2/s_i^2, B = sum c_i (y_i - a_i)/s_i^2"
            (function
            | Dist.SpikeAndSlab(w, sd) -> Some(w, sd)
            | _ -> None)
            "its prior is not SpikeAndSlab"
            Conjugate.SpikeAndSlabNormal

    /// iid Normal prior on a coefficient vector × children whose means are `a_i + x_i·beta`: posterior precision
    /// I/s0² + Xᵀ W X with W = diag(1/s_i²), mean P⁻¹ (m0/s0² + Xᵀ W (y − a)) (MvNormal block, Cholesky solve).
    let normalBlock: ConjugacyRule =
        {
            Name = "Normal-block (regression)"
            Math =
                "beta_k ~ N(m0, s0) iid, y_i ~ N(a_i + x_i . beta, s_i) => beta | y ~ MvN(P^-1 (m0/s0^2 1 + X'W(y - a)), P^-1), P = I/s0^2 + X'WX"
            Try =
                fun expanded target ->
                    match target.Kind, target.Plate with
                    | NodeKind.Parameter(Dist.Normal(m0, s0)), Plate.Sized _ ->
                        eachChild expanded target ((gaussianChild target.Name true))
                        |> Result.map (fun cs -> Conjugate.NormalBlock(m0, s0, cs))
                    | _ -> Error "its prior is not Normal on a fixed-length vector"
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
    let normalScale: ConjugacyRule =
        {
            Name = "Normal scale"
            Math =
                "see docs/conjugacy.md: Gamma-precision, InvGamma-variance, GIG (half-normal sd, gamma variance), half-t augmentation"
            Try =
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
                            | Dist.HalfStudentT _, ScaleLink.Sd -> Ok(Conjugate.NormalScale(link, prior, cs))
                            | _ -> Error $"a {Dist.name prior} prior on a Normal {link} has no closed-form update")
                    | NodeKind.Parameter _, _ ->
                        Error
                            "its prior is not one the scale rules cover (scalar Gamma, InverseGamma, HalfNormal, HalfCauchy, HalfStudentT)"
                    | _ -> Error "its prior is not a parameter prior"
        }

    /// A positive scalar entering Normal children's means linearly (the τ of a non-centred hierarchy,
    /// y_i ~ N(a_i + c_i τ, s_i)): the children give exp(−½Pτ² + Sτ); a half-normal(A) prior keeps it Gaussian, and
    /// a half-t(ν, A) prior (half-Cauchy: ν = 1) does so given the mixture weight w of τ | w ~ HalfNormal(A/√w),
    /// w ~ Gamma(ν/2, ν/2). So τ | w, y ~ N(S/Q, 1/Q) truncated to τ > 0 with Q = P + w/A², and
    /// w | τ ~ Gamma((ν + 1)/2, (ν + τ²/A²)/2).
    let normalLinearPositive: ConjugacyRule =
        {
            Name = "Normal linear coefficient, positive"
            Math =
                "tau ~ half-t(nu, A) = HalfNormal(A/sqrt w), w ~ Gamma(nu/2, nu/2); y_i ~ N(a_i + c_i tau, s_i) => tau | w, y ~ N(S/Q, 1/Q) on tau > 0, Q = sum c_i^2/s_i^2 + w/A^2, S = sum c_i (y_i - a_i)/s_i^2; w | tau ~ Gamma((nu+1)/2, (nu + tau^2/A^2)/2)"
            Try =
                fun expanded target ->
                    match target.Kind, target.Plate with
                    | NodeKind.Parameter(Dist.HalfNormal _ | Dist.HalfCauchy _ | Dist.HalfStudentT _ as prior),
                      Plate.Scalar ->
                        eachChild expanded target (gaussianChildWhere (fun slot -> slot.IsWhole) target.Name)
                        |> Result.map (fun cs -> Conjugate.NormalLinearPositive(prior, cs))
                    | _ -> Error "its prior is not a scalar HalfNormal, HalfCauchy or HalfStudentT"
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
    let betaBinomial: ConjugacyRule =
        {
            Name = "Beta-Binomial"
            Math = "theta ~ Beta(a, b), y_i ~ Bin(n_i, theta) => Beta(a + sum y_i, b + sum (n_i - y_i))"
            Try =
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
                        |> Result.map (fun cs -> Conjugate.BetaBinomial(a, b, cs))
                    | _ -> Error "its prior is not Beta"
        }

    /// Gamma(a, rate b) × Poisson(E_i c_i θ) children → Gamma(a + Σy_i, b + Σ E_i c_i).
    let gammaPoisson: ConjugacyRule =
        {
            Name = "Gamma-Poisson"
            Math = "theta ~ Gamma(a, b), y_i ~ Poisson(E_i theta) => Gamma(a + sum y_i, b + sum E_i)"
            Try =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Gamma(a, b)) ->
                        let pick d =
                            match d with
                            | Dist.Poisson(rate, exposure) -> Some(exposure, rate)
                            | _ -> None

                        eachChild expanded target ((fun c -> countChild target.Name c "Poisson rate" pick))
                        |> Result.map (fun cs -> Conjugate.GammaPoisson(a, b, cs))
                    | _ -> Error "its prior is not Gamma"
        }

    /// Gamma(a, rate b) × Exponential(θ) children → Gamma(a + n, b + Σx_i).
    let gammaExponential: ConjugacyRule =
        {
            Name = "Gamma-Exponential"
            Math = "theta ~ Gamma(a, b), x_i ~ Exp(theta) => Gamma(a + n, b + sum x_i)"
            Try =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Gamma(a, b)) when target.Plate = Plate.Scalar ->
                        eachChild expanded target (fun c ->
                            match childDist c with
                            | Some(Dist.Exponential(Param t)) when t = target.Name -> Ok c
                            | _ -> Error $"child '{c.Name}' is not Exponential with rate '{target.Name}'")
                        |> Result.map (fun cs -> Conjugate.GammaExponential(a, b, cs))
                    | _ -> Error "its prior is not a scalar Gamma"
        }

    /// Gamma(c, rate d) on the rate of Gamma(s_i, θ) children → Gamma(c + Σ s_i, d + Σ x_i) (BUGS pumps' beta).
    let gammaRateOfGamma: ConjugacyRule =
        {
            Name = "Gamma rate of Gamma"
            Math = "beta ~ Gamma(c, d), x_i ~ Gamma(s_i, beta) => Gamma(c + sum s_i, d + sum x_i)"
            Try =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Gamma(c, d)) when target.Plate = Plate.Scalar ->
                        eachChild expanded target (fun ch ->
                            match childDist ch with
                            | Some(Dist.Gamma(s, Param t)) when t = target.Name && not (Expr.dependsOn t s) ->
                                Ok(ch, s)
                            | _ -> Error $"child '{ch.Name}' is not Gamma with rate '{target.Name}'")
                        |> Result.map (fun cs -> Conjugate.GammaRateOfGamma(c, d, cs))
                    | _ -> Error "its prior is not a scalar Gamma"
        }

    /// Dirichlet(α) × Categorical(θ) / Multinomial(n, θ) children → Dirichlet(α + category counts).
    let dirichletCounts: ConjugacyRule =
        {
            Name = "Dirichlet-Multinomial"
            Math = "p ~ Dirichlet(alpha), y_i ~ Categorical(p) => Dirichlet(alpha + counts)"
            Try =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Dirichlet a) when target.Plate = Plate.Scalar ->
                        eachChild expanded target (fun c ->
                            match childDist c with
                            | Some(Dist.Categorical(Param t))
                            | Some(Dist.Multinomial(_, Param t)) when t = target.Name -> Ok c
                            | _ -> Error $"child '{c.Name}' is not Categorical/Multinomial in '{target.Name}'")
                        |> Result.map (fun cs -> Conjugate.DirichletCounts(a, cs))
                    | _ -> Error "its prior is not a scalar Dirichlet"
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
    /// `prior` picks the prior's two arguments, `build` makes the Conjugate case, `what` names the node's kind.
    let private mvRule
        name
        math
        (family: string)
        (what: string)
        role
        (prior: Model -> Dist -> (Expr * Expr) option)
        build
        =
        {
            Name = name
            Math = math
            Try =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter d ->
                        match prior expanded d, target.Plate with
                        | Some(a, b), Plate.Scalar ->
                            eachChild expanded target (mvNormalChild expanded target.Name role)
                            |> Result.map (fun cs -> build (a, b, cs))
                        | Some _, _ -> Error $"it is a {what} per group level; this rule covers a single {what}"
                        | None, _ -> Error $"its prior is not {family}"
                    | _ -> Error $"its prior is not {family}"
        }

    /// MvNormal(m0, S0) prior on a vector μ × children x_i ~ MvNormal(μ, Σ_c) with Σ_c free of μ: posterior
    /// precision Q = S0⁻¹ + Σ_c n_c Σ_c⁻¹, mean Q⁻¹ (S0⁻¹ m0 + Σ_c Σ_c⁻¹ Σ_i x_i) (the MvNormal-MvNormal identity).
    let mvNormalMean: ConjugacyRule =
        mvRule
            "MvNormal mean"
            "mu ~ MvN(m0, S0), x_i ~ MvN(mu, Sigma) => mu | x ~ MvN(Q^-1 (S0^-1 m0 + Sigma^-1 sum x_i), Q^-1), Q = S0^-1 + n Sigma^-1"
            "MvNormal"
            "vector"
            AsMean
            mvNormalForm
            Conjugate.MvNormalMean

    /// InverseWishart(ν, Ψ) prior on a covariance Σ × children x_i ~ MvNormal(m_i, Σ) with means free of Σ:
    /// InverseWishart(ν + n, Ψ + Σ_i (x_i − m_i)(x_i − m_i)ᵀ) (the inverse-Wishart–normal identity).
    let inverseWishartCovariance: ConjugacyRule =
        mvRule
            "InverseWishart covariance"
            "Sigma ~ IW(nu, Psi), x_i ~ MvN(m_i, Sigma) => Sigma | x ~ IW(nu + n, Psi + sum (x_i - m_i)(x_i - m_i)')"
            "InverseWishart"
            "covariance"
            AsCovariance
            (fun _ d ->
                match d with
                | Dist.InverseWishart(nu, psi) -> Some(nu, psi)
                | _ -> None)
            Conjugate.InverseWishartCovariance

    /// Wishart(ν, V) prior on a precision matrix Λ × children x_i ~ MvNormal(m_i, inverse Λ) with means free of Λ:
    /// Wishart(ν + n, (V⁻¹ + Σ_i (x_i − m_i)(x_i − m_i)ᵀ)⁻¹) (the Wishart–normal identity).
    let wishartPrecision: ConjugacyRule =
        mvRule
            "Wishart precision"
            "Lambda ~ Wishart(nu, V), x_i ~ MvN(m_i, inverse Lambda) => Lambda | x ~ Wishart(nu + n, (V^-1 + sum (x_i - m_i)(x_i - m_i)')^-1)"
            "Wishart"
            "precision"
            AsPrecision
            (fun _ d ->
                match d with
                | Dist.Wishart(nu, v) -> Some(nu, v)
                | _ -> None)
            Conjugate.WishartPrecision

    /// MvNormal(m0, S0) prior on each copy b_j of a vector node × Normal children y_i ~ N(a_i + x_i·b_j, s_i)
    /// (a dot product with the whole node, or with the copy its group index selects): per copy, posterior
    /// precision Q_j = S0⁻¹ + Σ_{i in j} x_i x_iᵀ/s_i², mean Q_j⁻¹ (S0⁻¹ m0 + Σ_{i in j} x_i (y_i − a_i)/s_i²).
    let mvNormalLinear: ConjugacyRule =
        {
            Name = "MvNormal-linear (dot product)"
            Math =
                "b_j ~ MvN(m0, S0), y_i ~ N(a_i + x_i . b_j, s_i) => b_j | y ~ MvN(Q^-1 (S0^-1 m0 + sum x_i (y_i - a_i)/s_i^2), Q^-1), Q = S0^-1 + sum x_i x_i'/s_i^2"
            Try =
                fun expanded target ->
                    let form =
                        match target.Kind with
                        | NodeKind.Parameter d -> mvNormalForm expanded d
                        | _ -> None

                    match form, target.Plate with
                    | Some(m0, s0), (Plate.Scalar | Plate.Over _) ->
                        let accept (slot: Slot) = slot.IsWholeDot || slot.IsIndexedDot

                        eachChild expanded target (gaussianChildWhere accept target.Name)
                        |> Result.map (fun cs -> Conjugate.MvNormalLinear(m0, s0, cs))
                    | Some _, _ ->
                        Error "it is a fixed-size set of vectors; this rule covers one vector or one per group level"
                    | None, _ -> Error "its prior is not MvNormal"
        }

    /// Normal/MvNormal prior × y_i ~ Binomial(n_i, invLogit(eta_i)) with eta linear in the target (Polson, Scott &
    /// Windle 2013): given ω_i ~ PG(n_i, eta_i) the likelihood is Gaussian in eta with pseudo-data κ_i/ω_i,
    /// κ_i = y_i − n_i/2 and precision ω_i, so the target gets the Normal-Normal, block or MvNormal-linear draw.
    let polyaGammaLogistic: ConjugacyRule =
        {
            Name = "Pólya-Gamma logistic"
            Math =
                "y_i ~ Bin(n_i, invlogit(a_i + c_i theta)), w_i ~ PG(n_i, eta_i) => theta | w ~ Normal rule with z_i = (y_i - n_i/2)/w_i, sd_i = w_i^-1/2"
            Try =
                fun expanded target ->
                    GlmChildren.recognise GlmChildren.logisticChild expanded target
                    |> Result.map Conjugate.PolyaGammaLogistic
        }

    /// Normal prior × Poisson(exp(eta_i), E_i) / NegativeBinomial(exp(eta_i), φ_i) children with eta linear in the
    /// target: no closed form; each element is slice-sampled on its exact log-conditional (see docs/conjugacy.md).
    let logLinearCount: ConjugacyRule =
        {
            Name = "log-linear count slice"
            Math =
                "y_i ~ Poisson(E_i exp(a_i + c_i theta)): log p(theta | .) = log N(theta) + theta sum c_i y_i - sum E_i e^(a_i) e^(c_i theta), sliced per element"
            Try =
                fun expanded target ->
                    GlmChildren.recognise GlmChildren.logLinearChild expanded target
                    |> Result.map Conjugate.LogLinearCount
        }

    /// A prior truncated to constant bounds whose untruncated family is conjugate: the conditional is that rule's
    /// posterior truncated to the same bounds, drawn by inversion (`TruncatedConjugate`). Covers Normal-Normal,
    /// Beta-Binomial, Gamma-Poisson, Gamma-Exponential, Gamma on a precision and InverseGamma on a variance.
    let truncated: ConjugacyRule =
        {
            Name = "truncated conjugate"
            Math =
                "theta ~ F(prior) T(l, u), a conjugate rule gives theta | y ~ F(posterior) without truncation => theta | y ~ F(posterior) T(l, u), drawn by inverse CDF"
            Try =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Truncated(inner, lo, hi)) ->
                        let bound (b: Expr option) (open': float) =
                            match b with
                            | None -> Some open'
                            | Some e -> Expr.tryConstant e

                        match bound lo -infinity, bound hi infinity with
                        | Some l, Some u ->
                            let untruncated =
                                { target with
                                    Kind = NodeKind.Parameter inner
                                }

                            let model =
                                {
                                    Nodes =
                                        expanded.Nodes
                                        |> List.map (fun n -> if n.Name = target.Name then untruncated else n)
                                }

                            let parents =
                                [ normalMean; betaBinomial; gammaPoisson; gammaExponential; normalScale ]

                            let attempts = parents |> List.map (fun r -> r, r.Try model untruncated)

                            match
                                attempts
                                |> List.tryPick (fun (r, res) -> Result.toOption res |> Option.map (fun c -> r, c))
                            with
                            | Some(_,
                                   (Conjugate.NormalMean _ | Conjugate.BetaBinomial _ | Conjugate.GammaPoisson _ | Conjugate.GammaExponential _ as c))
                            | Some(_, (Conjugate.NormalScale(ScaleLink.Precision, Dist.Gamma _, _) as c))
                            | Some(_, (Conjugate.NormalScale(ScaleLink.Variance, Dist.InverseGamma _, _) as c)) ->
                                Ok(Conjugate.Truncated(l, u, c))
                            | Some(r, _) -> Error $"the truncated form of the {r.Name} update is not implemented"
                            | None ->
                                let reasons =
                                    attempts
                                    |> List.choose (fun (r, res) ->
                                        match res with
                                        | Error why when not (why.StartsWith "its prior is not") ->
                                            Some $"{r.Name}: {why}"
                                        | _ -> None)

                                match reasons with
                                | [] -> Error $"its untruncated {Dist.name inner} prior has no conjugate rule"
                                | rs -> Error(System.String.Join("; ", rs))
                        | _ -> Error "its truncation bounds are not constants"
                    | _ -> Error "its prior is not a truncated distribution"
        }

    /// The built-in rules, tried in this order.
    let builtIn: ConjugacyRule list =
        [
            normalMean
            spikeAndSlab
            normalBlock
            normalScale
            normalLinearPositive
            betaBinomial
            gammaPoisson
            gammaExponential
            gammaRateOfGamma
            dirichletCounts
            mvNormalMean
            inverseWishartCovariance
            wishartPrecision
            mvNormalLinear
            polyaGammaLogistic
            logLinearCount
            truncated
        ]

    /// The first rule that applies to the target, or every rule's reason for not applying.
    let find
        (rules: ConjugacyRule list)
        (expanded: Model)
        (target: Node)
        : Result<ConjugacyRule * Conjugate, (string * string) list> =
        let attempts = rules |> List.map (fun r -> r, r.Try expanded target)

        match
            attempts
            |> List.tryPick (fun (r, res) -> res |> Result.toOption |> Option.map (fun c -> r, c))
        with
        | Some found -> Ok found
        | None ->
            attempts
            |> List.choose (fun (r, res) ->
                match res with
                | Error why -> Some(r.Name, why)
                | Ok _ -> None)
            |> Error
