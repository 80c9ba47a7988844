namespace HierFunctional.Inference

open HierFunctional
open System

/// What kind of update a plan step is: compiler passes find the steps they rewrite by kind, never by display text.
[<RequireQualifiedAccess>]
type UpdateKind =
    /// A conjugacy rule's update; `rule` is the rule's `Name`.
    | Rule of rule: string
    /// The collapsed logistic-intercepts kernel the Pólya-Gamma rule uses when rows collapse per element.
    | LogisticIntercepts
    /// A draw from the node's prior given its parents (nothing in the model reads the node).
    | PriorDraw
    /// One node slice-sampled on its log-density (the fallback).
    | Slice
    /// A shape slice-sampled with its Gamma rate integrated out, then the rate drawn (BUGS pumps).
    | CollapsedSlice
    /// μ, τ and the group node of a Normal hierarchy as one step: τ by independence Metropolis-Hastings from its
    /// tabulated marginal (known observation sds) or by slice sampling on its marginal given the other parameters,
    /// then μ and the group values drawn exactly (the collapsed-Normal pass).
    | CollapsedNormal
    /// α, β and the group rates of a Gamma-Poisson hierarchy as one step: (α, β) by independence Metropolis-Hastings
    /// from a table of their marginal with the rates integrated out, then the rates drawn exactly (the tabulated pass).
    | CollapsedGammaPoisson
    /// μ, τ and the logistic intercepts of a Normal hierarchy as one independence Metropolis–Hastings step: (μ, log τ)
    /// from a table of their Laplace marginal, each intercept from a split-t about its mode given them (the tabulated
    /// pass).
    | JointLogitNormal
    /// Scalar hyperparameters slice-sampled together (the block-slice pass).
    | SliceBlock
    /// LKJ scales and correlation factor slice-sampled as one block (the LKJ pass).
    | LkjBlock
    /// An ASIS interweaving step added after a centred hierarchy's updates (the interweaving pass).
    | Interweaving
    /// A Normal location and a positive scale drawn jointly (the location-scale pass).
    | JointLocationScale
    /// Scalar coefficients of one Poisson-log or Binomial-logit linear predictor moved as one Metropolis-Hastings
    /// block with a mode-centred Gaussian/t proposal after a Newton climb, with exact centring steps (the GLM block pass).
    | GlmBlock
    /// Every Normal-prior node of one logistic linear predictor drawn jointly given one shared Pólya-Gamma ω per row
    /// (the shared-ω pass).
    | LogitBlock

/// Whether an update draws its nodes exactly from their full conditional, moves them by an invariant Markov step,
/// or only approximately: the plan reports the last kind, with its error bound, above its steps.
[<RequireQualifiedAccess>]
type Exactness =
    /// An independent draw from the full conditional (closed form, possibly given auxiliary variables).
    | Exact
    /// A Markov move that leaves the full conditional exactly invariant (slice, Metropolis-Hastings): correct, but
    /// each draw depends on the previous one.
    | Markov
    /// A draw that is not exactly from the full conditional (e.g. a truncated series); `bound` says by how much.
    | Approximate of bound: string

/// Functions on `Exactness`.
[<RequireQualifiedAccess>]
module Exactness =
    /// The word the plan shows: `exact`, `markov` or `approximate`.
    let label (e: Exactness) =
        match e with
        | Exactness.Exact -> "exact"
        | Exactness.Markov -> "markov"
        | Exactness.Approximate _ -> "approximate"

