/// Ctrl-C (SIGINT) during `hier fit`, sent to a separate process: the chains stop, the draws made so far are
/// summarised and written, everything says it is partial, and the exit code is 130.
module HierFunctional.Cli.Tests.InterruptTests

open System
open System.Diagnostics
open System.IO
open System.Text
open System.Threading
open HierFunctional.TestShim
open HierFunctional.Cli.Tests.Support

/// Draw rows of a CmdStan CSV file (lines that are neither comments nor the names row).
let private drawRows (path: string) =
    File.ReadAllLines path
    |> Array.filter (fun l -> l.Trim() <> "" && not (l.StartsWith "#"))
    |> Array.length
    |> fun n -> n - 1

let ``SIGINT during hier fit writes the draws so far and a summary marked partial, and exits with 130`` () =
    if OperatingSystem.IsWindows() then
        () // no SIGINT to send to another process there; PosixSignalRegistration maps Ctrl-C the same way
    else
        let dir = Path.Combine(tempDir (), "out")

        // a runner started in the background has SIGINT ignored, and by POSIX every child inherits that, so hier
        // would rightly ignore the signal; on Linux env resets it to the default first, as a terminal's child has it
        let launcher, prefix =
            if OperatingSystem.IsLinux() then
                "env", [ "--default-signal=INT"; "dotnet" ]
            else
                "dotnet", []

        let psi =
            ProcessStartInfo(
                launcher,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true
            )

        // 4 chains on 2 threads, ~2 million sweeps each: the run is still in its first two chains when interrupted
        for a in
            prefix
            @ [
                "exec"
                ProcessTests.dll
                "fit"
                "--example"
                "eight-schools"
                "--chains"
                "4"
                "--threads"
                "2"
            ]
            @ [
                "--warmup"
                "100"
                "--draws"
                "2000"
                "--thin"
                "1000"
                "--seed"
                "3"
                "--output"
                dir
            ] do
            psi.ArgumentList.Add a

        psi.Environment.["CI"] <- "true"
        use p = Process.Start psi
        let out = StringBuilder()
        use sampling = new ManualResetEventSlim()

        let errText = StringBuilder()

        p.OutputDataReceived.Add(fun e ->
            if not (isNull e.Data) then
                lock out (fun () -> out.AppendLine e.Data |> ignore))

        // progress lines go to stderr
        p.ErrorDataReceived.Add(fun e ->
            if not (isNull e.Data) then
                lock errText (fun () -> errText.AppendLine e.Data |> ignore)

                if e.Data.Contains "(sampling)" then
                    sampling.Set())

        p.BeginOutputReadLine()
        p.BeginErrorReadLine()
        Assert.True(sampling.Wait(TimeSpan.FromMinutes 2.0), $"no sampling progress line: {errText}")
        use kill = Process.Start("kill", [| "-INT"; string p.Id |])
        kill.WaitForExit()
        Assert.True(p.WaitForExit(120_000), "hier did not stop after SIGINT")
        p.WaitForExit() // drains the asynchronous stdout and stderr readers
        let stdout = lock out (fun () -> out.ToString())
        let stderr = lock errText (fun () -> errText.ToString())

        Assert.True(p.ExitCode = 130, $"exit {p.ExitCode}\n{stdout}\n{stderr}")
        Assert.Contains("interrupted", stderr)
        Assert.Contains("partial: run cancelled;", stdout)
        Assert.Contains("of 4 chains made draws", stdout)

        let files = Directory.GetFiles(dir, "draws_*.csv")
        Assert.InRange(files.Length, 1, 3)
        let rows = files |> Array.map drawRows |> Array.distinct
        Assert.Equal(1, rows.Length)
        Assert.InRange(rows.[0], 1, 1999)

        let summary = File.ReadAllLines(Path.Combine(dir, "summary.csv"))
        Assert.StartsWith("# partial: run cancelled;", summary.[0])
        Assert.Contains("of 4 chains made draws", File.ReadAllText(Path.Combine(dir, "report.html")))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Cli.Tests.InterruptTests"
        (Expecto.Tests.testList
            "HierFunctional.Cli.Tests.InterruptTests"
            [
                Expecto.Tests.testCase
                    "SIGINT during hier fit writes the draws so far and a summary marked partial, and exits with 130"
                    (fun () ->
                        ``SIGINT during hier fit writes the draws so far and a summary marked partial, and exits with 130`` ())
            ])
