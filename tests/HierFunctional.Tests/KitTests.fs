/// The Testing kit's checks hold for the library and fail on broken math: a Beta-Binomial rule off by one in a
/// posterior parameter, and shrinkage estimators that break an invariant.
module HierFunctional.Tests.KitTests

open Expecto
open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Testing
open HierFunctional.Testing.Expecto
open type Distributions

/// A hand-written Beta-Binomial rule whose first posterior parameter is off by `bug`.
let private betaBinomial (bug: float) : ConjugacyRule =
    Rules.create
        {
            Name = $"Beta-Binomial off by {bug}"
            Math = RuleMath.one "Beta(a, b)" "Binomial(n_i, p)" "Beta(a + Σ y + bug, b + Σ (n − y))"
            Recognise =
                fun expanded node ->
                    match node.Kind with
                    | NodeKind.Parameter(Dist.Beta(Const a, Const b)) ->
                        match Graph.children expanded node.Name with
                        | [ {
                                Kind = NodeKind.Observed(Dist.Binomial(Data n, Param p))
                            } as child ] when p = node.Name -> RuleOutcome.Matched(a, b, child.Name, n)
                        | _ -> RuleOutcome.Rejected "one Binomial child"
                    | _ -> RuleOutcome.NotApplicable
        }
        (fun bound info (a, b, child, trials) ->
            let y, n = bound.Numeric.[child], bound.Numeric.[trials]
            let alpha, beta = a + Array.sum y + bug, b + Array.sum n - Array.sum y
            let offset = bound.Layout.Offsets.[info.Node.Name]

            Ok
                {
                    Node = info.Node.Name
                    Method = "Beta-Binomial by hand"
                    Kind = UpdateKind.Rule "Beta-Binomial by hand"
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun _ ->
                            UpdateStep.scratch (fun rng state ->
                                state.Values.[offset] <- Beta.Sample(rng, alpha, beta))
                })

let private rate =
    model {
        let! p = sample "p" (Beta(1.0, 1.0))
        do! observe "y" (Binomial(data "n", p))
    }

let private counts =
    Dataset.empty
    |> Dataset.integers "y" [| 3; 0; 5; 2 |]
    |> Dataset.integers "n" [| 6; 4; 9; 5 |]

let private example bug =
    RuleExamples.create (betaBinomial bug) rate counts "p"

/// Beta(1 + 10, 1 + 14): the closed-form posterior of the example.
let private exact =
    let a, b = 11.0, 15.0

    {
        Name = "p"
        Mean = a / (a + b)
        Sd = sqrt (a * b / ((a + b) ** 2.0 * (a + b + 1.0)))
    }

let private expectCaught (what: string) (c: CheckResult) =
    Expect.isFalse c.Passed $"{what} should fail, but: {c.Message}"

/// A shrinkage estimator that ignores the group size (always n = 1).
let private sizeBlind: NormalShrinker =
    fun mu tau sigma ybar _ -> ShrinkageChecks.library mu tau sigma ybar 1

/// A shrinkage estimator that overshoots the population mean by 10%.
let private overshooting: NormalShrinker =
    fun mu tau sigma ybar n ->
        let m, sd = ShrinkageChecks.library mu tau sigma ybar n
        mu + 1.1 * (m - ybar) + (ybar - mu), sd

let private anyFails (gen: FsCheck.Gen<'a>) (check: 'a -> CheckResult) =
    FsCheck.FSharp.Gen.sampleWithSeed (FsCheck.Rnd(20261121UL, 7UL)) 50 30 gen
    |> Array.exists (fun x -> not (check x).Passed)

[<Tests>]
let tests =
    testList
        "HierFunctional.Tests.KitTests"
        [
            Identities.rule (example 0.0)
            Identities.shrinkage "the library's Normal-Normal shrinkage" ShrinkageChecks.library
            Identities.sbc
                "the kit's SBC list finds the Gamma-Poisson structure calibrated"
                { SbcSettings.Default with
                    Replications = 100
                    Seed = 11
                    Warmup = 100
                    MaxThin = 16
                }
                (SbcCatalogue.find "gamma-poisson")
            testCase "the hand-written Beta-Binomial posterior agrees with the closed form Beta(11, 15)" (fun () ->
                ExactPosterior.check Identities.samplerOptions [ betaBinomial 0.0 ] rate counts [ exact ]
                |> Identities.expectPassed)
            testCase "quadrature gives the closed-form Beta(11, 15) posterior" (fun () ->
                match ExactPosterior.byQuadrature rate counts with
                | Ok q ->
                    Expect.floatClose Accuracy.high q.Mean exact.Mean "mean"
                    Expect.floatClose Accuracy.high q.Sd exact.Sd "sd"
                | Error e -> failtest e)
            testCase "the kernel identity catches a rule off by one" (fun () ->
                RuleChecks.kernel KernelSettings.Default (example 1.0)
                |> expectCaught "the kernel check")
            testCase "Geweke's test catches a rule off by one" (fun () ->
                Geweke.ofRule GewekeSettings.Default (example 1.0) |> expectCaught "Geweke")
            testCase "the exact-posterior check catches a rule off by one" (fun () ->
                ExactPosterior.check Identities.samplerOptions [ betaBinomial 1.0 ] rate counts [ exact ]
                |> expectCaught "the exact-posterior check")
            testCase "a rule that does not claim the node fails the kernel check with the reason" (fun () ->
                let c =
                    RuleChecks.kernel
                        KernelSettings.Default
                        { example 0.0 with
                            Rule = Rules.gammaPoisson
                        }

                expectCaught "a check of a rule that does not apply" c
                Expect.stringContains c.Message "does not apply" "the message says why")
            testCase "the shrinkage checks catch an estimator blind to the group size" (fun () ->
                Expect.isTrue
                    (anyFails (Generators.normalHierarchy 8 20) (ShrinkageChecks.fallsWithGroupSize sizeBlind))
                    "falls with group size"

                Expect.isTrue
                    (anyFails (Generators.normalHierarchy 4 20) (ShrinkageChecks.lawOfTotalVariance 4000 7 sizeBlind))
                    "law of total variance")
            testCase "the shrinkage checks catch an estimator that overshoots the population mean" (fun () ->
                Expect.isTrue
                    (anyFails (Generators.groupedData 8 20) (ShrinkageChecks.betweenEstimateAndMean overshooting))
                    "between the estimate and the mean")
        ]
