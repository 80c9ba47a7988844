namespace HierFunctional

open HierFunctional.Inference

/// When the vectors β_j ~ MvNormal(μ, diag(s)·L·Lᵀ·diag(s)) of an LKJ scales-correlation pair are one node whose
/// update is the MvNormal-linear rule (Gaussian data linear in each β_j), that update first moves (s, L) on their
/// distribution with the β_j integrated out (`LkjMarginal`, from the same per-copy statistics XᵀWX, XᵀW(y − a) the
/// draw uses) and then draws the β_j given the new (s, L): together one move of (s, L, β) that leaves their
/// conditional exactly invariant, and that is free of the β ↔ Σ coupling the scatter-based moves of `LkjUpdate` have.
[<RequireQualifiedAccess>]
module internal LkjMarginalUpdate =

    /// The method name shown by `Gibbs.describe`.
    let rule =
        MvConjugacy.mvNormalLinear.Name
        + ", after s, L moved with it integrated out (inverse-Wishart independence MH)"

    let private move (density: CompiledDensity) (sNode: Node) (lNode: Node) (target: NodeInfo) (m0: Expr) () =
        let b = density.Bound
        let k = (Bound.node b sNode.Name).Copies
        let n = target.Copies
        let sOff, lOff = b.Layout.Offsets.[sNode.Name], b.Layout.Offsets.[lNode.Name]

        let priorTerms =
            Array.append
                (Array.init k (fun c -> density.Term { Node = sNode.Name; Copy = c }))
                [| density.Term { Node = lNode.Name; Copy = 0 } |]

        let meanInto = MvUpdateKit.vectorInto b target.Scope k m0
        let globalScope = (target.Scope = Scope.Global)

        let mean values j buf =
            meanInto values (if globalScope then 0 else j) buf

        let sc = LkjMarginal.scratch k n

        let logWeight (values: float[]) =
            let mutable total = LkjMarginal.correction k n sc values sOff lOff

            for t in priorTerms do
                total <- total + t values

            total

        MvNormalLinearUpdate.LinearMove(fun rng st acc ->
            if LkjMarginal.prepare k n acc mean st.Values sc then
                LkjMarginal.step rng k n logWeight st.Values sOff lOff sc |> ignore)

    /// Replaces the MvNormal-linear update of the vectors of each LKJ scales-correlation pair (read by that one
    /// node, with more copies than dimensions) with one that moves the pair on the marginal first.
    let internal combine (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        let b = density.Bound

        expanded.Nodes
        |> List.choose (fun l -> LkjUpdate.pattern expanded l |> Option.map (fun (s, cs) -> s, l, cs))
        |> List.fold
            (fun (acc: Update[]) (sNode, lNode, cs) ->
                match cs with
                | [ child ] when child.Node.Kind.IsParameter ->
                    let target = Bound.node b child.Node.Name
                    let k = (Bound.node b sNode.Name).Copies

                    let isLinear (u: Update) =
                        u.Node = child.Node.Name && u.Method = MvConjugacy.mvNormalLinear.Name

                    match
                        Array.tryFindIndex isLinear acc, MvConjugacy.mvNormalLinear.Recognise expanded child.Node
                    with
                    | Some i, RuleOutcome.Matched(m0, s0, gcs) when LkjInverseWishart.applies k (float target.Copies) ->
                        let before = move density sNode lNode target m0

                        match
                            MvNormalLinearUpdate.mvNormalLinearAfter
                                (Some before)
                                rule
                                Exactness.Markov
                                b
                                target
                                m0
                                s0
                                gcs
                        with
                        | Ok u -> acc |> Array.updateAt i u
                        | Error _ -> acc
                    | _ -> acc
                | _ -> acc)
            updates
