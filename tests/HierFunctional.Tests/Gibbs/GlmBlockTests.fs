/// The GLM coefficient block (Metropolis–Hastings with a mode-centred Gaussian/t proposal after a Newton climb): a Poisson intercept and slope with
/// exposures and a data offset, and a Binomial-logit intercept (Flat prior) and slope, against exact 2-D grid
/// posteriors (means and sds within 4 MCSE); one kernel step applied to independent exact draws leaves their
/// distribution where it was; and the recogniser takes exactly the coefficients that share a linear predictor.
module HierFunctional.Tests.Gibbs.GlmBlockTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.LogisticTests
open HierFunctional.Tests.Gibbs.GlmSupport

let private poissonRow (y: float) (eta: float) = y * eta - exp eta

let private ks = [| 1.0; 3.0; 6.0; 8.0; 2.0 |]
let private ns = [| 8.0; 10.0; 9.0; 10.0; 4.0 |]
let private lx = [| -1.5; -0.5; 0.3; 1.1; -0.8 |]

let private logisticData =
    Dataset.empty
    |> Dataset.integers "k" (ks |> Array.map int)
    |> Dataset.integers "n" (ns |> Array.map int)
    |> Dataset.reals "x" lx

let private logisticModel =
    model {
        let! alpha = sample "alpha" (Flat Support.Real)
        let! beta = sample "beta" (Normal(0.0, 1.5))
        do! observe "k" (Binomial(data "n", invLogit (alpha + beta * data "x")))
    }

let private logisticLogPost a b =
    logNormal 0.0 1.5 b
    + Array.sum (Array.init 5 (fun i -> logitRow ns.[i] ks.[i] (a + b * lx.[i])))

let ``a Poisson intercept and slope with exposures and an offset match the 2-D grid posterior under the GLM block`` () =
    let plan = planOf Rules.builtIn PoissonExample.model PoissonExample.rows
    Assert.Equal("alpha, beta", plan.Updates.[glmBlockOf plan].Node)
    let ea, eb = grid2 (-5.0, 5.0) (-4.0, 4.0) PoissonExample.logPost
    let post = Chains.run options plan
    exactCheck post "alpha" ea
    exactCheck post "beta" eb

let ``every chain of the Poisson GLM block matches the grid posterior mean of alpha over 40 seeds`` () =
    // Gamerman's one-step IWLS proposal overshoots from the posterior's lower tail to far past the mode: before the
    // mode-centred Gaussian/t proposal, 4 seeds of 60 had a chain held at one tail point for thousands of sweeps.
    let plan = planOf Rules.builtIn PoissonExample.model PoissonExample.rows
    let (mean, _), _ = grid2 (-5.0, 5.0) (-4.0, 4.0) PoissonExample.logPost

    for seed in 1..40 do
        let o =
            SamplerOptions.Default.WithChains(2).WithWarmup(200).WithDraws(1000).WithSeed seed

        Posterior.chains "alpha" (Chains.run o plan)
        |> Array.iteri (fun c x ->
            let m, mcse = Diagnostics.mean [| x |], Diagnostics.mcseMean [| x |]

            Assert.True(
                abs (m - mean) < 4.0 * mcse,
                $"seed {seed}, chain {c + 1}: mean of alpha {m} vs exact {mean}, 4 MCSE = {4.0 * mcse}"
            ))

let ``the Poisson GLM block matches the 2-D grid posterior at the seeds where a chain used to stick`` () =
    let plan = planOf Rules.builtIn PoissonExample.model PoissonExample.rows
    let ea, eb = grid2 (-5.0, 5.0) (-4.0, 4.0) PoissonExample.logPost

    for seed in [ 3; 16; 38 ] do
        let post = Chains.run (options.WithSeed seed) plan
        exactCheck post "alpha" ea
        exactCheck post "beta" eb

let ``a Binomial-logit intercept with a Flat prior and a slope match the 2-D grid posterior under the GLM block`` () =
    let plan = planOf Rules.builtIn logisticModel logisticData
    Assert.Equal("alpha, beta", plan.Updates.[glmBlockOf plan].Node)
    let ea, eb = grid2 (-5.0, 5.0) (-5.0, 5.0) logisticLogPost
    let post = Chains.run options plan
    exactCheck post "alpha" ea
    exactCheck post "beta" eb

