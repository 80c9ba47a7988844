namespace HierFunctional.Cli

open System.IO
open Argu
open HierFunctional

/// `hier compare`: several fits of the same data compared by PSIS-LOO, as R's `loo_compare`. Each fit is the
/// `--output` directory of `hier fit`; its model is rebuilt from the `fit-args.txt` there and its pointwise
/// log-likelihood computed from the draws (`FitCriteria.loo`), so the fits need not have recorded one.
[<RequireQualifiedAccess>]
module CompareCommand =

    /// The fit in one directory: its name, its PSIS-LOO and how many observations have Pareto k > 0.7.
    let private looOf (dir: string) =
        let spec =
            match PredictCommand.saved dir with
            | Some s -> s
            | None when not (Directory.Exists dir) ->
                Fail.data $"{dir}: the directory does not exist; give the --output directories of `hier fit`."
            | None ->
                Fail.data
                    $"{dir}: no fit-args.txt; `hier compare` rebuilds each model from the arguments `hier fit --output` saves there."

        let job, _ =
            PredictCommand.job spec (FitCommand.csvOptionsOf spec.Categorical spec.Delimiter)

        let plan = Analysis.compile job
        let files = PredictCommand.drawFiles dir
        let posterior = SummaryCommand.read files

        match plan.Bound.Layout.Names |> Seq.tryFind (posterior.Contains >> not) with
        | Some name ->
            Fail.data
                $"{files.Head} has no column '{CmdStanCsv.toStanName name}', a parameter of the model in {dir}/fit-args.txt; the directory's draws and arguments do not belong together."
        | None -> FitCriteria.loo plan posterior

    /// Compares the fits and prints the table, best first; returns the exit code.
    let run (t: Terminal) (a: ParseResults<CompareArgs>) : int =
        let dirs = a.GetResult CompareArgs.Dirs

        if dirs.Length < 2 then
            Fail.usage "hier compare needs at least two --output directories of `hier fit`."

        let names =
            match
                a.TryGetResult CompareArgs.Names
                |> Option.map (fun s -> s.Split(',') |> List.ofArray)
            with
            | Some ns when ns.Length <> dirs.Length ->
                Fail.usage
                    $"--names gives {ns.Length} names for {dirs.Length} directories; give one name per directory."
            | Some ns -> ns
            | None ->
                dirs
                |> List.map (fun d -> Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath d)))

        match names |> List.countBy id |> List.tryFind (fun (_, c) -> c > 1) with
        | Some(n, _) -> Fail.usage $"two fits are named '{n}'; give each a different name with --names."
        | None -> ()

        let loos =
            List.zip names dirs
            |> List.map (fun (n, d) ->
                Terminal.note t $"PSIS-LOO of {n} ({d})"
                n, looOf d)

        match
            loos
            |> List.tryFind (fun (_, l) -> l.PointwiseElpd.Length <> (snd loos.Head).PointwiseElpd.Length)
        with
        | Some(n, l) ->
            Fail.data
                $"'{n}' has {l.PointwiseElpd.Length} observations but '{fst loos.Head}' has {(snd loos.Head).PointwiseElpd.Length}; fits can be compared only on the same data."
        | None -> ()

        Terminal.line t (LooCompare.format (LooCompare.compare loos))

        for n, l in loos do
            let bad = l.ParetoK |> Array.filter (fun k -> k > 0.7) |> Array.length

            if bad > 0 then
                Terminal.line
                    t
                    $"warning: {n}: {bad} of {l.ParetoK.Length} observations have Pareto k > 0.7, so its elpd_loo is unreliable there (refit without them, or use K-fold cross-validation)."

        ExitCode.Ok
