namespace HierFunctional.Inference

open System

/// A proposal density for an independence Metropolis–Hastings step on a fixed one-dimensional target, tabulated
/// once from the target's log-density: piecewise constant on a uniform grid that covers the target down to
/// `depth` below its largest value, with exponential tails beyond (flatter than the target's edge slopes, so the
/// proposal's tails are the heavier). The MH correction makes the step exact whatever the table's error; the closer
/// the table, the closer the draws are to independent.
[<Sealed>]
type internal TabulatedProposal
    private (lo: float, width: float, heights: float[], cumulative: float[], left: float, right: float) =

    /// Grid bins.
    static member Bins = 256

    /// How far below its largest value the grid follows the target.
    static member Depth = 40.0

    /// Scan step while looking for the grid's ends.
    static member private ScanStep = 0.25

    /// Scan steps at most on each side (100 units of the variable).
    static member private MaxSteps = 400

    /// The proposal for the log-density `logDensity` (unnormalised), searched outward from `start`, where it must be
    /// finite. None when the target does not fall `Depth` below its largest value within the scan on both sides
    /// (too flat to tabulate) or is not finite at `start`.
    static member TryCreate(logDensity: float -> float, start: float) : TabulatedProposal option =
        let f x =
            let v = logDensity x
            if Double.IsNaN v then Double.NegativeInfinity else v

        let f0 = f start

        if not (Double.IsFinite f0) then
            None
        else
            let mutable top = f0
            // Walks out from `start` until the target is Depth below the largest value seen.
            let scan (dir: float) =
                let mutable x = start
                let mutable steps = 0
                let mutable fx = f0

                while steps < TabulatedProposal.MaxSteps && fx > top - TabulatedProposal.Depth do
                    x <- x + dir * TabulatedProposal.ScanStep
                    fx <- f x
                    top <- max top fx
                    steps <- steps + 1

                if fx > top - TabulatedProposal.Depth then None else Some x

            // The right side first and then the left, and the right again: a maximum found on the left can move
            // the right end's stopping level.
            match scan 1.0, scan -1.0 with
            | Some _, Some lo ->
                match scan 1.0 with
                | None -> None
                | Some hi ->
                    let n = TabulatedProposal.Bins
                    let w = (hi - lo) / float n
                    let at = Array.init (n + 1) (fun i -> f (lo + w * float i))
                    let finiteMax = at |> Array.filter Double.IsFinite |> Array.fold max top
                    // log heights relative to the largest: the mean of a bin's two ends, floored far below
                    let floor = -2.0 * TabulatedProposal.Depth

                    let rel (v: float) =
                        if Double.IsFinite v then
                            max (v - finiteMax) floor
                        else
                            floor

                    let heights = Array.init n (fun i -> 0.5 * (rel at.[i] + rel at.[i + 1]))
                    // tail rates: half the edge slopes, at least 0.5 (exp-tails, heavier than the target's)
                    let slope (a: float) (b: float) = (rel a - rel b) / w
                    let left = max 0.5 (0.5 * slope at.[1] at.[0])
                    let right = max 0.5 (0.5 * slope at.[n - 1] at.[n])
                    let cumulative = Array.zeroCreate (n + 2)
                    // cumulative.[0]: left tail; then the bins; the right tail is the rest
                    cumulative.[0] <- exp (rel at.[0]) / left

                    for i in 0 .. n - 1 do
                        cumulative.[i + 1] <- cumulative.[i] + w * exp heights.[i]

                    cumulative.[n + 1] <- cumulative.[n] + exp (rel at.[n]) / right

                    let heads = Array.append heights [| rel at.[0]; rel at.[n] |]

                    Some(TabulatedProposal(lo, w, heads, cumulative, left, right))
            | _ -> None

    /// The proposal's log-density at x (up to the same constant at every x).
    member _.LogDensity(x: float) : float =
        let n = TabulatedProposal.Bins
        let hi = lo + width * float n

        if x < lo then heights.[n] + left * (x - lo)
        elif x >= hi then heights.[n + 1] - right * (x - hi)
        else heights.[min (n - 1) (int ((x - lo) / width))]

    /// One draw from the proposal.
    member _.Draw(rng: Random) : float =
        let n = TabulatedProposal.Bins
        let total = cumulative.[n + 1]
        let v = rng.NextDouble() * total

        if v < cumulative.[0] then
            lo + log (1.0 - rng.NextDouble()) / left
        elif v >= cumulative.[n] then
            lo + width * float n - log (1.0 - rng.NextDouble()) / right
        else
            // the bin i with cumulative.[i] ≤ v < cumulative.[i + 1] (the last such i, as cumulative may repeat where
            // a bin's mass is below its rounding), halving [a, a + len) with a conditional move rather than a branch
            // the processor cannot predict
            let mutable a = 0
            let mutable len = n

            while len > 1 do
                let half = len / 2
                a <- if cumulative.[a + half] <= v then a + half else a
                len <- len - half

            lo + width * (float a + rng.NextDouble())

    /// One independence Metropolis–Hastings step from x (log target fx) with the target `logDensity`: the new point
    /// and its log target.
    member this.Step(rng: Random, logDensity: float -> float, x: float, fx: float) : struct (float * float) =
        let y = this.Draw rng
        let fy = logDensity y

        if
            Double.IsFinite fy
            && log (1.0 - rng.NextDouble()) < (fy - this.LogDensity y) - (fx - this.LogDensity x)
        then
            struct (y, fy)
        else
            struct (x, fx)