let private wideXs = [| -100.0; 0.0; 200.0; 500.0; 300.0 |]
let private wideYs = [| 3.0; 2.0; 4.0; 9.0; 5.0 |]

let private wideModel =
    model {
        let! alpha = sample "alpha" (Normal(0.0, 2.0))
        let! beta = sample "beta" (Normal(0.0, 1.0))
        do! observe "y" (Poisson(exp (alpha + beta * data "x")))
    }

let private wideLogPost a b =
    logNormal 0.0 2.0 a
    + logNormal 0.0 1.0 b
    + Array.sum (Array.init 5 (fun i -> poissonRow wideYs.[i] (a + b * wideXs.[i])))

let ``a GLM block started where exp(eta) overflows its IWLS weights moves in during warm-up and matches the grid posterior``
    ()
    =
    let data =
        Dataset.empty
        |> Dataset.integers "y" (wideYs |> Array.map int)
        |> Dataset.reals "x" wideXs

    let plan = planOf Rules.builtIn wideModel data
    Assert.Equal("alpha, beta", plan.Updates.[glmBlockOf plan].Node)
    // eta reaches 700 at x = 500: the log-density is finite, the IWLS weight x²·exp(eta) is not.
    let start = Initial.given [ "alpha", Value.Scalar 0.0; "beta", Value.Scalar 1.4 ]
    let ea, eb = grid2 (-3.0, 4.0) (-0.02, 0.02) wideLogPost
    let post = Chains.run (options.WithInitial start) plan
    exactCheck post "alpha" ea
    exactCheck post "beta" eb

let ``a Poisson intercept and slope with Uniform priors that truncate the posterior match the 2-D grid posterior under the GLM block``
    ()
    =
    let m =
        model {
            let! alpha = sample "alpha" (Uniform(-1.0, 3.0))
            let! beta = sample "beta" (Uniform(0.0, 0.4))
            do! observe "y" (Poisson(exp (alpha + beta * data "x" + data "off"), data "E"))
        }

    let plan = planOf Rules.builtIn m PoissonExample.rows
    Assert.Equal("alpha, beta", plan.Updates.[glmBlockOf plan].Node)

    let ea, eb = grid2 (-1.0, 3.0) (0.0, 0.4) PoissonExample.logLikelihood
    let post = Chains.run options plan
    exactCheck post "alpha" ea
    exactCheck post "beta" eb

let ``the centring step of a GLM block with Uniform-prior coefficients agrees with plain slice sampling`` () =
    // x is constant within groups, so the block centres re; beta's Uniform(0, 1) bound is active a posteriori.
    let groups = [| for g in 0..5 -> [| g; g; g |] |] |> Array.concat
    let gx = [| -1.0; -0.6; -0.2; 0.2; 0.6; 1.0 |]
    let y = [| 4; 6; 3; 3; 5; 4; 2; 4; 3; 3; 2; 4; 3; 1; 2; 2; 1; 3 |]

    let d =
        Dataset.empty
        |> Dataset.integers "g" groups
        |> Dataset.reals "x" (groups |> Array.map (fun g -> gx.[g]))
        |> Dataset.integers "y" y

    let m =
        model {
            let! alpha = sample "alpha" (Uniform(-5.0, 5.0))
            let! beta = sample "beta" (Uniform(0.0, 1.0))
            let! re = sample "re" (Normal(0.0, 0.5)) |> over "g"
            do! observe "y" (Poisson(exp (alpha + beta * data "x" + re.[group "g"])))
        }

    let block = planOf Rules.builtIn m d
    Assert.EndsWith("exact centring of re", block.Updates.[glmBlockOf block].Method)

    let sliced = planUsing (CompileSettings.Default.WithGlmBlock false) m d

    let o =
        SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(5000).WithSeed(17)

    let a, b = Chains.run o block, Chains.run (o.WithSeed 18) sliced

    for name in [ "alpha"; "beta"; "re[1]" ] do
        assertBlockAgreesWithSlice a b name

