// HierFunctional build script: a plain F# script with named targets (FAKE cannot be restored here).
// Usage: dotnet fsi build.fsx <target> (bench, conformance and sbc take options after --, e.g. `bench -- --quick`)   targets: build, test, orleans-multiprocess, docs, notebook, samples, bench, bench-peers, publish, conformance, sbc, pack, demo, fuzz, all
open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions
open System.Xml.Linq

let root = __SOURCE_DIRECTORY__
let ci = Environment.GetEnvironmentVariable "CI" |> String.IsNullOrEmpty |> not

/// Runs a process in the repository, streaming its output; returns the exit code.
let run (file: string) (args: string) =
    printfn "> %s %s" file args

    let psi =
        ProcessStartInfo(file, args, WorkingDirectory = root, UseShellExecute = false)

    use p = Process.Start psi
    p.WaitForExit()
    p.ExitCode

let runOrFail file args =
    let code = run file args

    if code <> 0 then
        failwithf "'%s %s' failed with exit code %d" file args code

let dotnet args = runOrFail "dotnet" args

let build () =
    dotnet "build HierFunctional.sln -c Release --nologo -v minimal"

/// Passed, failed (failures and errors) and skipped test counts.
type Counts =
    {
        Passed: int
        Failed: int
        Skipped: int
    }

    static member (+)(a: Counts, b: Counts) =
        {
            Passed = a.Passed + b.Passed
            Failed = a.Failed + b.Failed
            Skipped = a.Skipped + b.Skipped
        }

    static member Zero = { Passed = 0; Failed = 0; Skipped = 0 }

/// Counts in one TRX file (the xunit run of the C# tests).
let countTrx (file: string) =
    let ns = XNamespace.Get "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"
    let c = XDocument.Load(file).Descendants(ns + "Counters") |> Seq.head
    let attr (n: string) = int (c.Attribute(XName.Get n).Value)

    {
        Passed = attr "passed"
        Failed = attr "failed" + attr "error" + attr "timeout" + attr "aborted"
        Skipped = attr "notExecuted"
    }

/// Counts in one JUnit summary written by Expecto (`--junit-summary`), with the names of the tests that did not
/// pass: a testcase with a <failure> or <error> child failed, one with <skipped> was skipped.
let countJunit (file: string) =
    let cases = XDocument.Load(file).Descendants(XName.Get "testcase") |> List.ofSeq
    let has (n: string) (c: XElement) = c.Element(XName.Get n) <> null
    let failed = cases |> List.filter (fun c -> has "failure" c || has "error" c)
    let skipped = cases |> List.filter (has "skipped")

    {
        Passed = cases.Length - failed.Length - skipped.Length
        Failed = failed.Length
        Skipped = skipped.Length
    },
    failed |> List.map (fun c -> c.Attribute(XName.Get "name").Value)

/// The F# test projects: Expecto programs (there is no VSTest adapter for Expecto), with the arguments before
/// Expecto's own (the conformance program runs its tests under `test`).
let expectoProjects =
    [
        "HierFunctional.Tests", ""
        "HierFunctional.Cli.Tests", ""
        "HierFunctional.Plots.Tests", ""
        "HierFunctional.Conformance", "test "
    ]