/// One worker's generator for the group streams of a chain: keyed by the chain's (seed, chain) and moved in place to
/// each group's stream (`Philox4x32.Reset`), so drawing group after group allocates nothing. Each thread, or remote
/// shard, that draws groups of a chain uses its own.
[<Sealed>]
type GroupStream(seed: int, chain: int) =
    let g = Philox4x32.Create(seed, chain)
    // Blocks 0..depth−1 of groups batchFirst .. batchFirst + 7 of (batchUpdate, batchSweep); update −1: none yet.
    let batch = Array.zeroCreate<uint64>(4 * PhiloxBlocks.Stride * GroupStream.MaxDepth)
    let mutable batchUpdate = -1
    let mutable batchSweep = 0
    let mutable batchFirst = 0
    let mutable depth = 1
    // Groups handed out from this batch, and each update's depth for its next batch.
    let mutable handedOut = 0
    let mutable depths = Array.create 4 1
    // First blocks of eight groups and their first N(0, 1) variates (`FirstNormals`).
    let lanes = Array.zeroCreate<uint64>(4 * PhiloxBlocks.Stride)
    let normals = Array.zeroCreate<float> PhiloxBlocks.Stride
    // First blocks of eight groups for a caller that reads them itself (`Blocks`).
    let own = Array.zeroCreate<uint64>(4 * PhiloxBlocks.Stride * GroupStream.MaxDepth)

    /// The most blocks per group a batch computes.
    static member private MaxDepth = 4

    /// The master seed of the chain's key.
    member _.Seed = seed

    /// The chain number of the chain's key.
    member _.Chain = chain

    /// The generator of group `group` of update `update` (its index in the plan) in sweep `sweep`, at the start of
    /// that group's stream (`Philox4x32.ForGroup`). Valid until the next call.
    member _.At(update: int, sweep: int, group: int) : Random =
        g.Reset(update, sweep, group)
        g :> Random

    /// `At` as the generator's own type, so the draws that read it make no virtual calls.
    member internal _.Philox(update: int, sweep: int, group: int) : Philox4x32 =
        g.Reset(update, sweep, group)
        g

    /// The first N(0, 1) variate of the streams of groups group .. group + n − 1 (n ≤ 8) of update `update` in sweep
    /// `sweep`, in out.[0 .. n − 1] of the returned array (valid until the next call): the same variates as
    /// `StandardNormal.fromPhilox (Philox(update, sweep, g))`. Their first blocks are computed together and the
    /// ziggurat's first try read from them; a group whose try fails (about 1 in 100) is drawn from its stream.
    member internal this.FirstNormals(update: int, sweep: int, group: int, n: int) : float[] =
        g.FirstBlocks(update, sweep, group, 1, lanes)

        for i in 0 .. n - 1 do
            let z =
                StandardNormal.firstTry (Philox4x32.Bits53(lanes.[i], lanes.[PhiloxBlocks.Stride + i]))

            normals.[i] <-
                if Double.IsNaN z then
                    StandardNormal.fromPhilox (this.Philox(update, sweep, group + i))
                else
                    z

        normals

    /// Blocks 0..depth−1 (depth ≤ 4) of the streams of groups group .. group + 7 of update `update` in sweep `sweep`,
    /// block d of group + i at lane i from 4·d·Stride of the returned array (`PhiloxBlocks.Stride`'s layout), valid
    /// until the next call: for an update that reads the first variates of many groups at once, vector-wise.
    member internal _.Blocks(update: int, sweep: int, group: int, depth: int) : uint64[] =
        if depth < 1 || depth > GroupStream.MaxDepth then
            invalidArg "depth" $"a group's blocks are computed 1 to {GroupStream.MaxDepth} at a time, not {depth}."

        g.FirstBlocks(update, sweep, group, depth, own)
        own

    /// The generator of group `group` (lane `lane` of the last `Blocks(update, sweep, group − lane, depth)`), reading
    /// those blocks in place before it computes more: the same draws as `Philox(update, sweep, group)`.
    member internal _.PhiloxAfterBlocks(update: int, sweep: int, group: int, lane: int, depth: int) : Philox4x32 =
        g.ResetWithBlocks(update, sweep, group, own, lane, depth)
        g

    /// Starts a batch at `group`. An update's batches compute one block more per group than its previous batch
    /// when a quarter of that batch's groups needed more, and one fewer when most needed fewer, so groups that draw
    /// several variates (Beta, Pólya-Gamma) find their blocks ready rather than computing them one at a time. The
    /// draws are the same whatever the depth.
    member private _.NewBatch(update: int, sweep: int, group: int) =
        if batchUpdate >= 0 then
            let struct (over, short) = g.Tallies

            depths.[batchUpdate] <-
                if handedOut > 0 && 4 * over >= handedOut then
                    min (depth + 1) GroupStream.MaxDepth
                elif over = 0 && 2 * short > handedOut then
                    max (depth - 1) 1
                else
                    depth

        if update >= depths.Length then
            let grown = Array.create (max (update + 1) (2 * depths.Length)) 1
            Array.blit depths 0 grown 0 depths.Length
            depths <- grown

        depth <- depths.[update]
        g.FirstBlocks(update, sweep, group, depth, batch)
        batchUpdate <- update
        batchSweep <- sweep
        batchFirst <- group
        handedOut <- 0
        g.ClearTallies()

    /// `Philox(update, sweep, group)` (the same generator state, so the same draws) for groups visited in
    /// increasing order: the first blocks of eight consecutive groups are computed together and kept until a group
    /// outside them is asked for.
    [<System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)>]
    member internal this.PhiloxInOrder(update: int, sweep: int, group: int) : Philox4x32 =
        if
            update <> batchUpdate
            || sweep <> batchSweep
            || group < batchFirst
            || group >= batchFirst + PhiloxBlocks.Stride
        then
            this.NewBatch(update, sweep, group)

        g.ResetWithBlocks(update, sweep, group, batch, group - batchFirst, depth)
        handedOut <- handedOut + 1
        g

