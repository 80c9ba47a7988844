module HierFunctional.Tests.Gibbs.SliceTests

open System
open HierFunctional.TestShim
open MathNet.Numerics.Distributions
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.MonteCarlo

/// Runs `count` slice updates from x0 and returns the chain and the total number of log-density evaluations.
let private run seed (logDensity: float -> float) width count x0 =
    let r = rng seed
    let chain = Array.zeroCreate count
    let mutable x = x0
    let mutable evals = 0

    for i in 0 .. count - 1 do
        let s = Slice.step r logDensity width 20 x
        x <- s.Value
        evals <- evals + s.Evaluations
        chain[i] <- x

    chain, evals

/// Every `thin`-th draw, which makes the chain close enough to independent for a KS test.
let private thin k (xs: float[]) =
    Array.init (xs.Length / k) (fun i -> xs[i * k])

/// KS at false-alarm rate α = 0.001 on 2000 draws thinned by 10, plus |mean − truth| < 4 batch-means MCSE.
let private checkTarget what (chain: float[]) (cdf: float -> float) (mean: float) =
    let thinned = thin 10 chain
    let d = ksStatistic cdf thinned

    Assert.True(
        d < ksCritical001 thinned.Length,
        $"{what}: KS D = {d}, critical {ksCritical001 thinned.Length} (α = 0.001)"
    )

    assertWithin4Mcse $"{what} mean" mean (batchMeanMcse chain)

let ``slice sampling a standard normal matches its CDF and mean`` () =
    let chain, _ = run 51 (fun x -> Normal.PDFLn(0.0, 1.0, x)) 1.0 20000 3.0
    checkTarget "N(0,1)" chain (fun x -> Normal.CDF(0.0, 1.0, x)) 0.0

let ``slice sampling a Gamma on the log scale with its Jacobian matches the Gamma`` () =
    // u = log x: log p(u) = log Gamma(e^u; 3, rate 2) + u
    let chain, _ = run 52 (fun u -> Gamma.PDFLn(3.0, 2.0, exp u) + u) 1.0 20000 0.0
    checkTarget "Gamma(3, 2) via log" (Array.map exp chain) (fun x -> Gamma.CDF(3.0, 2.0, x)) 1.5

let ``slice sampling a bimodal mixture visits both modes in proportion`` () =
    let logDens x =
        log (0.3 * Normal.PDF(-2.0, 0.7, x) + 0.7 * Normal.PDF(2.5, 1.0, x))

    let cdf x =
        0.3 * Normal.CDF(-2.0, 0.7, x) + 0.7 * Normal.CDF(2.5, 1.0, x)

    let chain, _ = run 53 logDens 4.0 20000 0.0
    checkTarget "mixture" chain cdf (0.3 * -2.0 + 0.7 * 2.5)

let ``slice sampling a half-normal never leaves the region of finite density`` () =
    let logDens x =
        if x > 0.0 then -0.5 * x * x else -infinity

    let chain, _ = run 54 logDens 2.0 20000 1.0
    Assert.True(chain |> Array.forall (fun x -> x > 0.0), "every draw has finite log density")
    checkTarget "half-normal" chain (fun x -> 2.0 * Normal.CDF(0.0, 1.0, x) - 1.0) (sqrt (2.0 / Math.PI))

let ``a NaN log density is treated as outside the support`` () =
    let logDens x =
        if x < -1.0 || x > 1.0 then nan else 0.0

    let chain, _ = run 55 logDens 5.0 2000 0.0
    Assert.True(chain |> Array.forall (fun x -> x >= -1.0 && x <= 1.0), "every draw lies in [-1, 1]")

let ``the same seed gives the same draws`` () =
    let f x = Normal.PDFLn(1.0, 2.0, x)
    Assert.Equal<float[]>(fst (run 56 f 1.0 500 0.0), fst (run 56 f 1.0 500 0.0))

let ``starting at minus infinity density is rejected`` () =
    Assert.Throws<ArgumentException>(fun () -> Slice.step (rng 1) (fun _ -> -infinity) 1.0 10 0.0 |> ignore)
    |> ignore

