module HierFunctional.Tests.AnalyticTests

open System
open System.IO
open HierFunctional.TestShim
open MathNet.Numerics
open MathNet.Numerics.LinearAlgebra
open HierFunctional.Analytic
open HierFunctional.Testing

let private repoRoot =
    let rec up (d: DirectoryInfo) =
        if isNull d then
            failwith "could not find HierFunctional.sln above the test binaries"
        elif File.Exists(Path.Combine(d.FullName, "HierFunctional.sln")) then
            d.FullName
        else
            up d.Parent

    up (DirectoryInfo AppContext.BaseDirectory)

let private csv (relative: string) =
    File.ReadAllLines(Path.Combine(repoRoot, relative))
    |> Array.skip 1
    |> Array.map (fun l -> l.Split ',')

let private rats = csv "docs/data/rats.csv"
let private ratY = rats |> Array.map (fun r -> int r[1])
let private ratN = rats |> Array.map (fun r -> int r[2])
let private schools = csv "docs/data/eight_schools.csv"
let private schoolY = schools |> Array.map (fun r -> float r[1])
let private schoolSd = schools |> Array.map (fun r -> float r[2])

let private close tol expected actual =
    Checks.relativelyClose tol expected actual |> Checks.orFail

let ``DerSimonian-Laird, ML and REML match metafor to 1e-6`` () =
    let bcg = csv "tests/HierFunctional.Tests/fixtures/analytic/bcg_logrr.csv"

    let data =
        dict
            [
                "eight_schools", (schoolY, schoolSd |> Array.map (fun s -> s * s))
                "bcg_logrr", (bcg |> Array.map (fun r -> float r[0]), bcg |> Array.map (fun r -> float r[1]))
            ]

    let methods =
        dict [ "DL", TauMethod.DerSimonianLaird; "ML", TauMethod.ML; "REML", TauMethod.REML ]

    for r in csv "tests/HierFunctional.Tests/fixtures/analytic/random_effects.csv" do
        let y, v = data[r[0]]
        let fit = EmpiricalBayes.randomEffects methods[r[1]] y v

        [ fit.Tau2; fit.Tau2Se; fit.Mu; fit.MuSe; fit.Q ]
        |> List.iteri (fun i actual -> close 1e-6 (float r[2 + i]) actual)

let ``Beta-Binomial and Gamma-Poisson marginal ML match R optim to 1e-4`` () =
    let pumps = csv "docs/data/pumps.csv"

    let fits =
        [
            "rats_beta_binomial", EmpiricalBayes.betaBinomialML ratY ratN
            "pumps_gamma_poisson",
            EmpiricalBayes.gammaPoissonML
                (pumps |> Array.map (fun r -> int r[1]))
                (pumps |> Array.map (fun r -> float r[2]))
        ]
        |> dict

    for r in csv "tests/HierFunctional.Tests/fixtures/analytic/marginal_ml.csv" do
        let f = fits[r[0]]
        Assert.False f.AtBoundary

        [ f.Alpha; f.Beta; f.AlphaSe; f.BetaSe; f.LogLikelihood ]
        |> List.iteri (fun i actual -> close 1e-4 (float r[1 + i]) actual)

let ``hospital example gives the worked pooling numbers`` () =
    let observed, expected = [| 6; 2; 48 |], [| 4.0; 4.0; 40.0 |]
    let eb = Pooling.poisson observed expected
    Assert.Equal<float[]>([| 1.5; 0.5; 1.2 |], eb.Rows |> Array.map (fun r -> r.NoPooling))
    close 1e-12 (56.0 / 48.0) eb.Pooled
    // three hospitals show no over-dispersion, so the marginal-ML prior is the complete-pooling limit
    Assert.True((EmpiricalBayes.gammaPoissonML observed expected).AtBoundary)

    for r in eb.Rows do
        close 1e-12 (56.0 / 48.0) r.PartialPooling
    // a given Gamma(10, 10) prior: (y+α)/(E+β)
    let given = Pooling.poissonWithPrior 10.0 10.0 observed expected

    Array.iter2
        (fun e (r: PoolingRow) -> close 1e-12 e r.PartialPooling)
        [| 16.0 / 14.0; 12.0 / 14.0; 58.0 / 50.0 |]
        given.Rows

    Array.iter2
        (fun e (r: PoolingRow) -> close 1e-12 e r.DataWeight)
        [| 4.0 / 14.0; 4.0 / 14.0; 40.0 / 50.0 |]
        given.Rows

