namespace HierFunctional

open System
open MathNet.Numerics

/// Logs of tail probabilities that stay finite where the probabilities underflow: log Φ, the regularized incomplete
/// gamma P and Q, and the regularized incomplete beta. In the bulk they are the logs of MathNet's values; where those
/// fall below `bulkFloor` the prefactor is kept in log space and the series or continued fraction (Numerical
/// Recipes §6.2, §6.4) is summed on its own scale, so log 1e-400 comes out as −921, not −∞.
[<RequireQualifiedAccess>]
module internal LogTails =

    /// Below this a probability from MathNet is recomputed in log space (it has lost digits, or is about to underflow).
    let private bulkFloor = 1e-280

    let private tiny = 1e-300
    let private eps = 1e-16
    let private maxTerms = 200000

    /// log(1 − eˣ) for x ≤ 0, accurate at both ends (Mächler 2012).
    let log1mexp (x: float) =
        if x > -0.6931471805599453 then
            log (-(SpecialFunctions.Expm1 x))
        else
            Numerics.log1p (-(exp x))

    /// log(eᵃ − eᵇ) for a ≥ b; −∞ when a ≤ b (no difference is representable).
    let logDiffExp (a: float) (b: float) =
        if not (a > b) then Double.NegativeInfinity
        elif Double.IsNegativeInfinity b then a
        else a + log1mexp (b - a)

    /// log Φ(z), the standard normal log-CDF, finite down to z = −1e150 (an asymptotic series below z = −30).
    let logPhi (z: float) =
        if Double.IsNaN z then
            nan
        elif z >= 0.0 then
            Numerics.log1p (-0.5 * SpecialFunctions.Erfc(z / Constants.Sqrt2))
        elif z > -30.0 then
            log (0.5 * SpecialFunctions.Erfc(-z / Constants.Sqrt2))
        else
            // Φ(z) = φ(z)/|z| · (1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸ − 945/z¹⁰ + …); at z = −30 the next term is < 1e-13.
            let r = 1.0 / (z * z)

            let series =
                1.0 - r * (1.0 - 3.0 * r * (1.0 - 5.0 * r * (1.0 - 7.0 * r * (1.0 - 9.0 * r))))

            -0.5 * z * z - log (-z) - 0.5 * log (2.0 * Math.PI) + log series

    /// log of the series for P(a, x) = e^{−x} xᵃ / Γ(a + 1) · Σ xⁿ / ((a + 1)…(a + n)) (converges fast for x < a + 1).
    let private logGammaSeries (a: float) (x: float) =
        let mutable ap = a
        let mutable del = 1.0 / a
        let mutable sum = del
        let mutable n = 0

        while abs del > abs sum * eps && n < maxTerms do
            ap <- ap + 1.0
            del <- del * x / ap
            sum <- sum + del
            n <- n + 1

        a * log x - x - SpecialFunctions.GammaLn a + log sum

    /// log of Q(a, x) by its continued fraction (modified Lentz; converges fast for x > a + 1).
    let private logGammaFraction (a: float) (x: float) =
        let mutable b = x + 1.0 - a
        let mutable c = 1.0 / tiny
        let mutable d = 1.0 / b
        let mutable h = d
        let mutable i = 1
        let mutable fin = false

        while not fin && i < maxTerms do
            let an = -float i * (float i - a)
            b <- b + 2.0
            d <- an * d + b
            d <- if abs d < tiny then tiny else d
            c <- b + an / c
            c <- if abs c < tiny then tiny else c
            d <- 1.0 / d
            let del = d * c
            h <- h * del
            fin <- abs (del - 1.0) < eps
            i <- i + 1

        a * log x - x - SpecialFunctions.GammaLn a + log h

    /// (log P(a, x), log Q(a, x)): the regularized lower and upper incomplete gamma functions, in log space.
    let logGammaRegularized (a: float) (x: float) : struct (float * float) =
        if x <= 0.0 then
            struct (Double.NegativeInfinity, 0.0)
        elif Double.IsPositiveInfinity x then
            struct (0.0, Double.NegativeInfinity)
        else
            let p = SpecialFunctions.GammaLowerRegularized(a, x)
            let q = SpecialFunctions.GammaUpperRegularized(a, x)

            if p >= bulkFloor && q >= bulkFloor then
                struct (log p, log q)
            elif x < a + 1.0 then
                let lp = logGammaSeries a x
                struct (lp, log1mexp lp)
            else
                let lq = logGammaFraction a x
                struct (log1mexp lq, lq)

    /// The continued fraction of I_x(a, b) (modified Lentz; converges fast for x < (a + 1)/(a + b + 2)).
    let private betaFraction (a: float) (b: float) (x: float) =
        let qab, qap, qam = a + b, a + 1.0, a - 1.0
        let mutable c = 1.0
        let mutable d = 1.0 - qab * x / qap
        d <- if abs d < tiny then tiny else d
        d <- 1.0 / d
        let mutable h = d
        let mutable m = 1
        let mutable fin = false

        while not fin && m < maxTerms do
            let fm = float m
            let m2 = 2.0 * fm
            let aa = fm * (b - fm) * x / ((qam + m2) * (a + m2))
            d <- 1.0 + aa * d
            d <- if abs d < tiny then tiny else d
            c <- 1.0 + aa / c
            c <- if abs c < tiny then tiny else c
            d <- 1.0 / d
            h <- h * d * c
            let aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
            d <- 1.0 + aa * d
            d <- if abs d < tiny then tiny else d
            c <- 1.0 + aa / c
            c <- if abs c < tiny then tiny else c
            d <- 1.0 / d
            let del = d * c
            h <- h * del
            fin <- abs (del - 1.0) < eps
            m <- m + 1

        h

    /// log I_x(a, b) from the continued fraction on whichever side converges.
    let private logBetaFromFraction (a: float) (b: float) (x: float) =
        let logFront (a: float) (b: float) (x: float) =
            a * log x + b * Numerics.log1p (-x) - SpecialFunctions.BetaLn(a, b) - log a

        if x < (a + 1.0) / (a + b + 2.0) then
            logFront a b x + log (betaFraction a b x)
        else
            log1mexp (logFront b a (1.0 - x) + log (betaFraction b a (1.0 - x)))

    /// (log I_x(a, b), log I_{1−x}(b, a)): the regularized incomplete beta function and its complement, in log space.
    let logBetaRegularized (a: float) (b: float) (x: float) : struct (float * float) =
        if x <= 0.0 then
            struct (Double.NegativeInfinity, 0.0)
        elif x >= 1.0 then
            struct (0.0, Double.NegativeInfinity)
        else
            let lower = SpecialFunctions.BetaRegularized(a, b, x)
            let upper = SpecialFunctions.BetaRegularized(b, a, 1.0 - x)

            if lower >= bulkFloor && upper >= bulkFloor then
                struct (log lower, log upper)
            elif lower < upper then
                let l = logBetaFromFraction a b x
                struct (l, log1mexp l)
            else
                let u = logBetaFromFraction b a (1.0 - x)
                struct (log1mexp u, u)
