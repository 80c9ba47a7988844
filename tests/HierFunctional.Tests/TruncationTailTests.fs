/// Truncations whose mass underflows a double (BUGS's `T(, 0.9999)` on a Beta with a large shape, a Normal cut at 40
/// sd): the log-mass stays finite and matches closed forms or quadrature, the truncated log-density stays finite,
/// and draws follow the truncated distribution.
module HierFunctional.Tests.TruncationTailTests

open System
open HierFunctional.TestShim
open MathNet.Numerics
open HierFunctional
open HierFunctional.Tests.Gibbs.MonteCarlo
open type Distributions

/// log Φ(z) for z ≤ −30 from the asymptotic series φ(z)/|z| · Σ (−1)ᵏ (2k − 1)!! / z²ᵏ to the z⁻¹² term.
let private logPhiSeries (z: float) =
    let r = 1.0 / (z * z)

    let series =
        1.0 - r + 3.0 * r ** 2.0 - 15.0 * r ** 3.0 + 105.0 * r ** 4.0 - 945.0 * r ** 5.0
        + 10395.0 * r ** 6.0

    -0.5 * z * z - log (-z) - 0.5 * log (2.0 * Math.PI) + log series

/// Student-t tail beyond |t| ≫ √ν: C ν^((ν+1)/2) |t|^(−ν) / ν, with relative error O(ν²/t²).
let private logStudentTail (nu: float) (t: float) =
    SpecialFunctions.GammaLn((nu + 1.0) / 2.0)
    - 0.5 * log (nu * Math.PI)
    - SpecialFunctions.GammaLn(nu / 2.0)
    + (nu + 1.0) / 2.0 * log nu
    - nu * log (abs t)
    - log nu

/// log I_u(a, b) by quadrature of the Beta kernel relative to its value at u, over h = u − t in [0, steps·scale]
/// (all of the mass when the kernel rises steeply to u; h is integrated in units of `scale` so the quadrature's
/// absolute tolerance is a relative one).
let private logBetaLowerByQuadrature (a: float) (b: float) (u: float) (scale: float) (steps: float) =
    let relative (s: float) =
        let h = s * scale
        exp ((a - 1.0) * Math.Log(1.0 - h / u) + (b - 1.0) * Math.Log(1.0 + h / (1.0 - u)))

    let top = (a - 1.0) * log u + (b - 1.0) * log (1.0 - u)
    let integral = scale * Integrate.OnClosedInterval(relative, 0.0, steps, 1e-14)
    top + log integral - SpecialFunctions.BetaLn(a, b)

