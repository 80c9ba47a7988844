/// The Pólya-Gamma sampler against closed forms: mean, variance (checked against the defining series) and the
/// Laplace transform, over shapes b and tilts c from 0 to 50. Tolerances are 4 Monte Carlo standard errors.
module HierFunctional.Tests.Gibbs.PolyaGammaSamplerTests

open System
open HierFunctional.TestShim
open MathNet.Numerics.Statistics
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.MonteCarlo

let private draws = 10000

let private shapes = [ 1; 3; 20 ]
let private tilts = [ 0.0; 1e-6; 0.5; 2.0; 10.0; 50.0 ]

/// E[PG(b, c)] = b/(2c)·tanh(c/2), with the limit b/4 as c → 0 (series form below c = 1e-4).
let pgMean (b: float) (c: float) =
    if abs c < 1e-4 then
        b * (0.25 - c * c / 48.0)
    else
        b / (2.0 * c) * tanh (0.5 * c)

/// Var[PG(b, c)] = b/(4c³)·(sinh c − c)·sech²(c/2) = b/(2c³)·(sinh c − c)/(1 + cosh c), limit b/24 as c → 0.
/// (Written with 4c³ and 1/(1 + cosh c) the formula is half the variance: sech²(c/2) = 2/(1 + cosh c).)
let pgVariance (b: float) (c: float) =
    if abs c < 1e-3 then
        b * (1.0 / 24.0 - c * c / 240.0)
    else
        let sech = 1.0 / cosh (0.5 * c)
        b / (4.0 * c * c * c) * (sinh c - c) * sech * sech

/// The variance from the defining series PG(b, c) = (1/2π²) Σ_k g_k / ((k − 1/2)² + c²/4π²), g_k ~ Gamma(b, 1):
/// Var = b/(4π⁴) Σ_k 1/((k − 1/2)² + c²/4π²)², summed far enough that the tail is below 1e-12.
let private seriesVariance (b: float) (c: float) =
    let d = c * c / (4.0 * Math.PI ** 2.0)

    let sum =
        Array.init 20000 (fun k -> let h = float k + 0.5 in 1.0 / ((h * h + d) * (h * h + d)))
        |> Array.sum

    b / (4.0 * Math.PI ** 4.0) * sum

let ``the Polya-Gamma variance closed form agrees with its defining series`` () =
    for b in [ 1.0; 3.0 ] do
        for c in [ 0.0; 1e-6; 0.5; 2.0; 10.0; 50.0 ] do
            let closed, series = pgVariance b c, seriesVariance b c
            Assert.True(abs (closed - series) < 1e-9 * series, $"b={b}, c={c}: closed {closed} vs series {series}")

let private sample (b: int) (c: float) (seed: int) =
    let r = rng seed
    // b = 20 costs 20 PG(1) terms per draw; a quarter of the draws keeps the test fast (its MCSE says so)
    Array.init (if b > 3 then draws / 4 else draws) (fun _ -> Special.polyaGamma r b c)

/// One fixed-seed sample per (b, c), shared by the mean and variance checks.
let private samples =
    lazy
        (Map.ofList
            [
                for b in shapes do
                    for c in tilts -> (b, c), sample b c (1000 + b)
            ])

let ``Polya-Gamma draws have mean b over 2c times tanh of c over 2 within 4 MCSE`` () =
    for b in shapes do
        for c in tilts do
            assertMean $"PG({b}, {c}) mean" (pgMean (float b) c) samples.Value.[(b, c)]

let ``Polya-Gamma draws have the closed-form variance within 4 MCSE`` () =
    for b in shapes do
        for c in tilts do
            let xs = samples.Value.[(b, c)]
            let m = Statistics.Mean xs
            let v = Statistics.Variance xs
            // MCSE of a sample variance of iid draws: sqrt((μ4 − σ⁴)/n) with the sample fourth central moment.
            let m4 = xs |> Array.averageBy (fun x -> let d = (x - m) * (x - m) in d * d)

            assertWithin4Mcse
                $"PG({b}, {c}) variance"
                (pgVariance (float b) c)
                (v, sqrt ((m4 - v * v) / float xs.Length))

let ``Polya-Gamma draws reproduce the Laplace transform cosh(c/2)^b over cosh(sqrt(c^2+t^2)/2)^b`` () =
    for b in [ 1; 3 ] do
        for c in [ 0.0; 2.0; 10.0 ] do
            let xs = sample b c (3000 + b)

            for t in [ 0.5; 2.0; 5.0 ] do
                let exact = (cosh (0.5 * c) / cosh (0.5 * sqrt (c * c + t * t))) ** float b

                assertMean
                    $"PG({b}, {c}) Laplace transform at t={t}"
                    exact
                    (xs |> Array.map (fun w -> exp (-0.5 * w * t * t)))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.PolyaGammaSamplerTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.PolyaGammaSamplerTests"
            [
                Expecto.Tests.testCase "the Polya-Gamma variance closed form agrees with its defining series" (fun () ->
                    ``the Polya-Gamma variance closed form agrees with its defining series`` ())
                Expecto.Tests.testCase
                    "Polya-Gamma draws have mean b over 2c times tanh of c over 2 within 4 MCSE"
                    (fun () -> ``Polya-Gamma draws have mean b over 2c times tanh of c over 2 within 4 MCSE`` ())
                Expecto.Tests.testCase "Polya-Gamma draws have the closed-form variance within 4 MCSE" (fun () ->
                    ``Polya-Gamma draws have the closed-form variance within 4 MCSE`` ())
                Expecto.Tests.testCase
                    "Polya-Gamma draws reproduce the Laplace transform cosh(c/2)^b over cosh(sqrt(c^2+t^2)/2)^b"
                    (fun () ->
                        ``Polya-Gamma draws reproduce the Laplace transform cosh(c/2)^b over cosh(sqrt(c^2+t^2)/2)^b`` ())
            ])
