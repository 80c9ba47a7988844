/// Truncated distributions (BUGS's `T(lower, upper)`): the log-density against MathNet's density and CDFs, its
/// integral over the bounds by quadrature, inverse-CDF draws by a KS test, validation of bounds and data, and the
/// conjugate rules for truncated priors against exact quadrature of the posterior.
module HierFunctional.Tests.TruncationTests

open System
open HierFunctional.TestShim
open MathNet.Numerics
open HierFunctional
open HierFunctional.Tests.Gibbs.MonteCarlo
open type Distributions

type private MNormal = MathNet.Numerics.Distributions.Normal
type private MStudentT = MathNet.Numerics.Distributions.StudentT
type private MCauchy = MathNet.Numerics.Distributions.Cauchy
type private MGamma = MathNet.Numerics.Distributions.Gamma
type private MInverseGamma = MathNet.Numerics.Distributions.InverseGamma
type private MLogNormal = MathNet.Numerics.Distributions.LogNormal
type private MBeta = MathNet.Numerics.Distributions.Beta
type private MExponential = MathNet.Numerics.Distributions.Exponential

/// Families with their MathNet density and CDF (half families built from the full ones), arguments, and bounds.
let cases: (string * Dist * (float -> float) * (float -> float) * float * float) list =
    let n = MNormal(1.0, 2.0)
    let sn = MNormal(0.0, 1.0)
    let t = MStudentT(0.5, 1.5, 4.0)
    let c = MCauchy(0.0, 1.0)
    let hn = MNormal(0.0, 2.0)
    let g = MGamma(3.0, 2.0)
    let ig = MInverseGamma(3.0, 2.0)
    let ln = MLogNormal(0.2, 0.5)
    let be = MBeta(2.0, 5.0)
    let ex = MExponential(1.5)

    [
        "Normal", Normal(1.0, 2.0), n.Density, n.CumulativeDistribution, 0.0, 4.0
        "Normal upper tail", Normal(0.0, 1.0), sn.Density, sn.CumulativeDistribution, 5.0, 6.0
        "StudentT", StudentT(4.0, 0.5, 1.5), t.Density, t.CumulativeDistribution, -1.0, 3.0
        "Cauchy", Cauchy(0.0, 1.0), c.Density, c.CumulativeDistribution, -2.0, 10.0
        "HalfNormal",
        HalfNormal 2.0,
        (fun x -> 2.0 * hn.Density x),
        (fun x -> 2.0 * hn.CumulativeDistribution x - 1.0),
        1.0,
        3.0
        "Exponential", Exponential 1.5, ex.Density, ex.CumulativeDistribution, 0.5, 2.0
        "Gamma", Gamma(3.0, 2.0), g.Density, g.CumulativeDistribution, 0.5, 2.0
        "InverseGamma", InverseGamma(3.0, 2.0), ig.Density, ig.CumulativeDistribution, 0.3, 1.5
        "LogNormal", LogNormal(0.2, 0.5), ln.Density, ln.CumulativeDistribution, 1.0, 3.0
        "Beta", Beta(2.0, 5.0), be.Density, be.CumulativeDistribution, 0.0, 0.3
    ]

let args (d: Dist) =
    Dist.arguments d
    |> List.map (fun (_, e) -> Value.Scalar(Option.get (Expr.tryConstant e)))

let truncatedLogPdf (d: Dist) (lo: float) (hi: float) (x: float) =
    Density.logPdf (Truncated(d, lo, hi)) (args d @ [ Value.Scalar lo; Value.Scalar hi ]) (Value.Scalar x)

let ``the truncated log-density is the parent's log-density minus the log of its mass within the bounds`` () =
    for name, d, pdf, cdf, lo, hi in cases do
        let logMass = log (cdf hi - cdf lo)

        for k in 1..9 do
            let x = lo + (hi - lo) * float k / 10.0
            let expected = log (pdf x) - logMass
            let actual = truncatedLogPdf d lo hi x
            Assert.True(abs (actual - expected) < 1e-7 * (1.0 + abs expected), $"{name} at {x}: {actual} vs {expected}")

        Assert.Equal(Double.NegativeInfinity, truncatedLogPdf d lo hi (lo - 0.01))
        Assert.Equal(Double.NegativeInfinity, truncatedLogPdf d lo hi (hi + 0.01))

let ``the truncated density integrates to one over its bounds`` () =
    for name, d, _, _, lo, hi in cases do
        let z =
            Integrate.OnClosedInterval((fun x -> exp (truncatedLogPdf d lo hi x)), lo, hi, 1e-10)

        Assert.True(abs (z - 1.0) < 1e-6, $"{name}: integral {z}")

