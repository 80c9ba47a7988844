/// The formula versions of the BUGS and posteriordb cases (the lme4 cases carry theirs in Lme4.fs): each case's
/// model as an lme4/brms formula through `Formula.build`, with the source's priors in the formula's prior syntax
/// (`NormalPrecision` for BUGS's dnorm, `on precision` for a Gamma prior on a precision), checked against the same
/// reference. The formula centres group effects on the population coefficient (docs/formula.md), which is the same
/// posterior as the source's zero-mean effects plus an intercept; reference nodes the source derives are computed
/// from the formula's nodes draw by draw. A case the formula cannot write with the source's priors says why.
[<RequireQualifiedAccess>]
module HierFunctional.Conformance.Cases.FormulaVersions

open HierFunctional
open HierFunctional.Conformance

/// A numeric column of the case's data (the case's own CSV, so a missing column is a bug in this file).
let private numbers (name: string) (d: Dataset) : float[] =
    match Dataset.tryColumn name d with
    | Some(Column.Reals v) -> v
    | Some(Column.Integers v) -> Array.map float v
    | _ -> invalidArg name $"the case's data has no numeric column '{name}'"

/// Adds a column computed row by row from existing numeric columns.
let private computed (name: string) (inputs: string list) (f: float[] -> float) (d: Dataset) =
    let cols = inputs |> List.map (fun c -> numbers c d) |> Array.ofList
    Dataset.reals name (Array.init cols.[0].Length (fun i -> f (cols |> Array.map (fun c -> c.[i])))) d

/// Re-reads an integer id column as labels "<prefix><id>", so a formula term dummy-codes it.
let private asLabels (name: string) (source: string) (prefix: string) (d: Dataset) =
    Dataset.labels name (numbers source d |> Array.map (fun v -> $"{prefix}{int v}")) d

let private node (reference: string) (formula: string) = reference, FormulaNode.Node formula

let private derived (reference: string) (inputs: string list) (f: float[] -> float) =
    reference, FormulaNode.Derived(inputs, f)

/// Reference `ref[k]` is formula node `formula[k]`, for each k.
let private elements (reference: string) (formula: string) (ks: int list) =
    ks |> List.map (fun k -> node $"{reference}[{k}]" $"{formula}[{k}]")

let private invLogit (x: float) = 1.0 / (1.0 + exp -x)

/// BUGS's vague Gamma(0.001, 0.001) on a precision, for an sd node of the formula.
let private bugsPrecision (sd: string) =
    $"{sd} ~ Gamma(0.001, 0.001) on precision"

let private variant family text priors columns nodes note =
    AsFormula.Variant
        {
            Family = family
            Priors = priors
            Text = text
            Columns = columns
            Nodes = nodes
            Note = note
        }

let private seeds =
    variant
        Family.Binomial
        "r | trials(n) ~ x1 * x2 + (1 | plate)"
        [
            "b_Intercept ~ NormalPrecision(0, 1.0E-6)"
            "b_x1 ~ NormalPrecision(0, 1.0E-6)"
            "b_x2 ~ NormalPrecision(0, 1.0E-6)"
            "b_x1:x2 ~ NormalPrecision(0, 1.0E-6)"
            bugsPrecision "sd_plate__Intercept"
        ]
        id
        [
            node "alpha0" "b_Intercept"
            node "alpha1" "b_x1"
            node "alpha2" "b_x2"
            node "alpha12" "b_x1:x2"
            node "sigma" "sd_plate__Intercept"
        ]
        ""

let private surgical =
    variant
        Family.Binomial
        "r | trials(n) ~ 1 + (1 | hospital)"
        [
            "b_Intercept ~ NormalPrecision(0, 1.0E-6)"
            bugsPrecision "sd_hospital__Intercept"
        ]
        id
        ([
            node "mu" "b_Intercept"
            node "sigma" "sd_hospital__Intercept"
            derived "pop_mean" [ "b_Intercept" ] (fun x -> invLogit x.[0])
         ]
         @ ([ 1; 2; 4; 8; 12 ]
            |> List.map (fun k -> derived $"p[{k}]" [ $"r_hospital[{k}]" ] (fun x -> invLogit x.[0]))))
        "p[i] = inv_logit(r_hospital[i])"

/// salm's doses and the means BUGS centres its covariates on.
let private doses = [| 0.0; 10.0; 33.0; 100.0; 333.0; 1000.0 |]
let private meanLogX = doses |> Array.averageBy (fun x -> log (x + 10.0))
let private meanX = Array.average doses

