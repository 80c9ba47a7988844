/// One of our runs for the side-by-side benchmark with Stan and JAGS (bench/peers/run.sh drives it): fits one model
/// at the given length on one thread, writes every kept draw of the monitored nodes to a CSV (chain, then one
/// column per scalar) so R's `posterior` computes ESS for all three samplers alike, and prints the timings.
module HierFunctional.Bench.Peers

open System
open System.Diagnostics
open System.Globalization
open System.IO
open HierFunctional
open HierFunctional.Conformance
open HierFunctional.Bench.Measure
open type Distributions

let private c = constant
let private vec (xs: float list) = vector (xs |> List.map c)
let private mat (rows: float list list) = matrix (rows |> List.map (List.map c))

/// Sleepstudy with the LKJ prior both peers use: b_j ~ MvNormal(mu, diag(s)·L·Lᵀ·diag(s)), L ~ LKJ(1),
/// s, sigma ~ half-t(3, 25), mu ~ N((250, 10), diag(100², 25²)).
let sleepstudyLkj =
    model {
        let! mu =
            sample "mu" (MvNormal(vec [ 250.0; 10.0 ], mat [ [ 10000.0; 0.0 ]; [ 0.0; 625.0 ] ]))

        let! s = sample "s" (HalfStudentT(3.0, 25.0)) |> sized 2
        let! l = sample "L" (LkjCholesky(2, 1.0))
        let! b = sample "b" (MvNormalCholesky(mu, s, l)) |> over "Subject"
        let! sigma = sample "sigma" (HalfStudentT(3.0, 25.0))
        do! observe "Reaction" (Normal(dot (vector [ c 1.0; data "Days" ]) b.[group "Subject"], sigma))
    }

/// Our side of a benchmark model: `bench:<name>` is a model of Models.fs (or `bench:sleepstudy_lkj`),
/// `conformance:<case>` the source-written model of a conformance case with the case's (BUGS) inits.
let private resolve (source: string) : Model * Dataset * (string * Value) list =
    match source.Split(':', 2) with
    | [| "bench"; "sleepstudy_lkj" |] ->
        sleepstudyLkj, Csv.readOrThrow (Path.Combine(Models.repoRoot, "docs", "data", "sleepstudy.csv")), []
    | [| "bench"; name |] ->
        match Models.all () |> List.tryFind (fun m -> m.Name = name) with
        | Some m -> m.Model, m.Data, []
        | None -> failwithf "no benchmark model '%s' in Models.fs" name
    | [| "conformance"; name |] ->
        match Catalogue.tryFind name with
        | Some case ->
            match case.Model with
            | Written.Model m -> m, CaseFiles.data case, case.Inits
            | Written.NotExpressible why -> failwithf "conformance case '%s' has no model: %s" name why
        | None -> failwithf "no conformance case '%s'" name
    | _ -> failwithf "model source '%s' is neither bench:<name> nor conformance:<case>" source

let private inv = CultureInfo.InvariantCulture

/// Arguments of one run.
type Options =
    {
        Source: string
        Warmup: int
        Draws: int
        Seed: int
        Monitor: string list
        Out: string
    }

let private optionsFor
    (o: Options)
    (inits: (string * Value) list)
    (chains: int)
    (warmup: int)
    (draws: int)
    (seed: int)
    =
    let opts =
        SamplerOptions.Default
            .WithChains(chains)
            .WithWarmup(warmup)
            .WithDraws(draws)
            .WithSeed(seed)
            .WithThreads(1)
            .WithMonitor(o.Monitor)

    if List.isEmpty inits then
        opts
    else
        opts.WithInitial(Initial.given inits)

// Untimed short runs until tiered compilation has promoted the hot code (it waits for 100 ms of wall time without
// new methods, then recompiles in the background, slowly on a loaded machine): one short run left the timed run
// partly in tier-0 and instrumented code, several times the processor time of optimised code on eight schools.
// On one core (run.sh pins each run with taskset) the runtime waits ten times longer before it counts calls, so
// tiered PGO's stages arrive about 2 s apart and end 10-12 s in, so a fixed 3 s timed partly unoptimised code
// (bench/results/jit-warmup-session13.md). The runs therefore go on until no method has been JIT-compiled for
// HF_BENCH_JIT_QUIET seconds (default 4), after at least HF_BENCH_JIT_SECONDS (default 3) and at most 60 s.
// HF_BENCH_JIT_SECONDS=0 gives the one short run of early harnesses.
let private jitWarmup (options: int -> int -> int -> int -> SamplerOptions) (plan: GibbsPlan) (seed: int) =
    let setting name (fallback: float) =
        match Environment.GetEnvironmentVariable name with
        | null
        | "" -> fallback
        | v -> float v

    let jitSeconds = setting "HF_BENCH_JIT_SECONDS" 3.0

    let quietSeconds =
        if jitSeconds = 0.0 then
            0.0
        else
            setting "HF_BENCH_JIT_QUIET" 4.0

    let jit = Stopwatch.StartNew()
    let quiet = Stopwatch.StartNew()
    let mutable compiled = Runtime.JitInfo.GetCompiledMethodCount(false)
    let mutable jitRuns = 0

    while jitRuns < 1
          || jit.Elapsed.TotalSeconds < jitSeconds
          || (quiet.Elapsed.TotalSeconds < quietSeconds && jit.Elapsed.TotalSeconds < 60.0) do
        Chains.run (options 1 100 100 (seed + 7919 + jitRuns)) plan |> ignore
        jitRuns <- jitRuns + 1
        let now = Runtime.JitInfo.GetCompiledMethodCount(false)

        if now <> compiled then
            compiled <- now
            quiet.Restart()

