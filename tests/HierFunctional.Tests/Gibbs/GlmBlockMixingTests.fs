/// Mixing of the GLM coefficient block from the posterior's tails: chains started 3–8 posterior sds from the mean,
/// with no warm-up (so no warm-up Newton moves help), must leave their start within a few sweeps, and the states
/// they reach after 40 sweeps must have the exact posterior's mean and sd. Gamerman's one-step IWLS proposal held a
/// chain at a Poisson lower-tail point for thousands of sweeps; a mode-centred proposal lighter-tailed than the
/// posterior does the same. The model is `GlmSupport.PoissonExample`, whose chains used to stick (seeds 3, 16 and 38
/// of 60 at 2 × (200 + 4,000)).
module HierFunctional.Tests.Gibbs.GlmBlockMixingTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.LogisticTests
open HierFunctional.Tests.Gibbs.GlmSupport

/// Sweeps per chain, and the most of them a chain may spend at its start.
let private sweeps, mostAtStart = 40, 10

let ``chains of the Poisson GLM block started in the posterior's tails leave them and reach the exact posterior within 40 sweeps``
    ()
    =
    let plan = planOf Rules.builtIn PoissonExample.model PoissonExample.rows
    Assert.Equal("alpha, beta", plan.Updates |> Array.map _.Node |> Array.exactlyOne)
    let (ma, sa), (mb, sb) = grid2 (-5.0, 5.0) (-4.0, 4.0) PoissonExample.logPost

    // 240 starts on rings 3, 4.5, 6 and 8 posterior sds out, 60 directions each
    let starts =
        [|
            for r in [ 3.0; 4.5; 6.0; 8.0 ] do
                for k in 0..59 ->
                    let th = 2.0 * Math.PI * float k / 60.0
                    ma + r * sa * cos th, mb + r * sb * sin th
        |]

    let finals =
        starts
        |> Array.mapi (fun i (a0, b0) ->
            let o =
                SamplerOptions.Default
                    .WithChains(1)
                    .WithWarmup(0)
                    .WithDraws(sweeps)
                    .WithSeed(1000 + i)
                    .WithInitial(Initial.given [ "alpha", Value.Scalar a0; "beta", Value.Scalar b0 ])

            let post = Chains.run o plan
            let a, b = (Posterior.chains "alpha" post).[0], (Posterior.chains "beta" post).[0]
            let atStart = a |> Array.filter (fun x -> x = a0) |> Array.length

            Assert.True(
                atStart <= mostAtStart,
                $"the chain started at (alpha, beta) = ({a0:F3}, {b0:F3}) stayed there for {atStart} of {sweeps} sweeps"
            )

            a.[sweeps - 1], b.[sweeps - 1])

    // the chains are independent, so their final states' standard errors are the plain ones
    let n = float finals.Length

    let check name (x: float[]) (mean, sd) =
        let m = Array.average x
        let s = sqrt (x |> Array.averageBy (fun v -> (v - m) * (v - m)))
        let seMean, seSd = sd / sqrt n, sd / sqrt (2.0 * n)

        Assert.True(
            abs (m - mean) < 4.0 * seMean,
            $"{name} after {sweeps} sweeps: mean {m} vs exact {mean}, 4 se {4.0 * seMean}"
        )

        Assert.True(abs (s - sd) < 4.0 * seSd, $"{name} after {sweeps} sweeps: sd {s} vs exact {sd}, 4 se {4.0 * seSd}")

    check "alpha" (Array.map fst finals) (ma, sa)
    check "beta" (Array.map snd finals) (mb, sb)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.Gibbs.GlmBlockMixingTests"
        [
            Expecto.Tests.testCase
                "chains of the Poisson GLM block started in the posterior's tails leave them and reach the exact posterior within 40 sweeps"
                (fun () ->
                    ``chains of the Poisson GLM block started in the posterior's tails leave them and reach the exact posterior within 40 sweeps`` ())
        ]