let ``rat tumour grid posterior has BDA3's mode and agrees with an independent quadrature`` () =
    let g = GridPosterior.betaBinomial 100 ratY ratN
    // BDA3 §5.3 (Fig. 5.3): mode near (log(α/β), log(α+β)) = (−1.79, 2.74)
    Assert.InRange(g.ModeLogRatio, -1.80, -1.78)
    Assert.InRange(g.ModeLogSum, 2.73, 2.75)
    Assert.True(g.IntegrationError < 1e-3, $"integration error {g.IntegrationError}")
    let logq = GridPosterior.betaBinomialLogDensity ratY ratN

    let u1, u2, v1, v2 =
        g.LogRatioBounds.Lower, g.LogRatioBounds.Upper, g.LogSumBounds.Lower, g.LogSumBounds.Upper

    let integrate (h: float -> float -> float) =
        Integrate.GaussKronrod(
            (fun v -> Integrate.GaussKronrod((fun u -> exp (logq u v - g.LogNormalizer) * h u v), u1, u2, 1e-7, 8, 15)),
            v1,
            v2,
            1e-7,
            8,
            15
        )

    close 1e-4 1.0 (integrate (fun _ _ -> 1.0))
    close 1e-4 g.LogSum.Mean (integrate (fun _ v -> v))

    let theta1 =
        integrate (fun u v -> let a = exp v / (1.0 + exp -u) in (a + float ratY[70]) / (exp v + float ratN[70]))

    close 1e-4 g.Theta[70].Mean theta1

let private tauQuadrature (muPrior: MuPrior) logTauPrior (p: NormalHierarchyPosterior) (h: float -> float) =
    let q tau =
        exp (
            GridPosterior.normalLogTauDensity muPrior logTauPrior schoolY schoolSd tau
            - p.LogNormalizer
        )

    Integrate.GaussKronrod((fun t -> q t * h t), 0.0, p.TauBounds.Upper, 1e-10, 20, 31)

let ``eight schools p(tau given y) integrates to one and its moments match an independent quadrature`` () =
    let p =
        GridPosterior.normalHierarchy 200 MuPrior.Flat GridPosterior.uniformTau schoolY schoolSd

    Assert.True(p.IntegrationError < 1e-6, $"integration error {p.IntegrationError}")
    let quad = tauQuadrature MuPrior.Flat GridPosterior.uniformTau p
    close 1e-6 1.0 (quad (fun _ -> 1.0))
    close 1e-6 p.Tau.Mean (quad id)

    let cond t =
        GridPosterior.normalConditional MuPrior.Flat schoolY schoolSd t

    close 1e-6 p.Mu.Mean (quad (fun t -> (cond t).MuMean))
    close 1e-6 p.Theta[0].Mean (quad (fun t -> (cond t).ThetaMean[0]))
    // BDA3 Fig. 5.5: with a uniform prior, p(τ | y) is largest at τ = 0 and decreasing
    let d =
        GridPosterior.normalLogTauDensity MuPrior.Flat GridPosterior.uniformTau schoolY schoolSd

    Assert.True(d 1e-6 > d 5.0 && d 5.0 > d 10.0 && d 10.0 > d 20.0)

let ``eight schools with mu Normal(0,5) and tau HalfCauchy(5) matches a direct two-dimensional quadrature`` () =
    let muPrior, tauPrior = MuPrior.Normal(0.0, 5.0), GridPosterior.halfCauchyTau 5.0
    let p = GridPosterior.normalHierarchy 200 muPrior tauPrior schoolY schoolSd
    // integrate the joint p(μ, τ | y) over μ numerically, not by the closed-form algebra of normalConditional
    let joint mu tau =
        Distributions.Normal.PDFLn(0.0, 5.0, mu)
        + tauPrior tau
        + Array.fold2
            (fun acc y s -> acc + Distributions.Normal.PDFLn(mu, sqrt (s * s + tau * tau), y))
            0.0
            schoolY
            schoolSd

    let over h =
        Integrate.GaussKronrod(
            (fun tau ->
                Integrate.GaussKronrod((fun mu -> exp (joint mu tau + 20.0) * h mu tau), -40.0, 40.0, 1e-11, 15, 31)),
            0.0,
            p.TauBounds.Upper,
            1e-11,
            20,
            31
        )

    let z = over (fun _ _ -> 1.0)
    close 1e-6 p.Mu.Mean (over (fun mu _ -> mu) / z)
    close 1e-6 p.Tau.Mean (over (fun _ tau -> tau) / z)
    close 1e-5 p.Mu.Sd (sqrt (over (fun mu _ -> mu * mu) / z - p.Mu.Mean ** 2.0))

