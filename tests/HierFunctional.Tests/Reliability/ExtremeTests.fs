/// Extreme numerics: parameters and data at the edges of double precision, checked against closed forms and
/// grids (tolerances in Monte Carlo standard errors), and improper posteriors refused with a reason.
module HierFunctional.Tests.Reliability.ExtremeTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Analytic
open HierFunctional.Tests.Gibbs.GibbsTests
open type Distributions

let private opts =
    SamplerOptions.Default.WithChains(2).WithWarmup(200).WithDraws(2000).WithSeed(5)

let private run (m: Model) (d: Dataset) = fit Rules.builtIn m d opts

let private allFinite (p: Posterior) =
    Posterior.toArray p
    |> Array.forall (Array.forall (Array.forall Double.IsFinite))

let private betaBinomialData (n: int) (y: int) =
    Dataset.empty |> Dataset.integers "n" [| n |] |> Dataset.integers "y" [| y |]

let private betaModel (a: float) (b: float) =
    model {
        let! p = sample "p" (Beta(a, b))
        do! observe "y" (Binomial(data "n", p))
    }

let ``Beta priors with parameters 1e-8 and 1e8 give the closed-form Beta posterior`` (a, b, n, y) =
    let post = run (betaModel a b) (betaBinomialData n y)
    let a', b' = a + float y, b + float (n - y)
    Assert.True(allFinite post)
    assertMean post "p" (a' / (a' + b'))
    assertSd post "p" (sqrt (a' * b' / ((a' + b') ** 2.0 * (a' + b' + 1.0))))

let ``a Beta(1e-8, 1e-8) prior with no successes keeps every draw in the unit interval`` () =
    let post = run (betaModel 1e-8 1e-8) (betaBinomialData 10 0)
    let p = Posterior.allChains "p" post
    Assert.True(p |> Array.forall (fun x -> x >= 0.0 && x <= 1.0))
    // Beta(1e-8, 10 + 1e-8): mean 1e-9, so essentially every draw is below 1e-6.
    Assert.True((p |> Array.filter (fun x -> x < 1e-6)).Length > p.Length * 99 / 100)

let ``Binomial with a billion trials and all or no successes gives the exact Beta posterior`` (y: int) =
    let n = 1_000_000_000
    let post = run (betaModel 1.0 1.0) (betaBinomialData n y)
    let a, b = 1.0 + float y, 1.0 + float (n - y)
    Assert.True(allFinite post)
    assertMean post "p" (a / (a + b))
    assertSd post "p" (sqrt (a * b / ((a + b) ** 2.0 * (a + b + 1.0))))
    // the likelihood itself is exact at the edge: n·log1p(−p) at y = 0
    Assert.Equal(float n * Math.Log(1.0 - 1e-9), LogPdf.binomial (float n) 1e-9 0.0, 6)

let ``Poisson exposures of 1e-12 and 1e12 give the closed-form Gamma posterior`` (e: float, y1: int, y2: int) =
    let m =
        model {
            let! lambda = sample "lambda" (Gamma(2.0, 1.0))
            do! observe "y" (Poisson(lambda, data "e"))
        }

    let d =
        Dataset.empty
        |> Dataset.integers "y" [| y1; y2 |]
        |> Dataset.reals "e" [| e; e |]

    let post = run m d
    let shape, rate = 2.0 + float y1 + float y2, 1.0 + 2.0 * e
    assertMean post "lambda" (shape / rate)
    assertSd post "lambda" (sqrt shape / rate)

let ``Normal data at scales 1e-10 and 1e10 give the closed-form Normal posterior`` (scale: float) =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, Const(100.0 * scale)))
            do! observe "y" (Normal(mu, data "s"))
        }

    let y = [| 1.0; 2.5; -0.5; 3.0 |] |> Array.map ((*) scale)

    let d =
        Dataset.empty |> Dataset.reals "y" y |> Dataset.reals "s" (Array.create 4 scale)

    let post = run m d
    let prec = 1.0 / (100.0 * scale) ** 2.0 + 4.0 / (scale * scale)
    assertMean post "mu" ((Array.sum y / (scale * scale)) / prec)
    assertSd post "mu" (sqrt (1.0 / prec))