/// Fits the model (4 chains one after another on one thread) after untimed short runs that JIT-compile the code
/// (until the JIT has been quiet for `HF_BENCH_JIT_QUIET` s, see `jitWarmup`), writes the draws to `Out` and prints `setup_s` (bind + compile + the JIT runs), `seconds` (wall time of the
/// timed run, warm-up included), `cpu_s` (its processor time), our own minimum bulk-ESS over the written columns
/// (Posterior/Diagnostics.fs, to check against R's) and the plan.
let run (o: Options) =
    let setupClock = Stopwatch.StartNew()
    let m, d, inits = resolve o.Source
    let plan = compile m d
    let options = optionsFor o inits
    jitWarmup options plan o.Seed

    let setup = setupClock.Elapsed.TotalSeconds
    let cpu0 = Process.GetCurrentProcess().TotalProcessorTime
    let clock = Stopwatch.StartNew()
    let post = Chains.run (options 4 o.Warmup o.Draws o.Seed) plan
    let seconds = clock.Elapsed.TotalSeconds
    let cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds
    let names = post.Names
    let columns = names |> Array.map (fun n -> Posterior.chains n post)

    using (new StreamWriter(o.Out)) (fun w ->
        w.WriteLine("chain," + String.Join(",", names))

        for ch in 0 .. post.ChainCount - 1 do
            for i in 0 .. post.DrawCount - 1 do
                w.Write(ch + 1)

                for col in columns do
                    w.Write(',')
                    w.Write(col.[ch].[i].ToString("R", inv))

                w.WriteLine())

    let summary = summarize (Seq.zip names columns)
    printfn "setup_s %.3f" setup
    printfn "seconds %.3f" seconds
    printfn "cpu_s %.3f" cpu
    printfn "fs_min_bulk %.6g %s" summary.MinBulk summary.MinBulkName
    printfn "fs_max_rhat %.6g" summary.MaxRhat

    for u in plan.Updates do
        printfn "plan %s: %s" u.Node u.Method

/// Prints the processor time of each update of a peer model's plan per sweep (`Sweeps.profile`, one chain from a
/// prior draw or the case's inits, 200 warm-up sweeps): where a model's sweep goes.
let profile (source: string) (sweeps: int) =
    let m, d, inits = resolve source
    let plan = compile m d

    let run n =
        if List.isEmpty inits then
            Sweeps.profile plan n
        else
            // the case's BUGS inits: a prior draw of a vague-prior model can start where an update cannot
            let o = SamplerOptions.Default.WithInitial(Initial.given inits)
            Sweeps.profileFrom plan n (fun rng -> Chains.start plan o rng)

    run (max 1 (sweeps / 10)) |> ignore // JIT warm-up
    let parts = run sweeps
    printfn "%-12s %s" "(sweep)" (parts |> Array.sumBy (fun (_, _, t, _) -> t) |> sprintf "%.0f ns")

    for node, meth, t, b in parts do
        printfn "%10.0f ns %8.0f B  %s: %s" t b node meth

/// Where a timed run of `peers-ours` goes, after the same JIT warm-up: `reps` times each of the run itself (4 ×
/// (W + D)), its fixed part (4 × (0 + 1)), warm-up only (4 × (W + 1)) and sampling only (4 × (0 + D)), with wall
/// and processor time, methods JIT-compiled during the run, gen-0 collections and bytes allocated; the first
/// repeat of the full run is the one the harness times.
let phases (source: string) (warmup: int) (draws: int) (reps: int) =
    let m, d, inits = resolve source

    let o =
        {
            Source = source
            Warmup = warmup
            Draws = draws
            Seed = 1
            Monitor = []
            Out = ""
        }

    let plan = compile m d
    let options = optionsFor o inits
    jitWarmup options plan 1

    let measure label (w: int) (dr: int) (seed: int) =
        let jit0 = Runtime.JitInfo.GetCompiledMethodCount(false)
        let jitT0 = Runtime.JitInfo.GetCompilationTime(false)
        let gc0 = GC.CollectionCount 0
        let bytes0 = GC.GetTotalAllocatedBytes true
        let cpu0 = Process.GetCurrentProcess().TotalProcessorTime
        let clock = Stopwatch.StartNew()
        Chains.run (options 4 w dr seed) plan |> ignore
        let wall = clock.Elapsed.TotalMilliseconds
        let cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds
        let jit = Runtime.JitInfo.GetCompiledMethodCount(false) - jit0
        let jitMs = (Runtime.JitInfo.GetCompilationTime(false) - jitT0).TotalMilliseconds

        printfn
            "%-10s seed %d  wall %7.2f ms  cpu %7.2f ms  jit %3d methods %6.2f ms  gen0 %d  alloc %8d B"
            label
            seed
            wall
            cpu
            jit
            jitMs
            (GC.CollectionCount 0 - gc0)
            (GC.GetTotalAllocatedBytes true - bytes0)

    for r in 1..reps do
        measure "full" warmup draws r
        measure "fixed" 0 1 r
        measure "warmup" warmup 1 r
        measure "sampling" 0 draws r
