namespace HierFunctional

open System
open HierFunctional.Inference

/// Per target element Σ y and Σ size (trials or exposure) over Binomial or Poisson children, summed once at compile
/// time where the children are data, and the element-wise update the Beta-Binomial and Gamma-Poisson executors share.
[<RequireQualifiedAccess>]
module internal CountSums =

    /// Per target element Σ y and Σ data-part of the size over an observed count child's rows, and each element's
    /// representative row: the compile-time half of a size that factors as (invariant) × (data), shared by
    /// `countSums` and `staticCountSums` so both sum in the same order.
    let private observedCountSums (b: Bound) (n: int) (child: NodeInfo) (elementOf: int[]) (data: Expr) =
        let value = Slots.childValues b child
        let zero = UpdateKit.zeroState b
        let d = UpdateKit.precompute b child.Scope child.Copies data
        let ySum = Array.zeroCreate n
        let dSum = Array.zeroCreate n

        for r in 0 .. child.Copies - 1 do
            let e = elementOf.[r]
            ySum.[e] <- ySum.[e] + value zero r
            dSum.[e] <- dSum.[e] + d.[r]

        ySum, dSum, Slots.representatives n elementOf

    /// Per target element: Σ y and Σ size over count children, for the current state. Observed children with a
    /// size that factors as (level-invariant) × (data) are summed once at compile time.
    let internal countSums (b: Bound) (target: NodeInfo) (children: CountChild list) =
        let n = target.Copies

        let parts =
            children
            |> List.map (fun c ->
                let child = Bound.node b c.Node.Name
                let elementOf = Slots.elementOf b target child c.Slot |> Result.defaultWith failwith
                let value = Slots.childValues b child

                match Factor.split b (Slots.group c.Slot) c.Size with
                | Some(inv, data) when c.Node.Kind.IsObserved ->
                    let ySum, dSum, repr = observedCountSums b n child elementOf data
                    let invF = Eval.compileScalar b child.Scope inv

                    fun (s: float[]) (ys: float[]) (sizes: float[]) ->
                        for e in 0 .. n - 1 do
                            if repr.[e] >= 0 then
                                ys.[e] <- ys.[e] + ySum.[e]
                                sizes.[e] <- sizes.[e] + invF s repr.[e] * dSum.[e]
                | _ ->
                    let sizeF = Eval.compileScalar b child.Scope c.Size

                    fun s ys sizes ->
                        for r in 0 .. child.Copies - 1 do
                            let e = elementOf.[r]
                            ys.[e] <- ys.[e] + value s r
                            sizes.[e] <- sizes.[e] + sizeF s r)
            |> Array.ofList

        fun (s: float[]) (ys: float[]) (sizes: float[]) ->
            Array.Clear ys
            Array.Clear sizes

            for p in parts do
                p s ys sizes

    /// The element-wise update of a Beta-Binomial or Gamma-Poisson rule: the sums once per sweep, then each element j
    /// drawn by `draw` from its own group stream (group-wise: the draws do not depend on how elements are split).
    let countUpdate
        (b: Bound)
        (target: NodeInfo)
        (children: CountChild list)
        (rule: string)
        (draw: Random -> float[] -> int -> float -> float -> float)
        =
        let bad =
            children
            |> List.tryPick (fun c ->
                match Slots.elementOf b target (Bound.node b c.Node.Name) c.Slot with
                | Error why -> Some why
                | Ok _ -> None)

        match bad with
        | Some why -> Error why
        | None ->
            let name = target.Node.Name
            let n = target.Copies
            let off = b.Layout.Offsets.[name]
            let sums = countSums b target children

            Ok
                {
                    Node = name
                    Method = rule
                    Kind = UpdateKind.Rule rule
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun setup ->
                            let ys, sizes = Array.zeroCreate n, Array.zeroCreate n

                            UpdateStep.groupWise
                                {
                                    Count = n
                                    Prepare = fun _ st -> sums st.Values ys sizes
                                    RunRange =
                                        fun gs st lo hi ->
                                            let s = st.Values

                                            for j in lo .. hi - 1 do
                                                let rng = gs.PhiloxInOrder(setup.Index, st.Sweep, j) :> Random
                                                let x = draw rng s (UpdateKit.targetIndex target j) ys.[j] sizes.[j]
                                                UpdateKit.checkFinite name rule x
                                                s.[off + j] <- x
                                }
                }

    /// Per target element (Σ y, Σ size) when they do not depend on the state: every child observed, with a size
    /// that factors as (constant) × (data). Summed in the same order as `countSums`, so the values are identical.
    let internal staticCountSums
        (b: Bound)
        (target: NodeInfo)
        (children: CountChild list)
        : (float[] * float[]) option =
        let n = target.Copies

        let fixedPart (c: CountChild) =
            let child = Bound.node b c.Node.Name

            match Slots.elementOf b target child c.Slot, Factor.split b (Slots.group c.Slot) c.Size with
            | Ok elementOf, Some(inv, data) when
                c.Node.Kind.IsObserved
                && List.isEmpty (Expr.paramRefs inv)
                && List.isEmpty (Expr.columnRefs inv)
                ->
                Some(child, elementOf, inv, data)
            | _ -> None

        let parts = children |> List.map fixedPart

        if children.IsEmpty || parts |> List.exists Option.isNone then
            None
        else
            let ys = Array.zeroCreate n
            let sizes = Array.zeroCreate n
            let zero = UpdateKit.zeroState b

            for (child, elementOf, inv, data) in List.choose id parts do
                let ySum, dSum, repr = observedCountSums b n child elementOf data
                let invF = Eval.compileScalar b child.Scope inv

                for e in 0 .. n - 1 do
                    if repr.[e] >= 0 then
                        ys.[e] <- ys.[e] + ySum.[e]
                        sizes.[e] <- sizes.[e] + invF zero repr.[e] * dSum.[e]

            Some(ys, sizes)
