namespace HierFunctional

/// One population-level or group-level term of a formula: a main effect (one column) or an interaction of
/// several columns (`x:z`). `x*z` is expanded by the parser into `x + z + x:z`.
[<StructuralEquality; NoComparison>]
type FormulaTerm =
    {
        /// The columns multiplied together, in the order written (one column for a main effect).
        Variables: string list
    }

/// An offset added to the linear predictor: `offset(E)`, or `offset(log(E))` for an exposure.
[<StructuralEquality; NoComparison>]
type Offset =
    {
        /// The data column.
        Column: string
        /// True for `offset(log(E))`: the column is an exposure and its log enters the linear predictor.
        Log: bool
    }

/// A group-level (varying) term `(1 + x | g)`: coefficients that vary over the levels of a grouping factor.
[<StructuralEquality; NoComparison>]
type GroupTerm =
    {
        /// True when the group term has a varying intercept (`1 +`, or implied; false after `0 +` or `- 1`).
        Intercept: bool
        /// The varying slopes, in the order written.
        Terms: FormulaTerm list
        /// The grouping factor: one column, or several for an interaction `g1:g2` (the inner group of `g1/g2`).
        Factors: string list
        /// False for `||`: the coefficients get independent scalar priors instead of one covariance matrix.
        Correlated: bool
    }

/// The extra response information brms writes after `|`: binomial trials or a known standard error per row.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type ResponseInfo =
    /// Just the response column.
    | Plain
    /// `y | trials(n)`: the number of binomial trials per row.
    | Trials of column: string
    /// `y | se(s)`: a known standard deviation of the response per row (meta-analysis).
    | Se of column: string

/// A parsed formula `y | aux ~ 1 + x + offset(log(E)) + (1 + x | g)`. Nesting `(1 | g1/g2)` is stored expanded as
/// `(1 | g1) + (1 | g1:g2)` and products `x*z` as `x + z + x:z`.
[<StructuralEquality; NoComparison>]
type Formula =
    {
        /// The response column.
        Response: string
        /// Trials or known standard errors given after `|` on the response side.
        Info: ResponseInfo
        /// True unless the formula says `0 +` or `- 1`.
        Intercept: bool
        /// The population-level (fixed) terms other than the intercept, in order, without duplicates.
        Terms: FormulaTerm list
        /// Offsets added to the linear predictor.
        Offsets: Offset list
        /// The group-level terms, in order.
        Groups: GroupTerm list
    }

/// A response distribution with its link function (the GLM family).
[<RequireQualifiedAccess>]
type Family =
    /// Normal with identity link; a residual sd `sigma` unless `se(s)` gives known sds.
    | Gaussian
    /// Binomial (or Bernoulli for a 0/1 response without `trials`) with logit link.
    | Binomial
    /// Poisson with log link; `offset(log(E))` becomes the exposure.
    | Poisson
    /// Negative binomial (mean, dispersion `shape`) with log link.
    | NegativeBinomial
    /// Student-t with identity link, residual scale `sigma` and degrees of freedom `nu` (brms's `student`).
    | Student
    /// Log-normal: log y is Normal(η, sigma) (brms's `lognormal`).
    | LogNormal
    /// Gamma with log link: mean e^η and shape `shape`, i.e. Gamma(shape, shape·e^−η) (brms's `Gamma(link = "log")`).
    | Gamma
    /// Beta with logit link: mean μ = invLogit η and precision `phi`, i.e. Beta(μ·phi, (1 − μ)·phi) (brms's `Beta`).
    | Beta
    /// Zero-inflated Poisson with log link and zero-inflation probability `zi` (brms's `zero_inflated_poisson`).
    | ZeroInflatedPoisson
    /// Zero-inflated negative binomial with log link, dispersion `shape` and zero-inflation probability `zi`
    /// (brms's `zero_inflated_negbinomial`).
    | ZeroInflatedNegativeBinomial
    /// Cumulative logit for an ordinal response in 1, …, K (brms's `cumulative("logit")`): K − 1 ordered cutpoints
    /// `b_Intercept[k]` take the place of the intercept, P(y ≤ k) = σ(b_Intercept[k] − η).
    | Cumulative

/// What is wrong with a formula, a prior override or the data it is applied to.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type FormulaError =
    /// A syntax error at a 1-based column of the text: what was found and what was expected there.
    | Syntax of column: int * found: string * expected: string
    /// The formula names a column the data set does not have.
    | UnknownColumn of column: string * available: string list
    /// A column holds the wrong kind of values for its use in the formula.
    | WrongColumnType of column: string * expected: string * actual: string
    /// The data cannot support the formula (a constant predictor, a non-binary Bernoulli response, ...).
    | InvalidData of column: string * problem: string
    /// A prior override names a node the model does not have.
    | UnknownPrior of name: string * valid: string list
    /// The family name is not one of the known families.
    | UnknownFamily of name: string
    /// One term has more coefficients than half the data rows, or the design as many coefficients as rows (an id
    /// column used as a predictor, a numeric column read as labels, an interaction of many-level factors):
    /// `term` contributes `coefficients` of the `total` in its part of the formula.
    | TooManyCoefficients of term: string * coefficients: int * total: int * rows: int
    /// The built model failed a model check.
    | Model of ModelError

