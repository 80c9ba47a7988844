namespace HierFunctional

open System
open MathNet.Numerics
open MathNet.Numerics.Distributions
open HierFunctional.Inference

/// The shape α of iid Gamma(shape(α), β) children whose rate β has a Gamma(c, d) prior and no other children (BUGS
/// pumps): β integrates out in closed form, p(α | θ) ∝ p(α) Π θ^(a−1)/Γ(a)^J · Γ(c + Ja)/(d + Σθ)^(c + Ja) with
/// a = shape(α), so α is slice-sampled on that marginal and β then drawn from Gamma(c + Ja, d + Σθ) — one blocked
/// Gibbs step for (α, β) given θ, which removes the α–β correlation that slows the one-at-a-time sweep.
[<RequireQualifiedAccess>]
module internal CollapsedRate =

    /// The pattern's parts: α's own prior term, the child node, its shape expression, β's name and prior (c, d).
    type private Pattern =
        {
            Child: NodeInfo
            Shape: Expr
            Rate: string
            C: Expr
            D: Expr
        }

    /// One chain's scratch for the update (made by its `Init`): the chain state and the α-free terms of the current
    /// update, read by a log-marginal closure built once per chain, so an update allocates nothing. Fields are
    /// written at the start of each update.
    [<AllowNullLiteral>]
    type private Scratch() =
        member val Values: float[] = null with get, set
        member val SumLog = 0.0 with get, set
        member val Fixed = 0.0 with get, set
        member val C = 0.0 with get, set
        member val LogRate = 0.0 with get, set
        member val LogMarginal: float -> float = (fun _ -> nan) with get, set

    let private find (density: CompiledDensity) (alpha: NodeInfo) : Pattern option =
        let b = density.Bound
        let name = alpha.Node.Name
        let deps = density.Dependents.[name].[0] |> Array.distinct

        match deps |> Array.map (fun t -> t.Node) |> Array.distinct, alpha.Node.Kind with
        | [| child |], NodeKind.Parameter prior when Factor.isScalarGlobalParameter b name ->
            let info = b.NodeMap.[child]

            match info.Node.Kind with
            | NodeKind.Parameter(Dist.Gamma(shape, Param rate))
            | NodeKind.Observed(Dist.Gamma(shape, Param rate)) when
                info.Event = Shape.Scalar
                && deps.Length = info.Copies
                && rate <> name
                && Factor.isScalarGlobalParameter b rate
                && Factor.readsOnlyScalarGlobals b shape
                && not (Expr.dependsOn rate shape)
                && Dist.arguments prior |> List.forall (fun (_, e) -> not (Expr.dependsOn rate e))
                ->
                let rateDeps = density.Dependents.[rate].[0] |> Array.distinct

                match b.NodeMap.[rate].Node.Kind with
                | NodeKind.Parameter(Dist.Gamma(c, d)) when
                    rateDeps.Length = info.Copies
                    && rateDeps |> Array.forall (fun t -> t.Node = child)
                    && [ c; d ]
                       |> List.forall (fun e ->
                           Factor.readsOnlyScalarGlobals b e
                           && not (Expr.dependsOn name e)
                           && not (Expr.dependsOn rate e))
                    ->
                    Some
                        {
                            Child = info
                            Shape = shape
                            Rate = rate
                            C = c
                            D = d
                        }
                | _ -> None
            | _ -> None
        | _ -> None

    /// The update of α (with β drawn after it), or None when the pattern does not hold.
    let tryCreate (density: CompiledDensity) (alpha: NodeInfo) (support: Support) (reason: string) : Update option =
        find density alpha
        |> Option.map (fun p ->
            let b = density.Bound
            let name = alpha.Node.Name
            let off = b.Layout.Offsets.[name]
            let rateOff = b.Layout.Offsets.[p.Rate]
            let own = density.Term { Node = name; Copy = 0 }
            let scalar e = Eval.compileScalar b Scope.Global e
            let shapeF, cF, dF = scalar p.Shape, scalar p.C, scalar p.D
            let n = p.Child.Copies
            let fn = float n

            let value =
                match p.Child.Node.Kind with
                | NodeKind.Observed _ ->
                    let ys = b.Numeric.[p.Child.Node.Name]
                    fun (_: float[]) r -> ys.[r]
                | _ ->
                    let o = b.Layout.Offsets.[p.Child.Node.Name]
                    fun (s: float[]) r -> s.[o + r]

            let rule = $"slice (collapsed {p.Rate})"

            // The log marginal of α at unconstrained u, with the α-free terms from the scratch (LogGamma: half the
            // cost of the Lanczos GammaLn, and it is called twice per evaluation).
            let logMarginal (sc: Scratch) (u: float) =
                let s = sc.Values
                s.[off] <- Transform.fromUnconstrainedScalar support u
                let a = shapeF s 0

                if a > 0.0 then
                    let ca = sc.C + fn * a

                    own s - fn * LogGamma.value a
                    + (a - 1.0) * sc.SumLog
                    + sc.Fixed
                    + LogGamma.value ca
                    - ca * sc.LogRate
                    + Transform.logJacobianScalar support u
                else
                    Double.NegativeInfinity

            let run (sc: Scratch) (widths: SliceWidth[]) (rng: Random) (st: ChainState) =
                let s = st.Values
                // Σ log θ and Σ θ, once per update (local accumulators).
                let mutable sumLog = 0.0
                let mutable sum = 0.0

                for r in 0 .. n - 1 do
                    let v = value s r
                    sumLog <- sumLog + log v
                    sum <- sum + v

                let c, d = cF s 0, dF s 0

                if not (Double.IsFinite sumLog && Double.IsFinite sum && c > 0.0 && d > 0.0) then
                    UpdateKit.fail name rule $"the children's sufficient statistics are not finite ({sumLog}, {sum})"

                // Terms of the log marginal that do not depend on α, once per update.
                sc.Values <- s
                sc.SumLog <- sumLog
                sc.Fixed <- c * log d - SpecialFunctions.GammaLn c
                sc.C <- c
                sc.LogRate <- log (d + sum)
                let f = sc.LogMarginal

                let w = widths.[0]
                let u0 = Transform.toUnconstrainedScalar support s.[off]
                let f0 = f u0

                if not (Double.IsFinite f0) then
                    UpdateKit.fail name rule $"the log-density at the current value is {f0}"

                // The density at u0 is passed in, so it is evaluated once (UpdateKit.sliceStep would do it twice).
                let r = Slice.stepFrom rng f w.Width UpdateKit.maxSteps u0 f0
                s.[off] <- Transform.fromUnconstrainedScalar support r.Value

                if st.Adapting then
                    widths.[0] <- Slice.adaptWidth w u0 r.Value

                let beta = GammaVariate.sample rng (c + fn * shapeF s 0) (d + sum)
                UpdateKit.checkFinite name rule beta
                s.[rateOff] <- beta

            {
                Node = name
                Method = rule
                Kind = UpdateKind.CollapsedSlice
                Exactness = Exactness.Approximate
                Reason = reason
                KeepsWeight = false
                Init =
                    fun _ ->
                        // this chain's scratch: the log marginal closes over it once, so a move allocates nothing
                        let sc = Scratch()
                        sc.LogMarginal <- logMarginal sc
                        let widths = UpdateStep.widths 1
                        UpdateStep.withWidths widths (run sc widths)
            })
