namespace HierFunctional.Cli

open HierFunctional

/// What `hier fit --data FILE --formula ...` asks for, as given on the command line.
type FormulaRequest =
    {
        /// The CSV file, for messages.
        DataFile: string
        /// Its contents.
        Data: Dataset
        /// The formula, e.g. `y | trials(n) ~ 1 + (1 | hospital)`.
        Formula: string
        /// One of `families`.
        Family: string
        /// Prior overrides, each "NAME ~ DIST(args)".
        Priors: string list
        /// The covariance prior of correlated group terms.
        Covariance: CovariancePrior
    }

/// The one place the CLI meets the formula front end (src/HierFunctional/Formula). Everything else in `hier fit`
/// (binding, sampling, tables, report, output files) works on the (Model, Dataset) this returns.
[<RequireQualifiedAccess>]
module FormulaFit =

    /// The families `--family` accepts.
    let families =
        [
            "gaussian"
            "binomial"
            "poisson"
            "negbinomial"
            "student"
            "lognormal"
            "gamma"
            "beta"
            "zip"
            "zinb"
            "cumulative"
        ]

    /// True when this build contains the formula front end.
    let available = true

    /// The model, data set and node names for a formula request, or messages naming the formula position or the
    /// data column.
    let build (request: FormulaRequest) : Result<Model * Dataset * FormulaTerms, string list> =
        Formula.buildWithTerms
            { FormulaOptions.Default with
                Family = Family.parse request.Family |> Result.defaultValue Family.Gaussian
                Covariance = request.Covariance
            }
            request.Priors
            request.Formula
            request.Data
        |> Result.mapError (List.map (fun e -> $"formula '{request.Formula}': {FormulaError.describe e}"))