/// Builds, runs each Expecto suite with a JUnit summary (TestResults/<project>.junit.xml) and the C# xunit suite with
/// a TRX log, then prints one combined line from those files (also written to TestResults/counts.txt for .ci/run).
let test () =
    let results = Path.Combine(root, "TestResults")

    if Directory.Exists results then
        Directory.Delete(results, true)

    Directory.CreateDirectory results |> ignore
    build ()

    let expecto =
        expectoProjects
        |> List.map (fun (name, verb) ->
            let junit = Path.Combine(results, $"{name}.junit.xml")
            let proj = Path.Combine(root, "tests", name, $"{name}.fsproj")

            let code =
                run "dotnet" $"run -c Release --no-build --project \"{proj}\" -- {verb}--junit-summary \"{junit}\""

            let counts, failed =
                if File.Exists junit then
                    countJunit junit
                else
                    // a suite that crashed before writing its summary counts as one failure, so it cannot pass
                    { Counts.Zero with Failed = 1 }, [ $"{name}: no JUnit summary (exit code {code})" ]

            code, counts, failed)

    // The C# xunit suites, each with its TRX log: the facade's, and the Orleans cluster tests (in-process
    // multi-silo clusters, ~20 s; the multi-process localhost cluster test is the `orleans-multiprocess` target).
    let xunit (project: string) (folder: string) (filter: string) =
        let trx = Path.Combine(results, folder)

        let code =
            run
                "dotnet"
                $"test tests/{project} -c Release --no-build --nologo {filter}--logger trx --results-directory \"{trx}\""

        let counts =
            if Directory.Exists trx then
                Directory.GetFiles(trx, "*.trx", SearchOption.AllDirectories)
                |> Array.map countTrx
                |> Array.fold (+) Counts.Zero
            else
                { Counts.Zero with Failed = 1 }

        code, counts

    let csharpCode, csharp = xunit "HierFunctional.CSharp.Tests" "csharp" ""

    let orleansCode, orleans =
        xunit "HierFunctional.Orleans.Tests" "orleans" "--filter \"Category!=MultiProcess\" "

    let total =
        (expecto |> List.map (fun (_, c, _) -> c) |> List.fold (+) Counts.Zero) + csharp + orleans

    for _, _, failed in expecto do
        for f in failed do
            printfn "FAILED: %s" f

    File.WriteAllText(Path.Combine(results, "counts.txt"), $"{total.Passed} {total.Failed} {total.Skipped}\n")
    printfn "%d passed, %d failed, %d skipped" total.Passed total.Failed total.Skipped

    let codes = csharpCode :: orleansCode :: (expecto |> List.map (fun (c, _, _) -> c))

    if codes |> List.exists ((<>) 0) || total.Failed > 0 || total.Passed = 0 then
        failwith "tests failed"

/// The multi-process Orleans test (tests/HierFunctional.Orleans.Tests, category MultiProcess): three silo processes
/// on localhost, one killed mid-run; about a minute on a loaded 2-core machine, so it is not part of `test`.
let orleansMultiProcess () =
    dotnet "build tests/HierFunctional.Orleans.Tests -c Release --nologo -v minimal"
    dotnet "test tests/HierFunctional.Orleans.Tests -c Release --no-build --nologo --filter \"Category=MultiProcess\""

/// Runs the example of src/HierFunctional.Testing/README.md (the fsharp block after its "runs in CI" marker) against
/// the built assemblies, as a script that must exit 0, so the README cannot drift from the kit.
let readmeExample () =
    let readme =
        File.ReadAllText(Path.Combine(root, "src", "HierFunctional.Testing", "README.md"))

    let marker = readme.IndexOf "<!-- runs in CI"
    let start = readme.IndexOf("```fsharp\n", marker) + "```fsharp\n".Length
    let code = readme.Substring(start, readme.IndexOf("```", start) - start)

    let dll (name: string) =
        Path.Combine(root, "src", name, "bin", "Release", "net10.0", name + ".dll")

    let header =
        [
            "#r \"nuget: MathNet.Numerics, 5.0.0\""
            "#r \"nuget: FsCheck, 3.6.0\""
            "#r \"nuget: Expecto, 11.1.1\""
            "#r \"nuget: Expecto.FsCheck, 11.1.1\""
            for p in [ "HierFunctional"; "HierFunctional.Testing"; "HierFunctional.Testing.Expecto" ] do
                $"#r @\"{dll p}\""
        ]

    let dir = Path.Combine(root, "artifacts")
    Directory.CreateDirectory dir |> ignore
    let script = Path.Combine(dir, "testing-readme-example.fsx")
    File.WriteAllText(script, String.Join("\n", header) + "\n" + code)
    runOrFail "dotnet" $"fsi --quiet --exec \"{script}\""
    printfn "the HierFunctional.Testing README example ran"

/// Scripts the tutorials `#load` rather than pages to run.
let loadedScripts = [ "references.fsx"; "charts.fsx" ]