let ``a one-sided truncation integrates to one and keeps the far tail's mass`` () =
    let lower = Truncation.logMass (Normal(0.0, 1.0)) [| 0.0; 1.0 |] 8.0 infinity
    // log Φ(−8) from the series −z²/2 − log(z√(2π)) + log(1 − 1/z² + 3/z⁴ − 15/z⁶)
    let z = 8.0

    let reference =
        -z * z / 2.0 - log (z * sqrt (2.0 * Math.PI))
        + log (1.0 - 1.0 / z ** 2.0 + 3.0 / z ** 4.0 - 15.0 / z ** 6.0 + 105.0 / z ** 8.0)

    Assert.True(abs (lower - reference) < 1e-4, $"{lower} vs {reference}")

    let d = Truncated(Normal(1.0, 2.0), 0.0, infinity)

    let f x =
        exp (
            Density.logPdf
                (TruncatedBelow(Normal(1.0, 2.0), 0.0))
                [ Value.Scalar 1.0; Value.Scalar 2.0; Value.Scalar 0.0 ]
                (Value.Scalar x)
        )

    let total = Integrate.OnClosedInterval(f, 0.0, 40.0, 1e-10)
    Assert.True(abs (total - 1.0) < 1e-6, $"integral {total} of {d}")

let ``inverse-CDF draws follow the truncated CDF (KS test) and stay within the bounds`` () =
    let rng = rng 17

    for name, d, _, cdf, lo, hi in cases do
        let dist = Truncated(d, lo, hi)
        let a = args d @ [ Value.Scalar lo; Value.Scalar hi ]
        let xs = Array.init 4000 (fun _ -> Value.scalar (Density.draw rng dist a))
        Assert.True(xs |> Array.forall (fun x -> x >= lo && x <= hi), $"{name}: a draw left the bounds")
        let mass = cdf hi - cdf lo
        let ks = ksStatistic (fun x -> (cdf x - cdf lo) / mass) xs
        Assert.True(ks < ksCritical001 xs.Length, $"{name}: KS {ks}")

let ``truncation is refused for discrete families, unordered bounds and data-dependent bounds on a parameter`` () =
    let check (m: Model) (arg: string) =
        match Model.check m with
        | Error [ ModelError.InvalidArgument(_, a, _) ] -> Assert.Equal(arg, a)
        | other -> failwithf "unexpected %A" other

    check (model { let! _ = sample "k" (Truncated(Poisson 3.0, 0.0, 5.0)) in return () }) "dist"
    check (model { let! _ = sample "x" (Truncated(Normal(0.0, 1.0), 2.0, 1.0)) in return () }) "upper"

    check
        (model { let! _ = sample "x" (TruncatedBelow(Normal(0.0, 1.0), data "lo")) |> over "g" in return () })
        "lower/upper"

let ``a truncated observation outside its constant bounds is a typed data error`` () =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            do! observe "y" (TruncatedBelow(Normal(mu, 1.0), 0.0))
        }

    match Bind.bind m (Dataset.empty |> Dataset.reals "y" [| 0.5; -0.2; 1.0 |]) with
    | Error errors -> Assert.NotEmpty errors
    | Ok _ -> failwith "a value below the truncation must be refused"

let ``truncation prints in BUGS notation`` () =
    let m =
        model {
            let! p = sample "p" (TruncatedAbove(Beta(1.0, 1.0), 0.9999))
            do! observe "y" (TruncatedBelow(Normal(p, 1.0), 0.0))
        }

    let text = Print.model m
    Assert.Contains("p ~ Beta(1, 1) T(, 0.9999)", text)
    Assert.Contains("y[i] ~ Normal(p, 1) T(0, )", text)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.TruncationTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.TruncationTests"
            [
                Expecto.Tests.testCase
                    "the truncated log-density is the parent's log-density minus the log of its mass within the bounds"
                    (fun () ->
                        ``the truncated log-density is the parent's log-density minus the log of its mass within the bounds`` ())
                Expecto.Tests.testCase "the truncated density integrates to one over its bounds" (fun () ->
                    ``the truncated density integrates to one over its bounds`` ())
                Expecto.Tests.testCase
                    "a one-sided truncation integrates to one and keeps the far tail's mass"
                    (fun () -> ``a one-sided truncation integrates to one and keeps the far tail's mass`` ())
                Expecto.Tests.testCase
                    "inverse-CDF draws follow the truncated CDF (KS test) and stay within the bounds"
                    (fun () -> ``inverse-CDF draws follow the truncated CDF (KS test) and stay within the bounds`` ())
                Expecto.Tests.testCase
                    "truncation is refused for discrete families, unordered bounds and data-dependent bounds on a parameter"
                    (fun () ->
                        ``truncation is refused for discrete families, unordered bounds and data-dependent bounds on a parameter`` ())
                Expecto.Tests.testCase
                    "a truncated observation outside its constant bounds is a typed data error"
                    (fun () -> ``a truncated observation outside its constant bounds is a typed data error`` ())
                Expecto.Tests.testCase "truncation prints in BUGS notation" (fun () ->
                    ``truncation prints in BUGS notation`` ())
            ])
