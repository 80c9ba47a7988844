namespace HierFunctional

open System
open HierFunctional.Inference

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
    /// block with an IWLS proposal, with exact centring steps (the GLM block pass).
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

/// Symbolic helpers the update executors share: which expressions are data-only, which are constant within a
/// group's level, and how to factor a per-row quantity into (level-invariant part) × (data-only part).
[<RequireQualifiedAccess>]
module internal Factor =

    /// No parameter is read: the expression can be evaluated once per row when the plan is compiled.
    let isDataOnly (e: Expr) = Expr.paramRefs e |> List.isEmpty

    /// A single-copy scalar parameter of global scope: one value per sweep, whatever element or row reads it.
    let isScalarGlobalParameter (b: Bound) (p: string) =
        match b.NodeMap.TryFind p with
        | Some i ->
            i.Scope = Scope.Global
            && i.Event = Shape.Scalar
            && i.Copies = 1
            && (match i.Node.Kind with
                | NodeKind.Parameter _ -> true
                | _ -> false)
        | None -> false

    /// Reads no data column and only scalar global parameters: the expression can be evaluated once per sweep
    /// instead of once per element or copy.
    let readsOnlyScalarGlobals (b: Bound) (e: Expr) =
        List.isEmpty (Expr.columnRefs e)
        && Expr.paramRefs e |> List.forall (isScalarGlobalParameter b)

    /// The expression takes one value for every row/copy mapped to the same element of a target indexed by
    /// `slotGroup` (None: a scalar or fixed-position target): it reads no row data, and every group-level node
    /// it reads is indexed by that same group.
    let rec isInvariant (b: Bound) (slotGroup: string option) (e: Expr) : bool =
        let go = isInvariant b slotGroup

        match e with
        | Const _ -> true
        | Data _
        | Group _ -> false
        | Param p ->
            match b.NodeMap.TryFind p with
            | Some info -> info.Scope = Scope.Global && info.Event = Shape.Scalar
            | None -> false
        | Index(Param _, Group g) -> slotGroup = Some g
        | Index _ -> false
        | Elem(Param p, _) ->
            match b.NodeMap.TryFind p with
            | Some info -> info.Scope = Scope.Global
            | None -> false
        | Elem _
        | Vector _
        | Matrix _
        | Dot _ -> false
        | Neg x
        | Apply(_, x) -> go x
        | Add(x, y)
        | Sub(x, y)
        | Mul(x, y)
        | Div(x, y)
        | Power(x, y) -> go x && go y

    /// Splits e into (invariant, dataOnly) with e = invariant × dataOnly, when it factors that simply.
    let split (b: Bound) (slotGroup: string option) (e: Expr) : (Expr * Expr) option =
        if isDataOnly e then
            Some(Const 1.0, e)
        elif isInvariant b slotGroup e then
            Some(e, Const 1.0)
        else
            match e with
            | Mul(x, y) when isInvariant b slotGroup x && isDataOnly y -> Some(x, y)
            | Mul(x, y) when isDataOnly x && isInvariant b slotGroup y -> Some(y, x)
            | Div(x, y) when isInvariant b slotGroup x && isDataOnly y -> Some(x, Div(Const 1.0, y))
            | Div(x, y) when isDataOnly x && isInvariant b slotGroup y -> Some(Div(Const 1.0, y), x)
            | _ -> None

/// How the copies of a child node map onto the elements of a target node.
[<RequireQualifiedAccess>]
module internal Slots =

    /// The element of the target each copy of the child reads, or why the slot is not supported.
    let elementOf (b: Bound) (target: NodeInfo) (child: NodeInfo) (slot: Slot) : Result<int[], string> =
        match slot, target.Node.Plate with
        | Slot.Whole, Plate.Scalar -> Ok(Array.zeroCreate child.Copies)
        | Slot.Position k, Plate.Sized n when k >= 0 && k < n -> Ok(Array.create child.Copies k)
        | Slot.Indexed(Group g), Plate.Over g' when g = g' ->
            let level = Eval.groupLevel b child.Scope g
            Ok(Array.init child.Copies level)
        | Slot.Indexed idx, _ ->
            Error $"'{child.Node.Name}' indexes '{target.Node.Name}' by {idx}, not by its group column"
        | _ -> Error $"'{child.Node.Name}' reads '{target.Node.Name}' in a way the closed-form update does not cover"

    /// The group a slot indexes by, if any (for level-invariance checks).
    let group (slot: Slot) =
        match slot with
        | Slot.Indexed(Group g)
        | Slot.IndexedDot(Group g) -> Some g
        | _ -> None

    /// A representative copy of the child for each target element (−1 when no copy maps to it).
    let representatives (elements: int) (elementOf: int[]) =
        let repr = Array.create elements -1

        elementOf
        |> Array.iteri (fun r e ->
            if repr.[e] < 0 then
                repr.[e] <- r)

        repr

    /// The current value of each copy of a scalar child: its data column, or its slots in the state.
    let childValues (b: Bound) (child: NodeInfo) : float[] -> int -> float =
        match child.Node.Kind with
        | NodeKind.Observed _ ->
            let ys = b.Numeric.[child.Node.Name]
            fun _ r -> ys.[r]
        | _ ->
            let off = b.Layout.Offsets.[child.Node.Name]
            fun s r -> s.[off + r]

/// Checks and helpers every update executor shares.
[<RequireQualifiedAccess>]
module internal UpdateKit =

    /// Stepping-out limit of every slice step (Neal 2003's m).
    let maxSteps = 50

    /// A state of zeros, for evaluating data-only expressions once at compile time (they read no parameter).
    let zeroState (b: Bound) = Array.zeroCreate<float> b.Layout.Size

    /// Stops the run with a NumericalFailure naming the node and the update.
    let fail (node: string) (update: string) (detail: string) =
        raise (ModelException(ModelError.NumericalFailure(node, update, detail)))

    /// Stops the run when a closed-form draw is not finite.
    let checkFinite (node: string) (update: string) (x: float) =
        if not (Double.IsFinite x) then
            fail node update $"the draw was {x}"

    /// One slice step from x0; a non-finite log-density at the current value means the state is already broken,
    /// so it stops with an error naming the node and the update instead of sampling from it.
    let sliceStep (node: string) (update: string) (rng: Random) (f: float -> float) (width: float) (x0: float) =
        let f0 = f x0

        if not (Double.IsFinite f0) then
            fail node update $"the log-density at the current value is {f0}"

        Slice.step rng f width maxSteps x0
