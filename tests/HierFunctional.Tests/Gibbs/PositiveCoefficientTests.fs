/// The positive Normal linear coefficient rule: draws with a half-normal prior against the quadrature of the exact
/// conditional, the non-centred τ update with half-Cauchy and half-t priors leaving the exact conditional invariant,
/// and which scales the rule covers.
module HierFunctional.Tests.Gibbs.PositiveCoefficientTests

open System
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.MonteCarlo
open type Distributions

/// ∫ g(τ) p(τ) dτ / ∫ p(τ) dτ on (0, upper) by Simpson's rule with n intervals, for an unnormalised log-density.
let private quadrature (logp: float -> float) (upper: float) (g: float -> float) =
    let n = 200000
    let h = upper / float n
    let xs = Array.init (n + 1) (fun i -> float i * h)
    let lp = xs |> Array.map logp
    let top = Array.max lp

    let weight i =
        if i = 0 || i = n then 1.0
        elif i % 2 = 1 then 4.0
        else 2.0

    let mutable z = 0.0
    let mutable num = 0.0

    for i in 0..n do
        let w = weight i * exp (lp.[i] - top)
        z <- z + w
        num <- num + w * g xs.[i]

    num / z

/// Mean and variance of τ under exp(−½Pτ² + Sτ)·prior(τ) on τ > 0, by quadrature.
let private conditionalMoments (logPrior: float -> float) (p: float) (sh: float) =
    let logp t = -0.5 * p * t * t + sh * t + logPrior t
    let upper = max 50.0 (sh / p + 40.0 / sqrt p)
    let m = quadrature logp upper id
    m, quadrature logp upper (fun t -> (t - m) * (t - m))

let ``positive-coefficient draws with a half-normal prior match the quadrature of the exact conditional`` () =
    let r = rng 11
    let n = 40000

    for (p, sh, a) in [ 0.04, 0.3, 5.0; 2.0, -1.5, 1.0; 0.5, 4.0, 10.0; 30.0, -40.0, 2.0 ] do
        let stats = { Precision = p; Shift = sh }

        let draws =
            Array.init n (fun _ ->
                let struct (t, w) =
                    ConjugatePosterior.drawPositiveCoefficient r Double.PositiveInfinity a 1.0 stats

                Assert.Equal(1.0, w)
                t)

        let m, v = conditionalMoments (fun t -> -0.5 * t * t / (a * a)) p sh
        Assert.True(draws |> Array.forall (fun t -> t > 0.0))
        assertMean $"half-normal P={p} S={sh} A={a}: mean" m draws
        assertMean $"half-normal P={p} S={sh} A={a}: variance" v (draws |> Array.map (fun t -> (t - m) * (t - m)))

/// The non-centred eight schools bound to the data, and its plan's τ update on a state with μ and η fixed.
let private nonCentredTau (prior: Dist) (mu: float) (eta: float[]) =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" prior
            let! eta = sample "eta" (Normal(0.0, 1.0)) |> over "school"
            let! theta = derived "theta" (mu + tau * eta.[group "school"]) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    let b = Bind.bindOrThrow m HierFunctional.Tests.BindTests.schoolsData

    // The τ rule on its own: the joint (μ, τ) update would otherwise replace it.
    let plan =
        match
            Gibbs.compileUsing (CompileSettings.Default.WithJointLocationScale(false).WithCollapsedNormal false) b
        with
        | Ok p -> p
        | Error e -> failwith $"%A{e}"

    let i = plan.Updates |> Array.findIndex (fun u -> u.Node = "tau")
    Assert.StartsWith("Normal linear coefficient, positive", plan.Updates.[i].Method)

    let state =
        Gibbs.initialStateFor
            plan
            0
            0
            (Layout.ofValues b [ "mu", Value.Scalar mu; "tau", Value.Scalar 1.0; "eta", Value.Vector eta ])

    let off = b.Layout.Offsets.["tau"]
    // P = Σ η²/σ², S = Σ η (y − μ)/σ²: the children's exp(−½Pτ² + Sτ).
    let ys, sds =
        HierFunctional.Tests.BindTests.schoolsY, HierFunctional.Tests.BindTests.schoolsSigma

    let p = Array.init 8 (fun j -> eta.[j] * eta.[j] / (sds.[j] * sds.[j])) |> Array.sum

    let sh =
        Array.init 8 (fun j -> eta.[j] * (ys.[j] - mu) / (sds.[j] * sds.[j]))
        |> Array.sum

    let draw (rng: Random) =
        Gibbs.runUpdate i rng state
        state.Values.[off]

    draw, p, sh

