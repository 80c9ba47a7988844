namespace HierFunctional

/// An MvNormal child of a vector mean or covariance target: child ~ MvNormal(mean, covariance).
type internal MvNormalChild =
    {
        /// The child node (observed rows of a Matrix column, or a vector parameter over a group).
        Node: Node
        /// The child's mean vector.
        Mean: Expr
        /// The child's covariance matrix.
        Covariance: Expr
    }

/// A Normal child whose mean is linear in the target: child ~ Normal(offset + coefficient · target[slot], sd).
type internal GaussianChild =
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
type internal ScaleLink =
    /// sd = target (a standard deviation).
    | Sd
    /// sd = sqrt(target) (a variance).
    | Variance
    /// sd = 1 / sqrt(target) (a precision).
    | Precision

/// How a term of a scale target's conditional enters: a Normal child whose sd is the link of the target, times a
/// data weight, or a factor that is the Normal log-likelihood of pooled squares.
[<RequireQualifiedAccess>]
type internal ScaleTerm =
    /// sd = link(target).
    | Row
    /// sd = link(target) × w, w data-only (the group mean of n rows has w = 1/√n).
    | Weighted of weight: Expr
    /// A factor −d·log sd − S/(2 sd²) with data-only d and S: d observations with sum of squares S about their
    /// means (the pooled within-group part of grouped rows, `Pushdown.rewrite`).
    | Pooled of count: Expr * squares: Expr

/// A Normal child whose sd is a function of the target and whose mean is free of it, or a pooled-squares factor.
type internal ScaleChild =
    {
        /// The child node (the factor node for `ScaleTerm.Pooled`).
        Node: Node
        /// The child's mean (free of the target; unused for `ScaleTerm.Pooled`).
        Mean: Expr
        /// How the term enters.
        Term: ScaleTerm
    }

/// A count child whose success probability or rate is the target (possibly indexed).
type internal CountChild =
    {
        /// The child node.
        Node: Node
        /// Where the target enters.
        Slot: Slot
        /// Binomial trials (Const 1 for Bernoulli), or the Poisson multiplier (exposure × coefficient).
        Size: Expr
    }
