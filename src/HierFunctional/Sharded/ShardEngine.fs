namespace HierFunctional.Sharded

open System
open HierFunctional

/// Priors of the Normal hierarchy y_ij ~ Normal(θ_j, sd 1/√σp), θ_j ~ Normal(μ, sd 1/√τp), μ ~ Normal(MuMean, MuSd),
/// τp ~ Gamma(TauShape, TauRate), σp ~ Gamma(SigmaShape, SigmaRate) (precisions; Gamma in shape and rate).
type NormalPriors =
    {
        MuMean: float
        MuSd: float
        TauShape: float
        TauRate: float
        SigmaShape: float
        SigmaRate: float
    }

/// Priors of the Gamma-Poisson hierarchy x_ij ~ Poisson(λ_j e_ij), λ_j ~ Gamma(Alpha, β), β ~ Gamma(BetaShape,
/// BetaRate); the shape Alpha is known.
type GammaPoissonPriors =
    {
        Alpha: float
        BetaShape: float
        BetaRate: float
    }

/// A two-level conjugate hierarchy that the sharded sampler draws from per-group sufficient statistics.
[<RequireQualifiedAccess>]
type TwoLevelModel =
    /// Normal data, Normal group means; per group: count n_j, sum Σy and within-group sum of squares Σ(y − ȳ_j)².
    | Normal of NormalPriors
    /// Poisson counts with exposure, Gamma group rates; per group: Σx and Σ exposure.
    | GammaPoisson of GammaPoissonPriors