/// Fails the docs build if a page of the site embeds a chart (`<iframe src="../charts/x.html">`) that no tutorial
/// wrote, so a reader never meets an empty frame.
let checkEmbeddedCharts (site: string) =
    let frames =
        [ for page in Directory.GetFiles(site, "*.html", SearchOption.AllDirectories) do
              for m in Regex.Matches(File.ReadAllText page, "<iframe src=\"([^\"]+)\"") do
                  page, Path.GetFullPath(Path.Combine(Path.GetDirectoryName page, m.Groups.[1].Value)) ]

    let missing = frames |> List.filter (fun (_, chart) -> not (File.Exists chart))

    if not missing.IsEmpty then
        failwithf "embedded charts missing: %s" (missing |> List.map (fun (p, c) -> $"{c} (in {p})") |> String.concat ", ")

    printfn "%d embedded charts found" frames.Length

/// Runs the example notebook's F# cells in order as one script, in the notebook's folder, and renders each cell's
/// value through the .NET Interactive formatter as the kernel would, failing on an error or an empty rendering.
/// (No Jupyter kernel is installable here; this runs the same code and the same formatters.)
let notebook () =
    let folder = Path.Combine(root, "docs", "notebooks")
    let source = Path.Combine(folder, "charts.ipynb")
    let cells =
        let doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText source)
        [ for c in doc.RootElement.GetProperty("cells").EnumerateArray() do
              if c.GetProperty("cell_type").GetString() = "code" then
                  String.Join("", [ for l in c.GetProperty("source").EnumerateArray() -> l.GetString() ]).TrimEnd() ]
    // A cell's last line is displayed when it is an expression (not a binding, directive, `open` or unit call).
    let displayed (line: string) =
        not (line.StartsWith " " || line.StartsWith "let " || line.StartsWith "open " || line.StartsWith "#" || line.EndsWith "()")
    let script =
        [ yield "#r \"nuget: Microsoft.DotNet.Interactive.Formatting, 1.0.0-beta.26120.1\""
          for i, cell in List.indexed cells do
              let lines = cell.Split '\n' |> Array.toList
              let last = List.last lines
              if displayed last then
                  yield! List.take (lines.Length - 1) lines
                  yield $"let cell{i} = {last}"
                  yield $"let html{i} = Microsoft.DotNet.Interactive.Formatting.Formatter.ToDisplayString(box cell{i}, \"text/html\")"
                  yield $"if html{i}.Length < 200 then failwithf \"cell {i + 1} rendered only %%d characters\" html{i}.Length"
                  yield $"if cell{i}.GetType().Name.Contains \"Chart\" && not (html{i}.Contains \"Plotly.newPlot\") then failwith \"cell {i + 1}: a chart rendered without plotly\""
                  yield $"printfn \"cell {i + 1}: %%s, %%d characters of HTML\" (cell{i}.GetType().Name) html{i}.Length"
              else
                  yield! lines ]
        |> String.concat "\n"
    let path = Path.Combine(folder, "charts.notebook.fsx")
    File.WriteAllText(path, script)
    let psi = ProcessStartInfo("dotnet", $"fsi --quiet --exec \"{path}\"", WorkingDirectory = folder, UseShellExecute = false)
    use p = Process.Start psi
    p.WaitForExit()
    File.Delete path
    if p.ExitCode <> 0 then failwithf "the notebook docs/notebooks/charts.ipynb failed (exit %d)" p.ExitCode
    printfn "notebook: %d code cells ran" cells.Length

