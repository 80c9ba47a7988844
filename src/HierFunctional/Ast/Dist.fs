namespace HierFunctional

/// A probability distribution in the model tree. Each family has exactly one parameterization, named in its fields
/// (sd vs variance, rate vs scale), and its arguments are expressions so they may depend on other nodes.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type Dist =
    /// Normal with mean and standard deviation.
    | Normal of mean: Expr * sd: Expr
    /// Student's t with degrees of freedom, location and scale.
    | StudentT of dof: Expr * location: Expr * scale: Expr
    /// Cauchy with location and scale.
    | Cauchy of location: Expr * scale: Expr
    /// Normal(0, sd) folded onto (0, ∞).
    | HalfNormal of sd: Expr
    /// Cauchy(0, scale) folded onto (0, ∞).
    | HalfCauchy of scale: Expr
    /// Student-t(dof, 0, scale) folded onto (0, ∞).
    | HalfStudentT of dof: Expr * scale: Expr
    /// Uniform on (lower, upper); the bounds must be constants.
    | Uniform of lower: Expr * upper: Expr
    /// Exponential with rate (mean 1/rate).
    | Exponential of rate: Expr
    /// Gamma with shape and rate (mean shape/rate).
    | Gamma of shape: Expr * rate: Expr
    /// Inverse-gamma with shape and scale (mean scale/(shape − 1)).
    | InverseGamma of shape: Expr * scale: Expr
    /// Log-normal: log x ~ Normal(logMean, logSd).
    | LogNormal of logMean: Expr * logSd: Expr
    /// Beta with shape parameters alpha and beta.
    | Beta of alpha: Expr * beta: Expr
    /// Bernoulli with success probability.
    | Bernoulli of probability: Expr
    /// Binomial with number of trials and success probability.
    | Binomial of trials: Expr * probability: Expr
    /// Beta-binomial with trials and the Beta's alpha and beta.
    | BetaBinomial of trials: Expr * alpha: Expr * beta: Expr
    /// Poisson with mean rate × exposure (exposure 1 for a plain Poisson).
    | Poisson of rate: Expr * exposure: Expr
    /// Negative binomial with mean and dispersion φ: variance mean + mean²/φ (Stan's neg_binomial_2).
    | NegativeBinomial of mean: Expr * dispersion: Expr
    /// Poisson(rate) with extra zeros: a structural 0 with probability zeroInflation (brms's zero_inflated_poisson).
    | ZeroInflatedPoisson of rate: Expr * zeroInflation: Expr
    /// NegativeBinomial(mean, dispersion) with extra zeros: a structural 0 with probability zeroInflation (brms's
    /// zero_inflated_negbinomial).
    | ZeroInflatedNegativeBinomial of mean: Expr * dispersion: Expr * zeroInflation: Expr
    /// Categorical over {0, …, K−1} with a probability vector.
    | Categorical of probabilities: Expr
    /// Cumulative logit on {1, …, K}: P(y ≤ k) = σ(cutpoints[k] − eta) for K − 1 strictly increasing cutpoints
    /// (Stan's ordered_logistic, brms's cumulative("logit")).
    | OrderedLogistic of eta: Expr * cutpoints: Expr
    /// The `size` copies of a real-valued scalar distribution restricted to increasing order (their order
    /// statistics): the prior of ordered cutpoints, sampled on Stan's ordered transform.
    | Ordered of dist: Dist * size: int
    /// Dirichlet with a concentration vector.
    | Dirichlet of concentration: Expr
    /// Multinomial with trials and a probability vector.
    | Multinomial of trials: Expr * probabilities: Expr
    /// Multivariate normal with mean vector and covariance matrix.
    | MvNormal of mean: Expr * covariance: Expr
    /// Multivariate normal with covariance diag(scales)·L·Lᵀ·diag(scales): a vector of standard deviations and the
    /// lower Cholesky factor L of a correlation matrix (Stan's multi_normal_cholesky(mean, diag_pre_multiply(s, L))).
    | MvNormalCholesky of mean: Expr * scales: Expr * corrCholesky: Expr
    /// LKJ distribution on a dim×dim correlation matrix, stored as its lower Cholesky factor.
    | LkjCholesky of dim: int * eta: Expr
    /// Wishart with degrees of freedom and scale matrix (mean dof × scale).
    | Wishart of dof: Expr * scale: Expr
    /// Inverse-Wishart with degrees of freedom and scale matrix (mean scale / (dof − K − 1)).
    | InverseWishart of dof: Expr * scale: Expr
    /// Two-group ("spike and slab") prior: 0 with probability zeroWeight, else Normal(0, slabSd).
    | SpikeAndSlab of zeroWeight: Expr * slabSd: Expr
    /// An improper flat density on a support (e.g. Positive); combine with `factor` for custom hyperpriors.
    | Flat of support: Support
    /// A univariate continuous family restricted to [lower, upper] and renormalised (BUGS's `T(lower, upper)`); a
    /// missing bound is open. A parameter's bounds must be constants; observed data may have varying bounds.
    | Truncated of dist: Dist * lower: Expr option * upper: Expr option