let private salm =
    variant
        Family.Poisson
        "y ~ logx + x_c + (1 | cell)"
        [
            "b_Intercept ~ NormalPrecision(0, 1.0E-4)"
            "b_logx ~ NormalPrecision(0, 1.0E-4)"
            "b_x_c ~ NormalPrecision(0, 1.0E-10)"
            bugsPrecision "sd_cell__Intercept"
        ]
        (computed "logx" [ "x" ] (fun r -> log (r.[0] + 10.0) - meanLogX)
         >> computed "x_c" [ "x" ] (fun r -> r.[0] - meanX))
        [
            derived "alpha" [ "b_Intercept"; "b_logx"; "b_x_c" ] (fun b -> b.[0] - b.[1] * meanLogX - b.[2] * meanX)
            node "beta" "b_logx"
            node "gamma" "b_x_c"
            node "sigma" "sd_cell__Intercept"
        ]
        "the centred covariates logx = log(x + 10) − mean, x_c = x − mean are data columns"

let private equiv =
    variant
        Family.Gaussian
        "Y ~ treat + per + (1 | subject)"
        [
            "b_Intercept ~ NormalPrecision(0, 1.0E-6)"
            "b_treat ~ NormalPrecision(0, 1.0E-6)"
            "b_per ~ NormalPrecision(0, 1.0E-6)"
            bugsPrecision "sigma"
            bugsPrecision "sd_subject__Intercept"
        ]
        (computed "treat" [ "Treat" ] (fun r -> (-1.0) ** (r.[0] - 1.0) / 2.0)
         >> computed "per" [ "period" ] (fun r -> (-1.0) ** (r.[0] - 1.0) / 2.0))
        [
            node "mu" "b_Intercept"
            node "phi" "b_treat"
            node "pi" "b_per"
            derived "theta" [ "b_treat" ] (fun b -> exp b.[0])
            node "sigma_1" "sigma"
            node "sigma_2" "sd_subject__Intercept"
        ]
        "BUGS's (−1)^(Treat−1)/2 and (−1)^(period−1)/2 are data columns treat, per"

let private dyes =
    variant
        Family.Gaussian
        "y ~ 1 + (1 | batch)"
        [
            "b_Intercept ~ NormalPrecision(0, 1.0E-10)"
            bugsPrecision "sigma"
            bugsPrecision "sd_batch__Intercept"
        ]
        id
        [
            node "theta" "b_Intercept"
            derived "sigma2_within" [ "sigma" ] (fun s -> s.[0] * s.[0])
            derived "sigma2_between" [ "sd_batch__Intercept" ] (fun s -> s.[0] * s.[0])
            derived "f_between" [ "sigma"; "sd_batch__Intercept" ] (fun s ->
                s.[1] * s.[1] / (s.[0] * s.[0] + s.[1] * s.[1]))
        ]
        ""

let private epil =
    variant
        Family.Poisson
        "y ~ logBase4 * Trt + logAge + V4 + (1 | patient)"
        (([ "b_Intercept"; "b_logBase4"; "b_Trt"; "b_logBase4:Trt"; "b_logAge"; "b_V4" ]
          |> List.map (fun b -> $"{b} ~ NormalPrecision(0, 1.0E-4)"))
         @ [ bugsPrecision "sd_patient__Intercept" ])
        (computed "logBase4" [ "Base" ] (fun r -> log (r.[0] / 4.0))
         >> computed "logAge" [ "Age" ] (fun r -> log r.[0]))
        [
            node "alpha0" "b_Intercept"
            node "alpha_Base" "b_logBase4"
            node "alpha_Trt" "b_Trt"
            node "alpha_BT" "b_logBase4:Trt"
            node "alpha_Age" "b_logAge"
            node "alpha_V4" "b_V4"
            node "sigma_b1" "sd_patient__Intercept"
        ]
        "log(Base/4) and log(Age) are data columns logBase4, logAge"

let private line =
    variant
        Family.Gaussian
        "Y ~ x_c"
        [
            "b_Intercept ~ NormalPrecision(0, 1.0E-4)"
            "b_x_c ~ NormalPrecision(0, 1.0E-4)"
            bugsPrecision "sigma"
        ]
        (computed "x_c" [ "x" ] (fun r -> r.[0] - 3.0))
        [
            node "alpha" "b_Intercept"
            node "beta" "b_x_c"
            node "sigma" "sigma"
            node "tau" "tau_sigma"
        ]
        "x − mean(x) is a data column x_c"