/// Runs every tutorial script and the Testing README's example; each must exit 0 (they print real output and
/// check their key numbers).
let docs () =
    build ()
    readmeExample ()

    let scripts =
        Directory.GetFiles(Path.Combine(root, "docs", "tutorials"), "*.fsx")
        |> Array.sort

    let failures =
        scripts
        |> Array.filter (fun s -> not (List.contains (Path.GetFileName s) loadedScripts))
        |> Array.filter (fun s -> run "dotnet" $"fsi --quiet --exec \"{s}\"" <> 0)

    if failures.Length > 0 then
        failwithf "tutorials failed: %s" (String.Join(", ", failures |> Array.map Path.GetFileName))

    printfn "all %d tutorials ran" (scripts.Length - loadedScripts.Length)
    notebook ()
    // The site: tutorials as literate pages plus the API reference from the XML docs, under docs/output. fsdocs
    // reads every script under its input, so it gets a staging copy of the pages (not docs/samples, whose
    // scripts are fragments #load-ed by each other); at the same depth, so the tutorials' relative paths resolve.
    let staging = Path.Combine(root, "docs-site")

    if Directory.Exists staging then
        Directory.Delete(staging, true)

    Directory.CreateDirectory(Path.Combine(staging, "tutorials")) |> ignore

    for f in Directory.GetFiles(Path.Combine(root, "docs"), "*.md") do
        File.Copy(f, Path.Combine(staging, Path.GetFileName f))

    for f in Directory.GetFiles(Path.Combine(root, "docs", "tutorials"), "*.fsx") do
        File.Copy(f, Path.Combine(staging, "tutorials", Path.GetFileName f))

    // Screenshots the pages show (docs/plots.md); fsdocs copies other files of its input as they are.
    Directory.CreateDirectory(Path.Combine(staging, "img")) |> ignore

    for f in Directory.GetFiles(Path.Combine(root, "docs", "img")) do
        File.Copy(f, Path.Combine(staging, "img", Path.GetFileName f))

    dotnet "tool restore"

    dotnet (
        "fsdocs build --input docs-site --output docs/output --strict --properties Configuration=Release "
        + "--projects src/HierFunctional/HierFunctional.fsproj src/HierFunctional.Testing/HierFunctional.Testing.fsproj"
    )

    checkEmbeddedCharts (Path.Combine(root, "docs", "output"))
    printfn "site written to docs/output/index.html"

let packagesDir = Path.Combine(root, "artifacts", "packages")

/// The packages that `pack` produces, by project.
let packable =
    [
        "src/HierFunctional/HierFunctional.fsproj"
        "src/HierFunctional.CSharp/HierFunctional.CSharp.csproj"
        "src/HierFunctional.Testing/HierFunctional.Testing.fsproj"
        "src/HierFunctional.Plots/HierFunctional.Plots.fsproj"
        "src/HierFunctional.Testing.Expecto/HierFunctional.Testing.Expecto.fsproj"
        "src/HierFunctional.Sources/HierFunctional.Sources.fsproj"
        "src/HierFunctional.Cli/HierFunctional.Cli.fsproj"
    ]

/// PACKAGE_VERSION if set, else the base version with a unique `-local.<UTC time>` suffix, so NuGet's global
/// package cache can never hand a consumer an older build under the same version.
let packageVersion () =
    match Environment.GetEnvironmentVariable "PACKAGE_VERSION" with
    | v when not (String.IsNullOrEmpty v) -> v
    | _ ->
        let props = XDocument.Load(Path.Combine(root, "Directory.Build.props"))
        let baseVersion = (props.Descendants(XName.Get "Version") |> Seq.head).Value
        $"{baseVersion}-local.{DateTime.UtcNow:yyyyMMddHHmmss}"

/// Packs every `packable` project (.nupkg + .snupkg; the `hier` CLI as a dotnet tool) into artifacts/packages,
/// replacing older local builds.
let packVersion () =
    if Directory.Exists packagesDir then
        for f in Directory.GetFiles(packagesDir, "*.*nupkg") do
            File.Delete f

    let version = packageVersion ()
    // Reproducible package builds in CI. Only here: its path mapping would turn __SOURCE_DIRECTORY__ in the test
    // projects into /_/ and break their fixture paths.
    let ciBuild = if ci then " -p:ContinuousIntegrationBuild=true" else ""

    for proj in packable do
        dotnet $"pack {proj} -c Release --nologo -v minimal -o \"{packagesDir}\" -p:Version={version}{ciBuild}"

    printfn "packed %s into %s" version packagesDir
    version

let pack () = packVersion () |> ignore

/// Removes local builds (`*-local.*`) of our packages from NuGet's global cache; they are never reused.
let clearLocalPackagesFromCache () =
    let cache =
        match Environment.GetEnvironmentVariable "NUGET_PACKAGES" with
        | p when not (String.IsNullOrEmpty p) -> p
        | _ -> Path.Combine(Environment.GetFolderPath Environment.SpecialFolder.UserProfile, ".nuget", "packages")

    for id in
        [
            "hierfunctional"
            "hierfunctional.csharp"
            "hierfunctional.testing"
            "hierfunctional.testing.expecto"
            "hierfunctional.plots"
            "hierfunctional.cli"
            "hierfunctional.sources"
        ] do
        let dir = Path.Combine(cache, id)

        if Directory.Exists dir then
            for v in Directory.GetDirectories(dir, "*-local.*") do
                Directory.Delete(v, true)

