/// Simulation-based calibration in CI: the simultaneous ECDF band has its stated coverage, a few cheap structures
/// of the catalogue are calibrated, and SBC catches a deliberately broken conjugate rule (so the check can fail).
/// The long run over the whole catalogue is `dotnet fsi build.fsx sbc`.
module HierFunctional.Tests.SbcTests

open System
open HierFunctional.TestShim
open MathNet.Numerics.Random
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Testing
open type Distributions

/// Sets of N uniform ranks on 0..L that stay inside the band, out of `sets`.
let private insideCount (seed: int) (sets: int) (n: int) (k: int) (maxRank: int) (alpha: float) =
    let rng = Xoshiro256StarStar(seed, false)

    Seq.init sets (fun _ -> Array.init n (fun _ -> rng.Next(maxRank + 1)))
    |> Seq.filter (EcdfBand.inside alpha k maxRank)
    |> Seq.length

let ``the simultaneous ECDF band covers uniform ranks with probability 1 − α`` (n: int, k: int, alpha: float) =
    let gamma = EcdfBand.adjustedGamma n k alpha
    let exact = EcdfBand.coverage n k gamma
    // The exact coverage is at least 1 − α and, γ being the largest such level, only the binomial steps above it.
    Assert.True(exact >= 1.0 - alpha && exact < 1.0 - alpha + 0.01, $"exact coverage {exact} at γ = {gamma}")
    let sets = 2000
    let inside = float (insideCount (n + k) sets n k 99 alpha) / float sets
    let mcse = sqrt (exact * (1.0 - exact) / float sets)
    Assert.True(abs (inside - exact) < 4.0 * mcse, $"simulated coverage {inside} vs exact {exact} (MCSE {mcse})")

let ``the exact band's level agrees with the simulation method of Säilynoja et al.`` () =
    // The paper's simulation method: γ is the α-quantile of the smallest pointwise tail probability of uniform
    // samples. Its γ must give the same simultaneous coverage as the exact recursion's, within Monte Carlo error.
    let n, k, alpha, sims = 100, 50, 0.05, 4000

    let simulated =
        EcdfBand.simulatedGamma (Xoshiro256StarStar(7, false)) sims n k alpha

    let coverage = EcdfBand.coverage n k simulated
    let mcse = sqrt (alpha * (1.0 - alpha) / float sims)

    Assert.True(
        abs (coverage - (1.0 - alpha)) < 4.0 * mcse + 0.005,
        $"coverage at the simulated γ {simulated}: {coverage} (exact γ {EcdfBand.adjustedGamma n k alpha})"
    )

let ``the band rejects ranks piled at the ends and accepts evenly spread ones`` () =
    let even = Array.init 200 (fun i -> i % 100)
    let ends = Array.init 200 (fun i -> if i % 2 = 0 then i % 10 else 99 - i % 10)
    Assert.True((EcdfBand.test 0.01 50 99 even).Passed)
    let bad = EcdfBand.test 0.01 50 99 ends
    Assert.False(bad.Passed)
    Assert.True(bad.PValue < 1e-6, $"p = {bad.PValue}")

let private ciSettings replications seed =
    { SbcSettings.Default with
        Replications = replications
        Seed = seed
        Warmup = 100
        MaxThin = 16
        Threads = 2
    }

let private runOk settings structure =
    match Sbc.run settings structure with
    | Ok r -> r
    | Error e -> failwithf "%A" e

let ``the sampler is calibrated on cheap structures of the catalogue`` (name: string) =
    let r = runOk (ciSettings 100 11) (SbcCatalogue.find name)
    Checks.orFail (Sbc.toCheck r)
    Assert.Empty(r.Failures)

/// One observation of a Normal mean: the posterior is N(y/2, 1/2), so a broken update is easy to see.
let private oneObservation =
    {
        Name = "one-observation"
        Exercises = "a Normal-Normal rule under test"
        Model =
            model {
                let! mu = sample "mu" (Normal(0.0, 1.0))
                do! observe "y" (Normal(mu, 1.0))
            }
        Data = Dataset.empty |> Dataset.reals "y" [| 0.0 |]
        Compile = CompileSettings.Default
        Derived = []
    }

