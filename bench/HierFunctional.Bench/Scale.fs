/// Scaling study: y_ij ~ N(θ_j, σ), θ_j ~ N(μ, τ) with J groups; ns per group per sweep, memory and ESS/s as J
/// grows (10 observations per group), and at fixed J as the observations per group grow.
module HierFunctional.Bench.Scale

open System
open System.Diagnostics
open System.IO
open HierFunctional
open HierFunctional.Bench.Models
open HierFunctional.Bench.Measure
open MathNet.Numerics.Random
open type Distributions

/// The synthetic hierarchy.
let normalHierarchy =
    model {
        let! mu = sample "mu" (Normal(0.0, 10.0))
        let! tau = sample "tau" (HalfNormal 5.0)
        let! sigma = sample "sigma" (HalfNormal 5.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
        do! observe "y" (Normal(theta.[group "g"], sigma))
    }

/// J groups with n observations each: μ = 0, τ = 1, σ = 2, fixed seed.
let synthetic (j: int) (n: int) =
    let rng = Xoshiro256StarStar(42, false)

    let normal () =
        MathNet.Numerics.Distributions.Normal.Sample(rng, 0.0, 1.0)

    let theta = Array.init j (fun _ -> normal ())
    let g = Array.init (j * n) (fun r -> r / n + 1)
    let y = Array.init (j * n) (fun r -> theta.[r / n] + 2.0 * normal ())
    Dataset.empty |> Dataset.integers "g" g |> Dataset.reals "y" y

let private monitoredThetas = 100

let private benchModel (j: int) (n: int) =
    {
        Name = $"normal_J{j}_n{n}"
        Model = normalHierarchy
        Data = synthetic j n
        Draws = 0
        Bugs =
            """model {
  mu ~ dnorm(0, 0.01)
  tau ~ dnorm(0, 1 / 25) T(0,)
  sigma ~ dnorm(0, 1 / 25) T(0,)
  for (j in 1:J) { theta[j] ~ dnorm(mu, 1 / (tau * tau)) }
  for (i in 1:N) { y[i] ~ dnorm(theta[g[i]], 1 / (sigma * sigma)) }
}"""
        JagsData =
            fun b ->
                [
                    "N", RScalar(float b.Rows)
                    "J", RScalar(float b.Groups.["g"].Levels.Length)
                    "g", RVector(b.Groups.["g"].RowLevel |> Array.map (fun l -> float (l + 1)))
                    "y", RVector b.Numeric.["y"]
                ]
        JagsMonitor = [ "mu"; "tau"; "sigma"; $"theta[1:{min j monitoredThetas}]" ]
    }

type private Row =
    {
        Label: string
        J: int
        N: int
        NsPerGroup: float
        ManagedBytesPerGroup: float
        BoundBytesPerGroup: float
        PeakWorkingSetMb: float
        EssPerSec: float
        MinEss: float
        JagsNsPerGroup: float
        JagsEssPerSec: float
    }

/// ns per group per sweep (one chain, one thread), after a short warm-up.
let private sweepCost (plan: GibbsPlan) (j: int) =
    let sweeps = max 10 (min 2000 (20_000_000 / j))
    let rng, state = Sweeps.warmState plan 3 (max 5 (sweeps / 10))
    // Keep sweeping for at least a second first, so tiered JIT has promoted the sweep's loops before timing.
    let warm = Stopwatch.StartNew()

    while warm.Elapsed.TotalSeconds < 1.0 do
        Gibbs.sweep plan rng state

    let sw = Stopwatch.StartNew()

    for _ in 1..sweeps do
        Gibbs.sweep plan rng state

    sw.Elapsed.TotalSeconds * 1e9 / float sweeps / float j

/// Thread CPU ns per group per sweep of the synthetic hierarchy at J groups (10 rows each): after a warm-up of at
/// least a second of sweeps, the median of five blocks of sweeps (processor time, so a loaded machine's waiting is
/// not counted). Prints and returns it; with `profile`, also each update's share (each run alone, as `Sweeps.profileCpu`).
let cpuPerGroup (j: int) (profile: bool) =
    let plan = compile normalHierarchy (synthetic j 10)
    let sweeps = max 10 (min 2000 (20_000_000 / j))
    let rng, state = Sweeps.warmState plan 3 (max 5 (sweeps / 10))
    let warm = Stopwatch.StartNew()

    while warm.Elapsed.TotalSeconds < 1.0 do
        Gibbs.sweep plan rng state

    let b0 = GC.GetAllocatedBytesForCurrentThread()

    let blocks =
        Array.init 5 (fun _ ->
            let c0 = Sweeps.threadCpuNanos ()

            for _ in 1..sweeps do
                Gibbs.sweep plan rng state

            (Sweeps.threadCpuNanos () - c0) / float sweeps / float j)

    let bytes = float (GC.GetAllocatedBytesForCurrentThread() - b0) / float (5 * sweeps)

    let sorted = Array.sort blocks

    printfn
        "J=%d: %.1f cpu-ns/group/sweep (median of 5 blocks of %d sweeps; min %.1f, max %.1f), %.0f B/sweep"
        j
        sorted.[2]
        sweeps
        sorted.[0]
        sorted.[4]
        bytes

    if profile then
        for node, meth, t, _ in Sweeps.profileCpuFrom plan 5 sweeps (rng, state) do
            printfn "    %-10s %-50s %8.1f cpu-ns/group" node (meth.Split('(').[0].Trim()) (t / float j)

    sorted.[2]

let private monitor (j: int) =
    [ "mu"; "tau"; "sigma" ]
    @ [ for k in 1 .. min j monitoredThetas -> $"theta[{k}]" ]

let private draws quick (j: int) =
    let d =
        if j <= 1000 then 2000
        elif j <= 10000 then 500
        elif j <= 100000 then 200
        else 100

    if quick then max 50 (d / 10) else d

let private jagsSide (jags: string) (m: BenchModel) (plan: GibbsPlan) (warmup: int) (d: int) =
    let seconds, draws =
        Jags.sample
            jags
            m
            plan.Bound
            {
                Chains = 4
                Warmup = warmup
                Draws = d
                Seed = 5
            }

    let s = summarize draws
    seconds * 1e9 / float (4 * d) / float plan.Bound.Groups.["g"].Levels.Length, s.MinEss / seconds

let private measure quick (jags: string option) (jagsMaxJ: int) (label: string) (j: int) (n: int) =
    GC.Collect()
    let before = GC.GetTotalMemory true
    let m = benchModel j n
    let bound = Bind.bindOrThrow m.Model m.Data
    let m = { m with Data = Dataset.empty } // the raw data may go: the bound model keeps its columns
    let boundBytes = float (GC.GetTotalMemory true - before) / float j

    let plan =
        match Gibbs.compile bound with
        | Ok p -> p
        | Error es -> failwithf "model does not compile: %A" es

    let ns = sweepCost plan j
    let rng, state = Sweeps.warmState plan 9 1
    let managed = float (GC.GetTotalMemory true - before) / float j
    GC.KeepAlive(plan, state, rng)
    let d = draws quick j
    let warmup = max 50 (d / 4)

    let o =
        SamplerOptions.Default.WithChains(4).WithWarmup(warmup).WithSeed(5).WithThreads(1).WithMonitor(monitor j)

    let _, tWarm = time (fun () -> Chains.run (o.WithDraws 1) plan)
    let post, tAll = time (fun () -> Chains.run (o.WithDraws d) plan)
    let s = summarize (chainsOf post)
    let peak = float (Process.GetCurrentProcess().PeakWorkingSet64) / 1048576.0

    let jn, je =
        match jags with
        | Some path when j <= jagsMaxJ -> jagsSide path (benchModel j n) plan warmup d
        | _ -> nan, nan

    ignore m

    let row =
        {
            Label = label
            J = j
            N = n
            NsPerGroup = ns
            ManagedBytesPerGroup = managed
            BoundBytesPerGroup = boundBytes
            PeakWorkingSetMb = peak
            EssPerSec = s.MinEss / difference tAll tWarm
            MinEss = s.MinEss
            JagsNsPerGroup = jn
            JagsEssPerSec = je
        }

    printfn
        "%s J=%d n=%d: %.1f ns/group/sweep, %.0f B/group (bound data %.0f, plan + state %.0f), peak %.0f MB, min ESS %.0f, %.1f ESS/s; JAGS %.1f ns/group/sweep, %.1f ESS/s"
        label
        j
        n
        ns
        managed
        boundBytes
        (managed - boundBytes)
        peak
        s.MinEss
        row.EssPerSec
        jn
        je

    row

/// Runs the study and writes bench/results/<name>.md and <name>.csv (name: "scaling" unless `--out` says otherwise).
let run (quick: bool) (noJags: bool) (jagsMaxJ: int) (maxJ: int) (name: string) =
    let jags = if noJags then None else Jags.locate ()
    // JIT warm-up.
    measure true None 0 "warm-up" 100 10 |> ignore

    let js = [ 1000; 10000; 100000; 1000000 ] |> List.filter (fun j -> j <= maxJ)

    let ns = if quick then [ 10; 100 ] else [ 10; 100; 1000 ]

    let rows =
        [
            for j in js -> measure quick jags jagsMaxJ "J grows" j 10
            for n in ns -> measure quick None 0 "n grows" 1000 n
        ]

    let header =
        [
            "study"
            "J"
            "obs/group"
            "ns/group/sweep"
            "managed B/group"
            "bound data B/group"
            "plan + state B/group"
            "peak working set MB"
            "min ESS"
            "min ESS/s"
            "JAGS ns/group/sweep"
            "JAGS min ESS/s"
        ]

    let cells r =
        [
            r.Label
            string r.J
            string r.N
            fmt r.NsPerGroup
            fmt r.ManagedBytesPerGroup
            fmt r.BoundBytesPerGroup
            fmt (r.ManagedBytesPerGroup - r.BoundBytesPerGroup)
            fmt r.PeakWorkingSetMb
            fmt r.MinEss
            fmt r.EssPerSec
            fmt r.JagsNsPerGroup
            fmt r.JagsEssPerSec
        ]

    let table = markdownTable header (rows |> List.map cells)
    printfn "%s" table

    let md =
        $"# Scaling of the Normal hierarchy\n\n{machine ()}\n\n"
        + "ns/group/sweep: one chain, one thread, after warm-up. Managed bytes: GC.GetTotalMemory growth for the "
        + "bound model (its data columns: \"bound data\") plus the compiled plan and one chain state (\"plan + state\"), per group (the raw data set is released). Peak working set: whole "
        + "process so far (monotone). ESS: 4 chains on one thread, min over mu, tau, sigma and theta[1..100].\n\n"
        + table
        + "\n"

    writeResult quick $"{name}.md" md

    let csv =
        String.Join(",", header)
        :: (rows |> List.map (fun r -> String.Join(",", cells r)))

    writeResult quick $"{name}.csv" (String.concat "\n" csv + "\n")
