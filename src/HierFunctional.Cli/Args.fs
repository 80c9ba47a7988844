namespace HierFunctional.Cli

open Argu

/// Options of `hier fit`.
type FitArgs =
    | Example of name: string
    | Data of file: string
    | Formula of formula: string
    | Family of family: string
    | Prior of prior: string
    | Chains of n: int
    | Warmup of n: int
    | Draws of n: int
    | Thin of n: int
    | Seed of seed: int
    | Threads of n: int
    | Output of dir: string
    | Categorical of column: string
    | Delimiter of delimiter: string
    | Strict

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Example _ -> "a bundled example (see `hier examples`); with --data, its model is fitted to your CSV."
            | Data _ -> "a CSV file with a header row."
            | Formula _ -> "a model formula in lme4/brms syntax, e.g. \"y ~ x + (1 | g)\"."
            | Family _ ->
                "gaussian, binomial, poisson, negbinomial, student, lognormal, gamma, beta, zip or zinb (with --formula; default gaussian)."
            | Prior _ -> "a prior override \"NAME ~ DIST(args)\" (repeatable, with --formula)."
            | Chains _ -> "number of chains (default 4)."
            | Warmup _ -> "warm-up sweeps per chain (default 1000)."
            | Draws _ -> "kept draws per chain (default 1000)."
            | Thin _ -> "keep every n-th sweep (default 1)."
            | Seed _ -> "master seed (default 1); the same seed gives the same draws for any thread count."
            | Threads _ -> "chains run at once (default: number of processors)."
            | Output _ -> "write draws_1.csv..., summary.csv and report.html to this directory."
            | Categorical _ -> "read this CSV column as labels (a factor) whatever its cells look like (repeatable)."
            | Delimiter _ ->
                "the CSV field delimiter: comma, semicolon or tab (default: detected from the header line; with semicolon, decimal commas are read)."
            | Strict -> "exit with code 3 when any convergence warning fires (R-hat, ESS, non-finite or stuck draws)."

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
    | [<CliPrefix(CliPrefix.None)>] Examples of ParseResults<ExamplesArgs>
    | Version

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Fit _ -> "fit a bundled example or a CSV and print the summary, shrinkage table and criteria."
            | Summary _ -> "summarize CmdStan-format draws with R-hat, ESS and MCSE."
            | Examples _ -> "list the bundled examples."
            | Version -> "print the version and the commit it was built from."