/// Installs the `hier` tool from the local feed into a fresh tool path (as `dotnet tool install` does for a user),
/// then runs it: `--version` must name the packed version and a short fit must write its summary and report.
let toolFromFeed (version: string) =
    let dir = Path.Combine(Path.GetTempPath(), $"hier-tool-{Guid.NewGuid():N}")
    let tools = Path.Combine(dir, "tools")

    dotnet
        $"tool install HierFunctional.Cli --version {version} --add-source \"{packagesDir}\" --tool-path \"{tools}\""

    let hier = Path.Combine(tools, "hier")
    let psi = ProcessStartInfo(hier, "--version", RedirectStandardOutput = true, UseShellExecute = false)
    use p = Process.Start psi
    let shown = p.StandardOutput.ReadToEnd()
    p.WaitForExit()

    if p.ExitCode <> 0 || not (shown.Contains version) then
        failwithf "the installed hier tool printed '%s' for --version, expected %s" (shown.Trim()) version

    let out = Path.Combine(dir, "out")
    runOrFail hier $"fit --example eight-schools --draws 200 --warmup 200 --output \"{out}\""

    for file in [ "summary.csv"; "report.html" ] do
        if not (File.Exists(Path.Combine(out, file))) then
            failwithf "the installed hier tool wrote no %s" file

    Directory.Delete(dir, true)
    printfn "hier %s installed from the local feed and ran" version

/// Packs, then consumes the packages as a user would: the C# quickstart (restored from the local feed by the
/// version just packed), the F# interactive scripts (built assemblies, and `#r "nuget: ..."` from the feed) and the
/// `hier` tool (installed from the feed and run).
let samples () =
    let version = packVersion ()
    clearLocalPackagesFromCache ()

    let quickstart =
        Path.Combine(root, "docs", "samples", "CSharpQuickstart", "CSharpQuickstart.csproj")

    dotnet $"run --project \"{quickstart}\" -c Release --nologo -p:HierFunctionalVersion={version}"
    let feed = Path.Combine(root, "docs", "samples", "local-feed.fsx")

    File.WriteAllText(
        feed,
        $"// Written by `dotnet fsi build.fsx samples`: the local feed and the version it just packed.\n#i \"nuget: {packagesDir}\"\n#r \"nuget: HierFunctional, {version}\"\n"
    )

    for script in [ "fsi-reference.fsx"; "fsi-package.fsx" ] do
        let path = Path.Combine(root, "docs", "samples", script)
        runOrFail "dotnet" $"fsi --quiet --exec \"{path}\""

    toolFromFeed version


/// Arguments after `--` on the command line (passed to the benchmark program).
let extraArgs = fsi.CommandLineArgs |> Array.skip 2 |> Array.filter ((<>) "--")

/// The ESS-per-second harness beside JAGS (bench/results/ess.md); `-- --quick` for a CI-sized smoke run.
let bench () =
    let proj =
        Path.Combine(root, "bench", "HierFunctional.Bench", "HierFunctional.Bench.fsproj")

    let args = String.Join(" ", extraArgs)
    dotnet $"run -c Release --project \"{proj}\" -- ess {args}"

/// Ours, JAGS + glm and Stan side by side on the canonical models, sleepstudy (LKJ) and the conformance GLMMs
/// (bench/peers/run.sh; docs/performance.md): `-- --repeat 3`, `-- --long`, `-- --models rats,epil`.
let benchPeers () =
    let args = String.Join(" ", extraArgs)
    let script = Path.Combine(root, "bench", "peers", "run.sh")
    runOrFail "bash" $"\"{script}\" {args}"

/// `hier` published with ReadyToRun (precompiled native code, less JIT at start-up) for this machine's runtime
/// identifier, framework-dependent, into artifacts/hier-r2r.
let publish () =
    let proj =
        Path.Combine(root, "src", "HierFunctional.Cli", "HierFunctional.Cli.fsproj")

    let rid =
        let os =
            if OperatingSystem.IsWindows() then "win"
            elif OperatingSystem.IsMacOS() then "osx"
            else "linux"

        let arch =
            Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()

        $"{os}-{arch}"

    let out = Path.Combine(root, "artifacts", "hier-r2r")
    dotnet $"publish \"{proj}\" -c Release -r {rid} --self-contained false -p:PublishReadyToRun=true -o \"{out}\""

