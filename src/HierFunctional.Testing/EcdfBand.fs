namespace HierFunctional.Testing

open System

/// The ECDF test of a set of SBC ranks against discrete uniformity (Säilynoja, Bürkner & Vehtari 2022): the ECDF
/// at K equally spaced points, its difference from the uniform CDF, and a simultaneous 1 − α band around it.
type EcdfTest =
    {
        /// Number of ranks tested.
        Count: int
        /// Evaluation points z_j = j/K, j = 1..K−1 (the ECDF is 0 at 0 and 1 at 1 by construction).
        Points: float[]
        /// ECDF(z_j) − z_j.
        Difference: float[]
        /// Lower edge of the simultaneous band, as a difference from z_j.
        Lower: float[]
        /// Upper edge of the simultaneous band, as a difference from z_j.
        Upper: float[]
        /// The adjusted pointwise level γ: a point is inside when its two-sided binomial tail probability is ≥ γ,
        /// and P(every point inside | uniform ranks) = 1 − α exactly (rounded down to the discrete binomial steps).
        Gamma: float
        /// The smallest two-sided pointwise tail probability seen in the data (the test statistic).
        Statistic: float
        /// P(a statistic this small or smaller | uniform ranks), computed exactly.
        PValue: float
        /// The simultaneous level 1 − α the band was built for.
        Level: float
        /// True when the whole ECDF difference lies inside the band (equivalently Statistic ≥ Gamma).
        Passed: bool
    }

