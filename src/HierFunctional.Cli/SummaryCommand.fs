namespace HierFunctional.Cli

open System.IO
open Argu
open HierFunctional

/// `hier summary FILES...`: our diagnostics on any CmdStan-format CSV files, one per chain.
[<RequireQualifiedAccess>]
module SummaryCommand =

    /// Reads the files as chains of one posterior; a missing or malformed file fails naming it (and the line).
    let read (files: string list) : Posterior =
        for f in files do
            if not (File.Exists f) then
                Fail.data $"{f}: the file does not exist; check the path."

        try
            CmdStanCsv.readPosterior (Array.ofList files)
        with
        | :? InvalidDataException as e -> Fail.data e.Message
        | :? System.ArgumentException as e -> Fail.data (e.Message.Split(" (Parameter").[0])

    /// Prints the summary of the files' draws; returns the exit code.
    let run (t: Terminal) (a: ParseResults<SummaryArgs>) : int =
        let files = a.GetResult Files
        let post = read files
        Terminal.line t $"""{String.concat ", " files}: {post.ChainCount} chains × {post.DrawCount} draws"""
        Terminal.summary t (Summary.compute post)
        ExitCode.Ok