/// One chain during a sweep: its parameter values, its warm-up flag, and one step per update of the plan, each
/// holding the state its update's `Init` made for this chain. Owned by exactly one chain; plans never hold one, so
/// a plan can run many chains (and many fits) at once.
type ChainState =
    {
        /// The constrained parameter state.
        Values: float[]
        /// The plan's updates instantiated for this chain, in sweep order.
        mutable Steps: UpdateStep[]
        /// The updates the steps were made from (a sweep of another plan re-makes them, see `Gibbs.sweep`).
        mutable MadeFrom: Update[]
        /// True during warm-up (slice widths and block directions adapt), false while drawing.
        mutable Adapting: bool
        /// Sweeps done so far (each `Gibbs.sweep` and `Gibbs.runUpdate` adds one): with the chain's key and an update's
        /// index it fixes the streams its groups draw from, so a checkpoint keeps it.
        mutable Sweep: int
        /// Contiguous partitions a group-wise update's groups are split into, run on that many threads at once
        /// (1: none). The draws do not depend on it.
        mutable Partitions: int
        /// One group-stream generator per partition, all keyed by this chain's (seed, chain).
        mutable Streams: GroupStream[]
    }

/// One update instantiated for one chain by the update's `Init`. Its state (slice widths, augmentation variables,
/// scratch) is private to the update's file and reached only through these functions.
and UpdateStep =
    {
        /// One move: mutates the chain's values and this step's own state, nothing else.
        Run: Random -> ChainState -> unit
        /// The state a checkpoint keeps so a resumed chain continues bit-identically (empty when the step only
        /// keeps scratch that every move rebuilds).
        Save: unit -> float[]
        /// Restores what `Save` returned.
        Load: float[] -> unit
        /// The half-t mixing weight this step keeps, for a later move of the same scale that must refresh it.
        Weight: MixingWeight voption
        /// Present when the update draws groups independently given the rest, each from its own stream: then the
        /// groups can be split across threads or shards without changing a draw (`Run` is `Prepare` then all groups).
        Groups: GroupWise voption
    }

/// A group-wise update of one chain: each group's value drawn independently given the rest of the state, group g
/// in sweep t from the stream `GroupStream.At(update, t, g)` alone. Any split of the groups into ranges, run in
/// any order on any thread or machine holding the chain's values, gives the same draws.
and GroupWise =
    {
        /// Number of groups (the update's elements).
        Count: int
        /// The sequential part of a sweep before the groups are drawn, on the chain's own generator and thread:
        /// per-group statistics the draws read, or hyperparameters moved with the groups integrated out.
        Prepare: Random -> ChainState -> unit
        /// Draws groups [lo, hi) for sweep `ChainState.Sweep` with the given stream generator, reading what
        /// `Prepare` left and writing only those groups' values (and this step's per-group state).
        RunRange: GroupStream -> ChainState -> int -> int -> unit
    }

/// The inverse-gamma mixing weight of a half-t scale's augmentation in one chain. The scale's update owns it; an
/// interweaving move of the same scale redraws it, since moving the scale leaves it stale.
and [<Sealed>] MixingWeight(initial: float) =
    /// The current weight.
    member val Value = initial with get, set

