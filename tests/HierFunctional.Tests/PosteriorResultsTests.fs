/// Highest-density intervals, `loo_compare` of several fits (fixtures/criteria/compare_*, made by make_compare.R
/// with loo 2.5.1) and tidy (chain, draw, name, value) draws.
module HierFunctional.Tests.PosteriorResultsTests

open System
open System.Globalization
open System.IO
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions
open MathNet.Numerics.Random
open HierFunctional

let ``the 90 percent HDI of Exponential(1) draws is close to the exact [0, ln 10]`` () =
    let rng = Xoshiro256StarStar(5, false)
    let draws = Array.init 100000 (fun _ -> Exponential.Sample(rng, 1.0))
    let lo, hi = Hdi.ofDraws 0.9 draws
    // the exact HDI is [0, -ln 0.1]; the sample's shortest window can be off by about the spacing of the draws
    // near the ends plus the sampling error of the 90% quantile (sd ≈ sqrt(0.9·0.1/n)/f(q) = 0.0095)
    Assert.True(lo < 0.005, $"lower end {lo}")
    Assert.True(abs (hi - log 10.0) < 0.04, $"upper end {hi} vs {log 10.0}")

let ``the HDI holds the mass and is never wider than the central interval`` () =
    let prop (xs: NonEmptyArray<NormalFloat>) (massPct: int) =
        let draws = xs.Get |> Array.map (fun x -> x.Get)
        let mass = float (1 + abs massPct % 99) / 100.0
        let lo, hi = Hdi.ofDraws mass draws
        let sorted = Array.sort draws
        let n = draws.Length
        let k = int (ceil (mass * float n))
        let inside = draws |> Array.filter (fun x -> x >= lo && x <= hi) |> Array.length
        // the central interval of the same number of draws, by order statistics
        let start = (n - k) / 2
        let central = sorted.[min (n - 1) (start + k - 1)] - sorted.[start]
        inside >= k && hi - lo <= central + 1e-12

    Check.One(HierFunctional.Tests.TestConfig.quick.WithMaxTest(300), prop)

let ``an HDI mass outside (0, 1] is refused`` () =
    Assert.Throws<ArgumentException>(fun () -> Hdi.ofDraws 1.5 [| 1.0; 2.0 |] |> ignore)
    |> ignore

let private dir = Path.Combine(__SOURCE_DIRECTORY__, "fixtures", "criteria")

let private matrix (file: string) =
    File.ReadAllLines(Path.Combine(dir, file))
    |> Array.skip 1
    |> Array.filter (fun l -> l <> "")
    |> Array.map (fun l ->
        l.Split ','
        |> Array.map (fun s -> Double.Parse(s, CultureInfo.InvariantCulture)))

let ``loo_compare of three models matches R's loo`` () =
    let fits =
        [
            "normal", Criteria.loo (matrix "normal_outlier_loglik.csv")
            "known_sd", Criteria.loo (matrix "compare_known_sd_loglik.csv")
            "student", Criteria.loo (matrix "compare_student_loglik.csv")
        ]

    let ours = LooCompare.compare fits

    let reference =
        File.ReadAllLines(Path.Combine(dir, "compare_loo_compare.csv"))
        |> Array.skip 1
        |> Array.map (fun l -> l.Split ',')

    Assert.Equal<string[]>(reference |> Array.map (fun r -> r.[0]), ours |> Array.map (fun r -> r.Model))

    for r, o in Array.zip reference ours do
        let expect (i: int) (actual: float) =
            let e = Double.Parse(r.[i], CultureInfo.InvariantCulture)
            Assert.True(abs (e - actual) <= 1e-6 * abs e + 1e-12, $"{r.[0]} column {i}: loo {e}, ours {actual}")

        expect 1 o.ElpdDiff
        expect 2 o.SeDiff
        expect 3 o.ElpdLoo
        expect 4 o.SeElpdLoo
        expect 5 o.PLoo
        expect 6 o.Looic

