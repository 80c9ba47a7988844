namespace HierFunctional

/// The parameter layout of a bound model: where each parameter sits in the constrained and unconstrained vectors,
/// and the names of its elements (by index and by group label).
[<RequireQualifiedAccess>]
module internal BindLayout =

    let private suffixes (info: NodeInfo) =
        match info.Event with
        | Shape.Scalar -> [| "" |]
        | Shape.Vector k -> [| for i in 1..k -> string i |]
        | Shape.Matrix(r, c) ->
            [|
                for i in 1..r do
                    for j in 1..c -> $"{i},{j}"
            |]

    // The copy that 1-based index text names ("12", not "012"), or −1.
    let private indexCopy (copies: int) (text: string) =
        match System.Int32.TryParse(text, System.Globalization.NumberStyles.None, null) with
        | true, i when i >= 1 && i <= copies && string i = text -> i - 1
        | _ -> -1

    /// The name runs of the nodes, in order, each copy named by `copyName` (an index or a group label).
    let private runs (infos: NodeInfo list) (copyNames: NodeInfo -> (int -> string) * (string -> int)) =
        infos
        |> List.mapFold
            (fun start info ->
                let copyName, copyOf = copyNames info
                let ev = suffixes info

                {
                    Node = info.Node.Name
                    Start = start
                    Copies = info.Copies
                    Suffixes = ev
                    Single = info.Node.Plate = Plate.Scalar
                    CopyName = copyName
                    CopyOf = copyOf
                },
                start + info.Copies * ev.Length)
            0
        |> fst
        |> Array.ofList

    let private byIndex (info: NodeInfo) =
        (fun c -> string (c + 1)), indexCopy info.Copies

    let private byLabel (groups: Map<string, GroupInfo>) (info: NodeInfo) =
        match info.Node.Plate with
        | Plate.Over g ->
            let levels = groups.[g].Levels
            (fun c -> levels.[c]), (fun text -> System.Array.IndexOf(levels, text))
        | _ -> byIndex info

    /// Phase 6 of `Bind.bind`: offsets of the parameters in the constrained and unconstrained vectors, and element names.
    let layout (infos: NodeInfo list) (groups: Map<string, GroupInfo>) : Layout =
        let parameters =
            infos
            |> List.choose (fun i ->
                match i.Node.Kind with
                | NodeKind.Parameter d -> Some(i, d)
                | _ -> None)

        let offsets sizeOf =
            parameters
            |> List.mapFold (fun off (i, d) -> (i.Node.Name, off), off + i.Copies * sizeOf i d) 0

        let constrained, size = offsets (fun i _ -> Bound.shapeSize i.Event)
        // Discrete parameters have no unconstrained coordinates: samplers update them directly.
        let unconstrained, usize =
            offsets (fun i d ->
                if Dist.isDiscrete d then
                    0
                else
                    Transform.unconstrainedSize (Dist.support d) i.Dim)

        let parameterInfos = parameters |> List.map fst

        let monitoredInfos =
            infos
            |> List.filter (fun i ->
                match i.Node.Kind with
                | NodeKind.Parameter _
                | NodeKind.Derived _ -> true
                | _ -> false)

        {
            Offsets = Map.ofList constrained
            Size = size
            UnconstrainedOffsets = Map.ofList unconstrained
            UnconstrainedSize = usize
            Names = ElementNames(runs parameterInfos byIndex)
            Labels = ElementNames(runs parameterInfos (byLabel groups))
            Monitored = ElementNames(runs monitoredInfos byIndex)
        }