/// One sweep of a two-level conjugate hierarchy split into shards of groups: each shard draws its groups given the
/// global parameters and returns per-block partial sums; the coordinator sums the blocks in order and draws the
/// global parameters. Every draw comes from its own Philox stream keyed by (seed, chain) with counter
/// (0, group, sweep, update), so a group's draw does not depend on which shard holds it, and the block sums (shard
/// boundaries fall on block boundaries) add up in the same order whatever the number of shards.
[<RequireQualifiedAccess>]
module ShardEngine =

    /// Update numbers in the counter: the group update, then the global updates in order.
    let private groupUpdate = 0
    let private firstGlobalUpdate = 1

    /// The Philox stream of one update of one group in one sweep (`Philox4x32.ForGroup`).
    let stream (seed: int) (chain: int) (update: int) (sweep: int) (group: int) : Random =
        Philox4x32.ForGroup(seed, chain, update, sweep, group)

    /// Names of the per-group statistic columns the model reads, in order.
    let statisticNames (model: TwoLevelModel) : string[] =
        match model with
        | TwoLevelModel.Normal _ -> [| "count"; "sum"; "within_ss" |]
        | TwoLevelModel.GammaPoisson _ -> [| "counts"; "exposure" |]

    /// Names of the global parameters, in the order of the globals vector.
    let globalNames (model: TwoLevelModel) : string[] =
        match model with
        | TwoLevelModel.Normal _ -> [| "mu"; "tau_precision"; "sigma_precision" |]
        | TwoLevelModel.GammaPoisson _ -> [| "beta" |]

    /// How many partial sums each block returns.
    let sumsPerBlock (model: TwoLevelModel) : int =
        match model with
        | TwoLevelModel.Normal _ -> 3
        | TwoLevelModel.GammaPoisson _ -> 1

    /// First group of each shard plus the group count at the end: `shards` runs of whole blocks, as even as blocks
    /// allow, so any split lines up with the block sums.
    let shardBounds (groupCount: int) (blockSize: int) (shards: int) : int[] =
        if groupCount < 1 || blockSize < 1 || shards < 1 then
            invalidArg "shards" "the group count, block size and shard count must each be at least 1."

        let blocks = (groupCount + blockSize - 1) / blockSize

        if shards > blocks then
            invalidArg
                "shards"
                $"{shards} shards need at least {shards} blocks, but {groupCount} groups in blocks of {blockSize} make {blocks}: use a smaller block size or fewer shards."

        Array.init (shards + 1) (fun s -> min groupCount (int (int64 blocks * int64 s / int64 shards) * blockSize))

    /// Draws every group of a shard given the globals (writing `values`, the shard's current group values) and
    /// returns the partial sums of each block of `blockSize` groups, block after block. `firstGroup` must start a
    /// block; `stats` holds the statistic columns of `statisticNames`, indexed from the shard's first group.
    let advance
        (model: TwoLevelModel)
        (seed: int)
        (chain: int)
        (sweep: int)
        (globals: float[])
        (firstGroup: int)
        (stats: float[][])
        (values: float[])
        (blockSize: int)
        : float[] =
        if firstGroup % blockSize <> 0 then
            invalidArg "firstGroup" $"a shard must start a block: group {firstGroup} is not a multiple of {blockSize}."

        let n = values.Length
        let blocks = (n + blockSize - 1) / blockSize
        let k = sumsPerBlock model
        let sums = Array.zeroCreate (blocks * k)
        // one generator moved from group to group: `Reset` gives each group's `ForGroup` stream without allocating
        let rng = Philox4x32.Create(seed, chain)

        match model with
        | TwoLevelModel.Normal _ ->
            let mu, tauP, sigmaP = globals.[0], globals.[1], globals.[2]
            let count, total, within = stats.[0], stats.[1], stats.[2]

            for b in 0 .. blocks - 1 do
                let mutable sd = 0.0
                let mutable sd2 = 0.0
                let mutable ssr = 0.0

                for i in b * blockSize .. min n ((b + 1) * blockSize) - 1 do
                    rng.Reset(groupUpdate, sweep, firstGroup + i)
                    let precision = tauP + count.[i] * sigmaP
                    let mean = (mu * tauP + total.[i] * sigmaP) / precision
                    let theta = mean + StandardNormal.sample rng / sqrt precision
                    values.[i] <- theta
                    let d = theta - mu
                    sd <- sd + d
                    sd2 <- sd2 + d * d
                    // Σ_i (y_ij − θ_j)² = W_j + n_j (ȳ_j − θ_j)², with n_j ȳ_j = Σy
                    let r =
                        if count.[i] > 0.0 then
                            total.[i] / count.[i] - theta
                        else
                            0.0

                    ssr <- ssr + within.[i] + count.[i] * r * r

                sums.[b * k] <- sd
                sums.[b * k + 1] <- sd2
                sums.[b * k + 2] <- ssr
        | TwoLevelModel.GammaPoisson p ->
            let beta = globals.[0]
            let counts, exposure = stats.[0], stats.[1]

            for b in 0 .. blocks - 1 do
                let mutable s = 0.0

                for i in b * blockSize .. min n ((b + 1) * blockSize) - 1 do
                    rng.Reset(groupUpdate, sweep, firstGroup + i)
                    let lambda = GammaVariate.sample rng (p.Alpha + counts.[i]) (beta + exposure.[i])
                    values.[i] <- lambda
                    s <- s + lambda

                sums.[b] <- s

        sums

    /// The sums over all groups from the block sums of every shard in shard order (so in block order): a left
    /// fold over blocks, the same additions for any split along block boundaries.
    let reduce (model: TwoLevelModel) (shardSums: float[] seq) : float[] =
        let k = sumsPerBlock model
        let total = Array.zeroCreate k

        for sums in shardSums do
            for b in 0 .. sums.Length / k - 1 do
                for j in 0 .. k - 1 do
                    total.[j] <- total.[j] + sums.[b * k + j]

        total

    /// The globals after a sweep, drawn from their full conditionals given the summed group draws. `observations`
    /// is Σ n_j (the Normal model's row count; unused by the Gamma-Poisson model).
    let updateGlobals
        (model: TwoLevelModel)
        (seed: int)
        (chain: int)
        (sweep: int)
        (globals: float[])
        (groupCount: int)
        (observations: float)
        (sums: float[])
        : float[] =
        let j = float groupCount

        match model with
        | TwoLevelModel.Normal p ->
            let muOld, tauP = globals.[0], globals.[1]
            let sd, sd2, ssr = sums.[0], sums.[1], sums.[2]
            let sumTheta = sd + j * muOld
            let prior = 1.0 / (p.MuSd * p.MuSd)
            let precision = prior + j * tauP
            let mean = (p.MuMean * prior + tauP * sumTheta) / precision

            let mu =
                mean
                + StandardNormal.sample (stream seed chain firstGlobalUpdate sweep 0)
                  / sqrt precision

            // Σ(θ − μ)² from the sums about the broadcast μ: no cancellation against a large μ
            let delta = mu - muOld
            let ss = max 0.0 (sd2 - 2.0 * delta * sd + j * delta * delta)

            let tau =
                GammaVariate.sample
                    (stream seed chain (firstGlobalUpdate + 1) sweep 0)
                    (p.TauShape + 0.5 * j)
                    (p.TauRate + 0.5 * ss)

            let sigma =
                GammaVariate.sample
                    (stream seed chain (firstGlobalUpdate + 2) sweep 0)
                    (p.SigmaShape + 0.5 * observations)
                    (p.SigmaRate + 0.5 * ssr)

            [| mu; tau; sigma |]
        | TwoLevelModel.GammaPoisson p ->
            [|
                GammaVariate.sample
                    (stream seed chain firstGlobalUpdate sweep 0)
                    (p.BetaShape + j * p.Alpha)
                    (p.BetaRate + sums.[0])
            |]