let private rats =
    variant
        Family.Gaussian
        "Y ~ x_c + (x_c || rat)"
        [
            "b_Intercept ~ NormalPrecision(0, 1.0E-4)"
            "b_x_c ~ NormalPrecision(0, 1.0E-4)"
            bugsPrecision "sigma"
            bugsPrecision "sd_rat__Intercept"
            bugsPrecision "sd_rat__x_c"
        ]
        (computed "x_c" [ "x" ] (fun r -> r.[0] - 22.0))
        ([
            node "alpha_c" "b_Intercept"
            node "beta_c" "b_x_c"
            derived "alpha0" [ "b_Intercept"; "b_x_c" ] (fun b -> b.[0] - 22.0 * b.[1])
            node "sigma" "sigma"
            node "tau_alpha" "tau_sd_rat__Intercept"
            node "tau_beta" "tau_sd_rat__x_c"
         ]
         @ elements "alpha" "r_rat__Intercept" [ 1; 15; 30 ]
         @ elements "beta" "r_rat__x_c" [ 1; 15; 30 ])
        "x − mean(x) is a data column x_c; (x_c || rat) gives the two independent effects of the BUGS file"

let private lsat =
    variant
        Family.Binomial
        "r ~ 0 + item_label + (1 | student)"
        ([ for k in 1..5 -> $"b_item_labeli{k} ~ NormalPrecision(0, 1.0E-4)" ]
         @ [ "sd_student__Intercept ~ HalfNormal(100)" ])
        (asLabels "item_label" "item" "i")
        ([
            for k in 1..5 -> derived $"alpha[{k}]" [ $"b_item_labeli{k}" ] (fun b -> -b.[0])
         ]
         @ [ node "beta" "sd_student__Intercept" ])
        "the Rasch model's beta·theta_j with theta_j ~ N(0, 1) is r_student ~ N(0, beta); alpha_k = −b_item_k"

let private eightSchools =
    variant
        Family.Gaussian
        "y | se(sigma) ~ 1 + (1 | school)"
        [ "b_Intercept ~ Normal(0, 5)"; "sd_school__Intercept ~ HalfCauchy(5)" ]
        id
        ([ node "mu" "b_Intercept"; node "tau" "sd_school__Intercept" ]
         @ elements "theta" "r_school" [ 1..8 ])
        ""

/// The radon counties, as the reference numbers them.
let private counties = [ 1..85 ]

let private radonHierarchicalIntercept =
    variant
        Family.Gaussian
        "log_radon ~ log_uppm + floor + (1 | county)"
        [
            "b_Intercept ~ Normal(0, 10)"
            "b_log_uppm ~ Normal(0, 10)"
            "b_floor ~ Normal(0, 10)"
            "sd_county__Intercept ~ HalfNormal(1)"
            "sigma ~ HalfNormal(1)"
        ]
        id
        ([
            node "mu_alpha" "b_Intercept"
            node "beta1" "b_log_uppm"
            node "beta2" "b_floor"
            node "sigma_alpha" "sd_county__Intercept"
            node "sigma_y" "sigma"
         ]
         @ elements "alpha" "r_county" counties)
        ""

let private radonVariableIntercept =
    variant
        Family.Gaussian
        "log_radon ~ floor + (1 | county)"
        [
            "b_Intercept ~ Normal(0, 10)"
            "b_floor ~ Normal(0, 10)"
            "sd_county__Intercept ~ HalfNormal(1)"
            "sigma ~ HalfNormal(1)"
        ]
        id
        ([
            node "mu_alpha" "b_Intercept"
            node "beta" "b_floor"
            node "sigma_alpha" "sd_county__Intercept"
            node "sigma_y" "sigma"
         ]
         @ elements "alpha" "r_county" counties)
        ""

let private radonVariableSlope =
    variant
        Family.Gaussian
        "log_radon ~ floor + (0 + floor | county)"
        [
            "b_Intercept ~ Normal(0, 10)"
            "b_floor ~ Normal(0, 10)"
            "sd_county__floor ~ HalfNormal(1)"
            "sigma ~ HalfNormal(1)"
        ]
        id
        ([
            node "alpha" "b_Intercept"
            node "mu_beta" "b_floor"
            node "sigma_beta" "sd_county__floor"
            node "sigma_y" "sigma"
         ]
         @ elements "beta" "r_county" counties)
        ""

let private radonVariableInterceptSlope =
    variant
        Family.Gaussian
        "log_radon ~ floor + (floor || county)"
        [
            "b_Intercept ~ Normal(0, 10)"
            "b_floor ~ Normal(0, 10)"
            "sd_county__Intercept ~ HalfNormal(1)"
            "sd_county__floor ~ HalfNormal(1)"
            "sigma ~ HalfNormal(1)"
        ]
        id
        ([
            node "mu_alpha" "b_Intercept"
            node "mu_beta" "b_floor"
            node "sigma_alpha" "sd_county__Intercept"
            node "sigma_beta" "sd_county__floor"
            node "sigma_y" "sigma"
         ]
         @ elements "alpha" "r_county__Intercept" counties
         @ elements "beta" "r_county__floor" counties)
        "(floor || county) gives the Stan program's independent intercepts and slopes"

