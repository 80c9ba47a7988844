(**
# 2. Eight schools: centred, non-centred and interweaving; shrinkage factors; the posterior of tau

Eight schools ran the same SAT coaching programme; each reports an estimated effect `y_j` and its standard error
`sigma_j` (Rubin 1981; BDA3 §5.5). The hierarchical model says the true effects are draws from a population:

    y_j ~ Normal(theta_j, sigma_j),  theta_j ~ Normal(mu, tau),  mu ~ Normal(0, 5),  tau ~ HalfCauchy(5).

This is the data set where samplers struggle: the data say little about tau, so the posterior has a funnel
(small tau pins every theta_j to mu). A centred Gibbs sampler — JAGS's, for instance — moves tau by tiny steps
when tau is small. The non-centred form theta_j = mu + tau·eta_j fixes that for weak data and breaks it for
strong data. An *interweaving* step (ASIS, Yu & Meng 2011) moves (mu, tau) with the standardised effects held
fixed: one sampler that mixes whether the data are weak or strong. With known sds, as here, HierFunctional does
better by default, centred or not: theta and mu integrate out, so tau moves on its own marginal (independence
Metropolis-Hastings from a table of it) and mu, theta are then drawn exactly (`CompileSettings.CollapsedNormal`).
This tutorial measures all four against the exact answer.

Run with `dotnet fsi docs/tutorials/02-eight-schools.fsx` (HIER_QUICK=1 for short chains).
*)
#load "references.fsx" "charts.fsx"
open System.IO
open HierFunctional
open HierFunctional.Analytic
open HierFunctional.Plots
open type Distributions

let schools = Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "data", "eight_schools.csv"))
let draws = if References.quick then 2000 else 10000
let options = SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(draws).WithSeed(8)

(** The centred model is `Examples.eightSchools`; the non-centred one makes theta a derived node: *)
printfn "%s\n" (Print.model Examples.eightSchools)
printfn "%s\n" (Print.model Examples.eightSchoolsNonCentred)

let compile settings (m: Model) =
    match Bind.bind m schools |> Result.bind (Gibbs.compileUsing settings) with
    | Ok plan -> plan
    | Error errors -> failwith (errors |> List.map ModelError.describe |> String.concat "; ")

let plans =
    let oneAtATime = CompileSettings.Default.WithCollapsedNormal false
    [ "centred, plain Gibbs", compile (oneAtATime.WithInterweaving false) Examples.eightSchools
      "non-centred", compile oneAtATime Examples.eightSchoolsNonCentred
      "collapsed (the default)", compile CompileSettings.Default Examples.eightSchools
      "centred + interweaving", compile oneAtATime Examples.eightSchools ]

(** Each plan, as `Gibbs.describe` prints it: the update of every node and why. *)
for name, plan in plans do
    printfn "-- %s\n%s\n" name (Gibbs.describe plan)

(**
## How well does each sampler explore tau?

Bulk-ESS counts the effectively independent draws for the centre of tau's distribution, tail-ESS for its 5% and
95% quantiles. Divided by the number of draws kept, they say how much of each draw is real information.
*)
let fits = plans |> List.map (fun (name, plan) -> name, Chains.run options plan)
let total = float (4 * draws)
printfn "sampler                   E[tau]   bulk-ESS/draw  tail-ESS/draw  R-hat"

for name, post in fits do
    let tau = Posterior.chains "tau" post
    printfn "%-24s %7.3f   %12.3f   %12.3f  %6.3f" name (Diagnostics.mean tau) (Diagnostics.essBulk tau / total)
        (Diagnostics.essTail tau / total) (Diagnostics.rhat tau)

Charts.save "schools-rank-plain" (fits |> List.head |> snd |> Plot.rank "tau")
Charts.save "schools-rank-interweaving" (fits |> List.last |> snd |> Plot.rank "tau")

(**
Rank plots show the difference (Vehtari et al. 2021): each chain's draws of tau ranked among all chains. A chain
that mixes fills every rank bin equally; plain Gibbs's chains each sit in a band of ranks for long stretches.

<iframe src="../charts/schools-rank-plain.html" width="800" height="460" style="border:none" title="Rank plot of tau, centred plain Gibbs"></iframe>
<iframe src="../charts/schools-rank-interweaving.html" width="800" height="460" style="border:none" title="Rank plot of tau, centred with interweaving"></iframe>

The funnel that makes the centred model hard: theta_1 against tau, drawn by plain Gibbs. Near tau = 0 the
schools' effects are pinned to mu, and a one-at-a-time sampler crawls in and out of the neck.
*)
Charts.save "schools-funnel" (fits |> List.head |> snd |> Plot.funnel "theta[1]" "tau")
(**
<iframe src="../charts/schools-funnel.html" width="800" height="460" style="border:none" title="Funnel of theta[1] against tau, centred plain Gibbs"></iframe>
*)

