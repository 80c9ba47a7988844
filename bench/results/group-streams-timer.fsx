// Per-group per-sweep cost of a chain at J = 10^6 groups, before/after Philox group streams, and the within-chain
// speed-up. Run by bench/results/group-streams.sh: once against a build of the commit before (no AFTER), once
// against this branch with --define:AFTER; the runs alternate so both see the same machine load.
#r "nuget: MathNet.Numerics, 5.0.0"
#r "DLLPATH"

open System
open System.Diagnostics
open HierFunctional
open type Distributions

let j = 1_000_000
let label = fsi.CommandLineArgs.[1]
printfn "# %s: load average %s" label (IO.File.ReadAllText "/proc/loadavg" |> fun t -> t.Trim())

let normalModel =
    model {
        let! mu = sample "mu" (Normal(0.0, 10.0))
        let! tau = sample "tau" (HalfNormal 5.0)
        let! sigma = sample "sigma" (HalfNormal 5.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
        do! observe "y" (Normal(theta.[group "g"], sigma))
    }

let poissonModel =
    model {
        let! alpha = sample "alpha" (Exponential 1.0)
        let! beta = sample "beta" (Gamma(0.1, 1.0))
        let! theta = sample "theta" (Gamma(alpha, beta)) |> over "g"
        do! observe "x" (Poisson(theta.[group "g"], data "t"))
    }

// the scale bench's data: J groups of n = 10 rows, mu = 0, tau = 1, sigma = 2 (System.Random: same data both sides)
let data (rows: int) =
    let rng = Random 42

    let normal () =
        sqrt (-2.0 * log (1.0 - rng.NextDouble()))
        * cos (2.0 * Math.PI * rng.NextDouble())

    let theta = Array.init j (fun _ -> normal ())
    let g = Array.init (j * rows) (fun r -> r / rows + 1)
    let y = Array.init (j * rows) (fun r -> theta.[r / rows] + 2.0 * normal ())
    let x = Array.init (j * rows) (fun r -> int (10.0 * rng.NextDouble()))
    let t = Array.init (j * rows) (fun _ -> 1.0 + rng.NextDouble())

    Dataset.empty
    |> Dataset.integers "g" g
    |> Dataset.reals "y" y
    |> Dataset.integers "x" x
    |> Dataset.reals "t" t

let planOf m rows =
    let d = data rows
    let b = Bind.bindOrThrow m d

    match Gibbs.compile b with
    | Ok p -> p
    | Error e -> failwithf "%A" e

let measure (name: string) (plan: GibbsPlan) (partitions: int list) =
#if AFTER
    let rng = Chains.generator 3 0 :> Random
    let st = Gibbs.initialStateFor plan 3 0 (Forward.priorDraw rng plan.Bound)
#else
    let rng = MathNet.Numerics.Random.Xoshiro256StarStar(3, false) :> Random
    let st = Gibbs.initialState plan (Forward.priorDraw rng plan.Bound)
#endif
    for _ in 1..20 do
        Gibbs.sweep plan rng st

    st.Adapting <- false

    let block (p: int) sweeps =
#if AFTER
        st.Partitions <- p
#endif
        let proc = Process.GetCurrentProcess()
        let cpu0 = proc.TotalProcessorTime
        let sw = Stopwatch.StartNew()

        for _ in 1..sweeps do
            Gibbs.sweep plan rng st

        let wall = sw.Elapsed.TotalSeconds
        proc.Refresh()
        let cpu = (proc.TotalProcessorTime - cpu0).TotalSeconds
        wall * 1e9 / float sweeps / float j, cpu * 1e9 / float sweeps / float j

    for p in partitions do
        block p 10 |> ignore
    // blocks of the partition counts interleaved, so each count sees the same load
    let blocks = Array.init 7 (fun _ -> partitions |> List.map (fun p -> block p 10))

    partitions
    |> List.iteri (fun k p ->
        let wall = blocks |> Array.map (fun b -> fst b.[k]) |> Array.sort
        let cpu = blocks |> Array.map (fun b -> snd b.[k]) |> Array.sort
        printfn "%s | %s | %d | %.1f | %.1f | %.1f | %.1f" label name p wall.[0] wall.[3] cpu.[0] cpu.[3])

#if AFTER
let parts = [ 1; 2 ]
#else
let parts = [ 1 ]
#endif
measure "Normal hierarchy (n = 10 rows a group)" (planOf normalModel 10) parts
measure "Gamma-Poisson rates (1 row a group)" (planOf poissonModel 1) parts
