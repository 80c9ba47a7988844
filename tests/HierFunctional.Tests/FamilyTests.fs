/// The distribution families: every catalogue entry is read through its family record; the response families of
/// issue 22 have log-densities equal to MathNet's (or to the mixture they define, summing to 1), draws with the
/// right moments, brms's default priors in the formula front end, and non-conjugate posteriors (slice sampling)
/// that match numerical quadrature within 4 MCSE.
module HierFunctional.Tests.FamilyTests

open System
open HierFunctional.TestShim
open HierFunctional
open type Distributions

type private MnStudentT = MathNet.Numerics.Distributions.StudentT
type private MnLogNormal = MathNet.Numerics.Distributions.LogNormal
type private MnGamma = MathNet.Numerics.Distributions.Gamma
type private MnBeta = MathNet.Numerics.Distributions.Beta
type private MnPoisson = MathNet.Numerics.Distributions.Poisson
type private MnNegativeBinomial = MathNet.Numerics.Distributions.NegativeBinomial

let private s = Value.Scalar

let private logPdf (d: Dist) (x: float) =
    Density.logPdf d (Dist.arguments d |> List.map (fun (_, e) -> s (Expr.tryConstant e).Value)) (s x)

let ``every catalogue family names itself, lists its arguments and rebuilds through mapArgs`` () =
    for f, make in Dist.catalogue do
        let d = make (f.Arguments |> List.mapi (fun i _ -> Const(float (i + 1))))
        Assert.Equal(f.Name, Dist.name d)
        Assert.Equal<string list>(f.Arguments, Dist.arguments d |> List.map fst)
        Assert.Equal(d, Dist.mapArgs id d)
        Assert.Equal(Ok d, Dist.create f.Name (Dist.arguments d |> List.map snd))

let ``Dist.create refuses an unknown family and a wrong number of arguments, saying what to use`` () =
    match Dist.create "Gauss" [ Const 0.0 ] with
    | Error e -> Assert.Contains("LogNormal", e)
    | Ok d -> failwith $"{d}"

    match Dist.create "ZeroInflatedPoisson" [ Const 1.0 ] with
    | Error e -> Assert.Contains("(rate, zeroInflation)", e)
    | Ok d -> failwith $"{d}"

let ``the Student-t, lognormal, Gamma and beta log-densities equal MathNet's`` () =
    for x in [ -3.0; -0.2; 0.0; 0.7; 4.5 ] do
        for nu, m, sc in [ 1.0, 0.0, 1.0; 3.5, 0.4, 2.0; 30.0, -1.0, 0.3 ] do
            Assert.Equal(MnStudentT.PDFLn(m, sc, nu, x), logPdf (StudentT(nu, m, sc)) x, 12)

    for x in [ 0.01; 0.5; 1.0; 3.2; 40.0 ] do
        for m, sd in [ 0.0, 1.0; 1.5, 0.4; -2.0, 2.5 ] do
            Assert.Equal(MnLogNormal.PDFLn(m, sd, x), logPdf (LogNormal(m, sd)) x, 12)

        for shape, rate in [ 0.5, 1.0; 3.0, 2.0; 20.0, 0.1 ] do
            Assert.Equal(MnGamma.PDFLn(shape, rate, x), logPdf (Gamma(shape, rate)) x, 10)

    for x in [ 0.001; 0.2; 0.5; 0.93 ] do
        for a, b in [ 0.5, 0.5; 2.0, 5.0; 8.0, 1.5 ] do
            Assert.Equal(MnBeta.PDFLn(a, b, x), logPdf (Beta(a, b)) x, 10)

let ``zero-inflated Poisson and NegBin masses are the mixture of a point mass at 0 and MathNet's count mass`` () =
    for zi in [ 0.0; 0.3; 0.9 ] do
        for k in 0..25 do
            let zero = if k = 0 then zi else 0.0

            for lambda in [ 0.2; 3.0; 12.0 ] do
                let expected = log (zero + (1.0 - zi) * MnPoisson.PMF(lambda, k))
                Assert.Equal(expected, logPdf (ZeroInflatedPoisson(lambda, zi)) (float k), 10)

            for mu, phi in [ 0.5, 1.0; 4.0, 2.5; 10.0, 40.0 ] do
                // MathNet's NegativeBinomial(r, p) counts failures before r successes: r = φ, p = φ/(φ + μ)
                let expected =
                    log (zero + (1.0 - zi) * MnNegativeBinomial.PMF(phi, phi / (phi + mu), k))

                Assert.Equal(expected, logPdf (ZeroInflatedNegativeBinomial(mu, phi, zi)) (float k), 10)

