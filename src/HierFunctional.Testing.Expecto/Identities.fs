namespace HierFunctional.Testing.Expecto

open Expecto
open FsCheck.FSharp
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Testing

/// One-line Expecto test lists over HierFunctional.Testing's framework-neutral checks: each test fails with the
/// check's message (the numbers and the tolerance), as an assertion failure, not an error.
[<RequireQualifiedAccess>]
module Identities =

    /// Fails the current test with the check's message unless it passed.
    let expectPassed (check: CheckResult) =
        if not check.Passed then
            failtest check.Message

    /// The FsCheck settings of the property lists: 100 cases from a fixed replay seed, so a run is reproducible.
    let fsCheckConfig =
        { FsCheckConfig.defaultConfig with
            replay = Some(20261121UL, 0x9E3779B97F4A7C15UL, None)
        }

    /// Short sampler options for the exact-posterior tests: 4 chains × 2,000 draws after 500 warm-up sweeps, seed 1.
    let samplerOptions =
        SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(2000).WithSeed(1)

    /// The rule's update draws from the full conditional of the example's node (`RuleChecks.kernel`); skipped with
    /// the reason when the node has no density to integrate (a spike-and-slab point mass).
    let ruleKernel (ex: RuleExample) =
        let name =
            $"its update draws '{ex.Node}' from the full conditional (kernel identity)"

        match RuleChecks.kernelApplies ex with
        | Error why -> testCase name (fun () -> skiptest why)
        | Ok() -> testCase name (fun () -> RuleChecks.kernel KernelSettings.Default ex |> expectPassed)

    /// Geweke's joint-distribution test of the plan with the rule first, on the example (`Geweke.ofRule`).
    let ruleGeweke (ex: RuleExample) =
        testCase $"the sampler with it leaves the prior of '{ex.Node}' invariant (Geweke)" (fun () ->
            Geweke.ofRule GewekeSettings.Default ex |> expectPassed)

    /// The fitted posterior agrees with quadrature within MCSE (`ExactPosterior.ofRule`; one-parameter examples).
    let ruleExactPosterior (ex: RuleExample) =
        testCase $"the posterior of '{ex.Node}' agrees with quadrature within 4 MCSE" (fun () ->
            ExactPosterior.ofRule samplerOptions ex |> expectPassed)

    /// Every check of a rule on its example: kernel identity, Geweke, and (for a one-parameter example) the exact
    /// posterior.
    let rule (ex: RuleExample) =
        let oneParameter = ExactPosterior.byQuadrature ex.Model ex.Data |> Result.isOk

        testList
            ex.Rule.Name
            [
                ruleKernel ex
                ruleGeweke ex
                if oneParameter then
                    ruleExactPosterior ex
            ]

    /// `rule` for each rule, with its example from `examples` (matched by rule name); a rule without one is a
    /// failing test that says so.
    let rules (examples: RuleExample list) (rules: ConjugacyRule list) =
        match RuleExamples.forRules examples rules with
        | Ok found -> testList "conjugacy rules" (found |> List.map rule)
        | Error msg -> testCase "every rule has an example" (fun () -> failtest msg)

    /// Geweke's joint-distribution test of a whole model under the given rules (`Geweke.check`; empty names = the
    /// model's first parameters).
    let geweke (name: string) (rules: ConjugacyRule list) (model: Model) (data: Dataset) (names: string list) =
        testCase name (fun () -> Geweke.check GewekeSettings.Default rules model data names |> expectPassed)

    /// Simulation-based calibration of a structure (`Sbc.run`, `Sbc.toCheck`).
    let sbc (name: string) (settings: SbcSettings) (structure: SbcStructure) =
        testCase name (fun () ->
            match Sbc.run settings structure with
            | Ok r -> Sbc.toCheck r |> expectPassed
            | Error e -> failtest $"SBC could not run: {e}")

    /// The model's posterior agrees with exact moments within 4 MCSE (`ExactPosterior.check`, built-in rules).
    let exactPosterior (name: string) (model: Model) (data: Dataset) (expected: ExactMoments list) =
        testCase name (fun () ->
            ExactPosterior.check samplerOptions Rules.builtIn model data expected
            |> expectPassed)

    /// The shrinkage invariants of a Normal-Normal estimator, as FsCheck properties over generated hierarchies:
    /// posterior means between the group estimate and μ, the pull towards μ falling with group size, and the law of
    /// total variance.
    let shrinkage (name: string) (shrink: NormalShrinker) =
        let forAll gen (check: _ -> CheckResult) =
            Prop.forAll (Arb.fromGen gen) (fun x ->
                let c = check x
                c.Passed |> Prop.label c.Message)

        testList
            name
            [
                testPropertyWithConfig
                    fsCheckConfig
                    "a posterior mean lies between the group estimate and the population mean"
                    (forAll (Generators.groupedData 8 20) (ShrinkageChecks.betweenEstimateAndMean shrink))
                testPropertyWithConfig
                    fsCheckConfig
                    "shrinkage towards the population mean falls as the group grows"
                    (forAll (Generators.normalHierarchy 8 20) (ShrinkageChecks.fallsWithGroupSize shrink))
                testPropertyWithConfig
                    { fsCheckConfig with maxTest = 20 }
                    "the law of total variance holds"
                    (forAll (Generators.normalHierarchy 4 20) (ShrinkageChecks.lawOfTotalVariance 4000 7 shrink))
            ]
