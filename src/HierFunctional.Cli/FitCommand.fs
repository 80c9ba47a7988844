namespace HierFunctional.Cli

open System.IO
open System.Text
open Argu
open HierFunctional

/// `hier fit`: a bundled example, a bundled model on the user's CSV, or a formula (see FormulaFit).
[<RequireQualifiedAccess>]
module FitCommand =

    let private atLeast (name: string) (low: int) (value: int) =
        if value < low then
            Fail.usage $"--{name} must be at least {low}, but was {value}."

        value

    /// Sampler options from the command line (defaults as `SamplerOptions.Default`).
    let options (a: ParseResults<FitArgs>) : SamplerOptions =
        let d = SamplerOptions.Default

        let get name low def (v: int option) =
            v |> Option.map (atLeast name low) |> Option.defaultValue def

        d
            .WithChains(a.TryGetResult FitArgs.Chains |> get "chains" 1 d.Chains)
            .WithWarmup(a.TryGetResult FitArgs.Warmup |> get "warmup" 0 d.Warmup)
            .WithDraws(a.TryGetResult FitArgs.Draws |> get "draws" 2 d.Draws)
            .WithThin(a.TryGetResult FitArgs.Thin |> get "thin" 1 d.Thin)
            .WithSeed(a.TryGetResult FitArgs.Seed |> Option.defaultValue d.Seed)
            .WithThreads(a.TryGetResult FitArgs.Threads |> get "threads" 1 d.Threads)
            .WithThreadsPerChain(
                a.TryGetResult FitArgs.Threads_Per_Chain
                |> get "threads-per-chain" 1 d.ThreadsPerChain
            )

    /// How to read the user's CSV: --categorical columns and the --delimiter name (detected when not given).
    let csvOptionsOf (categorical: string list) (delimiterName: string option) : CsvOptions =
        let delimiter (name: string) =
            match name.ToLowerInvariant() with
            | ","
            | "comma" -> ','
            | ";"
            | "semicolon" -> ';'
            | "\t"
            | "\\t"
            | "tab" -> '\t'
            | _ -> Fail.usage $"--delimiter must be one of comma, semicolon or tab (or , ; \\t), but was '{name}'."

        {
            Categorical = categorical
            Delimiter = delimiterName |> Option.map delimiter
        }

    /// How to read the user's CSV: --categorical columns and the --delimiter (detected when not given).
    let csvOptions (a: ParseResults<FitArgs>) : CsvOptions =
        csvOptionsOf (a.GetResults FitArgs.Categorical) (a.TryGetResult FitArgs.Delimiter)

    let private dropIf (dropMissing: bool) (columns: string list) (data: Dataset) =
        if dropMissing then
            Dataset.dropMissing columns data
        else
            data, [||]

    /// A bundled example's model on its own data or on the user's CSV (columns renamed as the example expects),
    /// rows with a missing cell in a used column dropped when asked.
    let exampleJob (e: Example) (dataFile: string option) (csv: CsvOptions) (dropMissing: bool) : FitJob =
        let source, data =
            match dataFile with
            | Some file -> file, DataFile.read csv file
            | None -> $"{e.DataFile} (bundled)", DataFile.parse e.DataFile (Catalog.text e)

        let data, dropped =
            Catalog.rename e.Renames data |> dropIf dropMissing (Fit.modelColumns e.Model)

        {
            Name = e.Name
            Source = source
            Model = e.Model
            Data = data
            Dropped = dropped
            Terms = None
            DataPath = []
            GroupRows = Map.empty
        }

    /// A formula's model on the user's CSV, with the formula as fitted (for prediction); a family outside
    /// `FormulaFit.families` is a usage error.
    let formulaJob
        (file: string)
        (formula: string)
        (family: string)
        (priors: string list)
        (covariance: string)
        (csv: CsvOptions)
        (dropMissing: bool)
        : FitJob * FittedFormula option =
        let family = family.ToLowerInvariant()

        if not (List.contains family FormulaFit.families) then
            Fail.usage $"""--family must be one of {String.concat ", " FormulaFit.families}, but was '{family}'."""

        let covariance =
            match covariance.ToLowerInvariant() with
            | "inverse-wishart"
            | "wishart" -> CovariancePrior.InverseWishart
            | "lkj" -> CovariancePrior.Lkj 1.0
            | other -> Fail.usage $"--covariance must be inverse-wishart or lkj, but was '{other}'."

        let parsed = Formula.parse formula

        let data, dropped =
            match parsed with
            | Ok f -> DataFile.read csv file |> dropIf dropMissing (Fit.formulaColumns f)
            | Error _ -> DataFile.read csv file, [||]

        let request =
            {
                DataFile = file
                Data = data
                Formula = formula
                Family = family
                Priors = priors
                Covariance = covariance
            }

        match FormulaFit.build request with
        | Ok(m, d, terms) ->
            // build succeeded, so the formula, family and every prior parse
            let fitted =
                match parsed, Family.parse family, priors |> List.map FormulaPriors.parseOverride with
                | Ok f, Ok fam, overrides when overrides |> List.forall Result.isOk ->
                    Some
                        {
                            Formula = f
                            Options =
                                { FormulaOptions.Default with
                                    Family = fam
                                    Overrides = overrides |> List.choose Result.toOption
                                }
                        }
                | _ -> None

            {
                Name = Path.GetFileNameWithoutExtension file
                Source = file
                Model = m
                Data = d
                Dropped = dropped
                Terms = Some terms
                DataPath = []
                GroupRows = Map.empty
            },
            fitted
        | Error messages -> Fail.data (String.concat System.Environment.NewLine messages)

    /// The job the options describe, or a usage error saying which options go together.
    let job (a: ParseResults<FitArgs>) : FitJob =
        let formulaOnly =
            a.Contains FitArgs.Family
            || a.Contains FitArgs.Prior
            || a.Contains FitArgs.Covariance

        match a.TryGetResult FitArgs.Example, a.TryGetResult FitArgs.Data, a.TryGetResult FitArgs.Formula with
        | Some _, _, Some _ -> Fail.usage "use either --example or --formula, not both."
        | Some _, _, None when formulaOnly ->
            Fail.usage "--family, --prior and --covariance go with --formula, not --example."
        | Some _, None, None when a.Contains FitArgs.Categorical ->
            Fail.usage "--categorical goes with --data FILE.csv: it says how to read a column of your CSV."
        | Some _, None, None when a.Contains FitArgs.Delimiter ->
            Fail.usage "--delimiter goes with --data FILE.csv: it says how to read your CSV."
        | Some _, None, None when a.Contains FitArgs.Drop_Missing ->
            Fail.usage "--drop-missing goes with --data FILE.csv: the bundled data have no missing cells."
        | Some name, file, None -> exampleJob (Catalog.find name) file (csvOptions a) (a.Contains FitArgs.Drop_Missing)
        | None, Some file, Some formula ->
            formulaJob
                file
                formula
                (a.GetResult(FitArgs.Family, defaultValue = "gaussian"))
                (a.GetResults FitArgs.Prior)
                (a.GetResult(FitArgs.Covariance, defaultValue = "lkj"))
                (csvOptions a)
                (a.Contains FitArgs.Drop_Missing)
            |> fst
        | None, None, Some _ -> Fail.usage "--formula needs --data FILE.csv."
        | None, Some _, None ->
            Fail.usage "--data needs --formula \"...\" (or --example NAME to fit a bundled model to it)."
        | None, None, None ->
            Fail.usage "hier fit needs --example NAME, or --data FILE.csv --formula \"...\"; see `hier fit --help`."

    /// The fit's model arguments, one `key<TAB>value` line each (the training CSV as a full path), so that
    /// `hier predict --draws DIR` can rebuild the model without them being repeated.
    let fitArgs (a: ParseResults<FitArgs>) : string =
        [
            yield!
                a.TryGetResult FitArgs.Example
                |> Option.map (fun e -> "example", e)
                |> Option.toList
            yield!
                a.TryGetResult FitArgs.Data
                |> Option.map (fun f -> "train", Path.GetFullPath f)
                |> Option.toList
            yield!
                a.TryGetResult FitArgs.Formula
                |> Option.map (fun f -> "formula", f)
                |> Option.toList
            yield!
                a.TryGetResult FitArgs.Family
                |> Option.map (fun f -> "family", f)
                |> Option.toList
            for p in a.GetResults FitArgs.Prior -> "prior", p
            for c in a.GetResults FitArgs.Categorical -> "categorical", c
            // always recorded with a formula, so a fit reads back under the prior it was made with whatever the
            // default is when `hier predict` reads it
            if a.Contains FitArgs.Formula then
                yield "covariance", a.GetResult(FitArgs.Covariance, defaultValue = "lkj")
            yield!
                a.TryGetResult FitArgs.Delimiter
                |> Option.map (fun d -> "delimiter", d)
                |> Option.toList
            if a.Contains FitArgs.Drop_Missing then
                yield "drop-missing", "true"
        ]
        |> List.map (fun (k, v) -> $"{k}\t{v}\n")
        |> String.concat ""

    let private writeOutputs (tidy: bool) (staging: Staging) (args: ParseResults<FitArgs>) (r: FitResult) =
        let names, rows = Analysis.withSamplerColumns r.Plan r.Posterior

        rows
        |> Array.iteri (fun c draws ->
            let header =
                {
                    ModelName = r.Job.Name
                    Algorithm = "gibbs"
                    NumSamples = r.Options.Draws * r.Options.Thin
                    NumWarmup = r.Options.Warmup
                    Thin = r.Options.Thin
                    Seed = uint64 (uint32 r.Options.Seed)
                    ChainId = c + 1
                    ElapsedSeconds = None
                }

            CmdStanCsv.write (Output.path staging $"draws_{c + 1}.csv") header names draws)

        let utf8 = UTF8Encoding(false)
        File.WriteAllText(Output.path staging "summary.csv", Analysis.summaryCsv r.Summary, utf8)
        let shown = Analysis.readable r.Job.Terms r.Posterior
        File.WriteAllText(Output.path staging "hdi.csv", Analysis.hdiCsv shown, utf8)

        r.Job.Terms
        |> Option.iter (fun t ->
            File.WriteAllText(Output.path staging "effects.csv", Analysis.effectsCsv t r.Posterior, utf8))

        if tidy then
            use w = new StreamWriter(Output.path staging "draws-tidy.csv", false, utf8)
            Tidy.write w (Tidy.labelled shown)

        File.WriteAllText(Output.path staging "fit-args.txt", fitArgs args, utf8)
        File.WriteAllText(Output.path staging "report.html", FitReport.page r, utf8)
        Output.commit staging

    let private print (t: Terminal) (r: FitResult) =
        Terminal.summary t r.Summary

        r.Shrinkage
        |> List.iter (fun s ->
            t.Out.WriteLine()
            Terminal.shrinkage t s)

        t.Out.WriteLine()

        for (n, v, d) in r.Criteria do
            Terminal.line t $"{n, -6} {v, 10}  {d}"

        match r.Checks with
        | Some(node, stats) ->
            let ps = stats |> List.map (fun (s, _, _, p) -> $"{s} {p:F2}") |> String.concat ", "
            Terminal.line t $"posterior predictive p-values of {node}: {ps}"
        | None when AggregatePath.isAggregated r.Job ->
            Terminal.line t $"posterior predictive checks: {AggregatePath.unavailable}"
        | None -> ()

    /// After the results: a reminder on stderr that warnings fired (listed above the summary), and the exit code:
    /// `ExitCode.NotConverged` under --strict, 0 otherwise.
    let private verdict (t: Terminal) (strict: bool) (ws: Warning[]) =
        match ws.Length with
        | 0 -> ExitCode.Ok
        | n ->
            let what =
                if n = 1 then
                    "1 convergence warning"
                else
                    $"{n} convergence warnings"

            if strict then
                t.Err.WriteLine(
                    $"hier: {what} (listed above the summary); --strict exits with code {ExitCode.NotConverged}."
                )

                ExitCode.NotConverged
            else
                t.Err.WriteLine(
                    $"hier: warning: {what} (listed above the summary); do not trust these results until they are resolved. --strict makes them fail the run."
                )

                ExitCode.Ok

    /// Fits the job the options describe, prints the results and writes --output; returns the exit code. The first
    /// Ctrl-C (SIGINT) stops the chains: the draws made so far are summarised and written, marked partial, and the
    /// exit code is `ExitCode.Interrupted`; a second one ends the process at once.
    let run (t: Terminal) (a: ParseResults<FitArgs>) : int =
        use cts = new System.Threading.CancellationTokenSource()

        use _onInterrupt =
            System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGINT,
                fun ctx ->
                    if not cts.IsCancellationRequested then
                        // keep the process alive: the chains stop at their next sweep and the run finishes partial
                        ctx.Cancel <- true

                        t.Err.WriteLine(
                            "hier: interrupted; stopping the chains and keeping the draws made so far (Ctrl-C again to abort)."
                        )

                        cts.Cancel()
            )

        let o = (options a).WithCancellation(cts.Token)
        let aggregate = AggregatePath.mode (a.TryGetResult FitArgs.Aggregate)
        let job = job a |> AggregatePath.apply aggregate
        let summed = AggregatePath.isAggregated job

        if a.Contains FitArgs.Tidy && not (a.Contains FitArgs.Output) then
            Fail.usage "--tidy goes with --output DIR: it writes draws-tidy.csv there."

        let staging = a.TryGetResult FitArgs.Output |> Option.map Output.start

        try
            let plan = Analysis.compile job

            Terminal.line
                t
                $"hier fit {job.Name}: data {job.Source}, {o.Chains} chains × {o.Draws} draws (warm-up {o.Warmup}, thin {o.Thin}, seed {o.Seed})"

            if job.Dropped.Length > 0 then
                let shown =
                    job.Dropped |> Array.truncate 10 |> Array.map string |> String.concat ", "

                let more = if job.Dropped.Length > 10 then ", ..." else ""

                let text =
                    $"dropped {job.Dropped.Length} rows with a missing cell in a column the model uses (data rows {shown}{more})"

                Terminal.line t text
                t.Err.WriteLine($"hier: {text}.")

            for line in job.DataPath do
                Terminal.line t line

            Terminal.line t (Print.model job.Model)
            Terminal.line t "Sampler plan:"
            Terminal.line t (Gibbs.describe plan)
            let post = Analysis.sample t o plan

            let r =
                {
                    Job = job
                    Options = o
                    Plan = plan
                    Posterior = post
                    Summary = Summary.compute (Analysis.readable job.Terms post)
                    Shrinkage =
                        Analysis.shrinkageReports job.Terms plan.Bound post
                        |> List.map (AggregatePath.rowsPerLevel job)
                    Checks =
                        if summed then
                            None
                        else
                            Analysis.predictiveChecks o.Seed plan.Bound post
                    Criteria =
                        if summed then
                            [ "DIC"; "WAIC"; "LOOIC" ]
                            |> List.map (fun n -> n, "NA", AggregatePath.unavailable)
                        else
                            Analysis.criteria plan post
                }

            print t r

            staging
            |> Option.iter (fun s ->
                for f in writeOutputs (a.Contains FitArgs.Tidy) s a r do
                    Terminal.line t $"wrote {f}")

            let code = verdict t (a.Contains FitArgs.Strict) r.Summary.Warnings

            if post.Cancelled then
                t.Err.WriteLine($"hier: these results are {r.Summary.Partial}.")
                ExitCode.Interrupted
            else
                code
        finally
            // After a successful run the staging folder has been committed (moved away) and this does nothing;
            // after any failure it removes the partial files.
            staging |> Option.iter Output.abandon
