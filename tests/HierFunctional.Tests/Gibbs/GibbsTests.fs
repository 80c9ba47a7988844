/// The Gibbs compiler against exact answers: closed-form posteriors with known hyperparameters, 1-D quadrature for
/// scale parameters, the regression block, no allocation per observation; and the setup the other Gibbs tests share
/// (`options`, `planOf`, `planUsing`, eight schools). Running a plan: `GibbsRunTests`.
module HierFunctional.Tests.Gibbs.GibbsTests

open System
open HierFunctional.TestShim
open MathNet.Numerics
open HierFunctional
open HierFunctional.Inference
open type Distributions

let options =
    SamplerOptions.Default.WithChains(2).WithWarmup(200).WithDraws(4000).WithSeed(11)

let planOf rules (m: Model) (d: Dataset) =
    match Bind.bind m d |> Result.bind (Gibbs.compileWith rules) with
    | Ok p -> p
    | Error e -> failwithf "%A" e

/// The plan of the built-in rules under these compile settings (a pass switched on or off).
let planUsing (settings: CompileSettings) (m: Model) (d: Dataset) =
    match Bind.bind m d |> Result.bind (Gibbs.compileUsing settings) with
    | Ok p -> p
    | Error e -> failwithf "%A" e

let fit rules (m: Model) (d: Dataset) o = Chains.run o (planOf rules m d)

/// |posterior mean − truth| < 4 MCSE (MCSE from the ESS of the draws): a false-alarm rate of about 6e-5.
let assertMean (post: Posterior) (name: string) (truth: float) =
    let x = Posterior.chains name post
    let m, mcse = Diagnostics.mean x, Diagnostics.mcseMean x
    let ok = abs (m - truth) < 4.0 * mcse
    Assert.True(ok, $"{name}: mean {m} vs exact {truth}, |diff| = {abs (m - truth)}, 4 MCSE = {4.0 * mcse}")

/// |posterior sd − truth| < 4 MCSE of the sd.
let assertSd (post: Posterior) (name: string) (truth: float) =
    let x = Posterior.chains name post
    let s, mcse = Diagnostics.sd x, Diagnostics.mcseSd x
    Assert.True(abs (s - truth) < 4.0 * mcse, $"{name}: sd {s} vs exact {truth}, 4 MCSE = {4.0 * mcse}")

// ------------------------------------------------------------------ Normal-Normal with known hyperparameters

let knownNormal =
    model {
        let! theta = sample "theta" (Normal(1.0, 2.0)) |> over "g"
        do! observe "y" (Normal(theta.[group "g"], data "s"))
    }

let knownNormalData =
    Dataset.empty
    |> Dataset.labelsWithLevels "g" [| "a"; "a"; "b"; "c"; "c"; "c" |] [| "a"; "b"; "c"; "empty" |]
    |> Dataset.reals "y" [| 3.0; 4.5; -2.0; 0.5; 1.5; 0.0 |]
    |> Dataset.reals "s" [| 1.0; 2.0; 0.5; 1.0; 1.0; 3.0 |]

/// Exact posterior of theta_j: precision 1/4 + Σ 1/s², mean (1/4 + Σ y/s²) / precision.
let knownNormalExact =
    [
        "a", [ 3.0, 1.0; 4.5, 2.0 ]
        "b", [ -2.0, 0.5 ]
        "c", [ 0.5, 1.0; 1.5, 1.0; 0.0, 3.0 ]
        "empty", []
    ]
    |> List.mapi (fun j (_, obs) ->
        let p = 0.25 + (obs |> List.sumBy (fun (_, s) -> 1.0 / (s * s)))
        let m = (1.0 * 0.25 + (obs |> List.sumBy (fun (y, s) -> y / (s * s)))) / p
        $"theta[{j + 1}]", m, 1.0 / sqrt p)

let ``Normal-Normal updates reproduce the closed-form group posteriors, including an empty group`` () =
    let post = fit Rules.builtIn knownNormal knownNormalData options

    for name, m, s in knownNormalExact do
        assertMean post name m
        assertSd post name s

let ``the slice fallback reproduces the same closed-form posteriors when no rule is allowed`` () =
    let plan = planOf [] knownNormal knownNormalData
    Assert.All(plan.Updates, fun u -> Assert.Equal("slice", u.Method))
    let post = Chains.run options plan

    for name, m, s in knownNormalExact do
        assertMean post name m
        assertSd post name s

