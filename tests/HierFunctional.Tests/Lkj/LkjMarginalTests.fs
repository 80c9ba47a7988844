/// The independence move for LKJ scales and correlation with the vectors integrated out: applied alone, given a fixed
/// mean and noise sd, to exact draws of (s, ρ) from their marginal posterior, it must leave that distribution, computed
/// by quadrature from the data-level marginal y_j ~ N(X_j m, X_j Σ X_jᵀ + σ² I), unchanged; the same check must fail
/// for the move with its Jacobian, the scale prior or the per-vector noise dropped, so it can see those errors. Two
/// data sets: unequal designs (the general weight) and equal ones (the weight's shortcut without a pass over groups).
module HierFunctional.Tests.Lkj.LkjMarginalTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference

/// Eight groups observed at different times (unequal designs, so the per-group noise V_j differs), y = b0 + b1·t.
let private unequal =
    [|
        [| 0.0; 1.0; 2.0 |], [| -0.12; -0.06; -0.26 |]
        [| 0.0; 1.0; 2.0; 3.0 |], [| 0.24; 0.95; 0.95; 1.42 |]
        [| 1.0; 3.0 |], [| -0.09; -2.0 |]
        [| 0.0; 2.0; 4.0 |], [| -0.27; -1.51; -2.96 |]
        [| -1.0; 0.0; 1.0; 2.0 |], [| 0.78; 0.12; 0.52; 0.49 |]
        [| 2.0; 3.0 |], [| 1.19; 2.13 |]
        [| 0.0; 1.0 |], [| -0.47; -0.9 |]
        [| -2.0; -1.0; 0.0 |], [| 0.26; 0.11; 0.45 |]
    |]

/// Six groups observed at the same four times (equal designs).
let private equal =
    let t = [| 0.0; 1.0; 2.0; 3.0 |]

    [|
        t, [| 0.31; 0.12; 0.25; -0.08 |]
        t, [| -0.52; -0.95; -1.21; -1.72 |]
        t, [| 1.04; 1.11; 0.87; 1.32 |]
        t, [| 0.12; 0.58; 0.71; 1.12 |]
        t, [| -0.23; -0.34; -0.71; -0.66 |]
        t, [| 0.66; 0.41; 0.02; -0.35 |]
    |]

let private mean = [| 0.2; -0.1 |]
let private sigma = 0.25

/// Per group XᵀX/σ² then Xᵀy/σ² (the layout of the MvNormal-linear update's statistics).
let private statsOf (groups: (float[] * float[])[]) =
    groups
    |> Array.collect (fun (t, y) ->
        let w = 1.0 / (sigma * sigma)
        let st = Array.sum t
        let tt = t |> Array.sumBy (fun x -> x * x)
        let sy = Array.sum y
        let ty = Array.map2 (*) t y |> Array.sum
        [| w * float t.Length; w * st; w * st; w * tt; w * sy; w * ty |])

/// Prior: s_k ~ half-t(3, 0.8), L ~ LKJ(3) (`LkjGrid`).
let private eta = LkjGrid.eta
let private logScalePrior = LkjGrid.logScalePrior
let private factor = LkjGrid.factor
let private logScales = LkjGrid.logScales
let private logLkj = LkjGrid.logLkj

/// log N(y; 0, C) for a small symmetric positive-definite C, by a Cholesky factorisation written out here.
let private logNormal (y: float[]) (c: float[,]) =
    let m = y.Length
    let l = Array2D.zeroCreate m m

    for i in 0 .. m - 1 do
        for j in 0..i do
            let s = c.[i, j] - Seq.sum (seq { for t in 0 .. j - 1 -> l.[i, t] * l.[j, t] })
            l.[i, j] <- if i = j then sqrt s else s / l.[j, j]

    let z = Array.zeroCreate m

    for i in 0 .. m - 1 do
        z.[i] <- (y.[i] - Seq.sum (seq { for t in 0 .. i - 1 -> l.[i, t] * z.[t] })) / l.[i, i]

    -Seq.sum(seq { for i in 0 .. m - 1 -> log l.[i, i] })
    - 0.5 * Array.sumBy (fun v -> v * v) z

/// log p(s1, s2, ρ | y, m, σ) on the grid coordinates (log s1, log s2, atanh ρ), from the data-level marginal
/// (nothing shared with the move but the prior densities).
let private logPosterior (groups: (float[] * float[])[]) (u1: float) (u2: float) (v: float) =
    let s1, s2, rho = exp u1, exp u2, tanh v
    let c = array2D [ [ s1 * s1; rho * s1 * s2 ]; [ rho * s1 * s2; s2 * s2 ] ]

    let likelihood =
        groups
        |> Array.sumBy (fun (t, y) ->
            let x i = [| 1.0; t.[i] |]
            let r = Array.init t.Length (fun i -> y.[i] - mean.[0] - mean.[1] * t.[i])

            let cov =
                Array2D.init t.Length t.Length (fun i j ->
                    let xi, xj = x i, x j
                    let mutable v = if i = j then sigma * sigma else 0.0

                    for a in 0..1 do
                        for b in 0..1 do
                            v <- v + xi.[a] * c.[a, b] * xj.[b]

                    v)

            logNormal r cov)

    logScalePrior s1
    + logScalePrior s2
    + LogPdf.lkjCholesky eta (factor rho)
    + likelihood
    + u1
    + u2
    + log (1.0 - rho * rho)