/// (name, parent, arguments, lower, upper, reference log-mass from a closed form or quadrature).
let private extremes: (string * Dist * float[] * float * float * float) list =
    [
        "Normal T(40, )", Normal(0.0, 1.0), [| 0.0; 1.0 |], 40.0, infinity, logPhiSeries -40.0
        "Normal T(, -40)", Normal(0.0, 1.0), [| 0.0; 1.0 |], -infinity, -40.0, logPhiSeries -40.0
        "Normal(3, 0.5) T(, -20)", Normal(0.0, 1.0), [| 3.0; 0.5 |], -infinity, -20.0, logPhiSeries -46.0
        "HalfNormal(1) T(40, )", HalfNormal 1.0, [| 1.0 |], 40.0, infinity, log 2.0 + logPhiSeries -40.0
        "LogNormal(0, 1) T(, 1e-200)", LogNormal(0.0, 1.0), [| 0.0; 1.0 |], -infinity, 1e-200, logPhiSeries (log 1e-200)
        "Exponential(1) T(800, )", Exponential 1.0, [| 1.0 |], 800.0, infinity, -800.0
        // Q(3, x) = e^(−x) (1 + x + x²/2) for integer shape 3
        "Gamma(3, 1) T(800, )", Gamma(3.0, 1.0), [| 3.0; 1.0 |], 800.0, infinity, -800.0 + log (1.0 + 800.0 + 320000.0)
        // P(3, x) = x³/6 · (1 − 3x/4 + …) for x → 0
        "Gamma(3, 1) T(, 1e-120)", Gamma(3.0, 1.0), [| 3.0; 1.0 |], -infinity, 1e-120, 3.0 * log 1e-120 - log 6.0
        // F(x) = Q(3, 1/x) for InverseGamma(3, 1)
        "InverseGamma(3, 1) T(, 0.001)",
        InverseGamma(3.0, 1.0),
        [| 3.0; 1.0 |],
        -infinity,
        0.001,
        -1000.0 + log (1.0 + 1000.0 + 500000.0)
        // I_x(a, 1) = xᵃ and 1 − I_x(1, b) = (1 − x)ᵇ
        "Beta(1e7, 1) T(, 0.9999)", Beta(1.0, 1.0), [| 1e7; 1.0 |], -infinity, 0.9999, 1e7 * log 0.9999
        "Beta(1, 1e7) T(0.01, )", Beta(1.0, 1.0), [| 1.0; 1e7 |], 0.01, infinity, 1e7 * Math.Log(1.0 - 0.01)
        "Beta(1e7, 5) T(, 0.9999)",
        Beta(1.0, 1.0),
        [| 1e7; 5.0 |],
        -infinity,
        0.9999,
        logBetaLowerByQuadrature 1e7 5.0 0.9999 1e-7 100.0
        "StudentT(30, 0, 1) T(, -1e12)",
        StudentT(30.0, 0.0, 1.0),
        [| 30.0; 0.0; 1.0 |],
        -infinity,
        -1e12,
        logStudentTail 30.0 -1e12
        "HalfStudentT(30, 1) T(1e12, )",
        HalfStudentT(30.0, 1.0),
        [| 30.0; 1.0 |],
        1e12,
        infinity,
        log 2.0 + logStudentTail 30.0 -1e12
        "Cauchy(0, 1) T(, -1e300)", Cauchy(0.0, 1.0), [| 0.0; 1.0 |], -infinity, -1e300, log (1e-300 / Math.PI)
        "HalfCauchy(1) T(1e300, )", HalfCauchy 1.0, [| 1.0 |], 1e300, infinity, log (2e-300 / Math.PI)
    ]

let ``the log-mass of a truncation whose mass underflows matches its closed form or quadrature`` () =
    for name, d, a, lo, hi, reference in extremes do
        // every case lies beyond 1e-300, where the direct F(upper) − F(lower) underflows to 0 (log 0 = −∞) or has
        // lost its digits
        Assert.True(reference < -690.0, $"{name}: not an extreme case ({reference})")
        let actual = Truncation.logMass d a lo hi
        Assert.True(abs (actual - reference) < 1e-9 * abs reference, $"{name}: {actual} vs {reference}")

let ``the log-mass agrees with the direct formula wherever the mass is representable`` () =
    for name, d, _, cdf, lo, hi in TruncationTests.cases do
        let a =
            Dist.arguments d
            |> List.map (snd >> Expr.tryConstant >> Option.get)
            |> Array.ofList

        for l, u in [ lo, hi; -infinity, hi; lo, infinity ] do
            let direct =
                log (
                    (if Double.IsPositiveInfinity u then 1.0 else cdf u)
                    - (if Double.IsNegativeInfinity l then 0.0 else cdf l)
                )

            let actual = Truncation.logMass d a l u
            Assert.True(abs (actual - direct) < 1e-9 * (1.0 + abs direct), $"{name} T({l}, {u}): {actual} vs {direct}")

let ``the standard normal log-CDF matches the series far in the tail and MathNet in the bulk`` () =
    for z in [ -30.0; -38.0; -100.0; -1e5 ] do
        let reference = logPhiSeries z
        Assert.True(abs (LogTails.logPhi z - reference) < 1e-12 * abs reference, $"z = {z}")

    for z in [ -37.0; -20.0; -5.0; -1.0; 0.0; 0.5; 3.0; 8.0 ] do
        // above 0, log Φ(z) = log1p(−Φ(−z)): the direct log Φ(z) has lost the digits of a value close to 0
        let reference =
            if z > 0.0 then
                SpecialFunctions.Log1p(-MathNet.Numerics.Distributions.Normal.CDF(0.0, 1.0, -z))
            else
                log (MathNet.Numerics.Distributions.Normal.CDF(0.0, 1.0, z))

        Assert.True(abs (LogTails.logPhi z - reference) < 1e-12 * (1e-300 + abs reference), $"z = {z}")

