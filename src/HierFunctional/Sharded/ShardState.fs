namespace HierFunctional.Sharded

open System
open System.IO

/// What one shard needs to sample: the model, the chain's seed, where its groups start (a `BlockSums` block
/// boundary), the block size the shards were cut at, its groups' statistic columns (`ShardEngine.statisticNames`)
/// and the value every group starts at.
type ShardSpec =
    {
        Model: TwoLevelModel
        Seed: int
        Chain: int
        FirstGroup: int
        BlockSize: int
        Statistics: float[][]
        Start: float
    }

/// A shard's groups between sweeps: current values and the running mean and sum of squared deviations of each
/// group's recorded draws (Welford). Mutable arrays behind methods; `Checkpoint` and `Restore` move it whole.
[<Sealed>]
type ShardState private (spec: ShardSpec, values: float[], mean: float[], m2: float[], recorded0: int, last0: int) =
    let mutable recorded = recorded0
    let mutable lastSweep = last0

    static let magic = 0x48465354 // "HFST"

    /// A shard before its first sweep: every group at the spec's start.
    new(spec: ShardSpec) =
        let n = spec.Statistics.[0].Length
        ShardState(spec, Array.create n spec.Start, Array.zeroCreate n, Array.zeroCreate n, 0, -1)

    /// The shard's specification.
    member _.Spec = spec

    /// The last sweep this shard has drawn (−1 before the first).
    member _.LastSweep = lastSweep

    /// How many sweeps went into the group means.
    member _.Recorded = recorded

    /// Draws the shard's groups for `sweep` (which must follow `LastSweep`) given the globals, records them into
    /// the group moments when `record`, and returns the block sums.
    member _.Advance(sweep: int, globals: float[], record: bool) : float[] =
        if sweep <> lastSweep + 1 then
            invalidOp $"shard at group {spec.FirstGroup} has drawn sweep {lastSweep} and was asked for sweep {sweep}."

        let sums =
            ShardEngine.advance spec.Model spec.Seed spec.Chain sweep globals spec.FirstGroup spec.Statistics values

        if record then
            recorded <- recorded + 1
            let k = float recorded

            for i in 0 .. values.Length - 1 do
                let d = values.[i] - mean.[i]
                mean.[i] <- mean.[i] + d / k
                m2.[i] <- m2.[i] + d * (values.[i] - mean.[i])

        lastSweep <- sweep
        sums

    /// The posterior mean of each group from the recorded sweeps.
    member _.GroupMeans: float[] = Array.copy mean

    /// The posterior sd of each group from the recorded sweeps (NaN with fewer than two).
    member _.GroupSds: float[] =
        m2
        |> Array.map (fun s ->
            if recorded > 1 then
                sqrt (s / float (recorded - 1))
            else
                nan)

    /// The current group values.
    member _.Values: float[] = Array.copy values

    /// The state after `LastSweep` as bytes (the spec is not included: see `ShardCodec.specToBytes`).
    member _.Checkpoint() : byte[] =
        use ms = new MemoryStream()
        use w = new BinaryWriter(ms)
        w.Write magic
        w.Write lastSweep
        w.Write recorded
        w.Write values.Length

        for a in [ values; mean; m2 ] do
            for x in a do
                w.Write x

        w.Flush()
        ms.ToArray()

    /// The shard as it stood when `Checkpoint` wrote `bytes`.
    static member Restore(spec: ShardSpec, bytes: byte[]) : ShardState =
        use r = new BinaryReader(new MemoryStream(bytes))

        if r.ReadInt32() <> magic then
            invalidArg "bytes" "not a shard checkpoint (wrong header)."

        let last = r.ReadInt32()
        let recorded = r.ReadInt32()
        let n = r.ReadInt32()

        if n <> spec.Statistics.[0].Length then
            invalidArg
                "bytes"
                $"the checkpoint holds {n} groups but the shard at group {spec.FirstGroup} has {spec.Statistics.[0].Length}."

        let read () = Array.init n (fun _ -> r.ReadDouble())
        let values = read ()
        let mean = read ()
        let m2 = read ()
        ShardState(spec, values, mean, m2, recorded, last)

/// Byte form of a `ShardSpec`, so a shard that restarts on another machine can reload its groups.
[<RequireQualifiedAccess>]
module ShardCodec =

    let private magic = 0x48465351 // "HFSQ": specs with a start value

    /// The spec as bytes.
    let specToBytes (spec: ShardSpec) : byte[] =
        use ms = new MemoryStream()
        use w = new BinaryWriter(ms)
        w.Write magic

        match spec.Model with
        | TwoLevelModel.Normal p ->
            w.Write 0uy

            for x in [ p.MuMean; p.MuSd; p.TauShape; p.TauRate; p.SigmaShape; p.SigmaRate ] do
                w.Write x
        | TwoLevelModel.GammaPoisson p ->
            w.Write 1uy

            for x in [ p.AlphaShape; p.AlphaRate; p.BetaShape; p.BetaRate ] do
                w.Write x

        w.Write spec.Seed
        w.Write spec.Chain
        w.Write spec.FirstGroup
        w.Write spec.BlockSize
        w.Write spec.Start
        w.Write spec.Statistics.Length
        w.Write spec.Statistics.[0].Length

        for column in spec.Statistics do
            for x in column do
                w.Write x

        w.Flush()
        ms.ToArray()

    /// The spec that `specToBytes` wrote.
    let specOfBytes (bytes: byte[]) : ShardSpec =
        use r = new BinaryReader(new MemoryStream(bytes))

        if r.ReadInt32() <> magic then
            invalidArg "bytes" "not a shard spec (wrong header)."

        let model =
            match r.ReadByte() with
            | 0uy ->
                let x = Array.init 6 (fun _ -> r.ReadDouble())

                TwoLevelModel.Normal
                    {
                        MuMean = x.[0]
                        MuSd = x.[1]
                        TauShape = x.[2]
                        TauRate = x.[3]
                        SigmaShape = x.[4]
                        SigmaRate = x.[5]
                    }
            | 1uy ->
                let x = Array.init 4 (fun _ -> r.ReadDouble())

                TwoLevelModel.GammaPoisson
                    {
                        AlphaShape = x.[0]
                        AlphaRate = x.[1]
                        BetaShape = x.[2]
                        BetaRate = x.[3]
                    }
            | k -> invalidArg "bytes" $"unknown model kind {k} in a shard spec."

        let seed = r.ReadInt32()
        let chain = r.ReadInt32()
        let first = r.ReadInt32()
        let block = r.ReadInt32()
        let start = r.ReadDouble()
        let columns = r.ReadInt32()
        let n = r.ReadInt32()

        {
            Model = model
            Seed = seed
            Chain = chain
            FirstGroup = first
            BlockSize = block
            Statistics = Array.init columns (fun _ -> Array.init n (fun _ -> r.ReadDouble()))
            Start = start
        }