let ``the non-centred tau update with a half-Cauchy prior leaves the exact conditional invariant`` () =
    let eta = [| 1.2; 0.1; -0.6; 0.3; -0.9; -0.4; 1.0; 0.5 |]

    for mu in [ 4.0; 20.0 ] do
        let draw, p, sh = nonCentredTau (HalfCauchy 5.0) mu eta
        let r = rng 21
        // The (τ, w) chain is autocorrelated: batch-means MCSE.
        let draws = Array.init 100000 (fun _ -> draw r)
        let m, v = conditionalMoments (fun t -> -log(1.0 + t * t / 25.0)) p sh
        assertWithin4Mcse $"half-Cauchy mu={mu}: mean" m (batchMeanMcse draws)

        assertWithin4Mcse
            $"half-Cauchy mu={mu}: variance"
            v
            (batchMeanMcse (draws |> Array.map (fun t -> (t - m) * (t - m))))

let ``the non-centred tau update with a half-t prior leaves the exact conditional invariant`` () =
    let eta = [| -1.5; 0.8; 0.2; 1.1; -0.3; 0.6; -0.7; 0.9 |]
    let nu, a = 3.0, 2.0
    let draw, p, sh = nonCentredTau (HalfStudentT(nu, a)) 8.0 eta
    let r = rng 31
    let draws = Array.init 100000 (fun _ -> draw r)

    let m, v =
        conditionalMoments (fun t -> -0.5 * (nu + 1.0) * log (1.0 + t * t / (nu * a * a))) p sh

    assertWithin4Mcse "half-t: mean" m (batchMeanMcse draws)
    assertWithin4Mcse "half-t: variance" v (batchMeanMcse (draws |> Array.map (fun t -> (t - m) * (t - m))))

let ``the positive-coefficient rule covers a non-centred scale but not a scale in the sd`` () =
    let expanded = Graph.expand Examples.eightSchoolsNonCentred
    let tau = (Model.tryFind "tau" expanded).Value

    match NormalConjugacy.normalLinearPositive.Recognise expanded tau with
    | RuleOutcome.Matched(Dist.HalfCauchy _, [ child ]) -> Assert.Equal("y", child.Node.Name)
    | other -> failwith $"unexpected %A{other}"

    let centred = Graph.expand Examples.eightSchools
    let tauC = (Model.tryFind "tau" centred).Value
    Assert.True((NormalConjugacy.normalLinearPositive.Recognise centred tauC).IsRejected)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.PositiveCoefficientTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.PositiveCoefficientTests"
            [
                Expecto.Tests.testCase
                    "positive-coefficient draws with a half-normal prior match the quadrature of the exact conditional"
                    (fun () ->
                        ``positive-coefficient draws with a half-normal prior match the quadrature of the exact conditional`` ())
                Expecto.Tests.testCase
                    "the non-centred tau update with a half-Cauchy prior leaves the exact conditional invariant"
                    (fun () ->
                        ``the non-centred tau update with a half-Cauchy prior leaves the exact conditional invariant`` ())
                Expecto.Tests.testCase
                    "the non-centred tau update with a half-t prior leaves the exact conditional invariant"
                    (fun () ->
                        ``the non-centred tau update with a half-t prior leaves the exact conditional invariant`` ())
                Expecto.Tests.testCase
                    "the positive-coefficient rule covers a non-centred scale but not a scale in the sd"
                    (fun () ->
                        ``the positive-coefficient rule covers a non-centred scale but not a scale in the sd`` ())
            ])
