(**
# 11. Property-testing statistical identities

A sampler can be wrong and still print plausible numbers. What protects you is a set of *identities* that hold
exactly when the math is right, checked often enough that a bug cannot hide:

* **Bayes' rule for one update.** A conjugate update must draw a node from its full conditional
  p(node | everything else) ∝ prior × likelihood. The kit checks this against the model's own log-density, not
  against a second copy of the update's formula: with the rest of the state fixed, it applies the update many
  times and compares E[x] and E[x²] over the draws with the same draws' Rao–Blackwell averages
  E[x | all but one coordinate], computed by quadrature (`RuleChecks.kernel`).
* **Geweke's joint-distribution test.** Alternating a full Gibbs sweep with fresh data simulated from the current
  parameters leaves the *prior* invariant if, and only if, every update is right (Geweke 2004): the chain's
  P(θ < q) at the prior's quartiles must match independent prior draws (`Geweke.check`).
* **The exact posterior.** Where it is known in closed form (or by quadrature), the fitted posterior mean and second
  moment must agree within 4 Monte Carlo standard errors (`ExactPosterior.check`).
* **Shrinkage invariants** of a Normal hierarchy: a posterior mean lies between the group's estimate and the
  population mean; the pull towards the population mean falls as the group grows; and the law of total variance
  Var(θ) = E[Var(θ | ȳ)] + Var(E[θ | ȳ]) holds (`ShrinkageChecks`).
* **Simulation-based calibration** of a whole model (`Sbc.run`, docs/sbc.md).

`HierFunctional.Testing` holds these as plain functions returning `{ Passed; Message }`, so they work from xunit,
NUnit or a script; `HierFunctional.Testing.Expecto` turns each into a one-line Expecto test list. This tutorial
writes a rule, states its identities, checks them with the kit, and then breaks the rule on purpose.
*)
#r "nuget: FsCheck, 3.6.0"
#r "nuget: Expecto, 11.1.1"
#r "nuget: Expecto.FsCheck, 11.1.1"
#load "references.fsx"
#r "../../src/HierFunctional.Testing/bin/Release/net10.0/HierFunctional.Testing.dll"
#r "../../src/HierFunctional.Testing.Expecto/bin/Release/net10.0/HierFunctional.Testing.Expecto.dll"

open Expecto
open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Testing
open HierFunctional.Testing.Expecto
open type Distributions

(**
## A rule of our own

The library already has a Beta-Binomial rule; writing our own keeps the math short and lets us compare. A Beta(a, b)
prior on p with Binomial(n_i, p) observations gives p | y ~ Beta(a + Σy, b + Σ(n − y)). `bug` is added to the
first posterior parameter: 0 is the right rule, 1 the classic off-by-one.
*)
let betaBinomial (bug: float) : ConjugacyRule =
    Rules.create
        { Name = if bug = 0.0 then "my Beta-Binomial" else "my Beta-Binomial (off by one)"
          Math = RuleMath.one "Beta(a, b)" "Binomial(n_i, p)" "Beta(a + Σ y, b + Σ (n − y))"
          Recognise =
            fun expanded node ->
                match node.Kind, node.Plate with
                | NodeKind.Parameter(Dist.Beta(Const a, Const b)), Plate.Scalar ->
                    match Graph.children expanded node.Name with
                    | [ { Kind = NodeKind.Observed(Dist.Binomial(Data n, Param p)) } as child ] when p = node.Name ->
                        RuleOutcome.Matched(a, b, child.Name, n)
                    | _ -> RuleOutcome.Rejected "its only child must be Binomial(data column, p)"
                | _ -> RuleOutcome.NotApplicable }
        (fun bound info (a, b, child, trials) ->
            let y, n = bound.Numeric.[child], bound.Numeric.[trials]
            let alpha, beta = a + Array.sum y + bug, b + Array.sum n - Array.sum y
            let offset = bound.Layout.Offsets.[info.Node.Name]

            Ok
                { Node = info.Node.Name
                  Method = "my Beta-Binomial"
                  Kind = UpdateKind.Rule "my Beta-Binomial"
                  Exactness = Exactness.Exact
                  Reason = ""
                  KeepsWeight = false
                  Init = fun _ -> UpdateStep.scratch (fun rng state -> state.Values.[offset] <- Beta.Sample(rng, alpha, beta)) })

