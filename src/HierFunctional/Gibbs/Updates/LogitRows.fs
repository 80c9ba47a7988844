namespace HierFunctional

open System
open HierFunctional.Inference

/// The binomial-logit rows of one node θ's children as flat arrays, for moves that change θ many times with every
/// other node of the predictor fixed (the interweaving steps' slice evaluations): each row's η = o_r + c_r θ[e_r] with
/// o and c evaluated once per move (`freeze`), so an evaluation costs one exp and one log per row instead of the
/// children's density terms. Up to the binomial coefficients (free of θ) it equals their log-likelihood.
[<RequireQualifiedAccess>]
module internal LogitRows =

    /// θ's rows: per row (rows with no trials dropped) its child, row index, element of θ, trials and successes, and
    /// per child how to evaluate its offset and coefficient.
    type Rows =
        {
            ThetaOffset: int
            Child: int[]
            Row: int[]
            Element: int[]
            Trials: float[]
            Successes: float[]
            Offsets: (float[] -> int -> float)[]
            Coefficients: (float[] -> int -> float)[]
        }

    /// θ's children as linked logistic rows: the Pólya-Gamma rule's match for a Normal θ; for any other prior (a
    /// Uniform scale multiplying non-centred effects, as Oxford's σ), each child read linearly by a logit link.
    let private linkedChildren (expanded: Model) (theta: NodeInfo) : LinkedChild list option =
        match theta.Node.Kind with
        | NodeKind.Parameter(Dist.Normal _ | Dist.MvNormal _) ->
            match GlmConjugacy.polyaGammaLogistic.Recognise expanded theta.Node with
            | RuleOutcome.Matched(_, children) -> Some children
            | _ -> None
        | _ ->
            match Graph.children expanded theta.Node.Name with
            | [] -> None
            | cs ->
                let linked = cs |> List.map (GlmChildren.logisticChild theta.Node.Name)

                if linked |> List.forall Result.isOk then
                    Some(linked |> List.map Result.toOption |> List.choose id)
                else
                    None

    /// The rows of θ's children, when every child is a scalar Binomial/Bernoulli-logit node with data trials, linear in
    /// θ, whose offset and coefficient read none of `moved` (the nodes the move changes besides θ).
    let tryCreate (b: Bound) (expanded: Model) (theta: NodeInfo) (moved: string list) : Rows option =
        match linkedChildren expanded theta with
        | Some children ->
            let parts =
                children
                |> List.map (fun c ->
                    let child = Bound.node b c.Node.Name

                    let frozen =
                        [ c.Offset; c.Coefficient ]
                        |> List.collect Expr.paramRefs
                        |> List.forall (fun p -> p <> theta.Node.Name && not (List.contains p moved))

                    match c.Family with
                    | GlmFamily.Logistic n when child.Event = Shape.Scalar && frozen && Factor.isDataOnly n ->
                        match Slots.elementOf b theta child c.Slot with
                        | Ok element ->
                            let zero = UpdateKit.zeroState b
                            let trials = Array.init child.Copies (PolyaGammaUpdate.perRow b child n zero)

                            if trials |> Array.forall (fun x -> x >= 0.0 && Double.IsFinite x) then
                                Some(
                                    element,
                                    trials,
                                    b.Numeric.[c.Node.Name],
                                    PolyaGammaUpdate.perRow b child c.Offset,
                                    PolyaGammaUpdate.perRow b child c.Coefficient
                                )
                            else
                                None
                        | Error _ -> None
                    | _ -> None)

            let names = children |> List.map _.Node.Name

            if
                parts |> List.forall Option.isSome
                && List.length (List.distinct names) = List.length names
            then
                let parts = parts |> List.map Option.get |> Array.ofList

                let rows =
                    [|
                        for ci in 0 .. parts.Length - 1 do
                            let element, trials, y, _, _ = parts.[ci]

                            for r in 0 .. trials.Length - 1 do
                                if trials.[r] > 0.0 then
                                    yield ci, r, element.[r], trials.[r], y.[r]
                    |]

                Some
                    {
                        ThetaOffset = b.Layout.Offsets.[theta.Node.Name]
                        Child = rows |> Array.map (fun (c, _, _, _, _) -> c)
                        Row = rows |> Array.map (fun (_, r, _, _, _) -> r)
                        Element = rows |> Array.map (fun (_, _, e, _, _) -> e)
                        Trials = rows |> Array.map (fun (_, _, _, n, _) -> n)
                        Successes = rows |> Array.map (fun (_, _, _, _, y) -> y)
                        Offsets = parts |> Array.map (fun (_, _, _, o, _) -> o)
                        Coefficients = parts |> Array.map (fun (_, _, _, _, c) -> c)
                    }
            else
                None
        | _ -> None

    /// One chain's buffers: each row's frozen offset and coefficient.
    let buffers (rows: Rows) : float[] * float[] =
        Array.zeroCreate rows.Row.Length, Array.zeroCreate rows.Row.Length

    /// Evaluates every row's offset and coefficient at the state `s` (before the move).
    let freeze (rows: Rows) (o: float[], c: float[]) (s: float[]) =
        for k in 0 .. rows.Row.Length - 1 do
            let ci, r = rows.Child.[k], rows.Row.[k]
            o.[k] <- rows.Offsets.[ci] s r
            c.[k] <- rows.Coefficients.[ci] s r

    /// Σ_r y_r η_r − n_r log(1 + e^(η_r)) at θ as in `s`, with the offsets and coefficients of the last `freeze`.
    let logLikelihood (rows: Rows) (o: float[], c: float[]) (s: float[]) =
        let mutable acc = 0.0
        let t = rows.ThetaOffset

        for k in 0 .. rows.Row.Length - 1 do
            let eta = o.[k] + c.[k] * s.[t + rows.Element.[k]]
            acc <- acc + rows.Successes.[k] * eta - rows.Trials.[k] * LogitKernel.softplus eta

        acc
