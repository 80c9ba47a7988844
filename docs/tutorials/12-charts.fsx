(**
# 12. Charts: every diagnostic and shrinkage chart in one line each

`HierFunctional.Plots` draws a fit with [Plotly.NET](https://plotly.net): trace and rank plots, densities by
chain, autocorrelation, forest plots, the shrinkage plot, pair and funnel plots with flagged chains in red, prior
against posterior, posterior predictive checks, R-hat and ESS overviews, variance shares and a model comparison.
Each function takes the library's own result (a `Posterior`, a `ShrinkageTable`, a `PredictiveCheck`, criteria)
last, so a chart is one pipeline: `post |> Plot.rank "tau" |> Plot.show`. Hover shows the group label and the
numbers. Every page is self-contained: plotly.js is inlined from the copy Plotly.NET ships, so it opens offline.

`Plot.show` opens the chart in the default browser; with `CI` set it only writes the page (this script runs in CI).
Here each chart is also saved under `docs/output/charts/`. Run with `dotnet fsi docs/tutorials/12-charts.fsx`.
*)
#load "references.fsx" "charts.fsx"
open System
open System.IO
open HierFunctional
open HierFunctional.Plots
open type Distributions

let dataDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "data")
let saved = ResizeArray<string>()

let save name chart =
    saved.Add name
    Charts.save name chart

let draws = if References.quick then 500 else 2000
let options = SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(draws).WithSeed(11).WithLogLikelihood(true)

let planOf (m: Model) (d: Dataset) =
    match Bind.bind m d |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error errors -> failwith (errors |> List.map ModelError.describe |> String.concat "; ")

let column name (d: Dataset) =
    match Dataset.tryColumn name d with
    | Some(Column.Reals v) -> v
    | Some(Column.Integers v) -> Array.map float v
    | other -> failwithf "column %s: %A" name other

(** ## Eight schools *)
let schools = Csv.readOrThrow (Path.Combine(dataDir, "eight_schools.csv"))
let eightPlan = planOf Examples.eightSchools schools
let eight = Chains.run options eightPlan
let eightShrinkage = ShrinkageReport.report eightPlan.Bound "theta" eight
let maxCheck = Predictive.check (Random 11) eightPlan.Bound (column "y" >> Array.max) eight

eight |> Plot.trace "tau" |> save "eight-trace"
eight |> Plot.rank "tau" |> save "eight-rank"
(**
On the documentation site the pages this script saves are shown inline (the script runs before the site is built):

<iframe src="../charts/eight-shrinkage.html" width="800" height="460" style="border:none" title="Shrinkage plot, eight schools"></iframe>
<iframe src="../charts/eight-rank.html" width="800" height="460" style="border:none" title="Rank plot of tau, eight schools"></iframe>
*)
eight |> Plot.density "mu" |> save "eight-density"
eight |> Plot.autocorrelation "tau" |> save "eight-autocorrelation"
eight |> Plot.forest "theta" |> save "eight-forest"
eightShrinkage |> Plot.shrinkage |> save "eight-shrinkage"
eight |> Plot.pair "mu" "tau" |> save "eight-pair"
eight |> Plot.funnel "theta[1]" "tau" |> save "eight-funnel"
eight |> Plot.priorPosterior eightPlan.Bound "tau" |> save "eight-prior-posterior"
eight |> Plot.predictiveDensities eightPlan.Bound "y" |> save "eight-ppc"
maxCheck |> Plot.predictiveStatistic "max y" |> save "eight-ppc-max"
eight |> Plot.rhat |> save "eight-rhat"
eight |> Plot.ess |> save "eight-ess"

(**
The model comparison puts the hierarchical model beside complete pooling (tau = 0: one effect for all schools)
by WAIC and LOOIC, each ±1 SE; DIC rows can be added with `GroupData.Criterion.dic`.
*)
let pooledModel =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        do! observe "y" (Normal(mu, data "sigma"))
    }

let pooled = Chains.run options (planOf pooledModel schools)
[ "hierarchical", eight; "complete pooling", pooled ] |> Plot.compare |> save "eight-compare"

(** ## Sleepstudy: varying intercepts and slopes, and subject means *)
let sleep = Csv.readOrThrow (Path.Combine(dataDir, "sleepstudy.csv"))
let sleepPlan = planOf Examples.sleepstudy sleep
let sleepPost = Chains.run options sleepPlan

sleepPost |> Plot.trace "sigma" |> save "sleep-trace"
sleepPost |> Plot.rank "SigmaB[2,2]" |> save "sleep-rank"
sleepPost |> Plot.density "mu[2]" |> save "sleep-density"
sleepPost |> Plot.autocorrelation "SigmaB[1,1]" |> save "sleep-autocorrelation"
sleepPost |> Plot.forest "b" |> save "sleep-forest"
sleepPost |> Plot.pair "mu[1]" "mu[2]" |> save "sleep-pair"
sleepPost |> Plot.priorPosterior sleepPlan.Bound "sigma" |> save "sleep-prior-posterior"
sleepPost |> Plot.predictiveDensities sleepPlan.Bound "Reaction" |> save "sleep-ppc"
sleepPost |> Plot.rhat |> save "sleep-rhat"
sleepPost |> Plot.ess |> save "sleep-ess"

(**
The shrinkage plot and the variance shares need a scalar group effect on the data's own scale, so they use the
subjects' mean reaction times, theta_j ~ Normal(mu, tau): how far each subject's own mean moves towards the
population, and how the variance splits between subjects (tau) and days within a subject (sigma).
*)
let subjectMeans =
    model {
        let! mu = sample "mu" (Normal(300.0, 100.0))
        let! tau = sample "tau" (HalfNormal 100.0)
        let! sigma = sample "sigma" (HalfNormal 100.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "Subject"
        do! observe "Reaction" (Normal(theta.[group "Subject"], sigma))
    }

let meansPlan = planOf subjectMeans sleep
let means = Chains.run options meansPlan
let sdCheck = Predictive.check (Random 12) meansPlan.Bound (fun d -> let y = column "Reaction" d in sqrt (Array.averageBy (fun v -> (v - Array.average y) ** 2.0) y)) means

ShrinkageReport.report meansPlan.Bound "theta" means |> Plot.shrinkage |> save "sleep-shrinkage"
means |> Plot.varianceShares [ "tau"; "sigma" ] |> save "sleep-variance"
sdCheck |> Plot.predictiveStatistic "sd of Reaction" |> save "sleep-ppc-sd"
[ "intercepts and slopes", sleepPost; "subject means", means ] |> Plot.compare |> save "sleep-compare"

(** `Plot.show` writes a self-contained page and opens it (or, with CI set, prints where it is). *)
let shown = eightShrinkage |> Plot.shrinkage |> Plot.show

let written = saved |> Seq.filter (fun name -> File.Exists(Path.Combine(Charts.folder, name + ".html"))) |> Seq.length
printfn "%d chart pages in %s" written Charts.folder

if saved.Count < 28 || written < saved.Count || not (File.Exists shown) then
    failwith "a chart page is missing"
