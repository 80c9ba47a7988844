/// `hier` as a separate process (`dotnet exec hier.dll`), as a user or a script runs it.
module HierFunctional.Cli.Tests.ProcessTests

open System
open System.Diagnostics
open System.IO
open System.Threading.Tasks
open HierFunctional.TestShim
open HierFunctional.Cli
open HierFunctional.Cli.Tests.Support

/// The built tool next to the tests (a referenced Exe project is copied with its runtimeconfig).
let dll = Path.Combine(AppContext.BaseDirectory, "hier.dll")

/// Runs the tool with redirected streams and CI set, as CI runs it; returns (exit code, stdout, stderr).
let run (args: string list) =
    let psi =
        ProcessStartInfo("dotnet", UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true)

    psi.ArgumentList.Add "exec"
    psi.ArgumentList.Add dll

    for a in args do
        psi.ArgumentList.Add a

    psi.Environment.["CI"] <- "true"
    use p = Process.Start psi
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    p.WaitForExit()
    p.ExitCode, out.Result, err.Result

let ``every bundled example runs as a process with plain progress lines on stderr, results on stdout, and exit code 0``
    ()
    =
    Assert.True(File.Exists dll, $"{dll} was not built")
    let names = Catalog.all |> List.map (fun e -> e.Name) |> Array.ofList
    let results = Array.zeroCreate names.Length

    Parallel.For(
        0,
        names.Length,
        ParallelOptions(MaxDegreeOfParallelism = 2),
        fun i -> results.[i] <- run ([ "fit"; "--example"; names.[i]; "--threads"; "1" ] @ short)
    )
    |> ignore

    for name, (code, out: string, err) in Array.zip names results do
        Assert.True((code = 0), $"{name}: exit {code}: {err}")
        Assert.Contains($"hier fit {name}", out)
        Assert.Contains("chain 2: 50/50 (sampling)", err)
        Assert.DoesNotContain("(sampling)", out)
        Assert.Contains("rhat", out)