/// Describing formula errors for people.
[<RequireQualifiedAccess>]
module FormulaError =
    /// One sentence saying what is wrong, where, and what to do about it.
    let describe (e: FormulaError) : string =
        match e with
        | FormulaError.Syntax(col, found, expected) -> $"column {col}: expected {expected}, found {found}."
        | FormulaError.UnknownColumn(c, available) ->
            let names = available |> String.concat ", "
            $"the formula uses column '{c}', which the data set does not have (columns: {names})."
        | FormulaError.WrongColumnType(c, expected, actual) -> $"column '{c}' holds {actual} but is used as {expected}."
        | FormulaError.InvalidData(c, problem) -> $"column '{c}': {problem}."
        | FormulaError.UnknownPrior(name, valid) ->
            let names = valid |> String.concat ", "
            $"there is no node '{name}' to give a prior; the model's parameters are: {names}."
        | FormulaError.UnknownFamily name ->
            $"unknown family '{name}'; use one of gaussian, binomial, poisson, negbinomial, student, lognormal, gamma, beta, zip, zinb, cumulative."
        | FormulaError.TooManyCoefficients(term, k, total, rows) ->
            $"the term '{term}' needs {k} coefficients ({total} in its part of the formula) for {rows} rows of data; the data cannot estimate fewer than two rows per coefficient of a term, or as many coefficients as rows. A label column with a level per row is usually a numeric column with a text cell or an id column: fix the cell, or use the column as a group, (1 | {term}), rather than a predictor."
        | FormulaError.Model e -> ModelError.describe e

/// The families by name.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Family =
    /// Parses "gaussian", "binomial", "poisson", "negbinomial", "student", "lognormal", "gamma", "beta", "zip",
    /// "zinb" or "cumulative" (case-insensitive; brms's names such as "bernoulli", "negative_binomial", "student_t",
    /// "zero_inflated_poisson" and "zero_inflated_negbinomial" are accepted as aliases).
    let parse (name: string) : Result<Family, FormulaError> =
        match name.Trim().ToLowerInvariant() with
        | "gaussian"
        | "normal" -> Ok Family.Gaussian
        | "binomial"
        | "bernoulli" -> Ok Family.Binomial
        | "poisson" -> Ok Family.Poisson
        | "negbinomial"
        | "negative_binomial"
        | "negativebinomial" -> Ok Family.NegativeBinomial
        | "student"
        | "student_t"
        | "studentt" -> Ok Family.Student
        | "lognormal" -> Ok Family.LogNormal
        | "gamma" -> Ok Family.Gamma
        | "beta" -> Ok Family.Beta
        | "zip"
        | "zero_inflated_poisson" -> Ok Family.ZeroInflatedPoisson
        | "zinb"
        | "zero_inflated_negbinomial" -> Ok Family.ZeroInflatedNegativeBinomial
        | "cumulative"
        | "ordinal" -> Ok Family.Cumulative
        | _ -> Error(FormulaError.UnknownFamily name)

    /// The family's name as `parse` reads it.
    let name (f: Family) =
        match f with
        | Family.Gaussian -> "gaussian"
        | Family.Binomial -> "binomial"
        | Family.Poisson -> "poisson"
        | Family.NegativeBinomial -> "negbinomial"
        | Family.Student -> "student"
        | Family.LogNormal -> "lognormal"
        | Family.Gamma -> "gamma"
        | Family.Beta -> "beta"
        | Family.ZeroInflatedPoisson -> "zip"
        | Family.ZeroInflatedNegativeBinomial -> "zinb"
        | Family.Cumulative -> "cumulative"

/// Writing formulas back as text (the parser reads the result back to the same value).
[<RequireQualifiedAccess>]
module FormulaText =
    /// A term as written: `x` or `x:z`.
    let term (t: FormulaTerm) = t.Variables |> String.concat ":"

    let private sum (intercept: bool) (terms: FormulaTerm list) =
        (if intercept then "1" else "0") :: (terms |> List.map term)
        |> String.concat " + "

    /// A group term as written: `(1 + x | g)`, `(0 + x || g1:g2)`.
    let groupTerm (g: GroupTerm) =
        let bar = if g.Correlated then "|" else "||"
        let factors = g.Factors |> String.concat ":"
        $"({sum g.Intercept g.Terms} {bar} {factors})"

    /// The whole formula in canonical form, e.g. `y | trials(n) ~ 1 + x + offset(log(E)) + (1 | g)`.
    let print (f: Formula) : string =
        let lhs =
            match f.Info with
            | ResponseInfo.Plain -> f.Response
            | ResponseInfo.Trials n -> $"{f.Response} | trials({n})"
            | ResponseInfo.Se s -> $"{f.Response} | se({s})"

        let offsets =
            f.Offsets
            |> List.map (fun o ->
                if o.Log then
                    $"offset(log({o.Column}))"
                else
                    $"offset({o.Column})")

        let rhs =
            (sum f.Intercept f.Terms :: offsets) @ (f.Groups |> List.map groupTerm)
            |> String.concat " + "

        $"{lhs} ~ {rhs}"