/// The Normal-Normal rule with its conjugate result edited: the prior mean shifted and every precision scaled.
let private editedNormalMean (shift: float) (precisionFactor: float) : ConjugacyRule =
    let f = constant (1.0 / sqrt precisionFactor)

    Rules.create
        { NormalConjugacy.normalMean with
            Name = "Normal-Normal (edited for the SBC test)"
            Recognise =
                fun expanded target ->
                    NormalConjugacy.normalMean.Recognise expanded target
                    |> RuleOutcome.map (fun (m0, s0, children) ->
                        m0 + constant shift, s0 * f, children |> List.map (fun ch -> { ch with Sd = ch.Sd * f }))
        }
        (fun b t (m0, s0, cs) -> NormalUpdates.normalMean b t m0 s0 cs)

let private withRule (rule: ConjugacyRule) (s: SbcStructure) =
    { s with
        Compile = CompileSettings.Default.WithRules([ rule ])
    }

let ``SBC passes the unedited Normal-Normal rule and fails it with a shifted mean or a halved variance`` () =
    let settings = ciSettings 200 5

    let run shift factor =
        runOk settings (withRule (editedNormalMean shift factor) oneObservation)

    let correct = run 0.0 1.0
    Checks.orFail (Sbc.toCheck correct)
    // Prior mean + 1: the posterior mean moves by 1/2, 0.71 posterior sds.
    let shifted = run 1.0 1.0
    Assert.False(shifted.Passed, (Sbc.toCheck shifted).Message)
    // Every precision doubled: the mean is unchanged and the variance halved, so the truth lands in the tails.
    let narrow = run 0.0 2.0
    Assert.False(narrow.Passed, (Sbc.toCheck narrow).Message)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.SbcTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.SbcTests"
            [
                Expecto.Tests.testList
                    "the simultaneous ECDF band covers uniform ranks with probability 1 − α"
                    [
                        Expecto.Tests.testCase "(100, 50, 0.05)" (fun () ->
                            ``the simultaneous ECDF band covers uniform ranks with probability 1 − α`` (100, 50, 0.05))
                        Expecto.Tests.testCase "(200, 20, 0.01)" (fun () ->
                            ``the simultaneous ECDF band covers uniform ranks with probability 1 − α`` (200, 20, 0.01))
                    ]
                Expecto.Tests.testCase
                    "the exact band's level agrees with the simulation method of Säilynoja et al."
                    (fun () -> ``the exact band's level agrees with the simulation method of Säilynoja et al.`` ())
                Expecto.Tests.testCase
                    "the band rejects ranks piled at the ends and accepts evenly spread ones"
                    (fun () -> ``the band rejects ranks piled at the ends and accepts evenly spread ones`` ())
                Expecto.Tests.testList
                    "the sampler is calibrated on cheap structures of the catalogue"
                    [
                        Expecto.Tests.testCase "(\"normal-normal\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` ("normal-normal"))
                        Expecto.Tests.testCase "(\"beta-binomial\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` ("beta-binomial"))
                        Expecto.Tests.testCase "(\"collapsed-beta-binomial\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` (
                                "collapsed-beta-binomial"
                            ))
                        Expecto.Tests.testCase "(\"collapsed-gamma-poisson\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` (
                                "collapsed-gamma-poisson"
                            ))
                        Expecto.Tests.testCase "(\"collapsed-logit-normal\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` (
                                "collapsed-logit-normal"
                            ))
                        Expecto.Tests.testCase "(\"gamma-poisson\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` ("gamma-poisson"))
                        Expecto.Tests.testCase "(\"normal-scale-gamma-precision\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` (
                                "normal-scale-gamma-precision"
                            ))
                        Expecto.Tests.testCase "(\"two-level-normal\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` ("two-level-normal"))
                        Expecto.Tests.testCase "(\"collapsed-normal-offset\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` (
                                "collapsed-normal-offset"
                            ))
                        Expecto.Tests.testCase "(\"truncated-beta-binomial\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` (
                                "truncated-beta-binomial"
                            ))
                        Expecto.Tests.testCase "(\"two-level-precision\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` ("two-level-precision"))
                        Expecto.Tests.testCase "(\"prior-draw\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` ("prior-draw"))
                        Expecto.Tests.testCase "(\"polya-gamma-elementwise\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` (
                                "polya-gamma-elementwise"
                            ))
                        Expecto.Tests.testCase "(\"poisson-glmm-centring\")" (fun () ->
                            ``the sampler is calibrated on cheap structures of the catalogue`` (
                                "poisson-glmm-centring"
                            ))
                    ]
                Expecto.Tests.testCase
                    "SBC passes the unedited Normal-Normal rule and fails it with a shifted mean or a halved variance"
                    (fun () ->
                        ``SBC passes the unedited Normal-Normal rule and fails it with a shifted mean or a halved variance`` ())
            ])
