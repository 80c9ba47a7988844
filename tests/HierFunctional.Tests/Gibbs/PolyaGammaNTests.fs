/// PG(n, c) for large n (`PolyaGammaN`): the approximate series against the closed-form mean, variance and Laplace
/// transform of PG(n, c) and, two-sample, against the exact sum of n PG(1, c) draws, for n from 1 to 2,000 and c from
/// 0 to 10. Tolerances are 4 MCSE (moments) or the KS critical value at α = 0.001; the draws' stated Kolmogorov bound
/// is checked to hold where the series is used.
module HierFunctional.Tests.Gibbs.PolyaGammaNTests

open System
open HierFunctional.TestShim
open MathNet.Numerics.Statistics
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.MonteCarlo
open HierFunctional.Tests.Gibbs.PolyaGammaSamplerTests

let private shapes = [ 1; 2; 10; 100; 2000 ]
let private tilts = [ 0.0; 0.5; 2.0; 10.0 ]
let private draws = 8000

/// One fixed-seed sample per (n, c), shared by the moment checks.
let private samples =
    lazy
        (Map.ofList
            [
                for n in shapes do
                    for c in tilts ->
                        let r = rng (4000 + n + int (10.0 * c))
                        (n, c), Array.init draws (fun _ -> PolyaGammaN.draw r n c)
            ])

let ``PG(n, c) draws have mean n over 2c times tanh of c over 2 within 4 MCSE for n up to 2000`` () =
    for n in shapes do
        for c in tilts do
            assertMean $"PG({n}, {c}) mean" (pgMean (float n) c) samples.Value.[(n, c)]

let ``PG(n, c) draws have the closed-form variance within 4 MCSE for n up to 2000`` () =
    for n in shapes do
        for c in tilts do
            let xs = samples.Value.[(n, c)]
            let m = Statistics.Mean xs
            let v = Statistics.Variance xs
            let m4 = xs |> Array.averageBy (fun x -> let d = (x - m) * (x - m) in d * d)

            assertWithin4Mcse
                $"PG({n}, {c}) variance"
                (pgVariance (float n) c)
                (v, sqrt ((m4 - v * v) / float xs.Length))

let ``PG(n, c) draws reproduce the Laplace transform (cosh(c/2) over cosh(sqrt(c^2/4 + s/2)))^n`` () =
    for n in [ 100; 2000 ] do
        for c in [ 0.0; 2.0 ] do
            let xs = samples.Value.[(n, c)]
            let mean = pgMean (float n) c

            // s of order 1/E[ω] keeps the transform between e^-3 and e^-0.5, where it says most about the shape
            for k in [ 0.5; 1.0; 3.0 ] do
                let s = k / mean
                let exact = (cosh (0.5 * c) / cosh (sqrt (0.25 * c * c + 0.5 * s))) ** float n

                assertMean $"PG({n}, {c}) Laplace transform at s={s}" exact (xs |> Array.map (fun w -> exp (-s * w)))

/// Two-sample Kolmogorov–Smirnov statistic.
let private ks2 (a: float[]) (b: float[]) =
    let a, b = Array.sort a, Array.sort b
    let mutable i, j, d = 0, 0, 0.0

    while i < a.Length && j < b.Length do
        if a.[i] <= b.[j] then i <- i + 1 else j <- j + 1
        d <- max d (abs (float i / float a.Length - float j / float b.Length))

    d

let ``PG(n, c) series draws and exact sums of n PG(1, c) draws pass a two-sample KS test`` () =
    for n, c in [ 100, 0.0; 100, 2.0; 2000, 0.5 ] do
        let m = if n > 1000 then 1500 else 4000
        let r = rng (7000 + n)
        let approx = Array.init m (fun _ -> PolyaGammaN.draw r n c)
        let exact = Array.init m (fun _ -> Special.polyaGamma r n c)
        let d = ks2 approx exact
        // two samples of m each: critical value √(ln(2/α)/2)·√(2/m)
        let critical = ksCritical001 m * sqrt 2.0
        Assert.True(d < critical, $"PG({n}, {c}): two-sample KS {d} ≥ {critical}")

let ``the series is used above the exact limit and reaches its stated Kolmogorov bound`` () =
    for n in [ 13; 100; 2000 ] do
        for c in [ 0.0; 0.5; 2.0; 10.0; 30.0 ] do
            match PolyaGammaN.terms n c with
            | ValueSome(struct (k, bound)) ->
                Assert.True(bound <= PolyaGammaN.Tolerance, $"PG({n}, {c}): bound {bound} with {k} terms")
                Assert.True(k >= 16, $"PG({n}, {c}): {k} terms")
            | ValueNone -> Assert.True(c >= 30.0, $"PG({n}, {c}): no term count reaches the bound")

    Assert.True(PolyaGammaN.mayApproximate 13)
    Assert.False(PolyaGammaN.mayApproximate PolyaGammaN.ExactUpTo)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.Gibbs.PolyaGammaNTests"
        [
            Expecto.Tests.testCase
                "PG(n, c) draws have mean n over 2c times tanh of c over 2 within 4 MCSE for n up to 2000"
                (fun () ->
                    ``PG(n, c) draws have mean n over 2c times tanh of c over 2 within 4 MCSE for n up to 2000`` ())
            Expecto.Tests.testCase
                "PG(n, c) draws have the closed-form variance within 4 MCSE for n up to 2000"
                (fun () -> ``PG(n, c) draws have the closed-form variance within 4 MCSE for n up to 2000`` ())
            Expecto.Tests.testCase
                "PG(n, c) draws reproduce the Laplace transform (cosh(c/2) over cosh(sqrt(c^2/4 + s/2)))^n"
                (fun () ->
                    ``PG(n, c) draws reproduce the Laplace transform (cosh(c/2) over cosh(sqrt(c^2/4 + s/2)))^n`` ())
            Expecto.Tests.testCase
                "PG(n, c) series draws and exact sums of n PG(1, c) draws pass a two-sample KS test"
                (fun () -> ``PG(n, c) series draws and exact sums of n PG(1, c) draws pass a two-sample KS test`` ())
            Expecto.Tests.testCase
                "the series is used above the exact limit and reaches its stated Kolmogorov bound"
                (fun () -> ``the series is used above the exact limit and reaches its stated Kolmogorov bound`` ())
        ]
