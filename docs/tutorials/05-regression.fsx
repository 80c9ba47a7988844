(**
# 5r. Multilevel regression from F# and from a formula: Gaussian varying slopes, logistic, Poisson

Most hierarchical models are regressions whose coefficients vary by group. This tutorial fits one of each
family twice — written as an F# model and as an lme4/brms formula (docs/formula.md) — and checks every posterior
mean against JAGS runs of the same model with the same priors (fixtures with their R scripts under
tests/HierFunctional.Tests/fixtures). The formula front end is not a second engine: it builds the same kind of
model tree, so the same Gibbs compiler samples it. Prior overrides make the formula's model *the same* model as
the F# one and JAGS's, so the comparison is exact up to Monte Carlo error.

| family | data | F# | formula |
|---|---|---|---|
| gaussian, varying intercepts and slopes, LKJ | sleepstudy | `MvNormalCholesky(mu, s, L)` | `Reaction ~ Days + (Days \| Subject)` |
| binomial (logit), varying intercepts | clinics | `Binomial(n, invLogit(theta[clinic] + beta·x))` | `y \| trials(n) ~ 1 + x + (1 \| clinic)` |
| poisson (log) with exposure, varying intercepts | pumps | `Poisson(exp lambda[pump], t)` | `x ~ 1 + offset(log(t)) + (1 \| pump)` |
*)
#load "references.fsx"
open System.IO
open HierFunctional
open type Distributions

let csv name = Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "data", name))
let draws = if References.quick then 1000 else 4000
let options = SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(draws).WithSeed(5)

let fit (m: Model) (d: Dataset) =
    match Bind.bind m d |> Result.bind Gibbs.compile with
    | Ok plan ->
        printfn "%s\n%s\n" (Print.model m) (Gibbs.describe plan)
        Chains.run options plan
    | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

let fromFormula (options: FormulaOptions) (formula: string) (priors: string list) (d: Dataset) =
    let overrides = priors |> List.map (FormulaPriors.parseOverride >> Result.mapError List.singleton)

    match
        Formula.parse formula
        |> Result.mapError List.singleton
        |> Result.bind (fun f ->
            match overrides |> List.choose (function Error e -> Some e | Ok _ -> None) with
            | [] -> Formula.toModelWith { options with Overrides = overrides |> List.map Result.toOption |> List.choose id } f d
            | errors -> Error(List.concat errors))
    with
    | Ok(m, data) -> fit m data
    | Error e -> failwith (Formula.describeErrors e)

(** ## Gaussian: varying intercepts and slopes with an LKJ correlation prior *)
let sleep = csv "sleepstudy.csv"

let sleepF =
    fit
        (model {
            let! mu = sample "mu" (MvNormal(vector [ constant 250.0; constant 10.0 ], matrix [ [ constant 10000.0; constant 0.0 ]; [ constant 0.0; constant 625.0 ] ]))
            let! s = sample "s" (HalfStudentT(3.0, 25.0)) |> sized 2
            let! l = sample "L" (LkjCholesky(2, 1.0))
            let! b = sample "b" (MvNormalCholesky(mu, s, l)) |> over "Subject"
            let! sigma = sample "sigma" (HalfStudentT(3.0, 25.0))
            do! observe "Reaction" (Normal(dot (vector [ constant 1.0; data "Days" ]) b.[group "Subject"], sigma))
        })
        sleep

let sleepFormula =
    fromFormula
        { FormulaOptions.Default with Covariance = CovariancePrior.Lkj 1.0 }
        "Reaction ~ Days + (Days | Subject)"
        [ "b_Intercept ~ Normal(250, 100)"; "b_Days ~ Normal(10, 25)"; "sd_Subject__Intercept ~ HalfStudentT(3, 25)"
          "sd_Subject__Days ~ HalfStudentT(3, 25)"; "sigma ~ HalfStudentT(3, 25)" ]
        sleep

(** ## Binomial with logit link: Pólya-Gamma updates for every coefficient *)
let clinics = csv "clinics.csv"

let clinicsF =
    fit
        (model {
            let! mu = sample "mu" (Normal(0.0, 2.5))
            let! tau = sample "tau" (HalfCauchy 1.0)
            let! beta = sample "beta" (Normal(0.0, 2.5))
            let! theta = sample "theta" (Normal(mu, tau)) |> over "clinic"
            do! observe "y" (Binomial(data "n", invLogit (theta.[group "clinic"] + beta * data "x")))
        })
        clinics

let clinicsFormula =
    fromFormula
        { FormulaOptions.Default with Family = Family.Binomial }
        "y | trials(n) ~ 1 + x + (1 | clinic)"
        [ "b_Intercept ~ Normal(0, 2.5)"; "b_x ~ Normal(0, 2.5)"; "sd_clinic__Intercept ~ HalfCauchy(1)" ]
        clinics

(** ## Poisson with log link and exposure: slice sampling on the exact one-dimensional conditionals *)
let pumps = csv "pumps.csv"

let pumpsF =
    fit
        (model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfCauchy 1.0)
            let! lambda = sample "lambda" (Normal(mu, tau)) |> over "pump"
            do! observe "x" (Poisson(exp lambda.[group "pump"], data "t"))
        })
        pumps

let pumpsFormula =
    fromFormula
        { FormulaOptions.Default with Family = Family.Poisson }
        "x ~ 1 + offset(log(t)) + (1 | pump)"
        [ "b_Intercept ~ Normal(0, 5)"; "sd_pump__Intercept ~ HalfCauchy(1)" ]
        pumps

printfn "%s" (Summary.format (Summary.compute (Posterior.select [ "b_Intercept"; "sd_pump__Intercept"; "r_pump[1]"; "r_pump[10]" ] pumpsFormula)))

(** ## Checks: all six fits against JAGS, within 4 combined MCSE *)
let renameLkj = function
    | "rho" -> "L[2,1]"
    | n -> n

let toFormulaSleep = function
    | "mu[1]" -> "b_Intercept"
    | "mu[2]" -> "b_Days"
    | "s[1]" -> "sd_Subject__Intercept"
    | "s[2]" -> "sd_Subject__Days"
    | "rho" -> "L_Subject[2,1]"
    | n -> n

let toFormula (group: string) (effect: string) (extra: (string * string) list) (name: string) =
    match name with
    | "mu" -> "b_Intercept"
    | "tau" -> $"sd_{group}__Intercept"
    | n when n.StartsWith(effect + "[") -> "r_" + group + n.Substring effect.Length
    | n -> extra |> List.tryFind (fst >> (=) n) |> Option.map snd |> Option.defaultValue n

let checks =
    [ References.agreesWith "lkj/sleepstudy_jags.csv" renameLkj sleepF
      References.agreesWith "lkj/sleepstudy_jags.csv" toFormulaSleep sleepFormula
      References.agreesWith "glm/clinics_logistic.csv" id clinicsF
      References.agreesWith "glm/clinics_logistic.csv" (toFormula "clinic" "theta" [ "beta", "b_x" ]) clinicsFormula
      References.agreesWith "glm/pumps_lognormal.csv" id pumpsF
      References.agreesWith "glm/pumps_lognormal.csv" (toFormula "pump" "lambda" []) pumpsFormula ]

printfn "all %d posterior means agree with JAGS (F# and formula, three families); all checks passed" (List.sum checks)
