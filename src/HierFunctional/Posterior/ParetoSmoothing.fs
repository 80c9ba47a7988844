namespace HierFunctional

open System
open MathNet.Numerics

/// Classification of a Pareto k̂ value with the fixed thresholds of loo 2.5.1 (0.5, 0.7, 1); loo ≥ 2.7 adds a sample-size-dependent one.
[<RequireQualifiedAccess>]
type ParetoK =
    /// k̂ ≤ 0.5: PSIS estimate reliable and fast-converging.
    | Good
    /// 0.5 < k̂ ≤ 0.7: still reliable ("ok").
    | Ok
    /// 0.7 < k̂ ≤ 1: unreliable ("bad").
    | Bad
    /// k̂ > 1 (or not estimated): unusable ("very bad").
    | VeryBad

/// Pareto smoothed importance weights for several observations (one column of log ratios each).
type Psis =
    {
        /// Unnormalised smoothed log weights, indexed [observation][draw].
        LogWeights: float[][]
        /// Pareto shape estimate per observation (+∞ when the tail was too short to fit).
        ParetoK: float[]
        /// Tail length M_i = ⌈min(0.2 S, 3 √(S / r_eff,i))⌉.
        TailLength: int[]
        /// Relative efficiencies used for the tail length and n_eff.
        RelativeEff: float[]
    }

/// Pareto smoothed importance sampling (Vehtari, Simpson, Gelman, Yao & Gabry 2024) as R's loo 2.5.1 computes it.
[<RequireQualifiedAccess>]
module ParetoSmoothing =
    open Pointwise

    /// Generalized Pareto fit to positive exceedances sorted ascending, by the profile-posterior method of
    /// Zhang & Stephens (2009) with a grid of 30 + ⌊√n⌋ points, then loo's weakly informative shrinkage
    /// k ← (n k + 10 · 0.5)/(n + 10) (`loo:::gpdfit` and `adjust_k_wip`). Returns (k, σ).
    let gpdFit (sortedExceedances: float[]) : float * float =
        let x = sortedExceedances
        let n = x.Length
        let m = 30 + int (floor (sqrt (float n)))
        let xStar = x.[int (floor (float n / 4.0 + 0.5)) - 1]

        let theta =
            Array.init m (fun j -> 1.0 / x.[n - 1] + (1.0 - sqrt (float m / (float (j + 1) - 0.5))) / 3.0 / xStar)

        let profile t =
            let a = -t
            let k = x |> Array.averageBy (fun v -> SpecialFunctions.Log1p(a * v))
            float n * (log (a / k) - k - 1.0)

        let l = theta |> Array.map profile
        let lse = logSumExp l
        let thetaHat = Array.fold2 (fun acc t li -> acc + t * exp (li - lse)) 0.0 theta l
        let k = x |> Array.averageBy (fun v -> SpecialFunctions.Log1p(-thetaHat * v))
        let sigma = -k / thetaHat
        let kAdj = k * float n / float (n + 10) + 10.0 * 0.5 / float (n + 10)
        (if Double.IsNaN kAdj then Double.PositiveInfinity else kAdj), sigma

    // Generalized Pareto quantile σ (( 1 − p)^(−k) − 1)/k, as loo:::qgpd.
    let private qgpd (p: float) (k: float) (sigma: float) =
        if Double.IsNaN sigma || sigma <= 0.0 then
            nan
        else
            sigma * SpecialFunctions.Expm1(-k * SpecialFunctions.Log1p(-p)) / k

    /// Tail length for PSIS, ⌈min(0.2 S, 3 √(S / r_eff))⌉ (`loo:::n_pareto`).
    let tailLength (draws: int) (rEff: float) : int =
        int (ceil (min (0.2 * float draws) (3.0 * sqrt (float draws / rEff))))

    let private machineEpsilon = Math.Pow(2.0, -52.0)

    /// Pareto smoothing of one vector of log importance ratios (`loo:::do_psis_i`): the largest M ratios are
    /// replaced by expected order statistics of the fitted generalized Pareto, then truncated at the raw maximum.
    /// Tails shorter than 5 are left unsmoothed with k̂ = +∞. Returns (smoothed log weights, k̂).
    let psisSmooth (tailLen: int) (logRatios: float[]) : float[] * float =
        let s = logRatios.Length
        let top = Array.max logRatios
        let lw = logRatios |> Array.map (fun v -> v - top)
        let mutable khat = Double.PositiveInfinity

        if tailLen >= 5 && tailLen < s then
            let order = Array.init s id |> Array.sortWith (fun a b -> compare lw.[a] lw.[b]) // stable, like R's radix sort
            let tailIdx = order.[s - tailLen ..]
            let tail = tailIdx |> Array.map (fun j -> lw.[j])

            if abs (tail.[tail.Length - 1] - tail.[0]) >= machineEpsilon / 100.0 then // else loo warns and skips
                let cutoff = lw.[order.[s - tailLen - 1]]
                let expCut = exp cutoff
                let k, sigma = gpdFit (tail |> Array.map (fun v -> exp v - expCut))
                khat <- k

                if not (Double.IsInfinity k) then
                    tailIdx
                    |> Array.iteri (fun r j -> lw.[j] <- log (qgpd ((float r + 0.5) / float tailLen) k sigma + expCut))

        (lw |> Array.map (fun v -> (if v > 0.0 then 0.0 else v) + top)), khat

    /// PSIS over observations: column i of the [draw][observation] log ratios is smoothed with tail length from rEff.[i].
    let psis (rEff: float[]) (logRatios: float[][]) : Psis =
        let cols = columns "logRatios" logRatios

        if isNull rEff || rEff.Length <> cols.Length then
            invalidArg "rEff" $"need one relative efficiency per observation ({cols.Length})."

        rEff
        |> Array.iteri (fun i r ->
            if not (r > 0.0 && r < infinity) then
                invalidArg
                    "rEff"
                    $"relative efficiency of observation {i + 1} is {r}; it must be positive and finite (use 1 for independent draws).")

        let tails = rEff |> Array.map (tailLength logRatios.Length)
        let smoothed = Array.map2 psisSmooth tails cols

        {
            LogWeights = Array.map fst smoothed
            ParetoK = Array.map snd smoothed
            TailLength = tails
            RelativeEff = Array.copy rEff
        }

    /// The category loo's pareto_k_table puts k̂ in: (−∞, 0.5], (0.5, 0.7], (0.7, 1], (1, ∞).
    let classifyParetoK (k: float) : ParetoK =
        if k <= 0.5 then ParetoK.Good
        elif k <= 0.7 then ParetoK.Ok
        elif k <= 1.0 then ParetoK.Bad
        else ParetoK.VeryBad
