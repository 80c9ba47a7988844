namespace HierFunctional

open System
open HierFunctional.Inference

/// The slice-sampling fallback: element-wise (and coordinate-wise for vector values) on the unconstrained scale,
/// with the log-Jacobian, evaluating only the Markov blanket of the element being moved.
[<RequireQualifiedAccess>]
module internal SliceUpdate =

    let private scalar (density: CompiledDensity) (info: NodeInfo) (support: Support) =
        let name = info.Node.Name
        let off = density.Bound.Layout.Offsets.[name]
        let blankets = Array.init info.Copies (density.BlanketElement name)

        fun (_: ChainSetup) ->
            let widths = UpdateStep.widths info.Copies

            UpdateStep.withWidths widths (fun rng st ->
                let s = st.Values

                for j in 0 .. info.Copies - 1 do
                    let blanket = blankets.[j]

                    let f u =
                        s.[off + j] <- Transform.fromUnconstrainedScalar support u
                        blanket s + Transform.logJacobianScalar support u

                    let w = widths.[j]
                    let u0 = Transform.toUnconstrainedScalar support s.[off + j]
                    let r = UpdateKit.sliceStep name "slice" rng f w.Width u0
                    s.[off + j] <- Transform.fromUnconstrainedScalar support r.Value

                    if st.Adapting then
                        widths.[j] <- Slice.adaptWidth w u0 r.Value)

    /// One slice step of a single scalar global per update on a blanket that `prepare` summarises into the chain's own
    /// scratch (from `scratch`) once per update, so that each evaluation (`eval`) reads the summary, not the children.
    let private summarisedBy
        (density: CompiledDensity)
        (info: NodeInfo)
        (support: Support)
        (scratch: unit -> 'S)
        (prepare: float[] -> 'S -> unit)
        (eval: float[] -> 'S -> float)
        =
        let name = info.Node.Name
        let off = density.Bound.Layout.Offsets.[name]

        fun (_: ChainSetup) ->
            let widths = UpdateStep.widths 1
            let summary = scratch ()

            UpdateStep.withWidths widths (fun rng st ->
                let s = st.Values
                prepare s summary

                let f u =
                    s.[off] <- Transform.fromUnconstrainedScalar support u
                    eval s summary + Transform.logJacobianScalar support u

                let w = widths.[0]
                let u0 = Transform.toUnconstrainedScalar support s.[off]
                let r = UpdateKit.sliceStep name "slice" rng f w.Width u0
                s.[off] <- Transform.fromUnconstrainedScalar support r.Value

                if st.Adapting then
                    widths.[0] <- Slice.adaptWidth w u0 r.Value)

    /// A single scalar global whose blanket has children summarised by sufficient statistics: the statistics are
    /// filled once per update into the step's own array, then each slice evaluation costs O(1) in the number of children.
    let private summarised (density: CompiledDensity) (info: NodeInfo) (support: Support) (sb: SufficientBlanket) =
        summarisedBy density info support (fun () -> Array.zeroCreate<float> sb.Size) sb.Fill sb.Eval

    /// A single scalar global whose blanket is its own prior and binomial-logit rows linear in it (Oxford's σ, which
    /// scales non-centred effects): the rows' offsets and coefficients are frozen once per update (`LogitRows`), so
    /// each slice evaluation costs one exp and one log per row instead of every child's density term.
    let private logistic (density: CompiledDensity) (info: NodeInfo) (support: Support) (rows: LogitRows.Rows) =
        let prior = density.Term { Node = info.Node.Name; Copy = 0 }

        summarisedBy
            density
            info
            support
            (fun () -> LogitRows.buffers rows)
            (fun s frozen -> LogitRows.freeze rows frozen s)
            (fun s frozen -> prior s + LogitRows.logLikelihood rows frozen s)

    /// The node's logistic rows when its blanket is exactly its own prior and those rows (no other term reads it).
    let private logisticRows (density: CompiledDensity) (info: NodeInfo) : LogitRows.Rows option =
        let b = density.Bound
        let expanded = Graph.expand b.Model

        match LogitRows.tryCreate b expanded info [] with
        | Some rows ->
            let children =
                Graph.children expanded info.Node.Name |> List.map _.Name |> Set.ofList

            let onlyRows =
                match density.Dependents.TryFind info.Node.Name with
                | Some terms when terms.Length = 1 ->
                    terms.[0]
                    |> Array.forall (fun t -> t.Node = info.Node.Name || children.Contains t.Node)
                | _ -> false

            // every row with trials is in `rows`; rows without trials add nothing to the log-likelihood
            if onlyRows then Some rows else None
        | None -> None

    let private vector (density: CompiledDensity) (info: NodeInfo) (support: Support) (size: int) (usize: int) =
        let name = info.Node.Name
        let off = density.Bound.Layout.Offsets.[name]
        let blankets = Array.init info.Copies (density.BlanketElement name)

        fun (_: ChainSetup) ->
            let widths = UpdateStep.widths (info.Copies * usize)

            UpdateStep.withWidths widths (fun rng st ->
                let s = st.Values

                for j in 0 .. info.Copies - 1 do
                    let blanket = blankets.[j]

                    let u =
                        Transform.toUnconstrained support info.Dim (Array.sub s (off + j * size) size)

                    for k in 0 .. usize - 1 do
                        let f v =
                            u.[k] <- v
                            let x, logJ = Transform.fromUnconstrained support info.Dim u
                            Array.blit x 0 s (off + j * size) size
                            blanket s + logJ

                        let wi = j * usize + k
                        let u0 = u.[k]
                        let r = UpdateKit.sliceStep name "slice" rng f widths.[wi].Width u0
                        ignore (f r.Value)

                        if st.Adapting then
                            widths.[wi] <- Slice.adaptWidth widths.[wi] u0 r.Value)

    /// The slice update of a continuous parameter node, or why it cannot have one.
    let create (density: CompiledDensity) (info: NodeInfo) (reason: string) : Result<Update, ModelError> =
        match info.Node.Kind with
        | NodeKind.Parameter d when Dist.isDiscrete d ->
            Error(
                ModelError.Unsupported(
                    info.Node.Name,
                    $"a discrete parameter ({Dist.name d}); marginalise it out or observe it"
                )
            )
        | NodeKind.Parameter d ->
            let support = Dist.support d
            let size = Bound.shapeSize info.Event
            let usize = Transform.unconstrainedSize support info.Dim

            let single =
                info.Event = Shape.Scalar && info.Scope = Scope.Global && info.Copies = 1

            let collapsed =
                if single then
                    CollapsedRate.tryCreate density info support reason
                else
                    None

            match collapsed with
            | Some u -> Ok u
            | None ->
                // Built only when used: the generic blanket holds a closure per term (O(J) for a group prior's shape).
                let fast =
                    if single then
                        SufficientBlanket.tryCreate density [ info.Node.Name ]
                    else
                        None

                let logit =
                    match fast with
                    | None when single -> logisticRows density info
                    | _ -> None

                let init =
                    match fast, logit with
                    | Some sb, _ -> summarised density info support sb
                    | None, Some rows -> logistic density info support rows
                    | None, None when info.Event = Shape.Scalar -> scalar density info support
                    | None, None -> vector density info support size usize

                Ok
                    {
                        Node = info.Node.Name
                        Method = "slice"
                        Kind = UpdateKind.Slice
                        Exactness = Exactness.Markov
                        Reason = reason
                        KeepsWeight = false
                        Init = init
                    }
        | _ -> Error(ModelError.Unsupported(info.Node.Name, "slice sampling of a non-parameter node"))
