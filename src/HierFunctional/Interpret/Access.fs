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
        match Array.tryFindIndex ((=) element) b.Layout.Names with
        | Some i -> Some i
        | None -> Array.tryFindIndex ((=) element) b.Layout.Labels

    /// The constrained-state index of a named element; invalidArg when no parameter element has that name.
    let indexOf (b: Bound) (element: string) : int =
        match tryIndexOf b element with
        | Some i -> i
        | None ->
            let examples = b.Layout.Names |> Array.truncate 5 |> String.concat ", "
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

    /// The values of the monitored elements (`Layout.Monitored`: parameters, then derived nodes, flattened).
    let monitored (b: Bound) (state: float[]) : float[] =
        b.Nodes
        |> Seq.filter (fun i ->
            match i.Node.Kind with
            | NodeKind.Parameter _
            | NodeKind.Derived _ -> true
            | _ -> false)
        |> Seq.collect (fun i ->
            match get b state i.Node.Name with
            | Value.Scalar x -> [| x |]
            | Value.Vector xs -> xs
            | Value.Matrix m ->
                [|
                    for r in 0 .. Array2D.length1 m - 1 do
                        for c in 0 .. Array2D.length2 m - 1 -> m.[r, c]
                |])
        |> Array.ofSeq