/// Constructors for distributions; `open type Distributions` in F# or `using static` in C#.
/// Methods (rather than union cases) let plain numbers convert to Expr implicitly.
[<AbstractClass; Sealed>]
type Distributions =
    /// Normal(mean, sd).
    static member Normal(mean: Expr, sd: Expr) = Dist.Normal(mean, sd)

    /// Normal with a precision (BUGS's `dnorm(mean, tau)`): Normal(mean, tau^-0.5), the form every Normal
    /// conjugacy rule and interweaving read as a precision; printed back as `NormalPrecision(mean, tau)`.
    static member NormalPrecision(mean: Expr, precision: Expr) =
        Dist.Normal(mean, Power(precision, Const -0.5))

    /// `dist` truncated to [lower, upper] (BUGS's `T(lower, upper)`).
    static member Truncated(dist: Dist, lower: Expr, upper: Expr) =
        Dist.Truncated(dist, Some lower, Some upper)

    /// `dist` truncated below: [lower, ∞) (BUGS's `T(lower, )`).
    static member TruncatedBelow(dist: Dist, lower: Expr) = Dist.Truncated(dist, Some lower, None)

    /// `dist` truncated above: (−∞, upper] (BUGS's `T(, upper)`).
    static member TruncatedAbove(dist: Dist, upper: Expr) = Dist.Truncated(dist, None, Some upper)
    /// StudentT(dof, location, scale).
    static member StudentT(dof: Expr, location: Expr, scale: Expr) = Dist.StudentT(dof, location, scale)
    /// Cauchy(location, scale).
    static member Cauchy(location: Expr, scale: Expr) = Dist.Cauchy(location, scale)
    /// HalfNormal(sd) on (0, ∞).
    static member HalfNormal(sd: Expr) = Dist.HalfNormal sd
    /// HalfCauchy(scale) on (0, ∞).
    static member HalfCauchy(scale: Expr) = Dist.HalfCauchy scale
    /// HalfStudentT(dof, scale) on (0, ∞).
    static member HalfStudentT(dof: Expr, scale: Expr) = Dist.HalfStudentT(dof, scale)
    /// Uniform(lower, upper) with constant bounds.
    static member Uniform(lower: Expr, upper: Expr) = Dist.Uniform(lower, upper)
    /// Exponential(rate).
    static member Exponential(rate: Expr) = Dist.Exponential rate
    /// Gamma(shape, rate).
    static member Gamma(shape: Expr, rate: Expr) = Dist.Gamma(shape, rate)
    /// InverseGamma(shape, scale).
    static member InverseGamma(shape: Expr, scale: Expr) = Dist.InverseGamma(shape, scale)
    /// LogNormal(logMean, logSd).
    static member LogNormal(logMean: Expr, logSd: Expr) = Dist.LogNormal(logMean, logSd)
    /// Beta(alpha, beta).
    static member Beta(alpha: Expr, beta: Expr) = Dist.Beta(alpha, beta)
    /// Bernoulli(probability).
    static member Bernoulli(probability: Expr) = Dist.Bernoulli probability
    /// Binomial(trials, probability).
    static member Binomial(trials: Expr, probability: Expr) = Dist.Binomial(trials, probability)
    /// BetaBinomial(trials, alpha, beta).
    static member BetaBinomial(trials: Expr, alpha: Expr, beta: Expr) = Dist.BetaBinomial(trials, alpha, beta)
    /// Poisson(rate) with exposure 1.
    static member Poisson(rate: Expr) = Dist.Poisson(rate, Const 1.0)
    /// Poisson(rate × exposure).
    static member Poisson(rate: Expr, exposure: Expr) = Dist.Poisson(rate, exposure)
    /// NegativeBinomial(mean, dispersion): variance mean + mean²/dispersion.
    static member NegativeBinomial(mean: Expr, dispersion: Expr) = Dist.NegativeBinomial(mean, dispersion)

    /// ZeroInflatedPoisson(rate, zeroInflation): Poisson(rate) with extra zeros.
    static member ZeroInflatedPoisson(rate: Expr, zeroInflation: Expr) =
        Dist.ZeroInflatedPoisson(rate, zeroInflation)

    /// ZeroInflatedNegativeBinomial(mean, dispersion, zeroInflation): NegativeBinomial with extra zeros.
    static member ZeroInflatedNegativeBinomial(mean: Expr, dispersion: Expr, zeroInflation: Expr) =
        Dist.ZeroInflatedNegativeBinomial(mean, dispersion, zeroInflation)

    /// Categorical(probabilities) over {0, …, K−1}.
    static member Categorical(probabilities: Expr) = Dist.Categorical probabilities

    /// OrderedLogistic(eta, cutpoints) on {1, …, K}: P(y ≤ k) = σ(cutpoints[k] − eta).
    static member OrderedLogistic(eta: Expr, cutpoints: Expr) = Dist.OrderedLogistic(eta, cutpoints)

    /// `size` iid copies of `dist` restricted to increasing order, e.g. `Ordered(StudentT(3, 0, 2.5), 3)` for the
    /// cutpoints of a 4-category OrderedLogistic.
    static member Ordered(dist: Dist, size: int) = Dist.Ordered(dist, size)
    /// Dirichlet(concentration).
    static member Dirichlet(concentration: Expr) = Dist.Dirichlet concentration
    /// Multinomial(trials, probabilities).
    static member Multinomial(trials: Expr, probabilities: Expr) = Dist.Multinomial(trials, probabilities)
    /// MvNormal(mean, covariance).
    static member MvNormal(mean: Expr, covariance: Expr) = Dist.MvNormal(mean, covariance)

    /// MvNormalCholesky(mean, scales, corrCholesky): covariance diag(scales)·L·Lᵀ·diag(scales), e.g. varying
    /// effects with half-t `scales` (a `sized` vector) and an LkjCholesky prior on L.
    static member MvNormalCholesky(mean: Expr, scales: Expr, corrCholesky: Expr) =
        Dist.MvNormalCholesky(mean, scales, corrCholesky)

    /// LKJ(eta) on a dim×dim correlation matrix (stored as its Cholesky factor).
    static member LkjCholesky(dim: int, eta: Expr) = Dist.LkjCholesky(dim, eta)
    /// Wishart(dof, scale).
    static member Wishart(dof: Expr, scale: Expr) = Dist.Wishart(dof, scale)
    /// InverseWishart(dof, scale).
    static member InverseWishart(dof: Expr, scale: Expr) = Dist.InverseWishart(dof, scale)
    /// SpikeAndSlab(zeroWeight, slabSd): the two-group prior π₀·δ₀ + (1 − π₀)·Normal(0, slabSd).
    static member SpikeAndSlab(zeroWeight: Expr, slabSd: Expr) = Dist.SpikeAndSlab(zeroWeight, slabSd)
    /// Flat(support): an improper constant density.
    static member Flat(support: Support) = Dist.Flat support