let ``a Normal hierarchy at scales 1e-10 and 1e10 gives finite draws with mu among the group means`` (scale: float) =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, Const(10.0 * scale)))
            let! tau = sample "tau" (HalfCauchy(Const scale))
            let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
            do! observe "y" (Normal(theta.[group "g"], data "s"))
        }

    let y =
        [| 28.0; 8.0; -3.0; 7.0; -1.0; 1.0; 18.0; 12.0 |]
        |> Array.map (fun v -> v / 10.0 * scale)

    let d =
        Dataset.empty
        |> Dataset.labels "g" (Array.init 8 string)
        |> Dataset.reals "y" y
        |> Dataset.reals "s" (Array.create 8 scale)

    let post = run m d
    Assert.True(allFinite post)
    let mu = Diagnostics.mean (Posterior.chains "mu" post)
    Assert.True(mu > Array.min y && mu < Array.max y, $"mu {mu} outside [{Array.min y}, {Array.max y}]")

let ``a group with one observation gets the closed-form Normal-Normal posterior`` () =
    let m =
        model {
            let! theta = sample "theta" (Normal(1.0, 2.0)) |> over "g"
            do! observe "y" (Normal(theta.[group "g"], 0.5))
        }

    let d =
        Dataset.empty
        |> Dataset.labels "g" [| "a"; "b"; "b"; "b" |]
        |> Dataset.reals "y" [| 3.0; 0.0; 1.0; 2.0 |]

    let post = run m d
    let prec = 1.0 / 4.0 + 1.0 / 0.25
    assertMean post "theta[1]" ((1.0 / 4.0 + 3.0 / 0.25) / prec)
    assertSd post "theta[1]" (sqrt (1.0 / prec))

let ``identical groups (tau near 0) match the exact grid posterior of tau`` () =
    let y, s = Array.create 8 2.0, Array.create 8 1.0

    let m =
        model {
            let! mu = sample "mu" (Flat Support.Real)
            let! tau = sample "tau" (Flat Support.Positive)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
            do! observe "y" (Normal(theta.[group "g"], data "s"))
        }

    let d =
        Dataset.empty
        |> Dataset.labels "g" (Array.init 8 string)
        |> Dataset.reals "y" y
        |> Dataset.reals "s" s

    let post = fit Rules.builtIn m d (opts.WithDraws 4000)

    let grid =
        GridPosterior.normalHierarchy 200 MuPrior.Flat GridPosterior.uniformTau y s

    Assert.True(allFinite post)
    assertMean post "tau" grid.Tau.Mean
    assertMean post "mu" grid.Mu.Mean