let private glmm1 =
    variant
        Family.Poisson
        "obs ~ 1 + (1 | site)"
        [ "b_Intercept ~ Normal(0, 10)"; "sd_site__Intercept ~ Uniform(0, 5)" ]
        id
        ([ node "mu_alpha" "b_Intercept"; node "sd_alpha" "sd_site__Intercept" ]
         @ elements "alpha" "r_site" [ 1..235 ])
        ""

let private glmmPoisson =
    variant
        Family.Poisson
        "C ~ year + year2 + year3 + (1 | yr)"
        [
            "b_Intercept ~ Uniform(-20, 20)"
            "b_year ~ Uniform(-10, 10)"
            "b_year2 ~ Uniform(-10, 10)"
            "b_year3 ~ Uniform(-10, 10)"
            "sd_yr__Intercept ~ Uniform(0, 5)"
        ]
        id
        ([
            node "alpha" "b_Intercept"
            node "beta1" "b_year"
            node "beta2" "b_year2"
            node "beta3" "b_year3"
            node "sigma" "sd_yr__Intercept"
         ]
         @ [
             for k in 1..40 -> derived $"eps[{k}]" [ $"r_yr[{k}]"; "b_Intercept" ] (fun x -> x.[0] - x.[1])
         ])
        "the formula centres the year effects on b_Intercept: eps[k] = r_yr[k] − b_Intercept"

/// Why a case has no formula version (the formula language cannot write the source's model or its priors).
let private notExpressible =
    [
        "pump",
        "Gamma-distributed rates per pump (θ_i ~ Gamma(α, β)): the formula's group effects are Normal on the link scale"
        "litters",
        "Beta-distributed probabilities per litter (a Beta-Binomial hierarchy): the formula's group effects are Normal on the link scale"
        "magnesium",
        "six models in one, with priors on the between-study variance (uniform shrinkage, DuMouchel) that are functions of a Uniform(0, 1) node, and control-arm probabilities with Uniform(0, 1) priors on the probability scale"
        "blocker",
        "the model is `r | trials(n) ~ 0 + study + treated + (0 + treated | study)`, but its reference node delta_new (a predictive draw from N(d, 1/√tau)) has no formula node, and a run takes about an hour (Pólya-Gamma draws with up to 1,921 trials per arm); not written"
        "oxford",
        "the model is `r | trials(n) ~ 0 + stratum + case + case:year + case:year2 + (0 + case | stratum)` with 120 stratum dummies, but a run takes about an hour under load; not written in this session"
        "orange", "a nonlinear (logistic growth) mean: the formula's predictor is linear"
        "mvotree",
        "a nonlinear (logistic growth) mean with multivariate random effects: the formula's predictor is linear"
        "schools",
        "a log-linear model for the residual precision (θ + φ·LRT per pupil): the formula's gaussian sigma is one constant"
        "birats",
        "the formula's prior syntax gives an InverseWishart scale as v·I; BUGS's Ω ~ dwish(R, 2) with R = diag(200, 0.2) is Σ ~ InverseWishart(2, diag(200, 0.2)), which the text form cannot write"
        "pilots",
        "the source gives each crossed factor its own mean (a_g ~ N(10·mu_a, sigma_a), b_s ~ N(10·mu_b, sigma_b)); the formula has one intercept"
        "eight_schools_noncentered", "the same posterior as eight_schools_centered, whose formula version is run"
    ]

/// The formula version of each case by name.
let versions: (string * AsFormula) list =
    [
        "seeds", seeds
        "surgical", surgical
        "salm", salm
        "equiv", equiv
        "dyes", dyes
        "epil", epil
        "line", line
        "rats", rats
        "lsat", lsat
        "eight_schools_centered", eightSchools
        "radon_hierarchical_intercept", radonHierarchicalIntercept
        "radon_variable_intercept", radonVariableIntercept
        "radon_variable_slope", radonVariableSlope
        "radon_variable_intercept_slope", radonVariableInterceptSlope
        "glmm1", glmm1
        "glmm_poisson", glmmPoisson
    ]
    @ (notExpressible
       |> List.map (fun (name, why) -> name, AsFormula.NotExpressible why))

/// The case with its formula version attached (cases that carry their own, like lme4's, are left as they are).
let attach (case: Case) =
    match case.Formula, versions |> List.tryFind (fun (n, _) -> n = case.Name) with
    | AsFormula.NotExpressible _, Some(_, f) -> { case with Formula = f }
    | _ -> case
