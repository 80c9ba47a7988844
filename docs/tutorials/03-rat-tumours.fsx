(**
# 3. Rat tumours: empirical Bayes, full Bayes on a grid, and Gibbs — three answers to one question

71 historical experiments on control rats report y_j tumours among n_j rats; the 71st (4 of 14) is the current
one (Tarone 1982; BDA3 §5.1–5.3). The model is Beta-Binomial:

    y_j ~ Binomial(n_j, theta_j),   theta_j ~ Beta(alpha, beta),   p(alpha, beta) ∝ (alpha + beta)^(-5/2).

Given (alpha, beta) the posterior of each rate is Beta(alpha + y_j, beta + n_j − y_j): its mean
(y_j + alpha)/(n_j + alpha + beta) puts weight w_j = n_j/(n_j + alpha + beta) on the experiment's own rate.
The question is what to do about (alpha, beta):

* **empirical Bayes** estimates them once (method of moments or marginal maximum likelihood) and plugs them in;
* **full Bayes** integrates over their posterior — exactly, on a grid in (log(alpha/beta), log(alpha+beta)), as
  BDA3 does;
* the **Gibbs sampler** draws everything jointly; for the hyperparameters it slices on their log scale.

Full Bayes and Gibbs must agree to Monte Carlo error; empirical Bayes is a little overconfident.
*)
#load "references.fsx" "charts.fsx"
open System.IO
open HierFunctional
open HierFunctional.Analytic
open HierFunctional.Plots

let rats = Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "data", "rats.csv"))

let ints name =
    match Dataset.tryColumn name rats with
    | Some(Column.Integers v) -> v
    | other -> failwithf "column %s: %A" name other

let y, n = ints "y", ints "n"
let current = 70 // the 71st experiment, 4 of 14

(** ## Empirical Bayes: two estimates of (alpha, beta) *)
let mom = EmpiricalBayes.betaBinomialMoments y n
let ml = EmpiricalBayes.betaBinomialML y n
printfn "method of moments: alpha = %.2f, beta = %.2f   (BDA3 §5.1: 1.4, 8.6)" mom.Alpha mom.Beta
printfn "marginal ML:       alpha = %.3f (se %.3f), beta = %.3f (se %.3f)" ml.Alpha ml.AlphaSe ml.Beta ml.BetaSe

(** ## Full Bayes: the exact hyperposterior on a grid *)
let grid = GridPosterior.betaBinomial 120 y n
printfn "grid: mode of (log(a/b), log(a+b)) = (%.2f, %.2f)   [BDA3 Fig. 5.3: (-1.79, 2.74)]" (grid.ModeLogRatio) (grid.ModeLogSum)
printfn "grid: E[alpha/(alpha+beta) | y] = %.4f (sd %.4f); integration error %.1e" grid.PopulationMean.Mean grid.PopulationMean.Sd grid.IntegrationError

(** ## Gibbs *)
let draws = if References.quick then 2500 else 10000
let options = SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(draws).WithSeed(71)

let plan =
    match Bind.bind Examples.rats rats |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

printfn "\n%s\n" (Gibbs.describe plan)
let post = Chains.run options plan
printfn "%s" (Summary.format (Summary.compute (Posterior.select [ "pop_mean"; "log_ratio"; "log_sum"; "theta[71]" ] post)))
Charts.save "rats-shrinkage" (Plot.shrinkage (ShrinkageReport.report plan.Bound "theta" post))
Charts.save "rats-pair" (Plot.pair "log_ratio" "log_sum" post)

(**
Seventy-one experiments at once: each arrow runs from an experiment's raw rate to its posterior mean, sized by
the number of rats. The hyperposterior of (log(alpha/beta), log(alpha + beta)) drawn by Gibbs has the shape of
BDA3's Figure 5.3 (whose grid mode is checked below).

<iframe src="../charts/rats-shrinkage.html" width="800" height="460" style="border:none" title="Shrinkage plot, 71 rat-tumour experiments"></iframe>
<iframe src="../charts/rats-pair.html" width="800" height="460" style="border:none" title="Pair plot of log(alpha/beta) and log(alpha + beta)"></iframe>
*)

(**
## Three answers for the current experiment

The plug-in (empirical Bayes) posterior is Beta(alphâ + 4, betâ + 10). Full Bayes averages that Beta over the
hyperposterior, so it is wider: the uncertainty in how much to pool is part of the answer.
*)
let eb = Shrinkage.betaBinomial ml.Alpha ml.Beta y.[current] n.[current]
let theta71 = Posterior.chains "theta[71]" post
printfn "experiment 71 (4/14 = %.3f):" (4.0 / 14.0)
printfn "  empirical Bayes (ML plug-in)  mean %.4f  sd %.4f   weight on own data %.2f" eb.Mean eb.Sd (float n.[current] / (float n.[current] + ml.Alpha + ml.Beta))
printfn "  full Bayes (grid)             mean %.4f  sd %.4f" grid.Theta.[current].Mean grid.Theta.[current].Sd
printfn "  Gibbs                         mean %.4f  sd %.4f   (MCSE %.4f)" (Diagnostics.mean theta71) (Diagnostics.sd theta71) (Diagnostics.mcseMean theta71)

(** The pooling table for all experiments under the ML prior (first ten rows): *)
let table = Pooling.binomial y n
printfn "\n%s" table.Prior
printfn "exp   y/n    no pool  pooled  partial (sd)    weight"
for r in table.Rows |> Array.take 10 do
    printfn "%3d  %2d/%2d   %6.3f  %6.3f  %6.3f (%.3f)  %6.3f" (r.Group + 1) y.[r.Group] n.[r.Group] r.NoPooling r.CompletePooling r.PartialPooling r.PartialPoolingSd r.DataWeight

(** ## Checks, so CI fails if the numbers drift *)
let within4 name (x: float[][]) (truth: float) =
    let z = (Diagnostics.mean x - truth) / Diagnostics.mcseMean x
    if abs z > 4.0 then failwithf "%s: Gibbs mean is %.1f MCSE from the exact grid value" name z

within4 "theta[71]" theta71 grid.Theta.[current].Mean
within4 "pop_mean" (Posterior.chains "pop_mean" post) grid.PopulationMean.Mean
within4 "log_ratio" (Posterior.chains "log_ratio" post) grid.LogRatio.Mean
within4 "log_sum" (Posterior.chains "log_sum" post) grid.LogSum.Mean
for j in [ 0; 20; 45; 69 ] do
    within4 $"theta[{j + 1}]" (Posterior.chains $"theta[{j + 1}]" post) grid.Theta.[j].Mean
// Full Bayes is wider than the plug-in for the current experiment (the point of this tutorial).
if grid.Theta.[current].Sd <= eb.Sd then failwith "full Bayes should be wider than empirical Bayes"
if abs (grid.ModeLogRatio + 1.79) > 0.01 || abs (grid.ModeLogSum - 2.74) > 0.01 then failwith "grid mode drifted from BDA3"
printfn "all checks passed"
