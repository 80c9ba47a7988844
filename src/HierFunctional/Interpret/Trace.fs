namespace HierFunctional

/// One log-density term: a node (parameter prior, observed likelihood or factor) at one copy (row, level or index).
[<Struct>]
type Term =
    {
        /// The node whose density (or factor) this term is.
        Node: string
        /// The copy: the row for observed nodes, the level or position for parameters, 0 for single nodes.
        Copy: int
    }

/// Element-level dependency tracing: which log-density terms read which parameter elements.
[<RequireQualifiedAccess>]
module Trace =

    /// The (parameter, copy) elements an expression reads when evaluated in a scope at one row/level index,
    /// following derived nodes to the parameters they read.
    let rec reads (b: Bound) (scope: Scope) (index: int) (e: Expr) : (string * int) list =
        let go = reads b scope index

        let allOf (p: string) =
            let info = Bound.node b p

            match info.Node.Kind, info.Node.Plate with
            | NodeKind.Parameter _, _ -> [ for j in 0 .. info.Copies - 1 -> p, j ]
            | NodeKind.Derived d, (Plate.Scalar | Plate.Sized _) -> reads b Scope.Global 0 d
            | NodeKind.Derived d, _ ->
                [
                    for j in 0 .. info.Copies - 1 do
                        yield! reads b info.Scope j d
                ]
            | _ -> []

        let copyOf (p: string) (j: int) =
            let info = Bound.node b p

            match info.Node.Kind, info.Node.Plate with
            | NodeKind.Parameter _, Plate.Scalar -> [ p, 0 ] // one copy: j selects inside its vector event
            | NodeKind.Parameter _, _ -> [ p, j ]
            | NodeKind.Derived d, (Plate.Over _ | Plate.Rows) -> reads b info.Scope j d
            | _ -> allOf p

        match e with
        | Const _
        | Data _
        | Group _ -> []
        | Param p when Shapes.isElementwise (Bound.node b p) scope -> copyOf p index
        | Param p -> allOf p
        | Index(Param p, idx) when List.isEmpty (Expr.paramRefs idx) ->
            let at = Eval.compileIndex b scope idx
            copyOf p (at [||] index)
        | Index(v, idx) -> go v @ go idx
        | Elem(Param p, k) when
            (Bound.node b p).Node.Plate <> Plate.Scalar
            && not (Shapes.isElementwise (Bound.node b p) scope)
            ->
            copyOf p k
        | Elem(a, _)
        | Neg a
        | Apply(_, a) -> go a
        | Vector xs -> List.collect go xs
        | Matrix rows -> rows |> List.concat |> List.collect go
        | Add(a, c)
        | Sub(a, c)
        | Mul(a, c)
        | Div(a, c)
        | Power(a, c)
        | Dot(a, c) -> go a @ go c

    /// The density terms of the model: every copy of every parameter, observed and factor node.
    let terms (b: Bound) : Term list =
        b.Nodes
        |> List.collect (fun info ->
            match info.Node.Kind with
            | NodeKind.Derived _ -> []
            | _ -> [ for c in 0 .. info.Copies - 1 -> { Node = info.Node.Name; Copy = c } ])

    /// For each parameter node, per copy, the other terms whose evaluation reads that copy (its children's terms,
    /// through derived nodes too). Its own prior term is not listed. Costs one walk of each term's expressions.
    let dependents (b: Bound) : Map<string, Term[][]> =
        let parameters = Bound.parameters b

        let table =
            parameters
            |> List.map (fun p -> p.Node.Name, Array.init p.Copies (fun _ -> ResizeArray<Term>()))
            |> dict

        // Local mutation while filling the table; it is frozen into arrays before it escapes.
        for info in b.Nodes do
            match info.Node.Kind with
            | NodeKind.Derived _ -> ()
            | _ ->
                let exprs = Model.nodeExprs info.Node

                for c in 0 .. info.Copies - 1 do
                    let term = { Node = info.Node.Name; Copy = c }
                    let index = if info.Scope = Scope.Global then 0 else c

                    for (p, j) in exprs |> List.collect (reads b info.Scope index) |> List.distinct do
                        if table.ContainsKey p then
                            table.[p].[j].Add term

        parameters
        |> List.map (fun p -> p.Node.Name, table.[p.Node.Name] |> Array.map (fun r -> r.ToArray()))
        |> Map.ofList
