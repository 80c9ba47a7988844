/// The response families of issue 22 (lognormal, Student-t, Gamma, beta, zero-inflated Poisson and NegBin,
/// cumulative logit), each as y ~ x + (1 | g) on a simulated data set (20 groups of 10 rows), written twice: in the
/// model language, in the hierarchically centred form the formula emits, and through the formula front end with the
/// new `family`. The population coefficients, group sd and residual scale get explicit priors; the family's own
/// parameters (nu, shape, phi, zi, cutpoints) keep brms's defaults, which the reference run uses too. References:
/// long JAGS runs of the same model on the same data (references/scripts/families.R, which also simulates the data),
/// and long Stan runs for zinb and cumulative (references/scripts/families_stan.R).
[<RequireQualifiedAccess>]
module HierFunctional.Conformance.Cases.Families

open HierFunctional
open HierFunctional.Conformance
open type Distributions

let private priors =
    [
        "b_Intercept ~ Normal(0, 5)"
        "b_x ~ Normal(0, 2)"
        "sd_g__Intercept ~ HalfNormal(1)"
    ]

/// The centred group intercepts every case shares; the continuation writes the family's nodes and likelihood given
/// the linear predictor.
let private shared (likelihood: Expr -> Step<unit>) : Step<unit> =
    sample "b_Intercept" (Normal(0.0, 5.0))
    |> Step.bind (fun b ->
        sample "b_x" (Normal(0.0, 2.0))
        |> Step.bind (fun bx ->
            sample "sd_g__Intercept" (HalfNormal 1.0)
            |> Step.bind (fun sd ->
                sample "r_g" (Normal(b, sd))
                |> over "g"
                |> Step.bind (fun r -> likelihood (bx * data "x" + r.[group "g"])))))

let private written (likelihood: Expr -> Step<unit>) = Step.toModel (shared likelihood)

let private case (name: string) (family: Family) (extraPriors: string list) (own: string list) model =
    let script =
        match family with
        | Family.ZeroInflatedNegativeBinomial -> "families_stan.R"
        | _ -> "families.R"

    {
        Name = name
        Source = $"simulated y ~ x + (1 | g), family {Family.name family} (references/scripts/{script})"
        Model = Written.Model model
        Formula =
            AsFormula.Variant
                {
                    Family = family
                    Priors = priors @ extraPriors
                    Text = "y ~ x + (1 | g)"
                    Columns = id
                    Nodes =
                        [ "b_Intercept"; "b_x"; "sd_g__Intercept" ]
                        @ own
                        @ [ for j in 1..20 -> $"r_g[{j}]" ]
                        |> List.map (fun n -> n, FormulaNode.Node n)
                    Note = ""
                }
        Columns = id
        Inits = []
        Full = Case.standard
        Quick = None
        Note = "the family's own parameters keep brms's default priors"
    }

/// Log-normal response: log y ~ Normal(η, sigma).
let lognormal =
    case
        "family_lognormal"
        Family.LogNormal
        [ "sigma ~ HalfNormal(1)" ]
        [ "sigma" ]
        (written (fun eta ->
            sample "sigma" (HalfNormal 1.0)
            |> Step.bind (fun sigma -> observe "y" (LogNormal(eta, sigma)))))

/// Student-t response with unknown dof: nu ~ Gamma(2, 0.1) (brms's default).
let student =
    case
        "family_student"
        Family.Student
        [ "sigma ~ HalfNormal(1)" ]
        [ "sigma"; "nu" ]
        (written (fun eta ->
            sample "sigma" (HalfNormal 1.0)
            |> Step.bind (fun sigma ->
                sample "nu" (Gamma(2.0, 0.1))
                |> Step.bind (fun nu -> observe "y" (StudentT(nu, eta, sigma))))))