let ``each zero-inflated mass sums to 1 over the counts and is -infinity off them`` () =
    let total (d: Dist) =
        Seq.sum (seq { for k in 0..3000 -> exp (logPdf d (float k)) })

    Assert.Equal(1.0, total (ZeroInflatedPoisson(7.5, 0.25)), 1e-12)
    Assert.Equal(1.0, total (ZeroInflatedNegativeBinomial(6.0, 0.8, 0.4)), 1e-10)
    Assert.Equal(-infinity, logPdf (ZeroInflatedPoisson(2.0, 0.3)) 1.5)
    Assert.Equal(-infinity, logPdf (ZeroInflatedPoisson(2.0, 0.3)) -1.0)
    Assert.Equal(-infinity, logPdf (ZeroInflatedPoisson(-2.0, 0.3)) 0.0)
    Assert.Equal(-infinity, logPdf (ZeroInflatedNegativeBinomial(2.0, 1.0, 1.5)) 0.0)

let ``zero-inflated draws have the mixture's mean and share of zeros within 4 MCSE`` () =
    let rng = Random 11
    let n = 40000

    let check (d: Dist) (mean: float) (variance: float) (p0: float) =
        let args = Dist.arguments d |> List.map (fun (_, e) -> s (Expr.tryConstant e).Value)
        let xs = Array.init n (fun _ -> Density.draw rng d args |> Value.scalar)
        let m = Array.average xs
        Assert.True(abs (m - mean) < 4.0 * sqrt (variance / float n), $"{Dist.name d} mean {m} vs {mean}")
        let zeros = xs |> Array.filter ((=) 0.0) |> Array.length |> float
        let share = zeros / float n
        Assert.True(abs (share - p0) < 4.0 * sqrt (p0 * (1.0 - p0) / float n), $"{Dist.name d} zeros {share} vs {p0}")

    // ZIP: mean (1 − π)λ, variance (1 − π)λ(1 + πλ); ZINB: mean (1 − π)μ, variance (1 − π)μ(1 + μ/φ + πμ)
    check (ZeroInflatedPoisson(4.0, 0.3)) (0.7 * 4.0) (0.7 * 4.0 * (1.0 + 0.3 * 4.0)) (0.3 + 0.7 * exp -4.0)

    check
        (ZeroInflatedNegativeBinomial(5.0, 2.0, 0.2))
        (0.8 * 5.0)
        (0.8 * 5.0 * (1.0 + 5.0 / 2.0 + 0.2 * 5.0))
        (0.2 + 0.8 * (2.0 / 7.0) ** 2.0)

let ``zero-inflated arguments are validated with the argument's name`` () =
    Assert.Equal(
        Error("zeroInflation", "must be a probability in [0, 1], but was 1.5"),
        Density.validArgs (ZeroInflatedPoisson(1.0, 1.5)) [ s 1.0; s 1.5 ]
    )

    Assert.Equal(
        Error("dispersion", "must be positive and finite, but was 0"),
        Density.validArgs (ZeroInflatedNegativeBinomial(1.0, 0.0, 0.5)) [ s 1.0; s 0.0; s 0.5 ]
    )

// ---------------------------------------------------------------- sampling against quadrature

let private fit (m: Model) (d: Dataset) =
    match Bind.bind m d |> Result.bind Gibbs.compile with
    | Error e -> failwithf "%A" e
    | Ok plan -> Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(3000).WithSeed(5)) plan

