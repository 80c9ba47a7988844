(**
# A3. Posterior analysis: summaries, shrinkage, model criteria, predictive checks, variance components

A fit is a `Posterior`: chains × draws × named scalars. This tutorial takes fits of the canonical models and
asks the questions a hierarchical analysis is about: how much does each group borrow from the others, in the
**shrinkage report**; which model predicts better, by **DIC, WAIC and PSIS-LOO**; can the model reproduce
features of the data, by **posterior predictive checks**; how is the variance split between levels, the **ICC**;
and how to hand the draws to R or Python as **CmdStan CSV**.

Run with `dotnet fsi docs/tutorials/a3-posterior-analysis.fsx` (set HIER_QUICK=1 for short chains). Key numbers are
checked at the end, so the script fails if they drift.
*)
#load "references.fsx"
open System
open System.IO
open MathNet.Numerics.Random
open HierFunctional
open HierFunctional.Analytic
open type Distributions

let dataDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "data")
let csv name = Csv.readOrThrow (Path.Combine(dataDir, name))
let draws = if References.quick then 1000 else 5000
let options = SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(draws).WithSeed(2026).WithLogLikelihood(true)

let planOf (m: Model) (d: Dataset) =
    match Bind.bind m d |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error errors -> failwith (errors |> List.map ModelError.describe |> String.concat "; ")

let schools = csv "eight_schools.csv"
let eightPlan = planOf Examples.eightSchools schools
let eight = Chains.run options eightPlan

(** ## Summary: mean, sd, quantiles, MCSE, bulk/tail ESS and R-hat, with warnings. *)
printfn "%s" (Summary.format (Summary.compute (Posterior.select [ "mu"; "tau"; "theta[1]"; "theta[2]" ] eight)))

(**
The summary's q5..q95 is the central 90% interval. For a skewed posterior such as tau's, the **highest-density
interval** (the shortest interval holding 90% of the draws; `Hdi.compute` for every scalar) starts nearer zero:
*)
let tauHdi = Hdi.ofDraws 0.9 (Posterior.allChains "tau" eight)
printfn "tau: central 90%% [%.2f, %.2f], HDI 90%% [%.2f, %.2f]" (Diagnostics.quantile 0.05 (Posterior.chains "tau" eight)) (Diagnostics.quantile 0.95 (Posterior.chains "tau" eight)) (fst tauHdi) (snd tauHdi)

(**
## The shrinkage report

For each school: its own estimate y_j (no pooling), the precision-weighted mean of all schools (complete
pooling), the posterior mean and 90% interval of theta_j (partial pooling), and the realised shrinkage factor
B_j = E[sigma_j² / (sigma_j² + tau²) | y]: the weight the posterior puts on the population rather than the
school's own estimate. The family (Normal-Normal here) is read from the model tree.
*)
let eightReport = ShrinkageReport.report eightPlan.Bound "theta" eight
printfn "%s" (ShrinkageReport.format eightReport)

(** The same report for the Beta-Binomial surgical data: B_j = E[(alpha+beta) / (n_j+alpha+beta) | y]. *)
let surgicalData = csv "surgical.csv"
let surgicalPlan = planOf Examples.surgical surgicalData
let surgical = Chains.run options surgicalPlan
let surgicalReport = ShrinkageReport.report surgicalPlan.Bound "theta" surgical
printfn "%s" (ShrinkageReport.format surgicalReport)

(**
## Model criteria: hierarchical against complete pooling

With `WithLogLikelihood(true)` the sampler records log p(y_i | theta) per draw. DIC needs the deviance at the
posterior mean as well, so it takes the plan; WAIC and PSIS-LOO need only the draws.
*)
let pooledModel =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        do! observe "y" (Normal(mu, data "sigma"))
    }

let pooledPlan = planOf pooledModel schools
let pooled = Chains.run options pooledPlan

let criteria (name: string) plan post =
    let dic, waic, loo = Criteria.dicOf plan post, Criteria.waicOf post, Criteria.looOf post
    printfn "%-14s DIC %6.2f (p_D %5.2f)   WAIC %6.2f (p %5.2f)   LOOIC %6.2f ± %4.2f   max k %4.2f"
        name dic.Dic dic.PD waic.Waic.Estimate waic.PWaic.Estimate loo.Looic.Estimate loo.Looic.SE (Array.max loo.ParetoK)
    dic, waic, loo

let dicH, waicH, looH = criteria "hierarchical" eightPlan eight
let dicP, waicP, looP = criteria "pooled" pooledPlan pooled

(**
The eight schools are famously consistent with complete pooling: the criteria barely separate the two models,
and the hierarchical model's effective number of parameters is only a little above the pooled model's one.

## Posterior predictive checks

`Predictive.check` simulates a replicated data set per draw and compares a test statistic on it with the
observed one: p = P(T(y_rep) ≥ T(y)). The largest school effect (28 points, school A) is not surprising under
the model; a new, unseen school's effect is drawn from the population N(mu, tau) of each draw.
*)
let rng = Xoshiro256StarStar(2026, false)
let maxCheck = Predictive.check rng eightPlan.Bound (fun d -> match Dataset.tryColumn "y" d with Some(Column.Reals y) -> Array.max y | Some(Column.Integers y) -> float (Array.max y) | _ -> nan) eight
printfn "T = max y: observed %.1f, p = %.3f" maxCheck.Observed maxCheck.PValue
let newSchool = Predictive.newGroup rng eightPlan.Bound "theta" eight
let q p = Diagnostics.quantile p [| newSchool |]
printfn "a new school's effect: mean %.1f, 90%% interval (%.1f, %.1f)" (Array.average newSchool) (q 0.05) (q 0.95)