/// Tumour counts in four groups of rats: y of n.
let rats =
    Dataset.empty
    |> Dataset.integers "y" [| 3; 0; 5; 2 |]
    |> Dataset.integers "n" [| 6; 4; 9; 5 |]

let rate =
    model {
        let! p = sample "p" (Beta(1.0, 1.0))
        do! observe "y" (Binomial(data "n", p))
    }

(**
## Its identities, one line each

`RuleExamples.create rule model data node` says where the rule should apply. `Identities.rule` is then every
check of the rule on that example: the kernel identity, Geweke, and (the example has one parameter) the posterior
against quadrature. The exact posterior is also known in closed form, Beta(11, 15), so we state it too.
*)
let exact =
    let a, b = 1.0 + 10.0, 1.0 + 14.0
    { Name = "p"; Mean = a / (a + b); Sd = sqrt (a * b / ((a + b) ** 2.0 * (a + b + 1.0))) }

let checks (rule: ConjugacyRule) =
    testList "identities" [
        Identities.rule (RuleExamples.create rule rate rats "p")
        testCase $"{rule.Name}: the posterior of p is Beta(11, 15) within 4 MCSE" (fun () ->
            ExactPosterior.check Identities.samplerOptions [ rule ] rate rats [ exact ] |> Identities.expectPassed)
    ]

/// Runs a test list as Expecto's command line would, quietly; 0 when every test passed.
let run (tests: Test) = runTestsWithCLIArgs [ CLIArguments.Colours 0; CLIArguments.No_Spinner ] [||] tests

let good = run (checks (betaBinomial 0.0))
printfn "the right rule: %s" (if good = 0 then "every identity holds" else "FAILED")

(**
## The off-by-one rule is caught

The same list on the broken rule fails, and each failure says which identity broke and by how much: the draws'
mean is many MCSE away from quadrature of the model's own density, Geweke's chain drifts away from the prior, and
the fitted mean misses Beta(11, 15).
*)
let bad = run (checks (betaBinomial 1.0))
printfn "the off-by-one rule: %s" (if bad <> 0 then "caught" else "NOT CAUGHT")

(** The checks are plain functions, so the same failure reads the same from xunit, NUnit or a script: *)
let kernel = RuleChecks.kernel KernelSettings.Default (RuleExamples.create (betaBinomial 1.0) rate rats "p")
printfn "RuleChecks.kernel on the broken rule: passed = %b\n  %s" kernel.Passed kernel.Message

(**
## A whole model, and the shrinkage invariants

For a model, the identities are about the whole sampler: Geweke's test of a hierarchical Beta-Binomial with our
rule ahead of the built-in ones, and the shrinkage invariants of the library's Normal-Normal closed form as
FsCheck properties over generated hierarchies (from a fixed seed, so a failure repeats).
*)
let hierarchy =
    model {
        let! mu = sample "mu" (Beta(2.0, 2.0))
        let! kappa = sample "kappa" (Gamma(2.0, 0.2))
        let! p = sample "p" (Beta(mu * kappa, (1.0 - mu) * kappa)) |> over "group"
        do! observe "y" (Binomial(data "n", p.[group "group"]))
    }

let whole =
    run (
        testList "a model" [
            Identities.geweke "the hierarchical Beta-Binomial leaves its prior invariant" (betaBinomial 0.0 :: Rules.builtIn)
                hierarchy (rats |> Dataset.labels "group" [| "a"; "b"; "c"; "d" |]) [ "mu"; "kappa"; "p[1]" ]
            Identities.shrinkage "Normal-Normal shrinkage" ShrinkageChecks.library
        ]
    )

(** A shrinkage estimator that forgets the data's weight grows with n is caught by the same one line: *)
let stuck: NormalShrinker = fun mu tau sigma ybar _ -> ShrinkageChecks.library mu tau sigma ybar 1
let stuckRun = run (Identities.shrinkage "shrinkage that ignores the group size" stuck)
printfn "the group-size-blind estimator: %s" (if stuckRun <> 0 then "caught" else "NOT CAUGHT")

if good <> 0 || bad = 0 || whole <> 0 || stuckRun = 0 then
    failwith "the kit did not separate the right rule from the broken one"
