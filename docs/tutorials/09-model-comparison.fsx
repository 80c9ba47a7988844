(**
# 9. Model comparison: DIC and p_D, WAIC, and PSIS-LOO on the Minnesota radon data

919 houses in 85 Minnesota counties report log radon and whether the measurement was taken on the ground floor
(Gelman & Hill 2007). Three answers to "does the county matter?":

* **complete pooling** — one intercept for the whole state;
* **no pooling** — a separate intercept for each county, each with a vague Normal(0, 10) prior;
* **partial pooling** — county intercepts drawn from Normal(mu, tau), tau learned.

All three have the floor effect beta. Which predicts new houses best? Three criteria, each an estimate of
out-of-sample predictive accuracy:

* **DIC** = D̄ + p_D, where D is the deviance −2 log p(y | θ) and p_D = D̄ − D(θ̄) is the *effective number of
  parameters* (Spiegelhalter et al. 2002). Partial pooling's p_D lies between the two extremes: each county
  intercept counts as a fraction of a parameter, its weight on its own data.
* **WAIC** = −2(lppd − p_waic) with p_waic = Σ_i var_s log p(y_i | θ^s) (Watanabe 2010).
* **PSIS-LOO** estimates the leave-one-out predictive density with Pareto-smoothed importance weights
  (Vehtari, Gelman & Gabry 2017) and says, through k̂, when it cannot be trusted.

The criteria are computed as R's `loo` 2.5.1 does (checked against it in the test suite,
tests/HierFunctional.Tests/fixtures/criteria).
*)
#load "references.fsx" "charts.fsx"
open System.IO
open HierFunctional
open HierFunctional.Plots
open type Distributions

let radon = Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "data", "radon.csv"))

let complete =
    model {
        let! a = sample "a" (Normal(0.0, 10.0))
        let! beta = sample "beta" (Normal(0.0, 10.0))
        let! sigma = sample "sigma" (HalfNormal 5.0)
        do! observe "log_radon" (Normal(a + beta * data "floor", sigma))
    }

let noPooling =
    model {
        let! alpha = sample "alpha" (Normal(0.0, 10.0)) |> over "county"
        let! beta = sample "beta" (Normal(0.0, 10.0))
        let! sigma = sample "sigma" (HalfNormal 5.0)
        do! observe "log_radon" (Normal(alpha.[group "county"] + beta * data "floor", sigma))
    }

let partial =
    model {
        let! mu = sample "mu" (Normal(0.0, 10.0))
        let! tau = sample "tau" (HalfNormal 5.0)
        let! alpha = sample "alpha" (Normal(mu, tau)) |> over "county"
        let! beta = sample "beta" (Normal(0.0, 10.0))
        let! sigma = sample "sigma" (HalfNormal 5.0)
        do! observe "log_radon" (Normal(alpha.[group "county"] + beta * data "floor", sigma))
    }

let draws = if References.quick then 1000 else 4000
let options = SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(draws).WithSeed(919).WithLogLikelihood(true)

let fit (m: Model) =
    match Bind.bind m radon |> Result.bind Gibbs.compile with
    | Ok plan -> plan, Chains.run options plan
    | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

let fits = [ "complete pooling", fit complete; "no pooling", fit noPooling; "partial pooling", fit partial ]

(** Every update is closed form (the plan of the partial-pooling model): *)
printfn "%s\n" (Gibbs.describe (fst (snd fits.[2])))

printfn "model              DIC      p_D    WAIC    p_waic   LOOIC ± se        p_loo  max k̂"
let results =
    [ for name, (plan, post) in fits ->
          let dic, waic, loo = Criteria.dicOf plan post, Criteria.waicOf post, Criteria.looOf post
          printfn "%-16s %7.1f  %6.1f  %7.1f  %6.1f  %7.1f ± %4.1f  %6.1f  %5.2f" name dic.Dic dic.PD waic.Waic.Estimate
              waic.PWaic.Estimate loo.Looic.Estimate loo.Looic.SE loo.PLoo.Estimate (Array.max loo.ParetoK)
          name, (dic, waic, loo) ]

Charts.save "radon-compare" (fits |> List.map (fun (name, (_, post)) -> name, post) |> Plot.compare)

(**
The same three models as a chart: each criterion on the deviance scale with its standard error (lower is
better). Partial pooling wins on WAIC and LOO; no pooling has the most effective parameters.

<iframe src="../charts/radon-compare.html" width="800" height="460" style="border:none" title="Model comparison of the three radon models"></iframe>
*)

(**
## Differences, with their standard errors

A difference of elpd between two models on the same data is estimated pointwise, so its standard error is
√n · sd(elpd_A,i − elpd_B,i) — much smaller than either model's own SE, because the hard-to-predict houses are
hard for both (this is what R's `loo_compare` reports).
*)
let loo name = results |> List.find (fst >> (=) name) |> snd |> fun (_, _, l) -> l

(** `LooCompare.compare` does this for any number of fits, best model first, as `loo_compare` prints it: *)
let comparison = LooCompare.compare [ for name, (_, _, l) in results -> name, l ]
printfn "%s" (LooCompare.format comparison)

let difference (a: string) (b: string) =
    let d = Array.map2 (-) (loo a).PointwiseElpd (loo b).PointwiseElpd
    let mean = Array.average d
    let sd = sqrt (Array.sumBy (fun x -> (x - mean) ** 2.0) d / float (d.Length - 1))
    Array.sum d, sqrt (float d.Length) * sd

for other in [ "complete pooling"; "no pooling" ] do
    let diff, se = difference "partial pooling" other
    printfn "elpd_loo(partial) − elpd_loo(%s) = %.1f ± %.1f" other diff se

(** ## Checks, so CI fails if the numbers drift *)
let dicOf name = results |> List.find (fst >> (=) name) |> snd |> fun (d, _, _) -> d
// p_D counts parameters: 3 for complete pooling; close to 85 + 2 for no pooling; in between for partial pooling.
if abs ((dicOf "complete pooling").PD - 3.0) > 1.0 then failwith "complete pooling p_D should be about 3"
if (dicOf "no pooling").PD < 75.0 || (dicOf "no pooling").PD > 90.0 then failwith "no pooling p_D should be near 87"
if (dicOf "partial pooling").PD < (dicOf "complete pooling").PD + 10.0 || (dicOf "partial pooling").PD > (dicOf "no pooling").PD - 10.0 then
    failwith "partial pooling p_D should lie between the extremes"
// Partial pooling predicts better than both extremes by more than two standard errors of the difference.
for other in [ "complete pooling"; "no pooling" ] do
    let diff, se = difference "partial pooling" other
    if diff < 2.0 * se then failwithf "partial pooling should beat %s (%.1f ± %.1f)" other diff se
// With 3 parameters and 919 houses no single house is influential: every Pareto k̂ is "good" (≤ 0.5). The
// no-pooling model, with counties of one or two houses, has houses whose k̂ is not.
if Array.max (loo "complete pooling").ParetoK > 0.5 then failwith "complete pooling should have only good k̂"
if Array.max (loo "no pooling").ParetoK <= 0.5 then failwith "no pooling should have influential houses"
// The comparison ranks partial pooling first and agrees with the hand computation.
if comparison.[0].Model <> "partial pooling" then failwith "partial pooling should rank first"
for r in comparison.[1..] do
    let diff, se = difference r.Model "partial pooling"
    if abs (r.ElpdDiff - diff) > 1e-9 || abs (r.SeDiff - se) > 1e-9 then failwithf "LooCompare disagrees for %s" r.Model
printfn "all checks passed"
