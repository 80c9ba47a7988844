namespace HierFunctional

/// The shape of a value: what an expression evaluates to, or one copy of a node.
[<RequireQualifiedAccess>]
type Shape =
    /// A single number.
    | Scalar
    /// A vector of the given length.
    | Vector of length: int
    /// A matrix of the given rows and columns.
    | Matrix of rows: int * columns: int

/// Where an expression is evaluated: once for the whole model, once per data row, or once per level of a group.
[<RequireQualifiedAccess>]
type Scope =
    /// Evaluated once (scalar and fixed-size nodes, factors).
    | Global
    /// Evaluated once per data row (observed and per-row derived nodes).
    | Row
    /// Evaluated once per level of the named group column (nodes `over` it).
    | Level of group: string

/// A group column resolved against a data set: its levels and the level of every row.
type GroupInfo =
    {
        /// The column's name.
        Column: string
        /// The level labels in output order (declared levels of a Labels column; sorted distinct values of an
        /// Integers column, as text).
        Levels: string[]
        /// The 0-based level of each data row.
        RowLevel: int[]
    }

/// A node resolved against a data set: where it is evaluated, how many copies it has and the shape of one copy.
type NodeInfo =
    {
        /// The node as declared.
        Node: Node
        /// 0-based declaration position.
        Position: int
        /// The scope its expressions are evaluated in.
        Scope: Scope
        /// The number of copies (1, the number of levels, the vector length, or the number of rows).
        Copies: int
        /// The shape of one copy (Categorical values are scalars).
        Event: Shape
        /// The distribution's dimension K (vector length, matrix dimension, number of categories); 1 for scalars.
        Dim: int
    }

    /// The support of a parameter node's prior; None for data, derived and observed nodes.
    member n.ParameterSupport =
        match n.Node.Kind with
        | NodeKind.Parameter d -> Some(Dist.support d)
        | _ -> None

/// One node's run of elements in `ElementNames`: `node`, `node[e]`, `node[copy]` or `node[copy,e]`, where the
/// copy is named by its 1-based index or its group label and `e` is the event suffix (`2` or `1,2`).
type internal NameRun =
    {
        Node: string
        /// Index of the run's first element.
        Start: int
        Copies: int
        /// The event suffixes of one copy, "" for a scalar event.
        Suffixes: string[]
        /// The node has one copy (no copy name in its element names).
        Single: bool
        CopyName: int -> string
        /// The first copy named by the text, or −1.
        CopyOf: string -> int
    }

/// The names of a model's scalar elements (`mu`, `theta[3]`, `Sigma[1,2]`, `theta[Hospital A]`), computed from the
/// node name and the element's index when asked, so J = 10⁷ group effects hold no 10⁷ strings.
[<Sealed>]
type ElementNames internal (runs: NameRun[]) =
    let length =
        if runs.Length = 0 then
            0
        else
            let r = runs.[runs.Length - 1]
            r.Start + r.Copies * r.Suffixes.Length

    // The last run starting at or before i (runs are in element order; empty runs share a start).
    let runOf (i: int) =
        let mutable lo, hi = 0, runs.Length - 1 // local binary search

        while lo < hi do
            let mid = (lo + hi + 1) / 2

            if runs.[mid].Start <= i then lo <- mid else hi <- mid - 1

        runs.[lo]

    let nameAt (i: int) =
        if i < 0 || i >= length then
            raise (System.IndexOutOfRangeException $"element {i} of {length} names")

        let r = runOf i
        let local = i - r.Start
        let k = r.Suffixes.Length
        let copy, ev = local / k, r.Suffixes.[local % k]

        match r.Single, ev with
        | true, "" -> r.Node
        | true, ev -> $"{r.Node}[{ev}]"
        | false, "" -> $"{r.Node}[{r.CopyName copy}]"
        | false, ev -> $"{r.Node}[{r.CopyName copy},{ev}]"

    // The smallest index in run r named `name`, or −1: parsed from the name, not found by naming every element.
    let indexIn (name: string) (r: NameRun) =
        let k = r.Suffixes.Length

        if r.Copies = 0 || not (name.StartsWith r.Node) then
            -1
        elif name.Length = r.Node.Length then
            if r.Single && k = 1 && r.Suffixes.[0] = "" then
                r.Start
            else
                -1
        elif name.[r.Node.Length] <> '[' || not (name.EndsWith "]") then
            -1
        else
            let inside = name.Substring(r.Node.Length + 1, name.Length - r.Node.Length - 2)

            let candidates =
                [
                    for e in 0 .. k - 1 do
                        let ev = r.Suffixes.[e]

                        if r.Single then
                            if inside = ev then
                                yield r.Start + e
                        elif ev = "" then
                            match r.CopyOf inside with
                            | -1 -> ()
                            | c -> yield r.Start + c * k + e
                        elif inside.EndsWith("," + ev) then
                            match r.CopyOf(inside.Substring(0, inside.Length - ev.Length - 1)) with
                            | -1 -> ()
                            | c -> yield r.Start + c * k + e
                ]

            if candidates.IsEmpty then -1 else List.min candidates

    /// The number of elements.
    member _.Length = length

    member internal _.Runs = runs

    /// The name of element i (0-based).
    member _.Item
        with get (i: int) = nameAt i

    /// The index of the first element with this name, or −1.
    member _.IndexOf(name: string) =
        runs
        |> Array.tryPick (fun r ->
            match indexIn name r with
            | -1 -> None
            | i -> Some i)
        |> Option.defaultValue -1

    /// Every name, materialised (O(elements) strings: for small models, output and tests).
    member _.ToArray() = Array.init length nameAt

    /// The names of elements a to b (F# slicing `names.[a .. b]`).
    member _.GetSlice(a: int option, b: int option) =
        let a, b = defaultArg a 0, defaultArg b (length - 1)
        Array.init (max 0 (b - a + 1)) (fun i -> nameAt (a + i))

    override this.Equals(other: obj) =
        match other with
        | :? ElementNames as o -> o.Length = length && Seq.forall2 (=) this o
        | _ -> false

    override _.GetHashCode() = length

    override _.ToString() = $"ElementNames ({length} elements)"

    interface System.Collections.Generic.IReadOnlyList<string> with
        member _.Count = length

        member _.Item
            with get (i: int) = nameAt i

        member _.GetEnumerator() : System.Collections.Generic.IEnumerator<string> =
            (Seq.init length nameAt).GetEnumerator()

        member _.GetEnumerator() : System.Collections.IEnumerator =
            ((Seq.init length nameAt) :> System.Collections.IEnumerable).GetEnumerator()

