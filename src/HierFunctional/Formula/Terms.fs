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

/// Builds the `FormulaTerms` of a model the formula front end made (called by `Formula.toModelAndTermsWith`).
[<RequireQualifiedAccess>]
module internal FormulaTermNames =

    /// Level labels in index order and each row's 0-based level, as `Bind` resolves a group column.
    let private levelsOf (d: Dataset) (g: string) =
        match Dataset.tryColumn g d with
        | Some(Column.Labels(values, levels)) ->
            let index = levels |> Array.mapi (fun i l -> l, i) |> dict
            Array.copy levels, values |> Array.map (fun v -> index.[v])
        | Some(Column.Integers values) ->
            let levels = values |> Array.distinct |> Array.sort
            let index = levels |> Array.mapi (fun i l -> l, i) |> dict
            levels |> Array.map string, values |> Array.map (fun v -> index.[v])
        | _ -> [||], [||]

    /// For each level of `inner`, the level of `outer` its first row belongs to (−1 for a level with no rows).
    let private outerLevel (data: Dataset) (inner: string) (outer: string) =
        let innerLevels, innerRows = levelsOf data inner
        let _, outerRows = levelsOf data outer
        let first = Array.create innerLevels.Length -1

        innerRows
        |> Array.iteri (fun r j ->
            if first.[j] < 0 then
                first.[j] <- outerRows.[r])

        first

    /// The terms of a model: family and covariance choice, the formula, the population coefficient labels, per
    /// group node (node, group column, coefficient labels) and its coefficients' mean expressions, and the data.
    let create
        (family: Family)
        (covariance: CovariancePrior)
        (f: Formula)
        (fixedLabels: string list)
        (specs: (string * string * string list)[])
        (means: Expr list[])
        (data: Dataset)
        : FormulaTerms =
        let groupOfNode n =
            specs |> Array.find (fun (name, _, _) -> name = n) |> fun (_, g, _) -> g

        let meanOf (group: string) (e: Expr) =
            match e with
            | Param b -> TermMean.Population b
            | Index(Param n, Group _) -> TermMean.Outer(n, None, outerLevel data group (groupOfNode n))
            | Elem(Index(Param n, Group _), p) -> TermMean.Outer(n, Some p, outerLevel data group (groupOfNode n))
            | _ -> TermMean.Zero

        let scaleOf (group: string) (labels: string list) =
            match labels, covariance with
            | [ c ], _ -> TermScale.Sd $"sd_{group}__{c}"
            | _, CovariancePrior.InverseWishart -> TermScale.Covariance $"Sigma_{group}"
            | cs, CovariancePrior.Lkj _ ->
                TermScale.Cholesky(cs |> List.map (fun c -> $"sd_{group}__{c}") |> Array.ofList, $"L_{group}")

        {
            Response = f.Response
            Family = family
            Fixed = Array.ofList fixedLabels
            Groups =
                Array.map2
                    (fun (node, group, labels) ms ->
                        {
                            Node = node
                            Group = group
                            Levels = fst (levelsOf data group)
                            Coefficients = Array.ofList labels
                            Means = ms |> List.map (meanOf group) |> Array.ofList
                            Scale = scaleOf group labels
                        })
                    specs
                    means
            Sigma =
                match family, f.Info with
                | Family.Gaussian, ResponseInfo.Se _ -> None
                | Family.Gaussian, _ -> Some "sigma"
                | _ -> None
        }
