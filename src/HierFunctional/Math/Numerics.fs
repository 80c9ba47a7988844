namespace HierFunctional

open System
open MathNet.Numerics

/// Small numerically careful building blocks shared by the density and transform code.
module internal Numerics =

    /// log(1 + x), accurate for tiny x (shadows the symbolic `log1p` on Expr; System.Double.LogP1 is not accurate).
    let inline log1p (x: float) = SpecialFunctions.Log1p x

    /// The smallest positive normal double. Draws on (0, ∞) that underflow to 0 (a Gamma with a tiny shape) are
    /// moved here, so the state stays inside the support with a finite log-density; the mass moved is below 1e-300.
    [<Literal>]
    let TinyPositive = 2.2250738585072014e-308

    /// Keeps a draw on (0, ∞) strictly positive (see TinyPositive).
    let inline positive (x: float) =
        if x > 0.0 then x
        elif x = 0.0 then TinyPositive
        else x

    /// Keeps a draw on (0, 1) strictly inside the interval.
    let inline unitOpen (x: float) =
        if x <= 0.0 && x = 0.0 then TinyPositive
        elif x >= 1.0 && x = 1.0 then 1.0 - 1.1102230246251565e-16
        else x

    /// x·log y with the convention 0·log 0 = 0 (so boundary points of Beta/Binomial terms do not give NaN).
    let xlogy (x: float) (y: float) =
        if x = 0.0 && not (Double.IsNaN y) then 0.0 else x * log y

    /// x·log(1 + y) with the convention 0·log 0 = 0.
    let xlog1py (x: float) (y: float) =
        if x = 0.0 && not (Double.IsNaN y) then 0.0 else x * log1p y

    /// log(1 + e^x) without overflow.
    let softplus (x: float) =
        if x > 0.0 then x + log1p (exp -x) else log1p (exp x)

    /// log σ(x) = −softplus(−x), the log of the logistic function.
    let logSigmoid (x: float) = -(softplus -x)

    /// σ(x) = 1/(1 + e^−x) evaluated on the side that cannot overflow.
    let sigmoid (x: float) =
        if x >= 0.0 then
            1.0 / (1.0 + exp -x)
        else
            let e = exp x
            e / (1.0 + e)

    /// log(1 − tanh² y) = log 4 − 2|y| − 2·log1p(e^{−2|y|}), finite for every finite y.
    let log1mTanhSq (y: float) =
        let a = abs y
        2.0 * Constants.Ln2 - 2.0 * a - 2.0 * log1p (exp (-2.0 * a))

    /// True when x is a finite whole number.
    let isInteger (x: float) = Double.IsFinite x && Math.Floor x = x

    /// log C(n, k) for real-valued integer n ≥ k ≥ 0; sums logs directly when min(k, n−k) is small so that
    /// huge n (1e9) does not lose digits to cancellation between log-gamma values.
    let logChoose (n: float) (k: float) =
        let m = min k (n - k)

        if m = 0.0 then
            0.0
        elif m <= 30.0 then
            let mutable acc = 0.0 // local accumulator over a short loop

            for i in 1 .. int m do
                acc <- acc + log ((n - m + float i) / float i)

            acc
        else
            SpecialFunctions.GammaLn(n + 1.0)
            - SpecialFunctions.GammaLn(k + 1.0)
            - SpecialFunctions.GammaLn(n - k + 1.0)

    /// Stirling-series remainder log k! − [(k + ½)·log k − k + ½·log 2π] for k > 500 (Loader 2000), where the two
    /// leading terms of 1/(12k) − 1/(360k³) + … are exact to double precision.
    let stirlingError (k: float) =
        (1.0 / 12.0 - 1.0 / (360.0 * k * k)) / k

    /// k·log(k/μ) + μ − k without cancellation (Loader 2000, "bd0"): a series in v = (k − μ)/(k + μ) when k ≈ μ.
    let bd0 (k: float) (mu: float) =
        if abs (k - mu) < 0.1 * (k + mu) then
            let v = (k - mu) / (k + mu)
            let mutable s = (k - mu) * v // local series accumulation
            let mutable ej = 2.0 * k * v
            let mutable j = 1
            let mutable fin = false

            while not fin do
                ej <- ej * v * v
                let s1 = s + ej / float (2 * j + 1)
                if s1 = s then fin <- true else s <- s1
                j <- j + 1

            s
        else
            k * log (k / mu) + mu - k

    /// log Γ_p(a) = p(p−1)/4·log π + Σ_{j=1..p} log Γ(a + (1 − j)/2), the multivariate log-gamma function.
    let logMvGamma (p: int) (a: float) =
        let mutable acc = float (p * (p - 1)) / 4.0 * Constants.LnPi // local accumulator

        for j in 1..p do
            acc <- acc + SpecialFunctions.GammaLn(a + float (1 - j) / 2.0)

        acc

    /// Lower Cholesky factor of a symmetric matrix, or None when it is not symmetric positive definite.
    let tryCholesky (a: float[,]) : float[,] option =
        let n = Array2D.length1 a

        if n <> Array2D.length2 a then
            None
        else
            // in-place Cholesky–Banachiewicz on a fresh array; returns before anything escapes
            let l = Array2D.zeroCreate n n
            let mutable ok = true
            let mutable i = 0

            while ok && i < n do
                for j in 0..i do
                    let mutable s = a.[i, j]

                    for m in 0 .. j - 1 do
                        s <- s - l.[i, m] * l.[j, m]

                    if i = j then
                        if s > 0.0 && Double.IsFinite s then
                            l.[i, i] <- sqrt s
                        else
                            ok <- false
                    elif ok then
                        l.[i, j] <- s / l.[j, j]

                    let tol = 1e-10 * (abs a.[i, j] + abs a.[j, i] + 1e-300)

                    if abs (a.[i, j] - a.[j, i]) > tol then
                        ok <- false

                i <- i + 1

            if ok then Some l else None

    /// Solves L·w = b by forward substitution for lower-triangular L.
    let forwardSolve (l: float[,]) (b: float[]) =
        let n = b.Length
        let w = Array.zeroCreate n

        for i in 0 .. n - 1 do
            let mutable s = b.[i]

            for m in 0 .. i - 1 do
                s <- s - l.[i, m] * w.[m]

            w.[i] <- s / l.[i, i]

        w

    /// Σ log L_ii of a lower Cholesky factor, i.e. ½·log det of the factored matrix.
    let halfLogDet (l: float[,]) =
        let mutable s = 0.0

        for i in 0 .. Array2D.length1 l - 1 do
            s <- s + log l.[i, i]

        s
