namespace HierFunctional.Plots

open System
open HierFunctional

/// The data behind the per-chain charts (trace, rank, density, autocorrelation, pair), as pure functions of a
/// `Posterior`: what a chart shows can be checked without drawing it.
[<RequireQualifiedAccess>]
module ChainData =

    /// Indices 0, k, 2k, ... below n with k chosen so that at most `limit` are kept.
    let thinnedIndices (limit: int) (n: int) : int[] =
        let k = max 1 ((n + limit - 1) / max 1 limit)
        [| 0..k .. n - 1 |]

    /// Trace: each chain's draws against iteration (1-based), at most `limit` points per chain.
    let trace (limit: int) (name: string) (posterior: Posterior) : Series[] =
        Posterior.chains name posterior
        |> Array.mapi (fun c draws ->
            let idx = thinnedIndices limit draws.Length

            {
                Name = $"chain {c + 1}"
                Chain = c + 1
                X = idx |> Array.map (fun i -> float (i + 1))
                Y = idx |> Array.map (fun i -> draws.[i])
            })

    /// Ranks 0..S−1 of all draws pooled over chains (ties broken by chain, then position), returned per chain.
    let ranks (chains: float[][]) : int[][] =
        let all =
            chains
            |> Array.mapi (fun c xs -> xs |> Array.mapi (fun i x -> x, c, i))
            |> Array.concat
            |> Array.sortBy (fun (x, c, i) -> x, c, i)

        let out = chains |> Array.map (fun xs -> Array.zeroCreate<int> xs.Length)
        // Filled once, rank by rank; the arrays escape complete.
        all |> Array.iteri (fun r (_, c, i) -> out.[c].[i] <- r)
        out

    /// Rank histogram of the draws `x[chain][draw]` with `bins` equal-width bins of the pooled ranks.
    let rankHistogramOf (bins: int) (scalar: string) (x: float[][]) : RankHistogram =
        if bins < 1 then
            invalidArg "bins" $"need at least one bin, got {bins}."

        let total = x |> Array.sumBy Array.length

        let binOf r =
            int (int64 r * int64 bins / int64 (max 1 total))

        {
            Scalar = scalar
            Bins = bins
            Counts =
                ranks x
                |> Array.map (fun rs ->
                    Array.init bins (fun b -> rs |> Array.filter (fun r -> binOf r = b) |> Array.length))
            Expected =
                if x.Length = 0 then
                    0.0
                else
                    float total / float x.Length / float bins
        }

    /// Rank histogram of a scalar of the posterior (`rankHistogramOf`).
    let rankHistogram (bins: int) (name: string) (posterior: Posterior) : RankHistogram =
        rankHistogramOf bins name (Posterior.chains name posterior)

    let private sdOf (x: float[]) =
        let m = Array.average x
        sqrt ((x |> Array.sumBy (fun v -> (v - m) * (v - m))) / float (max 1 (x.Length - 1)))

    /// Silverman's rule-of-thumb bandwidth 0.9·min(sd, IQR/1.34)·n^(−1/5); 0 for constant draws.
    let bandwidth (x: float[]) : float =
        let s = Array.sort x
        let q p = Diagnostics.quantile p [| s |]
        let spread = min (sdOf s) ((q 0.75 - q 0.25) / 1.34)
        let spread = if spread > 0.0 then spread else sdOf s
        0.9 * spread * Math.Pow(float s.Length, -0.2)

    /// A Gaussian kernel density estimate of `x` on `grid` with bandwidth `h`. With a lower bound (the support of
    /// a scale starts at 0) the kernels are reflected at it, so no mass leaks below the bound.
    let kde (lower: float option) (h: float) (grid: float[]) (x: float[]) : float[] =
        let c = 1.0 / (float x.Length * h * sqrt (2.0 * Math.PI))
        let k (z: float) = exp (-0.5 * z * z)

        grid
        |> Array.map (fun g ->
            match lower with
            | Some b -> c * (x |> Array.sumBy (fun v -> k ((g - v) / h) + k ((g + v - 2.0 * b) / h)))
            | None -> c * (x |> Array.sumBy (fun v -> k ((g - v) / h))))

    /// The lower bound of the support the draws suggest: 0 when every draw is ≥ 0 (a scale, a rate), else none.
    let lowerBound (samples: float[]) : float option =
        if samples.Length > 0 && samples |> Array.forall (fun v -> v >= 0.0) then
            Some 0.0
        else
            None

    /// A grid of `points` values spanning every sample ± 3 bandwidths (not below `lower`), so each density
    /// integrates to about 1 on it.
    let densityGrid (points: int) (lower: float option) (h: float) (samples: float[][]) : float[] =
        let all = samples |> Array.concat |> Array.filter Double.IsFinite
        let lo, hi = Array.min all - 3.0 * h, Array.max all + 3.0 * h

        let lo =
            match lower with
            | Some b -> max b lo
            | None -> lo

        Array.init points (fun i -> lo + (hi - lo) * float i / float (points - 1))

    /// Kernel density of each sample set on one shared grid (bandwidth from the pooled samples, reflected at 0
    /// when every draw is ≥ 0), each a (name, chain, draws).
    let densities (points: int) (named: (string * int * float[])[]) : Series[] =
        let samples =
            named |> Array.map (fun (_, _, x) -> x |> Array.filter Double.IsFinite)

        let pooled = Array.concat samples

        if pooled.Length < 2 then
            invalidArg "named" "need at least two finite draws to estimate a density."

        let h = bandwidth pooled
        let h = if h > 0.0 then h else 1e-3 * max 1.0 (abs pooled.[0])
        let lower = lowerBound pooled
        let grid = densityGrid points lower h samples

        Array.map2
            (fun (name, chain, _) x ->
                {
                    Name = name
                    Chain = chain
                    X = grid
                    Y = kde lower h grid x
                })
            named
            samples

    /// Density of a scalar's draws, one curve per chain on a shared grid of 128 points.
    let densityByChain (name: string) (posterior: Posterior) : Series[] =
        Posterior.chains name posterior
        |> Array.mapi (fun c x -> $"chain {c + 1}", c + 1, x)
        |> densities 128

    /// Autocorrelation of each chain at lags 0..maxLag (lag 0 is 1; NaN for a constant chain).
    let autocorrelation (maxLag: int) (name: string) (posterior: Posterior) : Series[] =
        Posterior.chains name posterior
        |> Array.mapi (fun c x ->
            let acov = Diagnostics.autocovariance x
            let lags = min maxLag (x.Length - 1)

            {
                Name = $"chain {c + 1}"
                Chain = c + 1
                X = Array.init (lags + 1) float
                Y = Array.init (lags + 1) (fun k -> if acov.[0] > 0.0 then acov.[k] / acov.[0] else nan)
            })

    /// Two scalars against each other per chain (at most `limit` points per chain), with the chains that
    /// `Warnings.compute` names for either scalar (a stuck, drifting or outlying chain).
    let pair (limit: int) (xName: string) (yName: string) (posterior: Posterior) : PairData =
        let xs, ys = Posterior.chains xName posterior, Posterior.chains yName posterior
        let n = posterior.DrawCount
        let idx = thinnedIndices limit n

        let flags =
            Warnings.compute (Posterior.select (List.distinct [ xName; yName ]) posterior)
            |> List.collect (fun w ->
                w.Chains
                |> List.ofArray
                |> List.map (fun c -> { Chain = c; Reason = string w.Kind }))
            |> List.distinct
            |> Array.ofList

        {
            XName = xName
            YName = yName
            Chains =
                Array.init posterior.ChainCount (fun c ->
                    {
                        Name = $"chain {c + 1}"
                        Chain = c + 1
                        X = idx |> Array.map (fun i -> xs.[c].[i])
                        Y = idx |> Array.map (fun i -> ys.[c].[i])
                    })
            Flags = flags
            Thinned = idx.Length < n
        }
