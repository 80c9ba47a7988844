namespace HierFunctional

open System
open HierFunctional.Numerics

/// Bijections between a support and unconstrained ℝⁿ, with log-Jacobians, for samplers that move on the
/// unconstrained scale (the slice fallback). Constrained matrices are flat row-major k·k arrays. Discrete supports
/// raise ArgumentException: they are never sampled on an unconstrained scale.
[<RequireQualifiedAccess>]
module internal Transform =

    let private discrete (support: Support) =
        invalidArg "support" $"{support} is discrete and has no unconstrained transform."

    let private isScalar (support: Support) =
        match support with
        | Support.Real
        | Support.Positive
        | Support.UnitInterval
        | Support.Interval _ -> true
        | Support.Binary
        | Support.Count
        | Support.BoundedCount
        | Support.Category
        | Support.Ordinal -> true
        | _ -> false

    /// Constrained values per copy of a node with this support and event size k (scalar supports: 1; vectors: k;
    /// matrices: k·k stored row-major).
    let constrainedSize (support: Support) (k: int) : int =
        match support with
        | Support.Simplex
        | Support.RealVector
        | Support.Ordered
        | Support.CountVector -> k
        | Support.Covariance
        | Support.CorrelationCholesky -> k * k
        | _ -> 1

    /// Unconstrained coordinates per copy (Simplex: k − 1; CorrelationCholesky: k(k − 1)/2; Covariance: k(k + 1)/2).
    let unconstrainedSize (support: Support) (k: int) : int =
        match support with
        | Support.Real
        | Support.Positive
        | Support.UnitInterval
        | Support.Interval _ -> 1
        | Support.RealVector
        | Support.Ordered -> k
        | Support.Simplex -> k - 1
        | Support.CorrelationCholesky -> k * (k - 1) / 2
        | Support.Covariance -> k * (k + 1) / 2
        | s -> discrete s

    /// Constrained → unconstrained for scalar supports: identity, log, logit, or log((x − a)/(b − x)) (a half-open
    /// interval: log(x − a) or −log(b − x)).
    let toUnconstrainedScalar (support: Support) (x: float) : float =
        match support with
        | Support.Real -> x
        | Support.Positive -> log x
        | Support.UnitInterval -> log x - log1p -x
        | Support.Interval(a, b) when Double.IsNegativeInfinity a && Double.IsPositiveInfinity b -> x
        | Support.Interval(a, b) when Double.IsPositiveInfinity b -> log (x - a)
        | Support.Interval(a, b) when Double.IsNegativeInfinity a -> -log(b - x)
        | Support.Interval(a, b) -> log (x - a) - log (b - x)
        | s when isScalar s -> discrete s
        | s -> invalidArg "support" $"{s} is not a scalar support; use toUnconstrained."

    /// x kept strictly inside (a, b): a far-out u rounds onto a bound, whose unconstrained image is ±∞, so a slice
    /// that accepted it would leave a state it cannot map back.
    let private inside (a: float) (b: float) (x: float) =
        if x <= a then Math.BitIncrement a
        elif x >= b then Math.BitDecrement b
        else x

    /// Unconstrained → constrained for scalar supports: identity, exp, logistic σ(u), or a + (b − a)·σ(u); values
    /// that round onto a bound are moved to the nearest float inside it.
    let fromUnconstrainedScalar (support: Support) (u: float) : float =
        match support with
        | Support.Real -> u
        | Support.Positive -> inside 0.0 infinity (exp u)
        | Support.UnitInterval -> inside 0.0 1.0 (sigmoid u)
        | Support.Interval(a, b) when Double.IsNegativeInfinity a && Double.IsPositiveInfinity b -> u
        | Support.Interval(a, b) when Double.IsPositiveInfinity b -> inside a b (a + exp u)
        | Support.Interval(a, b) when Double.IsNegativeInfinity a -> inside a b (b - exp -u)
        | Support.Interval(a, b) -> inside a b (a + (b - a) * sigmoid u)
        | s when isScalar s -> discrete s
        | s -> invalidArg "support" $"{s} is not a scalar support; use fromUnconstrained."

    /// log |dx/du| for scalar supports: 0, u, log σ(u) + log σ(−u), or that plus log(b − a).
    let logJacobianScalar (support: Support) (u: float) : float =
        match support with
        | Support.Real -> 0.0
        | Support.Positive -> u
        | Support.UnitInterval -> logSigmoid u + logSigmoid -u
        | Support.Interval(a, b) when Double.IsNegativeInfinity a && Double.IsPositiveInfinity b -> 0.0
        | Support.Interval(a, b) when Double.IsPositiveInfinity b -> u
        | Support.Interval(a, b) when Double.IsNegativeInfinity a -> -u
        | Support.Interval(a, b) -> log (b - a) + logSigmoid u + logSigmoid -u
        | s when isScalar s -> discrete s
        | s -> invalidArg "support" $"{s} is not a scalar support; use fromUnconstrained."

    let private checkLength (name: string) (expected: int) (xs: float[]) =
        if xs.Length <> expected then
            invalidArg name $"expected {expected} values, got {xs.Length}."

    /// Stan's stick-breaking simplex transform: z_i = σ(u_i − log(K − 1 − i)), x_i = z_i·(remaining stick);
    /// log|J| = Σ [log stick_i + log σ(a_i) + log σ(−a_i)] over the first K − 1 coordinates (kept in log space).
    let private simplexFrom (k: int) (u: float[]) =
        let n = k - 1
        let x = Array.zeroCreate k
        let mutable logStick = 0.0 // local state of the stick-breaking loop
        let mutable lp = 0.0

        for i in 0 .. n - 1 do
            let a = u.[i] - log (float (n - i))
            x.[i] <- exp (logStick + logSigmoid a)
            lp <- lp + logStick + logSigmoid a + logSigmoid -a
            logStick <- logStick + logSigmoid -a

        x.[n] <- exp logStick
        x, lp

    let private simplexTo (k: int) (x: float[]) =
        let n = k - 1
        // the stick left before entry i is the sum of the entries from i on; summing the tail avoids the
        // cancellation of 1 − Σ_{j<i} x_j, and log z − log(1 − z) = log x_i − log(tail after i)
        let tail = Array.scanBack (+) x 0.0
        Array.init n (fun i -> log x.[i] - log tail.[i + 1] + log (float (n - i)))

    /// Stan's correlation-Cholesky transform: z = tanh u are canonical partial correlations, row i of L is
    /// L_ij = z_ij·√(1 − Σ_{m<j} L_im²) and L_ii = √(1 − Σ_{m<i} L_im²); log|J| = Σ log(1 − z²) + ½ Σ log(1 − Σ L_im²).
    /// The remaining squared norm is carried as a sum of log(1 − z²) so that |u| = 700 stays finite.
    let private corrFrom (k: int) (u: float[]) =
        let l = Array.zeroCreate (k * k)
        l.[0] <- 1.0
        let mutable pos = 0 // local state over the packed coordinates
        let mutable lp = 0.0

        for i in 1 .. k - 1 do
            let mutable logRem = 0.0

            for j in 0 .. i - 1 do
                let y = u.[pos]
                pos <- pos + 1
                l.[i * k + j] <- tanh y * exp (0.5 * logRem)
                lp <- lp + log1mTanhSq y + 0.5 * logRem
                logRem <- logRem + log1mTanhSq y

            l.[i * k + i] <- exp (0.5 * logRem)

        l, lp

    let private corrTo (k: int) (l: float[]) =
        // the squared norm left before entry j of row i is Σ_{m=j..i} L_im² (diagonal included): summing the tail
        // avoids the cancellation of 1 − Σ_{m<j} L_im², which loses digits when a row is nearly used up
        [|
            for i in 1 .. k - 1 do
                let row = Array.init (i + 1) (fun j -> l.[i * k + j] * l.[i * k + j])
                let tail = Array.scanBack (+) row 0.0

                for j in 0 .. i - 1 do
                    let z = l.[i * k + j] / sqrt tail.[j]
                    yield 0.5 * (log1p z - log1p -z)
        |]

    /// Covariance via its Cholesky factor with log diagonal, packed row-wise over the lower triangle: Σ = LLᵀ;
    /// log|J| = k·log 2 + Σ_i (k − i + 1)·u_ii (0-based i), the Jacobian of L ↦ LLᵀ (Muirhead 1982, Thm 2.1.9) times
    /// that of the exp on the diagonal (Stan's cov_matrix_constrain).
    let private covFrom (k: int) (u: float[]) =
        let l = Array2D.zeroCreate k k
        let mutable pos = 0 // local state over the packed coordinates
        let mutable lp = float k * MathNet.Numerics.Constants.Ln2

        for i in 0 .. k - 1 do
            for j in 0..i do
                if i = j then
                    l.[i, i] <- exp u.[pos]
                    lp <- lp + float (k - i + 1) * u.[pos]
                else
                    l.[i, j] <- u.[pos]

                pos <- pos + 1

        let x =
            Array.init (k * k) (fun idx ->
                let i, j = idx / k, idx % k
                let mutable s = 0.0

                for m in 0 .. min i j do
                    s <- s + l.[i, m] * l.[j, m]

                s)

        x, lp

    let private covTo (k: int) (x: float[]) =
        match tryCholesky (Array2D.init k k (fun i j -> x.[i * k + j])) with
        | None -> invalidArg "x" "a Covariance value must be a symmetric positive-definite matrix."
        | Some l ->
            [|
                for i in 0 .. k - 1 do
                    for j in 0..i -> if i = j then log l.[i, i] else l.[i, j]
            |]

    /// Constrained values (flat, row-major for matrices) → unconstrained coordinates. Scalar supports map every
    /// element, so several copies may be passed at once.
    let toUnconstrained (support: Support) (k: int) (x: float[]) : float[] =
        match support with
        | s when isScalar s -> Array.map (toUnconstrainedScalar s) x
        | Support.RealVector ->
            checkLength "x" k x
            Array.copy x
        | Support.Ordered ->
            checkLength "x" k x
            Array.init k (fun i -> if i = 0 then x.[0] else log (x.[i] - x.[i - 1]))
        | Support.Simplex ->
            checkLength "x" k x
            simplexTo k x
        | Support.CorrelationCholesky ->
            checkLength "x" (k * k) x
            corrTo k x
        | Support.Covariance ->
            checkLength "x" (k * k) x
            covTo k x
        | s -> discrete s

    /// Unconstrained coordinates → constrained values (flat, row-major for matrices) and log|det J| of the map onto
    /// the free constrained coordinates (simplex: all but the last; correlation Cholesky: strictly-lower entries;
    /// covariance: the lower triangle).
    let fromUnconstrained (support: Support) (k: int) (u: float[]) : float[] * float =
        match support with
        | s when isScalar s -> Array.map (fromUnconstrainedScalar s) u, Array.sumBy (logJacobianScalar s) u
        | Support.RealVector ->
            checkLength "u" k u
            Array.copy u, 0.0
        | Support.Ordered ->
            // Stan's ordered transform: x_1 = u_1, x_i = x_(i−1) + e^(u_i); log|J| = Σ_(i≥2) u_i
            checkLength "u" k u
            Array.scan (fun acc v -> acc + exp v) u.[0] u.[1..], Array.sum u.[1..]
        | Support.Simplex ->
            checkLength "u" (k - 1) u
            simplexFrom k u
        | Support.CorrelationCholesky ->
            checkLength "u" (k * (k - 1) / 2) u
            corrFrom k u
        | Support.Covariance ->
            checkLength "u" (k * (k + 1) / 2) u
            covFrom k u
        | s -> discrete s
