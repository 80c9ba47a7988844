/// Logistic and Poisson-lognormal random-intercept models against long JAGS runs of the same models with the same
/// priors (fixtures/glm, made by make_glm_fixtures.R): means and sds agree within 4 × the combined MCSE.
module HierFunctional.Tests.Gibbs.GlmJagsTests

open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.CanonicalModelTests
open HierFunctional.Tests.Gibbs.JagsReferenceTests

/// Four short chains: every node has a closed-form or element-wise update, and the PG draws cost O(Σ trials).
let private short plan =
    Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(200).WithDraws(1000).WithSeed(23)) plan

let ``logistic random intercepts of the clinics data agree with JAGS`` () =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 2.5))
            let! tau = sample "tau" (HalfCauchy 1.0)
            let! beta = sample "beta" (Normal(0.0, 2.5))
            let! theta = sample "theta" (Normal(mu, tau)) |> over "clinic"
            do! observe "y" (Binomial(data "n", invLogit (theta.[group "clinic"] + beta * data "x")))
        }

    let plan = planOf Rules.builtIn m (csv "clinics.csv")
    Assert.DoesNotContain("slice", Gibbs.describe plan)
    let post = short plan
    let refs = referenceIn "glm" "clinics_logistic"

    for name in [ "mu"; "tau"; "beta"; "theta[1]"; "theta[5]"; "theta[12]" ] do
        agree post refs name

let ``Poisson-lognormal random intercepts of the pumps data agree with JAGS`` () =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfCauchy 1.0)
            let! lambda = sample "lambda" (Normal(mu, tau)) |> over "pump"
            do! observe "x" (Poisson(exp lambda.[group "pump"], data "t"))
        }

    let plan = planOf Rules.builtIn m (csv "pumps.csv")
    Assert.Equal("log-linear count slice", (plan.Updates |> Array.find (fun u -> u.Node = "lambda")).Method)
    let post = short plan
    let refs = referenceIn "glm" "pumps_lognormal"

    for name in [ "mu"; "tau"; "lambda[1]"; "lambda[5]"; "lambda[10]" ] do
        agree post refs name

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.GlmJagsTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.GlmJagsTests"
            [
                Expecto.Tests.testCase "logistic random intercepts of the clinics data agree with JAGS" (fun () ->
                    ``logistic random intercepts of the clinics data agree with JAGS`` ())
                Expecto.Tests.testCase
                    "Poisson-lognormal random intercepts of the pumps data agree with JAGS"
                    (fun () -> ``Poisson-lognormal random intercepts of the pumps data agree with JAGS`` ())
            ])
