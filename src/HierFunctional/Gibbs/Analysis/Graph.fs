namespace HierFunctional.Inference

open HierFunctional

/// The model seen as a graph for the Gibbs compiler: derived nodes inlined, children of each parameter found.
[<RequireQualifiedAccess>]
module Graph =

    // A derived node over group g with value e can be inlined where it is read as d[g] (the same group), because
    // inside e every `group h` then resolves through the row's level of g, which nesting makes unambiguous.
    let rec private inlineWith (derived: Map<string, Node * Expr>) (e: Expr) : Expr =
        let go = inlineWith derived

        match e with
        | Param n ->
            match derived.TryFind n with
            | Some(node, value) when node.Plate = Plate.Scalar -> go value
            | _ -> e
        | Index(Param n, Group g) ->
            match derived.TryFind n with
            | Some(node, value) when node.Plate = Plate.Over g -> go value
            | _ -> e
        | _ -> Expr.mapChildren go e

    let private derivedTable (m: Model) =
        m.Nodes
        |> List.choose (fun n ->
            match n.Kind with
            | NodeKind.Derived e -> Some(n.Name, (n, e))
            | _ -> None)
        |> Map.ofList

    /// Replaces references to derived nodes by their definitions wherever that is exact (see above), so that a
    /// non-centred `theta = mu + tau * eta` exposes its linearity in eta to the conjugacy rules.
    let inlineDerived (m: Model) (e: Expr) : Expr = inlineWith (derivedTable m) e

    /// The model with every stochastic node's distribution and every factor written without derived nodes.
    let expand (m: Model) : Model =
        let table = derivedTable m
        let go = inlineWith table

        {
            Nodes =
                m.Nodes
                |> List.map (fun n ->
                    match n.Kind with
                    | NodeKind.Parameter d ->
                        { n with
                            Kind = NodeKind.Parameter(Dist.mapArgs go d)
                        }
                    | NodeKind.Observed d ->
                        { n with
                            Kind = NodeKind.Observed(Dist.mapArgs go d)
                        }
                    | NodeKind.Factor e -> { n with Kind = NodeKind.Factor(go e) }
                    | NodeKind.Derived e -> { n with Kind = NodeKind.Derived(go e) })
        }

    /// The stochastic nodes and factors whose (expanded) expressions mention `name`: its Markov-blanket children.
    let children (expanded: Model) (name: string) : Node list =
        expanded.Nodes
        |> List.filter (fun n ->
            match n.Kind with
            | NodeKind.Derived _ -> false
            | _ -> Model.parents n |> List.contains name)
