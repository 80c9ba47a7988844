namespace HierFunctional.Cli

open System
open System.Globalization
open System.IO
open System.Text
open Argu
open HierFunctional

/// `hier predict`: predictions for new rows from the draws `hier fit --output` wrote. The draws files hold no
/// model, so the model is rebuilt from the same arguments as the fit (--example or --formula, with the training
/// CSV as --train); the draws must have a column for every parameter of that model.
[<RequireQualifiedAccess>]
module PredictCommand =

    let private inv = CultureInfo.InvariantCulture

    /// The model arguments of a fit, given on the command line or read from `fit-args.txt` in the draws directory.
    type internal FitSpec =
        {
            Example: string option
            Train: string option
            Formula: string option
            Family: string
            Priors: string list
            Covariance: string
            Categorical: string list
            Delimiter: string option
            DropMissing: bool
        }

    let private given (a: ParseResults<PredictArgs>) =
        {
            Example = a.TryGetResult PredictArgs.Example
            Train = a.TryGetResult PredictArgs.Train
            Formula = a.TryGetResult PredictArgs.Formula
            Family = a.GetResult(PredictArgs.Family, defaultValue = "gaussian")
            Priors = a.GetResults PredictArgs.Prior
            Covariance = a.GetResult(PredictArgs.Covariance, defaultValue = "lkj")
            Categorical = a.GetResults PredictArgs.Categorical
            Delimiter = a.TryGetResult PredictArgs.Delimiter
            DropMissing = a.Contains PredictArgs.Drop_Missing
        }

    /// The arguments `hier fit --output DIR` saved (`FitCommand.fitArgs`), if the file is there.
    let internal saved (dir: string) =
        let file = Path.Combine(dir, "fit-args.txt")

        if not (File.Exists file) then
            None
        else
            let pairs =
                File.ReadAllLines file
                |> Array.choose (fun l ->
                    match l.IndexOf '\t' with
                    | -1 -> None
                    | i -> Some(l.Substring(0, i), l.Substring(i + 1)))
                |> List.ofArray

            let one k =
                pairs |> List.tryFind (fst >> (=) k) |> Option.map snd

            let all k =
                pairs |> List.filter (fst >> (=) k) |> List.map snd

            Some
                {
                    Example = one "example"
                    Train = one "train"
                    Formula = one "formula"
                    Family = one "family" |> Option.defaultValue "gaussian"
                    Priors = all "prior"
                    // fits recorded before LKJ became the default and without --covariance used the InverseWishart
                    Covariance = one "covariance" |> Option.defaultValue "inverse-wishart"
                    Categorical = all "categorical"
                    Delimiter = one "delimiter"
                    DropMissing = one "drop-missing" = Some "true"
                }

    /// The fitted model and its formula (if any), rebuilt from the fit's arguments.
    let internal job (spec: FitSpec) (csv: CsvOptions) =
        match spec.Example, spec.Train, spec.Formula with
        | Some _, _, Some _ -> Fail.usage "use either --example or --formula, not both."
        | Some name, train, None -> FitCommand.exampleJob (Catalog.find name) train csv spec.DropMissing, None
        | None, Some train, Some formula ->
            FitCommand.formulaJob train formula spec.Family spec.Priors spec.Covariance csv spec.DropMissing
        | None, None, Some _ -> Fail.usage "--formula needs --train FILE.csv, the CSV the model was fitted to."
        | None, _, None ->
            Fail.usage
                "hier predict needs the model that was fitted: --example NAME, or --train FILE.csv --formula \"...\" (as given to hier fit), unless the draws directory holds the fit-args.txt that hier fit --output writes."

    /// The chains `hier fit --output DIR` wrote, in chain order.
    let internal drawFiles (dir: string) =
        if not (Directory.Exists dir) then
            Fail.data $"{dir}: the directory does not exist; give the --output directory of `hier fit`."

        let files =
            Directory.GetFiles(dir, "draws_*.csv")
            |> Array.choose (fun f ->
                match Int32.TryParse(Path.GetFileNameWithoutExtension(f).Substring 6, NumberStyles.None, inv) with
                | true, c -> Some(c, f)
                | _ -> None)
            |> Array.sortBy fst
            |> Array.map snd

        if files.Length = 0 then
            Fail.data $"{dir}: no draws_*.csv files; give the --output directory of `hier fit`."

        List.ofArray files

    /// The CSV: `# ` comment lines, a header `y_pred.1,...,y_pred.N` (`y_epred.` with --epred), one line per draw
    /// (chains concatenated in chain order).
    let format (what: string) (p: PredictionDraws) : string =
        let sb = StringBuilder()
        let line (s: string) = sb.Append(s).Append('\n') |> ignore
        line $"# {what} of {p.Node} for {p.Rows} new rows"
        line $"# chains = {p.Chains}, draws_per_chain = {p.DrawsPerChain} (one line per draw, chains in order)"
        line (String.Join(",", Array.init p.Rows (fun r -> $"{p.Node}_{what}.{r + 1}")))

        for v in p.Values do
            line (String.Join(",", v |> Array.map (fun x -> x.ToString("R", inv))))

        sb.ToString()

    /// Predicts the new rows and writes the CSV; returns the exit code.
    let run (t: Terminal) (a: ParseResults<PredictArgs>) : int =
        let newFile =
            match a.TryGetResult PredictArgs.Data with
            | Some f -> f
            | None -> Fail.usage "hier predict needs --data FILE.csv, the new rows to predict."

        let dir =
            match a.TryGetResult PredictArgs.Draws with
            | Some d -> d
            | None -> Fail.usage "hier predict needs --draws DIR, the --output directory of `hier fit`."

        let explicit =
            a.Contains PredictArgs.Example
            || a.Contains PredictArgs.Train
            || a.Contains PredictArgs.Formula

        let spec =
            match explicit, saved dir with
            | false, Some s -> s
            | _ -> given a

        let csv =
            FitCommand.csvOptionsOf
                (if a.Contains PredictArgs.Categorical then
                     a.GetResults PredictArgs.Categorical
                 else
                     spec.Categorical)
                (a.TryGetResult PredictArgs.Delimiter |> Option.orElse spec.Delimiter)

        let job, formula = job spec csv
        let plan = Analysis.compile job
        let files = drawFiles dir
        let posterior = SummaryCommand.read files

        match plan.Bound.Layout.Names |> Seq.tryFind (posterior.Contains >> not) with
        | Some name ->
            Fail.data
                $"{files.Head} has no column '{CmdStanCsv.toStanName name}', a parameter of this model; the draws are not from this model and data (give the same --example/--formula, --train and --drop-missing as the fit)."
        | None -> ()

        let fit = Fit.ofPosterior plan formula posterior
        let newData = DataFile.read csv newFile

        let rng =
            Analysis.predictiveGenerator (a.GetResult(PredictArgs.Seed, defaultValue = 1))

        let allow = a.Contains PredictArgs.Allow_New_Levels
        let epred = a.Contains PredictArgs.Epred

        let result =
            if epred then
                Fit.epred rng allow newData fit
            else
                Fit.predict rng allow newData fit

        match result with
        | Error es ->
            es
            |> List.map (fun e -> $"{newFile}: {PredictionError.describe e}")
            |> String.concat Environment.NewLine
            |> fun m -> m.Replace("allow new levels", "pass --allow-new-levels")
            |> Fail.data
        | Ok p ->
            let text = format (if epred then "epred" else "pred") p

            match a.TryGetResult PredictArgs.Output with
            | Some file ->
                File.WriteAllText(file, text, UTF8Encoding(false))
                t.Err.WriteLine($"hier: wrote {p.Values.Length} draws × {p.Rows} rows to {file}")
            | None -> t.Out.Write text

            ExitCode.Ok
