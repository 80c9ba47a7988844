/// The GLM coefficient block on BUGS "Epil" (Poisson rows with patient and patient-visit effects): the coefficients
/// and sds against the JAGS + glm reference, and no allocation per sweep with its centring steps.
module HierFunctional.Tests.Gibbs.GlmBlockEpilTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.GlmSupport

let private epilFolder =
    IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "fixtures", "epil")

let private epilData = EpilModel.data (IO.Path.Combine(epilFolder, "epil.csv"))

let private epil = EpilModel.model

let ``Epil's six coefficients and two sds match the JAGS + glm reference within 0.15 reference sds`` () =
    let plan = planOf Rules.builtIn epil epilData
    Assert.EndsWith("exact centring of b1, b", plan.Updates.[glmBlockOf plan].Method)

    let reference =
        IO.File.ReadAllLines(IO.Path.Combine(epilFolder, "reference.csv"))
        |> Array.skip 1
        |> Array.map (fun l ->
            let f = l.Split ','
            f.[0].Replace('.', '_'), float f.[1], float f.[2])

    let o =
        SamplerOptions.Default
            .WithChains(4)
            .WithWarmup(500)
            .WithDraws(2500)
            .WithSeed(5)
            .WithInitial(EpilModel.bugsInits)

    let post = Chains.run o plan

    for name, mean, sd in reference do
        let x = Posterior.chains name post
        let m = Diagnostics.mean x
        Assert.True(abs (m - mean) <= 0.15 * sd, $"{name}: mean {m}, JAGS {mean} (sd {sd})")
        // the coefficients mix fast enough for R-hat < 1.01 at this length; the sds need the 4 × 20,000 bench run
        if name.StartsWith "alpha" then
            let r = Diagnostics.rhat x
            Assert.True(r < 1.01, $"{name}: R-hat {r}")

let ``the GLM block with its centring steps allocates nothing per sweep`` () =
    let plan = planOf Rules.builtIn epil epilData
    let b = plan.Bound
    let values = Array.zeroCreate b.Layout.Size
    values.[b.Layout.Offsets.["tau_b1"]] <- 4.0
    values.[b.Layout.Offsets.["tau_b"]] <- 4.0
    let st = Gibbs.initialStateFor plan 0 0 values
    let rng = MonteCarlo.rng 9

    let sweeps n =
        for _ in 1..n do
            Gibbs.sweep plan rng st

    sweeps 300
    st.Adapting <- false
    let i = glmBlockOf plan

    let step () = Gibbs.runUpdate i rng st

    for _ in 1..500 do
        step ()

    let before = GC.GetAllocatedBytesForCurrentThread()

    for _ in 1..500 do
        step ()

    let bytes = GC.GetAllocatedBytesForCurrentThread() - before
    Assert.True((bytes = 0L), $"the block allocated {bytes} bytes over 500 steps")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.GlmBlockEpilTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.GlmBlockEpilTests"
            [
                Expecto.Tests.testCase
                    "Epil's six coefficients and two sds match the JAGS + glm reference within 0.15 reference sds"
                    (fun () ->
                        ``Epil's six coefficients and two sds match the JAGS + glm reference within 0.15 reference sds`` ())
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase
                        "the GLM block with its centring steps allocates nothing per sweep"
                        (fun () -> ``the GLM block with its centring steps allocates nothing per sweep`` ())
                )
            ])
