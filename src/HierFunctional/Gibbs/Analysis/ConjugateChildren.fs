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

/// A Normal child whose sd is a function of the target and whose mean is free of it.
type internal ScaleChild =
    {
        /// The child node.
        Node: Node
        /// The child's mean (free of the target).
        Mean: Expr
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
