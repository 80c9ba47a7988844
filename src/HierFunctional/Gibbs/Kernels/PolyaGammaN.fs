namespace HierFunctional.Inference

open System
open MathNet.Numerics.Distributions

/// PG(n, c) for any whole n at a cost that does not grow with n. Small n: the exact sum of n PG(1, c) draws
/// (`Special.polyaGamma`). Larger n: the defining series of Polson, Scott & Windle (2013),
/// PG(n, c) = Σ_k G_k / d_k with G_k ~ Gamma(n, 1) and d_k = 2π²(k − ½)² + c²/2, drawn exactly for its first K terms,
/// and its remainder R = Σ_{k>K} G_k/d_k replaced by a Normal with R's exact mean and variance (the closed-form
/// moments of PG(n, c) minus the first K terms'), so the draw's mean and variance are exact. Its Kolmogorov distance
/// to PG(n, c) is at most sup f · W₁(R, Normal): the first term's density is at most d₁/√(2π(n − 1)), and `terms`
/// bounds W₁. K grows until that bound is below `Tolerance`.
[<RequireQualifiedAccess>]
module PolyaGammaN =

    /// Largest n drawn as an exact sum of PG(1, c) terms.
    [<Literal>]
    let ExactUpTo = 12

    /// The bound on each approximate draw's Kolmogorov distance to PG(n, c).
    [<Literal>]
    let Tolerance = 1e-4

    /// The first term count tried by the series (then grown by a quarter at a time), and the most it uses before falling
    /// back to the exact sum.
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
    /// more than the maximum number of terms (then the exact sum is used). The bound is sup f · W₁(R, Normal): sup f ≤
    /// d₁/√(2π(n − 1)) and W₁ ≤ min(√2·σ_R, Σ_{k>K} E|ξ_k|³/σ_R²) (Goldstein 2010, constant 1), with
    /// E|ξ_k|³ ≤ (3n² + 6n)^¾/d_k³ (Lyapunov, from Gamma(n, 1)'s fourth central moment) and Σ_{k>K} d_k⁻³ bounded by
    /// its integral from K − ½.
    let terms (n: int) (c: float) : struct (int * float) voption =
        let half = 0.5 * c * c
        let twoPi2 = 2.0 * Math.PI * Math.PI
        let a = half / twoPi2
        let d1 = twoPi2 * 0.25 + half
        let nf = float n
        let totalVar = variance1 c
        let supDensity = d1 / sqrt (2.0 * Math.PI * (nf - 1.0))
        let fourth = (3.0 * nf * nf + 6.0 * nf) ** 0.75
        let mutable k = 0
        let mutable sumInv2 = 0.0
        let mutable target = FirstTerms
        let mutable result = ValueNone
        let mutable searching = true

        while searching do
            while k < target do
                k <- k + 1
                let h = float k - 0.5
                let d = twoPi2 * h * h + half
                sumInv2 <- sumInv2 + 1.0 / (d * d)

            let s2 = max 0.0 (totalVar - sumInv2)
            let x0 = float k - 0.5
            // Σ_{k'>k} d⁻³ ≤ (2π²)⁻³ ∫_{k−½}^∞ (x² + a)⁻³ dx ≤ (2π²)⁻³ (x0² + a)⁻²/(4 x0)
            let t3 = 1.0 / (twoPi2 * twoPi2 * twoPi2 * 4.0 * x0 * (x0 * x0 + a) * (x0 * x0 + a))

            let w1 =
                if s2 > 0.0 then
                    min (sqrt (2.0 * nf * s2)) (fourth * t3 / (nf * s2))
                else
                    0.0

            let bound = supDensity * w1

            if bound <= Tolerance then
                result <- ValueSome(struct (k, bound))
                searching <- false
            elif target >= MaxTerms then
                searching <- false
            else
                target <- target + max 8 (target / 4)

        result

    /// Gamma(shape ≥ 1, 1) by Marsaglia & Tsang (2000), with d = shape − 1/3 and 1/√(9d) precomputed for the row.
    let inline private gammaMT (rng: Random) (d: float) (cc: float) =
        let mutable x = nan

        while Double.IsNaN x do
            let z = Normal.Sample(rng, 0.0, 1.0)
            let v = 1.0 + cc * z

            if v > 0.0 then
                let v3 = v * v * v
                let u = rng.NextDouble()

                if
                    u < 1.0 - 0.0331 * z * z * z * z
                    || log u < 0.5 * z * z + d * (1.0 - v3 + log v3)
                then
                    x <- d * v3

        x

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
                let d = nf - 1.0 / 3.0
                let cc = 1.0 / sqrt (9.0 * d)
                let mutable s = 0.0
                let mutable sumInv, sumInv2 = 0.0, 0.0

                for j in 1..k do
                    let h = float j - 0.5
                    let dk = 2.0 * Math.PI * Math.PI * h * h + half
                    sumInv <- sumInv + 1.0 / dk
                    sumInv2 <- sumInv2 + 1.0 / (dk * dk)
                    s <- s + gammaMT rng d cc / dk

                let restMean = nf * max 0.0 (mean1 c - sumInv)
                let restSd = sqrt (nf * max 0.0 (variance1 c - sumInv2))
                // the remainder is many orders of magnitude above its sd (mean/sd ≈ √(3nK)), so it stays positive
                s + restMean + restSd * Normal.Sample(rng, 0.0, 1.0)
            | _ -> Special.polyaGamma rng n c

    /// True when `draw` may use the approximate series for this n (n above `ExactUpTo`).
    let mayApproximate (n: int) = n > ExactUpTo

    /// The error of the approximation, for an update's `Exactness.Approximate`.
    let bound =
        $"ω of rows with more than {ExactUpTo} trials from a truncated PG(n, c) series: Kolmogorov distance ≤ {Tolerance:g} per draw"

    /// The one-line statement of the approximation, for plan descriptions and error messages.
    let describe =
        $"PG(n, c) exact for n ≤ {ExactUpTo}, else the Polson-Scott-Windle gamma series truncated with a moment-matched Normal remainder (Kolmogorov distance ≤ {Tolerance:g} per draw; mean and variance exact)"
