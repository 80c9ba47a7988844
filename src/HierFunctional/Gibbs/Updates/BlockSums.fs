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

    /// Σ term(i) for i in [0, n) in the fixed block order.
    let inline total ([<InlineIfLambda>] term: int -> float) (n: int) : float =
        let mutable t = 0.0 // accumulation (hot loop)

        for b in 0 .. count n - 1 do
            let struct (lo, hi) = bounds n b
            t <- t + sum term lo hi

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

    /// The moments of x(i), i in [0, n), block by block in the fixed order.
    let inline totalMoments ([<InlineIfLambda>] x: int -> float) (n: int) : Moments =
        let mutable m = empty

        for b in 0 .. count n - 1 do
            let struct (lo, hi) = bounds n b
            m <- combine m (moments x lo hi)

        m

    /// Σ (x − c)² from the moments: M2 + n (x̄ − c)².
    let squaresAbout (m: Moments) (c: float) =
        let d = m.Mean - c
        m.M2 + m.Count * d * d
