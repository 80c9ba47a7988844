// The Normal push-down's group-level model at J groups (10 rows per group, as per-group sums): time per sweep of one
// chain, and sigma's update. Run by run.sh next to a copy of HierFunctional.dll (before or after a change).
#r "MathNet.Numerics.dll"
#r "HierFunctional.dll"

open System.Diagnostics
open HierFunctional

let j = int fsi.CommandLineArgs.[1]
let sweeps = int fsi.CommandLineArgs.[2]
// "sums" (the group-level model) or "rows" (the row model on 10 rows per group, for reference)
let path =
    if fsi.CommandLineArgs.Length > 3 then
        fsi.CommandLineArgs.[3]
    else
        "sums"

let perGroup = 10.0

let normal =
    model {
        let! m = sample "m" (Distributions.Normal(0.0, 10.0))
        let! tau = sample "tau" (Distributions.HalfCauchy 2.0)
        let! sigma = sample "sigma" (Distributions.HalfCauchy 2.0)
        let! mu = sample "mu" (Distributions.Normal(m, tau)) |> over "g"
        do! observe "y" (Distributions.Normal(mu.[group "g"], sigma))
    }

let plan =
    match Pushdown.plan normal with
    | Ok p -> p
    | Error e -> failwithf "%A" e

// Group means of 10 rows of y = 5 + 2 z_g + e (sd 1), and the pooled within-group squares (N − G degrees of freedom).
let rng = System.Random 7

let z () =
    sqrt (-2.0 * log (1.0 - rng.NextDouble()))
    * cos (2.0 * System.Math.PI * rng.NextDouble())

let means = Array.init j (fun _ -> 5.0 + 2.0 * z () + z () / sqrt perGroup)
let df = float j * (perGroup - 1.0)

let ss =
    Array.init j (fun _ -> Array.init 9 (fun _ -> let e = z () in e * e) |> Array.sum)
    |> Array.sum

let data =
    Dataset.empty
    |> Dataset.integers "g" (Array.init j id)
    |> Dataset.reals "y" means
    |> Dataset.reals "__y_se" (Array.create j (1.0 / sqrt perGroup))
    |> Dataset.scalar "__y_ss" ss
    |> Dataset.scalar "__y_df" df

// The rows: group g's 10 values have mean means[g] and sum of squares about it near 9 (their own draws).
let rowData () =
    let n = j * int perGroup
    let g = Array.init n (fun i -> i / int perGroup)
    let y = Array.init n (fun i -> means.[i / int perGroup] + z ())
    Dataset.empty |> Dataset.integers "g" g |> Dataset.reals "y" y

let model, bound =
    if path = "rows" then
        normal, rowData ()
    else
        Pushdown.rewrite plan, data

let compiled =
    match Bind.bind model bound |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error e -> failwithf "%A" e

let sigmaMethod =
    (compiled.Updates |> Array.find (fun u -> u.Node = "sigma")).Method

// As many warm-up sweeps as kept ones (the slice widths adapt in warm-up); the time is per sweep over both.
let options =
    SamplerOptions.Default.WithChains(1).WithWarmup(sweeps).WithSeed(3).WithMonitor [ "m"; "tau"; "sigma" ]

Chains.run (options.WithWarmup(1).WithDraws 2) compiled |> ignore // JIT
let clock = Stopwatch.StartNew()
let post = Chains.run (options.WithDraws sweeps) compiled
let ms = clock.Elapsed.TotalMilliseconds / float (2 * sweeps)
let sigmaMean = Posterior.chains "sigma" post |> Array.concat |> Array.average

printfn
    "%s J=%d sweeps=%d ms_per_sweep=%.3f ns_per_group=%.1f sigma_mean=%.4f sigma_update=%s"
    path
    j
    sweeps
    ms
    (ms * 1e6 / float j)
    sigmaMean
    sigmaMethod
