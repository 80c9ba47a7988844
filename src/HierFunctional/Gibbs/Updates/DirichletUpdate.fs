namespace HierFunctional

open HierFunctional.Inference

/// The executor of the Dirichlet-Multinomial rule: Dirichlet(α) × Categorical children → Dirichlet(α + counts).
[<RequireQualifiedAccess>]
module internal DirichletUpdate =

    /// Dirichlet(α) × Categorical (observed codes 0..K−1) children → Dirichlet(α + counts).
    let dirichletCounts (b: Bound) (target: NodeInfo) (concentration: Expr) (children: Node list) =
        if children |> List.exists (fun c -> not c.Kind.IsObserved) then
            Error "latent categorical children are not supported"
        else
            let k = target.Dim
            let counts = Array.zeroCreate k

            for c in children do
                match c.Kind with
                | NodeKind.Observed(Dist.Categorical _) ->
                    for y in b.Numeric.[c.Name] do
                        counts.[int y] <- counts.[int y] + 1.0
                | _ ->
                    let m = b.Matrices.[c.Name]

                    for r in 0 .. Array2D.length1 m - 1 do
                        for j in 0 .. k - 1 do
                            counts.[j] <- counts.[j] + m.[r, j]

            let name = target.Node.Name
            let off = b.Layout.Offsets.[name]
            let alpha = Eval.compileValue b Scope.Global concentration

            Ok
                {
                    Node = name
                    Method = CountConjugacy.dirichletCounts.Name
                    Kind = UpdateKind.Rule CountConjugacy.dirichletCounts.Name
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun _ ->
                            UpdateStep.scratch (fun rng st ->
                                let p =
                                    ConjugatePosterior.drawDirichlet rng (Value.vector (alpha st.Values 0)) counts

                                p |> Array.iter (UpdateKit.checkFinite name CountConjugacy.dirichletCounts.Name)
                                Array.blit p 0 st.Values off k)
                }
