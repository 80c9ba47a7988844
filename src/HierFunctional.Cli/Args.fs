namespace HierFunctional.Cli

open Argu

/// Options of `hier fit`.
type FitArgs =
    | Example of name: string
    | Data of file: string
    | Formula of formula: string
    | Family of family: string
    | Prior of prior: string
    | Covariance of prior: string
    | Chains of n: int
    | Warmup of n: int
    | Draws of n: int
    | Thin of n: int
    | Seed of seed: int
    | Threads of n: int
    | Threads_Per_Chain of n: int
    | Output of dir: string
    | Categorical of column: string
    | Delimiter of delimiter: string
    | Drop_Missing
    | Aggregate of mode: string
    | Strict
    | Tidy

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Example _ -> "a bundled example (see `hier examples`); with --data, its model is fitted to your CSV."
            | Data _ -> "a CSV file with a header row, or a Parquet file (.parquet)."
            | Formula _ -> "a model formula in lme4/brms syntax, e.g. \"y ~ x + (1 | g)\"."
            | Family _ ->
                "gaussian, binomial, poisson, negbinomial, student, lognormal, gamma, beta, zip, zinb or cumulative (with --formula; default gaussian)."
            | Prior _ -> "a prior override \"NAME ~ DIST(args)\" (repeatable, with --formula)."
            | Covariance _ ->
                "the covariance prior of correlated group terms (with --formula): lkj (default; brms's: LKJ(1) correlations, half-Student-t sds) or inverse-wishart (InverseWishart(K + 1), closed-form update)."
            | Chains _ -> "number of chains (default 4)."
            | Warmup _ -> "warm-up sweeps per chain (default 1000)."
            | Draws _ -> "kept draws per chain (default 1000)."
            | Thin _ -> "keep every n-th sweep (default 1)."
            | Seed _ -> "master seed (default 1); the same seed gives the same draws for any thread count."
            | Threads _ -> "chains run at once (default: number of processors)."
            | Threads_Per_Chain _ ->
                "threads inside each chain for group-wise updates with many groups (default 1); the draws do not change."
            | Output _ ->
                "write draws_1.csv..., summary.csv, hdi.csv, report.html (and effects.csv for a formula) to this directory."
            | Categorical _ -> "read this CSV column as labels (a factor) whatever its cells look like (repeatable)."
            | Delimiter _ ->
                "the CSV field delimiter: comma, semicolon or tab (default: detected from the header line; with semicolon, decimal commas are read)."
            | Drop_Missing ->
                "drop rows with a missing cell (NA or empty) in a column the model uses, and say how many; without it such rows are refused."
            | Aggregate _ ->
                "auto (default), on or off: fit from per-group sums when every row-level term reduces to them (auto: from 100,000 rows); DIC, WAIC, LOO and predictive checks then need --aggregate off."
            | Strict -> "exit with code 3 when any convergence warning fires (R-hat, ESS, non-finite or stuck draws)."
            | Tidy ->
                "also write draws-tidy.csv to --output: one (chain, draw, name, value) row per draw of each scalar."

/// Options of `hier predict`.
type PredictArgs =
    | Data of file: string
    | Draws of dir: string
    | Train of file: string
    | Example of name: string
    | Formula of formula: string
    | Family of family: string
    | Prior of prior: string
    | Covariance of prior: string
    | Categorical of column: string
    | Delimiter of delimiter: string
    | Drop_Missing
    | Epred
    | Allow_New_Levels
    | Seed of seed: int
    | Output of file: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Data _ -> "a CSV of new rows: every column the model reads except the response."
            | Draws _ -> "the directory `hier fit --output` wrote (its draws_*.csv are read)."
            | Train _ -> "the CSV the model was fitted to (the same file as `hier fit --data`)."
            | Example _ -> "the bundled example that was fitted (with --train when it was fitted to your CSV)."
            | Formula _ -> "the formula that was fitted."
            | Family _ -> "the family that was fitted (default gaussian)."
            | Prior _ -> "a prior override that was fitted (repeatable)."
            | Covariance _ -> "the covariance prior that was fitted: lkj (default) or inverse-wishart."
            | Categorical _ -> "read this CSV column as labels, in the training and the new CSV (repeatable)."
            | Delimiter _ -> "the CSV field delimiter of both files: comma, semicolon or tab (default: detected)."
            | Drop_Missing -> "the fit was made with --drop-missing."
            | Epred -> "write the expected value of the response per draw and row instead of predictive draws."
            | Allow_New_Levels ->
                "draw effects of group levels the fit never saw from the population distribution (else they are refused)."
            | Seed _ -> "seed of the prediction draws (default 1)."
            | Output _ -> "write the CSV to this file instead of standard output."

/// Options of `hier compare`.
type CompareArgs =
    | [<MainCommand; ExactlyOnce; Last>] Dirs of dirs: string list
    | Names of names: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Dirs _ -> "two or more --output directories of `hier fit` (each with its draws_*.csv and fit-args.txt)."
            | Names _ -> "comma-separated names for the table, one per directory (default: the directory names)."

/// Options of `hier summary`.
type SummaryArgs =
    | [<MainCommand; ExactlyOnce; Last>] Files of files: string list

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Files _ -> "CmdStan-format CSV files, one per chain (ours or Stan's)."

/// Options of `hier examples`.
type ExamplesArgs =
    | Names_Only

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Names_Only -> "print only the names, one per line."

/// The `hier` command line.
type HierArgs =
    | [<CliPrefix(CliPrefix.None)>] Fit of ParseResults<FitArgs>
    | [<CliPrefix(CliPrefix.None)>] Summary of ParseResults<SummaryArgs>
    | [<CliPrefix(CliPrefix.None)>] Predict of ParseResults<PredictArgs>
    | [<CliPrefix(CliPrefix.None)>] Compare of ParseResults<CompareArgs>
    | [<CliPrefix(CliPrefix.None)>] Examples of ParseResults<ExamplesArgs>
    | Version

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Fit _ -> "fit a bundled example or a CSV and print the summary, shrinkage table and criteria."
            | Summary _ -> "summarize CmdStan-format draws with R-hat, ESS and MCSE."
            | Predict _ -> "predict new rows from the draws `hier fit --output` wrote (CmdStan-style CSV out)."
            | Compare _ -> "compare fits of the same data by PSIS-LOO (elpd differences with SEs, as loo_compare)."
            | Examples _ -> "list the bundled examples."
            | Version -> "print the version and the commit it was built from."
