namespace HierFunctional

open System
open HierFunctional.Inference

/// A conditionally centred move of a scale σ that multiplies non-centred effects b_j ~ Normal(0, s_j) (s data) in
/// logistic rows, Oxford's η = … + σ·b[stratum]. The plan slices σ with b fixed (the non-centred form); when σ is
/// small the data pin θ = σb, b follows σ and σ crawls (lag-1 autocorrelation 0.85 on Oxford). This update slices σ
/// with z_j = (b_j − m_j(σ))·√P_j(σ) fixed instead, where N(m_j(σ), 1/P_j(σ)) is b_j's conditional under the rows'
/// quadratic expansion at θ = 0 (weights w_j and scores g_j from the other nodes' current values, frozen for the
/// move): P_j = 1/s_j² + σ²w_j, m_j = σg_j/P_j. The map z ↔ b is a bijection for each σ that reads neither σ nor b,
/// so slicing σ on p(σ, b(σ, z)) Π P_j(σ)^(−1/2) is exact; when the expansion is good, z is nearly independent of σ
/// and the step moves σ close to its marginal.
[<RequireQualifiedAccess>]
module internal SufficientScale =

    /// σ's rows that read b (coefficient k ≠ 0): child, row, element of b, trials, successes, k; and per child its
    /// offset (free of σ and b).
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

    let private create (density: CompiledDensity) (sigma: NodeInfo) (effect: NodeInfo) (sd: Expr) (rows: Rows) =
        let b = density.Bound
        let j = effect.Copies
        let m = rows.Row.Length

        let precision0 =
            UpdateKit.precompute b effect.Scope j sd |> Array.map (fun x -> 1.0 / (x * x))

        let sigmaOff, effectOff =
            b.Layout.Offsets.[sigma.Node.Name], b.Layout.Offsets.[effect.Node.Name]

        let prior = density.Term { Node = sigma.Node.Name; Copy = 0 }

        let support =
            match sigma.Node.Kind with
            | NodeKind.Parameter d -> Dist.support d
            | _ -> Support.Real

        let name, node = sigma.Node.Name, effect.Node.Name

        let method =
            $"conditionally centred slice ({name} with {node} centred on its conditional given {name}, rows expanded at {name}*{node} = 0)"

        {
            Node = $"{name} | {node}"
            Method = method
            Kind = UpdateKind.Interweaving
            Exactness = Exactness.Approximate
            Reason = ""
            KeepsWeight = false
            Init =
                fun _ ->
                    let widths = UpdateStep.widths 1
                    let o = Array.zeroCreate<float> m

                    let w, g, z =
                        Array.zeroCreate<float> j, Array.zeroCreate<float> j, Array.zeroCreate<float> j

                    UpdateStep.withWidths widths (fun rng st ->
                        let s = st.Values

                        // frozen offsets and the expansion at θ = 0 (hot loop)
                        Array.fill w 0 j 0.0
                        Array.fill g 0 j 0.0

                        for r in 0 .. m - 1 do
                            let ci = rows.Child.[r]
                            let eta = rows.Offsets.[ci] s rows.Row.[r]
                            o.[r] <- eta
                            let p = Numerics.sigmoid eta
                            let e, k, n = rows.Element.[r], rows.K.[r], rows.Trials.[r]
                            w.[e] <- w.[e] + k * k * n * p * (1.0 - p)
                            g.[e] <- g.[e] + k * (rows.Successes.[r] - n * p)

                        let sigma0 = s.[sigmaOff]

                        for e in 0 .. j - 1 do
                            let p = precision0.[e] + sigma0 * sigma0 * w.[e]
                            z.[e] <- (s.[effectOff + e] - sigma0 * g.[e] / p) * sqrt p

                        // writes σ and b(σ, z) into the state it evaluates
                        let target (u: float) =
                            let x = Transform.fromUnconstrainedScalar support u
                            s.[sigmaOff] <- x
                            let mutable total = prior s + Transform.logJacobianScalar support u

                            for e in 0 .. j - 1 do
                                let p = precision0.[e] + x * x * w.[e]
                                let be = x * g.[e] / p + z.[e] / sqrt p
                                s.[effectOff + e] <- be
                                total <- total - 0.5 * (be * be * precision0.[e] + log p)

                            for r in 0 .. m - 1 do
                                let eta = o.[r] + rows.K.[r] * x * s.[effectOff + rows.Element.[r]]

                                total <- total + rows.Successes.[r] * eta - rows.Trials.[r] * LogitKernel.softplus eta

                            if Double.IsNaN total then -infinity else total

                        let u0 = Transform.toUnconstrainedScalar support sigma0
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

    /// Appends one step per continuous scalar global σ whose update keeps no mixing weight and that scales non-centred
    /// logistic effects as `effectOf` describes.
    let add (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        let b = density.Bound

        let extra =
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
                    && updates |> Array.exists (fun u -> u.Node = info.Node.Name && not u.KeepsWeight)
                    ->
                    effectOf density expanded info
                    |> Option.bind (fun (effect, sd, children) ->
                        rowsOf b effect children |> Option.map (create density info effect sd))
                | _ -> None)
            |> Array.ofList

        Array.append updates extra
