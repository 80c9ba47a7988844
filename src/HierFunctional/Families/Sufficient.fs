namespace HierFunctional.Families

open System
open MathNet.Numerics
open HierFunctional

/// Sufficient statistics of n iid copies of a scalar family, for the O(1) Markov blankets of the slice updates
/// (see `SufficientBlanket`): a family record points at one of these in its `Sufficient` field. `x` reads copy r's
/// value from the state; `a` are the family's arguments as closures of the state.
[<RequireQualifiedAccess>]
module internal Sufficient =

    let private ninf = Double.NegativeInfinity

    /// Σ g(x_c) over the copies, and whether every x_c satisfied `inside`.
    let private sumOf (n: int) (x: float[] -> int -> float) (inside: float -> bool) (g: float -> float) (s: float[]) =
        // Local accumulation in a hot loop.
        let mutable acc = 0.0
        let mutable ok = true

        for r in 0 .. n - 1 do
            let v = x s r
            ok <- ok && inside v
            acc <- acc + g v

        struct (acc, ok)

    /// Mean and Σ (h(x) − mean)² by two passes, so Σ (h(x) − m)² = W + n (mean − m)² stays accurate far from 0.
    let private centred (n: int) (x: float[] -> int -> float) (h: float -> float) (s: float[]) =
        let mutable sum = 0.0 // local accumulators in a hot loop

        for r in 0 .. n - 1 do
            sum <- sum + h (x s r)

        let mean = sum / float n
        let mutable w = 0.0

        for r in 0 .. n - 1 do
            let d = h (x s r) - mean
            w <- w + d * d

        struct (mean, w)

    /// A `Fill` writing Σ g(x) and Σ h(x) into two slots: the shape of the Gamma, inverse-Gamma and Beta summaries,
    /// false when a copy is outside `inside` or a sum is not finite.
    let private fillTwoSums
        (n: int)
        (x: float[] -> int -> float)
        (inside: float -> bool)
        (g: float -> float)
        (h: float -> float)
        : float[] -> float[] -> int -> bool =
        fun s st k ->
            let struct (sg, ok) = sumOf n x inside g s
            let struct (sh, _) = sumOf n x inside h s
            st.[k] <- sg
            st.[k + 1] <- sh
            ok && Double.IsFinite sg && Double.IsFinite sh

    let private positive (v: float) = v > 0.0
    let private anywhere (v: float) = Double.IsFinite v

    /// Gamma(shape, rate).
    let gamma (n: int) (x: float[] -> int -> float) (a: (float[] -> float)[]) : SufficientStatistics =
        let fn = float n

        // Σ log p = n(α log β − lnΓ(α)) + (α − 1) Σ log x − β Σ x.
        {
            Width = 2
            Fill = fillTwoSums n x positive log id
            Eval =
                fun s st k ->
                    let shape, rate = a.[0]s, a.[1]s

                    if shape > 0.0 && rate > 0.0 then
                        fn * (shape * log rate - SpecialFunctions.GammaLn shape)
                        + (shape - 1.0) * st.[k]
                        - rate * st.[k + 1]
                    else
                        ninf
        }


    /// Inverse-gamma(shape, scale).
    let inverseGamma (n: int) (x: float[] -> int -> float) (a: (float[] -> float)[]) : SufficientStatistics =
        let fn = float n

        // Σ log p = n(α log β − lnΓ(α)) − (α + 1) Σ log x − β Σ 1/x.
        {
            Width = 2
            Fill = fillTwoSums n x positive log (fun v -> 1.0 / v)
            Eval =
                fun s st k ->
                    let shape, scale = a.[0]s, a.[1]s

                    if shape > 0.0 && scale > 0.0 then
                        fn * (shape * log scale - SpecialFunctions.GammaLn shape)
                        - (shape + 1.0) * st.[k]
                        - scale * st.[k + 1]
                    else
                        ninf
        }


    /// Beta(alpha, beta).
    let beta (n: int) (x: float[] -> int -> float) (a: (float[] -> float)[]) : SufficientStatistics =
        let fn = float n

        // Σ log p = −n log B(α, β) + (α − 1) Σ log x + (β − 1) Σ log(1 − x).
        let inside v = v > 0.0 && v < 1.0

        {
            Width = 2
            Fill = fillTwoSums n x inside log (fun v -> Numerics.log1p -v)
            Eval =
                fun s st k ->
                    let al, be = a.[0]s, a.[1]s

                    if al > 0.0 && be > 0.0 then
                        (al - 1.0) * st.[k] + (be - 1.0) * st.[k + 1]
                        - fn * SpecialFunctions.BetaLn(al, be)
                    else
                        ninf
        }


    /// Exponential(rate).
    let exponential (n: int) (x: float[] -> int -> float) (a: (float[] -> float)[]) : SufficientStatistics =
        let fn = float n

        // Σ log p = n log λ − λ Σ x.
        {
            Width = 1
            Fill =
                fun s st k ->
                    let struct (t, ok) = sumOf n x (fun v -> v >= 0.0) id s
                    st.[k] <- t
                    ok && Double.IsFinite t
            Eval =
                fun s st k ->
                    let rate = a.[0]s
                    if rate > 0.0 then fn * log rate - rate * st.[k] else ninf
        }


    /// Normal(mean, sd), or the log-normal of log x when `logScale`.
    let normalOrLogNormal
        (logScale: bool)
        (n: int)
        (x: float[] -> int -> float)
        (a: (float[] -> float)[])
        : SufficientStatistics =
        let fn = float n

        // Σ log p = −n log σ − n log √(2π) − (W + n (x̄ − μ)²) / (2σ²)  [− Σ log x for the log-normal].
        let h = if logScale then log else id
        let inside = if logScale then positive else anywhere

        {
            Width = 3
            Fill =
                fun s st k ->
                    let struct (_, ok) = sumOf n x inside (fun _ -> 0.0) s

                    if ok then
                        let struct (mean, w) = centred n x h s
                        st.[k] <- mean
                        st.[k + 1] <- w
                        st.[k + 2] <- if logScale then fn * mean else 0.0
                        Double.IsFinite mean && Double.IsFinite w
                    else
                        false
            Eval =
                fun s st k ->
                    let mu, sd = a.[0]s, a.[1]s

                    if sd > 0.0 then
                        let d = st.[k] - mu

                        -fn * (log sd + Constants.LogSqrt2Pi)
                        - 0.5 * (st.[k + 1] + fn * d * d) / (sd * sd)
                        - st.[k + 2]
                    else
                        ninf
        }
