namespace HierFunctional.Sharded

open System
open HierFunctional
open HierFunctional.Inference

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

/// Priors of the Gamma-Poisson hierarchy x_ij ~ Poisson(λ_j e_ij), λ_j ~ Gamma(α, β), α ~ Gamma(AlphaShape,
/// AlphaRate), β ~ Gamma(BetaShape, BetaRate) (shape and rate).
type GammaPoissonPriors =
    {
        AlphaShape: float
        AlphaRate: float
        BetaShape: float
        BetaRate: float
    }

/// A two-level conjugate hierarchy that the sharded sampler draws from per-group sufficient statistics.
[<RequireQualifiedAccess>]
type TwoLevelModel =
    /// Normal data, Normal group means; per group (`ShardEngine.normalStatistics`): count n_j, Σy, and the mean
    /// and within-group sum of squares Σ(y − ȳ_j)² by Welford's update, each over the group's rows in row order.
    | Normal of NormalPriors
    /// Poisson counts with exposure, Gamma group rates; per group: Σx and Σ exposure.
    | GammaPoisson of GammaPoissonPriors

/// The group half of a sweep of the library's Gibbs plan for a two-level hierarchy (`ShardPlan.model`), split into
/// shards of whole `BlockSums` blocks: each shard draws its groups given the globals, with the plan's group update
/// and its streams (`Philox4x32.ForGroup(seed, chain, update, sweep, group)`, `update` the group update's index in
/// the plan), and returns the sums the plan's hyperparameter updates read, one set per block. Combined in block
/// order (`reduce`) they are the plan's own sums bit for bit, whatever the split.
[<RequireQualifiedAccess>]
module ShardEngine =

    /// The group update's index in the plan: the `update` word of the group streams (Normal: μ, τ, σ, then θ;
    /// Gamma-Poisson: α with β collapsed, β, then λ).
    let groupUpdate (model: TwoLevelModel) : int =
        match model with
        | TwoLevelModel.Normal _ -> 3
        | TwoLevelModel.GammaPoisson _ -> 2

    /// The Philox stream of one update of one group in one sweep (`Philox4x32.ForGroup`).
    let stream (seed: int) (chain: int) (update: int) (sweep: int) (group: int) : Random =
        Philox4x32.ForGroup(seed, chain, update, sweep, group)

    /// Names of the per-group statistic columns the model reads, in order.
    let statisticNames (model: TwoLevelModel) : string[] =
        match model with
        | TwoLevelModel.Normal _ -> [| "count"; "sum"; "mean"; "within_ss" |]
        | TwoLevelModel.GammaPoisson _ -> [| "counts"; "exposure" |]

    /// Names of the global parameters, in the order of the globals vector.
    let globalNames (model: TwoLevelModel) : string[] =
        match model with
        | TwoLevelModel.Normal _ -> [| "mu"; "tau_precision"; "sigma_precision" |]
        | TwoLevelModel.GammaPoisson _ -> [| "alpha"; "beta" |]

    /// How many sums each block returns: Normal Σθ, the block's count, mean and M2 of θ, and Σ_j Σ_i (y_ij − θ_j)²;
    /// Gamma-Poisson Σ log λ and Σ λ.
    let sumsPerBlock (model: TwoLevelModel) : int =
        match model with
        | TwoLevelModel.Normal _ -> 5
        | TwoLevelModel.GammaPoisson _ -> 2

    /// Where every group starts, as the library's `Initial.Given` would start it: Normal at μ, Gamma-Poisson at the
    /// prior mean α/β of the globals given.
    let groupStart (model: TwoLevelModel) (globals: float[]) : float =
        match model with
        | TwoLevelModel.Normal _ -> globals.[0]
        | TwoLevelModel.GammaPoisson _ -> globals.[0] / globals.[1]

    /// The Normal model's statistic columns from rows (`group.[r]` in 0 .. groups − 1), summed in row order as the
    /// library sums them when it binds the rows: count, Σy, and Welford's mean and within-group sum of squares.
    let normalStatistics (groups: int) (group: int[]) (y: float[]) : float[][] =
        let count = Array.zeroCreate groups
        let sum = Array.zeroCreate groups
        let mean = Array.zeroCreate groups
        let within = Array.zeroCreate groups

        for r in 0 .. y.Length - 1 do
            let l = group.[r]
            count.[l] <- count.[l] + 1.0
            sum.[l] <- sum.[l] + 1.0 * y.[r]
            let d = y.[r] - mean.[l]
            mean.[l] <- mean.[l] + d / count.[l]
            within.[l] <- within.[l] + d * (y.[r] - mean.[l])

        [| count; sum; mean; within |]

    /// The Gamma-Poisson model's statistic columns from rows: Σx and Σ exposure per group, in row order.
    let gammaPoissonStatistics (groups: int) (group: int[]) (x: float[]) (exposure: float[]) : float[][] =
        let counts = Array.zeroCreate groups
        let total = Array.zeroCreate groups

        for r in 0 .. x.Length - 1 do
            counts.[group.[r]] <- counts.[group.[r]] + x.[r]
            total.[group.[r]] <- total.[group.[r]] + exposure.[r]

        [| counts; total |]

    /// First group of each shard plus the group count at the end: `shards` runs of whole blocks of `blockSize`
    /// groups (a multiple of `BlockSums.Size`, so shards own whole sum blocks), as even as blocks allow.
    let shardBounds (groupCount: int) (blockSize: int) (shards: int) : int[] =
        if groupCount < 1 || blockSize < 1 || shards < 1 then
            invalidArg "shards" "the group count, block size and shard count must each be at least 1."

        if blockSize % BlockSums.Size <> 0 then
            invalidArg
                "blockSize"
                $"the block size must be a multiple of {BlockSums.Size} (the library's sum blocks), but was {blockSize}."

        let blocks = (groupCount + blockSize - 1) / blockSize

        if shards > blocks then
            invalidArg
                "shards"
                $"{shards} shards need at least {shards} blocks, but {groupCount} groups in blocks of {blockSize} make {blocks}: use fewer shards."

        Array.init (shards + 1) (fun s -> min groupCount (int (int64 blocks * int64 s / int64 shards) * blockSize))

    /// The block sums of a shard's current group values (`values`, its statistics `stats`), one set of
    /// `sumsPerBlock` per `BlockSums` block, block after block.
    let blockSums (model: TwoLevelModel) (stats: float[][]) (values: float[]) : float[] =
        let n = values.Length
        let blocks = BlockSums.count n
        let k = sumsPerBlock model
        let sums = Array.zeroCreate (blocks * k)

        for b in 0 .. blocks - 1 do
            let struct (lo, hi) = BlockSums.bounds n b

            match model with
            | TwoLevelModel.Normal _ ->
                let count, mean, within = stats.[0], stats.[2], stats.[3]
                let m = BlockSums.moments (fun i -> values.[i]) lo hi
                sums.[b * k] <- BlockSums.sum (fun i -> 1.0 * values.[i]) lo hi
                sums.[b * k + 1] <- m.Count
                sums.[b * k + 2] <- m.Mean
                sums.[b * k + 3] <- m.M2
                // Σ_i (y_ij − θ_j)² = W_j + n_j (ȳ_j − θ_j)², as the plan's σ update forms it
                sums.[b * k + 4] <-
                    BlockSums.sum
                        (fun i ->
                            let d = mean.[i] - values.[i]
                            within.[i] + count.[i] * d * d)
                        lo
                        hi
            | TwoLevelModel.GammaPoisson _ ->
                sums.[b * k] <- BlockSums.sum (fun i -> log values.[i]) lo hi
                sums.[b * k + 1] <- BlockSums.sum (fun i -> values.[i]) lo hi

        sums

    /// Draws every group of a shard given the globals (writing `values`, the shard's current group values) with the
    /// plan's group update, and returns `blockSums` of the new values. `firstGroup` must start a `BlockSums` block;
    /// `stats` holds the statistic columns of `statisticNames`, indexed from the shard's first group.
    let advance
        (model: TwoLevelModel)
        (seed: int)
        (chain: int)
        (sweep: int)
        (globals: float[])
        (firstGroup: int)
        (stats: float[][])
        (values: float[])
        : float[] =
        if firstGroup % BlockSums.Size <> 0 then
            invalidArg
                "firstGroup"
                $"a shard must start a block: group {firstGroup} is not a multiple of {BlockSums.Size}."

        // one generator moved from group to group: `Reset` gives each group's `ForGroup` stream without allocating
        let rng = Philox4x32.Create(seed, chain)
        let update = groupUpdate model

        match model with
        | TwoLevelModel.Normal _ ->
            // NormalUpdates.drawElementRange with GaussianLikelihood's per-sweep factors (sd = precision^−½)
            let mu, tauP, sigmaP = globals.[0], globals.[1], globals.[2]
            let count, total = stats.[0], stats.[1]
            let sd = tauP ** -0.5
            let p0 = 1.0 / (sd * sd)
            let mp0 = mu * p0
            let sv = sigmaP ** -0.5
            let iv = 1.0 / (sv * sv)

            for i in 0 .. values.Length - 1 do
                rng.Reset(update, sweep, firstGroup + i)
                let p = p0 + iv * count.[i]
                let shift = iv * total.[i]
                values.[i] <- (mp0 + shift) / p + (1.0 / sqrt p) * StandardNormal.sample rng
        | TwoLevelModel.GammaPoisson _ ->
            // GammaPoissonUpdate's flat sweep
            let alpha, beta = globals.[0], globals.[1]
            let counts, exposure = stats.[0], stats.[1]

            for i in 0 .. values.Length - 1 do
                rng.Reset(update, sweep, firstGroup + i)

                values.[i] <- Numerics.positive (GammaVariate.sample rng (alpha + counts.[i]) (beta + exposure.[i]))

        blockSums model stats values

    /// The sums over all groups from the block sums of every shard in shard order (so in block order), combined
    /// as `BlockSums` combines blocks: Normal [Σθ; J; mean; M2; Σ(y − θ)²], Gamma-Poisson [Σ log λ; Σ λ].
    let reduce (model: TwoLevelModel) (shardSums: float[] seq) : float[] =
        let k = sumsPerBlock model

        match model with
        | TwoLevelModel.Normal _ ->
            let mutable sum, ss = 0.0, 0.0
            let mutable m = BlockSums.empty

            for sums in shardSums do
                for b in 0 .. sums.Length / k - 1 do
                    sum <- sum + sums.[b * k]

                    m <-
                        BlockSums.combine
                            m
                            {
                                Count = sums.[b * k + 1]
                                Mean = sums.[b * k + 2]
                                M2 = sums.[b * k + 3]
                            }

                    ss <- ss + sums.[b * k + 4]

            [| sum; m.Count; m.Mean; m.M2; ss |]
        | TwoLevelModel.GammaPoisson _ ->
            let total = Array.zeroCreate k

            for sums in shardSums do
                for b in 0 .. sums.Length / k - 1 do
                    for j in 0 .. k - 1 do
                        total.[j] <- total.[j] + sums.[b * k + j]

            total
