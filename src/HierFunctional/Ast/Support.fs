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
    /// {1, …, K} for a K-category ordinal distribution (Stan's `ordered_logistic`).
    | Ordinal
    /// Vectors of K non-negative counts.
    | CountVector
    /// The K-simplex (non-negative entries summing to 1).
    | Simplex
    /// ℝ^K.
    | RealVector
    /// Strictly increasing vectors in ℝ^K (ordered cutpoints).
    | Ordered
    /// K×K symmetric positive-definite matrices.
    | Covariance
    /// K×K correlation matrices, stored by their lower Cholesky factor.
    | CorrelationCholesky
