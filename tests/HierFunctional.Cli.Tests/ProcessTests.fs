/// `hier` as a separate process (`dotnet exec hier.dll`), as a user or a script runs it.
module HierFunctional.Cli.Tests.ProcessTests

open System
open System.Diagnostics
open System.IO
open System.Threading.Tasks
open Xunit
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

[<Fact>]
let ``every bundled example runs as a process with plain progress lines and exit code 0`` () =
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
        Assert.Contains("chain 2: 50/50 (sampling)", out)
        Assert.Contains("rhat", out)

[<Fact>]
let ``an error in a process goes to stderr with a non-zero exit code`` () =
    let code, out, err = run [ "fit"; "--example"; "nope" ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.StartsWith("hier: unknown example 'nope'", err)