let ``evaluation count includes stepping out and shrinkage`` () =
    let r = rng 57
    let mutable calls = 0

    let s =
        Slice.step
            r
            (fun x ->
                calls <- calls + 1
                -0.5 * x * x)
            0.1
            50
            0.0

    Assert.Equal(calls, s.Evaluations)
    Assert.Equal(-0.5 * s.Value * s.Value, s.LogDensity)

let ``width adaptation converges to twice the mean absolute jump`` () =
    let start = Slice.initialWidth 1.0

    let after9 =
        Seq.fold (fun w i -> Slice.adaptWidth w 0.0 (if i % 2 = 0 then 1.5 else -1.5)) start [ 1..9 ]

    Assert.Equal(1.0, after9.Width)
    let after10 = Slice.adaptWidth after9 0.0 1.5
    Assert.Equal(3.0, after10.Width, 12)

let ``an adapted width samples a wide normal with fewer evaluations`` () =
    let f x = Normal.PDFLn(0.0, 50.0, x)
    let r = rng 58
    let mutable w = Slice.initialWidth 0.1
    let mutable x = 0.0

    for _ in 1..500 do
        let s = Slice.step r f w.Width 10 x
        w <- Slice.adaptWidth w x s.Value
        x <- s.Value

    let _, evalsSmall = run 59 f 0.1 2000 x
    let _, evalsAdapted = run 59 f w.Width 2000 x

    Assert.True(
        evalsAdapted < evalsSmall,
        $"adapted width {w.Width}: {evalsAdapted} evaluations vs {evalsSmall} with width 0.1"
    )

let ``stepFrom with the known log density matches step with one evaluation fewer`` () =
    let f x = Normal.PDFLn(1.0, 2.0, x)
    let a = Slice.step (rng 60) f 1.5 10 0.4
    let b = Slice.stepFrom (rng 60) f 1.5 10 0.4 (f 0.4)
    Assert.Equal(a.Value, b.Value)
    Assert.Equal(a.Evaluations - 1, b.Evaluations)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.SliceTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.SliceTests"
            [
                Expecto.Tests.testCase "slice sampling a standard normal matches its CDF and mean" (fun () ->
                    ``slice sampling a standard normal matches its CDF and mean`` ())
                Expecto.Tests.testCase
                    "slice sampling a Gamma on the log scale with its Jacobian matches the Gamma"
                    (fun () -> ``slice sampling a Gamma on the log scale with its Jacobian matches the Gamma`` ())
                Expecto.Tests.testCase "slice sampling a bimodal mixture visits both modes in proportion" (fun () ->
                    ``slice sampling a bimodal mixture visits both modes in proportion`` ())
                Expecto.Tests.testCase
                    "slice sampling a half-normal never leaves the region of finite density"
                    (fun () -> ``slice sampling a half-normal never leaves the region of finite density`` ())
                Expecto.Tests.testCase "a NaN log density is treated as outside the support" (fun () ->
                    ``a NaN log density is treated as outside the support`` ())
                Expecto.Tests.testCase "the same seed gives the same draws" (fun () ->
                    ``the same seed gives the same draws`` ())
                Expecto.Tests.testCase "starting at minus infinity density is rejected" (fun () ->
                    ``starting at minus infinity density is rejected`` ())
                Expecto.Tests.testCase "evaluation count includes stepping out and shrinkage" (fun () ->
                    ``evaluation count includes stepping out and shrinkage`` ())
                Expecto.Tests.testCase "width adaptation converges to twice the mean absolute jump" (fun () ->
                    ``width adaptation converges to twice the mean absolute jump`` ())
                Expecto.Tests.testCase "an adapted width samples a wide normal with fewer evaluations" (fun () ->
                    ``an adapted width samples a wide normal with fewer evaluations`` ())
                Expecto.Tests.testCase
                    "stepFrom with the known log density matches step with one evaluation fewer"
                    (fun () -> ``stepFrom with the known log density matches step with one evaluation fewer`` ())
            ])