let ``two-group fit recovers pi0 and tau2 within 4 standard errors and its FDR is calibrated`` () =
    let simulate (seed: int) n =
        let rng = Random.Xoshiro256StarStar(seed)
        let s = Array.init n (fun _ -> 0.5 + rng.NextDouble())
        let isNull = Array.init n (fun _ -> rng.NextDouble() < 0.8)

        let theta =
            isNull
            |> Array.map (fun nul ->
                if nul then
                    0.0
                else
                    Distributions.Normal.Sample(rng, 0.0, 3.0))

        Array.init n (fun i -> theta[i] + Distributions.Normal.Sample(rng, 0.0, s[i])), s, isNull

    let z, s, _ = simulate 7 5000
    let fit = TwoGroup.fit z s
    Checks.withinMcse 4.0 fit.Pi0Se 0.8 fit.Pi0 |> Checks.orFail
    Checks.withinMcse 4.0 fit.Tau2Se 9.0 fit.Tau2 |> Checks.orFail
    // over replicates, realised FDP − estimated FDR has mean 0 (mean lfdr is the expected FDP)
    let gaps =
        Array.init 30 (fun r ->
            let z, s, isNull = simulate (100 + r) 1000
            let d = TwoGroup.discoveries 0.1 (TwoGroup.fit z s).Lfdr
            Assert.True(d.EstimatedFdr <= 0.1)

            let fdp =
                float (d.Indices |> Array.filter (fun i -> isNull[i]) |> Array.length)
                / float (max 1 d.Indices.Length)

            fdp - d.EstimatedFdr)

    Checks.meanWithinMcse 4.0 0.0 gaps |> Checks.orFail

let ``hierarchical linear model with an intercept only reduces to Normal-Normal shrinkage`` () =
    let y = [| 3.0; 5.0; 4.5; 6.0 |]
    let x = Matrix<float>.Build.Dense(4, 1, 1.0)

    let post =
        Shrinkage.linear
            (Vector<float>.Build.Dense(1, 1.0))
            (Matrix<float>.Build.Dense(1, 1, 4.0))
            2.0
            x
            (Vector<float>.Build.DenseOfArray y)

    let scalar = Shrinkage.normalMean 1.0 2.0 2.0 (Array.average y) 4
    close 1e-12 scalar.PosteriorMean post.CoefficientMean[0]
    close 1e-12 (scalar.PosteriorSd ** 2.0) post.CoefficientCovariance[0, 0]
    close 1e-12 (1.0 - scalar.ShrinkageFactor) post.WeightMatrix[0, 0]

let ``hierarchical linear model mean is the matrix-weighted blend of OLS and the population mean`` () =
    let x =
        Matrix<float>.Build.DenseOfRowArrays([| [| 1.0; 0.0 |]; [| 1.0; 1.0 |]; [| 1.0; 2.0 |]; [| 1.0; 3.0 |] |])

    let y = Vector<float>.Build.DenseOfArray [| 1.0; 2.5; 2.9; 4.2 |]
    let mu = Vector<float>.Build.DenseOfArray [| 0.5; 0.5 |]

    let sigmaB =
        Matrix<float>.Build.DenseOfRowArrays([| [| 1.0; 0.3 |]; [| 0.3; 0.5 |] |])

    let post = Shrinkage.linear mu sigmaB 0.7 x y
    let ols = (x.TransposeThisAndMultiply x).Solve(x.TransposeThisAndMultiply y)

    let blend =
        post.WeightMatrix * ols
        + (Matrix<float>.Build.DenseIdentity 2 - post.WeightMatrix) * mu

    for i in 0..1 do
        close 1e-10 blend[i] post.CoefficientMean[i]

let ``variance decomposition and ICC follow the law of total variance`` () =
    let d = Marginals.threeLevel 1.0 2.0 3.0
    Assert.Equal(14.0, d.Total)
    close 1e-15 (5.0 / 14.0) d.IccSameGroup
    close 1e-15 (1.0 / 14.0) d.IccSameParent
    close 1e-15 0.25 (Marginals.icc 1.0 (sqrt 3.0))
    Assert.Equal(4.0 + 9.0 / 3.0, (Marginals.classroomGivenSchool 0.0 2.0 3.0 3).Variance)
    Assert.Equal(1.0 + 4.0 + 9.0 / 3.0, (Marginals.classroomGivenGrandMean 0.0 1.0 2.0 3.0 3).Variance)

