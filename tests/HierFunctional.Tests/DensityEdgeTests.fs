/// Log-densities at hostile and extreme arguments: never NaN, −∞ outside the support, closed forms far in the tails.
module HierFunctional.Tests.DensityEdgeTests

open System
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics
open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Tests.DensityGen

let private l1p (x: float) = SpecialFunctions.Log1p x

let private weirdFloat =
    Gen.oneof
        [
            between -1e3 1e3
            Gen.elements [ nan; infinity; -infinity; 0.0; -0.0; 1.0; -1.0; 1e308; -1e308; 0.5; 3.0 ]
        ]

let ``no scalar log-density returns NaN for any arguments, valid or not`` () =
    let fns: (string * (float -> float -> float -> float)) list =
        [
            "normal", LogPdf.normal
            "studentT", (fun a b x -> LogPdf.studentT a b 1.0 x)
            "cauchy", LogPdf.cauchy
            "halfNormal", (fun a _ x -> LogPdf.halfNormal a x)
            "halfCauchy", (fun a _ x -> LogPdf.halfCauchy a x)
            "halfStudentT", LogPdf.halfStudentT
            "uniform", LogPdf.uniform
            "exponential", (fun a _ x -> LogPdf.exponential a x)
            "gamma", LogPdf.gamma
            "inverseGamma", LogPdf.inverseGamma
            "logNormal", LogPdf.logNormal
            "beta", LogPdf.beta
            "bernoulli", (fun a _ x -> LogPdf.bernoulli a x)
            "binomial", LogPdf.binomial
            "betaBinomial", (fun a b x -> LogPdf.betaBinomial a b 2.0 x)
            "poisson", LogPdf.poisson
            "negativeBinomial", LogPdf.negativeBinomial
            "spikeAndSlab", LogPdf.spikeAndSlab
        ]

    Prop.forAll (Arb.fromGen (Gen.map3 (fun a b x -> a, b, x) weirdFloat weirdFloat weirdFloat)) (fun (a, b, x) ->
        fns
        |> List.forall (fun (name, f) -> not (Double.IsNaN(f a b x)) || failwith $"{name} {a} {b} {x} gave NaN"))
    |> check

let ``no vector or matrix log-density returns NaN for any arguments, valid or not`` () =
    let arr = Gen.arrayOfLength 3 weirdFloat

    Prop.forAll (Arb.fromGen (Gen.zip3 arr arr weirdFloat)) (fun (a, b, t) ->
        let m1 = Array2D.init 3 3 (fun i j -> if i = j then abs a.[i] else b.[min i j])
        let m2 = Array2D.init 3 3 (fun i j -> if i >= j then b.[i] * a.[j] else 0.0)

        let results =
            [
                LogPdf.categorical a t
                LogPdf.dirichlet a b
                LogPdf.multinomial t a b
                LogPdf.mvNormal a m1 b
                LogPdf.lkjCholesky t m2
                LogPdf.wishart t m1 m1
                LogPdf.inverseWishart t m1 m1
            ]

        results |> List.forall (Double.IsNaN >> not)
        || failwith $"NaN from {results} at {a} {b} {t}")
    |> check

let ``values outside the support have log-density minus infinity`` () =
    Assert.Equal(-infinity, LogPdf.gamma 2.0 1.0 -1.0)
    Assert.Equal(-infinity, LogPdf.beta 2.0 2.0 1.5)
    Assert.Equal(-infinity, LogPdf.binomial 10.0 0.5 11.0)
    Assert.Equal(-infinity, LogPdf.binomial 10.0 0.5 2.5)
    Assert.Equal(-infinity, LogPdf.poisson 1.0 1.0 -1.0)
    Assert.Equal(-infinity, LogPdf.categorical [| 0.5; 0.5 |] 2.0)
    Assert.Equal(-infinity, LogPdf.dirichlet [| 1.0; 1.0 |] [| 0.5; 0.6 |])
    Assert.Equal(-infinity, LogPdf.multinomial 5.0 [| 0.5; 0.5 |] [| 2.0; 2.0 |])
    Assert.Equal(-infinity, LogPdf.uniform 0.0 1.0 1.5)
    Assert.Equal(-infinity, LogPdf.mvNormal [| 0.0; 0.0 |] (array2D [ [ 1.0; 2.0 ]; [ 2.0; 1.0 ] ]) [| 0.0; 0.0 |])
    Assert.Equal(-infinity, LogPdf.lkjCholesky 2.0 (array2D [ [ 1.0; 0.0 ]; [ 0.5; 0.5 ] ]))
    Assert.Equal(-infinity, Density.logPdf (Dist.Flat Support.Positive) [] (sc -1.0))
    Assert.Equal(0.0, Density.logPdf (Dist.Flat Support.Positive) [] (sc 3.0))
    // zero trials (which MathNet's BetaBinomial rejects) put all mass on k = 0
    Assert.Equal(0.0, LogPdf.betaBinomial 0.0 2.0 3.0 0.0)
    Assert.Equal(0.0, LogPdf.binomial 0.0 0.3 0.0)

