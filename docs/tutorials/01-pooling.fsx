(**
# 1. The analyst's dilemma: no pooling, complete pooling, partial pooling

Twenty hospitals report 30-day readmissions among their discharges (simulated, docs/data/SOURCES.md). The
hospitals differ a lot in size: from a few dozen discharges to thousands. The question is each hospital's
readmission rate — and which hospitals look worst.

* **No pooling**: each hospital alone, y_j/n_j. Honest for big hospitals, wild for small ones: a hospital with
  25 discharges and 7 readmissions reports 28%, with a standard error near 9 points.
* **Complete pooling**: one rate for all, Σy/Σn. Stable, but it says every hospital is the same, which the big
  hospitals plainly contradict.
* **Partial pooling**: rates theta_j drawn from a population Beta(alpha, beta), learned from all hospitals.
  Each estimate is (y_j + alpha)/(n_j + alpha + beta) = w_j·y_j/n_j + (1 − w_j)·alpha/(alpha + beta): a weighted
  average of the hospital's own rate and the population mean, with own-data weight w_j = n_j/(n_j + alpha + beta)
  near 1 for big hospitals and small for tiny ones. The data decide how much to pool.
*)
#load "references.fsx" "charts.fsx"
open System.IO
open HierFunctional
open HierFunctional.Analytic
open HierFunctional.Plots

let file = Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "data", "hospitals.csv"))

let ints name =
    match Dataset.tryColumn name file with
    | Some(Column.Integers v) -> v
    | other -> failwithf "column %s: %A" name other

let labels =
    match Dataset.tryColumn "hospital" file with
    | Some(Column.Labels(l, _)) -> l
    | other -> failwithf "%A" other

let y, n = ints "readmissions", ints "discharges"

(** ## The three estimates side by side (partial pooling with alpha, beta by marginal maximum likelihood) *)
let table = Pooling.binomial y n
printfn "%s\n" table.Prior
printfn "hospital    n     y   no pooling (se)    complete   partial (sd)    weight on own data"
for r in table.Rows |> Array.sortBy (fun r -> n.[r.Group]) do
    let p = r.NoPooling
    printfn "%-8s %5d %5d   %6.3f (%.3f)    %8.3f   %6.3f (%.3f)   %6.2f" labels.[r.Group] n.[r.Group] y.[r.Group] p (sqrt (p * (1.0 - p) / float n.[r.Group])) r.CompletePooling r.PartialPooling r.PartialPoolingSd r.DataWeight

(**
## Which hospital is worst?

Ranked by their raw rates, small hospitals crowd the top: with few discharges, extreme rates happen by chance.
Ranked by partial-pooling estimates, a hospital must show a high rate *and* enough discharges to be believed.
*)
let top (score: int -> float) = [| 0 .. y.Length - 1 |] |> Array.sortByDescending score |> Array.take 3 |> Array.map (fun j -> $"{labels.[j]} (n={n.[j]})")
printfn "\nworst three by raw rate:            %s" (String.concat ", " (top (fun j -> float y.[j] / float n.[j])))
printfn "worst three by partial pooling:     %s" (String.concat ", " (top (fun j -> table.Rows.[j].PartialPooling)))

(**
## Full Bayes: integrate over alpha and beta instead of plugging in estimates

The Beta-Binomial model with BDA3's p(alpha, beta) ∝ (alpha + beta)^(−5/2), sampled by Gibbs (every theta_j has
a closed-form Beta update) and computed exactly on a grid: the two must agree.
*)
let data = file |> Dataset.integers "n" n
let hierarchical = Examples.betaBinomial "hospital" "readmissions"

let plan =
    match Bind.bind hierarchical data |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

printfn "\n%s\n\n%s\n" (Print.model hierarchical) (Gibbs.describe plan)
let draws = if References.quick then 2500 else 10000
let post = Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(draws).WithSeed(1)) plan
let shrinkage = ShrinkageReport.report plan.Bound "theta" post
printfn "%s" (ShrinkageReport.format shrinkage)
Charts.save "hospitals-shrinkage" (Plot.shrinkage shrinkage)

(**
The same table as a picture: each arrow starts at a hospital's own rate (no pooling) and ends at its partial
pooling estimate, the point's size is the hospital's discharges, and the line is complete pooling. Small
hospitals travel far toward the population; large ones hardly move. Hover shows the hospital and the numbers.

<iframe src="../charts/hospitals-shrinkage.html" width="800" height="460" style="border:none" title="Shrinkage plot, twenty hospitals"></iframe>
*)

let grid = GridPosterior.betaBinomial 120 y n

(** ## Checks, so CI fails if the numbers drift *)
for j in 0 .. y.Length - 1 do
    let x = Posterior.chains $"theta[{j + 1}]" post
    let z = (Diagnostics.mean x - grid.Theta.[j].Mean) / Diagnostics.mcseMean x
    if abs z > 4.0 then failwithf "theta[%d]: Gibbs mean %.1f MCSE from the exact grid" (j + 1) z

// The weight on a hospital's own data grows with its size (the definition of partial pooling).
let bySize = table.Rows |> Array.sortBy (fun r -> n.[r.Group])
if bySize |> Array.pairwise |> Array.exists (fun (a, b) -> n.[a.Group] < n.[b.Group] && a.DataWeight > b.DataWeight) then
    failwith "own-data weight must increase with discharges"
// Partial pooling is a weighted average of the raw rate and the *prior* mean alpha/(alpha + beta) (not the
// pooled rate): (y + alpha)/(n + alpha + beta) = w·y/n + (1 − w)·alpha/(alpha + beta), w = n/(n + alpha + beta).
let ml = EmpiricalBayes.betaBinomialML y n
for r in table.Rows do
    let w = float n.[r.Group] / (float n.[r.Group] + ml.Alpha + ml.Beta)
    let blend = w * r.NoPooling + (1.0 - w) * ml.Alpha / (ml.Alpha + ml.Beta)
    if abs (r.PartialPooling - blend) > 1e-9 then failwithf "hospital %s: partial pooling is not the weighted average" labels.[r.Group]
printfn "all checks passed"