/// Where every parameter lives in the flat state vectors, and the names of their elements.
type Layout =
    {
        /// Offset of each parameter node in the constrained state.
        Offsets: Map<string, int>
        /// Length of the constrained state.
        Size: int
        /// Offset of each parameter node in the unconstrained vector.
        UnconstrainedOffsets: Map<string, int>
        /// Length of the unconstrained vector.
        UnconstrainedSize: int
        /// The name of each constrained state element with 1-based indices: `mu`, `theta[1]`, `Sigma[1,2]`.
        Names: ElementNames
        /// The same names with group labels where the node is over a group: `theta[Hospital A]`.
        Labels: ElementNames
        /// Scalar names of everything monitored (parameter and derived elements, in declaration order).
        Monitored: ElementNames
    }

/// A model bound to a data set: validated, with groups, nesting, shapes and the parameter layout resolved.
/// Immutable; the log-density interpreter, the Gibbs compiler, diagnostics and the CLI all read it.
type Bound =
    {
        /// The model.
        Model: Model
        /// The data set.
        Data: Dataset
        /// The number of data rows.
        Rows: int
        /// The group columns used by the model, by name.
        Groups: Map<string, GroupInfo>
        /// For (inner, outer): the 0-based outer level containing each inner level (−1 for an inner level with no rows).
        Nesting: Map<string * string, int[]>
        /// Per node, in declaration order.
        Nodes: NodeInfo list
        /// Per node, by name.
        NodeMap: Map<string, NodeInfo>
        /// Numeric columns as floats, by name.
        Numeric: Map<string, float[]>
        /// Matrix columns, by name.
        Matrices: Map<string, float[,]>
        /// For (column, group): the column's value in each level of the group (NaN for a level with no rows).
        LevelValues: Map<string * string, float[]>
        /// The parameter layout.
        Layout: Layout
    }

/// Functions over bound models.
[<RequireQualifiedAccess>]
module Bound =
    /// The resolved node with the given name; invalidArg when the model has no such node.
    let node (b: Bound) (name: string) : NodeInfo =
        match b.NodeMap.TryFind name with
        | Some n -> n
        | None ->
            invalidArg
                "name"
                $"the model has no node '{name}'; its nodes are {b.Model.Nodes |> List.map (fun n -> n.Name)}."

    /// Element j of copy r of a length-k vector node, as (state → r → j → value): its data-matrix row when
    /// observed, else its slots in the state, so vector updates and summaries read both the same way.
    let internal vectorElement (b: Bound) (child: NodeInfo) (k: int) : float[] -> int -> int -> float =
        match child.Node.Kind with
        | NodeKind.Observed _ ->
            let m = b.Matrices.[child.Node.Name]
            fun _ r j -> m.[r, j]
        | _ ->
            let off = b.Layout.Offsets.[child.Node.Name]
            fun s r j -> s.[off + r * k + j]

    /// The number of floats one copy of a shape occupies.
    let shapeSize (s: Shape) =
        match s with
        | Shape.Scalar -> 1
        | Shape.Vector k -> k
        | Shape.Matrix(r, c) -> r * c

    /// The parameter nodes in declaration order.
    let parameters (b: Bound) =
        b.Nodes
        |> List.filter (fun n ->
            match n.Node.Kind with
            | NodeKind.Parameter _ -> true
            | _ -> false)

    /// The observed nodes in declaration order.
    let observed (b: Bound) =
        b.Nodes
        |> List.filter (fun n ->
            match n.Node.Kind with
            | NodeKind.Observed _ -> true
            | _ -> false)