let ``binomial with a billion trials is exact at k = 0 and k = n`` () =
    for p in [ 1e-12; 0.3; 0.999 ] do
        let n = 1e9
        Assert.True(close 1e-13 (LogPdf.binomial n p 0.0) (n * l1p -p), $"k = 0, p = {p}: {LogPdf.binomial n p 0.0}")
        Assert.True(close 1e-13 (LogPdf.binomial n p n) (n * log p), $"k = n, p = {p}")
    // log C(1e9, 1) = log 1e9 exactly
    Assert.True(close 1e-13 (LogPdf.binomial 1e9 0.5 1.0) (log 1e9 + 1e9 * log 0.5))

    Assert.True(
        close
            1e-13
            (LogPdf.betaBinomial 1e9 2.0 3.0 0.0)
            (SpecialFunctions.BetaLn(2.0, 1e9 + 3.0) - SpecialFunctions.BetaLn(2.0, 3.0))
    )

let ``poisson with extreme exposures gives finite closed-form values`` () =
    Assert.Equal(-2e-12, LogPdf.poisson 2.0 1e-12 0.0)
    Assert.True(close 1e-14 (LogPdf.poisson 2.0 1e-12 1.0) (log 2e-12 - 2e-12))
    // product 1e-400 underflows, but its log does not
    Assert.True(close 1e-14 (LogPdf.poisson 1e-200 1e-200 1.0) (-400.0 * log 10.0))
    // k = μ = 3e12: by Stirling log p = −½ log(2πk) − 1/(12k) + O(k⁻³)
    let k = 3e12
    Assert.True(close 1e-14 (LogPdf.poisson 3.0 1e12 k) (-0.5 * log (2.0 * Math.PI * k) - 1.0 / (12.0 * k)))
    // away from the mode: k = μ + 2√μ gives log p ≈ −2 − ½ log(2πμ) to O(μ^−½)
    let z = 2.0
    let off = LogPdf.poisson 3.0 1e12 (k + Math.Round(z * sqrt k))
    let zr = Math.Round(z * sqrt k) / sqrt k
    Assert.True(abs (off - (-zr * zr / 2.0 - 0.5 * log (2.0 * Math.PI * k))) < 1e-5, $"{off}")
    // the general and saddle-point branches agree where they meet
    Assert.True(close 1e-12 (LogPdf.poisson 1.0 1000.0 1001.0) (Poisson.PMFLn(1000.0, 1001)))
    Assert.Equal(-3e12, LogPdf.poisson 3.0 1e12 0.0)

let ``inverse gamma stays accurate in the far left tail where MathNet's PDFLn underflows`` () =
    // MathNet 5.0 takes the log of a PDF whose factor exp(−b/x) is subnormal here and is off by 4e-7;
    // reference: a·log b − log Γ(a) − (a+1)·log x − b/x in mpmath at 40 digits (Python mpmath 1.x)
    let v = LogPdf.inverseGamma 3.422205554 9.261642992 0.01264421371
    Assert.True(close 1e-14 v -706.65198150709502990, $"{v:R}")

