namespace HierFunctional

/// The set of values a distribution puts mass on; it decides the unconstrained transform a sampler uses.
[<RequireQualifiedAccess>]
type Support =
    /// The whole real line.
    | Real
    /// (0, ∞).
    | Positive
    /// (0, 1).
    | UnitInterval
    /// (lower, upper) with constant bounds.
    | Interval of lower: float * upper: float
    /// {0, 1}.
    | Binary
    /// {0, 1, 2, …}.
    | Count
    /// {0, …, n} for a trials expression n.
    | BoundedCount
    /// {0, …, K − 1} for a K-category distribution.
    | Category
    /// Vectors of K non-negative counts.
    | CountVector
    /// The K-simplex (non-negative entries summing to 1).
    | Simplex
    /// ℝ^K.
    | RealVector
    /// K×K symmetric positive-definite matrices.
    | Covariance
    /// K×K correlation matrices, stored by their lower Cholesky factor.
    | CorrelationCholesky

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
    /// Categorical over {0, …, K−1} with a probability vector.
    | Categorical of probabilities: Expr
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
    /// Categorical(probabilities) over {0, …, K−1}.
    static member Categorical(probabilities: Expr) = Dist.Categorical probabilities
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

/// Functions over distributions.
[<RequireQualifiedAccess>]
module Dist =

    /// The family name as written in the math (`Normal`, `HalfCauchy`, …).
    let name (d: Dist) =
        match d with
        | Dist.Normal _ -> "Normal"
        | Dist.StudentT _ -> "StudentT"
        | Dist.Cauchy _ -> "Cauchy"
        | Dist.HalfNormal _ -> "HalfNormal"
        | Dist.HalfCauchy _ -> "HalfCauchy"
        | Dist.HalfStudentT _ -> "HalfStudentT"
        | Dist.Uniform _ -> "Uniform"
        | Dist.Exponential _ -> "Exponential"
        | Dist.Gamma _ -> "Gamma"
        | Dist.InverseGamma _ -> "InverseGamma"
        | Dist.LogNormal _ -> "LogNormal"
        | Dist.Beta _ -> "Beta"
        | Dist.Bernoulli _ -> "Bernoulli"
        | Dist.Binomial _ -> "Binomial"
        | Dist.BetaBinomial _ -> "BetaBinomial"
        | Dist.Poisson _ -> "Poisson"
        | Dist.NegativeBinomial _ -> "NegativeBinomial"
        | Dist.Categorical _ -> "Categorical"
        | Dist.Dirichlet _ -> "Dirichlet"
        | Dist.Multinomial _ -> "Multinomial"
        | Dist.MvNormal _ -> "MvNormal"
        | Dist.MvNormalCholesky _ -> "MvNormalCholesky"
        | Dist.LkjCholesky _ -> "LkjCholesky"
        | Dist.Wishart _ -> "Wishart"
        | Dist.InverseWishart _ -> "InverseWishart"
        | Dist.SpikeAndSlab _ -> "SpikeAndSlab"
        | Dist.Flat _ -> "Flat"
        | Dist.Truncated _ -> "Truncated"

    /// The arguments with their parameterization labels, in declaration order.
    let rec arguments (d: Dist) : (string * Expr) list =
        match d with
        | Dist.Normal(m, s) -> [ "mean", m; "sd", s ]
        | Dist.StudentT(nu, m, s) -> [ "dof", nu; "location", m; "scale", s ]
        | Dist.Cauchy(m, s) -> [ "location", m; "scale", s ]
        | Dist.HalfNormal s -> [ "sd", s ]
        | Dist.HalfCauchy s -> [ "scale", s ]
        | Dist.HalfStudentT(nu, s) -> [ "dof", nu; "scale", s ]
        | Dist.Uniform(a, b) -> [ "lower", a; "upper", b ]
        | Dist.Exponential r -> [ "rate", r ]
        | Dist.Gamma(a, b) -> [ "shape", a; "rate", b ]
        | Dist.InverseGamma(a, b) -> [ "shape", a; "scale", b ]
        | Dist.LogNormal(m, s) -> [ "logMean", m; "logSd", s ]
        | Dist.Beta(a, b) -> [ "alpha", a; "beta", b ]
        | Dist.Bernoulli p -> [ "probability", p ]
        | Dist.Binomial(n, p) -> [ "trials", n; "probability", p ]
        | Dist.BetaBinomial(n, a, b) -> [ "trials", n; "alpha", a; "beta", b ]
        | Dist.Poisson(r, e) -> [ "rate", r; "exposure", e ]
        | Dist.NegativeBinomial(m, phi) -> [ "mean", m; "dispersion", phi ]
        | Dist.Categorical p -> [ "probabilities", p ]
        | Dist.Dirichlet a -> [ "concentration", a ]
        | Dist.Multinomial(n, p) -> [ "trials", n; "probabilities", p ]
        | Dist.MvNormal(m, s) -> [ "mean", m; "covariance", s ]
        | Dist.MvNormalCholesky(m, s, l) -> [ "mean", m; "scales", s; "corrCholesky", l ]
        | Dist.LkjCholesky(_, eta) -> [ "eta", eta ]
        | Dist.Wishart(nu, s) -> [ "dof", nu; "scale", s ]
        | Dist.InverseWishart(nu, s) -> [ "dof", nu; "scale", s ]
        | Dist.SpikeAndSlab(w, s) -> [ "zeroWeight", w; "slabSd", s ]
        | Dist.Flat _ -> []
        | Dist.Truncated(inner, lo, hi) ->
            arguments inner
            @ (lo |> Option.map (fun l -> "lower", l) |> Option.toList)
            @ (hi |> Option.map (fun u -> "upper", u) |> Option.toList)

    /// The support of the distribution's values.
    let rec support (d: Dist) : Support =
        match d with
        | Dist.Normal _
        | Dist.StudentT _
        | Dist.Cauchy _
        | Dist.SpikeAndSlab _ -> Support.Real
        | Dist.HalfNormal _
        | Dist.HalfCauchy _
        | Dist.HalfStudentT _
        | Dist.Exponential _
        | Dist.Gamma _
        | Dist.InverseGamma _
        | Dist.LogNormal _ -> Support.Positive
        | Dist.Uniform(a, b) ->
            match Expr.tryConstant a, Expr.tryConstant b with
            | Some lo, Some hi -> Support.Interval(lo, hi)
            | _ -> Support.Real // validation refuses non-constant bounds before this matters
        | Dist.Beta _ -> Support.UnitInterval
        | Dist.Bernoulli _ -> Support.Binary
        | Dist.Binomial _
        | Dist.BetaBinomial _ -> Support.BoundedCount
        | Dist.Poisson _
        | Dist.NegativeBinomial _ -> Support.Count
        | Dist.Categorical _ -> Support.Category
        | Dist.Multinomial _ -> Support.CountVector
        | Dist.Dirichlet _ -> Support.Simplex
        | Dist.MvNormal _
        | Dist.MvNormalCholesky _ -> Support.RealVector
        | Dist.LkjCholesky _ -> Support.CorrelationCholesky
        | Dist.Wishart _
        | Dist.InverseWishart _ -> Support.Covariance
        | Dist.Flat s -> s
        | Dist.Truncated(inner, lo, hi) ->
            let bound (b: Expr option) (open': float) =
                match b with
                | None -> Some open'
                | Some e -> Expr.tryConstant e

            let parent =
                match support inner with
                | Support.Real -> Some(-infinity, infinity)
                | Support.Positive -> Some(0.0, infinity)
                | Support.UnitInterval -> Some(0.0, 1.0)
                | Support.Interval(a, b) -> Some(a, b)
                | _ -> None

            // validation refuses non-constant bounds on a parameter, so only data see the parent's support
            match parent, bound lo -infinity, bound hi infinity with
            | Some(a, b), Some l, Some u ->
                match max a l, min b u with
                | a', b' when a' = -infinity && b' = infinity -> Support.Real
                | 0.0, b' when b' = infinity -> Support.Positive
                | 0.0, 1.0 -> Support.UnitInterval
                | a', b' -> Support.Interval(a', b')
            | _ -> support inner

    /// True for families whose values are integers (they can be observed but not sampled by the slice fallback).
    let isDiscrete (d: Dist) =
        match support d with
        | Support.Binary
        | Support.Count
        | Support.BoundedCount
        | Support.Category
        | Support.CountVector -> true
        | _ -> false

    /// True for the families a truncation may wrap: univariate and continuous, with a CDF and its inverse.
    let isTruncatable (d: Dist) =
        match d with
        | Dist.Normal _
        | Dist.StudentT _
        | Dist.Cauchy _
        | Dist.HalfNormal _
        | Dist.HalfCauchy _
        | Dist.HalfStudentT _
        | Dist.Uniform _
        | Dist.Exponential _
        | Dist.Gamma _
        | Dist.InverseGamma _
        | Dist.LogNormal _
        | Dist.Beta _ -> true
        | _ -> false

    /// Rebuilds the distribution with every argument expression mapped (used for substitution and resolution).
    let rec mapArgs (f: Expr -> Expr) (d: Dist) : Dist =
        match d with
        | Dist.Normal(m, s) -> Dist.Normal(f m, f s)
        | Dist.StudentT(nu, m, s) -> Dist.StudentT(f nu, f m, f s)
        | Dist.Cauchy(m, s) -> Dist.Cauchy(f m, f s)
        | Dist.HalfNormal s -> Dist.HalfNormal(f s)
        | Dist.HalfCauchy s -> Dist.HalfCauchy(f s)
        | Dist.HalfStudentT(nu, s) -> Dist.HalfStudentT(f nu, f s)
        | Dist.Uniform(a, b) -> Dist.Uniform(f a, f b)
        | Dist.Exponential r -> Dist.Exponential(f r)
        | Dist.Gamma(a, b) -> Dist.Gamma(f a, f b)
        | Dist.InverseGamma(a, b) -> Dist.InverseGamma(f a, f b)
        | Dist.LogNormal(m, s) -> Dist.LogNormal(f m, f s)
        | Dist.Beta(a, b) -> Dist.Beta(f a, f b)
        | Dist.Bernoulli p -> Dist.Bernoulli(f p)
        | Dist.Binomial(n, p) -> Dist.Binomial(f n, f p)
        | Dist.BetaBinomial(n, a, b) -> Dist.BetaBinomial(f n, f a, f b)
        | Dist.Poisson(r, e) -> Dist.Poisson(f r, f e)
        | Dist.NegativeBinomial(m, phi) -> Dist.NegativeBinomial(f m, f phi)
        | Dist.Categorical p -> Dist.Categorical(f p)
        | Dist.Dirichlet a -> Dist.Dirichlet(f a)
        | Dist.Multinomial(n, p) -> Dist.Multinomial(f n, f p)
        | Dist.MvNormal(m, s) -> Dist.MvNormal(f m, f s)
        | Dist.MvNormalCholesky(m, s, l) -> Dist.MvNormalCholesky(f m, f s, f l)
        | Dist.LkjCholesky(k, eta) -> Dist.LkjCholesky(k, f eta)
        | Dist.Wishart(nu, s) -> Dist.Wishart(f nu, f s)
        | Dist.InverseWishart(nu, s) -> Dist.InverseWishart(f nu, f s)
        | Dist.SpikeAndSlab(w, s) -> Dist.SpikeAndSlab(f w, f s)
        | Dist.Flat s -> Dist.Flat s
        | Dist.Truncated(inner, lo, hi) -> Dist.Truncated(mapArgs f inner, Option.map f lo, Option.map f hi)

    /// The parameter and derived nodes the distribution's arguments refer to.
    let paramRefs (d: Dist) =
        arguments d |> List.collect (snd >> Expr.paramRefs) |> List.distinct
