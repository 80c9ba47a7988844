/// Running `hier` in-process with captured streams, temporary directories and repository paths.
module HierFunctional.Cli.Tests.Support

open System
open System.IO
open FsCheck
open HierFunctional.Cli

/// The repository root (tests read docs/data and the CmdStan fixtures from it).
let root = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, "..", ".."))

/// Properties run from a fixed seed, as in the main test project.
let quick =
    Config.QuickThrowOnFailure
        .WithQuietOnSuccess(true)
        .WithReplay(
            Some
                {
                    Rnd = Rnd(20261121UL, 0x9E3779B97F4A7C15UL)
                    Size = None
                }
        )

/// The same fixed replay seed for Expecto's `testPropertyWithConfig`.
let fsCheck: Expecto.FsCheckConfig =
    { Expecto.FsCheckConfig.defaultConfig with
        replay = Some(20261121UL, 0x9E3779B97F4A7C15UL, None)
    }

/// What one run printed and returned.
type RunResult = { Code: int; Out: string; Err: string }

/// Runs `hier` in-process (plain, non-interactive output) and captures both streams.
let hier (args: string list) =
    use out = new StringWriter()
    use err = new StringWriter()

    let code =
        Cli.run
            {
                Out = out
                Err = err
                Interactive = false
            }
            (Array.ofList args)

    {
        Code = code
        Out = out.ToString()
        Err = err.ToString()
    }

/// A fresh empty temporary directory.
let tempDir () =
    let d =
        Path.Combine(Path.GetTempPath(), "hier-cli-tests", Guid.NewGuid().ToString("N"))

    Directory.CreateDirectory(d).FullName

/// Writes text to a CSV file in a fresh temporary directory and returns its path.
let csvFile (text: string) =
    let path = Path.Combine(tempDir (), "data.csv")
    File.WriteAllText(path, text)
    path

/// Short-chain options for the examples: 2 chains, 20 warm-up sweeps, 30 draws, seed 7.
let short = [ "--chains"; "2"; "--warmup"; "20"; "--draws"; "30"; "--seed"; "7" ]

/// One short fit of the surgical example with --output, shared by the tests that only read its files.
let surgicalFit =
    lazy
        (let dir = tempDir ()
         let r = hier ([ "fit"; "--example"; "surgical"; "--output"; dir ] @ short)

         if r.Code <> 0 then
             failwith $"the shared surgical fit failed: {r.Err}"

         dir)
