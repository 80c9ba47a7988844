module HierFunctional.Tests.Gibbs.SpecialTests

open System
open HierFunctional.TestShim
open MathNet.Numerics
open MathNet.Numerics.Distributions
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.MonteCarlo

let private n = 20000

/// GIG(λ, χ, ψ) mean by trapezoid quadrature over u = log x, where the density exp(λu − (χe^(−u) + ψe^u)/2) is
/// log-concave, so a grid out to where the density has fallen by e^60 holds all the mass.
let private gigMeanByQuadrature (lambda: float) (chi: float) (psi: float) =
    let logDens u =
        lambda * u - 0.5 * (chi * exp -u + psi * exp u)

    let mode =
        // root of λ + χe^(−u)/2 − ψe^u/2 = 0, in the form free of cancellation for the sign of λ
        let root = sqrt (lambda * lambda + chi * psi)

        if lambda >= 0.0 then
            log ((lambda + root) / psi)
        else
            log (chi / (root - lambda))

    let peak = logDens mode
    // walk out from the mode, doubling the step, until the density has dropped by e^60 on each side
    let reach dir =
        let mutable d = min 1.0 (1.0 / sqrt (0.5 * (chi * exp -mode + psi * exp mode)))

        while logDens (mode + dir * d) > peak - 60.0 do
            d <- 2.0 * d

        d

    let lo, hi = mode - reach -1.0, mode + reach 1.0
    let m = 40001
    let h = (hi - lo) / float (m - 1)
    let us = Array.init m (fun i -> lo + float i * h)
    let w = us |> Array.map (fun u -> exp (logDens u - peak))
    Array.fold2 (fun acc wi u -> acc + wi * exp u) 0.0 w us / Array.sum w

/// GIG mean √(χ/ψ)·K_{λ+1}(ω)/K_λ(ω), ω = √(χψ), from MathNet's exponentially scaled Bessel K.
let private gigMeanByBessel (lambda: float) (chi: float) (psi: float) =
    let omega = sqrt (chi * psi)

    sqrt (chi / psi) * SpecialFunctions.BesselKScaled(lambda + 1.0, omega)
    / SpecialFunctions.BesselKScaled(lambda, omega)

let ``GIG mean by quadrature agrees with the Bessel closed form`` () =
    for lambda, chi, psi in
        [
            -10.5, 3.0, 0.25
            0.3, 0.05, 0.1
            1.5, 2.0, 0.5
            -2.0, 1.0, 4.0
            4.0, 10.0, 0.1
        ] do
        let q, b = gigMeanByQuadrature lambda chi psi, gigMeanByBessel lambda chi psi
        Assert.True(abs (q - b) < 1e-7 * b, $"GIG({lambda}, {chi}, {psi}): quadrature {q}, Bessel {b}")

let gigCases: obj[] seq =
    [
        -0.5 - 10.0 / 2.0, 7.0, 0.25 // HalfNormal update with n = 10
        -0.5 - 100.0 / 2.0, 90.0, 1.0 // HalfNormal update with n = 100
        0.3, 0.05, 0.1 // Type 4 region (small λ and ω)
        0.0, 1e-3, 1e-3 // λ = 0
        0.5, 1.0, 1.0
        1.5, 2.0, 0.5
        5.0, 1e-9, 2.0 // χ tiny: near Gamma
        -5.0, 2.0, 1e-10 // ψ tiny: near inverse Gamma
        0.7, 1e-12, 3.0 // ω below 1e-6, λ < 1
        2.5, 1e6, 1e-6
        1.0, 1e4, 1e4 // ω huge
        500.0, 1.0, 1.0
        -500.0, 3.0, 0.01
        200.0, 1e-8, 1e-8
    ]
    |> Seq.map (fun (l, c, p) -> [| box l; box c; box p |])

let ``GIG draws have the closed-form mean`` (lambda: float, chi: float, psi: float) =
    let r = rng 21
    let xs = Array.init n (fun _ -> Special.gig r lambda chi psi)
    Assert.True(xs |> Array.forall (fun x -> x > 0.0 && Double.IsFinite x), "every GIG draw is positive and finite")
    assertMean $"GIG({lambda}, {chi}, {psi})" (gigMeanByQuadrature lambda chi psi) xs

