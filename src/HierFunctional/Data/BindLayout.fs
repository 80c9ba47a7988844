namespace HierFunctional

/// The parameter layout of a bound model: where each parameter sits in the constrained and unconstrained vectors,
/// and the names of its elements (by index and by group label).
[<RequireQualifiedAccess>]
module internal BindLayout =

    /// The element names of one node, 1-based, with `copyName` naming each copy (an index or a group label).
    let private elementNames (info: NodeInfo) (copyName: int -> string) : string[] =
        let name = info.Node.Name

        let eventSuffixes =
            match info.Event with
            | Shape.Scalar -> [ "" ]
            | Shape.Vector k -> [ for i in 1..k -> string i ]
            | Shape.Matrix(r, c) ->
                [
                    for i in 1..r do
                        for j in 1..c -> $"{i},{j}"
                ]

        let single = info.Node.Plate = Plate.Scalar

        [|
            for copy in 0 .. info.Copies - 1 do
                for ev in eventSuffixes do
                    match single, ev with
                    | true, "" -> name
                    | true, ev -> $"{name}[{ev}]"
                    | false, "" -> $"{name}[{copyName copy}]"
                    | false, ev -> $"{name}[{copyName copy},{ev}]"
        |]

    let private labelOf (groups: Map<string, GroupInfo>) (info: NodeInfo) (copy: int) =
        match info.Node.Plate with
        | Plate.Over g -> groups.[g].Levels.[copy]
        | _ -> string (copy + 1)

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

        let names f =
            parameters |> Seq.collect (fun (i, _) -> elementNames i (f i)) |> Array.ofSeq

        // One string per element shared by Names and Monitored (J = 10⁷ group effects are 10⁷ strings, not 2 × 10⁷).
        let indexed =
            infos
            |> List.filter (fun i ->
                match i.Node.Kind with
                | NodeKind.Parameter _
                | NodeKind.Derived _ -> true
                | _ -> false)
            |> List.map (fun i -> i, elementNames i (fun c -> string (c + 1)))

        let monitored = indexed |> Seq.collect snd |> Array.ofSeq

        let byIndex =
            let own = indexed |> List.map (fun (i, ns) -> i.Node.Name, ns) |> Map.ofList
            parameters |> Seq.collect (fun (i, _) -> own.[i.Node.Name]) |> Array.ofSeq

        {
            Offsets = Map.ofList constrained
            Size = size
            UnconstrainedOffsets = Map.ofList unconstrained
            UnconstrainedSize = usize
            Names = byIndex
            Labels = names (labelOf groups)
            Monitored = monitored
        }
