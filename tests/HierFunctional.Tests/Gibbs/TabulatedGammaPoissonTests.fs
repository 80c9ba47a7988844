/// The tabulated Gamma-Poisson step (BUGS pumps): α, β and every θ against 2-D quadrature of (log α, log β) with θ
/// integrated out in closed form, what the pass matches, and the old plan when it is switched off.
module HierFunctional.Tests.Gibbs.TabulatedGammaPoissonTests

open System
open MathNet.Numerics
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Testing
open HierFunctional.Tests.Gibbs.GibbsTests
open type Distributions

let private pumpsData = CanonicalModelTests.csv "pumps.csv"

let private xs = CanonicalModelTests.reals pumpsData "x"
let private ts = CanonicalModelTests.reals pumpsData "t"

/// log p(log α, log β | x) for α ~ Exponential(1), β ~ Gamma(0.1, 1): the priors, the Jacobian α·β and the
/// negative-binomial marginal of each pump's count, by MathNet.
let private logq (u: float) (v: float) =
    let a, b = exp u, exp v

    -a + (0.1 - 1.0) * log b - b
    + u
    + v
    + Array.fold2
        (fun acc x t ->
            acc + SpecialFunctions.GammaLn(a + x) - SpecialFunctions.GammaLn a + a * log b
            - (a + x) * log (b + t))
        0.0
        xs
        ts

/// Exact moments by the 2-D trapezoid rule in (log α, log β); θ_g's from its Gamma(α + x, β + t) conditional. The
/// box reaches far down in log β: as β → 0 (with α ~ 1/|log β|) the density falls only as β^0.1 |log β|^−10.
let private exact () =
    let n1, lo1, hi1 = 400, -14.0, 6.0
    let n2, lo2, hi2 = 1200, -110.0, 6.0
    let us = Array.init n1 (fun i -> lo1 + (hi1 - lo1) / float (n1 - 1) * float i)
    let vs = Array.init n2 (fun k -> lo2 + (hi2 - lo2) / float (n2 - 1) * float k)
    let lq = Array2D.init n1 n2 (fun i k -> logq us.[i] vs.[k])
    let peak = assertBoxHoldsMass lq

    let quantities: (string * (float -> float -> float * float)) list =
        [
            "alpha", (fun u _ -> exp u, exp (2.0 * u))
            "beta", (fun _ v -> exp v, exp (2.0 * v))
        ]
        @ [
            for g in 0 .. xs.Length - 1 ->
                $"theta[{g + 1}]",
                (fun u v ->
                    let a, r = exp u + xs.[g], exp v + ts.[g]
                    a / r, a * (a + 1.0) / (r * r))
        ]

    let mutable z = 0.0
    let sums = Array.zeroCreate (2 * quantities.Length)

    for i in 0 .. n1 - 1 do
        for k in 0 .. n2 - 1 do
            let w =
                (if i = 0 || i = n1 - 1 then 0.5 else 1.0)
                * (if k = 0 || k = n2 - 1 then 0.5 else 1.0)
                * exp (lq.[i, k] - peak)

            z <- z + w

            quantities
            |> List.iteri (fun q (_, f) ->
                let m1, m2 = f us.[i] vs.[k]
                sums.[2 * q] <- sums.[2 * q] + w * m1
                sums.[2 * q + 1] <- sums.[2 * q + 1] + w * m2)

    quantities
    |> List.mapi (fun q (name, _) ->
        let m1, m2 = sums.[2 * q] / z, sums.[2 * q + 1] / z

        {
            Name = name
            Mean = m1
            Sd = sqrt (max 0.0 (m2 - m1 * m1))
        })

let private options =
    SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(5000).WithSeed(7)

let ``pumps drawn by the tabulated step match the quadrature posterior of alpha, beta and every theta`` () =
    let plan = planOf Rules.builtIn Examples.pumps pumpsData
    Assert.Equal(1, plan.Updates.Length)
    Assert.Equal(UpdateKind.CollapsedGammaPoisson, plan.Updates.[0].Kind)
    Assert.Equal("alpha, beta, theta", plan.Updates.[0].Node)

    ExactPosterior.compare 4.0 (Chains.run options plan) (exact ())
    |> fun c -> Assert.True(c.Passed, c.Message)

let ``pumps with the tabulated step off keep alpha's collapsed slice and match the quadrature posterior`` () =
    let plan =
        planUsing (CompileSettings.Default.WithTabulatedHyperparameters false) Examples.pumps pumpsData

    Assert.Equal(UpdateKind.CollapsedSlice, plan.Updates.[0].Kind)

    ExactPosterior.compare 4.0 (Chains.run options plan) (exact ())
    |> fun c -> Assert.True(c.Passed, c.Message)

let ``the tabulated step draws pumps' alpha and beta nearly independently: bulk-ESS at least 0.8 per draw`` () =
    let post =
        fit
            Rules.builtIn
            Examples.pumps
            pumpsData
            (SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(1000).WithSeed(1))

    for node in [ "alpha"; "beta" ] do
        let ess = Diagnostics.essBulk (Posterior.chains node post)
        Assert.True(ess >= 0.8 * 4000.0, $"{node} bulk-ESS {ess} in 4 x 1,000 draws")

let ``a Gamma-Poisson hierarchy whose rate prior reads another parameter keeps its one-node plan`` () =
    let m =
        model {
            let! c = sample "c" (Gamma(2.0, 1.0))
            let! alpha = sample "alpha" (Exponential 1.0)
            let! beta = sample "beta" (Gamma(0.1, c))
            let! theta = sample "theta" (Gamma(alpha, beta)) |> over "pump"
            do! observe "x" (Poisson(theta.[group "pump"], data "t"))
        }

    let plan = planOf Rules.builtIn m pumpsData
    Assert.DoesNotContain(plan.Updates, (fun u -> u.Kind = UpdateKind.CollapsedGammaPoisson))

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.Gibbs.TabulatedGammaPoissonTests"
        [
            Expecto.Tests.testCase
                "pumps drawn by the tabulated step match the quadrature posterior of alpha, beta and every theta"
                (fun () ->
                    ``pumps drawn by the tabulated step match the quadrature posterior of alpha, beta and every theta`` ())
            Expecto.Tests.testCase
                "pumps with the tabulated step off keep alpha's collapsed slice and match the quadrature posterior"
                (fun () ->
                    ``pumps with the tabulated step off keep alpha's collapsed slice and match the quadrature posterior`` ())
            Expecto.Tests.testCase
                "the tabulated step draws pumps' alpha and beta nearly independently: bulk-ESS at least 0.8 per draw"
                (fun () ->
                    ``the tabulated step draws pumps' alpha and beta nearly independently: bulk-ESS at least 0.8 per draw`` ())
            Expecto.Tests.testCase
                "a Gamma-Poisson hierarchy whose rate prior reads another parameter keeps its one-node plan"
                (fun () ->
                    ``a Gamma-Poisson hierarchy whose rate prior reads another parameter keeps its one-node plan`` ())
        ]
