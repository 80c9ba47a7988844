/// The quadrature both LKJ move checks use: a 72³ grid on (log s1, log s2, atanh ρ), exact draws from it, and |z| of
/// the means and sds of (s1, s2, ρ) after a move against the grid's.
module HierFunctional.Tests.Lkj.LkjGrid

open System
open HierFunctional

/// The checks' prior: s_k ~ half-t(3, 0.8), L ~ LKJ(3) (ρ's density ∝ (1 − ρ²)², far from the proposals').
let eta = 3.0

/// log half-t(3, 0.8) of one scale.
let logScalePrior (x: float) = LogPdf.halfStudentT 3.0 0.8 x

/// The scale prior of values laid out as the moves expect: s at 0..1, L (row-major) at 2..5.
let logScales (values: float[]) =
    logScalePrior values.[0] + logScalePrior values.[1]

/// The LKJ(3) prior of those values' L.
let logLkj (values: float[]) =
    LogPdf.lkjCholesky eta (Array2D.init 2 2 (fun i j -> values.[2 + i * 2 + j]))

let private points = 72
let private u1Range, u2Range, vRange = (-4.0, 2.0), (-4.0, 2.0), (-3.0, 3.0)

let private at (lo, hi) i =
    lo + (hi - lo) * (float i + 0.5) / float points

let private width (lo, hi) = (hi - lo) / float points

/// The Cholesky factor of the 2×2 correlation matrix with correlation ρ.
let factor (rho: float) =
    array2D [ [ 1.0; 0.0 ]; [ rho; sqrt (1.0 - rho * rho) ] ]

/// Grid cell masses (normalised) of a log density on (log s1, log s2, atanh ρ), over the flattened index
/// i1·P² + i2·P + iv.
let masses (logPosterior: float -> float -> float -> float) =
    let logs =
        Array.init (points * points * points) (fun i ->
            logPosterior
                (at u1Range (i / (points * points)))
                (at u2Range (i / points % points))
                (at vRange (i % points)))

    let top = Array.max logs
    let w = logs |> Array.map (fun l -> exp (l - top))
    let total = Array.sum w
    w |> Array.map (fun x -> x / total)

let private cellValues (i: int) =
    [|
        exp (at u1Range (i / (points * points)))
        exp (at u2Range (i / points % points))
        tanh (at vRange (i % points))
    |]

/// Quadrature means and sds of (s1, s2, ρ).
let exact (masses: float[]) =
    let m = Array.zeroCreate 3
    let m2 = Array.zeroCreate 3

    masses
    |> Array.iteri (fun i p ->
        let x = cellValues i

        for d in 0..2 do
            m.[d] <- m.[d] + p * x.[d]
            m2.[d] <- m2.[d] + p * x.[d] * x.[d])

    Array.init 3 (fun d -> m.[d], sqrt (m2.[d] - m.[d] * m.[d]))

/// 20,000 exact draws from the grid posterior (cell by mass, uniform within it), each laid out as
/// [| s1; s2; L (row-major) |] and then moved three times by `move`; returns |z| of the means and sds of (s1, s2, ρ)
/// against the quadrature's.
let zScores (masses: float[]) (exact: (float * float)[]) (move: Random -> float[] -> unit) =
    let rng = Random 20261207
    let draws = 20000
    let steps = 3
    let cumulative = Array.scan (+) 0.0 masses

    let out =
        Array.init draws (fun _ ->
            let c =
                let i = Array.BinarySearch(cumulative, rng.NextDouble())
                min (points * points * points - 1) (if i >= 0 then i else ~~~i - 1)

            let jitter range i =
                at range i + (rng.NextDouble() - 0.5) * width range

            let s1 = exp (jitter u1Range (c / (points * points)))
            let s2 = exp (jitter u2Range (c / points % points))
            let rho = tanh (jitter vRange (c % points))
            let l = factor rho
            let values = [| s1; s2; l.[0, 0]; l.[0, 1]; l.[1, 0]; l.[1, 1] |]

            for _ in 1..steps do
                move rng values

            [| values.[0]; values.[1]; values.[4] |])

    [|
        for d in 0..2 do
            let xs = out |> Array.map (fun x -> x.[d])
            let mean = Array.average xs
            let var = xs |> Array.averageBy (fun x -> (x - mean) ** 2.0)
            let m4 = xs |> Array.averageBy (fun x -> (x - mean) ** 4.0)
            let sd = sqrt var
            let trueMean, trueSd = exact.[d]
            abs (mean - trueMean) / (sd / sqrt (float draws))
            abs (sd - trueSd) / (sqrt ((m4 - var * var) / float draws) / (2.0 * sd))
    |]