// ------------------------------------------------------------------ count hierarchies with known hyperparameters

let ``Gamma-Poisson updates with exposure reproduce Gamma(a + y, b + E)`` () =
    let m =
        model {
            let! theta = sample "theta" (Gamma(2.0, 1.5)) |> over "unit"
            do! observe "x" (Poisson(theta.[group "unit"], data "t"))
        }

    let d =
        Dataset.empty
        |> Dataset.labels "unit" [| "u1"; "u2"; "u2" |]
        |> Dataset.integers "x" [| 5; 1; 3 |]
        |> Dataset.reals "t" [| 94.3; 15.7; 2.5 |]

    let post = fit Rules.builtIn m d options
    // u1: Gamma(7, 95.8); u2: Gamma(6, 19.7)
    assertMean post "theta[1]" (7.0 / 95.8)
    assertSd post "theta[1]" (sqrt 7.0 / 95.8)
    assertMean post "theta[2]" (6.0 / 19.7)
    assertSd post "theta[2]" (sqrt 6.0 / 19.7)

let ``Beta-Binomial updates reproduce Beta(a + y, b + n - y)`` () =
    let m =
        model {
            let! theta = sample "theta" (Beta(1.5, 8.0)) |> over "hospital"
            do! observe "r" (Binomial(data "n", theta.[group "hospital"]))
        }

    let d =
        Dataset.empty
        |> Dataset.labels "hospital" [| "A"; "B"; "B" |]
        |> Dataset.integers "r" [| 0; 18; 2 |]
        |> Dataset.integers "n" [| 47; 148; 20 |]

    let post = fit Rules.builtIn m d options

    let betaMoments a b =
        a / (a + b), sqrt (a * b / ((a + b) ** 2.0 * (a + b + 1.0)))

    let mA, sA = betaMoments 1.5 55.0
    let mB, sB = betaMoments 21.5 156.0
    assertMean post "theta[1]" mA
    assertSd post "theta[1]" sA
    assertMean post "theta[2]" mB
    assertSd post "theta[2]" sB

// ------------------------------------------------------------------ scale parameters against 1-D quadrature

/// y_i ~ Normal(mu, f(target)) with known mu: the exact posterior mean and sd of the target by quadrature.
let scaleExact (logPrior: float -> float) (sdOf: float -> float) (ys: float[]) (mu: float) (lo: float) (hi: float) =
    let logPost x =
        logPrior x + (ys |> Array.sumBy (fun y -> LogPdf.normal mu (sdOf x) y))

    let peak =
        Array.init 2001 (fun i -> lo + (hi - lo) * float i / 2000.0)
        |> Array.map logPost
        |> Array.max

    let dens x = exp (logPost x - peak)

    let integrate f =
        Integrate.OnClosedInterval((fun x -> f x * dens x), lo, hi, 1e-10)

    let z = integrate (fun _ -> 1.0)
    let m = integrate id / z
    m, sqrt (integrate (fun x -> (x - m) ** 2.0) / z)

let scaleData = [| 1.3; -0.4; 2.2; 0.9; -1.7; 0.1; 3.0 |]

let scaleModel prior sdExpr =
    model {
        let! v = sample "v" prior
        do! observe "y" (Normal(0.5, sdExpr v))
    }

let scaleCase
    (prior: Dist)
    (sdExpr: Expr -> Expr)
    (logPrior: float -> float)
    (sdOf: float -> float)
    (expectedMethod: string)
    =
    let d = Dataset.empty |> Dataset.reals "y" scaleData
    let plan = planOf Rules.builtIn (scaleModel prior sdExpr) d
    Assert.StartsWith(expectedMethod, plan.Updates.[0].Method)
    let post = Chains.run options plan
    let m, s = scaleExact logPrior sdOf scaleData 0.5 1e-6 60.0
    assertMean post "v" m
    assertSd post "v" s

let ``a half-normal sd gets the exact GIG update`` () =
    scaleCase (HalfNormal 2.0) id (LogPdf.halfNormal 2.0) id "Normal scale (HalfNormal"