/// A data set with its quadrature (computed once, when first needed).
type private Case =
    {
        Groups: (float[] * float[])[]
        Masses: Lazy<float[]>
        Exact: Lazy<(float * float)[]>
    }

let private caseOf groups =
    let masses = lazy (LkjGrid.masses (logPosterior groups))

    {
        Groups = groups
        Masses = masses
        Exact = lazy (LkjGrid.exact masses.Value)
    }

let private unequalCase = caseOf unequal
let private equalCase = caseOf equal

let private scratch (case: Case) =
    let n = case.Groups.Length
    let sc = LkjMarginal.scratch 2 n

    let prepared =
        LkjMarginal.prepare 2 n (statsOf case.Groups) (fun _ _ buf -> Array.blit mean 0 buf 0 2) [||] sc

    Assert.True(prepared, "every group's XᵀX is positive definite")
    sc

let private production (n: int) (sc: LkjMarginal.Scratch) =
    fun v -> logScales v + logLkj v + LkjMarginal.correction 2 n sc v 0 2

/// |z| of the means and sds of (s1, s2, ρ) against quadrature after the move with log weight `logWeight n sc`.
let private zScores (case: Case) (logWeight: int -> LkjMarginal.Scratch -> float[] -> float) =
    let n = case.Groups.Length
    let sc = scratch case
    let weight = logWeight n sc
    let accepted = ref 0

    let z =
        LkjGrid.zScores case.Masses.Value case.Exact.Value (fun rng values ->
            if LkjMarginal.step rng 2 n weight values 0 2 sc then
                accepted.Value <- accepted.Value + 1)

    // A move that never accepts would pass trivially.
    Assert.True(accepted.Value > 20000 * 3 / 10, $"accepted {accepted.Value} of {20000 * 3}")
    z

let ``the marginal move leaves the scale and correlation posterior with the vectors integrated out invariant`` () =
    let z = zScores unequalCase production
    Assert.True(Array.forall (fun v -> v < 4.0) z, $"|z| of means and sds of s1, s2, ρ: %A{z}")

let ``the marginal move with equal designs leaves the scale and correlation posterior invariant`` () =
    let sc = scratch equalCase
    Assert.True(sc.EqualNoise, "equal designs are recognised")
    let z = zScores equalCase production
    Assert.True(Array.forall (fun v -> v < 4.0) z, $"|z| of means and sds of s1, s2, ρ: %A{z}")

let private noJacobian n sc (v: float[]) =
    logScales v + logLkj v + LkjMarginal.logMarginal 2 n sc v 0 2
    - LkjMarginal.logShiftedInverseWishart 2 n sc v 0 2

let ``the marginal invariance check rejects the move without its Jacobian`` () =
    let z = zScores unequalCase noJacobian
    Assert.True(Array.exists (fun v -> v > 4.0) z, $"a move without the Jacobian passed: %A{z}")

let ``the marginal invariance check with equal designs rejects the move without its Jacobian`` () =
    let z = zScores equalCase noJacobian
    Assert.True(Array.exists (fun v -> v > 4.0) z, $"a move without the Jacobian passed: %A{z}")

let ``the marginal invariance check rejects the move without the scale prior`` () =
    let z =
        zScores unequalCase (fun n sc v -> logLkj v + LkjMarginal.correction 2 n sc v 0 2)

    Assert.True(Array.exists (fun v -> v > 4.0) z, $"a move without the scale prior passed: %A{z}")

let ``the marginal invariance check rejects the move that takes every vector's noise to be the mean noise`` () =
    // The equal-design shortcut applied to unequal designs.
    let shortcut n (sc: LkjMarginal.Scratch) (v: float[]) =
        sc.EqualNoise <- true
        logScales v + logLkj v + LkjMarginal.correction 2 n sc v 0 2

    let z = zScores unequalCase shortcut
    Assert.True(Array.exists (fun v -> v > 4.0) z, $"a move with the mean noise for every vector passed: %A{z}")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Lkj.LkjMarginalTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Lkj.LkjMarginalTests"
            [
                Expecto.Tests.testCase
                    "the marginal move leaves the scale and correlation posterior with the vectors integrated out invariant"
                    (fun () ->
                        ``the marginal move leaves the scale and correlation posterior with the vectors integrated out invariant`` ())
                Expecto.Tests.testCase
                    "the marginal move with equal designs leaves the scale and correlation posterior invariant"
                    (fun () ->
                        ``the marginal move with equal designs leaves the scale and correlation posterior invariant`` ())
                Expecto.Tests.testCase "the marginal invariance check rejects the move without its Jacobian" (fun () ->
                    ``the marginal invariance check rejects the move without its Jacobian`` ())
                Expecto.Tests.testCase
                    "the marginal invariance check with equal designs rejects the move without its Jacobian"
                    (fun () ->
                        ``the marginal invariance check with equal designs rejects the move without its Jacobian`` ())
                Expecto.Tests.testCase
                    "the marginal invariance check rejects the move without the scale prior"
                    (fun () -> ``the marginal invariance check rejects the move without the scale prior`` ())
                Expecto.Tests.testCase
                    "the marginal invariance check rejects the move that takes every vector's noise to be the mean noise"
                    (fun () ->
                        ``the marginal invariance check rejects the move that takes every vector's noise to be the mean noise`` ())
            ])
