#r "nuget: MathNet.Numerics, 5.0.0"
// DLLPATH: the HierFunctional.dll of the build to time; MODE: the criteria call to time
#r "DLLPATH"

open System
open HierFunctional
open type Distributions

let rng = Random 1
let n = 100000
let g = Array.init n (fun i -> i % 1000)

let mu =
    Array.init 1000 (fun _ -> MathNet.Numerics.Distributions.Normal.Sample(rng, 0.0, 1.0))

let y =
    Array.init n (fun i -> mu.[g.[i]] + MathNet.Numerics.Distributions.Normal.Sample(rng, 0.0, 1.0))

let data =
    Dataset.empty
    |> Dataset.labels "g" (g |> Array.map string)
    |> Dataset.reals "y" y

let m =
    model {
        let! mu = sample "mu" (Normal(0.0, 10.0))
        let! tau = sample "tau" (HalfCauchy 5.0)
        let! sigma = sample "sigma" (HalfCauchy 5.0)
        let! alpha = sample "alpha" (Normal(mu, tau)) |> over "g"
        do! observe "y" (Normal(alpha.[group "g"], sigma))
    }

let plan =
    match Bind.bind m data |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error e -> failwithf "%A" e

let post =
    Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(300).WithDraws(300).WithSeed(3)) plan

let sw = Diagnostics.Stopwatch.StartNew()
MODE
printfn "criteria %.1f s" sw.Elapsed.TotalSeconds
