(**
# 6. Varying intercepts and slopes: sleepstudy from a formula and from the F# model, against lme4 and JAGS

18 subjects were kept awake for up to 9 days; their reaction times were measured daily (Belenky et al. 2003;
`lme4::sleepstudy`). Each subject has their own baseline *and* their own rate of decline, and the two may be
correlated. The lme4 formula says it in one line:

    Reaction ~ Days + (Days | Subject)

HierFunctional parses the same formula (docs/formula.md) into the same kind of model tree the F# `model { }`
expression builds — not a separate engine — with brms-style default priors scaled to the data:
*)
#load "references.fsx"
open System.IO
open HierFunctional
open type Distributions

let sleep = Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "data", "sleepstudy.csv"))
let formula = "Reaction ~ Days + (Days | Subject)"

let modelOf (options: FormulaOptions) =
    match Formula.buildWithTerms options [] formula sleep with
    | Ok md -> md
    | Error e -> failwith (Formula.describeErrors e)

// the model, the data with any derived columns, and the names the formula gave its nodes (terms, levels, sd nodes)
let fromFormula, formulaData, terms = modelOf FormulaOptions.Default
printfn "%s\n" (Print.model fromFormula)

(**
The subject coefficients r_Subject[j] = (intercept_j, slope_j) are centred on the population coefficients
(b_Intercept, b_Days), so their update is a closed-form MvNormal regression per subject; their covariance has
brms's prior by default: half-Student-t sds (sd_Subject__Intercept, sd_Subject__Days) and an LKJ(1) prior on the
Cholesky factor L_Subject of the correlation (`CovariancePrior.InverseWishart` gives a conjugate Sigma_Subject).
*)
let compile (m: Model) (d: Dataset) =
    match Bind.bind m d |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

let plan = compile fromFormula formulaData
printfn "%s\n" (Gibbs.describe plan)
let draws = if References.quick then 1000 else 4000
let options = SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(draws).WithSeed(18)
let post = Chains.run options plan

(**
The sampler draws the sds and the Cholesky factor L_Subject; `Effects.readable` shows them as lme4 and brms users read them —
the standard deviations `sd_Subject__Intercept`, `sd_Subject__Days` and the correlation
`cor_Subject__Intercept__Days`, computed draw by draw — and labels the subject coefficients by level and term
(`r_Subject[1,2]` is `r_Subject[308,Days]`). `Effects.fixef`, `Effects.ranef`, `Effects.coef` and `Effects.varCorr`
give brms's tables.
*)
let shown = Effects.readable terms post
printfn "%s" (Summary.format (Summary.compute (Posterior.select [ "b_Intercept"; "b_Days"; "sd_Subject__Intercept"; "sd_Subject__Days"; "cor_Subject__Intercept__Days"; "sigma"; "r_Subject[1,2]" ] shown)))
printfn "fixef\n%s" (Effects.format (Effects.fixef terms post))
printfn "VarCorr\n%s" (Effects.format (Effects.varCorr terms post))
printfn "90%% highest-density interval of sd_Subject__Days: %A" (Hdi.ofDraws 0.9 (Posterior.allChains "sd_Subject__Days" shown))

(**
## Against lme4

`lmer(Reaction ~ Days + (Days | Subject))` (lme4 1.1.31, REML) estimates the fixed effects 251.41 (se 6.82) and
10.47 (se 1.55) (tests/HierFunctional.Tests/fixtures/formula). A posterior mean under weak priors and a REML
estimate are different estimators, so they agree only to a fraction of a standard error; the subject effects
agree with lme4's conditional modes (BLUPs) in ordering and size.
*)
let fixture name = Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "tests", "HierFunctional.Tests", "fixtures", name)
let rows file = File.ReadAllLines(fixture file) |> Array.skip 1 |> Array.map (fun l -> l.Split ',' |> Array.map (fun s -> s.Trim '"'))
let lme4Fixef = rows "formula/sleepstudy_fixef.csv" |> Array.map (fun r -> float r.[1], float r.[2])

for (name, (est, se)) in Array.zip [| "b_Intercept"; "b_Days" |] lme4Fixef do
    let x = Posterior.chains name post
    printfn "%-12s posterior mean %8.3f (MCSE %.3f)   lme4 %8.3f (se %.2f)" name (Diagnostics.mean x) (Diagnostics.mcseMean x) est se

