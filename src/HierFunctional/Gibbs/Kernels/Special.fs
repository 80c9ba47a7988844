namespace HierFunctional.Inference

open System
open MathNet.Numerics
open MathNet.Numerics.Distributions

/// Exact samplers MathNet does not provide: generalized inverse Gaussian, Pólya-Gamma, truncated normal.
[<RequireQualifiedAccess>]
module Special =

    // ---- GIG: Hörmann & Leydold (2014), three rejection schemes on the standardized GIG(λ ≥ 0, ω) ----
    // Standardized density g(x) ∝ x^(λ−1) exp(−ω(x + 1/x)/2); X ~ GIG(λ, χ, ψ) is α·Y with α = √(χ/ψ), ω = √(χψ),
    // Y standardized with |λ|, and 1/Y when λ < 0 (1/X ~ GIG(−λ, ψ, χ)).

    let private machineEpsilon = 2.220446049250313e-16

    let private gigMode (lambda: float) (omega: float) =
        if lambda >= 1.0 then
            (sqrt ((lambda - 1.0) * (lambda - 1.0) + omega * omega) + (lambda - 1.0))
            / omega
        else
            omega
            / (sqrt ((1.0 - lambda) * (1.0 - lambda) + omega * omega) + (1.0 - lambda))

    /// Ratio-of-uniforms without mode shift (Dagpunar 1988; H&L 2014 Type 1).
    let private gigRouNoShift (rng: Random) (lambda: float) (omega: float) =
        let t = 0.5 * (lambda - 1.0)
        let s = 0.25 * omega
        let xm = gigMode lambda omega
        let nc = t * log xm - s * (xm + 1.0 / xm)

        let ym =
            ((lambda + 1.0) + sqrt ((lambda + 1.0) * (lambda + 1.0) + omega * omega))
            / omega

        let um = exp (0.5 * (lambda + 1.0) * log ym - s * (ym + 1.0 / ym) - nc)
        let mutable x = 0.0
        let mutable accepted = false

        while not accepted do
            let u = um * rng.NextDouble()
            let v = rng.NextDouble()
            x <- u / v
            accepted <- x > 0.0 && log v <= t * log x - s * (x + 1.0 / x) - nc

        x

    /// Ratio-of-uniforms with shift by the mode, bounding rectangle from Cardano's rule (Dagpunar 1989; H&L Type 8).
    let private gigRouShift (rng: Random) (lambda: float) (omega: float) =
        let t = 0.5 * (lambda - 1.0)
        let s = 0.25 * omega
        let xm = gigMode lambda omega
        let nc = t * log xm - s * (xm + 1.0 / xm)
        // roots in (0, xm) and (xm, ∞) of the cubic y³ + a y² + b y + c whose roots are the extrema of (x−m)√f(x)
        let a = -(2.0 * (lambda + 1.0) / omega + xm)
        let b = 2.0 * (lambda - 1.0) * xm / omega - 1.0
        let c = xm
        let p = b - a * a / 3.0
        let q = 2.0 * a * a * a / 27.0 - a * b / 3.0 + c
        let fi = acos (Math.Clamp(-q / (2.0 * sqrt (-(p * p * p) / 27.0)), -1.0, 1.0))
        let fak = 2.0 * sqrt (-p / 3.0)
        let y1 = fak * cos (fi / 3.0) - a / 3.0
        let y2 = fak * cos (fi / 3.0 + 4.0 / 3.0 * Math.PI) - a / 3.0
        let uplus = (y1 - xm) * exp (t * log y1 - s * (y1 + 1.0 / y1) - nc)
        let uminus = (y2 - xm) * exp (t * log y2 - s * (y2 + 1.0 / y2) - nc)
        let mutable x = 0.0
        let mutable accepted = false

        while not accepted do
            let u = uminus + rng.NextDouble() * (uplus - uminus)
            let v = rng.NextDouble()
            x <- u / v + xm
            accepted <- x > 0.0 && log v <= t * log x - s * (x + 1.0 / x) - nc

        x

    /// Rejection from a three-piece hat, constant on the log-concave part (H&L 2014 Type 4; 0 ≤ λ < 1, ω ≤ 1).
    let private gigNewApproach (rng: Random) (lambda: float) (omega: float) =
        let xm = gigMode lambda omega
        let x0 = omega / (1.0 - lambda)
        let k0 = exp ((lambda - 1.0) * log xm - 0.5 * omega * (xm + 1.0 / xm))
        let a0 = k0 * x0

        let struct (k1, a1, k2, a2) =
            if x0 >= 2.0 / omega then
                let k2 = x0 ** (lambda - 1.0)
                struct (0.0, 0.0, k2, k2 * 2.0 * exp (-omega * x0 / 2.0) / omega)
            else
                let k1 = exp -omega

                let a1 =
                    if lambda = 0.0 then
                        k1 * log (2.0 / (omega * omega))
                    else
                        k1 / lambda * ((2.0 / omega) ** lambda - x0 ** lambda)

                let k2 = (2.0 / omega) ** (lambda - 1.0)
                struct (k1, a1, k2, k2 * 2.0 * exp -1.0 / omega)

        let total = a0 + a1 + a2
        let tailStart = max x0 (2.0 / omega)
        let mutable x = 0.0
        let mutable accepted = false

        while not accepted do
            let v = total * rng.NextDouble()

            let hx =
                if v <= a0 then
                    x <- x0 * v / a0
                    k0
                elif v - a0 <= a1 then
                    let v1 = v - a0

                    if lambda = 0.0 then
                        x <- omega * exp (exp omega * v1)
                        k1 / x
                    else
                        x <- (x0 ** lambda + lambda / k1 * v1) ** (1.0 / lambda)
                        k1 * x ** (lambda - 1.0)
                else
                    let v2 = v - a0 - a1
                    x <- -2.0 / omega * log (exp (-omega / 2.0 * tailStart) - omega / (2.0 * k2) * v2)
                    k2 * exp (-omega / 2.0 * x)

            let u = rng.NextDouble() * hx
            accepted <- x > 0.0 && log u <= (lambda - 1.0) * log x - omega / 2.0 * (x + 1.0 / x)

        x

    /// Exact draw from GIG(λ, χ, ψ), density ∝ x^(λ−1) exp(−(χ/x + ψx)/2) on x > 0, by Hörmann & Leydold (2014)
    /// (the algorithm of R's GIGrvg). When ω = √(χψ) is below machine epsilon the GIG is a Gamma(λ, rate ψ/2)
    /// (λ > 0) or an inverse Gamma(−λ, scale χ/2) (λ < 0) and is drawn as such.
    let gig (rng: Random) (lambda: float) (chi: float) (psi: float) =
        if
            not (Double.IsFinite lambda && Double.IsFinite chi && Double.IsFinite psi)
            || chi < 0.0
            || psi < 0.0
            || (chi = 0.0 && lambda <= 0.0)
            || (psi = 0.0 && lambda >= 0.0)
        then
            invalidArg
                "lambda"
                $"invalid GIG parameters λ={lambda}, χ={chi}, ψ={psi}: need χ, ψ ≥ 0, χ > 0 when λ ≤ 0 and ψ > 0 when λ ≥ 0."

        let omega = sqrt (psi * chi)

        if omega < machineEpsilon && lambda > 0.0 then
            Gamma.Sample(rng, lambda, 0.5 * psi)
        elif omega < machineEpsilon && lambda < 0.0 then
            1.0 / Gamma.Sample(rng, -lambda, 0.5 * chi)
        else
            let alpha = sqrt (chi / psi)
            let l = abs lambda

            let y =
                if l > 2.0 || omega > 3.0 then
                    gigRouShift rng l omega
                elif l >= 1.0 - 2.25 * omega * omega || omega > 0.2 then
                    gigRouNoShift rng l omega
                else
                    gigNewApproach rng l omega

            if lambda < 0.0 then alpha / y else alpha * y

    // ---- Pólya-Gamma: Polson, Scott & Windle (2013), Devroye-type alternating-series sampler for J*(1, z) ----

    let private pgTrunc = 0.64

    /// The n-th term of the alternating series for the J*(1, 0) density, piecewise at t = 0.64 (PSW 2013, eq. 15).
    let private pgCoef (n: int) (x: float) =
        let k = (float n + 0.5) * Math.PI

        if x > pgTrunc then
            k * exp (-0.5 * k * k * x)
        elif x > 0.0 then
            exp (
                -1.5 * (log (0.5 * Math.PI) + log x) + log k
                - 2.0 * (float n + 0.5) * (float n + 0.5) / x
            )
        else
            0.0

    let private logPhi (x: float) =
        log (0.5 * SpecialFunctions.Erfc(-x / Constants.Sqrt2))

    /// Probability of the exponential-tail branch, p/(p + q), of the proposal mixture (PSW 2013, Sect. 4).
    let private pgTailMass (z: float) (k: float) =
        let t = pgTrunc
        let b = sqrt (1.0 / t) * (t * z - 1.0)
        let a = -sqrt(1.0 / t) * (t * z + 1.0)
        let x0 = log k + k * t
        let qOverP = 4.0 / Math.PI * (exp (x0 - z + logPhi b) + exp (x0 + z + logPhi a))
        1.0 / (1.0 + qOverP)

    /// Inverse-Gaussian IG(1/z, 1) truncated to (0, t): chi-square rejection when 1/z > t, otherwise
    /// Michael-Schucany-Haas draws rejected above t.
    let private pgTruncatedInvGauss (rng: Random) (z: float) =
        let t = pgTrunc

        if z < 1.0 / t then
            let mutable x = 0.0
            let mutable accepted = false

            while not accepted do
                let mutable e1 = Exponential.Sample(rng, 1.0)
                let mutable e2 = Exponential.Sample(rng, 1.0)

                while e1 * e1 > 2.0 * e2 / t do
                    e1 <- Exponential.Sample(rng, 1.0)
                    e2 <- Exponential.Sample(rng, 1.0)

                let d = 1.0 + e1 * t
                x <- t / (d * d)
                accepted <- rng.NextDouble() <= exp (-0.5 * z * z * x)

            x
        else
            let mu = 1.0 / z
            let mutable x = t + 1.0

            while x > t do
                let y0 = Normal.Sample(rng, 0.0, 1.0)
                let muY = mu * y0 * y0
                x <- mu + 0.5 * mu * muY - 0.5 * mu * sqrt (4.0 * muY + muY * muY)

                if rng.NextDouble() > mu / (mu + x) then
                    x <- mu * mu / x

            x

    /// One J*(1, z) draw given the proposal's tail probability (Devroye's alternating-series acceptance).
    let private jStar (rng: Random) (z: float) (k: float) (pTail: float) =
        let mutable result = nan

        while Double.IsNaN result do
            let x =
                if rng.NextDouble() < pTail then
                    pgTrunc + Exponential.Sample(rng, 1.0) / k
                else
                    pgTruncatedInvGauss rng z

            let mutable s = pgCoef 0 x
            let y = rng.NextDouble() * s
            let mutable n = 0
            let mutable deciding = true

            while deciding do
                n <- n + 1

                if n % 2 = 1 then
                    s <- s - pgCoef n x

                    if y <= s then
                        result <- x
                        deciding <- false
                else
                    s <- s + pgCoef n x

                    if y > s then
                        deciding <- false

        result

    /// Exact draw from PG(b, c) for integer b ≥ 1 as the sum of b independent PG(1, c) draws (PG is closed under
    /// convolution in b), each PG(1, c) = J*(1, |c|/2)/4 drawn by Polson, Scott & Windle (2013), Algorithm 1
    /// (Devroye's alternating series over a truncated exponential / truncated inverse-Gaussian proposal). Exact for
    /// every b; the cost is linear in b (about 1.0 proposals per term), no approximation is used for large b.
    let polyaGamma (rng: Random) (b: int) (c: float) =
        if b < 1 then
            invalidArg "b" $"the Pólya-Gamma shape b must be a positive integer, but was {b}."

        let z = 0.5 * abs c
        let k = Math.PI * Math.PI / 8.0 + 0.5 * z * z
        let pTail = pgTailMass z k
        let mutable s = 0.0

        for _ in 1..b do
            s <- s + jStar rng z k pTail

        0.25 * s

    /// Exact draw from PG(1, c) (see `polyaGamma`).
    let polyaGamma1 (rng: Random) (c: float) = polyaGamma rng 1 c

    // ---- Truncated normal ----

    /// Standard normal restricted to [lo, hi] with lo ≥ 0: Robert (1995) exponential proposal with rate
    /// λ* = (lo + √(lo² + 4))/2, or a uniform proposal when [lo, hi] is narrower than 1/λ*.
    let private tailTruncated (rng: Random) (lo: float) (hi: float) =
        let rate = 0.5 * (lo + sqrt (lo * lo + 4.0))
        let mutable x = nan

        if hi - lo < 1.0 / rate then
            while Double.IsNaN x do
                let z = lo + (hi - lo) * rng.NextDouble()

                if rng.NextDouble() <= exp (0.5 * (lo * lo - z * z)) then
                    x <- z
        else
            while Double.IsNaN x do
                let z = lo + Exponential.Sample(rng, rate)

                if z <= hi && rng.NextDouble() <= exp (-0.5 * (z - rate) * (z - rate)) then
                    x <- z

        x

    /// Standard normal restricted to [lo, hi] with lo < 0 < hi: plain rejection when the interval is wide,
    /// else a uniform proposal accepted with probability exp(−z²/2).
    let private centralTruncated (rng: Random) (lo: float) (hi: float) =
        let mutable x = nan

        if hi - lo > Constants.Sqrt2Pi then
            while Double.IsNaN x do
                let z = Normal.Sample(rng, 0.0, 1.0)

                if z >= lo && z <= hi then
                    x <- z
        else
            while Double.IsNaN x do
                let z = lo + (hi - lo) * rng.NextDouble()

                if rng.NextDouble() <= exp (-0.5 * z * z) then
                    x <- z

        x

    /// Exact draw from Normal(mean, sd) truncated to [lower, upper] (either bound may be infinite), by rejection
    /// (Robert 1995) so extreme tails stay exact.
    let truncatedNormal (rng: Random) (mean: float) (sd: float) (lower: float) (upper: float) =
        if not (sd > 0.0) then
            invalidArg "sd" $"sd must be positive, but was {sd}."

        if not (lower < upper) then
            invalidArg "upper" $"need lower < upper, but got [{lower}, {upper}]."

        let lo = (lower - mean) / sd
        let hi = (upper - mean) / sd

        let z =
            if lo >= 0.0 then tailTruncated rng lo hi
            elif hi <= 0.0 then -(tailTruncated rng -hi -lo)
            else centralTruncated rng lo hi

        mean + sd * z
