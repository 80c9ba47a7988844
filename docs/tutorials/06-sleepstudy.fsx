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
(b_Intercept, b_Days), so their update is a closed-form MvNormal regression per subject; the covariance
Sigma_Subject has a conjugate InverseWishart prior by default.
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
The sampler draws the covariance matrix Sigma_Subject; `Effects.readable` shows it as lme4 and brms users read it —
the standard deviations `sd_Subject__Intercept`, `sd_Subject__Days` and the correlation
`cor_Subject__Intercept__Days`, computed draw by draw — and labels the subject coefficients by level and term
(`r_Subject[1,2]` is `r_Subject[308,Days]`). `Effects.fixef`, `Effects.ranef`, `Effects.coef` and `Effects.varCorr`
give brms's tables.
*)
let shown = Effects.readable terms post
printfn "%s" (Summary.format (Summary.compute (Posterior.select [ "b_Intercept"; "b_Days"; "sd_Subject__Intercept"; "sd_Subject__Days"; "cor_Subject__Intercept__Days"; "sigma"; "r_Subject[1,2]" ] shown)))
printfn "fixef\n%s" (Effects.format (Effects.fixef terms post))
printfn "VarCorr\n%s" (Effects.format (Effects.varCorr terms post))
printfn "90%% highest-density interval of sd_Subject__Days: %A" (Hdi.ofDraws 0.9 (Posterior.pooled "sd_Subject__Days" shown))

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
scatter statistic (docs/conjugacy.md). The formula gets the same with `Covariance = CovariancePrior.Lkj 1.0`.
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

(** The formula with the LKJ covariance prior builds the same structure, with brms's node names: *)
let lkjFormula, lkjData, lkjTerms = modelOf { FormulaOptions.Default with Covariance = CovariancePrior.Lkj 1.0 }
printfn "%s" (Print.model lkjFormula)

(**
## VarCorr against lme4

lme4's REML `VarCorr` (fixtures/formula/sleepstudy_varcorr.csv, made by lme4_varcorr.R) against the posterior of
the formula under brms's LKJ prior: each posterior mean is within one posterior sd of lme4's estimate. (Under the
default InverseWishart(K + 1) prior, sd_Subject__Days is pulled up to about 7.9 against lme4's 5.9: that prior puts
more mass on large slope sds.)
*)
let lkjFormulaPost = Chains.run options (compile lkjFormula lkjData)
let lme4VarCorr = rows "formula/sleepstudy_varcorr.csv" |> Array.map (fun r -> r.[0], float r.[1])
let varCorr = Effects.varCorr lkjTerms lkjFormulaPost

for name, reference in lme4VarCorr do
    let r = varCorr |> Array.find (fun v -> v.Name = name)
    printfn "%-30s posterior %7.3f (sd %6.3f)   lme4 %7.3f" name r.Mean r.Sd reference

(**
## Checks, so CI fails if the numbers drift

* The formula fit's fixed effects are within 0.25 lme4 standard errors (plus 4 MCSE) of lme4's estimates.
* The subject slope deviations correlate with lme4's BLUPs above 0.99.
* Under the LKJ prior the sd and cor rows are within one posterior sd of lme4's VarCorr.
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

References.agreesWith "lkj/sleepstudy_jags.csv" (fun n -> if n = "rho" then "L[2,1]" else n) lkjPost |> ignore
printfn "all checks passed"