let ``the centring step also moves a random effect's Normal mean and agrees with plain slice sampling`` () =
    // The formula's centred form: re ~ N(mu, 0.4) and x (constant within groups, far from 0) in the block, so
    // the coefficient of x and mu lie on a ridge that the step must move along together.
    let groups = [| for g in 0..7 -> [| g; g; g |] |] |> Array.concat
    let gx = [| 3.0; 3.2; 3.4; 3.6; 3.8; 4.0; 4.2; 4.4 |]
    let y = [| 4; 6; 3; 3; 5; 4; 2; 4; 3; 3; 2; 4; 3; 1; 2; 2; 1; 3; 1; 0; 2; 1; 1; 0 |]

    let d =
        Dataset.empty
        |> Dataset.integers "g" groups
        |> Dataset.reals "x" (groups |> Array.map (fun g -> gx.[g]))
        |> Dataset.reals "v" (Array.init groups.Length (fun i -> float (i % 3) - 1.0))
        |> Dataset.integers "y" y

    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 10.0))
            let! beta = sample "beta" (Normal(0.0, 5.0))
            let! gamma = sample "gamma" (Normal(0.0, 5.0))
            let! re = sample "re" (Normal(mu, 0.4)) |> over "g"
            do! observe "y" (Poisson(exp (beta * data "x" + gamma * data "v" + re.[group "g"])))
        }

    let block = planOf Rules.builtIn m d
    Assert.EndsWith("exact centring of re (with mu)", block.Updates.[glmBlockOf block].Method)

    let sliced = planUsing (CompileSettings.Default.WithGlmBlock false) m d

    let o =
        SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(10000).WithSeed(19)

    let a, b = Chains.run o block, Chains.run (o.WithSeed 20) sliced

    for name in [ "mu"; "beta"; "re[1]" ] do
        assertBlockAgreesWithSlice a b name
        let x = Posterior.chains name a

        Assert.True(Diagnostics.rhat x < 1.01, $"{name}: R-hat {Diagnostics.rhat x} with the centring step")
        // moving the coefficients without mu leaves the ridge to mu's own update: bulk-ESS ~1% of the draws
        Assert.True(Diagnostics.essBulk x > 2000.0, $"{name}: bulk-ESS {Diagnostics.essBulk x} of 40,000 draws")

/// Applies the plan's GLM block once to each exact draw and checks the results' means and sds against the exact ones.
let private invarianceCheck (plan: GibbsPlan) (draws: (float * float)[]) (moments: (float -> float -> float) -> float) =
    let i = glmBlockOf plan
    let out, st = stepEach plan i ("alpha", "beta") (MonteCarlo.rng 7) draws
    let acceptance = GlmBlock.acceptance st.Steps.[i]
    Assert.True(acceptance < 0.999, $"acceptance {acceptance}: the check needs rejections to mean anything")
    assertExactMomentsAfterOneStep ("alpha", "beta") moments out

let ``one Poisson GLM block step leaves exact posterior draws distributed as the posterior`` () =
    let plan = planOf Rules.builtIn PoissonExample.model PoissonExample.rows

    let draws, moments =
        gridDraws (MonteCarlo.rng 3) 40000 (-5.0, 5.0) (-4.0, 4.0) PoissonExample.logPost

    invarianceCheck plan draws moments

let ``one logistic GLM block step leaves exact posterior draws distributed as the posterior`` () =
    let plan = planOf Rules.builtIn logisticModel logisticData

    let draws, moments =
        gridDraws (MonteCarlo.rng 4) 40000 (-5.0, 5.0) (-5.0, 5.0) logisticLogPost

    invarianceCheck plan draws moments

