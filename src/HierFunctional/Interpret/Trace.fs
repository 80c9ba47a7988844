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
    /// through derived nodes too), each term once. Its own prior term is not listed. Costs one walk of each term's expressions.
    let dependents (b: Bound) : Map<string, Term[][]> =
        let parameters = Bound.parameters b

        // One flat list of (copy, term) pairs per parameter node, not one list per copy, in fixed-size chunks that
        // are never copied to grow: at J = 10⁷ a list per copy, or a doubling array, would cost GBs of garbage.
        let chunk = 65536

        let table =
            parameters
            |> List.map (fun p -> p.Node.Name, (ResizeArray<struct (int * Term)[]>(), ref 0))
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
                        match table.TryGetValue p with
                        | true, (chunks, count) ->
                            if count.Value % chunk = 0 then
                                chunks.Add(Array.zeroCreate chunk)

                            chunks.[count.Value / chunk].[count.Value % chunk] <- struct (j, term)
                            count.Value <- count.Value + 1
                        | _ -> ()

        // Per copy, its terms in the order they were found (a stable counting sort of the pairs by copy); the
        // node's pairs are dropped once frozen, so only one node's pairs and arrays are held twice at a time.
        let freeze (copies: int) (chunks: ResizeArray<struct (int * Term)[]>, count: int ref) =
            let pairs = seq { for i in 0 .. count.Value - 1 -> chunks.[i / chunk].[i % chunk] }

            let counts = Array.zeroCreate copies

            for struct (j, _) in pairs do
                counts.[j] <- counts.[j] + 1

            let out =
                counts
                |> Array.map (fun n -> if n = 0 then Array.empty<Term> else Array.zeroCreate n)

            Array.fill counts 0 copies 0

            for struct (j, t) in pairs do
                out.[j].[counts.[j]] <- t
                counts.[j] <- counts.[j] + 1

            chunks.Clear()
            out

        parameters
        |> List.map (fun p -> p.Node.Name, freeze p.Copies table.[p.Node.Name])
        |> Map.ofList
