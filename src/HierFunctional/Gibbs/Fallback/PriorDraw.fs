namespace HierFunctional

open HierFunctional.Inference

/// The update of a parameter that nothing in the model reads (no likelihood term, no child, no factor): its full
/// conditional is its prior given its parents, so it is drawn from that exactly (an ancestral draw) instead of sliced.
[<RequireQualifiedAccess>]
module internal PriorDraw =

    /// The name `Gibbs.describe` shows for a prior draw.
    let methodName = "prior draw (nothing reads it: its conditional is its prior)"

    /// The update of a prior-only node, or None when it has children (its conditional is then not its prior).
    let tryCreate (expanded: Model) (b: Bound) (info: NodeInfo) : Update option =
        match info.Node.Kind, Graph.children expanded info.Node.Name with
        | NodeKind.Parameter(Dist.Flat _), _ -> None
        | NodeKind.Parameter _, [] ->
            let draw = Forward.nodeDraw b info

            Some
                {
                    Node = info.Node.Name
                    Method = methodName
                    Kind = UpdateKind.PriorDraw
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = false
                    Init = fun _ -> UpdateStep.scratch (fun rng st -> draw rng st.Values)
                }
        | _ -> None
