/// Running a model through the `jags` command-line program and reading its CODA output back into chains, so
/// JAGS's draws go through our own diagnostics.
module HierFunctional.Bench.Jags

open System
open System.Diagnostics
open System.Globalization
open System.IO
open HierFunctional.Bench.Models

let private inv = CultureInfo.InvariantCulture
let private num (x: float) = x.ToString("R", inv)

/// One variable in R dump format (matrices column-major with a .Dim attribute, as R writes them).
let rdump (name: string, v: RValue) =
    let join (xs: seq<float>) = String.Join(", ", xs |> Seq.map num)

    match v with
    | RScalar x -> $"\"{name}\" <- {num x}"
    | RVector xs -> $"\"{name}\" <- c({join xs})"
    | RMatrix m ->
        let r, c = Array2D.length1 m, Array2D.length2 m

        let colMajor =
            seq {
                for j in 0 .. c - 1 do
                    for i in 0 .. r - 1 -> m.[i, j]
            }

        $"\"{name}\" <- structure(c({join colMajor}), .Dim = c({r}, {c}))"

/// The path of the `jags` program, if it is on PATH.
let locate () =
    let path = Environment.GetEnvironmentVariable "PATH"

    (if isNull path then "" else path).Split(Path.PathSeparator)
    |> Array.map (fun d -> Path.Combine(d, "jags"))
    |> Array.tryFind File.Exists

/// Installs JAGS from the distribution's packages (`apt-get install -y jags`); true when it is then available.
let install () =
    let psi = ProcessStartInfo("apt-get", "install -y jags", UseShellExecute = false)

    try
        use p = Process.Start psi
        p.WaitForExit()
        locate () |> Option.isSome
    with e ->
        eprintfn "apt-get install -y jags failed: %s" e.Message
        false

/// A JAGS run: chains, warm-up (adaptation, then burn-in, both untimed) and kept draws per chain.
type Run =
    {
        Chains: int
        Warmup: int
        Draws: int
        Seed: int
    }

let private script (run: Run) (monitor: string list) (sample: bool) =
    [
        yield "load glm"
        yield "model in \"model.bug\""
        yield "data in \"data.R\""
        yield $"compile, nchains({run.Chains})"
        for k in 1 .. run.Chains do
            yield $"parameters in \"inits{k}.R\", chain({k})"
        yield "initialize"
        yield $"adapt {run.Warmup}"
        yield $"update {run.Warmup}"
        if sample then
            for m in monitor do
                yield $"monitor {m}"

            yield $"update {run.Draws}"
            yield "coda *, stem(\"CODA\")"
        yield "exit"
    ]
    |> String.concat "\n"

/// Writes the model, data, per-chain seeds and two scripts (warm-up only, warm-up plus sampling) to a folder.
let prepare (dir: string) (m: BenchModel) (bound: HierFunctional.Bound) (run: Run) =
    Directory.CreateDirectory dir |> ignore
    File.WriteAllText(Path.Combine(dir, "model.bug"), m.Bugs)
    File.WriteAllLines(Path.Combine(dir, "data.R"), m.JagsData bound |> List.map rdump)

    for k in 1 .. run.Chains do
        File.WriteAllLines(
            Path.Combine(dir, $"inits{k}.R"),
            [
                "\".RNG.name\" <- \"base::Mersenne-Twister\""
                $"\".RNG.seed\" <- {run.Seed + k}"
            ]
        )

    File.WriteAllText(Path.Combine(dir, "warmup.cmd"), script run m.JagsMonitor false)
    File.WriteAllText(Path.Combine(dir, "sample.cmd"), script run m.JagsMonitor true)

/// Runs one script in the folder and returns its wall time in seconds; fails with JAGS's output on an error.
let exec (jags: string) (dir: string) (scriptFile: string) =
    let psi =
        ProcessStartInfo(
            jags,
            scriptFile,
            WorkingDirectory = dir,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        )

    let sw = Stopwatch.StartNew()
    use p = Process.Start psi
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEnd()
    p.WaitForExit()
    sw.Stop()
    let text = out.Result + err

    if p.ExitCode <> 0 || text.Contains "RUNTIME ERROR" || text.Contains "Error" then
        failwithf "jags %s in %s failed:\n%s" scriptFile dir text

    sw.Elapsed.TotalSeconds

/// Reads CODAindex.txt and CODAchain*.txt: each monitored element's draws, one array per chain.
let readCoda (dir: string) (chains: int) : (string * float[][]) list =
    let index =
        File.ReadAllLines(Path.Combine(dir, "CODAindex.txt"))
        |> Array.filter (fun l -> l.Trim() <> "")
        |> Array.map (fun l ->
            let f = l.Split([| ' '; '\t' |], StringSplitOptions.RemoveEmptyEntries)
            f.[0], int f.[1] - 1, int f.[2]) // 1-based first and last line, inclusive

    let values k =
        File.ReadAllLines(Path.Combine(dir, $"CODAchain{k}.txt"))
        |> Array.filter (fun l -> l.Trim() <> "")
        |> Array.map (fun l ->
            let f = l.Split([| ' '; '\t' |], StringSplitOptions.RemoveEmptyEntries)
            Double.Parse(f.[1], inv))

    let perChain = Array.init chains (fun k -> values (k + 1))

    index
    |> Array.map (fun (name, first, last) -> name, perChain |> Array.map (fun v -> Array.sub v first (last - first)))
    |> List.ofArray

/// Runs a model through JAGS in a fresh temporary folder: the sampling seconds (warm-up plus draws minus the
/// warm-up alone) and the monitored draws.
let sample (jags: string) (m: BenchModel) (bound: HierFunctional.Bound) (run: Run) =
    let dir = Path.Combine(Path.GetTempPath(), "hierfunctional-bench-jags", m.Name)

    if Directory.Exists dir then
        Directory.Delete(dir, true)

    prepare dir m bound run
    let tWarm = exec jags dir "warmup.cmd"
    let tAll = exec jags dir "sample.cmd"
    HierFunctional.Bench.Measure.difference tAll tWarm, readCoda dir run.Chains
