namespace HierFunctional

open System
open HierFunctional.Inference

/// The executors of the Gamma-prior rules on a scalar rate: Gamma-Exponential and the Gamma rate of Gamma children.
[<RequireQualifiedAccess>]
module internal GammaRateUpdates =

    let private scalarUpdate (b: Bound) (target: NodeInfo) (rule: string) (draw: Random -> float[] -> float) =
        let name = target.Node.Name
        let off = b.Layout.Offsets.[name]

        Ok
            {
                Node = name
                Method = rule
                Kind = UpdateKind.Rule rule
                Exactness = Exactness.Exact
                Reason = ""
                KeepsWeight = false
                Init =
                    fun _ ->
                        UpdateStep.scratch (fun rng st ->
                            let x = Numerics.positive (draw rng st.Values)
                            UpdateKit.checkFinite name rule x
                            st.Values.[off] <- x)
            }

    /// Σ of a child's values and its number of copies.
    let private childTotal (b: Bound) (node: Node) =
        let child = Bound.node b node.Name
        let value = Slots.childValues b child

        child.Copies,
        (fun s ->
            let mutable t = 0.0 in

            (for r in 0 .. child.Copies - 1 do
                t <- t + value s r)

            t)

    /// Gamma(a, rate b) × Exponential children → Gamma(a + n, b + Σx).
    let gammaExponential (b: Bound) (target: NodeInfo) (shape: Expr) (rate: Expr) (children: Node list) =
        let af, rf =
            Eval.compileScalar b Scope.Global shape, Eval.compileScalar b Scope.Global rate

        let totals = children |> List.map (childTotal b)
        let n = totals |> List.sumBy (fst >> float)

        scalarUpdate b target CountConjugacy.gammaExponential.Name (fun rng s ->
            ConjugatePosterior.drawGammaExponential
                rng
                { Shape = af s 0; Rate = rf s 0 }
                n
                (totals |> List.sumBy (fun (_, f) -> f s)))

    /// Gamma(c, rate d) on the rate of Gamma(s_i, β) children → Gamma(c + Σ s_i, d + Σ x_i).
    let gammaRateOfGamma (b: Bound) (target: NodeInfo) (shape: Expr) (rate: Expr) (children: (Node * Expr) list) =
        let cf, df =
            Eval.compileScalar b Scope.Global shape, Eval.compileScalar b Scope.Global rate

        let parts =
            children
            |> List.map (fun (node, childShape) ->
                let child = Bound.node b node.Name
                let shapeF = Eval.compileScalar b child.Scope childShape
                let value = Slots.childValues b child
                let copies = child.Copies

                match child.Node.Kind with
                | NodeKind.Parameter _ when Factor.readsOnlyScalarGlobals b childShape ->
                    // One shape for every copy and the values read straight from the state (BUGS pumps' θ), summed
                    // in the fixed block order (`BlockSums`) so shards of the groups reproduce Σθ.
                    let off = b.Layout.Offsets.[child.Node.Name]

                    fun (s: float[]) ->
                        struct (float copies * shapeF s 0, BlockSums.total (fun r -> s.[off + r]) copies)
                | _ ->
                    fun (s: float[]) ->
                        let mutable shapes = 0.0
                        let mutable total = 0.0

                        for r in 0 .. copies - 1 do
                            shapes <- shapes + shapeF s r
                            total <- total + value s r

                        struct (shapes, total))

        scalarUpdate b target CountConjugacy.gammaRateOfGamma.Name (fun rng s ->
            let mutable shapes = 0.0
            let mutable total = 0.0

            for p in parts do
                let struct (a, t) = p s
                shapes <- shapes + a
                total <- total + t

            ConjugatePosterior.drawGammaRate rng { Shape = cf s 0; Rate = df s 0 } shapes 1.0 total)
