namespace HierFunctional

open System
open HierFunctional.Inference

/// The slice-sampling fallback: element-wise (and coordinate-wise for vector values) on the unconstrained scale,
/// with the log-Jacobian, evaluating only the Markov blanket of the element being moved.
[<RequireQualifiedAccess>]
module internal SliceUpdate =

    /// The initial slice width on the unconstrained scale; warm-up adapts it per coordinate.
    let initialWidth = 1.0

    let private scalar (density: CompiledDensity) (info: NodeInfo) (support: Support) =
        let name = info.Node.Name
        let off = density.Bound.Layout.Offsets.[name]
        let blankets = Array.init info.Copies (density.BlanketElement name)

        fun (o: Offsets) rng (st: ChainState) ->
            let s = st.Values

            for j in 0 .. info.Copies - 1 do
                let blanket = blankets.[j]

                let f u =
                    s.[off + j] <- Transform.fromUnconstrainedScalar support u
                    blanket s + Transform.logJacobianScalar support u

                let w = st.Widths.[o.Widths + j]
                let u0 = Transform.toUnconstrainedScalar support s.[off + j]
                let r = UpdateKit.sliceStep name "slice" rng f w.Width u0
                s.[off + j] <- Transform.fromUnconstrainedScalar support r.Value

                if st.Adapting then
                    st.Widths.[o.Widths + j] <- Slice.adaptWidth w u0 r.Value

    /// A single scalar global whose blanket has children summarised by sufficient statistics: the statistics are
    /// filled once per update (buffer 0), then each slice evaluation costs O(1) in the number of children.
    let private summarised (density: CompiledDensity) (info: NodeInfo) (support: Support) (sb: SufficientBlanket) =
        let name = info.Node.Name
        let off = density.Bound.Layout.Offsets.[name]

        fun (o: Offsets) rng (st: ChainState) ->
            let s = st.Values
            let stats = st.Buffers.[o.Buffer]
            sb.Fill s stats

            let f u =
                s.[off] <- Transform.fromUnconstrainedScalar support u
                sb.Eval s stats + Transform.logJacobianScalar support u

            let w = st.Widths.[o.Widths]
            let u0 = Transform.toUnconstrainedScalar support s.[off]
            let r = UpdateKit.sliceStep name "slice" rng f w.Width u0
            s.[off] <- Transform.fromUnconstrainedScalar support r.Value

            if st.Adapting then
                st.Widths.[o.Widths] <- Slice.adaptWidth w u0 r.Value

    let private vector (density: CompiledDensity) (info: NodeInfo) (support: Support) (size: int) (usize: int) =
        let name = info.Node.Name
        let off = density.Bound.Layout.Offsets.[name]
        let blankets = Array.init info.Copies (density.BlanketElement name)

        fun (o: Offsets) rng (st: ChainState) ->
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

                    let wi = o.Widths + j * usize + k
                    let u0 = u.[k]
                    let r = UpdateKit.sliceStep name "slice" rng f st.Widths.[wi].Width u0
                    ignore (f r.Value)

                    if st.Adapting then
                        st.Widths.[wi] <- Slice.adaptWidth st.Widths.[wi] u0 r.Value

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

            let fast =
                if single then
                    SufficientBlanket.tryCreate density [ info.Node.Name ]
                else
                    None

            let run, widths, buffers =
                match fast with
                | Some sb -> summarised density info support sb, 1, [ sb.Size ]
                | None when info.Event = Shape.Scalar -> scalar density info support, info.Copies, []
                | None -> vector density info support size usize, info.Copies * usize, []

            match collapsed with
            | Some u -> Ok u
            | None ->
                Ok
                    {
                        Node = info.Node.Name
                        Method = "slice"
                        Kind = UpdateKind.Slice
                        Exactness = Exactness.Approximate
                        Reason = reason
                        Needs =
                            {
                                Aux = [||]
                                Widths = widths
                                Buffers = buffers
                            }
                        Run = run
                    }
        | _ -> Error(ModelError.Unsupported(info.Node.Name, "slice sampling of a non-parameter node"))
