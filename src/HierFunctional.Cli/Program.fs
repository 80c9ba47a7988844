namespace HierFunctional.Cli

open System
open System.IO
open Argu
open HierFunctional

/// The `hier` entry point, callable in-process with injected streams.
[<RequireQualifiedAccess>]
module Cli =

    let private parser = lazy (ArgumentParser.Create<HierArgs>(programName = "hier"))

    let private examples (t: Terminal) (a: ParseResults<ExamplesArgs>) =
        let width = Catalog.all |> List.map (fun e -> e.Name.Length) |> List.max

        for e in Catalog.all do
            if a.Contains Names_Only then
                Terminal.line t e.Name
            else
                Terminal.line t $"{e.Name.PadRight width}  {e.Description}"

        ExitCode.Ok

    let private dispatch (t: Terminal) (argv: string[]) =
        let results = parser.Value.ParseCommandLine(argv, raiseOnUsage = true)

        match results.GetAllResults() with
        | [ Fit a ] -> FitCommand.run t a
        | [ Summary a ] -> SummaryCommand.run t a
        | [ Predict a ] -> PredictCommand.run t a
        | [ Compare a ] -> CompareCommand.run t a
        | [ Examples a ] -> examples t a
        | [ Version ] ->
            Terminal.line t (BuildVersion.describe (BuildVersion.informational ()))
            ExitCode.Ok
        | [] ->
            Fail.usage
                "no command given; use `hier fit`, `hier predict`, `hier compare`, `hier summary` or `hier examples` (see `hier --help`)."
        | _ -> Fail.usage "give one command: fit, predict, compare, summary or examples."

    /// Runs `hier` with the arguments; writes to `t` and returns the exit code (0 ok, 1 data/model, 2 usage).
    let run (t: Terminal) (argv: string[]) : int =
        try
            dispatch t argv
        with
        | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText ->
            t.Out.WriteLine e.Message
            ExitCode.Ok
        | :? ArguParseException as e ->
            // Argu puts the problem on the first line and the usage after it; show the problem and where to look.
            let first = e.Message.Split('\n').[0].Trim()
            let problem = first.Replace("ERROR: ", "")
            t.Err.WriteLine($"hier: {problem} (see `hier --help`)")
            ExitCode.UsageError
        | CliFailure(message, code) ->
            t.Err.WriteLine($"hier: {message}")
            code

    /// Runs `hier` on the process's console.
    [<EntryPoint>]
    let main argv =
        let t =
            {
                Out = Console.Out
                Err = Console.Error
                Interactive = Terminal.isInteractive ()
            }

        run t argv
