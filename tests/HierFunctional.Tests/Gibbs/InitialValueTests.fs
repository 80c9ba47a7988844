/// Starting values under vague priors (issue 16): three BUGS vol. 1 examples with tau ~ Gamma(0.001, 0.001) and
/// Normal(0, sd 1000) coefficients, which used to start at tau ≈ 1e-250 and return a stuck chain as a posterior,
/// against long JAGS runs (fixtures/bugs, made by make_bugs_fixtures.R). The start itself: `StartValueTests`.
module HierFunctional.Tests.Gibbs.InitialValueTests

open System
open HierFunctional.TestShim
open FsCheck.FSharp
open MathNet.Numerics.Random
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.JagsReferenceTests
open type Distributions

/// BUGS dnorm(0, 1.0E-6) as a Normal with sd 1/√1e-6.
let vagueSd = 1000.0

let private rowLabels n prefix =
    Array.init n (fun i -> $"{prefix}{i + 1}")

/// BUGS "seeds": logistic random effects with two covariates and their interaction (classic-bugs vol1 data).
let seeds =
    model {
        let! a0 = sample "alpha0" (Normal(0.0, vagueSd))
        let! a1 = sample "alpha1" (Normal(0.0, vagueSd))
        let! a2 = sample "alpha2" (Normal(0.0, vagueSd))
        let! a12 = sample "alpha12" (Normal(0.0, vagueSd))
        let! tau = sample "tau" (Gamma(0.001, 0.001))
        let! sigma = derived "sigma" (1.0 / sqrt tau)
        let! b = sample "b" (Normal(0.0, sigma)) |> over "plate"

        let eta =
            a0
            + a1 * data "x1"
            + a2 * data "x2"
            + a12 * data "x1" * data "x2"
            + b.[group "plate"]

        do! observe "r" (Binomial(data "n", invLogit eta))
    }

let seedsData =
    Dataset.empty
    |> Dataset.labels "plate" (rowLabels 21 "plate")
    |> Dataset.integers
        "r"
        [|
            10
            23
            23
            26
            17
            5
            53
            55
            32
            46
            10
            8
            10
            8
            23
            0
            3
            22
            15
            32
            3
        |]
    |> Dataset.integers
        "n"
        [|
            39
            62
            81
            51
            39
            6
            74
            72
            51
            79
            13
            16
            30
            28
            45
            4
            12
            41
            30
            51
            7
        |]
    |> Dataset.reals
        "x1"
        [|
            0.
            0.
            0.
            0.
            0.
            0.
            0.
            0.
            0.
            0.
            0.
            1.
            1.
            1.
            1.
            1.
            1.
            1.
            1.
            1.
            1.
        |]
    |> Dataset.reals
        "x2"
        [|
            0.
            0.
            0.
            0.
            0.
            1.
            1.
            1.
            1.
            1.
            1.
            0.
            0.
            0.
            0.
            0.
            1.
            1.
            1.
            1.
            1.
        |]

/// BUGS "surgical", random-effects version: logistic random intercepts over 12 hospitals.
let surgical =
    model {
        let! mu = sample "mu" (Normal(0.0, vagueSd))
        let! tau = sample "tau" (Gamma(0.001, 0.001))
        let! sigma = derived "sigma" (1.0 / sqrt tau)
        let! _ = derived "pop_mean" (invLogit mu)
        let! b = sample "b" (Normal(mu, sigma)) |> over "hospital"
        do! observe "r" (Binomial(data "n", invLogit b.[group "hospital"]))
    }

let surgicalData =
    Dataset.empty
    |> Dataset.labels "hospital" (rowLabels 12 "h")
    |> Dataset.integers "n" [| 47; 148; 119; 810; 211; 196; 148; 215; 207; 97; 256; 360 |]
    |> Dataset.integers "r" [| 0; 18; 8; 46; 8; 13; 9; 31; 14; 8; 29; 24 |]

/// BUGS "blocker": random-effects meta-analysis of 22 trials with a treated and a control arm.
let blocker =
    model {
        let! d = sample "d" (Normal(0.0, vagueSd))
        let! tau = sample "tau" (Gamma(0.001, 0.001))
        let! sigma = derived "sigma" (1.0 / sqrt tau)
        let! _ = sample "delta_new" (Normal(d, sigma))
        let! mu = sample "mu" (Normal(0.0, Math.Sqrt 1.0e5)) |> over "study"
        let! delta = sample "delta" (Normal(d, sigma)) |> over "study"
        do! observe "rc" (Binomial(data "nc", invLogit mu.[group "study"]))
        do! observe "rt" (Binomial(data "nt", invLogit (mu.[group "study"] + delta.[group "study"])))
    }