let ``an error in a process goes to stderr with a non-zero exit code`` () =
    let code, out, err = run [ "fit"; "--example"; "nope" ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.StartsWith("hier: unknown example 'nope'", err)

/// 200 rows of y, x, g with the text `abc` in column x on file line 59.
let private strayCell () =
    let rows =
        Array.init 200 (fun i ->
            let x =
                if i = 57 then
                    "abc"
                else
                    (float i / 10.0).ToString(Globalization.CultureInfo.InvariantCulture)

            $"{float (i % 7) + 0.5},{x},g{i % 5}")

    csvFile ("y,x,g\n" + String.Join("\n", rows) + "\n")

let ``a numeric predictor with one text cell fails at once naming the column, line and cell`` () =
    let file = strayCell ()
    let sw = Stopwatch.StartNew()
    let code, out, err = run [ "fit"; "--data"; file; "--formula"; "y ~ x + (1 | g)" ]
    sw.Stop()
    // Process start-up included, on a shared machine under load (the refusal itself is timed in-process below);
    // before the fix this run took more than 20 minutes.
    Assert.True(sw.Elapsed.TotalSeconds < 30.0, $"took {sw.Elapsed}")
    Assert.Equal(ExitCode.DataError, code)
    Assert.Equal("", out)
    Assert.Contains("line 59, column 'x'", err)
    Assert.Contains("line 59 'abc'", err)
    Assert.Contains("--categorical x", err)

let ``a column declared categorical with a level per row is refused naming the term`` () =
    let file = strayCell ()
    let sw = Stopwatch.StartNew()

    let code, _, err =
        run [ "fit"; "--data"; file; "--formula"; "y ~ x + (1 | g)"; "--categorical"; "x" ]

    sw.Stop()
    Assert.True(sw.Elapsed.TotalSeconds < 30.0, $"took {sw.Elapsed}")
    Assert.Equal(ExitCode.DataError, code)
    Assert.Contains("the term 'x' needs 199 coefficients", err)

let ``the stray cell and the level-per-row design are refused in-process well within a second's work`` () =
    let file = strayCell ()
    hier [ "examples"; "--names-only" ] |> ignore // load and JIT the tool first: time the refusal, not start-up

    for extra in [ []; [ "--categorical"; "x" ] ] do
        let sw = Stopwatch.StartNew()
        let r = hier ([ "fit"; "--data"; file; "--formula"; "y ~ x + (1 | g)" ] @ extra)
        sw.Stop()
        Assert.Equal(ExitCode.DataError, r.Code)
        Assert.True(sw.Elapsed.TotalSeconds < 10.0, $"{extra}: took {sw.Elapsed}")

let ``a run with convergence warnings prints the banner above the results and --strict exits with code 3`` () =
    let dir = tempDir ()

    let code, out, err =
        run (
            [
                "fit"
                "--example"
                "eight-schools"
                "--threads"
                "1"
                "--strict"
                "--output"
                dir
            ]
            @ short
        )

    Assert.Equal(ExitCode.NotConverged, code)
    let banner = out.IndexOf " WARNINGS: do not trust these results"
    Assert.True(banner > 0, out)
    Assert.True(banner < out.IndexOf "\n2 chains × 30 draws" && banner < out.IndexOf "DIC", out)
    Assert.Contains("bulk ESS down to", out)
    Assert.Contains("--strict exits with code 3", err)
    // The draws and the report are still written, with the warnings at the top of the report.
    Assert.True(File.Exists(Path.Combine(dir, "draws_1.csv")))
    let html = File.ReadAllText(Path.Combine(dir, "report.html"))
    let box = html.IndexOf "class=\"warnings\""
    Assert.True(box > 0 && box < html.IndexOf "<section>", "the warnings box leads the report")

let ``without --strict the same run exits with code 0 and a reminder on stderr`` () =
    let code, out, err =
        run ([ "fit"; "--example"; "eight-schools"; "--threads"; "1" ] @ short)

    Assert.Equal(ExitCode.Ok, code)
    Assert.Contains("WARNINGS: do not trust these results", out)
    Assert.Contains("hier: warning:", err)

let ``a run without warnings exits with code 0 under --strict`` () =
    let code, out, err =
        run
            [
                "fit"
                "--example"
                "eight-schools"
                "--threads"
                "1"
                "--strict"
                "--chains"
                "4"
                "--seed"
                "3"
            ]

    Assert.True((code = ExitCode.Ok), $"{err}\n{out}")
    Assert.DoesNotContain("WARNING", out)

let ``hier --version prints the version and the commit it was built from`` () =
    let code, out, err = run [ "--version" ]
    Assert.True((code = 0), err)
    let informational = BuildVersion.informational ()
    Assert.Equal(BuildVersion.describe informational, out.Trim())

    match informational.Split('+') with
    | [| _; sha |] -> Assert.Contains($"(commit {sha.Substring(0, 12)})", out)
    | _ -> Assert.Contains("(commit unknown", out)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Cli.Tests.ProcessTests"
        (Expecto.Tests.testList
            "HierFunctional.Cli.Tests.ProcessTests"
            [
                Expecto.Tests.testCase
                    "every bundled example runs as a process with plain progress lines on stderr, results on stdout, and exit code 0"
                    (fun () ->
                        ``every bundled example runs as a process with plain progress lines on stderr, results on stdout, and exit code 0`` ())
                Expecto.Tests.testCase "an error in a process goes to stderr with a non-zero exit code" (fun () ->
                    ``an error in a process goes to stderr with a non-zero exit code`` ())
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase
                        "a numeric predictor with one text cell fails at once naming the column, line and cell"
                        (fun () ->
                            ``a numeric predictor with one text cell fails at once naming the column, line and cell`` ())
                )
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase
                        "a column declared categorical with a level per row is refused naming the term"
                        (fun () -> ``a column declared categorical with a level per row is refused naming the term`` ())
                )
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase
                        "the stray cell and the level-per-row design are refused in-process well within a second's work"
                        (fun () ->
                            ``the stray cell and the level-per-row design are refused in-process well within a second's work`` ())
                )
                Expecto.Tests.testCase
                    "a run with convergence warnings prints the banner above the results and --strict exits with code 3"
                    (fun () ->
                        ``a run with convergence warnings prints the banner above the results and --strict exits with code 3`` ())
                Expecto.Tests.testCase
                    "without --strict the same run exits with code 0 and a reminder on stderr"
                    (fun () -> ``without --strict the same run exits with code 0 and a reminder on stderr`` ())
                Expecto.Tests.testCase "a run without warnings exits with code 0 under --strict" (fun () ->
                    ``a run without warnings exits with code 0 under --strict`` ())
                Expecto.Tests.testCase "hier --version prints the version and the commit it was built from" (fun () ->
                    ``hier --version prints the version and the commit it was built from`` ())
            ])
