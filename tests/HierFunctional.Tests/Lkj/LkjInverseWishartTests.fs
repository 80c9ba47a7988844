/// The inverse-Wishart independence move for LKJ scales and correlation: applied alone to exact draws of (s, ρ)
/// given fixed vectors, it must leave their distribution, computed by quadrature on a grid, unchanged; the same
/// check must fail for the move with its Jacobian or a prior term dropped, so it has the power to see those errors.
module HierFunctional.Tests.Lkj.LkjInverseWishartTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference

/// Six 2-vectors about a zero mean: a scatter that leaves the scale and correlation priors influential.
let private vectors =
    [|
        [| 1.1; 0.4 |]
        [| -0.7; -0.2 |]
        [| 0.3; 1.2 |]
        [| -1.6; -0.5 |]
        [| 0.9; -0.3 |]
        [| -0.2; 0.8 |]
    |]

let private n = float vectors.Length

let private scatter =
    Array.init 4 (fun ab -> vectors |> Array.sumBy (fun v -> v.[ab / 2] * v.[ab % 2]))

/// Prior: s_k ~ half-t(3, 0.8), L ~ LKJ(3) (`LkjGrid`).
let private eta = LkjGrid.eta
let private logScalePrior = LkjGrid.logScalePrior
let private factor = LkjGrid.factor
let private logScales = LkjGrid.logScales
let private logLkj = LkjGrid.logLkj

let private weight (prior: float[] -> float) (correction: float[] -> float) = fun v -> prior v + correction v

let private production =
    weight (fun v -> logScales v + logLkj v) (fun v -> LkjInverseWishart.correction 2 v 0 2)

/// log p(s1, s2, ρ | vectors) on the unconstrained grid coordinates (log s1, log s2, atanh ρ), written directly
/// from the MvNormal density (nothing shared with the move but the prior densities).
let private logPosterior (u1: float) (u2: float) (v: float) =
    let s1, s2, rho = exp u1, exp u2, tanh v
    let c11, c22, c12 = s1 * s1, s2 * s2, rho * s1 * s2
    let det = c11 * c22 - c12 * c12

    let quad =
        vectors
        |> Array.sumBy (fun x -> (c22 * x.[0] * x.[0] - 2.0 * c12 * x.[0] * x.[1] + c11 * x.[1] * x.[1]) / det)

    let l = factor rho

    logScalePrior s1 + logScalePrior s2 + LogPdf.lkjCholesky eta l
    - 0.5 * n * log det
    - 0.5 * quad
    + u1
    + u2
    + log (1.0 - rho * rho)

let private masses = lazy (LkjGrid.masses logPosterior)

/// |z| of the means and sds of (s1, s2, ρ) against quadrature after the move with log weight `logWeight`.
let private zScores (logWeight: float[] -> float) =
    let work = Array.zeroCreate (SmallMv.wishartWorkLength 2)
    let drawn = Array.zeroCreate 4
    let saved = Array.zeroCreate 6

    LkjGrid.zScores masses.Value (LkjGrid.exact masses.Value) (fun rng values ->
        LkjInverseWishart.step rng 2 n scatter logWeight values 0 2 work drawn saved
        |> ignore)

let ``the inverse-Wishart move leaves the scale and correlation posterior given the vectors invariant`` () =
    let z = zScores production
    Assert.True(Array.forall (fun v -> v < 4.0) z, $"|z| of means and sds of s1, s2, ρ: %A{z}")

let ``the invariance check rejects the move without its Jacobian`` () =
    let noJacobian (v: float[]) =
        // (ν + K + 1)/2·log|Σ| alone: the correction without −log|∂Σ/∂(s, L)|.
        0.5 * (LkjInverseWishart.nu + 3.0) * 2.0 * (log v.[0] + log v.[1] + log v.[5])

    let z = zScores (weight (fun v -> logScales v + logLkj v) noJacobian)
    Assert.True(Array.exists (fun v -> v > 4.0) z, $"a move without the Jacobian passed: %A{z}")

let ``the invariance check rejects the move without the scale prior`` () =
    let z = zScores (weight logLkj (fun v -> LkjInverseWishart.correction 2 v 0 2))
    Assert.True(Array.exists (fun v -> v > 4.0) z, $"a move without the scale prior passed: %A{z}")

let ``the invariance check rejects the move without the LKJ prior`` () =
    let z = zScores (weight logScales (fun v -> LkjInverseWishart.correction 2 v 0 2))
    Assert.True(Array.exists (fun v -> v > 4.0) z, $"a move without the LKJ prior passed: %A{z}")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Lkj.LkjInverseWishartTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Lkj.LkjInverseWishartTests"
            [
                Expecto.Tests.testCase
                    "the inverse-Wishart move leaves the scale and correlation posterior given the vectors invariant"
                    (fun () ->
                        ``the inverse-Wishart move leaves the scale and correlation posterior given the vectors invariant`` ())
                Expecto.Tests.testCase "the invariance check rejects the move without its Jacobian" (fun () ->
                    ``the invariance check rejects the move without its Jacobian`` ())
                Expecto.Tests.testCase "the invariance check rejects the move without the scale prior" (fun () ->
                    ``the invariance check rejects the move without the scale prior`` ())
                Expecto.Tests.testCase "the invariance check rejects the move without the LKJ prior" (fun () ->
                    ``the invariance check rejects the move without the LKJ prior`` ())
            ])