/// What an update's `Init` sees of its chain: the steps already made for the updates before it.
and ChainSetup =
    {
        /// The mixing weight kept by an earlier step of the named node, if any.
        WeightOf: string -> MixingWeight voption
        /// The update's index in the plan: the `update` word of its groups' streams.
        Index: int
    }

/// One update of a Gibbs sweep, as listed by `Gibbs.describe`.
and Update =
    {
        /// The node it updates.
        Node: string
        /// The method: a conjugacy rule's name, or "slice".
        Method: string
        /// What kind of update this is (passes match on it).
        Kind: UpdateKind
        /// Whether it draws exactly from the full conditional.
        Exactness: Exactness
        /// Why the node fell back to slice sampling (empty for closed-form updates).
        Reason: string
        /// True when its step keeps a half-t mixing weight (`UpdateStep.Weight`) that a later move may refresh.
        KeepsWeight: bool
        /// Makes this update's step for one chain, with the step's own state (called once per chain).
        Init: ChainSetup -> UpdateStep
    }

/// Building the steps of updates.
[<RequireQualifiedAccess>]
module UpdateStep =

    let private ignore2 (_: Random) (_: ChainState) = ()

    let private expectEmpty (xs: float[]) =
        if xs.Length <> 0 then
            invalidArg "state" $"this update keeps no checkpointed state, but {xs.Length} values were given."

    /// A step whose state is only scratch that every move rebuilds: a checkpoint keeps nothing of it.
    let scratch (run: Random -> ChainState -> unit) : UpdateStep =
        {
            Run = run
            Save = fun () -> [||]
            Load = expectEmpty
            Weight = ValueNone
            Groups = ValueNone
        }

    /// Slice widths as checkpoint values: width, update count and summed jumps of each.
    let saveWidths (widths: SliceWidth[]) : float[] =
        widths |> Array.collect (fun w -> [| w.Width; float w.Updates; w.SumAbsJump |])

    /// Restores slice widths written by `saveWidths` into `widths`.
    let loadWidths (xs: float[]) (widths: SliceWidth[]) =
        if xs.Length <> 3 * widths.Length then
            invalidArg "state" $"expected {3 * widths.Length} slice-width values, got {xs.Length}."

        for i in 0 .. widths.Length - 1 do
            widths.[i] <-
                {
                    Width = xs.[3 * i]
                    Updates = int xs.[3 * i + 1]
                    SumAbsJump = xs.[3 * i + 2]
                }

    /// Fresh slice widths (the fallback's initial width, 1 on the unconstrained scale), adapted during warm-up.
    let widths (n: int) : SliceWidth[] = Array.create n (Slice.initialWidth 1.0)

    /// A step whose checkpointed state is its slice widths (the rest is scratch).
    let withWidths (widths: SliceWidth[]) (run: Random -> ChainState -> unit) : UpdateStep =
        {
            Run = run
            Save = fun () -> saveWidths widths
            Load = fun xs -> loadWidths xs widths
            Weight = ValueNone
            Groups = ValueNone
        }

    /// A step whose checkpointed state is one half-t mixing weight, shared through `Weight`.
    let withWeight (weight: MixingWeight) (run: Random -> ChainState -> unit) : UpdateStep =
        {
            Run = run
            Save = fun () -> [| weight.Value |]
            Load =
                fun xs ->
                    if xs.Length <> 1 then
                        invalidArg "state" $"expected one mixing weight, got {xs.Length} values."

                    weight.Value <- xs.[0]
            Weight = ValueSome weight
            Groups = ValueNone
        }

    /// `step` (its checkpointed state) run group-wise: a sweep is `Prepare`, then every group on the chain's first
    /// stream generator, unless `Gibbs.sweep` splits the groups across the chain's partitions.
    let grouped (g: GroupWise) (step: UpdateStep) : UpdateStep =
        { step with
            Run =
                fun rng st ->
                    g.Prepare rng st
                    g.RunRange st.Streams.[0] st 0 g.Count
            Groups = ValueSome g
        }

    /// A group-wise step whose state is only scratch.
    let groupWise (g: GroupWise) : UpdateStep = grouped g (scratch ignore2)
