/// The sharded engine (HierFunctional.Sharded) samples the same posterior as the library's general Gibbs sampler:
/// the same two-level models written in the DSL, fitted from rows by `Chains.run`, agree with the engine's run from
/// per-group sufficient statistics within Monte Carlo error.
module HierFunctional.Tests.ShardEngineTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Sharded
open type Distributions

let private groups = 12

/// Rows of J groups with 2..10 rows each (System.Random with a fixed seed: data, not draws).
let private normalRows =
    let rng = Random 7

    let gaussian () =
        sqrt (-2.0 * log (1.0 - rng.NextDouble()))
        * cos (2.0 * Math.PI * rng.NextDouble())

    [|
        for j in 0 .. groups - 1 do
            let theta = 3.0 + 1.5 * gaussian ()

            for _ in 1 .. rng.Next(2, 11) do
                j, theta + 2.0 * gaussian ()
    |]

let private normalStats =
    let byGroup = normalRows |> Array.groupBy fst |> Array.sortBy fst

    [|
        byGroup |> Array.map (fun (_, r) -> float r.Length)
        byGroup |> Array.map (fun (_, r) -> r |> Array.sumBy snd)
        byGroup
        |> Array.map (fun (_, r) ->
            let m = r |> Array.averageBy snd
            r |> Array.sumBy (fun (_, y) -> (y - m) * (y - m)))
    |]

let private priors =
    {
        MuMean = 0.0
        MuSd = 10.0
        TauShape = 2.0
        TauRate = 1.0
        SigmaShape = 2.0
        SigmaRate = 1.0
    }

let private normalModel =
    model {
        let! mu = sample "mu" (Normal(0.0, 10.0))
        let! tau = sample "tau" (Gamma(2.0, 1.0))
        let! sigma = sample "sigma" (Gamma(2.0, 1.0))
        let! theta = sample "theta" (NormalPrecision(mu, tau)) |> over "g"
        do! observe "y" (NormalPrecision(theta.[group "g"], sigma))
    }

let private poissonRows =
    let rng = Random 8

    [|
        for j in 0 .. groups - 1 do
            let lambda = -log(1.0 - rng.NextDouble()) - log (1.0 - rng.NextDouble())

            for _ in 1 .. rng.Next(1, 6) do
                let t = 0.5 + 2.0 * rng.NextDouble()
                let limit = exp (-lambda * t)
                let mutable k = 0
                let mutable p = rng.NextDouble()

                while p > limit do
                    k <- k + 1
                    p <- p * rng.NextDouble()

                j, float k, t
    |]

let private poissonModel =
    model {
        let! beta = sample "beta" (Gamma(1.0, 1.0))
        let! theta = sample "theta" (Gamma(2.0, beta)) |> over "g"
        do! observe "x" (Poisson(theta.[group "g"], data "t"))
    }

let private library (m: Model) (d: Dataset) (names: string list) =
    match Bind.bind m d |> Result.bind Gibbs.compile with
    | Error e -> failwithf "%A" e
    | Ok plan ->
        let post =
            Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(5000).WithSeed(11)) plan

        names
        |> List.map (fun n ->
            let c = Posterior.chains n post
            Array.average (Array.concat c), Diagnostics.mcseMean c)

let private engine (result: ShardedRunResult) (warmup: int) (index: int) =
    let d = result.Globals.[warmup..] |> Array.map (fun g -> g.[index])
    Array.average d, Diagnostics.mcseMean [| d |]

let private agree name (libMean: float, libMcse: float) (engMean: float, engMcse: float) =
    let se = sqrt (libMcse * libMcse + engMcse * engMcse)

    Assert.True(
        abs (libMean - engMean) < 4.0 * se,
        $"{name}: library {libMean} ± {libMcse}, engine {engMean} ± {engMcse}"
    )

let ``the Normal hierarchy from sufficient statistics agrees with the library's Gibbs sampler from rows within MCSE``
    ()
    =
    let data =
        Dataset.empty
        |> Dataset.labels "g" (normalRows |> Array.map (fun (j, _) -> $"g{j:D2}"))
        |> Dataset.reals "y" (normalRows |> Array.map snd)

    let lib = library normalModel data [ "mu"; "tau"; "sigma" ]

    let result =
        ShardRun.inProcess (TwoLevelModel.Normal priors) 3 0 [| 0.0; 1.0; 1.0 |] normalStats 4 1 20500 500

    List.iteri (fun i name -> agree name lib.[i] (engine result 500 i)) [ "mu"; "tau"; "sigma" ]

let ``the Gamma-Poisson hierarchy from sufficient statistics agrees with the library's Gibbs sampler from rows within MCSE``
    ()
    =
    let data =
        Dataset.empty
        |> Dataset.labels "g" (poissonRows |> Array.map (fun (j, _, _) -> $"g{j:D2}"))
        |> Dataset.reals "x" (poissonRows |> Array.map (fun (_, x, _) -> x))
        |> Dataset.reals "t" (poissonRows |> Array.map (fun (_, _, t) -> t))

    let byGroup = poissonRows |> Array.groupBy (fun (j, _, _) -> j) |> Array.sortBy fst

    let stats =
        [|
            byGroup |> Array.map (fun (_, r) -> r |> Array.sumBy (fun (_, x, _) -> x))
            byGroup |> Array.map (fun (_, r) -> r |> Array.sumBy (fun (_, _, t) -> t))
        |]

    let lib = library poissonModel data [ "beta" ]

    let model =
        TwoLevelModel.GammaPoisson
            {
                Alpha = 2.0
                BetaShape = 1.0
                BetaRate = 1.0
            }

    let result = ShardRun.inProcess model 3 0 [| 1.0 |] stats 4 1 20500 500
    agree "beta" lib.[0] (engine result 500 0)

let ``the engine's group streams are Philox4x32.ForGroup streams`` () =
    let a = ShardEngine.stream 5 2 0 9 123
    let b = Philox4x32.ForGroup(5, 2, 0, 9, 123)
    Assert.Equal(b.NextDouble(), a.NextDouble())

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "ShardEngine"
        [
            Expecto.Tests.testCase
                "the Normal hierarchy from sufficient statistics agrees with the library's Gibbs sampler from rows within MCSE"
                (fun () ->
                    ``the Normal hierarchy from sufficient statistics agrees with the library's Gibbs sampler from rows within MCSE`` ())
            Expecto.Tests.testCase
                "the Gamma-Poisson hierarchy from sufficient statistics agrees with the library's Gibbs sampler from rows within MCSE"
                (fun () ->
                    ``the Gamma-Poisson hierarchy from sufficient statistics agrees with the library's Gibbs sampler from rows within MCSE`` ())
            Expecto.Tests.testCase "the engine's group streams are Philox4x32.ForGroup streams" (fun () ->
                ``the engine's group streams are Philox4x32.ForGroup streams`` ())
        ]
