namespace HierFunctional

open System
open HierFunctional.Inference

/// A conditionally centred move of the scale x of logistic random effects θ_j ~ Normal(μ_j, sd(x)·s_j) (μ, s data):
/// seeds' centred b ~ Normal(0, τ^−½), or Oxford's non-centred σ·b with b ~ Normal(0, s), θ = σb. The plan's moves
/// hold θ (the centred form) or (θ − μ)/sd (the non-centred form) fixed while x moves; when the data pin θ only
/// weakly and x is small both forms crawl (Oxford's σ: lag-1 autocorrelation 0.85 after its non-centred slice). This
/// update slices x with z_j = (θ_j − μ_j − g_j/P_j)·√P_j fixed, where N(μ_j + g_j/P_j, 1/P_j) is θ_j's conditional
/// under the rows' quadratic expansion at θ = μ (weights w_j and scores g_j from the other nodes' current values,
/// frozen for the move) and P_j(x) = 1/(sd(x)s_j)² + w_j. For each x the map z ↔ θ is a bijection that reads
/// neither x nor θ, so slicing x on p(x, θ(x, z)) Π P_j(x)^(−1/2) is exact (when the node holds θ/x, its Jacobian
/// x^J and that of b ↦ θ cancel);
/// when the expansion is good, z is nearly independent of x and x moves close to its marginal.
[<RequireQualifiedAccess>]
module internal ConditionalCentring =

    /// θ's rows (coefficient k ≠ 0): child, row, element of θ, trials, successes, k; and per child its offset (free of
    /// x and θ).
    type private Rows =
        {
            Child: int[]
            Row: int[]
            Element: int[]
            Trials: float[]
            Successes: float[]
            K: float[]
            Offsets: (float[] -> int -> float)[]
        }

    let private rowsOf (b: Bound) (effect: NodeInfo) (children: (LinkedChild * Expr * Slot * Expr) list) =
        let parts =
            children
            |> List.map (fun (c, trials, slot, k) ->
                let child = Bound.node b c.Node.Name

                match Slots.elementOf b effect child slot with
                | Ok element when child.Event = Shape.Scalar ->
                    let zero = UpdateKit.zeroState b
                    let n = Array.init child.Copies (PolyaGammaUpdate.perRow b child trials zero)
                    let ks = Array.init child.Copies (PolyaGammaUpdate.perRow b child k zero)

                    if n |> Array.forall (fun x -> x >= 0.0 && Double.IsFinite x) then
                        Some(element, n, b.Numeric.[c.Node.Name], ks, PolyaGammaUpdate.perRow b child c.Offset)
                    else
                        None
                | _ -> None)

        if parts |> List.forall Option.isSome then
            let parts = parts |> List.map Option.get |> Array.ofList

            let rows =
                [|
                    for ci in 0 .. parts.Length - 1 do
                        let element, n, y, k, _ = parts.[ci]

                        for r in 0 .. n.Length - 1 do
                            if n.[r] > 0.0 && k.[r] <> 0.0 then
                                yield ci, r, element.[r], n.[r], y.[r], k.[r]
                |]

            Some
                {
                    Child = rows |> Array.map (fun (c, _, _, _, _, _) -> c)
                    Row = rows |> Array.map (fun (_, r, _, _, _, _) -> r)
                    Element = rows |> Array.map (fun (_, _, e, _, _, _) -> e)
                    Trials = rows |> Array.map (fun (_, _, _, n, _, _) -> n)
                    Successes = rows |> Array.map (fun (_, _, _, _, y, _) -> y)
                    K = rows |> Array.map (fun (_, _, _, _, _, k) -> k)
                    Offsets = parts |> Array.map (fun (_, _, _, _, o) -> o)
                }
        else
            None

    /// The move of x (`scale`) for the effect node: `means` and `sds` are μ and s per element, `sdOf` the group sd
    /// per unit s as a function of x, `nonCentred` whether the node holds θ/x (Oxford) rather than θ, `rest` the log
    /// density of x's prior and its dependents other than θ's prior and the rows.
    let private create
        (density: CompiledDensity)
        (scale: NodeInfo)
        (effect: NodeInfo)
        (means: float[])
        (sds: float[])
        (sdOf: float -> float)
        (nonCentred: bool)
        (rest: float[] -> float)
        (rows: Rows)
        =
        let b = density.Bound
        let j = effect.Copies
        let m = rows.Row.Length

        let scaleOff, effectOff =
            b.Layout.Offsets.[scale.Node.Name], b.Layout.Offsets.[effect.Node.Name]

        let support = scale.ParameterSupport |> Option.defaultValue Support.Real

        let name, node = scale.Node.Name, effect.Node.Name

        let method =
            $"conditional centring (slices {name} with {node} centred on its conditional given {name}, rows expanded at the prior mean)"

        {
            Node = if nonCentred then name else $"{name} | {node}"
            Method = method
            Kind = UpdateKind.Interweaving
            Exactness = Exactness.Markov
            Reason = ""
            KeepsWeight = false
            Init =
                fun _ ->
                    let widths = UpdateStep.widths 1
                    let o = Array.zeroCreate<float> m
                    let w, g = Array.zeroCreate<float> j, Array.zeroCreate<float> j
                    let z, theta = Array.zeroCreate<float> j, Array.zeroCreate<float> j

                    UpdateStep.withWidths widths (fun rng st ->
                        let s = st.Values

                        // frozen offsets and the expansion at θ = μ (hot loop)
                        Array.fill w 0 j 0.0
                        Array.fill g 0 j 0.0

                        for r in 0 .. m - 1 do
                            let e, k, n = rows.Element.[r], rows.K.[r], rows.Trials.[r]
                            o.[r] <- rows.Offsets.[rows.Child.[r]] s rows.Row.[r]
                            let p = Numerics.sigmoid (o.[r] + k * means.[e])
                            w.[e] <- w.[e] + k * k * n * p * (1.0 - p)
                            g.[e] <- g.[e] + k * (rows.Successes.[r] - n * p)

                        let x0 = s.[scaleOff]
                        let sd0 = sdOf x0

                        for e in 0 .. j - 1 do
                            let v = sd0 * sds.[e]
                            let p = 1.0 / (v * v) + w.[e]

                            let t =
                                if nonCentred then
                                    x0 * s.[effectOff + e]
                                else
                                    s.[effectOff + e]

                            z.[e] <- (t - means.[e] - g.[e] / p) * sqrt p

                        // writes x and θ(x, z) into the state it evaluates
                        let target (u: float) =
                            let x = Transform.fromUnconstrainedScalar support u
                            s.[scaleOff] <- x
                            let sd = sdOf x
                            let mutable total = Transform.logJacobianScalar support u

                            for e in 0 .. j - 1 do
                                let v = sd * sds.[e]
                                let p = 1.0 / (v * v) + w.[e]
                                let t = means.[e] + g.[e] / p + z.[e] / sqrt p
                                let d = (t - means.[e]) / v
                                theta.[e] <- t
                                s.[effectOff + e] <- if nonCentred then t / x else t
                                total <- total - 0.5 * (d * d + log p) - log v

                            for r in 0 .. m - 1 do
                                let eta = o.[r] + rows.K.[r] * theta.[rows.Element.[r]]

                                total <- total + rows.Successes.[r] * eta - rows.Trials.[r] * LogitKernel.softplus eta

                            total <- total + rest s
                            if Double.IsNaN total then -infinity else total

                        let u0 = Transform.toUnconstrainedScalar support x0
                        let r = UpdateKit.sliceStep node method rng target widths.[0].Width u0
                        target r.Value |> ignore

                        if st.Adapting then
                            widths.[0] <- Slice.adaptWidth widths.[0] u0 r.Value)
        }

    /// The effect node b, its sd and σ's children (with trials, b's slot and k) when every child of σ is a logistic row
    /// reading σ and b only through k·σ·b[index] (trials and k data), b ~ Normal(0, s) with s data is read by those
    /// rows alone, and σ by its prior and those rows alone.
    let private effectOf (density: CompiledDensity) (expanded: Model) (sigma: NodeInfo) =
        let b = density.Bound
        let sigmaName = sigma.Node.Name
        let children = Graph.children expanded sigmaName
        let childNames = children |> List.map _.Name |> Set.ofList

        let linked =
            children
            |> List.map (fun c ->
                match GlmChildren.logisticChild sigmaName c with
                | Ok({
                         Slot = Slot.Whole
                         Family = GlmFamily.Logistic trials
                     } as linked) when Factor.isDataOnly trials ->
                    match Expr.paramRefs linked.Coefficient |> List.distinct with
                    | [ e ] when not (List.contains e (Expr.paramRefs linked.Offset)) ->
                        match Linear.tryAffine e linked.Coefficient with
                        | Some(Const 0.0, (Slot.Indexed _ as slot), k) when Factor.isDataOnly k ->
                            Some(e, (linked, trials, slot, k))
                        | _ -> None
                    | _ -> None
                | _ -> None)

        let onlyReadBy (owner: string) (terms: Term[][]) =
            terms
            |> Array.forall (Array.forall (fun t -> t.Node = owner || childNames.Contains t.Node))

        match linked with
        | Some(e, _) :: _ when
            not childNames.IsEmpty
            && linked |> List.forall (Option.exists (fun (e', _) -> e' = e))
            ->
            let effect = b.NodeMap.[e]

            let effectChildren = Graph.children expanded e |> List.map _.Name |> Set.ofList

            match effect.Node.Kind, effect.Node.Plate with
            | NodeKind.Parameter(Dist.Normal(Const 0.0, sd)), Plate.Over _ when
                Factor.isDataOnly sd
                && effect.Event = Shape.Scalar
                && effectChildren = childNames
                && onlyReadBy sigmaName density.Dependents.[sigmaName]
                && onlyReadBy e density.Dependents.[e]
                ->
                Some(effect, sd, linked |> List.map (Option.get >> snd))
            | _ -> None
        | _ -> None

    /// θ's rows when every child of θ is a logistic row linear in θ with data trials and coefficient and an offset
    /// free of θ and x.
    let private centredRows (b: Bound) (expanded: Model) (theta: NodeInfo) (x: string) =
        let linked =
            Graph.children expanded theta.Node.Name
            |> List.map (fun c ->
                match GlmChildren.logisticChild theta.Node.Name c with
                | Ok({ Family = GlmFamily.Logistic trials } as l) when
                    Factor.isDataOnly trials
                    && Factor.isDataOnly l.Coefficient
                    && not (List.contains x (Expr.paramRefs l.Offset))
                    ->
                    Some(l, trials, l.Slot, l.Coefficient)
                | _ -> None)

        if not linked.IsEmpty && linked |> List.forall Option.isSome then
            rowsOf b theta (linked |> List.map Option.get)
        else
            None

    /// One step per continuous scalar global σ whose own slice update keeps no mixing weight and that scales
    /// non-centred logistic effects as `effectOf` describes (in place of that slice), and one per fixed-mean logistic
    /// random effect with a scale parameter that `LogitScaleInterweave` interweaves (in place of that step).
    let add (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        let b = density.Bound

        let nonCentred =
            b.Nodes
            |> List.choose (fun info ->
                match info.Node.Kind with
                | NodeKind.Parameter d when
                    (match Dist.support d with
                     | Support.Real
                     | Support.Positive
                     | Support.UnitInterval
                     | Support.Interval _ -> true
                     | _ -> false)
                    && Factor.isScalarGlobalParameter b info.Node.Name
                    && updates
                       |> Array.exists (fun u ->
                           u.Node = info.Node.Name && u.Kind = UpdateKind.Slice && not u.KeepsWeight)
                    ->
                    effectOf density expanded info
                    |> Option.bind (fun (effect, sd, children) ->
                        rowsOf b effect children
                        |> Option.map (fun rows ->
                            let j = effect.Copies
                            let prior = density.Term { Node = info.Node.Name; Copy = 0 }

                            create
                                density
                                info
                                effect
                                (Array.zeroCreate j)
                                (UpdateKit.precompute b effect.Scope j sd)
                                id
                                true
                                prior
                                rows))
                | _ -> None)

        let centred =
            LogitScaleInterweave.candidates b updates
            |> Array.toList
            |> List.choose (fun (theta, mean, tau, link) ->
                centredRows b expanded theta tau.Node.Name
                |> Option.map (fun rows ->
                    let sdOf = InterweaveKit.sdOf link

                    let j = theta.Copies

                    create
                        density
                        tau
                        theta
                        (UpdateKit.precompute b theta.Scope j mean)
                        (Array.create j 1.0)
                        sdOf
                        false
                        (InterweaveKit.tauRest density theta tau)
                        rows))

        // Each step generalises the move it replaces (w = 0 gives z = (θ − μ)/sd, the non-centred form): σ's own
        // slice with b fixed, and `LogitScaleInterweave`'s slice of τ with (θ − μ)/sd fixed; keeping both cost time
        // for little ESS (bench/results/glmmsig-2026-12-07.md).
        let replaced = (nonCentred @ centred) |> List.map _.Node |> Set.ofList

        let kept =
            updates
            |> Array.filter (fun u ->
                not (
                    replaced.Contains u.Node
                    && (u.Kind = UpdateKind.Interweaving || u.Kind = UpdateKind.Slice)
                ))

        Array.append kept (Array.ofList (nonCentred @ centred))
