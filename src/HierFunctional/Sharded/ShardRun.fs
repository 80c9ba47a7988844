namespace HierFunctional.Sharded

open System
open System.Security.Cryptography
open HierFunctional
open HierFunctional.Inference

/// A sharded run's output: the globals after every sweep (warm-up included), the posterior mean and sd of every
/// group over the recorded sweeps, and how many times a lost shard was recovered from a checkpoint.
type ShardedRunResult =
    {
        Globals: float[][]
        GroupMeans: float[]
        GroupSds: float[]
        Recoveries: int
    }

/// The sharded sampler without a cluster: shards as plain objects in one process. Its draws are those of the
/// library's `Chains.run` on `ShardPlan.model` (see `ShardPlan`), for any number of shards.
[<RequireQualifiedAccess>]
module ShardRun =

    /// Σ n_j, the Normal model's row count (0 for the Gamma-Poisson model), summed in group order.
    let observations (model: TwoLevelModel) (stats: float[][]) : float =
        match model with
        | TwoLevelModel.Normal _ -> Array.fold (+) 0.0 stats.[0]
        | TwoLevelModel.GammaPoisson _ -> 0.0

    /// The spec of each shard: groups split at `ShardEngine.shardBounds`, every group starting at
    /// `ShardEngine.groupStart` of the initial globals.
    let specs
        (model: TwoLevelModel)
        (seed: int)
        (chain: int)
        (initialGlobals: float[])
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
                Start = ShardEngine.groupStart model initialGlobals
            })

    /// The coordinator at the start of a run: the combined sums of the groups at their start value.
    let coordinator (model: TwoLevelModel) (seed: int) (chain: int) (initialGlobals: float[]) (stats: float[][]) =
        let groups = stats.[0].Length
        let start = Array.create groups (ShardEngine.groupStart model initialGlobals)
        let sums = ShardEngine.reduce model [ ShardEngine.blockSums model stats start ]
        ShardCoordinator(model, seed, chain, groups, observations model stats, initialGlobals, sums)

    /// Runs `sweeps` sweeps (the first `warmup` adapt and are not recorded into the group moments) from
    /// `initialGlobals` with the groups split into `shards` shards in this process.
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
        let states =
            specs model seed chain initialGlobals stats blockSize shards
            |> Array.map ShardState

        let coordinator = coordinator model seed chain initialGlobals stats
        let draws = Array.zeroCreate sweeps

        for s in 0 .. sweeps - 1 do
            let globals = coordinator.Draw(s, s < warmup)

            states
            |> Array.map (fun st -> st.Advance(s, globals, s >= warmup))
            |> ShardEngine.reduce model
            |> coordinator.Absorb

            draws.[s] <- globals

        {
            Globals = draws
            GroupMeans = states |> Array.collect (fun st -> st.GroupMeans)
            GroupSds = states |> Array.collect (fun st -> st.GroupSds)
            Recoveries = 0
        }

    /// The result without its warm-up sweeps' globals: what `library` returns, for comparison.
    let recorded (result: ShardedRunResult) (warmup: int) : ShardedRunResult =
        { result with
            Globals = result.Globals.[warmup..]
        }

    /// The library's own run of the same model (`ShardPlan`): chain `chain` of `Chains.run` on `ShardPlan.model`
    /// fitted from rows (`group.[r]`, groups 0 .. groups − 1 each with at least one row, and the row columns the
    /// model reads: Normal y; Gamma-Poisson x and exposure t), compiled with `ShardPlan.settings`, started at
    /// `ShardPlan.initial`. Returns the recorded sweeps' globals and the group means and sds over them, summed as
    /// the shards sum them: equal to `recorded (inProcess …) warmup` bit for bit.
    let library
        (model: TwoLevelModel)
        (seed: int)
        (chain: int)
        (initialGlobals: float[])
        (groups: int)
        (group: int[])
        (columns: float[][])
        (sweeps: int)
        (warmup: int)
        : ShardedRunResult =
        let labels = group |> Array.map (fun j -> $"g{j:D9}")

        let data =
            match model with
            | TwoLevelModel.Normal _ -> Dataset.empty |> Dataset.labels "g" labels |> Dataset.reals "y" columns.[0]
            | TwoLevelModel.GammaPoisson _ ->
                Dataset.empty
                |> Dataset.labels "g" labels
                |> Dataset.reals "x" columns.[0]
                |> Dataset.reals "t" columns.[1]

        let plan =
            Bind.bind (ShardPlan.model model) data
            |> Result.bind (Gibbs.compileUsing (ShardPlan.settings model))
            |> Result.defaultWith (fun e -> invalidOp $"the model does not compile: %A{e}")

        match ShardPlan.check model plan with
        | Error why -> invalidOp why
        | Ok() -> ()

        let options =
            SamplerOptions.Default
                .WithChains(chain + 1)
                .WithWarmup(warmup)
                .WithDraws(sweeps - warmup)
                .WithSeed(seed)
                .WithInitial(ShardPlan.initial model initialGlobals groups)

        let post = Chains.run options plan
        let draws name = (Posterior.chains name post).[chain]

        let globals =
            (ShardPlan.expectedMethods model |> List.map fst |> List.filter ((<>) "theta"))

        let g = globals |> List.map draws |> Array.ofList
        let means = Array.zeroCreate groups
        let sds = Array.zeroCreate groups

        for j in 0 .. groups - 1 do
            let xs = draws $"theta[{j + 1}]"
            let mutable mean, m2 = 0.0, 0.0

            for k in 0 .. xs.Length - 1 do
                let d = xs.[k] - mean
                mean <- mean + d / float (k + 1)
                m2 <- m2 + d * (xs.[k] - mean)

            means.[j] <- mean

            sds.[j] <-
                if sweeps - warmup > 1 then
                    sqrt (m2 / float (sweeps - warmup - 1))
                else
                    nan

        {
            Globals = Array.init (sweeps - warmup) (fun d -> g |> Array.map (fun c -> c.[d]))
            GroupMeans = means
            GroupSds = sds
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