let ``normal with tiny and huge sd matches the closed form`` () =
    for sd in [ 1e-10; 1e10 ] do
        Assert.True(close 1e-14 (LogPdf.normal 0.0 sd sd) (-0.5 - log sd - Constants.LogSqrt2Pi))
        Assert.True(close 1e-14 (LogPdf.normal 0.0 sd (-3.0 * sd)) (-4.5 - log sd - Constants.LogSqrt2Pi))

let ``beta with extreme shape parameters stays finite and matches asymptotics`` () =
    // a = b = 1e-8: B(a, a) = 2/a − O(a), so log p(½) = −log(2/a) + 2(a − 1)·log ½ up to O(a)
    let a = 1e-8
    Assert.True(close 1e-6 (LogPdf.beta a a 0.5) (-log(2.0 / a) - 2.0 * (a - 1.0) * log 2.0))
    Assert.True(Double.IsFinite(LogPdf.beta a a 1e-300))
    // a = b = 1e8: nearly Normal(½, 1/(4(2a+1))); density at the mode ≈ √(4(2a+1)/(2π))·(1 − 1/(8a)+…)
    let b = 1e8
    let approx = 0.5 * log (4.0 * (2.0 * b + 1.0) / (2.0 * Math.PI))
    Assert.True(abs (LogPdf.beta b b 0.5 - approx) < 1e-5, $"{LogPdf.beta b b 0.5} vs {approx}")
    Assert.Equal(-infinity, LogPdf.beta b b 0.0)
    Assert.True(Double.IsFinite(LogPdf.beta 1e-8 1e8 1e-3))

let ``negative binomial matches the poisson limit and gamma-poisson mixture`` () =
    // NB2(μ, φ) = ∫ Poisson(k | λ) Gamma(λ | φ, φ/μ) dλ, checked by quadrature
    for mu, phi, k in [ 3.0, 2.0, 0.0; 3.0, 2.0, 5.0; 0.5, 10.0, 2.0 ] do
        let f = fun lam -> exp (LogPdf.poisson lam 1.0 k + LogPdf.gamma phi (phi / mu) lam)
        let mix = Integrate.DoubleExponential(Func<_, _>(f), 0.0, 200.0, 1e-13)
        Assert.True(close 1e-9 (LogPdf.negativeBinomial mu phi k) (log mix), $"{mu} {phi} {k}")

    Assert.True(close 1e-6 (LogPdf.negativeBinomial 4.0 1e9 3.0) (LogPdf.poisson 4.0 1.0 3.0))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.DensityEdgeTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.DensityEdgeTests"
            [
                Expecto.Tests.testCase "no scalar log-density returns NaN for any arguments, valid or not" (fun () ->
                    ``no scalar log-density returns NaN for any arguments, valid or not`` ())
                Expecto.Tests.testCase
                    "no vector or matrix log-density returns NaN for any arguments, valid or not"
                    (fun () -> ``no vector or matrix log-density returns NaN for any arguments, valid or not`` ())
                Expecto.Tests.testCase "values outside the support have log-density minus infinity" (fun () ->
                    ``values outside the support have log-density minus infinity`` ())
                Expecto.Tests.testCase "binomial with a billion trials is exact at k = 0 and k = n" (fun () ->
                    ``binomial with a billion trials is exact at k = 0 and k = n`` ())
                Expecto.Tests.testCase "poisson with extreme exposures gives finite closed-form values" (fun () ->
                    ``poisson with extreme exposures gives finite closed-form values`` ())
                Expecto.Tests.testCase
                    "inverse gamma stays accurate in the far left tail where MathNet's PDFLn underflows"
                    (fun () ->
                        ``inverse gamma stays accurate in the far left tail where MathNet's PDFLn underflows`` ())
                Expecto.Tests.testCase "normal with tiny and huge sd matches the closed form" (fun () ->
                    ``normal with tiny and huge sd matches the closed form`` ())
                Expecto.Tests.testCase
                    "beta with extreme shape parameters stays finite and matches asymptotics"
                    (fun () -> ``beta with extreme shape parameters stays finite and matches asymptotics`` ())
                Expecto.Tests.testCase
                    "negative binomial matches the poisson limit and gamma-poisson mixture"
                    (fun () -> ``negative binomial matches the poisson limit and gamma-poisson mixture`` ())
            ])