let blockerData =
    Dataset.empty
    |> Dataset.labels "study" (rowLabels 22 "s")
    |> Dataset.integers
        "rt"
        [|
            3
            7
            5
            102
            28
            4
            98
            60
            25
            138
            64
            45
            9
            57
            25
            33
            28
            8
            6
            32
            27
            22
        |]
    |> Dataset.integers
        "nt"
        [|
            38
            114
            69
            1533
            355
            59
            945
            632
            278
            1916
            873
            263
            291
            858
            154
            207
            251
            151
            174
            209
            391
            680
        |]
    |> Dataset.integers
        "rc"
        [|
            3
            14
            11
            127
            27
            6
            152
            48
            37
            188
            52
            47
            16
            45
            31
            38
            12
            6
            3
            40
            43
            39
        |]
    |> Dataset.integers
        "nc"
        [|
            39
            116
            93
            1520
            365
            52
            939
            471
            282
            1921
            583
            266
            293
            883
            147
            213
            122
            154
            134
            218
            364
            674
        |]

/// Default options (default start), 4 chains, a fixed seed.
let private bugsRun (m: Model) (d: Dataset) =
    Chains.run
        (SamplerOptions.Default.WithChains(4).WithWarmup(2000).WithDraws(5000).WithSeed(16))
        (planOf Rules.builtIn m d)

/// |mean − JAGS| < 4·√(MCSE² + MCSE_JAGS²), |mean − JAGS| ≤ 0.15 sd_JAGS and R̂ < 1.01 for every named node.
let private agreesWithJags (post: Posterior) (refs: Map<string, Reference>) (ours: string, theirs: string) =
    let r = refs.[theirs]
    let x = Posterior.chains ours post
    let m, mcse = Diagnostics.mean x, Diagnostics.mcseMean x
    let tol = 4.0 * sqrt (mcse * mcse + r.McseMean * r.McseMean)
    let rhat = Diagnostics.rhat x

    Assert.True(
        Double.IsFinite m && abs (m - r.Mean) < tol,
        $"{ours}: ours {m} (MCSE {mcse}) vs JAGS {r.Mean} (MCSE {r.McseMean}); tolerance {tol}"
    )

    Assert.True(rhat < 1.01, $"{ours}: R̂ {rhat}")
    // issue 16's conformance pass rule, on top of the Monte Carlo check
    Assert.True(abs (m - r.Mean) <= 0.15 * r.Sd, $"{ours}: |{m} − {r.Mean}| > 0.15 sd_ref ({r.Sd})")

let ``seeds with a Gamma(0.001, 0.001) precision from default starts agrees with JAGS`` () =
    let post = bugsRun seeds seedsData
    let refs = referenceIn "bugs" "seeds"

    for name in [ "alpha0"; "alpha1"; "alpha2"; "alpha12"; "sigma" ] do
        agreesWithJags post refs (name, name)

let ``surgical random intercepts with a Gamma(0.001, 0.001) precision from default starts agree with JAGS`` () =
    let post = bugsRun surgical surgicalData
    let refs = referenceIn "bugs" "surgical"

    for ours, theirs in
        [
            "mu", "mu"
            "pop_mean", "pop.mean"
            "sigma", "sigma"
            "b[1]", "b[1]"
            "b[8]", "b[8]"
        ] do
        agreesWithJags post refs (ours, theirs)

let ``blocker meta-analysis with a Gamma(0.001, 0.001) precision from default starts agrees with JAGS`` () =
    let post = bugsRun blocker blockerData
    let refs = referenceIn "bugs" "blocker"

    for ours, theirs in [ "d", "d"; "delta_new", "delta.new"; "sigma", "sigma" ] do
        agreesWithJags post refs (ours, theirs)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.InitialValueTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.InitialValueTests"
            [
                Expecto.Tests.testCase
                    "seeds with a Gamma(0.001, 0.001) precision from default starts agrees with JAGS"
                    (fun () -> ``seeds with a Gamma(0.001, 0.001) precision from default starts agrees with JAGS`` ())
                Expecto.Tests.testCase
                    "surgical random intercepts with a Gamma(0.001, 0.001) precision from default starts agree with JAGS"
                    (fun () ->
                        ``surgical random intercepts with a Gamma(0.001, 0.001) precision from default starts agree with JAGS`` ())
                Expecto.Tests.testCase
                    "blocker meta-analysis with a Gamma(0.001, 0.001) precision from default starts agrees with JAGS"
                    (fun () ->
                        ``blocker meta-analysis with a Gamma(0.001, 0.001) precision from default starts agrees with JAGS`` ())
            ])
