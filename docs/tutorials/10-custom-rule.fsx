(**
# 10. Writing your own conjugacy rule, and property-testing it with HierFunctional.Testing

The Gibbs compiler tries a list of rules on each parameter node; the first that recognises the pattern gives the
node's update, and nodes no rule covers are slice-sampled (and `Gibbs.describe` says why). A rule is one value
with two halves, packed by `Rules.create`:

- a **recogniser** `{ Name; Math; Recognise }`, where `Math` is the rule's formula written once, as rows of
  (prior, children, full conditional) — the library's own conjugacy table is rendered from these rows by
  `Rules.table` — and `Recognise expandedModel node` returns a typed outcome:
  `RuleOutcome.NotApplicable` (the node's prior is not this rule's family: the rule stays silent),
  `RuleOutcome.Rejected reason` (the family fits but something else does not: the reason shows in the plan), or
  `RuleOutcome.Matched m`, where `m` is whatever your executor needs — its type is private to your rule;
- an **executor** `bound -> nodeInfo -> m -> Result<Update, string>` that builds the node's update once, when the
  plan is compiled (an `Error` is a rejection only visible with the data bound).

If your executor throws, compilation fails with `ModelError.RuleFailed` naming the node, the rule and the
exception — a rule bug never turns silently into slice sampling.

**The example: a conjugate pair the library does not have.** Response times are often modelled as LogNormal:
rt_i ~ LogNormal(theta, s) with a known log-scale s and theta ~ Normal(m0, s0). Since log rt_i ~ Normal(theta, s),
theta | rt ~ Normal(m, 1/P) with P = 1/s0² + n/s² and m = (m0/s0² + Σ log rt_i / s²)/P. No built-in rule covers it
(the Normal-Normal rule rejects a LogNormal child), so the plan slices theta; our rule draws it exactly.
*)
#r "nuget: FsCheck, 3.6.0"
#load "references.fsx"
#r "../../src/HierFunctional.Testing/bin/Release/net10.0/HierFunctional.Testing.dll"
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions
open MathNet.Numerics.Random
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Testing
open type Distributions

/// The full conditional of theta: (mean, sd) from the prior and the log observations (the math, in one place).
let logNormalLocation (m0: float) (s0: float) (s: float) (logs: float[]) =
    let precision = 1.0 / (s0 * s0) + float logs.Length / (s * s)
    (m0 / (s0 * s0) + Array.sum logs / (s * s)) / precision, 1.0 / sqrt precision

let normalLogNormal: ConjugacyRule =
    Rules.create
        { Name = "Normal-LogNormal location"
          Math =
            RuleMath.one
                "Normal(m0, s0), scalar"
                "observed LogNormal(θ, s), s constant"
                "N(m, 1/P), P = 1/s0² + n/s², m = (m0/s0² + Σ log y_i/s²)/P"
          Recognise =
            fun expanded node ->
                match node.Kind, node.Plate with
                | NodeKind.Parameter(Dist.Normal(Const m0, Const s0)), Plate.Scalar ->
                    match Graph.children expanded node.Name with
                    | [ { Kind = NodeKind.Observed(Dist.LogNormal(Param t, Const s)) } as child ] when t = node.Name ->
                        RuleOutcome.Matched(m0, s0, s, child.Name)
                    | _ -> RuleOutcome.Rejected "its only child must be an observed LogNormal(theta, constant)"
                | _ -> RuleOutcome.NotApplicable }
        (fun bound info (m0, s0, s, child) ->
            // Everything the draw needs is data: computed once here, not every sweep.
            let mean, sd = logNormalLocation m0 s0 s (bound.Numeric.[child] |> Array.map log)
            let offset = bound.Layout.Offsets.[info.Node.Name]

            Ok
                { Node = info.Node.Name
                  Method = "Normal-LogNormal location"
                  Kind = UpdateKind.Rule "Normal-LogNormal location"
                  Exactness = Exactness.Exact
                  Reason = ""
                  KeepsWeight = false
                  // Per-chain state, if the update had any, would be made here, once per chain; this draw has none.
                  Init = fun _ -> UpdateStep.scratch (fun rng state -> state.Values.[offset] <- Normal.Sample(rng, mean, sd)) })

let responseTimes =
    model {
        let! theta = sample "theta" (Normal(0.0, 2.0))
        do! observe "rt" (LogNormal(theta, 0.5))
    }

let rts = [| 0.61; 0.83; 0.47; 1.12; 0.72; 0.95; 0.58 |]
let rtData = Dataset.empty |> Dataset.reals "rt" rts

let compileWith rules =
    match Bind.bind responseTimes rtData |> Result.bind (Gibbs.compileWith rules) with
    | Ok p -> p
    | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

