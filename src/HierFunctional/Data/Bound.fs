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
        Names: string[]
        /// The same names with group labels where the node is over a group: `theta[Hospital A]`.
        Labels: string[]
        /// Scalar names of everything monitored (parameter then derived elements, in declaration order).
        Monitored: string[]
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
