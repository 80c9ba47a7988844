namespace HierFunctional.Sharded

open System
open System.Security.Cryptography

/// A sharded run's output: the globals after every sweep (warm-up included), the posterior mean and sd of every
/// group over the recorded sweeps, and how many times a lost shard was recovered from a checkpoint.
type ShardedRunResult =
    {
        Globals: float[][]
        GroupMeans: float[]
        GroupSds: float[]
        Recoveries: int
    }

/// The sharded sampler without a cluster: shards as plain objects in one process. With one shard this is the
/// reference that every cluster run must reproduce bit for bit.
[<RequireQualifiedAccess>]
module ShardRun =

    /// Σ n_j, the Normal model's row count (0 for the Gamma-Poisson model), summed in group order.
    let observations (model: TwoLevelModel) (stats: float[][]) : float =
        match model with
        | TwoLevelModel.Normal _ -> Array.fold (+) 0.0 stats.[0]
        | TwoLevelModel.GammaPoisson _ -> 0.0

    /// The spec of each shard: groups split at `ShardEngine.shardBounds`.
    let specs
        (model: TwoLevelModel)
        (seed: int)
        (chain: int)
        (stats: float[][])
        (blockSize: int)
        (shards: int)
        : ShardSpec[] =
        let groups = stats.[0].Length

        if stats.Length <> (ShardEngine.statisticNames model).Length then
            let names = String.Join(", ", ShardEngine.statisticNames model)
            invalidArg "stats" $"the model reads {names}, but {stats.Length} columns were given."

        if stats |> Array.exists (fun c -> c.Length <> groups) then
            invalidArg "stats" "every statistic column must have one entry per group."

        let bounds = ShardEngine.shardBounds groups blockSize shards

        Array.init shards (fun s ->
            {
                Model = model
                Seed = seed
                Chain = chain
                FirstGroup = bounds.[s]
                BlockSize = blockSize
                Statistics = stats |> Array.map (fun c -> c.[bounds.[s] .. bounds.[s + 1] - 1])
            })

    /// Runs `sweeps` sweeps (the first `warmup` not recorded into the group moments) from `initialGlobals` with
    /// the groups split into `shards` shards in this process.
    let inProcess
        (model: TwoLevelModel)
        (seed: int)
        (chain: int)
        (initialGlobals: float[])
        (stats: float[][])
        (blockSize: int)
        (shards: int)
        (sweeps: int)
        (warmup: int)
        : ShardedRunResult =
        let states = specs model seed chain stats blockSize shards |> Array.map ShardState
        let groups = stats.[0].Length
        let n = observations model stats
        let mutable globals = Array.copy initialGlobals
        let draws = Array.zeroCreate sweeps

        for s in 0 .. sweeps - 1 do
            let sums =
                states
                |> Array.map (fun st -> st.Advance(s, globals, s >= warmup))
                |> ShardEngine.reduce model

            globals <- ShardEngine.updateGlobals model seed chain s globals groups n sums
            draws.[s] <- globals

        {
            Globals = draws
            GroupMeans = states |> Array.collect (fun st -> st.GroupMeans)
            GroupSds = states |> Array.collect (fun st -> st.GroupSds)
            Recoveries = 0
        }

    /// SHA-256 (hex) of every global draw and every group mean and sd, bit for bit: equal fingerprints mean
    /// identical draws.
    let fingerprint (result: ShardedRunResult) : string =
        let values =
            Array.concat [ Array.concat result.Globals; result.GroupMeans; result.GroupSds ]

        let bytes = Array.zeroCreate<byte>(values.Length * 8)
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length)
        Convert.ToHexString(SHA256.HashData bytes)