let ``perfectly separated logistic data keep a proper posterior that matches a grid`` () =
    let x = [| -2.0; -1.5; -1.0; -0.5; -0.2; 0.2; 0.5; 1.0; 1.5; 2.0 |]
    let y = x |> Array.map (fun v -> if v > 0.0 then 1 else 0)

    let m =
        model {
            let! beta = sample "beta" (Normal(0.0, 2.5))
            do! observe "y" (Bernoulli(invLogit (beta * data "x")))
        }

    let post = run m (Dataset.empty |> Dataset.reals "x" x |> Dataset.integers "y" y)
    // grid on (−5, 30) with the logit-scale likelihood; the Normal prior keeps it proper
    let logPost b =
        LogPdf.normal 0.0 2.5 b
        + Array.fold2 (fun acc xi yi -> acc + LogPdf.bernoulliLogit (b * xi) (float yi)) 0.0 x y

    let grid = Array.init 20001 (fun i -> -5.0 + 35.0 * float i / 20000.0)
    let w = grid |> Array.map logPost
    let top = Array.max w
    let w = w |> Array.map (fun v -> exp (v - top))
    let exact = Array.fold2 (fun acc b wi -> acc + b * wi) 0.0 grid w / Array.sum w
    Assert.True(allFinite post)
    assertMean post "beta" exact
    // the logit-scale density stays finite where the probability rounds to 1
    Assert.True(Double.IsFinite(LogPdf.bernoulliLogit -800.0 1.0))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Reliability.ExtremeTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Reliability.ExtremeTests"
            [
                Expecto.Tests.testList
                    "Beta priors with parameters 1e-8 and 1e8 give the closed-form Beta posterior"
                    [
                        Expecto.Tests.testCase "(1e-8, 1e-8, 10, 3)" (fun () ->
                            ``Beta priors with parameters 1e-8 and 1e8 give the closed-form Beta posterior`` (
                                1e-8,
                                1e-8,
                                10,
                                3
                            ))
                        Expecto.Tests.testCase "(1e8, 1e8, 10, 3)" (fun () ->
                            ``Beta priors with parameters 1e-8 and 1e8 give the closed-form Beta posterior`` (
                                1e8,
                                1e8,
                                10,
                                3
                            ))
                        Expecto.Tests.testCase "(1e-8, 1e8, 10, 3)" (fun () ->
                            ``Beta priors with parameters 1e-8 and 1e8 give the closed-form Beta posterior`` (
                                1e-8,
                                1e8,
                                10,
                                3
                            ))
                        Expecto.Tests.testCase "(1e8, 1e-8, 10, 7)" (fun () ->
                            ``Beta priors with parameters 1e-8 and 1e8 give the closed-form Beta posterior`` (
                                1e8,
                                1e-8,
                                10,
                                7
                            ))
                    ]
                Expecto.Tests.testCase
                    "a Beta(1e-8, 1e-8) prior with no successes keeps every draw in the unit interval"
                    (fun () -> ``a Beta(1e-8, 1e-8) prior with no successes keeps every draw in the unit interval`` ())
                Expecto.Tests.testList
                    "Binomial with a billion trials and all or no successes gives the exact Beta posterior"
                    [
                        Expecto.Tests.testCase "(0)" (fun () ->
                            ``Binomial with a billion trials and all or no successes gives the exact Beta posterior`` (
                                0
                            ))
                        Expecto.Tests.testCase "(1_000_000_000)" (fun () ->
                            ``Binomial with a billion trials and all or no successes gives the exact Beta posterior`` (
                                1_000_000_000
                            ))
                    ]
                Expecto.Tests.testList
                    "Poisson exposures of 1e-12 and 1e12 give the closed-form Gamma posterior"
                    [
                        Expecto.Tests.testCase "(1e-12, 3, 1)" (fun () ->
                            ``Poisson exposures of 1e-12 and 1e12 give the closed-form Gamma posterior`` (1e-12, 3, 1))
                        Expecto.Tests.testCase "(1e12, 1_500_000_000, 2_000_000_000)" (fun () ->
                            ``Poisson exposures of 1e-12 and 1e12 give the closed-form Gamma posterior`` (
                                1e12,
                                1_500_000_000,
                                2_000_000_000
                            ))
                    ]
                Expecto.Tests.testList
                    "Normal data at scales 1e-10 and 1e10 give the closed-form Normal posterior"
                    [
                        Expecto.Tests.testCase "(1e-10)" (fun () ->
                            ``Normal data at scales 1e-10 and 1e10 give the closed-form Normal posterior`` (1e-10))
                        Expecto.Tests.testCase "(1e10)" (fun () ->
                            ``Normal data at scales 1e-10 and 1e10 give the closed-form Normal posterior`` (1e10))
                    ]
                Expecto.Tests.testList
                    "a Normal hierarchy at scales 1e-10 and 1e10 gives finite draws with mu among the group means"
                    [
                        Expecto.Tests.testCase "(1e-10)" (fun () ->
                            ``a Normal hierarchy at scales 1e-10 and 1e10 gives finite draws with mu among the group means`` (
                                1e-10
                            ))
                        Expecto.Tests.testCase "(1e10)" (fun () ->
                            ``a Normal hierarchy at scales 1e-10 and 1e10 gives finite draws with mu among the group means`` (
                                1e10
                            ))
                    ]
                Expecto.Tests.testCase
                    "a group with one observation gets the closed-form Normal-Normal posterior"
                    (fun () -> ``a group with one observation gets the closed-form Normal-Normal posterior`` ())
                Expecto.Tests.testCase "identical groups (tau near 0) match the exact grid posterior of tau" (fun () ->
                    ``identical groups (tau near 0) match the exact grid posterior of tau`` ())
                Expecto.Tests.testCase
                    "perfectly separated logistic data keep a proper posterior that matches a grid"
                    (fun () -> ``perfectly separated logistic data keep a proper posterior that matches a grid`` ())
            ])
