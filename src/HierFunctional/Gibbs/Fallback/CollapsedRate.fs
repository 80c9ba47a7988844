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

    /// One chain's scratch for the update (made by `scratch`): the chain state and the α-free terms of the current
    /// update, read by a log-marginal closure built once per chain, so an update allocates nothing. Fields are
    /// written at the start of each update.
    [<AllowNullLiteral>]
    type internal Scratch() =
        member val Values: float[] = null with get, set
        member val SumLog = 0.0 with get, set
        member val Fixed = 0.0 with get, set
        member val C = 0.0 with get, set
        member val LogRate = 0.0 with get, set
        member val LogMarginal: float -> float = (fun _ -> nan) with get, set

    /// What a move of (α, β) reads besides the children's sums: α's own log-prior term, the children's shape and
    /// β's prior arguments as functions of the state, α's support, where α and β sit in the state, and J.
    type internal Move =
        {
            Name: string
            Rule: string
            Own: float[] -> float
            Shape: float[] -> float
            C: float[] -> float
            D: float[] -> float
            Support: Support
            Offset: int
            RateOffset: int
            Count: float
        }

    /// The log marginal of α at unconstrained u, with the α-free terms from the scratch (LogGamma: half the cost
    /// of the Lanczos GammaLn, and it is called twice per evaluation).
    let private logMarginal (m: Move) (sc: Scratch) (u: float) =
        let s = sc.Values
        s.[m.Offset] <- Transform.fromUnconstrainedScalar m.Support u
        let a = m.Shape s

        if a > 0.0 then
            let ca = sc.C + m.Count * a

            m.Own s - m.Count * LogGamma.value a
            + (a - 1.0) * sc.SumLog
            + sc.Fixed
            + LogGamma.value ca
            - ca * sc.LogRate
            + Transform.logJacobianScalar m.Support u
        else
            Double.NegativeInfinity

    /// A chain's scratch for moves of `m`: its log marginal closes over it once, so a move allocates nothing.
    let internal scratch (m: Move) =
        let sc = Scratch()
        sc.LogMarginal <- logMarginal m sc
        sc

    /// Σ log θ and Σ θ of the children in the fixed block order (`BlockSums`); inlined, so no closure per sweep.
    let inline internal childSums ([<InlineIfLambda>] value: int -> float) (n: int) =
        struct (BlockSums.total (fun r -> log (value r)) n, BlockSums.total value n)

    /// One move from the children's sums: α slice-sampled on its marginal with β integrated out (width adapted
    /// when `adapting`), then β drawn from Gamma(c + J·a, d + Σθ). Writes α and β into `s`.
    let internal moveFromSums
        (m: Move)
        (sc: Scratch)
        (widths: SliceWidth[])
        (rng: Random)
        (adapting: bool)
        (s: float[])
        (sumLog: float)
        (sum: float)
        =
        let c, d = m.C s, m.D s

        if not (Double.IsFinite sumLog && Double.IsFinite sum && c > 0.0 && d > 0.0) then
            UpdateKit.fail m.Name m.Rule $"the children's sufficient statistics are not finite ({sumLog}, {sum})"

        // Terms of the log marginal that do not depend on α, once per update.
        sc.Values <- s
        sc.SumLog <- sumLog
        sc.Fixed <- c * log d - SpecialFunctions.GammaLn c
        sc.C <- c
        sc.LogRate <- log (d + sum)
        let f = sc.LogMarginal

        let w = widths.[0]
        let u0 = Transform.toUnconstrainedScalar m.Support s.[m.Offset]
        let f0 = f u0

        if not (Double.IsFinite f0) then
            UpdateKit.fail m.Name m.Rule $"the log-density at the current value is {f0}"

        // The density at u0 is passed in, so it is evaluated once (UpdateKit.sliceStep would do it twice).
        let r = Slice.stepFrom rng f w.Width UpdateKit.maxSteps u0 f0
        s.[m.Offset] <- Transform.fromUnconstrainedScalar m.Support r.Value

        if adapting then
            widths.[0] <- Slice.adaptWidth w u0 r.Value

        let beta = GammaVariate.sample rng (c + m.Count * m.Shape s) (d + sum)
        UpdateKit.checkFinite m.Name m.Rule beta
        s.[m.RateOffset] <- beta

    let private find (density: CompiledDensity) (alpha: NodeInfo) : Pattern option =
        let b = density.Bound
        let name = alpha.Node.Name
        // A copy's dependents list each term once (`Trace.dependents`), so they need no `distinct` (a hash set
        // of J terms at J = 10⁷).
        let deps = density.Dependents.[name].[0]

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
                let rateDeps = density.Dependents.[rate].[0]

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
            let scalar e = Eval.compileScalar b Scope.Global e
            let shapeF, cF, dF = scalar p.Shape, scalar p.C, scalar p.D
            let n = p.Child.Copies
            let rule = $"slice (collapsed {p.Rate})"

            let m =
                {
                    Name = name
                    Rule = rule
                    Own = density.Term { Node = name; Copy = 0 }
                    Shape = fun s -> shapeF s 0
                    C = fun s -> cF s 0
                    D = fun s -> dF s 0
                    Support = support
                    Offset = b.Layout.Offsets.[name]
                    RateOffset = b.Layout.Offsets.[p.Rate]
                    Count = float n
                }

            let run (sc: Scratch) (widths: SliceWidth[]) (rng: Random) (st: ChainState) =
                let s = st.Values

                let struct (sumLog, sum) =
                    match p.Child.Node.Kind with
                    | NodeKind.Observed _ ->
                        let ys = b.Numeric.[p.Child.Node.Name]
                        childSums (fun r -> ys.[r]) n
                    | _ ->
                        let o = b.Layout.Offsets.[p.Child.Node.Name]
                        childSums (fun r -> s.[o + r]) n

                moveFromSums m sc widths rng st.Adapting s sumLog sum

            {
                Node = name
                Method = rule
                Kind = UpdateKind.CollapsedSlice
                Exactness = Exactness.Markov
                Reason = reason
                KeepsWeight = false
                Init =
                    fun _ ->
                        let widths = UpdateStep.widths 1
                        UpdateStep.withWidths widths (run (scratch m) widths)
            })
