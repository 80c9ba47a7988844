/// The sharded engine (HierFunctional.Sharded) is the library's own Gibbs sweep split into shards: the same
/// two-level models fitted from rows by `Chains.run` and run by the engine from per-group sufficient statistics give
/// the same draws bit for bit, for any number of shards.
module HierFunctional.Tests.ShardEngineTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Sharded

/// More groups than four sum blocks, so four shards each own whole blocks.
let private groups = 3500

/// Rows of J groups with 1..6 rows each, in group order (System.Random with a fixed seed: data, not draws).
let private normalRows =
    let rng = Random 7

    let gaussian () =
        sqrt (-2.0 * log (1.0 - rng.NextDouble()))
        * cos (2.0 * Math.PI * rng.NextDouble())

    [|
        for j in 0 .. groups - 1 do
            let theta = 3.0 + 1.5 * gaussian ()

            for _ in 1 .. rng.Next(1, 7) do
                j, theta + 2.0 * gaussian ()
    |]

let private poissonRows =
    let rng = Random 8

    [|
        for j in 0 .. groups - 1 do
            let lambda = -log(1.0 - rng.NextDouble()) - log (1.0 - rng.NextDouble())

            for _ in 1 .. rng.Next(1, 4) do
                let t = 0.5 + 2.0 * rng.NextDouble()
                let limit = exp (-lambda * t)
                let mutable k = 0
                let mutable p = rng.NextDouble()

                while p > limit do
                    k <- k + 1
                    p <- p * rng.NextDouble()

                j, float k, t
    |]

let private normal =
    TwoLevelModel.Normal
        {
            MuMean = 0.0
            MuSd = 10.0
            TauShape = 2.0
            TauRate = 1.0
            SigmaShape = 2.0
            SigmaRate = 1.0
        }

let private gammaPoisson =
    TwoLevelModel.GammaPoisson
        {
            AlphaShape = 2.0
            AlphaRate = 1.0
            BetaShape = 1.0
            BetaRate = 1.0
        }

let private sweeps, warmup = 40, 10

let private normalLibrary () =
    let g = normalRows |> Array.map fst
    let y = normalRows |> Array.map snd
    ShardRun.library normal 5 1 [| 0.5; 1.0; 1.0 |] groups g [| y |] sweeps warmup

let private normalEngine shards =
    let g = normalRows |> Array.map fst
    let y = normalRows |> Array.map snd
    let stats = ShardEngine.normalStatistics groups g y
    ShardRun.recorded (ShardRun.inProcess normal 5 1 [| 0.5; 1.0; 1.0 |] stats 1024 shards sweeps warmup) warmup

let private poissonStats () =
    ShardEngine.gammaPoissonStatistics
        groups
        (poissonRows |> Array.map (fun (j, _, _) -> j))
        (poissonRows |> Array.map (fun (_, x, _) -> x))
        (poissonRows |> Array.map (fun (_, _, t) -> t))

let ``the sharded Normal sweep draws what the library's Gibbs sampler draws, for 1, 2 and 4 shards`` () =
    let library = normalLibrary ()
    let expected = ShardRun.fingerprint library
    Assert.True(library.Globals.Length = sweeps - warmup)

    for shards in [ 1; 2; 4 ] do
        let engine = normalEngine shards
        Assert.Equal<float[]>(library.Globals.[0], engine.Globals.[0])
        Assert.Equal(expected, ShardRun.fingerprint engine)

let ``the sharded Gamma-Poisson sweep with alpha sampled draws what the library's Gibbs sampler draws, for 1, 2 and 4 shards``
    ()
    =
    let start = [| 2.0; 1.0 |]

    let library =
        ShardRun.library
            gammaPoisson
            5
            0
            start
            groups
            (poissonRows |> Array.map (fun (j, _, _) -> j))
            [|
                poissonRows |> Array.map (fun (_, x, _) -> x)
                poissonRows |> Array.map (fun (_, _, t) -> t)
            |]
            sweeps
            warmup

    // α moves (it is sampled, not fixed)
    Assert.True(library.Globals |> Array.map (fun g -> g.[0]) |> Array.distinct |> Array.length > 1)

    for shards in [ 1; 2; 4 ] do
        let engine =
            ShardRun.recorded
                (ShardRun.inProcess gammaPoisson 5 0 start (poissonStats ()) 1024 shards sweeps warmup)
                warmup

        Assert.Equal<float[]>(library.Globals.[0], engine.Globals.[0])
        Assert.Equal(ShardRun.fingerprint library, ShardRun.fingerprint engine)

let ``the library's plan with its interweaving step is refused with how to compile it`` () =
    let data =
        Dataset.empty
        |> Dataset.labels "g" [| "a"; "a"; "b" |]
        |> Dataset.reals "y" [| 1.0; 2.0; 3.0 |]

    let plan =
        Bind.bind (ShardPlan.model normal) data
        |> Result.bind Gibbs.compile
        |> Result.defaultWith (fun e -> failwithf "%A" e)

    match ShardPlan.check normal plan with
    | Ok() -> Assert.Fail "the default plan interweaves (mu, tau), which the sharded sweep does not reproduce"
    | Error why ->
        Assert.Contains("interweaving", why)
        Assert.Contains("ShardPlan.settings", why)

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
                "the sharded Normal sweep draws what the library's Gibbs sampler draws, for 1, 2 and 4 shards"
                (fun () ->
                    ``the sharded Normal sweep draws what the library's Gibbs sampler draws, for 1, 2 and 4 shards`` ())
            Expecto.Tests.testCase
                "the sharded Gamma-Poisson sweep with alpha sampled draws what the library's Gibbs sampler draws, for 1, 2 and 4 shards"
                (fun () ->
                    ``the sharded Gamma-Poisson sweep with alpha sampled draws what the library's Gibbs sampler draws, for 1, 2 and 4 shards`` ())
            Expecto.Tests.testCase
                "the library's plan with its interweaving step is refused with how to compile it"
                (fun () -> ``the library's plan with its interweaving step is refused with how to compile it`` ())
            Expecto.Tests.testCase "the engine's group streams are Philox4x32.ForGroup streams" (fun () ->
                ``the engine's group streams are Philox4x32.ForGroup streams`` ())
        ]