/// Simultaneous ECDF confidence bands for uniformity, by the exact ("optimised") method of Säilynoja et al. (2022):
/// under uniformity the ECDF counts at z_1 < … < z_{K−1} are a Markov chain whose increments are binomial given
/// the count so far, so P(every count inside its pointwise interval) is computed exactly by a forward recursion,
/// and the pointwise level γ is chosen so that this probability is 1 − α.
[<RequireQualifiedAccess>]
module EcdfBand =

    let private logFactorials (n: int) =
        let lf = Array.zeroCreate (n + 1)

        for k in 2..n do
            lf.[k] <- lf.[k - 1] + log (float k)

        lf

    /// Binomial(n, p) pmf at 0..n from a table of log k!.
    let private binomialPmf (lf: float[]) (n: int) (p: float) =
        if p >= 1.0 then
            Array.init (n + 1) (fun k -> if k = n then 1.0 else 0.0)
        elif p <= 0.0 then
            Array.init (n + 1) (fun k -> if k = 0 then 1.0 else 0.0)
        else
            let lp, lq = log p, log (1.0 - p)

            Array.init (n + 1) (fun k -> exp (lf.[n] - lf.[k] - lf.[n - k] + float k * lp + float (n - k) * lq))

    /// The marginal CDF of the count at each point, Binomial(N, z_j), as cumulative tables.
    type private Tables =
        {
            N: int
            Points: float[]
            Cdf: float[][]
            LogFact: float[]
        }

    let private tables (n: int) (k: int) =
        let lf = logFactorials n
        let points = Array.init (k - 1) (fun j -> float (j + 1) / float k)

        {
            N = n
            Points = points
            Cdf =
                points
                |> Array.map (fun z -> binomialPmf lf n z |> Array.scan (+) 0.0 |> Array.tail)
            LogFact = lf
        }

    /// Two-sided pointwise tail probability of count c at point j: 2·min(P(C ≤ c), P(C ≥ c)).
    let private tail (t: Tables) (j: int) (c: int) =
        let cdf = t.Cdf.[j]
        let below = cdf.[c]
        let above = if c = 0 then 1.0 else 1.0 - cdf.[c - 1]
        2.0 * min below above

    /// The counts inside the pointwise interval at level γ, as (lowest, highest) for each point.
    let private interval (t: Tables) (gamma: float) (j: int) =
        let inside c = tail t j c >= gamma
        let mutable lo = 0

        while lo <= t.N && not (inside lo) do
            lo <- lo + 1

        let mutable hi = t.N

        while hi >= lo && not (inside hi) do
            hi <- hi - 1

        lo, hi

    /// P(every ECDF count inside its pointwise interval at level γ | N uniform draws), by the forward recursion
    /// C_j | C_{j−1} = c ~ c + Binomial(N − c, (z_j − z_{j−1}) / (1 − z_{j−1})).
    let private probabilityInside (t: Tables) (gamma: float) =
        let n = t.N
        // The recursion's probability vector is updated in place point by point; it never escapes.
        let mutable current = Array.zeroCreate (n + 1)
        current.[0] <- 1.0
        let mutable zPrev = 0.0

        for j in 0 .. t.Points.Length - 1 do
            let z = t.Points.[j]
            let p = (z - zPrev) / (1.0 - zPrev)
            let lo, hi = interval t gamma j
            let next = Array.zeroCreate (n + 1)

            let lp, lq = log p, log (1.0 - p)
            let lf = t.LogFact

            for c in 0..n do
                let w = current.[c]

                if w > 0.0 && c <= hi then
                    let m = n - c

                    for c2 in max c lo .. hi do
                        let d = c2 - c

                        let pmf =
                            if p >= 1.0 then
                                (if d = m then 1.0 else 0.0)
                            else
                                exp (lf.[m] - lf.[d] - lf.[m - d] + float d * lp + float (m - d) * lq)

                        next.[c2] <- next.[c2] + w * pmf

            current <- next
            zPrev <- z

        Array.sum current

    let private gammaCache =
        System.Collections.Concurrent.ConcurrentDictionary<struct (int * int * float), float>()

    let private computeGamma (n: int) (k: int) (alpha: float) =
        if n < 1 then
            invalidArg "n" $"need at least one rank, but got {n}."

        if k < 2 then
            invalidArg "k" $"need at least two ECDF intervals, but got {k}."

        if not (alpha > 0.0 && alpha < 1.0) then
            invalidArg "alpha" $"alpha must be in (0, 1), but was {alpha}."

        let t = tables n k
        let ok g = probabilityInside t g >= 1.0 - alpha
        // ok is monotone (a smaller γ widens every interval); bisection on log γ between a γ that is ok and α.
        let mutable lo = alpha / float k / 100.0

        while not (ok lo) do
            lo <- lo / 10.0

        let mutable hi = alpha

        if ok hi then
            hi
        else
            for _ in 1..40 do
                let mid = sqrt (lo * hi)
                if ok mid then lo <- mid else hi <- mid

            lo

    /// The adjusted pointwise level γ for N ranks evaluated at K points and simultaneous level 1 − α: the largest
    /// γ (to a relative 1e-6) with P(every point inside | uniform ranks) ≥ 1 − α. Memoised: it depends only on N, K, α.
    let adjustedGamma (n: int) (k: int) (alpha: float) =
        gammaCache.GetOrAdd(struct (n, k, alpha), (fun struct (n, k, a) -> computeGamma n k a))

    /// P(every ECDF point inside its pointwise interval at level γ | N uniform ranks, K points), exactly.
    let coverage (n: int) (k: int) (gamma: float) = probabilityInside (tables n k) gamma

    /// The same γ by the simulation method of the paper: the α-quantile of the smallest pointwise tail probability
    /// over `simulations` sets of N uniform ranks. For checking `adjustedGamma`; it carries Monte Carlo error.
    let simulatedGamma (rng: Random) (simulations: int) (n: int) (k: int) (alpha: float) =
        let t = tables n k

        let smallest () =
            let u = Array.init n (fun _ -> rng.NextDouble()) |> Array.sort
            let mutable c = 0
            let mutable m = Double.PositiveInfinity

            for j in 0 .. t.Points.Length - 1 do
                while c < n && u.[c] < t.Points.[j] do
                    c <- c + 1

                m <- min m (tail t j c)

            m

        let stats = Array.init simulations (fun _ -> smallest ()) |> Array.sort
        stats.[int (floor (alpha * float simulations))]

    /// The ECDF counts of fractional ranks u_i in [0, 1) at the points j/K.
    let private counts (k: int) (u: float[]) =
        let sorted = Array.sort u
        let mutable c = 0

        Array.init (k - 1) (fun j ->
            let z = float (j + 1) / float k

            while c < sorted.Length && sorted.[c] < z do
                c <- c + 1

            c)

    let private validateRanks (k: int) (maxRank: int) (ranks: int[]) =
        if (maxRank + 1) % k <> 0 then
            invalidArg "k" $"K = {k} must divide the number of possible ranks {maxRank + 1}."

        match ranks |> Array.tryFind (fun r -> r < 0 || r > maxRank) with
        | Some r -> invalidArg "ranks" $"rank {r} is outside 0..{maxRank}."
        | None -> ()

    let private statisticOf (t: Tables) (k: int) (maxRank: int) (ranks: int[]) =
        let c = ranks |> Array.map (fun r -> float r / float (maxRank + 1)) |> counts k
        c, c |> Array.mapi (tail t) |> Array.min

    /// Whether ranks r_i ∈ {0, …, maxRank} stay inside the simultaneous 1 − α band at K points: `test`'s verdict
    /// without its p-value and plot data (cheap enough to call thousands of times).
    let inside (alpha: float) (k: int) (maxRank: int) (ranks: int[]) =
        validateRanks k maxRank ranks

        snd (statisticOf (tables ranks.Length k) k maxRank ranks)
        >= adjustedGamma ranks.Length k alpha

    /// Tests ranks r_i ∈ {0, …, maxRank} for discrete uniformity at K points (K must divide maxRank + 1, so every
    /// point falls on a rank boundary and the continuous-uniform band is exact), simultaneous level 1 − α.
    let test (alpha: float) (k: int) (maxRank: int) (ranks: int[]) : EcdfTest =
        validateRanks k maxRank ranks
        let n = ranks.Length
        let t = tables n k
        let gamma = adjustedGamma n k alpha
        let c, statistic = statisticOf t k maxRank ranks
        // P(min tail ≤ statistic) = 1 − P(every tail > statistic); the tails take finitely many values, so
        // "> s" is "≥ s·(1 + 1e-12)".
        let pValue = 1.0 - probabilityInside t (statistic * (1.0 + 1e-12))
        let band = Array.init t.Points.Length (interval t gamma)

        {
            Count = n
            Points = t.Points
            Difference = Array.map2 (fun ci z -> float ci / float n - z) c t.Points
            Lower = Array.map2 (fun (lo, _) z -> float lo / float n - z) band t.Points
            Upper = Array.map2 (fun (_, hi) z -> float hi / float n - z) band t.Points
            Gamma = gamma
            Statistic = statistic
            PValue = max 0.0 pValue
            Level = 1.0 - alpha
            Passed = statistic >= gamma
        }