/// Posterior means of (a, b) by the midpoint rule on a grid over [a0, a1] × [b0, b1].
let private gridMeans (logPost: float -> float -> float) (a0, a1) (b0, b1) (n: int) =
    let ha, hb = (a1 - a0) / float n, (b1 - b0) / float n
    let pts = [| for i in 0 .. n - 1 -> a0 + (float i + 0.5) * ha |]
    let qts = [| for j in 0 .. n - 1 -> b0 + (float j + 0.5) * hb |]
    let lp = Array2D.init n n (fun i j -> logPost pts.[i] qts.[j])
    let top = lp |> Seq.cast<float> |> Seq.max
    let w = lp |> Array2D.map (fun v -> exp (v - top))
    let z = w |> Seq.cast<float> |> Seq.sum

    let ma =
        Seq.sum (
            seq {
                for i in 0 .. n - 1 do
                    for j in 0 .. n - 1 -> w.[i, j] * pts.[i]
            }
        )
        / z

    let mb =
        Seq.sum (
            seq {
                for i in 0 .. n - 1 do
                    for j in 0 .. n - 1 -> w.[i, j] * qts.[j]
            }
        )
        / z

    ma, mb

let private within4Mcse (name: string) (post: Posterior) (truth: float) =
    let x = Posterior.chains name post
    let mean = Array.average (Array.concat x)
    let mcse = Diagnostics.mcseMean x
    Assert.True(abs (mean - truth) < 4.0 * mcse, $"{name}: {mean} vs quadrature {truth} (4 MCSE = {4.0 * mcse})")

let private counts =
    [|
        0
        0
        3
        0
        5
        2
        0
        4
        0
        0
        6
        3
        0
        2
        4
        0
        1
        0
        3
        5
        0
        0
        2
        7
        0
        3
        0
        4
        1
        0
    |]

let ``a zero-inflated Poisson posterior sampled by slice matches 2-D quadrature within 4 MCSE`` () =
    let m =
        model {
            let! lambda = sample "lambda" (Gamma(2.0, 0.5))
            let! zi = sample "zi" (Beta(1.0, 1.0))
            do! observe "y" (ZeroInflatedPoisson(lambda, zi))
        }

    let post = fit m (Dataset.empty |> Dataset.integers "y" counts)

    let logPost (lambda: float) (zi: float) =
        logPdf (Gamma(2.0, 0.5)) lambda
        + (counts
           |> Array.sumBy (fun k -> logPdf (ZeroInflatedPoisson(lambda, zi)) (float k)))

    let lambdaMean, ziMean = gridMeans logPost (0.01, 10.0) (0.0005, 0.9995) 400
    within4Mcse "lambda" post lambdaMean
    within4Mcse "zi" post ziMean

let private positives =
    [|
        1.3
        0.4
        2.9
        0.8
        1.1
        5.2
        0.6
        1.9
        0.3
        2.2
        1.5
        0.9
        3.8
        0.7
        1.2
        2.6
        0.5
        1.0
        4.1
        1.7
    |]

let ``a lognormal posterior sampled through the Gibbs plan matches 2-D quadrature within 4 MCSE`` () =
    let m =
        model {
            let! mu = sample "mu" (StudentT(3.0, 0.0, 2.5))
            let! sigma = sample "sigma" (HalfStudentT(3.0, 2.5))
            do! observe "y" (LogNormal(mu, sigma))
        }

    let post = fit m (Dataset.empty |> Dataset.reals "y" positives)

    let logPost (mu: float) (sigma: float) =
        logPdf (StudentT(3.0, 0.0, 2.5)) mu
        + logPdf (HalfStudentT(3.0, 2.5)) sigma
        + (positives |> Array.sumBy (logPdf (LogNormal(mu, sigma))))

    let muMean, sigmaMean = gridMeans logPost (-1.5, 1.8) (0.2, 2.5) 400
    within4Mcse "mu" post muMean
    within4Mcse "sigma" post sigmaMean

let ``a Gamma posterior with unknown shape and rate matches 2-D quadrature within 4 MCSE`` () =
    let m =
        model {
            let! shape = sample "shape" (Gamma(0.01, 0.01))
            let! rate = sample "rate" (Exponential 1.0)
            do! observe "y" (Gamma(shape, rate))
        }

    let post = fit m (Dataset.empty |> Dataset.reals "y" positives)

    let logPost (shape: float) (rate: float) =
        logPdf (Gamma(0.01, 0.01)) shape
        + logPdf (Exponential 1.0) rate
        + (positives |> Array.sumBy (logPdf (Gamma(shape, rate))))

    let shapeMean, rateMean = gridMeans logPost (0.05, 6.0) (0.01, 5.0) 500
    within4Mcse "shape" post shapeMean
    within4Mcse "rate" post rateMean

