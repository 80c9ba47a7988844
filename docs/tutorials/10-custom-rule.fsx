(**
# 10. Writing your own conjugacy rule, and property-testing it with HierFunctional.Testing

The Gibbs compiler tries a list of rules on each parameter node; the first that recognises the pattern gives a
closed-form update, and nodes no rule covers are slice-sampled (and `Gibbs.describe` says why). A rule is a
value:

    { Name = "..."; Math = "..."; Try = fun expandedModel node -> Result<Conjugate, string> }

`Try` returns one of the update kinds the compiler can execute (`Conjugate.GammaPoisson`, `Conjugate.NormalMean`,
...) or the reason it does not apply. Writing a rule therefore means recognising *your* pattern and reducing it
to a known update.

**The example.** Hospital readmission rates with an Exponential(b) prior, lambda_j ~ Exponential(b): the
built-in Gamma-Poisson rule does not fire, because the prior is not written as a Gamma. But Exponential(b) is
Gamma(1, b), so the conditional is Gamma(1 + Σy, b + ΣE). Our rule rewrites the prior and delegates.
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

let exponentialPoisson: ConjugacyRule =
    { Name = "Exponential-Poisson"
      Math = "lambda ~ Exponential(b) = Gamma(1, b), y_i ~ Poisson(E_i lambda) => Gamma(1 + sum y_i, b + sum E_i)"
      Try =
        fun expanded node ->
            match node.Kind with
            | NodeKind.Parameter(Dist.Exponential rate) ->
                Conjugacy.gammaPoisson.Try expanded { node with Kind = NodeKind.Parameter(Dist.Gamma(constant 1.0, rate)) }
            | _ -> Error "its prior is not Exponential" }

let readmissions =
    model {
        let! lambda = sample "lambda" (Exponential 0.5) |> over "hospital"
        do! observe "y" (Poisson(lambda.[group "hospital"], data "expected"))
    }

let data =
    Dataset.empty
    |> Dataset.labels "hospital" [| "A"; "B"; "C"; "A"; "B"; "C" |]
    |> Dataset.integers "y" [| 3; 0; 14; 5; 1; 9 |]
    |> Dataset.reals "expected" [| 2.5; 1.0; 10.0; 3.5; 0.5; 8.0 |]

let compileWith rules =
    match Bind.bind readmissions data |> Result.bind (Gibbs.compileWith rules) with
    | Ok p -> p
    | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

printfn "built-in rules only:\n%s\n" (Gibbs.describe (compileWith Rules.builtIn))
let plan = compileWith (exponentialPoisson :: Rules.builtIn)
// The plan names the update our rule delegated to (the executor is the Gamma-Poisson one).
printfn "with our rule first:\n%s\n" (Gibbs.describe plan)

(**
## Does the update draw from the right distribution?

Hospital A saw 3 + 5 = 8 readmissions against 6 expected, so lambda_A | y ~ Gamma(1 + 8, 0.5 + 6). Given the
prior, each sweep's draw is exact and independent, so `Checks.meanWithinMcse` (MCSE = sd/√n) and
`Checks.varianceWithinMcse` apply directly.
*)
let post = Chains.run (SamplerOptions.Default.WithChains(2).WithWarmup(100).WithDraws(5000).WithSeed(10)) plan
let exact = MathNet.Numerics.Distributions.Gamma(9.0, 6.5)
let drawsA = Posterior.pooled "lambda[1]" post
let meanCheck = Checks.meanWithinMcse 4.0 exact.Mean drawsA
let varCheck = Checks.varianceWithinMcse 4.0 exact.Variance drawsA
printfn "mean:     %s\nvariance: %s" meanCheck.Message varCheck.Message
Checks.orFail meanCheck
Checks.orFail varCheck

(**
## Property: the kernel is Bayes' rule for any data

The update's kernel (`Conjugate.gammaPoisson` with prior Gamma(1, b)) must be proportional to
prior × likelihood for *every* data set, not just ours. `Checks.conjugatePosterior` checks that
log posterior − (log prior + log likelihood) is the same at every point (Bayes' rule up to the evidence), and
FsCheck generates the data: counts with exposures from `Generators.countWithExposure`, a random rate b.
*)
let property =
    Prop.forAll
        (Arb.fromGen (
            Gen.zip (Gen.listOfLength 4 (Generators.countWithExposure 30)) Generators.positiveScale
        ))
        (fun (obs, b) ->
            let post = Conjugate.gammaPoisson { Shape = 1.0; Rate = b } (obs |> List.sumBy fst |> float) (obs |> List.sumBy snd)
            let logPrior l = MathNet.Numerics.Distributions.Exponential.PDFLn(b, l)
            let logLik l = obs |> List.sumBy (fun (y, e) -> MathNet.Numerics.Distributions.Poisson.PMFLn(l * e, y))
            let logPost l = MathNet.Numerics.Distributions.Gamma.PDFLn(post.Shape, post.Rate, l)
            (Checks.conjugatePosterior 1e-9 logPrior logLik logPost [ 0.05; 0.3; 1.0; 2.5; 7.0 ]).Passed)

Check.One(Config.QuickThrowOnFailure.WithMaxTest(200).WithReplay(Some { Rnd = Rnd(10UL, 3UL); Size = None }), property)
printfn "property held for 200 generated data sets"
printfn "all checks passed"