let ``a Beta truncated at 0.9999 under a large shape has a finite log-density (BUGS litters)`` () =
    let d = TruncatedAbove(Beta(1e7, 5.0), 0.9999)
    let args = [ 1e7; 5.0; 0.9999 ] |> List.map Value.Scalar
    let at x = Density.logPdf d args (Value.Scalar x)
    Assert.True(Double.IsFinite(at 0.99989), $"{at 0.99989}")
    Assert.True(Double.IsFinite(at 0.9999), $"{at 0.9999}")
    // the density at 0.99989 relative to 0.9999: (a − 1)·log(0.99989/0.9999) + (b − 1)·log(0.00011/0.0001)
    let ratio = 9999999.0 * log (0.99989 / 0.9999) + 4.0 * log (0.00011 / 0.0001)
    Assert.True(abs (at 0.99989 - at 0.9999 - ratio) < 1e-6, $"{at 0.99989 - at 0.9999} vs {ratio}")

let ``draws beyond the representable tail follow the truncated distribution`` () =
    let rng = rng 29
    let n = 3000
    // Exponential(1) T(800, ): x − 800 is Exponential(1) (memoryless)
    let xs =
        Array.init n (fun _ -> Truncation.draw rng (Exponential 1.0) [| 1.0 |] 800.0 infinity)

    let ks = ksStatistic (fun x -> -SpecialFunctions.Expm1(-(x - 800.0))) xs
    Assert.True(ks < ksCritical001 n, $"Exponential T(800, ): KS {ks}")
    // Beta(1e7, 1) T(, 0.9999): F(x | x ≤ u) = (x/u)ᵃ
    let ys =
        Array.init n (fun _ -> Truncation.draw rng (Beta(1.0, 1.0)) [| 1e7; 1.0 |] -infinity 0.9999)

    Assert.True(ys |> Array.forall (fun y -> y <= 0.9999 && y > 0.999), "a Beta draw left the truncation")
    let ks = ksStatistic (fun y -> exp (1e7 * log (y / 0.9999))) ys
    Assert.True(ks < ksCritical001 n, $"Beta T(, 0.9999): KS {ks}")
    // Normal T(40, ): mean λ = φ(c)/Φ(−c) = c / series, variance 1 + cλ − λ²
    let c = 40.0
    let lambda = exp (-0.5 * c * c - 0.5 * log (2.0 * Math.PI) - logPhiSeries -c)
    let variance = 1.0 + c * lambda - lambda * lambda

    let zs =
        Array.init n (fun _ -> Truncation.draw rng (Normal(0.0, 1.0)) [| 0.0; 1.0 |] c infinity)

    let mcse = sqrt (variance / float n)
    Assert.True(zs |> Array.forall (fun z -> z >= c), "a Normal draw left the truncation")
    Assert.True(abs (Array.average zs - lambda) < 4.0 * mcse, $"mean {Array.average zs} vs {lambda} (MCSE {mcse})")