(**
## The exact answer

With two hyperparameters the posterior can be integrated on a grid (BDA3 §5.4: p(tau | y) in closed form given
tau, mu integrated analytically under its Normal prior). The grid gives E[tau | y], E[mu | y] and each
E[theta_j | y] to many digits, so every sampler can be judged in Monte Carlo standard errors.
*)
let col name =
    match Dataset.tryColumn name schools with
    | Some(Column.Integers v) -> Array.map float v
    | Some(Column.Reals v) -> v
    | other -> failwithf "column %s: %A" name other

let y, sigma = col "y", col "sigma"
let exact = GridPosterior.normalHierarchy 400 (MuPrior.Normal(0.0, 5.0)) (GridPosterior.halfCauchyTau 5.0) y sigma
printfn "\nexact: E[tau | y] = %.3f (sd %.3f), E[mu | y] = %.3f (sd %.3f)" exact.Tau.Mean exact.Tau.Sd exact.Mu.Mean exact.Mu.Sd
printfn "sampler                   tau: error in MCSE   mu: error in MCSE"

let errorsInMcse (post: Posterior) name (truth: float) =
    let x = Posterior.chains name post
    (Diagnostics.mean x - truth) / Diagnostics.mcseMean x

for name, post in fits do
    printfn "%-24s %10.2f %20.2f" name (errorsInMcse post "tau" exact.Tau.Mean) (errorsInMcse post "mu" exact.Mu.Mean)

(**
## Shrinkage: how far each school moves toward the population

Given tau, school j's posterior mean is B_j·mu + (1 − B_j)·y_j with shrinkage factor
B_j = sigma_j² / (sigma_j² + tau²): the noisier the school, the more it borrows. Averaged over tau's posterior,
the shrinkage report gives the realised E[B_j | y] for every school, next to no pooling (y_j) and complete
pooling (the precision-weighted mean).
*)
let interweaving = fits |> List.last |> snd
let plan = plans |> List.last |> snd
let report = ShrinkageReport.report plan.Bound "theta" interweaving
printfn "\n%s" (ShrinkageReport.format report)
Charts.save "schools-shrinkage" (Plot.shrinkage report)

(**
<iframe src="../charts/schools-shrinkage.html" width="800" height="460" style="border:none" title="Shrinkage plot, eight schools"></iframe>
*)

(** The posterior of tau itself: mass piles up near zero (complete pooling is plausible) with a long right tail. *)
let tauDraws = Posterior.chains "tau" interweaving
let q p = Diagnostics.quantile p tauDraws
printfn "tau: median %.2f, 50%% interval (%.2f, %.2f), 90%% interval (%.2f, %.2f)" (q 0.5) (q 0.25) (q 0.75) (q 0.05) (q 0.95)

(** ## Checks, so CI fails if the numbers drift *)
// Every sampler is correct: its means agree with the grid within 4 MCSE. (The plain centred sampler's MCSE is
// large because its ESS is low; it is right, only slow.)
for name, post in fits do
    for node, truth in [ "tau", exact.Tau.Mean; "mu", exact.Mu.Mean ] do
        let z = errorsInMcse post node truth
        if abs z > 4.0 then failwithf "%s: E[%s] is %.1f MCSE from the grid" name node z

    for j in 0..7 do
        let z = errorsInMcse post $"theta[{j + 1}]" exact.Theta.[j].Mean
        if abs z > 4.0 then failwithf "%s: E[theta[%d]] is %.1f MCSE from the grid" name (j + 1) z

// Interweaving is what the design promises: tau's bulk-ESS at least half the draws, and well above plain Gibbs.
let essPerDraw name = Diagnostics.essBulk (Posterior.chains "tau" (fits |> List.find (fst >> (=) name) |> snd)) / total
if essPerDraw "centred + interweaving" < 0.5 then failwithf "interweaving tau ESS/draw fell to %.3f" (essPerDraw "centred + interweaving")
if essPerDraw "centred + interweaving" < 2.0 * essPerDraw "centred, plain Gibbs" then failwith "interweaving should at least double tau's ESS"
// The collapsed default draws tau nearly independently.
if essPerDraw "collapsed (the default)" < 0.7 then failwithf "collapsed tau ESS/draw fell to %.3f" (essPerDraw "collapsed (the default)")
// B_j follows sigma_j: school E (sigma 9) shrinks least, H (sigma 18) most.
let byB = report.Rows |> Array.sortBy (fun r -> r.Factor) |> Array.map (fun r -> r.Label)
if byB.[0] <> "E" || byB.[7] <> "H" then failwithf "B_j order drifted: %A" byB
printfn "all checks passed"
