namespace HierFunctional

/// Named access to the flat constrained state of a bound model.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Layout =

    /// The value of a parameter or derived node in a state, all copies together (a vector over its group, a
    /// copies × K matrix for vector events, the event itself for a single node).
    let get (b: Bound) (state: float[]) (name: string) : Value = Eval.nodeValue b state name

    /// The constrained-state index of an element named as in `Layout.Names` (`theta[3]`) or `Layout.Labels`
    /// (`theta[Hospital A]`), if there is one.
    let tryIndexOf (b: Bound) (element: string) : int option =
        match b.Layout.Names.IndexOf element with
        | -1 ->
            match b.Layout.Labels.IndexOf element with
            | -1 -> None
            | i -> Some i
        | i -> Some i

    /// The constrained-state index of a named element; invalidArg when no parameter element has that name.
    let indexOf (b: Bound) (element: string) : int =
        match tryIndexOf b element with
        | Some i -> i
        | None ->
            let examples = b.Layout.Names |> Seq.truncate 5 |> String.concat ", "
            invalidArg "element" $"no parameter element is named '{element}'; names look like {examples}."

    /// A copy of the state with one parameter node's copies replaced by a value of its stacked shape.
    let set (b: Bound) (state: float[]) (name: string) (value: Value) : float[] =
        let info = Bound.node b name

        match info.Node.Kind with
        | NodeKind.Parameter _ -> ()
        | _ -> invalidArg "name" $"'{name}' is not a parameter node, so it has no place in the state."

        let flat =
            match value with
            | Value.Scalar x -> [| x |]
            | Value.Vector xs -> xs
            | Value.Matrix m ->
                [|
                    for i in 0 .. Array2D.length1 m - 1 do
                        for j in 0 .. Array2D.length2 m - 1 -> m.[i, j]
                |]

        let n = info.Copies * Bound.shapeSize info.Event

        if flat.Length <> n then
            invalidArg "value" $"'{name}' has {n} elements in the state but the value has {flat.Length}."

        let out = Array.copy state
        Array.blit flat 0 out b.Layout.Offsets.[name] n
        out

    /// A state built from values for every parameter node (stacked shapes, as `get` returns them).
    let ofValues (b: Bound) (values: (string * Value) list) : float[] =
        values
        |> List.fold (fun s (name, v) -> set b s name v) (Array.zeroCreate b.Layout.Size)

    /// Writes the monitored elements of a state into `out` (length `Layout.Monitored.Length`), compiled once:
    /// parameters are block copies of the state (their stacked values are laid out as the state is), derived
    /// nodes are evaluated by closures compiled here, so a kept draw costs no compilation and no allocation
    /// beyond what a derived node's own value needs.
    let compileMonitored (b: Bound) : float[] -> float[] -> unit =
        let parts =
            b.Nodes
            |> List.choose (fun i ->
                match i.Node.Kind with
                | NodeKind.Parameter _ ->
                    let off, n = b.Layout.Offsets.[i.Node.Name], i.Copies * Bound.shapeSize i.Event
                    Some(n, Choice1Of2 off)
                | NodeKind.Derived _ ->
                    let n = i.Copies * Bound.shapeSize i.Event

                    match i.Event, i.Node.Plate with
                    | Shape.Scalar, Plate.Scalar ->
                        let f = Eval.compileScalar b Scope.Global (Param i.Node.Name)
                        Some(n, Choice2Of2(Choice1Of2 f))
                    | Shape.Scalar, (Plate.Over _ | Plate.Rows) ->
                        // One scalar per copy, written in place: the stacked value boxed every copy and built a
                        // vector per kept draw, a third of a kept sweep of non-centred eight schools.
                        let f = Eval.compileScalar b i.Scope (Param i.Node.Name)
                        Some(n, Choice2Of2(Choice1Of2 f))
                    | _ -> Some(n, Choice2Of2(Choice2Of2(Eval.compileStacked b i.Node.Name)))
                | _ -> None)
            |> Array.ofList

        fun state out ->
            // Filling the caller's buffer in place, part by part.
            let mutable at = 0

            for n, part in parts do
                match part with
                | Choice1Of2 off -> Array.blit state off out at n
                | Choice2Of2(Choice1Of2 f) ->
                    for k in 0 .. n - 1 do
                        out.[at + k] <- f state k
                | Choice2Of2(Choice2Of2 g) ->
                    match g state with
                    | Value.Scalar x -> out.[at] <- x
                    | Value.Vector xs -> Array.blit xs 0 out at n
                    | Value.Matrix m ->
                        let cols = Array2D.length2 m

                        for r in 0 .. Array2D.length1 m - 1 do
                            for c in 0 .. cols - 1 do
                                out.[at + r * cols + c] <- m.[r, c]

                at <- at + n

    /// The values of the monitored elements (`Layout.Monitored`: parameters, then derived nodes, flattened).
    let monitored (b: Bound) (state: float[]) : float[] =
        let out = Array.zeroCreate b.Layout.Monitored.Length
        compileMonitored b state out
        out