/// The conformance suite of published models (tests/HierFunctional.Conformance): every case at full length, the
/// table in bench/results/conformance.md; `-- rats seeds` runs only those cases, `-- --quick` the CI lengths.
let conformance () =
    let proj =
        Path.Combine(root, "tests", "HierFunctional.Conformance", "HierFunctional.Conformance.fsproj")

    let args = String.Join(" ", extraArgs)
    dotnet $"run -c Release --project \"{proj}\" -- {args}"

/// Simulation-based calibration (Talts et al. 2018) of every structure in HierFunctional.Testing's SBC catalogue
/// plus random ones from the model grammar, 1,000 replications each (well under an hour on an idle 2-core machine,
/// hours on a heavily shared one; docs/sbc.md).
/// Writes summary.md, histograms.csv, ecdf.csv and ranks.csv to bench/results/sbc; fails if a structure fails.
/// Options after `--`: `--reps N`, `--only a,b`, `--random N`, `--threads T`, `--list`.
let sbc () =
    let proj =
        Path.Combine(root, "bench", "HierFunctional.Sbc", "HierFunctional.Sbc.fsproj")

    let out = Path.Combine(root, "bench", "results", "sbc")
    let args = String.Join(" ", extraArgs)
    dotnet $"run -c Release --project \"{proj}\" -- --out \"{out}\" {args}"

/// The main job: fit a bundled example and print the partial-pooling summary.
let demo () =
    build ()
    runOrFail "dotnet" "fsi --quiet --exec docs/tutorials/00-demo.fsx"

/// The long fuzzing campaign (HIER_FUZZ_CASES, default 100000) and the 10⁶-sweep streaming memory check;
/// the counts are written to TestResults/fuzz-report.txt and printed.
let fuzz () =
    let cases =
        match Environment.GetEnvironmentVariable "HIER_FUZZ_CASES" with
        | null
        | "" -> "100000"
        | n -> n

    let results = Path.Combine(root, "TestResults")
    Directory.CreateDirectory results |> ignore
    let report = Path.Combine(results, "fuzz-report.txt")
    Environment.SetEnvironmentVariable("HIER_FUZZ_CASES", cases)
    Environment.SetEnvironmentVariable("HIER_FUZZ_REPORT", report)
    Environment.SetEnvironmentVariable("HIER_STRESS_SWEEPS", "1000000")

    let proj =
        Path.Combine(root, "tests", "HierFunctional.Tests", "HierFunctional.Tests.fsproj")

    let code =
        [ "fuzzing campaign"; "memory flat" ]
        |> List.map (fun t -> run "dotnet" $"run -c Release --project \"{proj}\" -- --filter-test-case \"{t}\"")
        |> List.max

    if File.Exists report then
        printfn "%s" (File.ReadAllText report)

    if code <> 0 then
        failwith "the fuzzing campaign found unexplained failures or hangs (see above)"

let targets =
    dict
        [
            "fuzz", fuzz
            "build", build
            "test", test
            "orleans-multiprocess", orleansMultiProcess
            "docs", docs
            "notebook", notebook
            "pack", pack
            "samples", samples
            "bench", bench
            "bench-peers", benchPeers
            "publish", publish
            "conformance", conformance
            "sbc", sbc
            "demo", demo
            "all",
            (fun () ->
                test ()
                docs ()
                samples ())
        ]

match fsi.CommandLineArgs |> Array.skip 1 |> List.ofArray with
| t :: rest when
    targets.ContainsKey t
    && (rest.IsEmpty || t = "bench" || t = "bench-peers" || t = "conformance" || t = "sbc")
    ->
    try
        targets[t]()
    with e ->
        eprintfn "build.fsx %s: %s" t e.Message
        exit 1
| _ ->
    eprintfn "usage: dotnet fsi build.fsx <%s>" (String.Join("|", targets.Keys))
    exit 2
