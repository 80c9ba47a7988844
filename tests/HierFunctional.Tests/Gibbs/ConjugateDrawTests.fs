module HierFunctional.Tests.Gibbs.ConjugateDrawTests

open System
open HierFunctional.TestShim
open MathNet.Numerics
open MathNet.Numerics.Distributions
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.MonteCarlo

let private n = 20000

/// E[√v] for v ~ InverseGamma(a, scale b), and E[τ^(−1/2)] for τ ~ Gamma(a, rate b): √b·Γ(a − ½)/Γ(a).
let private meanRootInverse a b =
    sqrt b * exp (SpecialFunctions.GammaLn(a - 0.5) - SpecialFunctions.GammaLn a)

let ``Normal draws have the posterior mean`` () =
    let r = rng 1
    let prior = { NormalParams.Mean = 1.0; Sd = 2.0 }

    let stats =
        NormalLinearStats.ofArrays [| 0.5; -1.0; 0.0 |] [| 1.0; 2.0; -0.5 |] [| 1.0; 0.5; 2.0 |] [| 3.0; 1.0; -2.0 |]

    assertMean
        "Normal"
        (ConjugatePosterior.normal prior stats).Mean
        (Array.init n (fun _ -> ConjugatePosterior.drawNormal r prior stats))

let ``precision, variance and sd draws have the posterior means`` () =
    let r = rng 2
    let g = { GammaParams.Shape = 2.0; Rate = 1.5 }

    let ig =
        {
            InverseGammaParams.Shape = 2.0
            Scale = 1.5
        }

    let pg = ConjugatePosterior.gammaPrecision g 6.0 9.0
    let pig = ConjugatePosterior.inverseGammaVariance ig 6.0 9.0

    assertMean
        "Gamma precision"
        (pg.Shape / pg.Rate)
        (Array.init n (fun _ -> ConjugatePosterior.drawPrecision r g 6.0 9.0))

    assertMean
        "InverseGamma variance"
        (pig.Scale / (pig.Shape - 1.0))
        (Array.init n (fun _ -> ConjugatePosterior.drawVariance r ig 6.0 9.0))

    assertMean
        "sd from precision"
        (meanRootInverse pg.Shape pg.Rate)
        (Array.init n (fun _ -> ConjugatePosterior.drawSdFromPrecision r g 6.0 9.0))

    assertMean
        "sd from variance"
        (meanRootInverse pig.Shape pig.Scale)
        (Array.init n (fun _ -> ConjugatePosterior.drawSdFromVariance r ig 6.0 9.0))

let ``Beta, Gamma-Poisson, Gamma-Exponential and Gamma-rate draws have the posterior means`` () =
    let r = rng 3
    let b = ConjugatePosterior.beta { Alpha = 1.5; Beta = 2.0 } 7.0 13.0

    assertMean
        "Beta"
        (b.Alpha / (b.Alpha + b.Beta))
        (Array.init n (fun _ -> ConjugatePosterior.drawBeta r { Alpha = 1.5; Beta = 2.0 } 7.0 13.0))

    let prior = { GammaParams.Shape = 0.7; Rate = 0.4 }
    let mean (p: GammaParams) = p.Shape / p.Rate

    assertMean
        "Gamma-Poisson"
        (mean (ConjugatePosterior.gammaPoisson prior 25.0 12.5))
        (Array.init n (fun _ -> ConjugatePosterior.drawGammaPoisson r prior 25.0 12.5))

    assertMean
        "Gamma-Exponential"
        (mean (ConjugatePosterior.gammaExponential prior 9.0 4.0))
        (Array.init n (fun _ -> ConjugatePosterior.drawGammaExponential r prior 9.0 4.0))

    assertMean
        "Gamma rate"
        (mean (ConjugatePosterior.gammaRate prior 1.3 10.0 8.0))
        (Array.init n (fun _ -> ConjugatePosterior.drawGammaRate r prior 1.3 10.0 8.0))