let ``a half-Cauchy sd gets the inverse-gamma augmentation and the right posterior`` () =
    scaleCase (HalfCauchy 1.0) id (LogPdf.halfCauchy 1.0) id "Normal scale (HalfCauchy"

let ``a half-t sd gets the augmentation with its degrees of freedom`` () =
    scaleCase (HalfStudentT(3.0, 1.0)) id (LogPdf.halfStudentT 3.0 1.0) id "Normal scale (HalfStudentT"

let ``an inverse-gamma variance gets the inverse-gamma update`` () =
    scaleCase (InverseGamma(2.0, 1.0)) sqrt (LogPdf.inverseGamma 2.0 1.0) sqrt "Normal scale (InverseGamma"

let ``a gamma precision gets the gamma update`` () =
    scaleCase
        (Gamma(2.0, 1.0))
        (fun p -> 1.0 / sqrt p)
        (LogPdf.gamma 2.0 1.0)
        (fun p -> 1.0 / sqrt p)
        "Normal scale (Gamma"

let ``a gamma prior on a variance gets the GIG update`` () =
    scaleCase (Gamma(2.0, 1.0)) sqrt (LogPdf.gamma 2.0 1.0) sqrt "Normal scale (Gamma"

// ------------------------------------------------------------------ eight schools (the runner tests, GibbsRunTests)

let eightSchools = Examples.eightSchools

let eightSchoolsData =
    Dataset.empty
    |> Dataset.labels "school" [| "A"; "B"; "C"; "D"; "E"; "F"; "G"; "H" |]
    |> Dataset.reals "y" [| 28.; 8.; -3.; 7.; -1.; 1.; 18.; 12. |]
    |> Dataset.reals "sigma" [| 15.; 10.; 16.; 11.; 9.; 11.; 10.; 18. |]

// ------------------------------------------------------------------ regression block

let ``the regression block update reproduces the exact MvNormal posterior of the coefficients`` () =
    let x =
        array2D
            [
                [ 1.0; 0.5; -1.0 ]
                [ 1.0; 1.5; 0.0 ]
                [ 1.0; -0.3; 2.0 ]
                [ 1.0; 2.2; 1.0 ]
                [ 1.0; 0.1; -0.5 ]
            ]

    let y = [| 1.2; 3.1; 0.4; 4.0; 0.9 |]
    let sigma = 0.8

    let m =
        model {
            let! beta = sample "beta" (Normal(0.0, 10.0)) |> sized 3
            do! observe "y" (Normal(dot (data "X") beta, sigma))
        }

    let d = Dataset.empty |> Dataset.matrix "X" x |> Dataset.reals "y" y
    let plan = planOf Rules.builtIn m d
    Assert.Equal("Normal-block (regression)", plan.Updates.[0].Method)
    let post = Chains.run options plan
    // Exact: precision P = XᵀX/σ² + I/100, mean P⁻¹ Xᵀy/σ².
    let X = MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.DenseOfArray x

    let P =
        X.TransposeThisAndMultiply(X) / (sigma * sigma)
        + MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.DenseIdentity(3) / 100.0

    let cov = P.Inverse()

    let mean =
        cov
        * (X.TransposeThisAndMultiply(MathNet.Numerics.LinearAlgebra.Vector<float>.Build.DenseOfArray y)
           / (sigma * sigma))

    for k in 0..2 do
        assertMean post $"beta[{k + 1}]" mean.[k]
        assertSd post $"beta[{k + 1}]" (sqrt cov.[k, k])

// ------------------------------------------------------------------ sufficient statistics

/// Bytes allocated per sweep of a Normal hierarchy with 100 groups and the given number of rows. The population
/// mean is a constant so the plan is purely conjugate updates over sufficient statistics (the interweaving step,
/// which still reads rows, is left out of this measurement).
let bytesPerSweep (rows: int) =
    let m =
        model {
            let! tau = sample "tau" (HalfNormal 5.0)
            let! sigma = sample "sigma" (HalfNormal 5.0)
            let! theta = sample "theta" (Normal(0.0, tau)) |> over "g"
            do! observe "y" (Normal(theta.[group "g"], sigma))
        }

    let rng = Random(1)

    let d =
        Dataset.empty
        |> Dataset.labels "g" (Array.init rows (fun i -> $"g{i % 100}"))
        |> Dataset.reals "y" (Array.init rows (fun _ -> rng.NextDouble()))

    let plan = planOf Rules.builtIn m d
    let state = Gibbs.initialStateFor plan 0 0 (Forward.priorDraw rng plan.Bound)

    for _ in 1..50 do
        Gibbs.sweep plan rng state

    let before = GC.GetAllocatedBytesForCurrentThread()

    for _ in 1..200 do
        Gibbs.sweep plan rng state

    float (GC.GetAllocatedBytesForCurrentThread() - before) / 200.0