let ``a Student-t posterior with unknown location and dof matches 2-D quadrature within 4 MCSE`` () =
    let ys =
        [|
            -0.3
            0.8
            1.1
            0.2
            6.5
            0.9
            -0.7
            1.4
            0.5
            -4.8
            0.1
            1.0
            0.6
            0.3
            1.9
        |]

    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! nu = sample "nu" (Gamma(2.0, 0.1))
            do! observe "y" (StudentT(nu, mu, 0.8))
        }

    let post = fit m (Dataset.empty |> Dataset.reals "y" ys)

    let logPost (mu: float) (nu: float) =
        logPdf (Normal(0.0, 5.0)) mu
        + logPdf (Gamma(2.0, 0.1)) nu
        + (ys |> Array.sumBy (logPdf (StudentT(nu, mu, 0.8))))

    let muMean, nuMean = gridMeans logPost (-2.0, 3.0) (0.05, 120.0) 600
    within4Mcse "mu" post muMean
    within4Mcse "nu" post nuMean

// ---------------------------------------------------------------- the formula front end

let private formulaData =
    Dataset.empty
    |> Dataset.reals "y" [| 0.2; 0.5; 0.7; 0.4; 0.9; 0.35; 0.6; 0.15 |]
    |> Dataset.reals "x" [| -1.0; 0.5; 1.2; -0.3; 0.8; 0.0; -0.6; 1.5 |]
    |> Dataset.integers "k" [| 0; 2; 0; 1; 5; 0; 3; 0 |]
    |> Dataset.labels "g" [| "a"; "a"; "b"; "b"; "c"; "c"; "d"; "d" |]

let private built (family: Family) (formula: string) =
    match Formula.build family [] formula formulaData with
    | Ok(m, _) -> m
    | Error es -> failwith (Formula.describeErrors es)

let private kindOf name m = (Model.tryFind name m).Value.Kind

let ``every new formula family parses from its name and brms's alias and prints back to its name`` () =
    for name, alias, family in
        [
            "student", "student_t", Family.Student
            "lognormal", "LogNormal", Family.LogNormal
            "gamma", "Gamma", Family.Gamma
            "beta", "Beta", Family.Beta
            "zip", "zero_inflated_poisson", Family.ZeroInflatedPoisson
            "zinb", "zero_inflated_negbinomial", Family.ZeroInflatedNegativeBinomial
        ] do
        Assert.Equal(Ok family, Family.parse name)
        Assert.Equal(Ok family, Family.parse alias)
        Assert.Equal(name, Family.name family)

let ``the new formula families build brms's likelihoods with brms's default priors on their own parameters`` () =
    let eta = Add(Mul(Param "b_x", Data "x"), Index(Param "r_g", Group "g"))
    let st = built Family.Student "y ~ x + (1 | g)"
    Assert.Equal(NodeKind.Observed(Dist.StudentT(Param "nu", eta, Param "sigma")), kindOf "y" st)
    Assert.Equal(NodeKind.Parameter(Dist.Gamma(Const 2.0, Const 0.1)), kindOf "nu" st)

    let ln = built Family.LogNormal "y ~ x + (1 | g)"
    Assert.Equal(NodeKind.Observed(Dist.LogNormal(eta, Param "sigma")), kindOf "y" ln)
    // brms's scale for a log-scale family: max(2.5, mad(log y)) → 2.5 here
    Assert.Equal(NodeKind.Parameter(Dist.HalfStudentT(Const 3.0, Const 2.5)), kindOf "sigma" ln)

    let ga = built Family.Gamma "y ~ x + (1 | g)"
    Assert.Equal(NodeKind.Observed(Dist.Gamma(Param "shape", Param "shape" * exp -eta)), kindOf "y" ga)
    Assert.Equal(NodeKind.Parameter(Dist.Gamma(Const 0.01, Const 0.01)), kindOf "shape" ga)

    let be = built Family.Beta "y ~ x + (1 | g)"
    let mu = invLogit eta
    Assert.Equal(NodeKind.Observed(Dist.Beta(mu * Param "phi", (Const 1.0 - mu) * Param "phi")), kindOf "y" be)
    Assert.Equal(NodeKind.Parameter(Dist.Gamma(Const 0.01, Const 0.01)), kindOf "phi" be)

    let zip = built Family.ZeroInflatedPoisson "k ~ x + (1 | g)"
    Assert.Equal(NodeKind.Observed(Dist.ZeroInflatedPoisson(exp eta, Param "zi")), kindOf "k" zip)
    Assert.Equal(NodeKind.Parameter(Dist.Beta(Const 1.0, Const 1.0)), kindOf "zi" zip)

    let zinb = built Family.ZeroInflatedNegativeBinomial "k ~ x + (1 | g)"

    Assert.Equal(
        NodeKind.Observed(Dist.ZeroInflatedNegativeBinomial(exp eta, Param "shape", Param "zi")),
        kindOf "k" zinb
    )