(**
Per subject: lme4's BLUP of the slope deviation against `Effects.ranef`, the posterior mean of the subject's
deviation (r_Subject is centred on b_Days, so the deviation is r_Subject[j,2] − b_Days, draw by draw).
*)
let blups = rows "formula/sleepstudy_ranef.csv"
let ranef = Effects.ranef terms post
let slopeDev (level: string) = (ranef |> Array.find (fun r -> r.Level = level && r.Term = "Days")).Mean
let ours = blups |> Array.map (fun r -> slopeDev r.[0])
let theirs = blups |> Array.map (fun r -> float r.[2])
let correlation = MathNet.Numerics.Statistics.Correlation.Pearson(ours, theirs)
printfn "correlation of subject slope deviations with lme4's BLUPs: %.4f" correlation

(**
## The same model with an LKJ prior on the correlation, written in F#

brms's default for correlated effects is Σ = diag(s)·L·Lᵀ·diag(s) with L ~ LKJ(1) and half-t scales:
separate, interpretable priors on the scales and the correlation. `MvNormalCholesky(mean, scales, L)` says that
directly; the subject vectors still get their closed-form update, and (s, L) are slice-sampled together from the
scatter statistic (docs/conjugacy.md). The formula's default, `CovariancePrior.Lkj 1.0`, is this structure.
*)
let lkjModel =
    model {
        let! mu = sample "mu" (MvNormal(vector [ constant 250.0; constant 10.0 ], matrix [ [ constant 10000.0; constant 0.0 ]; [ constant 0.0; constant 625.0 ] ]))
        let! s = sample "s" (HalfStudentT(3.0, 25.0)) |> sized 2
        let! l = sample "L" (LkjCholesky(2, 1.0))
        let! b = sample "b" (MvNormalCholesky(mu, s, l)) |> over "Subject"
        let! sigma = sample "sigma" (HalfStudentT(3.0, 25.0))
        do! observe "Reaction" (Normal(dot (vector [ constant 1.0; data "Days" ]) b.[group "Subject"], sigma))
    }

printfn "%s" (Print.model lkjModel)

let lkjPlan = compile lkjModel sleep
printfn "%s\n" (Gibbs.describe lkjPlan)
let lkjPost = Chains.run options lkjPlan

(** For K = 2 the correlation is L[2,1] (L = [[1, 0], [rho, sqrt(1 − rho²)]]). *)
printfn "%s" (Summary.format (Summary.compute (Posterior.select [ "mu[1]"; "mu[2]"; "s[1]"; "s[2]"; "L[2,1]"; "sigma" ] lkjPost)))

(** The formula's default LKJ covariance prior builds the same structure, with brms's node names: *)
let lkjFormula, lkjData, lkjTerms = modelOf { FormulaOptions.Default with Covariance = CovariancePrior.Lkj 1.0 }
printfn "%s" (Print.model lkjFormula)