let ``a sweep of a Normal hierarchy allocates nothing per observation`` () =
    let small, large = bytesPerSweep 1000, bytesPerSweep 100000
    // Per-observation allocation would be at least 8 bytes × 100,000 rows; allow a few bytes of sampler noise.
    Assert.True(large <= small + 64.0, $"bytes per sweep grew with the rows: {small} for 1000 rows, {large} for 100000")
    Assert.True(large < 1024.0, $"a sweep allocated {large} bytes")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.GibbsTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.GibbsTests"
            [
                Expecto.Tests.testCase
                    "Normal-Normal updates reproduce the closed-form group posteriors, including an empty group"
                    (fun () ->
                        ``Normal-Normal updates reproduce the closed-form group posteriors, including an empty group`` ())
                Expecto.Tests.testCase
                    "the slice fallback reproduces the same closed-form posteriors when no rule is allowed"
                    (fun () ->
                        ``the slice fallback reproduces the same closed-form posteriors when no rule is allowed`` ())
                Expecto.Tests.testCase "Gamma-Poisson updates with exposure reproduce Gamma(a + y, b + E)" (fun () ->
                    ``Gamma-Poisson updates with exposure reproduce Gamma(a + y, b + E)`` ())
                Expecto.Tests.testCase "Beta-Binomial updates reproduce Beta(a + y, b + n - y)" (fun () ->
                    ``Beta-Binomial updates reproduce Beta(a + y, b + n - y)`` ())
                Expecto.Tests.testCase "a half-normal sd gets the exact GIG update" (fun () ->
                    ``a half-normal sd gets the exact GIG update`` ())
                Expecto.Tests.testCase
                    "a half-Cauchy sd gets the inverse-gamma augmentation and the right posterior"
                    (fun () -> ``a half-Cauchy sd gets the inverse-gamma augmentation and the right posterior`` ())
                Expecto.Tests.testCase "a half-t sd gets the augmentation with its degrees of freedom" (fun () ->
                    ``a half-t sd gets the augmentation with its degrees of freedom`` ())
                Expecto.Tests.testCase "an inverse-gamma variance gets the inverse-gamma update" (fun () ->
                    ``an inverse-gamma variance gets the inverse-gamma update`` ())
                Expecto.Tests.testCase "a gamma precision gets the gamma update" (fun () ->
                    ``a gamma precision gets the gamma update`` ())
                Expecto.Tests.testCase "a gamma prior on a variance gets the GIG update" (fun () ->
                    ``a gamma prior on a variance gets the GIG update`` ())
                Expecto.Tests.testCase
                    "the regression block update reproduces the exact MvNormal posterior of the coefficients"
                    (fun () ->
                        ``the regression block update reproduces the exact MvNormal posterior of the coefficients`` ())
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase "a sweep of a Normal hierarchy allocates nothing per observation" (fun () ->
                        ``a sweep of a Normal hierarchy allocates nothing per observation`` ())
                )
            ])

/// Fails unless a 2-D quadrature grid of log-densities holds its mass: every edge value at least 30 below the peak.
/// Returns the peak.
let assertBoxHoldsMass (lq: float[,]) =
    let n1, n2 = Array2D.length1 lq, Array2D.length2 lq
    let peak = lq |> Seq.cast<float> |> Seq.max

    let edge =
        [
            for k in 0 .. n2 - 1 do
                yield lq.[0, k]
                yield lq.[n1 - 1, k]
            for i in 0 .. n1 - 1 do
                yield lq.[i, 0]
                yield lq.[i, n2 - 1]
        ]
        |> List.max

    Assert.True(edge < peak - 30.0, $"the quadrature box cuts off mass ({edge} vs {peak})")
    peak
