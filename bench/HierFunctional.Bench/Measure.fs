/// Shared measurement helpers: convergence summaries of a set of chains, fitting with timing, table output.
module HierFunctional.Bench.Measure

open System
open System.Diagnostics
open System.Globalization
open System.IO
open HierFunctional

/// Convergence summary over every monitored element: minimum bulk- and tail-ESS, maximum R̂.
type Summary =
    {
        Elements: int
        MinBulk: float
        MinBulkName: string
        MinTail: float
        MinTailName: string
        MaxRhat: float
    }

    /// The smaller of the two ESS minima.
    member s.MinEss = min s.MinBulk s.MinTail

/// Diagnostics of (name, chains) pairs, with our Posterior/Diagnostics.fs; constant elements are skipped.
let summarize (draws: (string * float[][]) seq) =
    let rows =
        draws
        |> Seq.filter (fun (_, x) -> not (Diagnostics.isDegenerate x))
        |> Seq.map (fun (n, x) -> n, Diagnostics.essBulk x, Diagnostics.essTail x, Diagnostics.rhat x)
        |> Array.ofSeq

    let nanToInf x = if Double.IsNaN x then infinity else x
    let bulkN, bulk, _, _ = rows |> Array.minBy (fun (_, b, _, _) -> nanToInf b)
    let tailN, _, tail, _ = rows |> Array.minBy (fun (_, _, t, _) -> nanToInf t)

    {
        Elements = rows.Length
        MinBulk = bulk
        MinBulkName = bulkN
        MinTail = tail
        MinTailName = tailN
        MaxRhat = rows |> Array.map (fun (_, _, _, r) -> r) |> Array.max
    }

/// The chains of every element of a posterior.
let chainsOf (p: Posterior) =
    p.Names |> Seq.map (fun n -> n, Posterior.chains n p)

/// Compiles a model against its data; a model error stops the benchmark with its message.
let compile (m: Model) (d: Dataset) =
    match Bind.bind m d |> Result.bind Gibbs.compile with
    | Ok plan -> plan
    | Error es -> failwithf "model does not compile: %A" es

/// The sampling time as a difference of two wall times; NaN when the runs are too short for the difference to
/// rise above timing noise (under 5% of the longer run), so no ESS/s is claimed from it.
let difference (tAll: float) (tWarm: float) =
    let d = tAll - tWarm
    if d > 0.05 * tAll then d else nan

/// Wall time of an action in seconds, with its result.
let time (f: unit -> 'T) =
    let sw = Stopwatch.StartNew()
    let r = f ()
    sw.Stop()
    r, sw.Elapsed.TotalSeconds

/// Our sampling time: the run with `draws` kept draws minus the same run with one kept draw (same seed, so the
/// same warm-up), i.e. the time of the sampling phase alone; chains run one after another on one thread.
let sampleOurs (plan: GibbsPlan) (chains: int) (warmup: int) (draws: int) (seed: int) =
    let o =
        SamplerOptions.Default.WithChains(chains).WithWarmup(warmup).WithSeed(seed).WithThreads(1)

    let _, tWarm = time (fun () -> Chains.run (o.WithDraws 1) plan)
    let post, tAll = time (fun () -> Chains.run (o.WithDraws draws) plan)
    post, difference tAll tWarm, tAll

let private inv = CultureInfo.InvariantCulture

/// A number for a table: 3 significant digits, or "–" for a missing value.
let fmt (x: float) =
    if Double.IsNaN x then "–"
    elif abs x >= 1000.0 then x.ToString("F0", inv)
    else x.ToString("G3", inv)

/// A number for CSV.
let csvNum (x: float) = x.ToString("G6", inv)

/// Writes a Markdown table.
let markdownTable (header: string list) (rows: string list list) =
    let line (cells: string list) = "| " + String.Join(" | ", cells) + " |"

    [
        line header
        line (header |> List.map (fun _ -> "---"))
        yield! rows |> List.map line
    ]
    |> String.concat "\n"

/// Writes text to a file under bench/results (or the quick folder), creating the folder.
let writeResult (quick: bool) (file: string) (text: string) =
    let dir =
        if quick then
            Path.Combine(Models.repoRoot, "bench", "results", "quick")
        else
            Path.Combine(Models.repoRoot, "bench", "results")

    Directory.CreateDirectory dir |> ignore
    let path = Path.Combine(dir, file)
    File.WriteAllText(path, text)
    printfn "wrote %s" path

/// The machine and versions, for the result files.
let machine () =
    let cpu =
        try
            File.ReadAllLines "/proc/cpuinfo"
            |> Array.tryFind (fun l -> l.StartsWith "model name")
            |> Option.map (fun l -> l.Substring(l.IndexOf ':' + 1).Trim())
            |> Option.defaultValue "unknown"
        with _ ->
            "unknown"

    $"{Environment.ProcessorCount} logical cores, {cpu}; .NET {Environment.Version}; {Runtime.InteropServices.RuntimeInformation.OSDescription}"
