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

/// BUGS "Epil" (fixtures/epil/epil.bug, with patient and patient-visit effects), written as the BUGS file writes it:
/// uncentred covariates, Normal(0, precision 1e-4) coefficients, Gamma(0.001, 0.001) precisions.
let private epil =
    model {
        let! a0 = sample "alpha0" (Normal(0.0, 100.0))
        let! aBase = sample "alpha_Base" (Normal(0.0, 100.0))
        let! aTrt = sample "alpha_Trt" (Normal(0.0, 100.0))
        let! aBT = sample "alpha_BT" (Normal(0.0, 100.0))
        let! aAge = sample "alpha_Age" (Normal(0.0, 100.0))
        let! aV4 = sample "alpha_V4" (Normal(0.0, 100.0))
        let! tauB1 = sample "tau_b1" (Gamma(0.001, 0.001))
        let! tauB = sample "tau_b" (Gamma(0.001, 0.001))
        let! b1 = sample "b1" (Normal(0.0, 1.0 / sqrt tauB1)) |> over "patient"
        let! b = sample "b" (Normal(0.0, 1.0 / sqrt tauB)) |> over "obs"
        let! _ = derived "sigma_b1" (1.0 / sqrt tauB1)
        let! _ = derived "sigma_b" (1.0 / sqrt tauB)
        let logBase4 = log (data "Base" / 4.0)

        do!
            observe
                "y"
                (Poisson(
                    exp (
                        a0
                        + aBase * logBase4
                        + aTrt * data "Trt"
                        + aBT * data "Trt" * logBase4
                        + aAge * log (data "Age")
                        + aV4 * data "V4"
                        + b1.[group "patient"]
                        + b.[group "obs"]
                    )
                ))
    }

let private epilFolder =
    IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "fixtures", "epil")

let private epilData =
    let rows =
        IO.File.ReadAllLines(IO.Path.Combine(epilFolder, "epil.csv"))
        |> Array.skip 1
        |> Array.map (fun l -> l.Split ',')

    let col i =
        rows |> Array.map (fun r -> float r.[i])

    Dataset.empty
    |> Dataset.labels "patient" (rows |> Array.map (fun r -> r.[0]))
    |> Dataset.labels "obs" (rows |> Array.map (fun r -> r.[2]))
    |> Dataset.integers "y" (col 3 |> Array.map int)
    |> Dataset.reals "Trt" (col 4)
    |> Dataset.reals "Base" (col 5)
    |> Dataset.reals "Age" (col 6)
    |> Dataset.reals "V4" (col 7)

let ``Epil's six coefficients and two sds match the JAGS + glm reference within 0.15 reference sds`` () =
    let plan = planOf Rules.builtIn epil epilData
    Assert.EndsWith("exact centring of b1, b", plan.Updates.[glmBlockOf plan].Method)

    let reference =
        IO.File.ReadAllLines(IO.Path.Combine(epilFolder, "reference.csv"))
        |> Array.skip 1
        |> Array.map (fun l ->
            let f = l.Split ','
            f.[0].Replace('.', '_'), float f.[1], float f.[2])

    // BUGS's inits (epil-inits.R), random effects at 0
    let inits =
        Initial.Given(
            [
                "alpha0", Value.Scalar 1.0
                "tau_b1", Value.Scalar 1.0
                "tau_b", Value.Scalar 1.0
                "b1", Value.Vector(Array.zeroCreate 59)
                "b", Value.Vector(Array.zeroCreate 236)
            ]
            @ ([ "alpha_Base"; "alpha_Trt"; "alpha_BT"; "alpha_Age"; "alpha_V4" ]
               |> List.map (fun n -> n, Value.Scalar 0.0))
        )

    let o =
        SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(2500).WithSeed(5).WithInitial(inits)

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