let ``the standard error of an elpd difference is sqrt(n) times the sd of the pointwise differences`` () =
    let a = Criteria.loo (matrix "normal_outlier_loglik.csv")
    let b = Criteria.loo (matrix "compare_known_sd_loglik.csv")
    let rows = LooCompare.compare [ "a", a; "b", b ]
    let d = Array.map2 (-) b.PointwiseElpd a.PointwiseElpd
    let n = float d.Length
    let m = Array.average d
    let sd = sqrt ((d |> Array.sumBy (fun x -> (x - m) ** 2.0)) / (n - 1.0))
    Assert.Equal(sqrt n * sd, rows.[1].SeDiff, 10)
    Assert.Equal(Array.sum d, rows.[1].ElpdDiff, 10)
    Assert.Equal(0.0, rows.[0].SeDiff)

let ``models of different data cannot be compared`` () =
    let a = Criteria.loo (matrix "normal_outlier_loglik.csv")
    let b = Criteria.loo (matrix "tiny_loglik.csv")

    Assert.Throws<ArgumentException>(fun () -> LooCompare.compare [ "a", a; "b", b ] |> ignore)
    |> ignore

let private small () =
    Posterior.create
        [| "mu"; "theta[1]" |]
        [| [| [| 1.0; 2.0 |]; [| 3.0; 4.0 |] |]; [| [| 5.0; 6.0 |]; [| 7.0; 8.5 |] |] |]
    |> Posterior.withLabels [ "theta[1]", "theta[A]" ]

let ``tidy draws hold one row per chain, draw and scalar with the same values`` () =
    let rows = Tidy.draws (small ()) |> Array.ofSeq
    Assert.Equal(2 * 2 * 2, rows.Length)

    Assert.Equal(
        {
            Chain = 2
            Draw = 2
            Name = "theta[1]"
            Value = 8.5
        },
        rows.[7]
    )

    Assert.Equal("theta[A]", (Tidy.labelled (small ()) |> Seq.last).Name)

let ``tidy CSV has the chain, draw, name, value header and round-trips the values`` () =
    let text = Tidy.toCsv (Tidy.draws (small ()))
    let lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
    Assert.Equal("chain,draw,name,value", lines.[0])
    Assert.Equal("2,2,\"theta[1]\",8.5", lines.[8])

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.PosteriorResultsTests"
        [
            Expecto.Tests.testCase
                "the 90 percent HDI of Exponential(1) draws is close to the exact [0, ln 10]"
                (fun () -> ``the 90 percent HDI of Exponential(1) draws is close to the exact [0, ln 10]`` ())
            Expecto.Tests.testCase "the HDI holds the mass and is never wider than the central interval" (fun () ->
                ``the HDI holds the mass and is never wider than the central interval`` ())
            Expecto.Tests.testCase "an HDI mass outside (0, 1] is refused" (fun () ->
                ``an HDI mass outside (0, 1] is refused`` ())
            Expecto.Tests.testCase "loo_compare of three models matches R's loo" (fun () ->
                ``loo_compare of three models matches R's loo`` ())
            Expecto.Tests.testCase
                "the standard error of an elpd difference is sqrt(n) times the sd of the pointwise differences"
                (fun () ->
                    ``the standard error of an elpd difference is sqrt(n) times the sd of the pointwise differences`` ())
            Expecto.Tests.testCase "models of different data cannot be compared" (fun () ->
                ``models of different data cannot be compared`` ())
            Expecto.Tests.testCase "tidy draws hold one row per chain, draw and scalar with the same values" (fun () ->
                ``tidy draws hold one row per chain, draw and scalar with the same values`` ())
            Expecto.Tests.testCase
                "tidy CSV has the chain, draw, name, value header and round-trips the values"
                (fun () -> ``tidy CSV has the chain, draw, name, value header and round-trips the values`` ())
        ]
