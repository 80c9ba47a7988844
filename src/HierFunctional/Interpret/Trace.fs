namespace HierFunctional

open System
open System.Collections.Generic

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

    /// What an expression reads, walked once: given a row/level index, it adds the (parameter, copy) elements read
    /// there to a buffer, in `reads` order. Staging the walk matters at J = 10⁷: index closures are compiled once,
    /// a node read whole is listed once, and nothing is allocated per element.
    type private Reader = int -> ResizeArray<struct (string * int)> -> unit

    let private none: Reader = fun _ _ -> ()

    let private all (elements: struct (string * int)[]) : Reader =
        fun _ out ->
            for x in elements do
                out.Add x

    let private both (a: Reader) (c: Reader) : Reader =
        fun i out ->
            a i out
            c i out

    let rec private stage (b: Bound) (scope: Scope) (e: Expr) : Reader =
        let go = stage b scope

        let listed (r: Reader) (indices: int seq) =
            let out = ResizeArray()

            for j in indices do
                r j out

            out.ToArray()

        let allOf (p: string) : Reader =
            let info = Bound.node b p

            match info.Node.Kind, info.Node.Plate with
            | NodeKind.Parameter _, _ -> all (Array.init info.Copies (fun j -> struct (p, j)))
            | NodeKind.Derived d, (Plate.Scalar | Plate.Sized _) -> all (listed (stage b Scope.Global d) [ 0 ])
            | NodeKind.Derived d, _ -> all (listed (stage b info.Scope d) (seq { 0 .. info.Copies - 1 }))
            | _ -> none

        // The copy j of p, with j given at read time.
        let copyOf (p: string) : (int -> ResizeArray<struct (string * int)> -> unit) =
            let info = Bound.node b p

            match info.Node.Kind, info.Node.Plate with
            | NodeKind.Parameter _, Plate.Scalar -> fun _ out -> out.Add(struct (p, 0)) // one copy: j selects inside its vector event
            | NodeKind.Parameter _, _ -> fun j out -> out.Add(struct (p, j))
            | NodeKind.Derived d, (Plate.Over _ | Plate.Rows) -> stage b info.Scope d
            | _ -> allOf p

        match e with
        | Const _
        | Data _
        | Group _ -> none
        | Param p when Shapes.isElementwise (Bound.node b p) scope -> copyOf p
        | Param p -> allOf p
        | Index(Param p, idx) when List.isEmpty (Expr.paramRefs idx) ->
            let at = Eval.compileIndex b scope idx
            let read = copyOf p
            fun i out -> read (at [||] i) out
        | Index(v, idx) -> both (go v) (go idx)
        | Elem(Param p, k) when
            (Bound.node b p).Node.Plate <> Plate.Scalar
            && not (Shapes.isElementwise (Bound.node b p) scope)
            ->
            all (listed (copyOf p) [ k ])
        | Elem(a, _)
        | Neg a
        | Apply(_, a) -> go a
        | Vector xs -> xs |> List.map go |> List.fold both none
        | Matrix rows -> rows |> List.concat |> List.map go |> List.fold both none
        | Add(a, c)
        | Sub(a, c)
        | Mul(a, c)
        | Div(a, c)
        | Power(a, c)
        | Dot(a, c) -> both (go a) (go c)

    /// The (parameter, copy) elements an expression reads when evaluated in a scope at one row/level index,
    /// following derived nodes to the parameters they read.
    let reads (b: Bound) (scope: Scope) (index: int) (e: Expr) : (string * int) list =
        let out = ResizeArray()
        stage b scope e index out
        [ for struct (p, j) in out -> p, j ]

    /// The density terms of the model: every copy of every parameter, observed and factor node.
    let terms (b: Bound) : Term list =
        b.Nodes
        |> List.collect (fun info ->
            match info.Node.Kind with
            | NodeKind.Derived _ -> []
            | _ -> [ for c in 0 .. info.Copies - 1 -> { Node = info.Node.Name; Copy = c } ])

    /// For each parameter node, per copy, the other terms whose evaluation reads that copy (its children's terms,
    /// through derived nodes too), each term once. Its own prior term is not listed. Costs two walks of each term's
    /// expressions.
    let dependents (b: Bound) : Map<string, Term[][]> =
        let parameters = Bound.parameters b

        // Each element once per term, in order of first occurrence (`List.distinct`): a linear scan while the
        // term reads few elements (every term of a hierarchy), a hash set beyond that.
        let distinctInPlace (read: ResizeArray<struct (string * int)>) =
            if read.Count > 16 then
                let seen = HashSet<struct (string * int)>()
                read.RemoveAll(fun x -> not (seen.Add x)) |> ignore
            else
                let mutable kept = 0

                for i in 0 .. read.Count - 1 do
                    let struct (p, j) = read.[i]
                    let mutable seen = false

                    for k in 0 .. kept - 1 do
                        let struct (q, l) = read.[k]
                        seen <- seen || (l = j && String.Equals(p, q))

                    if not seen then
                        read.[kept] <- read.[i]
                        kept <- kept + 1

                read.RemoveRange(kept, read.Count - kept)

        // Every (term, element read) pair, in term order and each element once per term.
        let walk (visit: Term -> string -> int -> unit) =
            let read = ResizeArray<struct (string * int)>()

            for info in b.Nodes do
                match info.Node.Kind with
                | NodeKind.Derived _ -> ()
                | _ ->
                    let readers =
                        Model.nodeExprs info.Node |> List.map (stage b info.Scope) |> Array.ofList

                    for c in 0 .. info.Copies - 1 do
                        let term = { Node = info.Node.Name; Copy = c }
                        let index = if info.Scope = Scope.Global then 0 else c
                        read.Clear()

                        for r in readers do
                            r index read

                        distinctInPlace read

                        for struct (p, j) in read do
                            visit term p j

        // Two walks, one counting each copy's dependents and one filling arrays of those sizes: no list of pairs
        // is held (at J = 10⁷ it would be GBs beside the table). Local mutation; the arrays escape complete.
        let table =
            parameters
            |> List.map (fun p -> p.Node.Name, Array.zeroCreate<int> p.Copies)
            |> dict

        walk (fun _ p j ->
            match table.TryGetValue p with
            | true, counts -> counts.[j] <- counts.[j] + 1
            | _ -> ())

        let out =
            table
            |> Seq.map (fun (KeyValue(p, counts)) ->
                p,
                counts
                |> Array.map (fun n -> if n = 0 then Array.empty<Term> else Array.zeroCreate n))
            |> dict

        for counts in table.Values do
            Array.fill counts 0 counts.Length 0

        walk (fun term p j ->
            match table.TryGetValue p with
            | true, filled ->
                out.[p].[j].[filled.[j]] <- term
                filled.[j] <- filled.[j] + 1
            | _ -> ())

        parameters |> List.map (fun p -> p.Node.Name, out.[p.Node.Name]) |> Map.ofList