(**
## VarCorr against lme4

lme4's REML `VarCorr` (fixtures/formula/sleepstudy_varcorr.csv, made by lme4_varcorr.R) against the posterior of
the formula under its default, brms's LKJ prior: each posterior mean is within one posterior sd of lme4's estimate.
(Under the InverseWishart(K + 1) option, the default before issue 22, sd_Subject__Days is pulled up to about 7.9
against lme4's 5.9: that prior puts more mass on large slope sds.)
*)
let lkjFormulaPost = Chains.run options (compile lkjFormula lkjData)
let lme4VarCorr = rows "formula/sleepstudy_varcorr.csv" |> Array.map (fun r -> r.[0], float r.[1])
let varCorr = Effects.varCorr lkjTerms lkjFormulaPost

for name, reference in lme4VarCorr do
    let r = varCorr |> Array.find (fun v -> v.Name = name)
    printfn "%-30s posterior %7.3f (sd %6.3f)   lme4 %7.3f" name r.Mean r.Sd reference

(**
## Prediction for new rows

`Fit.formula` fits in one call and returns a **fit value** (model, bound data, plan, posterior and the formula), so
prediction needs no second binding. `Fit.epred` gives the expected reaction time per draw and new row (brms's
`posterior_epred`), `Fit.predict` a predictive draw (`posterior_predict`). The new rows need every column the
formula reads except the response. Subject 308 is in the data; "new" is not, and is refused unless new levels are
allowed: then its intercept and slope are drawn, per draw, from the population N((b_Intercept, b_Days), Σ), with
Σ = diag(sd)·L·Lᵀ·diag(sd).
*)
let fit =
    match Fit.formula options Family.Gaussian [] formula sleep with
    | Ok f -> f
    | Error e -> failwith (Formula.describeErrors e)

let newRows = Dataset.empty |> Dataset.labels "Subject" [| "308"; "new" |] |> Dataset.reals "Days" [| 10.0; 10.0 |]

match Fit.epred (System.Random 1) false newRows fit with
| Error e -> printfn "without new levels: %s" (PredictionError.describeAll e)
| Ok _ -> failwith "an unseen subject was predicted"

let epred =
    match Fit.epred (System.Random 1) true newRows fit with
    | Ok p -> p
    | Error e -> failwith (PredictionError.describeAll e)

let predicted =
    match Fit.predict (System.Random 2) true newRows fit with
    | Ok p -> p
    | Error e -> failwith (PredictionError.describeAll e)

for row, who in [ 0, "subject 308"; 1, "a new subject" ] do
    let e, y = Prediction.row row epred, Prediction.row row predicted
    printfn "%s on day 10: mean reaction %.1f ms (sd %.1f over draws); a new measurement: 90%% in [%.0f, %.0f]" who (Array.average e) (sqrt (MathNet.Numerics.Statistics.Statistics.Variance e)) (MathNet.Numerics.Statistics.Statistics.Quantile(y, 0.05)) (MathNet.Numerics.Statistics.Statistics.Quantile(y, 0.95))

(**
Given the draws these are closed forms: for subject 308 (level j) the expected value is exactly
r_Subject[j,1] + 10 · r_Subject[j,2] in every draw; for a new subject its mean over draws is the mean of
b_Intercept + 10 · b_Days, within the Monte Carlo error of drawing the new subject's effects (checked below).
*)

(**
## Checks, so CI fails if the numbers drift

* The formula fit's fixed effects are within 0.25 lme4 standard errors (plus 4 MCSE) of lme4's estimates.
* The subject slope deviations correlate with lme4's BLUPs above 0.99.
* Under the LKJ prior the sd and cor rows are within one posterior sd of lme4's VarCorr.
* Prediction: subject 308's expected value is its own intercept plus 10 × slope in every draw; a new subject's
  mean is the population line's within 4 Monte Carlo SEs.
* The LKJ model agrees with JAGS 4.3.1 (same priors, rho ~ Uniform(−1, 1) which is LKJ(1) for K = 2;
  4 × 40,000 draws; tests/HierFunctional.Tests/fixtures/lkj) within 4 combined MCSE on every hyperparameter.
*)
for (name, (est, se)) in Array.zip [| "b_Intercept"; "b_Days" |] lme4Fixef do
    let x = Posterior.chains name post
    if abs (Diagnostics.mean x - est) > 0.25 * se + 4.0 * Diagnostics.mcseMean x then failwithf "%s drifted from lme4" name

if correlation < 0.99 then failwithf "BLUP correlation drifted: %f" correlation

for name, reference in lme4VarCorr do
    let r = varCorr |> Array.find (fun v -> v.Name = name)
    if abs (r.Mean - reference) > r.Sd then failwithf "%s is more than a posterior sd from lme4's VarCorr" name
let fitDraws name = Posterior.allChains name fit.Posterior
let j308 = Array.findIndex ((=) "308") fit.Bound.Groups.["Subject"].Levels + 1
let own = Array.map2 (fun a b -> a + 10.0 * b) (fitDraws $"r_Subject[{j308},1]") (fitDraws $"r_Subject[{j308},2]")
if Array.map2 (fun a b -> abs (a - b)) own (Prediction.row 0 epred) |> Array.max > 1e-9 then failwith "epred of subject 308 is not its own line"
let line = Array.map2 (fun a b -> a + 10.0 * b) (fitDraws "b_Intercept") (fitDraws "b_Days")
// Var(a + 10 b) = sd_a² + 20 sd_a sd_b ρ + 100 sd_b², with ρ = L_Subject[2,1] for K = 2
let sdA, sdB, rho = fitDraws "sd_Subject__Intercept", fitDraws "sd_Subject__Days", fitDraws "L_Subject[2,1]"
let spread = Array.init line.Length (fun s -> sdA.[s] * sdA.[s] + 20.0 * sdA.[s] * sdB.[s] * rho.[s] + 100.0 * sdB.[s] * sdB.[s])
let newMean, lineMean = Array.average (Prediction.row 1 epred), Array.average line
if abs (newMean - lineMean) > 4.0 * sqrt (Array.sum spread) / float line.Length then failwithf "a new subject's mean %f is off the population line %f" newMean lineMean

References.agreesWith "lkj/sleepstudy_jags.csv" (fun n -> if n = "rho" then "L[2,1]" else n) lkjPost |> ignore
printfn "all checks passed"