(**
## Variance decomposition: students within schools

For a Normal hierarchy, tau² is the between-school variance, sigma² the within-school one, and the intra-class
correlation ICC = tau² / (tau² + sigma²) is the share of the variance between schools. All three are derived
draw by draw, so their summaries carry MCSE and R-hat like any other scalar. The data were simulated with
tau = 5 and sigma = 10 (ICC 0.2).
*)
let studentsPlan = planOf Examples.studentsInSchools (csv "students.csv")
let students = Chains.run options studentsPlan
printfn "%s" (Summary.format (VarianceDecomposition.summary [ "tau"; "sigma" ] students))
let icc = VarianceDecomposition.decompose [ "tau"; "sigma" ] students |> Posterior.allChains "icc" |> Array.average

(**
## Handing the draws to R, ArviZ or cmdstanr

`CmdStanCsv.writePosterior` writes one Stan CSV file per chain, with CmdStan's comment header and
`theta.1`-style names; `CmdStanCsv.readPosterior` reads them (or Stan's own files) back. R `posterior` reads
ours directly (see docs/diagnostics.md for the command and its output).
*)
let outDir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "hierfunctional-03")).FullName

let header: CmdStanHeader =
    { ModelName = "eight_schools"; Algorithm = "gibbs"; NumSamples = draws; NumWarmup = 500; Thin = 1
      Seed = 2026UL; ChainId = 1; ElapsedSeconds = None }

let files = CmdStanCsv.writePosterior outDir header eight
printfn "wrote %s" (String.Join(", ", files))
let back = CmdStanCsv.readPosterior files

(**
For the tidyverse, pandas or ArviZ's long tables, `Tidy.draws` gives one (chain, draw, name, value) row per draw of
each scalar (`Tidy.labelled` names scalars by their group labels), and `Tidy.write` writes them as CSV:
*)
let tidy = Tidy.labelled eight |> Array.ofSeq
printfn "%d tidy rows; the first: %A" tidy.Length tidy.[0]

(** ## Checks: the tutorial's key numbers, so CI fails if they drift. *)
// Partial pooling against the exact grid posterior (BDA3 §5.4 with this model's priors), within 4 MCSE.
let exact =
    GridPosterior.normalHierarchy 400 (MuPrior.Normal(0.0, 5.0)) (GridPosterior.halfCauchyTau 5.0)
        (eightReport.Rows |> Array.map (fun r -> r.NoPooling))
        (match Dataset.tryColumn "sigma" schools with Some(Column.Integers s) -> Array.map float s | Some(Column.Reals s) -> s | _ -> [||])

for j in 0..7 do
    let theta = Posterior.chains $"theta[{j + 1}]" eight
    let err = abs (eightReport.Rows.[j].PartialMean - exact.Theta.[j].Mean)
    if err > 4.0 * Diagnostics.mcseMean theta then failwithf "theta[%d] posterior mean drifted from the grid" (j + 1)

// B_j grows with the school's standard error: H (sigma 18) shrinks most, E (sigma 9) least.
let byB = eightReport.Rows |> Array.sortBy (fun r -> r.Factor) |> Array.map (fun r -> r.Label)
if byB.[0] <> "E" || byB.[7] <> "H" then failwithf "eight schools B_j order drifted: %A" byB
if surgicalReport.Rows |> Array.exists (fun r -> r.Factor <= 0.0 || r.Factor >= 1.0) then failwith "surgical B_j outside (0, 1)"
// The pooled model's p_D is exactly the data's share of the posterior precision of mu,
// Σσ⁻² / (Σσ⁻² + 5⁻²) ≈ 0.60 (the N(0, 5) prior is informative); p_D's MCSE is p_D √(2/S) for iid draws.
let dataPrecision = (match Dataset.tryColumn "sigma" schools with Some(Column.Integers s) -> s |> Array.sumBy (fun s -> 1.0 / float (s * s)) | _ -> nan)
let pdExact = dataPrecision / (dataPrecision + 1.0 / 25.0)
if abs (dicP.PD - pdExact) > 4.0 * pdExact * sqrt (2.0 / float pooled.TotalDraws) then failwithf "pooled p_D %f drifted from %f" dicP.PD pdExact
// The hierarchical model adds little to it (tau is small), well under its 10 parameters.
if dicH.PD < 1.0 || dicH.PD > 4.0 then failwithf "hierarchical p_D drifted: %f" dicH.PD
if abs (looH.Looic.Estimate - looP.Looic.Estimate) > 2.0 * looH.Looic.SE then failwith "the models should be close in LOOIC"
if maxCheck.PValue < 0.05 || maxCheck.PValue > 0.95 then failwithf "max-y p-value drifted: %f" maxCheck.PValue
if icc < 0.05 || icc > 0.5 then failwithf "students ICC drifted: %f" icc
if back.Names <> eight.Names || Posterior.allChains "tau" back <> Posterior.allChains "tau" eight then failwith "CmdStan CSV round trip changed the draws"
if tidy.Length <> eight.TotalDraws * eight.Names.Length then failwith "one tidy row per chain, draw and scalar"
// tau's posterior is skewed right: its HDI is shorter than its central interval and starts lower
let tauChains = Posterior.chains "tau" eight
if snd tauHdi - fst tauHdi > Diagnostics.quantile 0.95 tauChains - Diagnostics.quantile 0.05 tauChains then failwith "the HDI should be the shorter interval"
printfn "all checks passed"