/// GIG(λ, χ, ψ) CDF by cumulative trapezoid sums over u = log x, on the same log-concave grid as the mean.
let private gigCdfByQuadrature (lambda: float) (chi: float) (psi: float) =
    let logDens u =
        lambda * u - 0.5 * (chi * exp -u + psi * exp u)

    let root = sqrt (lambda * lambda + chi * psi)

    let mode =
        if lambda >= 0.0 then
            log ((lambda + root) / psi)
        else
            log (chi / (root - lambda))

    let peak = logDens mode

    let reach dir =
        let mutable d = min 1.0 (1.0 / sqrt (0.5 * (chi * exp -mode + psi * exp mode)))

        while logDens (mode + dir * d) > peak - 60.0 do
            d <- 2.0 * d

        d

    let lo, hi = mode - reach -1.0, mode + reach 1.0
    let m = 40001
    let h = (hi - lo) / float (m - 1)
    let w = Array.init m (fun i -> exp (logDens (lo + float i * h) - peak))
    let cum = Array.scan (+) 0.0 w

    fun (x: float) ->
        let pos = (log x - lo) / h

        if pos <= 0.0 then
            0.0
        elif pos >= float (m - 1) then
            1.0
        else
            let i = int pos
            (cum[i] + (pos - float i) * w[i]) / cum[m]

let ``GIG draws follow the GIG CDF across extreme parameters`` () =
    // 63 KS tests, each at α = 0.001/63 so the whole grid has a false-alarm rate of at most 0.001 (Bonferroni)
    let grid =
        [
            for l in [ -500.0; -5.0; -0.5; 0.0; 0.5; 5.0; 500.0 ] do
                for c in [ 1e-10; 1.0; 1e10 ] do
                    for p in [ 1e-10; 1.0; 1e10 ] -> l, c, p
        ]

    let r = rng 23
    let count = 2000
    let critical = ksCritical (0.001 / float grid.Length) count

    for lambda, chi, psi in grid do
        let xs = Array.init count (fun _ -> Special.gig r lambda chi psi)
        let d = ksStatistic (gigCdfByQuadrature lambda chi psi) xs
        Assert.True(d < critical, $"GIG({lambda}, {chi}, {psi}): KS D = {d}, critical {critical}")

let ``GIG with chi zero is the Gamma and with psi zero the inverse Gamma`` () =
    let r = rng 22
    assertMean "GIG(2, 0, 3)" (2.0 / 1.5) (Array.init n (fun _ -> Special.gig r 2.0 0.0 3.0))
    assertMean "GIG(-3, 4, 0)" (2.0 / 2.0) (Array.init n (fun _ -> Special.gig r -3.0 4.0 0.0))

    Assert.Throws<ArgumentException>(fun () -> Special.gig r -1.0 0.0 1.0 |> ignore)
    |> ignore

/// PG(b, c) mean (b/(2c))·tanh(c/2) (b/4 at c = 0) and variance b/(4c³)·(sinh c − c)/cosh²(c/2) (b/24 at c = 0);
/// below |c| = 1e-3 the Taylor limits are used (relative error < 1e-6 there).
let private pgMoments (b: float) (c: float) =
    if abs c < 1e-3 then
        b / 4.0 * (1.0 - c * c / 12.0), b / 24.0
    else
        b / (2.0 * c) * tanh (c / 2.0), b / (4.0 * c ** 3.0) * (sinh c - c) / (cosh (c / 2.0) ** 2.0)

let pgCases: obj[] seq =
    [ 1, 0.0; 1, 1e-6; 1, 0.5; 1, 3.0; 1, 20.0; 1, -3.0; 1, 200.0; 4, 1.0; 60, 2.0 ]
    |> Seq.map (fun (b, c) -> [| box b; box c |])

let ``Polya-Gamma draws have the closed-form mean and variance`` (b: int, c: float) =
    let r = rng 31
    let draws = if b > 10 then 4000 else n
    let xs = Array.init draws (fun _ -> Special.polyaGamma r b c)
    let mean, var = pgMoments (float b) c
    assertMean $"PG({b}, {c}) mean" mean xs
    // the sample second central moment about the true mean is an average of iid terms, so its MCSE is their sd/√n
    assertMean $"PG({b}, {c}) variance" var (xs |> Array.map (fun x -> (x - mean) * (x - mean)))

let private truncatedMean (mean: float) (sd: float) lower upper =
    let a, b = (lower - mean) / sd, (upper - mean) / sd
    // the mass is taken from the nearer tail to avoid cancellation in 1 − Φ(a) for large a
    let z =
        if a > 0.0 then
            Normal.CDF(0.0, 1.0, -a) - Normal.CDF(0.0, 1.0, -b)
        else
            Normal.CDF(0.0, 1.0, b) - Normal.CDF(0.0, 1.0, a)

    let za = if Double.IsInfinity a then 0.0 else Normal.PDF(0.0, 1.0, a)
    let zb = if Double.IsInfinity b then 0.0 else Normal.PDF(0.0, 1.0, b)
    mean + sd * (za - zb) / z