let ``Dirichlet draws have the posterior mean`` () =
    let r = rng 4
    let alpha, counts = [| 1.0; 0.5; 2.0 |], [| 4.0; 0.0; 9.0 |]
    let post = ConjugatePosterior.dirichlet alpha counts
    let ds = Array.init n (fun _ -> ConjugatePosterior.drawDirichlet r alpha counts)

    for j in 0..2 do
        assertMean $"Dirichlet[{j}]" (post[j] / Array.sum post) (ds |> Array.map (fun d -> d[j]))

let ``HalfNormal sd draws have the GIG posterior mean`` () =
    // E[√v] for v ~ GIG(λ, χ, ψ) is (χ/ψ)^(1/4)·K_{λ+1/2}(ω)/K_λ(ω), ω = √(χψ)
    let r = rng 5

    for priorSd, count, ss in [ 2.0, 8.0, 5.0; 0.5, 3.0, 20.0; 10.0, 40.0, 35.0 ] do
        let g = ConjugatePosterior.halfNormalVariance priorSd count ss
        let omega = sqrt (g.Chi * g.Psi)

        let truth =
            (g.Chi / g.Psi) ** 0.25 * SpecialFunctions.BesselKScaled(g.Lambda + 0.5, omega)
            / SpecialFunctions.BesselKScaled(g.Lambda, omega)

        assertMean
            $"HalfNormal({priorSd}) n={count} SS={ss}"
            truth
            (Array.init n (fun _ -> ConjugatePosterior.drawHalfNormalSd r priorSd count ss))

/// Posterior mean of σ under a half-t(ν, A) prior and n Normal children with sum of squares SS, by quadrature.
let private halfTPosteriorMean nu scaleA count ss =
    let logPost s =
        StudentT.PDFLn(0.0, scaleA, nu, s) - count * log s - ss / (2.0 * s * s)

    let peak = [ for i in 1..2000 -> logPost (float i * 0.01) ] |> List.max
    let f k s = s ** k * exp (logPost s - peak)

    let integral k =
        Integrate.OnClosedInterval(Func<float, float>(f k), 1e-6, 200.0, 1e-12)

    integral 1.0 / integral 0.0

let ``half-t augmented chain has the quadrature posterior mean of sigma`` () =
    let r = rng 6

    for nu, scaleA, count, ss in [ 1.0, 2.0, 5.0, 8.0; 3.0, 1.0, 3.0, 20.0 ] do
        let chain = Array.zeroCreate n
        let mutable aux = 1.0

        for i in 0 .. n - 1 do
            let struct (sigma, a) = ConjugatePosterior.drawHalfStudentT r nu scaleA aux count ss
            chain[i] <- sigma
            aux <- a

        assertWithin4Mcse $"half-t(ν={nu}, A={scaleA}) σ" (halfTPosteriorMean nu scaleA count ss) (batchMeanMcse chain)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.ConjugateDrawTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.ConjugateDrawTests"
            [
                Expecto.Tests.testCase "Normal draws have the posterior mean" (fun () ->
                    ``Normal draws have the posterior mean`` ())
                Expecto.Tests.testCase "precision, variance and sd draws have the posterior means" (fun () ->
                    ``precision, variance and sd draws have the posterior means`` ())
                Expecto.Tests.testCase
                    "Beta, Gamma-Poisson, Gamma-Exponential and Gamma-rate draws have the posterior means"
                    (fun () ->
                        ``Beta, Gamma-Poisson, Gamma-Exponential and Gamma-rate draws have the posterior means`` ())
                Expecto.Tests.testCase "Dirichlet draws have the posterior mean" (fun () ->
                    ``Dirichlet draws have the posterior mean`` ())
                Expecto.Tests.testCase "HalfNormal sd draws have the GIG posterior mean" (fun () ->
                    ``HalfNormal sd draws have the GIG posterior mean`` ())
                Expecto.Tests.testCase "half-t augmented chain has the quadrature posterior mean of sigma" (fun () ->
                    ``half-t augmented chain has the quadrature posterior mean of sigma`` ())
            ])