printfn "our rule's row of the conjugacy table:\n%s\n" (Rules.table [ normalLogNormal ])
printfn "built-in rules only:\n%s\n" (Gibbs.describe (compileWith Rules.builtIn))
let plan = compileWith (normalLogNormal :: Rules.builtIn)
printfn "with our rule first:\n%s\n" (Gibbs.describe plan)

(**
## Does the update draw from the right distribution?

Each sweep's draw is exact and independent, so `Checks.meanWithinMcse` (MCSE = sd/√n) and
`Checks.varianceWithinMcse` compare it with the closed form directly.
*)
let post = Chains.run (SamplerOptions.Default.WithChains(2).WithWarmup(100).WithDraws(5000).WithSeed(10)) plan
let exactMean, exactSd = logNormalLocation 0.0 2.0 0.5 (Array.map log rts)
let draws = Posterior.allChains "theta" post
let meanCheck = Checks.meanWithinMcse 4.0 exactMean draws
let varCheck = Checks.varianceWithinMcse 4.0 (exactSd * exactSd) draws
printfn "mean:     %s\nvariance: %s" meanCheck.Message varCheck.Message
Checks.orFail meanCheck
Checks.orFail varCheck

(**
## Property: the kernel is Bayes' rule for any data

`logNormalLocation` must be proportional to prior × likelihood for *every* data set, not just ours.
`Checks.conjugatePosterior` checks that log posterior − (log prior + log likelihood) is the same at every point
(Bayes' rule up to the evidence), and FsCheck generates the data and the prior.
*)
let property =
    Prop.forAll
        (Arb.fromGen (Gen.zip3 (Gen.listOfLength 5 Generators.positiveScale) Generators.positiveScale Generators.positiveScale))
        (fun (ys, s0, s) ->
            let mean, sd = logNormalLocation 0.3 s0 s (ys |> List.map log |> Array.ofList)
            let logPrior t = Normal.PDFLn(0.3, s0, t)
            let logLik t = ys |> List.sumBy (fun y -> LogNormal.PDFLn(t, s, y))
            let logPost t = Normal.PDFLn(mean, sd, t)
            (Checks.conjugatePosterior 1e-9 logPrior logLik logPost [ -1.0; -0.2; 0.0; 0.4; 1.5 ]).Passed)

Check.One(Config.QuickThrowOnFailure.WithMaxTest(200).WithReplay(Some { Rnd = Rnd(10UL, 3UL); Size = None }), property)
printfn "property held for 200 generated data sets"

(**
## Reducing a pattern to a built-in rule

A rule can also rewrite the node and hand it to a built-in rule. Exponential(b) is Gamma(1, b), so an Exponential
prior on a Poisson rate is the Gamma-Poisson pair: the packed rule's `Try` delegates to `Rules.gammaPoisson.Try`,
whose match already carries the Gamma-Poisson executor.
*)
let exponentialPoisson: ConjugacyRule =
    { Name = "Exponential-Poisson"
      Math = RuleMath.one "Exponential(b) = Gamma(1, b)" "Poisson(E_i λ)" "Gamma(1 + Σ y_i, b + Σ E_i)"
      Try =
        fun expanded node ->
            match node.Kind with
            | NodeKind.Parameter(Dist.Exponential rate) ->
                Rules.gammaPoisson.Try expanded { node with Kind = NodeKind.Parameter(Dist.Gamma(constant 1.0, rate)) }
            | _ -> RuleOutcome.NotApplicable }

let readmissions =
    model {
        let! lambda = sample "lambda" (Exponential 0.5) |> over "hospital"
        do! observe "y" (Poisson(lambda.[group "hospital"], data "expected"))
    }

let hospitals =
    Dataset.empty
    |> Dataset.labels "hospital" [| "A"; "B"; "C"; "A"; "B"; "C" |]
    |> Dataset.integers "y" [| 3; 0; 14; 5; 1; 9 |]
    |> Dataset.reals "expected" [| 2.5; 1.0; 10.0; 3.5; 0.5; 8.0 |]

match Bind.bind readmissions hospitals |> Result.bind (Gibbs.compileWith (exponentialPoisson :: Rules.builtIn)) with
| Ok p ->
    printfn "%s" (Gibbs.describe p)
    // Hospital A: 3 + 5 readmissions against 6 expected, so lambda_A | y ~ Gamma(1 + 8, 0.5 + 6).
    let drawsA = Posterior.allChains "lambda[1]" (Chains.run (SamplerOptions.Default.WithChains(2).WithDraws(5000).WithSeed(10)) p)
    Checks.orFail (Checks.meanWithinMcse 4.0 (9.0 / 6.5) drawsA)
| Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

printfn "all checks passed"