let truncCases: obj[] seq =
    [
        0.0, 1.0, 0.0, infinity
        1.0, 2.0, -1.0, 0.5
        0.0, 1.0, 8.0, infinity
        0.0, 1.0, 5.0, 5.1
        2.0, 0.5, -infinity, -3.0
        0.0, 1.0, -0.1, 0.1
        0.0, 1.0, -3.0, 4.0
    ]
    |> Seq.map (fun (m, s, l, u) -> [| box m; box s; box l; box u |])

let ``truncated normal draws stay in bounds and have the closed-form mean``
    (mean: float, sd: float, lower: float, upper: float)
    =
    let r = rng 41
    let xs = Array.init n (fun _ -> Special.truncatedNormal r mean sd lower upper)
    Assert.True(xs |> Array.forall (fun x -> x >= lower && x <= upper), "all draws inside the bounds")
    // KS at α = 0.001 against the truncated CDF, computed from the nearer tail so it keeps precision far out
    let a, b = (lower - mean) / sd, (upper - mean) / sd

    let cdf x =
        let t = (x - mean) / sd

        if a > 0.0 then
            (Normal.CDF(0.0, 1.0, -a) - Normal.CDF(0.0, 1.0, -t))
            / (Normal.CDF(0.0, 1.0, -a) - Normal.CDF(0.0, 1.0, -b))
        else
            (Normal.CDF(0.0, 1.0, t) - Normal.CDF(0.0, 1.0, a))
            / (Normal.CDF(0.0, 1.0, b) - Normal.CDF(0.0, 1.0, a))

    let d = ksStatistic cdf xs
    Assert.True(d < ksCritical001 n, $"TN({mean}, {sd}; [{lower}, {upper}]): KS D = {d}, critical {ksCritical001 n}")
    assertMean $"TN({mean}, {sd}; [{lower}, {upper}])" (truncatedMean mean sd lower upper) xs

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.SpecialTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.SpecialTests"
            [
                Expecto.Tests.testCase "GIG mean by quadrature agrees with the Bessel closed form" (fun () ->
                    ``GIG mean by quadrature agrees with the Bessel closed form`` ())
                Expecto.Tests.testList
                    "GIG draws have the closed-form mean"
                    [
                        for row in gigCases ->
                            Expecto.Tests.testCase
                                (row
                                 |> Array.map (function
                                     | :? string as s -> s
                                     | x -> sprintf "%A" x)
                                 |> String.concat ", ")
                                (fun () ->
                                    ``GIG draws have the closed-form mean`` (
                                        unbox row.[0],
                                        unbox row.[1],
                                        unbox row.[2]
                                    ))
                    ]
                Expecto.Tests.testCase "GIG draws follow the GIG CDF across extreme parameters" (fun () ->
                    ``GIG draws follow the GIG CDF across extreme parameters`` ())
                Expecto.Tests.testCase "GIG with chi zero is the Gamma and with psi zero the inverse Gamma" (fun () ->
                    ``GIG with chi zero is the Gamma and with psi zero the inverse Gamma`` ())
                Expecto.Tests.testList
                    "Polya-Gamma draws have the closed-form mean and variance"
                    [
                        for row in pgCases ->
                            Expecto.Tests.testCase
                                (row
                                 |> Array.map (function
                                     | :? string as s -> s
                                     | x -> sprintf "%A" x)
                                 |> String.concat ", ")
                                (fun () ->
                                    ``Polya-Gamma draws have the closed-form mean and variance`` (
                                        unbox row.[0],
                                        unbox row.[1]
                                    ))
                    ]
                Expecto.Tests.testList
                    "truncated normal draws stay in bounds and have the closed-form mean"
                    [
                        for row in truncCases ->
                            Expecto.Tests.testCase
                                (row
                                 |> Array.map (function
                                     | :? string as s -> s
                                     | x -> sprintf "%A" x)
                                 |> String.concat ", ")
                                (fun () ->
                                    ``truncated normal draws stay in bounds and have the closed-form mean`` (
                                        unbox row.[0],
                                        unbox row.[1],
                                        unbox row.[2],
                                        unbox row.[3]
                                    ))
                    ]
            ])
