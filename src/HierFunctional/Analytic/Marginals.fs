namespace HierFunctional.Analytic

open MathNet.Numerics

/// A Normal marginal distribution, given by mean and variance.
type NormalMarginal =
    {
        /// Marginal mean.
        Mean: float
        /// Marginal variance.
        Variance: float
    }

/// Variance components of a two- or three-level Normal hierarchy and what they imply.
type VarianceDecomposition =
    {
        /// Variance of an observation, the sum of the components (law of total variance).
        Total: float
        /// σ²: within the lowest-level group.
        Within: float
        /// τ²: between lowest-level groups (classrooms) within their parent.
        BetweenGroups: float
        /// ω²: between top-level groups (schools); 0 in a two-level model.
        BetweenParents: float
        /// Correlation of two observations in the same lowest-level group: (ω²+τ²)/total.
        IccSameGroup: float
        /// Correlation of two observations in different groups of the same parent: ω²/total.
        IccSameParent: float
    }

/// Marginal (prior predictive) distributions of conjugate hierarchies and variance propagation across levels.
[<RequireQualifiedAccess>]
module Marginals =

    let private requirePositive name (x: float) =
        if not (x > 0.0) then
            invalidArg name $"{name} must be positive, but was {x}."

    let private requireNonNegative name (x: float) =
        if not (x >= 0.0) then
            invalidArg name $"{name} must be zero or positive, but was {x}."

    /// Log of the Gamma-Poisson marginal: λ ~ Gamma(α, β) (shape, rate), y | λ ~ Poisson(λE) gives the Negative
    /// Binomial p(y) = Γ(y+α)/(Γ(α)·y!) · (β/(β+E))^α · (E/(β+E))^y.
    let negativeBinomialLogPmf (alpha: float) (beta: float) (exposure: float) (y: int) =
        requirePositive "alpha" alpha
        requirePositive "beta" beta
        requirePositive "exposure" exposure

        if y < 0 then
            -infinity
        else
            let fy = float y

            SpecialFunctions.GammaLn(fy + alpha)
            - SpecialFunctions.GammaLn alpha
            - SpecialFunctions.FactorialLn y
            + alpha * log (beta / (beta + exposure))
            + fy * log (exposure / (beta + exposure))

    /// The Negative Binomial marginal of Gamma-Poisson (see `negativeBinomialLogPmf`).
    let negativeBinomialPmf alpha beta exposure y =
        exp (negativeBinomialLogPmf alpha beta exposure y)

    /// Log of the Beta-Binomial marginal: p ~ Beta(α, β), y | p ~ Binomial(n, p) gives
    /// p(y) = C(n, y)·B(y+α, n−y+β)/B(α, β).
    let betaBinomialLogPmf (alpha: float) (beta: float) (trials: int) (y: int) =
        requirePositive "alpha" alpha
        requirePositive "beta" beta

        if trials < 0 then
            invalidArg "trials" $"trials must be zero or positive, but was {trials}."

        if y < 0 || y > trials then
            -infinity
        else
            SpecialFunctions.BinomialLn(trials, y)
            + SpecialFunctions.BetaLn(float y + alpha, float (trials - y) + beta)
            - SpecialFunctions.BetaLn(alpha, beta)

    /// The Beta-Binomial marginal (see `betaBinomialLogPmf`).
    let betaBinomialPmf alpha beta trials y =
        exp (betaBinomialLogPmf alpha beta trials y)

    /// Normal-Normal marginal of a group mean of n draws: θ ~ N(μ, τ²), ȳ | θ ~ N(θ, σ²/n) gives ȳ ~ N(μ, τ²+σ²/n).
    let normalGroupMean (mu: float) (tau: float) (sigma: float) (n: int) : NormalMarginal =
        requireNonNegative "tau" tau
        requireNonNegative "sigma" sigma

        if n < 1 then
            invalidArg "n" $"group size n must be at least 1, but was {n}."

        {
            Mean = mu
            Variance = tau * tau + sigma * sigma / float n
        }

    /// Three-level marginal of a classroom mean given its school mean μ_k: θ_jk ~ N(μ_k, τ²), ȳ_jk | θ_jk ~
    /// N(θ_jk, σ²/n_jk) gives ȳ_jk | μ_k ~ N(μ_k, τ²+σ²/n_jk).
    let classroomGivenSchool (schoolMean: float) (tau: float) (sigma: float) (n: int) =
        normalGroupMean schoolMean tau sigma n

    /// Three-level marginal of a classroom mean given the grand mean μ: μ_k ~ N(μ, ω²) adds ω², so
    /// ȳ_jk | μ ~ N(μ, ω²+τ²+σ²/n_jk).
    let classroomGivenGrandMean (mu: float) (omega: float) (tau: float) (sigma: float) (n: int) =
        requireNonNegative "omega" omega
        let m = normalGroupMean mu tau sigma n

        { m with
            Variance = m.Variance + omega * omega
        }

    /// Law of total variance for y = μ + u_k + v_jk + e_ijk with sds ω (parents), τ (groups), σ (within):
    /// Var(y) = E[Var(y|groups)] + Var(E[y|groups]) = σ² + τ² + ω², with the implied intraclass correlations.
    let threeLevel (omega: float) (tau: float) (sigma: float) : VarianceDecomposition =
        requireNonNegative "omega" omega
        requireNonNegative "tau" tau
        requirePositive "sigma" sigma
        let w, t, s = omega * omega, tau * tau, sigma * sigma
        let total = w + t + s

        {
            Total = total
            Within = s
            BetweenGroups = t
            BetweenParents = w
            IccSameGroup = (w + t) / total
            IccSameParent = w / total
        }

    /// Law of total variance for y = μ + v_j + e_ij: Var(y) = σ² + τ²; the ICC is τ²/(τ²+σ²).
    let twoLevel (tau: float) (sigma: float) = threeLevel 0.0 tau sigma

    /// Intraclass correlation τ²/(τ²+σ²): the share of variance between groups, and the correlation of two
    /// observations from the same group.
    let icc (tau: float) (sigma: float) = (twoLevel tau sigma).IccSameGroup
