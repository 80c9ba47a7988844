namespace HierFunctional.Inference

open System
open MathNet.Numerics.Distributions

/// PG(n, c) for any whole n at a cost that does not grow with n. Small n: the exact sum of n PG(1, c) draws
/// (`Special.polyaGamma`). Larger n: the defining series of Polson, Scott & Windle (2013),
/// PG(n, c) = Σ_k G_k / d_k with G_k ~ Gamma(n, 1) and d_k = 2π²(k − ½)² + c²/2, drawn exactly for its first K terms,
/// and its remainder R = Σ_{k>K} G_k/d_k replaced by a Normal with R's exact mean and variance (the closed-form
/// moments of PG(n, c) minus the first K terms'), so the draw's mean and variance are exact. Its Kolmogorov distance
/// to PG(n, c) is at most d₁·σ_R/√(π(n − 1)): the first term's density is at most d₁/√(2π(n − 1)), and the Normal
/// is within Wasserstein distance √2·σ_R of R. K grows until that bound is below `Tolerance`.
[<RequireQualifiedAccess>]
module PolyaGammaN =

    /// Largest n drawn as an exact sum of PG(1, c) terms.
    [<Literal>]
    let ExactUpTo = 12

    /// The bound on each approximate draw's Kolmogorov distance to PG(n, c).
    [<Literal>]
    let Tolerance = 1e-4

    /// The first term count tried by the series, and the most it uses before falling back to the exact sum.
    [<Literal>]
    let private FirstTerms = 16

    [<Literal>]
    let private MaxTerms = 4096

    /// E[PG(1, c)] = tanh(c/2)/(2c), 1/4 at c = 0.
    let mean1 (c: float) =
        let c = abs c

        if c < 1e-4 then
            0.25 - c * c / 48.0
        else
            tanh (0.5 * c) / (2.0 * c)

    /// Var[PG(1, c)] = (sinh c − c)·sech²(c/2)/(4c³), written as (2 tanh(c/2) − c·sech²(c/2))/(4c³) so it does not
    /// overflow; a series below c = 0.05 where that difference cancels.
    let variance1 (c: float) =
        let c = abs c
        let sech = 1.0 / cosh (0.5 * c)

        if c < 0.05 then
            let c2 = c * c
            // (sinh c − c)/c³ = Σ_j c^{2j}/(2j + 3)!
            (1.0 / 6.0 + c2 / 120.0 + c2 * c2 / 5040.0 + c2 * c2 * c2 / 362880.0)
            * sech
            * sech
            / 4.0
        else
            (2.0 * tanh (0.5 * c) - c * sech * sech) / (4.0 * c * c * c)

    /// The series' term count for PG(n, c) and the Kolmogorov bound it reaches, or None when the bound would need
    /// more than the maximum number of terms (then the exact sum is used).
    let terms (n: int) (c: float) : struct (int * float) voption =
        let half = 0.5 * c * c
        let d1 = 2.0 * Math.PI * Math.PI * 0.25 + half
        let nf = float n
        let totalVar = variance1 c
        let scale = d1 / sqrt (Math.PI * (nf - 1.0))
        let mutable k = 0
        let mutable sumInv, sumInv2 = 0.0, 0.0
        let mutable target = FirstTerms
        let mutable result = ValueNone
        let mutable searching = true

        while searching do
            while k < target do
                k <- k + 1
                let h = float k - 0.5
                let d = 2.0 * Math.PI * Math.PI * h * h + half
                sumInv <- sumInv + 1.0 / d
                sumInv2 <- sumInv2 + 1.0 / (d * d)

            let restVar = nf * max 0.0 (totalVar - sumInv2)
            let bound = scale * sqrt restVar

            if bound <= Tolerance then
                result <- ValueSome(struct (k, bound))
                searching <- false
            elif target >= MaxTerms then
                searching <- false
            else
                target <- 2 * target

        result

    /// One draw from PG(n, c) for whole n ≥ 1: the exact sum when n ≤ `ExactUpTo` or when the series would need more
    /// terms than n, else the truncated series with a Normal remainder (Kolmogorov distance ≤ `Tolerance`).
    let draw (rng: Random) (n: int) (c: float) =
        if n <= ExactUpTo then
            Special.polyaGamma rng n c
        else
            match terms n c with
            | ValueSome(struct (k, _)) when k < n ->
                let half = 0.5 * c * c
                let nf = float n
                let mutable s = 0.0
                let mutable sumInv, sumInv2 = 0.0, 0.0

                for j in 1..k do
                    let h = float j - 0.5
                    let d = 2.0 * Math.PI * Math.PI * h * h + half
                    sumInv <- sumInv + 1.0 / d
                    sumInv2 <- sumInv2 + 1.0 / (d * d)
                    s <- s + Gamma.Sample(rng, nf, 1.0) / d

                let restMean = nf * max 0.0 (mean1 c - sumInv)
                let restSd = sqrt (nf * max 0.0 (variance1 c - sumInv2))
                // the remainder is many orders of magnitude above its sd (mean/sd ≈ √(3nK)), so it stays positive
                s + restMean + restSd * Normal.Sample(rng, 0.0, 1.0)
            | _ -> Special.polyaGamma rng n c

    /// True when `draw` may use the approximate series for this n (n above `ExactUpTo`).
    let mayApproximate (n: int) = n > ExactUpTo

    /// The one-line statement of the approximation, for plan descriptions and error messages.
    let describe =
        $"PG(n, c) exact for n ≤ {ExactUpTo}, else the Polson-Scott-Windle gamma series truncated with a moment-matched Normal remainder (Kolmogorov distance ≤ {Tolerance:g} per draw; mean and variance exact)"