let ``the GLM block takes the coefficients sharing a linear predictor and leaves the others to their own updates`` () =
    let m =
        model {
            let! alpha = sample "alpha" (Normal(0.0, 2.0))
            let! beta = sample "beta" (Normal(0.0, 1.0))
            let! gamma = sample "gamma" (Normal(0.0, 1.0))
            let! sigma = sample "sigma" (HalfNormal 1.0)
            do! observe "y" (Poisson(exp (alpha + beta * data "x" + data "off"), data "E"))
            // gamma also has a Normal child, so it cannot join a GLM block
            do! observe "z" (Normal(gamma, sigma))
            do! observe "y2" (Poisson(exp (gamma * data "x")))
        }

    let d =
        PoissonExample.rows
        |> Dataset.reals "z" [| 0.1; -0.3; 0.2; 0.0; 0.4 |]
        |> Dataset.integers "y2" [| 1; 0; 2; 1; 4 |]

    let plan = planOf Rules.builtIn m d
    Assert.Equal("alpha, beta", plan.Updates.[glmBlockOf plan].Node)
    Assert.Contains(plan.Updates, (fun u -> u.Node = "gamma"))
    Assert.Contains("mode-centred Gaussian/t proposal, exact by MH", Gibbs.describe plan)
    Assert.DoesNotContain("IWLS", Gibbs.describe plan)

    let off = planUsing (CompileSettings.Default.WithGlmBlock false) m d

    Assert.DoesNotContain(off.Updates, (fun u -> u.Method.StartsWith GlmBlock.methodName))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.GlmBlockTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.GlmBlockTests"
            [
                Expecto.Tests.testCase
                    "a Poisson intercept and slope with exposures and an offset match the 2-D grid posterior under the GLM block"
                    (fun () ->
                        ``a Poisson intercept and slope with exposures and an offset match the 2-D grid posterior under the GLM block`` ())
                Expecto.Tests.testCase
                    "a Binomial-logit intercept with a Flat prior and a slope match the 2-D grid posterior under the GLM block"
                    (fun () ->
                        ``a Binomial-logit intercept with a Flat prior and a slope match the 2-D grid posterior under the GLM block`` ())
                Expecto.Tests.testCase
                    "one Poisson GLM block step leaves exact posterior draws distributed as the posterior"
                    (fun () ->
                        ``one Poisson GLM block step leaves exact posterior draws distributed as the posterior`` ())
                Expecto.Tests.testCase
                    "one logistic GLM block step leaves exact posterior draws distributed as the posterior"
                    (fun () ->
                        ``one logistic GLM block step leaves exact posterior draws distributed as the posterior`` ())
                Expecto.Tests.testCase
                    "the GLM block takes the coefficients sharing a linear predictor and leaves the others to their own updates"
                    (fun () ->
                        ``the GLM block takes the coefficients sharing a linear predictor and leaves the others to their own updates`` ())
                Expecto.Tests.testCase
                    "a GLM block started where exp(eta) overflows its IWLS weights moves in during warm-up and matches the grid posterior"
                    (fun () ->
                        ``a GLM block started where exp(eta) overflows its IWLS weights moves in during warm-up and matches the grid posterior`` ())
                Expecto.Tests.testCase
                    "a Poisson intercept and slope with Uniform priors that truncate the posterior match the 2-D grid posterior under the GLM block"
                    (fun () ->
                        ``a Poisson intercept and slope with Uniform priors that truncate the posterior match the 2-D grid posterior under the GLM block`` ())
                Expecto.Tests.testCase
                    "the centring step of a GLM block with Uniform-prior coefficients agrees with plain slice sampling"
                    (fun () ->
                        ``the centring step of a GLM block with Uniform-prior coefficients agrees with plain slice sampling`` ())
                Expecto.Tests.testCase
                    "the centring step also moves a random effect's Normal mean and agrees with plain slice sampling"
                    (fun () ->
                        ``the centring step also moves a random effect's Normal mean and agrees with plain slice sampling`` ())
                Expecto.Tests.testCase
                    "every chain of the Poisson GLM block matches the grid posterior mean of alpha over 40 seeds"
                    (fun () ->
                        ``every chain of the Poisson GLM block matches the grid posterior mean of alpha over 40 seeds`` ())
                Expecto.Tests.testCase
                    "the Poisson GLM block matches the 2-D grid posterior at the seeds where a chain used to stick"
                    (fun () ->
                        ``the Poisson GLM block matches the 2-D grid posterior at the seeds where a chain used to stick`` ())
            ])
