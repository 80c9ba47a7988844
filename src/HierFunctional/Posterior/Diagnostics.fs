namespace HierFunctional

open System
open MathNet.Numerics.Distributions

/// MCMC convergence diagnostics of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), "Rank-normalization,
/// folding, and localization: an improved R-hat", computed exactly as R package `posterior` 1.4.0 does.
/// Every function takes the draws of one scalar as `float[chain][draw]` (all chains of equal length).
/// Where R returns NA (any NaN or infinite draw, constant draws, fewer than 3 draws per split chain) these
/// return NaN; rank-based R-hat and bulk ESS, like R's, still return a number when draws contain ±infinity.
[<RequireQualifiedAccess>]
module Diagnostics =

    let private pool (x: float[][]) = Array.concat x

    /// Arithmetic mean with R's refinement pass (sum / n, then plus the mean residual), so that the mean of
    /// identical values is that value exactly.
    let private meanOf (x: float[]) =
        let m = Array.sum x / float x.Length

        if Double.IsFinite m then
            m + Array.sumBy (fun v -> v - m) x / float x.Length
        else
            m

    /// Sample variance with denominator n − 1 (NaN for fewer than two values, as R's `var`).
    let private variance (x: float[]) =
        let m = meanOf x
        Array.sumBy (fun v -> (v - m) * (v - m)) x / float (x.Length - 1)

    /// R's `quantile(x, prob, type = 7)` on sorted values: (1 − h)·x[lo] + h·x[hi] at index 1 + (n − 1)·prob.
    let private quantileSorted (sorted: float[]) (prob: float) =
        let index = float (sorted.Length - 1) * prob
        let lo, hi = int (floor index), int (ceil index)
        let h = index - float lo

        if index > float lo && sorted[hi] <> sorted[lo] then
            (1.0 - h) * sorted[lo] + h * sorted[hi]
        else
            sorted[lo]

    /// R's `.Machine$double.eps` (2⁻⁵²); .NET's Double.Epsilon is the smallest subnormal instead.
    let private machineEpsilon = 2.220446049250313e-16

    let private hasNaN (x: float[][]) =
        x |> Array.exists (Array.exists Double.IsNaN)

    /// R's `should_return_NA`: any NaN or infinite value, or all values within machine epsilon of each other,
    /// relative to their magnitude. (R's tolerance is absolute, which calls every set of values below ~1e-16 —
    /// e.g. squared deviations of draws on a 1e-9 scale — constant; relative, diagnostics are scale-invariant.)
    let isDegenerate (x: float[][]) =
        let all = pool x

        all |> Array.exists (fun v -> not (Double.IsFinite v))
        || (all.Length > 0
            && (let lo, hi = Array.min all, Array.max all
                hi - lo <= machineEpsilon * max (abs lo) (abs hi)))

    /// Splits every chain into its first and second half (the middle draw of an odd-length chain is dropped);
    /// chains of a single draw are returned unchanged, as R's `.split_chains`. R quirk reproduced on purpose:
    /// with 2 or 3 draws per chain and several chains, R's `x[1:1, ]` drops to a vector, so the result is two
    /// "chains" of length M: the first draws of all chains and the last draws of all chains.
    let splitChains (x: float[][]) : float[][] =
        let n = if x.Length = 0 then 0 else x[0].Length
        let h = n / 2

        if n <= 1 then
            x
        elif h = 1 && x.Length > 1 then
            [| x |> Array.map (fun c -> c[0]); x |> Array.map (fun c -> c[n - 1]) |]
        else
            Array.append (x |> Array.map (fun c -> Array.sub c 0 h)) (x |> Array.map (fun c -> Array.sub c (n - h) h))

    /// Rank normalization: average ranks r over all draws, z = Φ⁻¹((r − 3/8) / (S + 1/4)) (Blom's offset).
    let zScale (x: float[][]) : float[][] =
        let all = pool x
        let s = all.Length
        let order = Array.init s id
        Array.Sort(Array.copy all, order)
        let ranks = Array.zeroCreate<float> s
        let mutable i = 0 // tie groups share the average of their ranks

        while i < s do
            let mutable j = i

            while j + 1 < s && all[order[j + 1]] = all[order[i]] do
                j <- j + 1

            let r = float (i + j) / 2.0 + 1.0

            for k in i..j do
                ranks[order[k]] <- r

            i <- j + 1

        let z =
            ranks
            |> Array.mapi (fun k r ->
                if Double.IsNaN all[k] then
                    nan
                else
                    Normal.InvCDF(0.0, 1.0, (r - 0.375) / (float s + 0.25)))

        let n = if x.Length = 0 then 0 else x[0].Length
        Array.init x.Length (fun c -> Array.sub z (c * n) n)

    /// Median of all draws (R's `median`, NaN if any draw is NaN).
    let median (x: float[][]) =
        if hasNaN x then
            nan
        else
            quantileSorted (pool x |> Array.sort) 0.5

    /// Folded draws |x − median(x)|, whose R-hat detects differences in scale between chains.
    let foldDraws (x: float[][]) : float[][] =
        let m = median x
        x |> Array.map (Array.map (fun v -> abs (v - m)))

    let private nextPow2 n =
        let mutable m = 1

        while m < n do
            m <- m * 2

        m

    /// In-place iterative radix-2 Cooley–Tukey FFT of (re, im), length a power of two; sign −1 is the forward
    /// transform, +1 the unscaled inverse. Hand-written because MathNet's managed Fourier (parallelised above
    /// 1024 points) cost more CPU time than this loop here, plus thread-pool waits, and ESS is computed for
    /// every scalar of every summary; agreement with the direct sum is a property test.
    let private fft (re: float[]) (im: float[]) (sign: float) =
        let n = re.Length
        let mutable j = 0 // bit-reversal permutation

        for i in 1 .. n - 1 do
            let mutable bit = n >>> 1

            while j &&& bit <> 0 do
                j <- j ^^^ bit
                bit <- bit >>> 1

            j <- j ^^^ bit

            if i < j then
                let tr = re[i]
                let ti = im[i]
                re[i] <- re[j]
                im[i] <- im[j]
                re[j] <- tr
                im[j] <- ti

        let cosT = Array.init (n / 2) (fun k -> cos (2.0 * Math.PI * float k / float n))

        let sinT =
            Array.init (n / 2) (fun k -> sign * sin (2.0 * Math.PI * float k / float n))

        let mutable len = 2

        while len <= n do
            let half = len / 2
            let stride = n / len
            let mutable start = 0 // while loops: a stepped `for` range allocates an enumerator in Debug builds

            while start < n do
                for k in 0 .. half - 1 do
                    let wr = cosT[k * stride]
                    let wi = sinT[k * stride]
                    let a = start + k
                    let b = a + half
                    let vr = re[b] * wr - im[b] * wi
                    let vi = re[b] * wi + im[b] * wr
                    re[b] <- re[a] - vr
                    im[b] <- im[a] - vi
                    re[a] <- re[a] + vr
                    im[a] <- im[a] + vi

                start <- start + len

            len <- len * 2

    /// Autocovariance of one chain at lags 0..n−1 via FFT (Wiener–Khinchin: the inverse transform of the
    /// zero-padded power spectrum), scaled so that lag 0 equals the variance with denominator n (R's
    /// `posterior:::autocovariance`).
    let autocovariance (x: float[]) : float[] =
        let n = x.Length

        if n = 0 || x |> Array.forall (fun v -> v = x[0]) then
            Array.zeroCreate n
        else
            let m = meanOf x
            let size = nextPow2 (2 * n)
            let re = Array.init size (fun i -> if i < n then x[i] - m else 0.0)
            let im = Array.zeroCreate size
            fft re im -1.0

            for i in 0 .. size - 1 do // power spectrum, in place
                re[i] <- re[i] * re[i] + im[i] * im[i]
                im[i] <- 0.0

            fft re im 1.0
            let scale = variance x * float (n - 1) / float n / re[0]
            Array.init n (fun k -> re[k] * scale)

    /// Multi-chain autocorrelations ρ̂_t = 1 − (W − mean autocovariance_t) / var⁺ truncated by Geyer's initial
    /// positive sequence and made monotone, as R's `.ess` (including its handling of a zero-length sum).
    let private rhoHat (x: float[][]) =
        let m, n = x.Length, x[0].Length
        let acovs = x |> Array.map autocovariance

        let acov t =
            acovs |> Array.averageBy (fun a -> a[t])

        let meanVar = acov 0 * float n / float (n - 1)

        let varPlus =
            meanVar * float (n - 1) / float n
            + (if m > 1 then variance (x |> Array.map meanOf) else 0.0)

        let rho = Array.zeroCreate<float> n
        let at t = 1.0 - (meanVar - acov t) / varPlus
        rho[0] <- 1.0
        rho[1] <- at 1
        let mutable t, even, odd = 0, 1.0, rho[1] // Geyer's initial positive sequence

        while t < n - 5 && not (Double.IsNaN(even + odd)) && even + odd > 0.0 do
            t <- t + 2
            even <- at t
            odd <- at (t + 1)

            if even + odd >= 0.0 then
                rho[t] <- even
                rho[t + 1] <- odd

        let maxT = t

        if even > 0.0 then
            rho[maxT] <- even

        let mutable u = 0 // initial monotone sequence

        while u <= maxT - 4 do
            u <- u + 2

            if rho[u] + rho[u + 1] > rho[u - 2] + rho[u - 1] then
                rho[u] <- (rho[u - 2] + rho[u - 1]) / 2.0
                rho[u + 1] <- rho[u]

        rho, maxT

    /// Effective sample size of already prepared (split / normalized) chains: S / τ̂ with
    /// τ̂ = −1 + 2·Σ_{t<T} ρ̂_t + ρ̂_T, bounded below by 1 / log10 S (so ESS ≤ S·log10 S for antithetic chains).
    /// R's `.ess`; NaN for fewer than 3 draws per chain or degenerate draws.
    let geyerEss (x: float[][]) : float =
        if x.Length = 0 || x[0].Length < 3 || isDegenerate x then
            nan
        else
            let rho, maxT = rhoHat x
            // R sums rho[1:max_t]; for max_t = 0 that is rho[c(1, 0)] = rho[1], not an empty sum.
            let head = if maxT = 0 then rho[0] else Array.sum rho[0 .. maxT - 1]
            let s = float (x.Length * x[0].Length)
            let tau = max (-1.0 + 2.0 * head + rho[maxT]) (1.0 / log10 s)
            s / tau

    /// Potential scale reduction √((B/W + n − 1) / n) of already prepared chains (R's `.rhat`): B = n·var of
    /// the chain means, W = mean within-chain variance. NaN for degenerate draws or single-draw chains.
    let potentialScaleReduction (x: float[][]) : float =
        if x.Length = 0 || isDegenerate x then
            nan
        else
            let n = float x[0].Length
            let between = n * variance (x |> Array.map meanOf)
            let within = x |> Array.averageBy variance
            sqrt ((between / within + n - 1.0) / n)

    let private nanMax a b =
        if Double.IsNaN a || Double.IsNaN b then nan else max a b

    let private nanMin a b =
        if Double.IsNaN a || Double.IsNaN b then nan else min a b

    /// Bulk R-hat: split R-hat of the rank-normalized draws (invariant under increasing transformations).
    let rhatBulk (x: float[][]) =
        potentialScaleReduction (zScale (splitChains x))

    /// Tail R-hat: split R-hat of the rank-normalized folded draws |x − median(x)|.
    let rhatTail (x: float[][]) =
        potentialScaleReduction (zScale (splitChains (foldDraws x)))

    /// Rank-normalized split R-hat: the larger of the bulk and the tail R-hat (R's `rhat`).
    let rhat (x: float[][]) = nanMax (rhatBulk x) (rhatTail x)

    /// Classic split R-hat without rank normalization (R's `rhat_basic`).
    let rhatBasic (x: float[][]) = potentialScaleReduction (splitChains x)

    /// Bulk effective sample size: ESS of the rank-normalized split chains.
    let essBulk (x: float[][]) = geyerEss (zScale (splitChains x))

    /// `essBulk x, rhat x` with the rank normalization they share computed once: a summary row needs both, and the
    /// normalization sorts the draws and takes an inverse normal CDF of each.
    let internal essBulkAndRhat (x: float[][]) =
        let z = zScale (splitChains x)
        geyerEss z, nanMax (potentialScaleReduction z) (rhatTail x)

    /// ESS of the split chains without rank normalization (R's `ess_basic`).
    let essBasic (x: float[][]) = geyerEss (splitChains x)

    /// ESS for the mean, the one MCSE of the mean uses (R's `ess_mean`; equal to `essBasic`).
    let essMean (x: float[][]) = essBasic x

    /// ESS for the standard deviation: ESS of the split chains of |x − mean(x)| (R's `ess_sd`).
    let essSd (x: float[][]) =
        let m = meanOf (pool x)
        geyerEss (splitChains (x |> Array.map (Array.map (fun v -> abs (v - m)))))

    /// ESS of the quantile at `prob`: ESS of the split chains of the indicator x ≤ q̂(prob) (type-7 quantile).
    let essQuantile (prob: float) (x: float[][]) =
        if prob < 0.0 || prob > 1.0 then
            invalidArg "prob" $"Probability must lie in [0, 1], but was {prob}."

        if isDegenerate x then
            nan
        else
            let all = pool x

            let p =
                if prob = 1.0 then
                    (float all.Length - 0.5) / float all.Length
                else
                    prob

            let q = quantileSorted (Array.sort all) p
            geyerEss (splitChains (x |> Array.map (Array.map (fun v -> if v <= q then 1.0 else 0.0))))

    /// Tail ESS: the smaller of the ESS of the 5% and 95% quantiles.
    let essTail (x: float[][]) =
        nanMin (essQuantile 0.05 x) (essQuantile 0.95 x)

    /// ESS of the median.
    let essMedian (x: float[][]) = essQuantile 0.5 x

    /// Mean of all draws.
    let mean (x: float[][]) = meanOf (pool x)

    /// Standard deviation of all draws (denominator S − 1).
    let sd (x: float[][]) = sqrt (variance (pool x))

    /// Median absolute deviation 1.4826·median|x − median(x)| (R's `mad`, consistent for the normal sd).
    let mad (x: float[][]) = 1.4826 * median (foldDraws x)

    /// Type-7 quantile of all draws at `prob` (R's `quantile` / `posterior::quantile2`); NaN if any draw is NaN.
    let quantile (prob: float) (x: float[][]) =
        if prob < 0.0 || prob > 1.0 then
            invalidArg "prob" $"Probability must lie in [0, 1], but was {prob}."

        if hasNaN x then
            nan
        else
            quantileSorted (pool x |> Array.sort) prob

    /// Monte Carlo standard error of the mean: sd / √ESS_mean.
    let mcseMean (x: float[][]) = sd x / sqrt (essMean x)

    /// Monte Carlo standard error of the sd as `posterior` 1.4.0 computes it: with centred draws c,
    /// E = mean(c²), Var(E) ≈ (mean(c⁴) − E²) / ESS_mean(c²), and by the delta method Var(sd) ≈ Var(E) / (4E).
    let mcseSd (x: float[][]) =
        let m = meanOf (pool x)
        let sq = x |> Array.map (Array.map (fun v -> (v - m) * (v - m)))
        let ess = essMean sq
        let all = pool sq
        let e = Array.average all
        let varVar = (Array.averageBy (fun v -> v * v) all - e * e) / ess
        sqrt (varVar / e / 4.0)

    /// Monte Carlo standard error of the quantile at `prob`: half the width of the ±1 sd interval of the
    /// Beta(ESS·p + 1, ESS·(1 − p) + 1) distribution of the quantile's rank, read off the sorted draws.
    let mcseQuantile (prob: float) (x: float[][]) =
        let ess = essQuantile prob x

        if Double.IsNaN ess then
            nan
        else
            let a, b = ess * prob + 1.0, ess * (1.0 - prob) + 1.0
            let lo, hi = Beta.InvCDF(a, b, 0.1586553), Beta.InvCDF(a, b, 0.8413447)
            let sorted = pool x |> Array.sort
            let s = sorted.Length
            let th1 = sorted[max (int (floor (lo * float s))) 1 - 1]
            let th2 = sorted[min (int (ceil (hi * float s))) s - 1]
            (th2 - th1) / 2.0
