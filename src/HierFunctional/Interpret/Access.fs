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

    /// How the monitored elements of one node are found: a parameter's are a block of the state from this offset,
    /// a scalar derived node's one tree evaluation per copy, anything else the node's stacked value, flattened.
    type private Part =
        | Block of offset: int
        | Scalars of node: ScalarNode
        | Stacked of value: (float[] -> Value)

    /// Every monitored node's part with its element count, in `Layout.Monitored` order; compiled once, so a kept draw
    /// costs no compilation and no allocation beyond what a stacked derived node's own value needs.
    let private parts (b: Bound) : (int * Part)[] =
        b.Nodes
        |> List.choose (fun i ->
            let n = i.Copies * Bound.shapeSize i.Event

            match i.Node.Kind with
            | NodeKind.Parameter _ -> Some(n, Block b.Layout.Offsets.[i.Node.Name])
            | NodeKind.Derived _ ->
                match i.Event, i.Node.Plate with
                | Shape.Scalar, Plate.Scalar -> Some(n, Scalars(Eval.compileNode b Scope.Global (Param i.Node.Name)))
                // One scalar per copy, written in place by a tree of evaluator objects: the stacked value boxed
                // every copy and built a vector per kept draw, and `Eval`'s curried closures cost a type test a
                // node, together most of a kept draw of non-centred eight schools.
                | Shape.Scalar, (Plate.Over _ | Plate.Rows) ->
                    Some(n, Scalars(Eval.compileNode b i.Scope (Param i.Node.Name)))
                | _ -> Some(n, Stacked(Eval.compileStacked b i.Node.Name))
            | _ -> None)
        |> Array.ofList

    let private writeStacked (v: Value) (out: float[]) (at: int) (n: int) =
        match v with
        | Value.Scalar x -> out.[at] <- x
        | Value.Vector xs -> Array.blit xs 0 out at n
        | Value.Matrix m ->
            let cols = Array2D.length2 m

            for r in 0 .. Array2D.length1 m - 1 do
                for c in 0 .. cols - 1 do
                    out.[at + r * cols + c] <- m.[r, c]

    /// Writes the monitored elements of a state into `out` (length `Layout.Monitored.Length`), compiled once:
    /// parameters are block copies of the state (their stacked values are laid out as the state is), derived
    /// nodes are evaluated by code compiled here, so a kept draw costs no compilation and no allocation
    /// beyond what a derived node's own value needs.
    let compileMonitored (b: Bound) : float[] -> float[] -> unit =
        let parts = parts b

        fun state out ->
            // Filling the caller's buffer in place, part by part.
            let mutable at = 0

            for n, part in parts do
                match part with
                | Block off -> Array.blit state off out at n
                | Scalars f ->
                    for k in 0 .. n - 1 do
                        out.[at + k] <- f.Eval(state, k)
                | Stacked g -> writeStacked (g state) out at n

                at <- at + n

    /// Records chosen monitored elements (`Layout.Monitored` indices) of each kept draw into a chain's packed columns
    /// (column k's draw d at k · stride + d), with the values `compileMonitored` gives. Parameter elements are read
    /// from the state and scalar derived elements evaluated one by one, so an element not kept costs nothing;
    /// stacked derived nodes with a kept element are evaluated whole into a buffer.
    [<Sealed>]
    type internal Recorder(b: Bound, kept: int[]) =
        let parts = parts b
        let starts = parts |> Array.scan (fun at (n, _) -> at + n) 0
        let buffer = Array.zeroCreate<float> starts.[starts.Length - 1]

        let partStarts = starts.[.. parts.Length - 1]

        let partOf (m: int) =
            let p = Array.findIndexBack (fun at -> at <= m) partStarts
            p, m - starts.[p]

        let located = kept |> Array.map partOf

        let columnsWhere pick =
            Array.indexed located |> Array.choose (fun (k, pe) -> pick k pe)

        let fromState =
            columnsWhere (fun k (p, e) ->
                match snd parts.[p] with
                | Block off -> Some(struct (k, off + e))
                | _ -> None)

        let evaluated =
            columnsWhere (fun k (p, e) ->
                match snd parts.[p] with
                | Scalars f -> Some(struct (k, f, e))
                | _ -> None)

        let stacked =
            located
            |> Array.map fst
            |> Array.distinct
            |> Array.choose (fun p ->
                match parts.[p] with
                | n, Stacked g -> Some(struct (g, starts.[p], n))
                | _ -> None)

        let fromBuffer =
            columnsWhere (fun k (p, e) ->
                match snd parts.[p] with
                | Stacked _ -> Some(struct (k, starts.[p] + e))
                | _ -> None)

        /// Writes draw `draw` of the kept columns from `state` into `packed`.
        member _.Record(state: float[], packed: float[], stride: int, draw: int) =
            for struct (k, i) in fromState do
                packed.[k * stride + draw] <- state.[i]

            for struct (k, f, e) in evaluated do
                packed.[k * stride + draw] <- f.Eval(state, e)

            if stacked.Length > 0 then
                for struct (g, at, n) in stacked do
                    writeStacked (g state) buffer at n

                for struct (k, i) in fromBuffer do
                    packed.[k * stride + draw] <- buffer.[i]

    /// The values of the monitored elements (`Layout.Monitored`: parameters, then derived nodes, flattened).
    let monitored (b: Bound) (state: float[]) : float[] =
        let out = Array.zeroCreate b.Layout.Monitored.Length
        compileMonitored b state out
        out
