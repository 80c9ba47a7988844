namespace HierFunctional

/// A hyperparameter update that reads a node's groups only through sums (Σθ, Σ log θ, Σ(θ − μ)², per-group sums
/// of squares) forms them in one fixed order: consecutive blocks of `Size` groups, each summed left to right, the
/// block results combined left to right. The order does not depend on how the groups are split, so a shard that
/// owns whole blocks can return its block results and a coordinator that combines them in block order gets the
/// same floating-point sums as the single-process sweep (`HierFunctional.Sharded`).
[<RequireQualifiedAccess>]
module internal BlockSums =

    /// Groups per block.
    [<Literal>]
    let Size = 1024

    /// Number of blocks over `n` groups.
    let count (n: int) = (n + Size - 1) / Size

    /// Groups [lo, hi) of block `b` of `n` groups (a struct: sums in hot loops allocate nothing).
    let bounds (n: int) (b: int) =
        struct (b * Size, min n ((b + 1) * Size))

    /// Σ term(i) for i in [lo, hi), left to right: one block's sum.
    let inline sum ([<InlineIfLambda>] term: int -> float) (lo: int) (hi: int) : float =
        let mutable t = 0.0 // accumulation (hot loop)

        for i in lo .. hi - 1 do
            t <- t + term i

        t

    /// Σ term(i) for i in [0, n) in the fixed block order. Four full blocks are summed side by side: each block's
    /// additions still run left to right, so the sums are the same, but four chains of additions do not wait on
    /// each other's latency.
    let inline total ([<InlineIfLambda>] term: int -> float) (n: int) : float =
        let mutable t = 0.0 // accumulation (hot loop)
        let mutable b = 0

        while b + 4 <= n / Size do
            let mutable t0, t1, t2, t3 = 0.0, 0.0, 0.0, 0.0

            for i in b * Size .. b * Size + Size - 1 do
                t0 <- t0 + term i
                t1 <- t1 + term (i + Size)
                t2 <- t2 + term (i + 2 * Size)
                t3 <- t3 + term (i + 3 * Size)

            t <- t + t0 + t1 + t2 + t3
            b <- b + 4

        while b < count n do
            let struct (lo, hi) = bounds n b
            t <- t + sum term lo hi
            b <- b + 1

        t

    /// Count, mean and sum of squared deviations from the mean of a run of values.
    [<Struct>]
    type Moments =
        { Count: float; Mean: float; M2: float }

    /// No values.
    let empty = { Count = 0.0; Mean = 0.0; M2 = 0.0 }

    /// One block's moments, by Welford's update left to right (no Σx² − n x̄² cancellation).
    let inline moments ([<InlineIfLambda>] x: int -> float) (lo: int) (hi: int) : Moments =
        let mutable n = 0.0
        let mutable mean = 0.0
        let mutable m2 = 0.0

        for i in lo .. hi - 1 do
            let v = x i
            n <- n + 1.0
            let d = v - mean
            mean <- mean + d / n
            m2 <- m2 + d * (v - mean)

        { Count = n; Mean = mean; M2 = m2 }

    /// The moments of two consecutive runs (Chan et al.'s pairwise update), `a` first.
    let combine (a: Moments) (b: Moments) : Moments =
        if b.Count = 0.0 then
            a
        else
            let n = a.Count + b.Count
            let d = b.Mean - a.Mean

            {
                Count = n
                Mean = a.Mean + d * (b.Count / n)
                M2 = a.M2 + b.M2 + d * d * (a.Count * b.Count / n)
            }

    /// One step of Welford's update with the count already advanced to `n`.
    let inline welford (v: float) (n: float) (mean: byref<float>) (m2: byref<float>) =
        let d = v - mean
        mean <- mean + d / n
        m2 <- m2 + d * (v - mean)

    /// The moments of x(i), i in [0, n), block by block in the fixed order. Four full blocks are updated side by
    /// side: each block's steps still run left to right, so the moments are the same, but the four chains of
    /// divisions do not wait on each other's latency.
    let inline totalMoments ([<InlineIfLambda>] x: int -> float) (n: int) : Moments =
        let mutable m = empty
        let mutable b = 0

        while b + 4 <= n / Size do
            let mutable c = 0.0
            let mutable mean0, mean1, mean2, mean3 = 0.0, 0.0, 0.0, 0.0
            let mutable m20, m21, m22, m23 = 0.0, 0.0, 0.0, 0.0

            for i in b * Size .. b * Size + Size - 1 do
                c <- c + 1.0
                welford (x i) c &mean0 &m20
                welford (x (i + Size)) c &mean1 &m21
                welford (x (i + 2 * Size)) c &mean2 &m22
                welford (x (i + 3 * Size)) c &mean3 &m23

            m <- combine m { Count = c; Mean = mean0; M2 = m20 }
            m <- combine m { Count = c; Mean = mean1; M2 = m21 }
            m <- combine m { Count = c; Mean = mean2; M2 = m22 }
            m <- combine m { Count = c; Mean = mean3; M2 = m23 }
            b <- b + 4

        while b < count n do
            let struct (lo, hi) = bounds n b
            m <- combine m (moments x lo hi)
            b <- b + 1

        m

    /// Σ (x − c)² from the moments: M2 + n (x̄ − c)².
    let squaresAbout (m: Moments) (c: float) =
        let d = m.Mean - c
        m.M2 + m.Count * d * d
