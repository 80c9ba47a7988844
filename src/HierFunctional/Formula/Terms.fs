namespace HierFunctional

/// What a group-level coefficient is centred on (hierarchical centring, docs/formula.md): zero (its node holds the
/// deviation), a population coefficient, or the matching coefficient of an enclosing group (its node holds the
/// group's whole coefficient).
[<RequireQualifiedAccess>]
type TermMean =
    /// Mean 0: the node's value is the deviation from the population coefficient (brms's `r_`).
    | Zero
    /// The population-level node, e.g. `b_Days`.
    | Population of node: string
    /// Element `position` (None for a scalar node) of the enclosing group's node, at the enclosing level given by
    /// `outerLevel.[j]` (0-based) for inner level j.
    | Outer of node: string * position: int option * outerLevel: int[]

/// How a group term's standard deviations and correlations are parameterised.
[<RequireQualifiedAccess>]
type TermScale =
    /// One coefficient: its sd node, e.g. `sd_Subject__Intercept`.
    | Sd of node: string
    /// K ≥ 2 correlated coefficients with an InverseWishart covariance matrix node, e.g. `Sigma_Subject`.
    | Covariance of node: string
    /// K ≥ 2 correlated coefficients as sd nodes and the Cholesky factor node of their correlation (LKJ prior).
    | Cholesky of sds: string[] * factor: string

/// One group-level node of a formula model: the group, the coefficient labels and how to read its draws.
[<NoComparison>]
type FormulaGroup =
    {
        /// The node, e.g. `r_Subject` (scalars `r_Subject[j]`, or `r_Subject[j,k]` for K ≥ 2 coefficients).
        Node: string
        /// The grouping column, e.g. `Subject` (or a combined `g1:g2`).
        Group: string
        /// The level labels in the node's index order (1-based index j is `Levels.[j - 1]`).
        Levels: string[]
        /// The coefficient labels in element order, e.g. `Intercept`, `Days`.
        Coefficients: string[]
        /// Per coefficient, what its prior is centred on.
        Means: TermMean[]
        /// Its standard deviations and correlations.
        Scale: TermScale
    }

/// The names a formula gave its nodes, which the results functions (`Effects`, `ResponseScale`) use to report draws
/// in lme4/brms terms: population coefficients by term, group coefficients by level and term, sd and cor.
[<NoComparison>]
type FormulaTerms =
    {
        /// The response column.
        Response: string
        /// The family.
        Family: Family
        /// The population-level coefficient labels; coefficient `t` is the node `b_t`.
        Fixed: string[]
        /// The group-level nodes.
        Groups: FormulaGroup[]
        /// The residual sd node (`sigma`) of a gaussian model without `se(...)`.
        Sigma: string option
    }