/// Gamma response with log link: y ~ Gamma(shape, shape·e^−η), shape ~ Gamma(0.01, 0.01) (brms's default).
let gamma =
    case
        "family_gamma"
        Family.Gamma
        []
        [ "shape" ]
        (written (fun eta ->
            sample "shape" (Gamma(0.01, 0.01))
            |> Step.bind (fun shape -> observe "y" (Gamma(shape, shape * exp -eta)))))

/// Beta response with logit link: mean μ = invLogit η, precision phi ~ Gamma(0.01, 0.01) (brms's default).
let beta =
    case
        "family_beta"
        Family.Beta
        []
        [ "phi" ]
        (written (fun eta ->
            let mu = invLogit eta

            sample "phi" (Gamma(0.01, 0.01))
            |> Step.bind (fun phi -> observe "y" (Beta(mu * phi, (constant 1.0 - mu) * phi)))))

/// Zero-inflated Poisson with log link, zi ~ Beta(1, 1) (brms's default).
let zip =
    case
        "family_zip"
        Family.ZeroInflatedPoisson
        []
        [ "zi" ]
        (written (fun eta ->
            sample "zi" (Beta(1.0, 1.0))
            |> Step.bind (fun zi -> observe "y" (ZeroInflatedPoisson(exp eta, zi)))))

/// Zero-inflated negative binomial with log link, shape ~ Gamma(0.01, 0.01) and zi ~ Beta(1, 1) (brms's defaults).
let zinb =
    case
        "family_zinb"
        Family.ZeroInflatedNegativeBinomial
        []
        [ "shape"; "zi" ]
        (written (fun eta ->
            sample "shape" (Gamma(0.01, 0.01))
            |> Step.bind (fun shape ->
                sample "zi" (Beta(1.0, 1.0))
                |> Step.bind (fun zi -> observe "y" (ZeroInflatedNegativeBinomial(exp eta, shape, zi))))))

/// Cumulative logit on y in 1..4: three ordered cutpoints b_Intercept[k] ~ student_t(3, 0, 2.5) (brms's default,
/// restricted to increasing order) in place of the intercept, so the group intercepts are centred at 0.
let cumulative =
    let m =
        sample "b_x" (Normal(0.0, 2.0))
        |> Step.bind (fun bx ->
            sample "sd_g__Intercept" (HalfNormal 1.0)
            |> Step.bind (fun sd ->
                sample "r_g" (Normal(0.0, sd))
                |> over "g"
                |> Step.bind (fun r ->
                    sample "b_Intercept" (Ordered(StudentT(3.0, 0.0, 2.5), 3))
                    |> Step.bind (fun cut -> observe "y" (OrderedLogistic(bx * data "x" + r.[group "g"], cut))))))
        |> Step.toModel

    {
        Name = "family_cumulative"
        Source = "simulated y ~ x + (1 | g), family cumulative, 4 categories (references/scripts/families_stan.R)"
        Model = Written.Model m
        Formula =
            AsFormula.Variant
                {
                    Family = Family.Cumulative
                    Priors = [ "b_x ~ Normal(0, 2)"; "sd_g__Intercept ~ HalfNormal(1)" ]
                    Text = "y ~ x + (1 | g)"
                    Columns = id
                    Nodes =
                        [ for k in 1..3 -> $"b_Intercept[{k}]" ]
                        @ [ "b_x"; "sd_g__Intercept" ]
                        @ [ for j in 1..20 -> $"r_g[{j}]" ]
                        |> List.map (fun n -> n, FormulaNode.Node n)
                    Note = ""
                }
        Columns = id
        Inits = []
        // at the standard length (10,000 draws) sd_g__Intercept had R̂ 1.012 and a bulk ESS of 23: the cutpoints
        // and the group effects move together along the one direction the data do not fix (all shifted by the same
        // amount), which one-at-a-time slicing crosses slowly
        Full = { Warmup = 1000; Draws = 40000 }
        Quick = None
        Note = "the cutpoints keep brms's default prior, on Stan's ordered transform"
    }

/// The family cases with a committed reference.
let cases = [ lognormal; student; gamma; beta; zip; zinb; cumulative ]
