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

/// Whether an update draws its nodes exactly from their full conditional.
[<RequireQualifiedAccess>]
type Exactness =
    /// An independent draw from the full conditional (closed form, possibly given auxiliary variables).
    | Exact
    /// A Markov move that leaves the full conditional invariant (slice, Metropolis-Hastings): correct, but each
    /// draw depends on the previous one.
    | Approximate

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
        }
