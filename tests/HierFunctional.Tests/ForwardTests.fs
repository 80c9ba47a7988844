module HierFunctional.Tests.ForwardTests

open HierFunctional.TestShim
open MathNet.Numerics.Random
open HierFunctional
open HierFunctional.Testing
open type Distributions

let simpleModel =
    model {
        let! mu = sample "mu" (Normal(2.0, 3.0))
        let! tau = sample "tau" (Gamma(3.0, 2.0))
        let! _ = sample "theta" (Normal(mu, tau)) |> over "g"
        let! p = sample "p" (Beta(2.0, 5.0))
        do! observe "k" (Binomial(data "n", p))
    }

let simpleData =
    Dataset.empty
    |> Dataset.labels "g" [| "a"; "b"; "c"; "a" |]
    |> Dataset.integers "n" [| 5; 0; 12; 3 |]
    |> Dataset.integers "k" [| 1; 0; 4; 3 |]
    |> Dataset.reals "unused" [| 9.0; 8.0; 7.0; 6.0 |]

let bound = Bind.bindOrThrow simpleModel simpleData

/// |mean − truth| < 4 · sd / √n for n independent draws with known sd.
let assertWithinMcse (truth: float) (sd: float) (draws: float[]) =
    let mean = Array.average draws
    let mcse = sd / sqrt (float draws.Length)
    Assert.True(abs (mean - truth) < 4.0 * mcse, $"mean {mean}, truth {truth}, 4·MCSE {4.0 * mcse}")

let ``the same seed gives identical prior draws and simulated data`` () =
    let run (seed: int) =
        let rng = Xoshiro256StarStar(seed)
        Forward.priorPredictive rng bound

    let s1, d1 = run 11
    let s2, d2 = run 11
    let s3, _ = run 12
    Assert.Equal<float[]>(s1, s2)
    Assert.Equal(d1, d2)
    Assert.NotEqual<float[]>(s1, s3)

let ``prior draw means lie within four Monte Carlo standard errors of the prior means`` () =
    let rng = Xoshiro256StarStar(2024)
    let n = 4000
    let draws = Array.init n (fun _ -> Forward.priorDraw rng bound)

    let column name =
        draws |> Array.map (fun s -> s.[Layout.indexOf bound name])

    assertWithinMcse 2.0 3.0 (column "mu")
    assertWithinMcse 1.5 (sqrt 3.0 / 2.0) (column "tau")
    // theta | mu, tau ~ Normal(mu, tau): E = 2, Var = Var(mu) + E[tau²] = 9 + (3/4 + 9/4) = 12.
    assertWithinMcse 2.0 (sqrt 12.0) (column "theta[b]")
    let a, b = 2.0, 5.0
    assertWithinMcse (a / (a + b)) (sqrt (a * b / ((a + b) ** 2.0 * (a + b + 1.0)))) (column "p")

let ``simulated data have the support and length of the observations and keep the other columns`` () =
    let rng = Xoshiro256StarStar(5)

    for _ in 1..200 do
        let state, data = Forward.priorPredictive rng bound
        Assert.Equal(state.Length, bound.Layout.Size)

        match Dataset.tryColumn "k" data with
        | Some(Column.Integers ks) ->
            Assert.Equal(4, ks.Length)
            Array.iter2 (fun k n -> Assert.InRange(k, 0, n)) ks [| 5; 0; 12; 3 |]
        | other -> failwith $"k should stay an integer column, got %A{other}"

        Assert.Equal(Dataset.tryColumn "unused" simpleData, Dataset.tryColumn "unused" data)
        Assert.Equal<string list>(simpleData.Columns |> List.map fst, data.Columns |> List.map fst)
        Assert.True(Result.isOk (Bind.bind simpleModel data))

let ``simulated Poisson counts given the state have the Poisson mean`` () =
    let m =
        model {
            let! lambda = sample "lambda" (Gamma(2.0, 1.0))
            do! observe "y" (Poisson(lambda, data "t"))
        }

    let b =
        Dataset.empty
        |> Dataset.reals "y" (Array.zeroCreate 2000)
        |> Dataset.reals "t" (Array.create 2000 2.0)
        |> Bind.bindOrThrow m

    let data = Forward.simulateData (Xoshiro256StarStar(8)) b [| 1.5 |]

    match Dataset.tryColumn "y" data with
    | Some(Column.Reals ys) ->
        Assert.True(ys |> Array.forall (fun y -> y >= 0.0 && y = floor y))
        assertWithinMcse 3.0 (sqrt 3.0) ys
    | other -> failwith $"y should stay a real column, got %A{other}"

let ``a flat prior cannot be simulated and says so`` () =
    let m =
        model {
            let! mu = sample "mu" (Flat Support.Real)
            do! observe "y" (Normal(mu, 1.0))
        }

    let b = Dataset.empty |> Dataset.reals "y" [| 1.0 |] |> Bind.bindOrThrow m

    let ex =
        Assert.Throws<ModelException>(fun () -> Forward.priorDraw (Xoshiro256StarStar(1)) b |> ignore)

    Assert.Equal(ErrorKind.ImproperPosterior, ex.Kind)
    Assert.Contains("'mu'", ex.Message)
    Assert.Contains("Flat", ex.Message)

let ``data simulated from random hierarchical models bind again to the same model`` () =
    let seeds = FsCheck.FSharp.Gen.choose (0, 1_000_000)

    FsCheck.FSharp.Prop.forAll
        (FsCheck.FSharp.Arb.fromGen (FsCheck.FSharp.Gen.zip ModelGenerators.case seeds))
        (fun (c, seed) ->
            let m = ModelGenerators.toModel c
            let b = Bind.bindOrThrow m (ModelGenerators.toData c)

            let data =
                Forward.simulateData (Xoshiro256StarStar(seed)) b (ModelGenerators.toState b c)

            match Bind.bind m data with
            | Ok b2 -> b2.Rows = b.Rows
            | Error e -> failwith $"%A{e}")
    |> LogDensityTests.check

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.ForwardTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.ForwardTests"
            [
                Expecto.Tests.testCase "the same seed gives identical prior draws and simulated data" (fun () ->
                    ``the same seed gives identical prior draws and simulated data`` ())
                Expecto.Tests.testCase
                    "prior draw means lie within four Monte Carlo standard errors of the prior means"
                    (fun () -> ``prior draw means lie within four Monte Carlo standard errors of the prior means`` ())
                Expecto.Tests.testCase
                    "simulated data have the support and length of the observations and keep the other columns"
                    (fun () ->
                        ``simulated data have the support and length of the observations and keep the other columns`` ())
                Expecto.Tests.testCase "simulated Poisson counts given the state have the Poisson mean" (fun () ->
                    ``simulated Poisson counts given the state have the Poisson mean`` ())
                Expecto.Tests.testCase "a flat prior cannot be simulated and says so" (fun () ->
                    ``a flat prior cannot be simulated and says so`` ())
                Expecto.Tests.testCase
                    "data simulated from random hierarchical models bind again to the same model"
                    (fun () -> ``data simulated from random hierarchical models bind again to the same model`` ())
            ])