/// Functions over distributions. Each union case is read through its `DistFamily` record (see `Dist.family`); the two
/// lists below are the only places that match on the cases.
[<RequireQualifiedAccess>]
module Dist =

    open HierFunctional.Families

    /// The family record of a distribution, its argument expressions (in the family's argument order) and a rebuild
    /// from new argument expressions: the one match on the union.
    let rec internal view (d: Dist) : DistFamily * Expr list * (Expr list -> Dist) =
        let at (a: Expr list) i = List.item i a

        match d with
        | Dist.Normal(m, s) -> Continuous.normal, [ m; s ], (fun a -> Dist.Normal(at a 0, at a 1))
        | Dist.StudentT(nu, m, s) -> Continuous.studentT, [ nu; m; s ], (fun a -> Dist.StudentT(at a 0, at a 1, at a 2))
        | Dist.Cauchy(m, s) -> Continuous.cauchy, [ m; s ], (fun a -> Dist.Cauchy(at a 0, at a 1))
        | Dist.HalfNormal s -> Continuous.halfNormal, [ s ], (fun a -> Dist.HalfNormal(at a 0))
        | Dist.HalfCauchy s -> Continuous.halfCauchy, [ s ], (fun a -> Dist.HalfCauchy(at a 0))
        | Dist.HalfStudentT(nu, s) -> Continuous.halfStudentT, [ nu; s ], (fun a -> Dist.HalfStudentT(at a 0, at a 1))
        | Dist.Uniform(lo, hi) -> Continuous.uniform, [ lo; hi ], (fun a -> Dist.Uniform(at a 0, at a 1))
        | Dist.Exponential r -> Continuous.exponential, [ r ], (fun a -> Dist.Exponential(at a 0))
        | Dist.Gamma(sh, r) -> Continuous.gamma, [ sh; r ], (fun a -> Dist.Gamma(at a 0, at a 1))
        | Dist.InverseGamma(sh, s) -> Continuous.inverseGamma, [ sh; s ], (fun a -> Dist.InverseGamma(at a 0, at a 1))
        | Dist.LogNormal(m, s) -> Continuous.logNormal, [ m; s ], (fun a -> Dist.LogNormal(at a 0, at a 1))
        | Dist.Beta(al, be) -> Continuous.beta, [ al; be ], (fun a -> Dist.Beta(at a 0, at a 1))
        | Dist.Bernoulli p -> Discrete.bernoulli, [ p ], (fun a -> Dist.Bernoulli(at a 0))
        | Dist.Binomial(n, p) -> Discrete.binomial, [ n; p ], (fun a -> Dist.Binomial(at a 0, at a 1))
        | Dist.BetaBinomial(n, al, be) ->
            Discrete.betaBinomial, [ n; al; be ], (fun a -> Dist.BetaBinomial(at a 0, at a 1, at a 2))
        | Dist.Poisson(r, e) -> Discrete.poisson, [ r; e ], (fun a -> Dist.Poisson(at a 0, at a 1))
        | Dist.NegativeBinomial(m, phi) ->
            Discrete.negativeBinomial, [ m; phi ], (fun a -> Dist.NegativeBinomial(at a 0, at a 1))
        | Dist.ZeroInflatedPoisson(r, zi) ->
            ZeroInflated.poisson, [ r; zi ], (fun a -> Dist.ZeroInflatedPoisson(at a 0, at a 1))
        | Dist.ZeroInflatedNegativeBinomial(m, phi, zi) ->
            ZeroInflated.negativeBinomial,
            [ m; phi; zi ],
            (fun a -> Dist.ZeroInflatedNegativeBinomial(at a 0, at a 1, at a 2))
        | Dist.Categorical p -> Discrete.categorical, [ p ], (fun a -> Dist.Categorical(at a 0))
        | Dist.OrderedLogistic(eta, c) ->
            Ordinal.orderedLogistic, [ eta; c ], (fun a -> Dist.OrderedLogistic(at a 0, at a 1))
        | Dist.Ordered(inner, size) ->
            let parent, parentArgs, rebuild = view inner
            Ordinal.ordered parent size, parentArgs, (fun a -> Dist.Ordered(rebuild a, size))
        | Dist.Dirichlet al -> Multivariate.dirichlet, [ al ], (fun a -> Dist.Dirichlet(at a 0))
        | Dist.Multinomial(n, p) -> Multivariate.multinomial, [ n; p ], (fun a -> Dist.Multinomial(at a 0, at a 1))
        | Dist.MvNormal(m, s) -> Multivariate.mvNormal, [ m; s ], (fun a -> Dist.MvNormal(at a 0, at a 1))
        | Dist.MvNormalCholesky(m, s, l) ->
            Multivariate.mvNormalCholesky, [ m; s; l ], (fun a -> Dist.MvNormalCholesky(at a 0, at a 1, at a 2))
        | Dist.LkjCholesky(k, eta) -> Multivariate.lkjCholesky k, [ eta ], (fun a -> Dist.LkjCholesky(k, at a 0))
        | Dist.Wishart(nu, s) -> Multivariate.wishart, [ nu; s ], (fun a -> Dist.Wishart(at a 0, at a 1))
        | Dist.InverseWishart(nu, s) ->
            Multivariate.inverseWishart, [ nu; s ], (fun a -> Dist.InverseWishart(at a 0, at a 1))
        | Dist.SpikeAndSlab(w, s) -> Continuous.spikeAndSlab, [ w; s ], (fun a -> Dist.SpikeAndSlab(at a 0, at a 1))
        | Dist.Flat s -> Multivariate.flat s, [], (fun _ -> Dist.Flat s)
        | Dist.Truncated(inner, lo, hi) ->
            let parent, parentArgs, rebuild = view inner
            let n = List.length parentArgs
            let bounds = Option.toList lo @ Option.toList hi

            let rebuildAll (a: Expr list) =
                let b = List.skip n a

                let lo', hi' =
                    match lo, hi with
                    | Some _, Some _ -> Some(at b 0), Some(at b 1)
                    | Some _, None -> Some(at b 0), None
                    | None, Some _ -> None, Some(at b 0)
                    | None, None -> None, None

                Dist.Truncated(rebuild (List.take n a), lo', hi')

            Truncated.family parent (parent.Support parentArgs) lo.IsSome hi.IsSome, parentArgs @ bounds, rebuildAll

    /// The families a model or a formula prior may name, each with its constructor from argument expressions (in
    /// the family's argument order). `LkjCholesky`, `Flat`, `Ordered` and `Truncated` take more than expressions and
    /// are not listed.
    let internal catalogue: (DistFamily * (Expr list -> Dist)) list =
        [
            Continuous.normal, (fun a -> Dist.Normal(a.[0], a.[1]))
            Continuous.studentT, (fun a -> Dist.StudentT(a.[0], a.[1], a.[2]))
            Continuous.cauchy, (fun a -> Dist.Cauchy(a.[0], a.[1]))
            Continuous.halfNormal, (fun a -> Dist.HalfNormal a.[0])
            Continuous.halfCauchy, (fun a -> Dist.HalfCauchy a.[0])
            Continuous.halfStudentT, (fun a -> Dist.HalfStudentT(a.[0], a.[1]))
            Continuous.uniform, (fun a -> Dist.Uniform(a.[0], a.[1]))
            Continuous.exponential, (fun a -> Dist.Exponential a.[0])
            Continuous.gamma, (fun a -> Dist.Gamma(a.[0], a.[1]))
            Continuous.inverseGamma, (fun a -> Dist.InverseGamma(a.[0], a.[1]))
            Continuous.logNormal, (fun a -> Dist.LogNormal(a.[0], a.[1]))
            Continuous.beta, (fun a -> Dist.Beta(a.[0], a.[1]))
            Continuous.spikeAndSlab, (fun a -> Dist.SpikeAndSlab(a.[0], a.[1]))
            Discrete.bernoulli, (fun a -> Dist.Bernoulli a.[0])
            Discrete.binomial, (fun a -> Dist.Binomial(a.[0], a.[1]))
            Discrete.betaBinomial, (fun a -> Dist.BetaBinomial(a.[0], a.[1], a.[2]))
            Discrete.poisson, (fun a -> Dist.Poisson(a.[0], a.[1]))
            Discrete.negativeBinomial, (fun a -> Dist.NegativeBinomial(a.[0], a.[1]))
            ZeroInflated.poisson, (fun a -> Dist.ZeroInflatedPoisson(a.[0], a.[1]))
            ZeroInflated.negativeBinomial, (fun a -> Dist.ZeroInflatedNegativeBinomial(a.[0], a.[1], a.[2]))
            Discrete.categorical, (fun a -> Dist.Categorical a.[0])
            Ordinal.orderedLogistic, (fun a -> Dist.OrderedLogistic(a.[0], a.[1]))
            Multivariate.dirichlet, (fun a -> Dist.Dirichlet a.[0])
            Multivariate.multinomial, (fun a -> Dist.Multinomial(a.[0], a.[1]))
            Multivariate.mvNormal, (fun a -> Dist.MvNormal(a.[0], a.[1]))
            Multivariate.mvNormalCholesky, (fun a -> Dist.MvNormalCholesky(a.[0], a.[1], a.[2]))
            Multivariate.wishart, (fun a -> Dist.Wishart(a.[0], a.[1]))
            Multivariate.inverseWishart, (fun a -> Dist.InverseWishart(a.[0], a.[1]))
        ]

    /// Builds a catalogue distribution from its family name (as in `name`) and argument expressions; an unknown
    /// name or a wrong number of arguments is an Error saying what the family takes.
    let create (familyName: string) (args: Expr list) : Result<Dist, string> =
        match catalogue |> List.tryFind (fun (f, _) -> f.Name = familyName) with
        | None ->
            let names = catalogue |> List.map (fun (f, _) -> f.Name) |> String.concat ", "
            Error $"'{familyName}' is not a distribution; use one of {names}"
        | Some(f, _) when List.length f.Arguments <> List.length args ->
            let labels = String.concat ", " f.Arguments
            Error $"{f.Name} takes {List.length f.Arguments} arguments ({labels}), got {List.length args}"
        | Some(_, make) -> Ok(make args)

    /// The family record of a distribution.
    let internal family (d: Dist) : DistFamily =
        let f, _, _ = view d
        f

    /// The family name as written in the math (`Normal`, `HalfCauchy`, …).
    let name (d: Dist) = (family d).Name

    /// The arguments with their parameterization labels, in declaration order.
    let arguments (d: Dist) : (string * Expr) list =
        let f, args, _ = view d
        List.zip f.Arguments args

    /// The support of the distribution's values.
    let support (d: Dist) : Support =
        let f, args, _ = view d
        f.Support args

    /// True for families whose values are integers (they can be observed but not sampled by the slice fallback).
    let isDiscrete (d: Dist) =
        DistFamily.isDiscreteSupport (support d)

    /// True for the families a truncation may wrap: univariate and continuous, with a CDF and its inverse.
    let isTruncatable (d: Dist) = (family d).Tails.IsSome

    /// Rebuilds the distribution with every argument expression mapped (used for substitution and resolution).
    let mapArgs (f: Expr -> Expr) (d: Dist) : Dist =
        let _, args, rebuild = view d
        rebuild (List.map f args)

    /// The parameter and derived nodes the distribution's arguments refer to.
    let paramRefs (d: Dist) =
        arguments d |> List.collect (snd >> Expr.paramRefs) |> List.distinct