let ``bad input is rejected with a message that says what to do`` () =
    let e =
        Assert.Throws<ArgumentException>(fun () -> Shrinkage.betaBinomial 1.0 1.0 5 3 |> ignore)

    Assert.Contains("successes ≤ trials", e.Message)

    let e =
        Assert.Throws<ArgumentException>(fun () ->
            EmpiricalBayes.randomEffects TauMethod.REML [| 1.0; 2.0 |] [| 1.0 |] |> ignore)

    Assert.Contains("one sampling variance per estimate", e.Message)

    let e =
        Assert.Throws<ArgumentException>(fun () ->
            GridPosterior.betaBinomial 50 [| 0; 0; 0 |] [| 10; 10; 10 |] |> ignore)

    Assert.Contains("improper", e.Message)

let ``eight schools yardstick for the sampler matches R's nested adaptive quadrature to 1e-6`` () =
    let p =
        GridPosterior.normalHierarchy 200 (MuPrior.Normal(0.0, 5.0)) (GridPosterior.halfCauchyTau 5.0) schoolY schoolSd

    let r =
        csv "tests/HierFunctional.Tests/fixtures/analytic/eight_schools_exact.csv"
        |> Array.map (fun r -> r[0], float r[1])
        |> dict

    close 1e-6 r["mean_mu"] p.Mu.Mean
    close 1e-6 r["sd_mu"] p.Mu.Sd
    close 1e-6 r["mean_tau"] p.Tau.Mean
    close 1e-6 r["sd_tau"] p.Tau.Sd
    close 1e-6 r["mean_theta1"] p.Theta[0].Mean

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.AnalyticTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.AnalyticTests"
            [
                Expecto.Tests.testCase "DerSimonian-Laird, ML and REML match metafor to 1e-6" (fun () ->
                    ``DerSimonian-Laird, ML and REML match metafor to 1e-6`` ())
                Expecto.Tests.testCase "Beta-Binomial and Gamma-Poisson marginal ML match R optim to 1e-4" (fun () ->
                    ``Beta-Binomial and Gamma-Poisson marginal ML match R optim to 1e-4`` ())
                Expecto.Tests.testCase "hospital example gives the worked pooling numbers" (fun () ->
                    ``hospital example gives the worked pooling numbers`` ())
                Expecto.Tests.testCase
                    "rat tumour grid posterior has BDA3's mode and agrees with an independent quadrature"
                    (fun () ->
                        ``rat tumour grid posterior has BDA3's mode and agrees with an independent quadrature`` ())
                Expecto.Tests.testCase
                    "eight schools p(tau given y) integrates to one and its moments match an independent quadrature"
                    (fun () ->
                        ``eight schools p(tau given y) integrates to one and its moments match an independent quadrature`` ())
                Expecto.Tests.testCase
                    "eight schools with mu Normal(0,5) and tau HalfCauchy(5) matches a direct two-dimensional quadrature"
                    (fun () ->
                        ``eight schools with mu Normal(0,5) and tau HalfCauchy(5) matches a direct two-dimensional quadrature`` ())
                Expecto.Tests.testCase
                    "two-group fit recovers pi0 and tau2 within 4 standard errors and its FDR is calibrated"
                    (fun () ->
                        ``two-group fit recovers pi0 and tau2 within 4 standard errors and its FDR is calibrated`` ())
                Expecto.Tests.testCase
                    "hierarchical linear model with an intercept only reduces to Normal-Normal shrinkage"
                    (fun () ->
                        ``hierarchical linear model with an intercept only reduces to Normal-Normal shrinkage`` ())
                Expecto.Tests.testCase
                    "hierarchical linear model mean is the matrix-weighted blend of OLS and the population mean"
                    (fun () ->
                        ``hierarchical linear model mean is the matrix-weighted blend of OLS and the population mean`` ())
                Expecto.Tests.testCase "variance decomposition and ICC follow the law of total variance" (fun () ->
                    ``variance decomposition and ICC follow the law of total variance`` ())
                Expecto.Tests.testCase "bad input is rejected with a message that says what to do" (fun () ->
                    ``bad input is rejected with a message that says what to do`` ())
                Expecto.Tests.testCase
                    "eight schools yardstick for the sampler matches R's nested adaptive quadrature to 1e-6"
                    (fun () ->
                        ``eight schools yardstick for the sampler matches R's nested adaptive quadrature to 1e-6`` ())
            ])