let ``draws in a Gamma's upper tail and an InverseGamma's lower tail keep their precision`` () =
    let rng = rng 31
    let n = 3000
    // Q(k, x) = e^(−x) Σ_{j<k} xʲ/j! for integer k; log-space ratios avoid e^(−x)
    let logQ (k: int) (x: float) =
        log (Seq.sum (seq { for j in 0 .. k - 1 -> exp (float j * log x - SpecialFunctions.GammaLn(float j + 1.0)) }))
        - x

    let check name (xs: float[]) (mean: float) (second: float) =
        let sd = sqrt (second - mean * mean)
        let mcse = sd / sqrt (float n)
        Assert.True(xs |> Array.forall Double.IsFinite, $"{name}: a draw was not finite")

        Assert.True(
            abs (Array.average xs - mean) < 4.0 * mcse,
            $"{name}: mean {Array.average xs} vs {mean} (MCSE {mcse})"
        )

    // Gamma(3, 1) T(40, ): E[X | X > c] = 3 Q(4, c)/Q(3, c), E[X²| X > c] = 12 Q(5, c)/Q(3, c)
    let c = 40.0

    let xs =
        Array.init n (fun _ -> Truncation.draw rng (Gamma(1.0, 1.0)) [| 3.0; 1.0 |] c infinity)

    Assert.True(xs |> Array.forall (fun x -> x >= c), "a Gamma draw left the truncation")
    check "Gamma(3, 1) T(40, )" xs (3.0 * exp (logQ 4 c - logQ 3 c)) (12.0 * exp (logQ 5 c - logQ 3 c))
    // InverseGamma(4, 1) T(, 0.01): X = 1/Y, Y ~ Gamma(4, 1) T(100, ); E[X] = Q(3, 100)/(3 Q(4, 100)),
    // E[X²] = Q(2, 100)/(6 Q(4, 100))
    let ys =
        Array.init n (fun _ -> Truncation.draw rng (InverseGamma(1.0, 1.0)) [| 4.0; 1.0 |] -infinity 0.01)

    Assert.True(ys |> Array.forall (fun y -> y > 0.0 && y <= 0.01), "an InverseGamma draw left the truncation")

    check
        "InverseGamma(4, 1) T(, 0.01)"
        ys
        (exp (logQ 3 100.0 - logQ 4 100.0) / 3.0)
        (exp (logQ 2 100.0 - logQ 4 100.0) / 6.0)

let ``a truncated Beta with a tiny shape never draws the edge of its support (BUGS litters)`` () =
    // Regression: Beta(0.001, 5) T(, 0.9999) has its quantile underflow to 0 for about half of all uniforms; p = 0
    // has log-density +∞ under Beta(a < 1, b), and litters' mu slice stopped on it.
    let rng = rng 37
    let d = TruncatedAbove(Beta(1e-3, 5.0), 0.9999)
    let args = [ 1e-3; 5.0; 0.9999 ] |> List.map Value.Scalar

    for _ in 1..1000 do
        let p = Truncation.draw rng (Beta(1.0, 1.0)) [| 1e-3; 5.0 |] -infinity 0.9999
        Assert.True(p > 0.0 && p <= 0.9999, $"draw {p}")
        let lp = Density.logPdf d args (Value.Scalar p)
        Assert.True(Double.IsFinite lp, $"log-density {lp} at {p}")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.TruncationTailTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.TruncationTailTests"
            [
                Expecto.Tests.testCase
                    "the log-mass of a truncation whose mass underflows matches its closed form or quadrature"
                    (fun () ->
                        ``the log-mass of a truncation whose mass underflows matches its closed form or quadrature`` ())
                Expecto.Tests.testCase
                    "the log-mass agrees with the direct formula wherever the mass is representable"
                    (fun () -> ``the log-mass agrees with the direct formula wherever the mass is representable`` ())
                Expecto.Tests.testCase
                    "the standard normal log-CDF matches the series far in the tail and MathNet in the bulk"
                    (fun () ->
                        ``the standard normal log-CDF matches the series far in the tail and MathNet in the bulk`` ())
                Expecto.Tests.testCase
                    "a Beta truncated at 0.9999 under a large shape has a finite log-density (BUGS litters)"
                    (fun () ->
                        ``a Beta truncated at 0.9999 under a large shape has a finite log-density (BUGS litters)`` ())
                Expecto.Tests.testCase
                    "draws beyond the representable tail follow the truncated distribution"
                    (fun () -> ``draws beyond the representable tail follow the truncated distribution`` ())
                Expecto.Tests.testCase
                    "draws in a Gamma's upper tail and an InverseGamma's lower tail keep their precision"
                    (fun () ->
                        ``draws in a Gamma's upper tail and an InverseGamma's lower tail keep their precision`` ())
                Expecto.Tests.testCase
                    "a truncated Beta with a tiny shape never draws the edge of its support (BUGS litters)"
                    (fun () ->
                        ``a truncated Beta with a tiny shape never draws the edge of its support (BUGS litters)`` ())
            ])
