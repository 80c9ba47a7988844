namespace HierFunctional

open System

/// Effective sample sizes of MCMC draws as R's loo package computes them, for PSIS tail lengths and LOO's MCSE.
[<RequireQualifiedAccess>]
module RelativeEfficiency =
    open Pointwise

    // loo:::fft_next_good_size: the next integer ≥ n whose only prime factors are 2, 3 and 5.
    let private nextGoodSize (n: int) =
        let rec smooth m =
            if m % 2 = 0 then smooth (m / 2)
            elif m % 3 = 0 then smooth (m / 3)
            elif m % 5 = 0 then smooth (m / 5)
            else m

        if n <= 2 then
            2
        else
            Seq.initInfinite (fun i -> n + i) |> Seq.find (fun k -> smooth k <= 1)

    // loo:::autocovariance at one lag, computed directly. loo's FFT version divides by N²·2 after an
    // unnormalised inverse FFT of length 2M, which leaves a factor M/N on every lag; kept so r_eff matches.
    let private autocovariance (centred: float[]) (scale: float) (lag: int) =
        let n = centred.Length
        let mutable acc = 0.0 // local accumulator in a hot loop

        for t in 0 .. n - 1 - lag do
            acc <- acc + centred.[t] * centred.[t + lag]

        scale * acc / float n

    // Geyer's initial positive sequence over pairs of autocorrelations, made monotone, then
    // τ = −1 + 2 Σ ρ_t, bounded below by 1/log10(total draws); a line-by-line port of the loop in loo:::ess_rfun.
    let private geyerTau (rhoAt: int -> float) (n: int) (total: float) =
        let rho = Array.zeroCreate n // filled in place, as the R loop does
        rho.[0] <- 1.0
        rho.[1] <- rhoAt 1
        let mutable t = 0
        let mutable even = 1.0
        let mutable odd = rho.[1]

        while t < n - 5 && not (Double.IsNaN(even + odd)) && even + odd > 0.0 do
            t <- t + 2
            even <- rhoAt t
            odd <- rhoAt (t + 1)

            if even + odd >= 0.0 then
                rho.[t] <- even
                rho.[t + 1] <- odd

        let maxT = t

        if even > 0.0 then
            rho.[maxT] <- even

        t <- 0

        while t <= maxT - 4 do
            t <- t + 2

            if rho.[t] + rho.[t + 1] > rho.[t - 2] + rho.[t - 1] then
                rho.[t] <- (rho.[t - 2] + rho.[t - 1]) / 2.0
                rho.[t + 1] <- rho.[t]

        let sumRho = Array.sum rho.[0 .. max (maxT - 1) 0]
        max (-1.0 + 2.0 * sumRho + rho.[maxT]) (1.0 / log10 total)

    /// Effective sample size of draws split into equal-length chains ([chain][iteration]) by Geyer's initial
    /// monotone sequence over the multi-chain autocorrelation, exactly as `loo:::ess_rfun` (loo 2.5.1).
    let essOfChains (chains: float[][]) : float =
        if isNull chains || chains.Length = 0 then
            invalidArg "chains" "need at least one chain."

        let n = chains.[0].Length

        if n < 2 || chains |> Array.exists (fun c -> c.Length <> n) then
            invalidArg "chains" "all chains need the same number (≥ 2) of draws."

        let m = float chains.Length
        let scale = float (nextGoodSize n) / float n

        let centred =
            chains
            |> Array.map (fun c -> let mu = mean c in c |> Array.map (fun v -> v - mu))

        let meanAcov lag =
            (centred |> Array.sumBy (fun c -> autocovariance c scale lag)) / m

        let meanVar = meanAcov 0 * float n / float (n - 1)

        let varPlus =
            meanVar * float (n - 1) / float n
            + (if chains.Length > 1 then
                   variance (chains |> Array.map mean)
               else
                   0.0)

        let rhoAt lag =
            1.0 - (meanVar - meanAcov lag) / varPlus

        m * float n / geyerTau rhoAt n (m * float n)

    /// Relative efficiency r_eff,i = ESS(exp log p(y_i | θ)) / S per observation, as
    /// `loo::relative_eff(exp(logLik), chain_id)`; chainIds gives each draw's chain (any labels, equal-length chains).
    let relativeEff (chainIds: int[]) (logLik: float[][]) : float[] =
        let cols = columns "logLik" logLik

        if isNull chainIds || chainIds.Length <> logLik.Length then
            invalidArg
                "chainIds"
                $"need one chain id per draw ({logLik.Length}), but got {if isNull chainIds then 0 else chainIds.Length}."

        let ids = Array.distinct chainIds |> Array.sort

        let rowsOf =
            ids
            |> Array.map (fun c ->
                [|
                    for s in 0 .. chainIds.Length - 1 do
                        if chainIds.[s] = c then
                            s
                |])

        if rowsOf |> Array.exists (fun r -> r.Length <> rowsOf.[0].Length) then
            invalidArg "chainIds" "all chains must have the same number of draws."

        cols
        |> Array.map (fun c ->
            essOfChains (rowsOf |> Array.map (Array.map (fun s -> exp c.[s])))
            / float c.Length)