let ``a response outside the family's support is refused naming the row`` () =
    let bad =
        formulaData |> Dataset.reals "y" [| 0.2; 0.5; 0.7; 0.0; 0.9; 0.35; 0.6; 0.15 |]

    for family in [ Family.LogNormal; Family.Gamma; Family.Beta ] do
        match Formula.build family [] "y ~ x" bad with
        | Error [ FormulaError.InvalidData("y", problem) ] -> Assert.Contains("row 4 is 0", problem)
        | other -> failwith $"{family}: {other}"

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "FamilyTests"
        [
            Expecto.Tests.testCase
                "every catalogue family names itself, lists its arguments and rebuilds through mapArgs"
                (fun () -> ``every catalogue family names itself, lists its arguments and rebuilds through mapArgs`` ())
            Expecto.Tests.testCase
                "Dist.create refuses an unknown family and a wrong number of arguments, saying what to use"
                (fun () ->
                    ``Dist.create refuses an unknown family and a wrong number of arguments, saying what to use`` ())
            Expecto.Tests.testCase "the Student-t, lognormal, Gamma and beta log-densities equal MathNet's" (fun () ->
                ``the Student-t, lognormal, Gamma and beta log-densities equal MathNet's`` ())
            Expecto.Tests.testCase
                "zero-inflated Poisson and NegBin masses are the mixture of a point mass at 0 and MathNet's count mass"
                (fun () ->
                    ``zero-inflated Poisson and NegBin masses are the mixture of a point mass at 0 and MathNet's count mass`` ())
            Expecto.Tests.testCase
                "each zero-inflated mass sums to 1 over the counts and is -infinity off them"
                (fun () -> ``each zero-inflated mass sums to 1 over the counts and is -infinity off them`` ())
            Expecto.Tests.testCase
                "zero-inflated draws have the mixture's mean and share of zeros within 4 MCSE"
                (fun () -> ``zero-inflated draws have the mixture's mean and share of zeros within 4 MCSE`` ())
            Expecto.Tests.testCase "zero-inflated arguments are validated with the argument's name" (fun () ->
                ``zero-inflated arguments are validated with the argument's name`` ())
            Expecto.Tests.testCase
                "a zero-inflated Poisson posterior sampled by slice matches 2-D quadrature within 4 MCSE"
                (fun () ->
                    ``a zero-inflated Poisson posterior sampled by slice matches 2-D quadrature within 4 MCSE`` ())
            Expecto.Tests.testCase
                "a lognormal posterior sampled through the Gibbs plan matches 2-D quadrature within 4 MCSE"
                (fun () ->
                    ``a lognormal posterior sampled through the Gibbs plan matches 2-D quadrature within 4 MCSE`` ())
            Expecto.Tests.testCase
                "a Gamma posterior with unknown shape and rate matches 2-D quadrature within 4 MCSE"
                (fun () -> ``a Gamma posterior with unknown shape and rate matches 2-D quadrature within 4 MCSE`` ())
            Expecto.Tests.testCase
                "a Student-t posterior with unknown location and dof matches 2-D quadrature within 4 MCSE"
                (fun () ->
                    ``a Student-t posterior with unknown location and dof matches 2-D quadrature within 4 MCSE`` ())
            Expecto.Tests.testCase
                "every new formula family parses from its name and brms's alias and prints back to its name"
                (fun () ->
                    ``every new formula family parses from its name and brms's alias and prints back to its name`` ())
            Expecto.Tests.testCase
                "the new formula families build brms's likelihoods with brms's default priors on their own parameters"
                (fun () ->
                    ``the new formula families build brms's likelihoods with brms's default priors on their own parameters`` ())
            Expecto.Tests.testCase "a response outside the family's support is refused naming the row" (fun () ->
                ``a response outside the family's support is refused naming the row`` ())
        ]
