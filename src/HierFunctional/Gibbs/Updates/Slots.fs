namespace HierFunctional

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
