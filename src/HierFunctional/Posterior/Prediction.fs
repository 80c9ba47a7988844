namespace HierFunctional

open System

/// Why new data cannot be predicted, named precisely enough to fix.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type PredictionError =
    /// The new data lacks a column the model reads (`usedBy` names the node or formula term that reads it).
    | MissingColumn of column: string * usedBy: string
    /// A group or factor column holds a level the fit never saw; allow new levels to draw a new group's effects.
    | UnseenLevel of column: string * level: string
    /// A level of a population-level factor predictor that the fit never saw: it has no coefficient.
    | UnseenFactorLevel of column: string * level: string
    /// A column has the wrong kind of values (text where numbers are needed, ...).
    | WrongColumnType of column: string * expected: string * actual: string
    /// The new data fails a check of binding (a non-finite value, a short column, ...).
    | Data of ModelError
    /// The model or node cannot be predicted (a vector-valued response, an improper group prior, ...).
    | Unsupported of node: string * reason: string

/// Describing prediction errors for people.
[<RequireQualifiedAccess>]
module PredictionError =
    /// One sentence saying what is wrong and what to do.
    let describe (e: PredictionError) : string =
        match e with
        | PredictionError.MissingColumn(c, by) ->
            $"the new data has no column '{c}', which {by} reads; add it (the response column is not needed)."
        | PredictionError.UnseenLevel(c, level) ->
            $"column '{c}' has level '{level}', which the fit never saw; allow new levels to draw its effects from the population distribution, or drop the rows."
        | PredictionError.UnseenFactorLevel(c, level) ->
            $"column '{c}' has level '{level}', which the fit never saw, so the predictor has no coefficient for it; drop the rows or refit with the level."
        | PredictionError.WrongColumnType(c, expected, actual) ->
            $"column '{c}' holds {actual} but the fit used it as {expected}; supply it as {expected}."
        | PredictionError.Data e -> $"the new data: {ModelError.describe e}"
        | PredictionError.Unsupported(node, reason) -> $"cannot predict '{node}': {reason}."

    /// Every error on its own line.
    let describeAll (errors: PredictionError list) : string =
        errors |> List.map describe |> String.concat Environment.NewLine

/// Predictions for new rows: one value per kept draw (chains concatenated in chain order) and row.
type PredictionDraws =
    {
        /// The observed node predicted (the response).
        Node: string
        /// The values as [draw][row].
        Values: float[][]
        /// Chains of the posterior the draws came from.
        Chains: int
        /// Draws per chain.
        DrawsPerChain: int
        /// Rows of the new data.
        Rows: int
    }

    /// The draws of one new row (0-based), one per posterior draw.
    member p.Row(row: int) : float[] =
        if row < 0 || row >= p.Rows then
            raise (ArgumentOutOfRangeException("row", row, $"The new data has rows 0..{p.Rows - 1}."))

        p.Values |> Array.map (fun v -> v[row])

    /// The mean over draws of each row.
    member p.Means() : float[] =
        Array.init p.Rows (fun r -> p.Values |> Array.averageBy (fun v -> v[r]))

/// Posterior prediction for new data (brms's posterior_predict and posterior_epred): the fitted parameters are
/// carried over to a binding of the model to the new rows, group effects by level label; a level the fit never
/// saw either fails (`PredictionError.UnseenLevel`) or, with new levels allowed, gets effects drawn per draw from
/// its prior given that draw's hyperparameters (brms's sample_new_levels = "gaussian"). Parameters declared per
/// row are drawn from their priors for the new rows. See `Fit.predict` for fits that need no rebinding.
[<RequireQualifiedAccess>]
module Prediction =

    let private collect rs = ResultList.collect rs

    /// A value in the support of an observed node, standing in for the response the new data does not have
    /// (binding checks the response; prediction never reads it).
    let private placeholder (d: Dist) : Column option =
        let reals x = Some(Column.Reals [| x |])

        match Dist.support d with
        | Support.Real -> reals 0.0
        | Support.Positive -> reals 1.0
        | Support.UnitInterval -> reals 0.5
        | Support.Interval(a, b) -> reals ((a + b) / 2.0)
        | Support.Binary
        | Support.Count
        | Support.BoundedCount -> Some(Column.Integers [| 0 |])
        | Support.Category
        | Support.Ordinal -> Some(Column.Integers [| 1 |])
        | _ -> None

    let private fill (rows: int) (c: Column) =
        match c with
        | Column.Reals a -> Column.Reals(Array.create rows a.[0])
        | Column.Integers a -> Column.Integers(Array.create rows a.[0])
        | other -> other

    let private rowCount (m: Model) (d: Dataset) =
        let used =
            m.Nodes
            |> List.collect (fun n ->
                Model.nodeExprs n
                |> List.collect (fun e -> Shapes.dataRefs e @ Shapes.groupRefs e))
            |> List.distinct
            |> List.choose (fun c -> Dataset.tryColumn c d)

        match used with
        | [] ->
            d.Columns
            |> List.tryHead
            |> Option.map (snd >> Dataset.columnLength)
            |> Option.defaultValue 0
        | cs -> cs |> List.map Dataset.columnLength |> List.max

    /// Every column the model reads (other than observed nodes' own columns) must be in the new data.
    let private missingColumns (m: Model) (d: Dataset) =
        m.Nodes
        |> List.collect (fun n ->
            let plate =
                match n.Plate with
                | Plate.Over g -> [ g ]
                | _ -> []

            (Model.nodeExprs n
             |> List.collect (fun e -> Shapes.dataRefs e @ Shapes.groupRefs e))
            @ plate
            |> List.distinct
            |> List.filter (fun c -> (Dataset.tryColumn c d).IsNone)
            |> List.map (fun c -> PredictionError.MissingColumn(c, $"node '{n.Name}'")))
        |> List.distinctBy (function
            | PredictionError.MissingColumn(c, _) -> c
            | e -> string e)

    /// The model bound to the new data, with a placeholder for every observed column the new data lacks.
    let bindNew (m: Model) (d: Dataset) : Result<Bound, PredictionError list> =
        match missingColumns m d with
        | [] ->
            let rows = rowCount m d

            let withResponses =
                Model.observed m
                |> List.map (fun n ->
                    match n.Kind, Dataset.tryColumn n.Name d with
                    | _, Some _ -> Ok []
                    | NodeKind.Observed dist, None ->
                        match placeholder dist with
                        | Some c -> Ok [ n.Name, fill rows c ]
                        | None ->
                            Error
                                [
                                    PredictionError.Unsupported(
                                        n.Name,
                                        $"its values are not scalars in a fixed range ({Dist.name dist}), so it cannot stand in for the missing column; add column '{n.Name}' with any valid values"
                                    )
                                ]
                    | _ -> Ok [])
                |> collect
                |> Result.map (List.concat >> List.fold (fun acc (n, c) -> Dataset.add n c acc) d)

            withResponses
            |> Result.bind (fun d -> Bind.bind m d |> Result.mapError (List.map PredictionError.Data))
        | missing -> Error missing

    /// Rows of a level: used by the new data's rows (a declared level with no rows needs no effect).
    let private usedLevels (g: GroupInfo) =
        let used = Array.zeroCreate g.Levels.Length
        g.RowLevel |> Array.iter (fun l -> used.[l] <- true)
        used

    /// Per parameter node over a group: for each new level, the fitted level index, or -1 for an unseen level.
    let private levelMaps (fitted: Bound) (fresh: Bound) (allowNew: bool) =
        fresh.Groups
        |> Map.toList
        |> List.map (fun (g, info) ->
            let index =
                match fitted.Groups.TryFind g with
                | Some old -> old.Levels |> Array.mapi (fun i l -> l, i) |> dict
                | None -> dict []

            let used = usedLevels info

            let map =
                info.Levels
                |> Array.map (fun l ->
                    match index.TryGetValue l with
                    | true, i -> i
                    | _ -> -1)

            let unseen =
                info.Levels
                |> Array.indexed
                |> Array.filter (fun (j, _) -> map.[j] < 0 && used.[j])
                |> Array.map snd

            if unseen.Length > 0 && not allowNew then
                Error(unseen |> Array.map (fun l -> PredictionError.UnseenLevel(g, l)) |> List.ofArray)
            else
                Ok(g, map))
        |> collect
        |> Result.map Map.ofList

    /// Nodes whose new copies must be drawn from their priors must have proper priors.
    let private checkDrawable (fresh: Bound) (maps: Map<string, int[]>) =
        Bound.parameters fresh
        |> List.choose (fun info ->
            let needsDraw =
                match info.Node.Plate with
                | Plate.Over g -> maps.[g] |> Array.exists (fun i -> i < 0)
                | Plate.Rows -> true
                | _ -> false

            match info.Node.Kind with
            | NodeKind.Parameter(Dist.Flat _) when needsDraw ->
                Some(
                    PredictionError.Unsupported(
                        info.Node.Name,
                        "its prior is Flat (improper), so effects of new levels or rows cannot be drawn from it; give it a proper prior"
                    )
                )
            | _ -> None)

    /// A function from a fitted state to a state of the new binding: fitted copies carried over by level label,
    /// new levels' and new rows' copies drawn from their priors in declaration order.
    let private transfer (fitted: Bound) (fresh: Bound) (maps: Map<string, int[]>) =
        let nodes =
            Bound.parameters fresh
            |> List.map (fun info ->
                let size = Bound.shapeSize info.Event
                let src = fitted.Layout.Offsets.[info.Node.Name]
                let dst = fresh.Layout.Offsets.[info.Node.Name]

                let dist =
                    match info.Node.Kind with
                    | NodeKind.Parameter d -> d
                    | _ -> invalidOp "a parameter node without a prior"

                let args = Forward.argFns fresh info dist
                info, size, src, dst, dist, args)

        fun (rng: Random) (old: float[]) ->
            let s = Array.zeroCreate fresh.Layout.Size

            // Filled in declaration order so a new copy's prior reads its hyperparameters from this state.
            for (info, size, src, dst, dist, args) in nodes do
                let draw c =
                    Forward.writeCopy fresh info s c (Density.draw rng dist (args s c))

                match info.Node.Plate with
                | Plate.Over g ->
                    let map = maps.[g]
                    let used = usedLevels fresh.Groups.[g]

                    for j in 0 .. info.Copies - 1 do
                        if map.[j] >= 0 then
                            Array.blit old (src + map.[j] * size) s (dst + j * size) size
                        elif used.[j] then
                            draw j
                        else
                            Array.fill s (dst + j * size) size nan
                | Plate.Rows ->
                    for r in 0 .. info.Copies - 1 do
                        draw r
                | _ -> Array.blit old src s dst (info.Copies * size)

            s

    /// The expected value of an observed distribution given its argument values, or None when it has none here.
    let expectation (d: Dist) : (Value list -> float) option =
        let sc (args: Value list) = args |> List.map Value.scalar

        match d with
        | Dist.Normal _
        | Dist.NegativeBinomial _ -> Some(fun a -> (sc a).[0])
        | Dist.StudentT _ ->
            Some(fun a ->
                match sc a with
                | [ nu; m; _ ] when nu > 1.0 -> m
                | _ -> nan)
        | Dist.Bernoulli _ -> Some(fun a -> (sc a).[0])
        | Dist.Binomial _ -> Some(fun a -> let v = sc a in v.[0] * v.[1])
        | Dist.BetaBinomial _ -> Some(fun a -> let v = sc a in v.[0] * v.[1] / (v.[1] + v.[2]))
        | Dist.Poisson _ -> Some(fun a -> let v = sc a in v.[0] * v.[1])
        | Dist.Gamma _ -> Some(fun a -> let v = sc a in v.[0] / v.[1])
        | Dist.Exponential _ -> Some(fun a -> 1.0 / (sc a).[0])
        | Dist.LogNormal _ -> Some(fun a -> let v = sc a in exp (v.[0] + v.[1] * v.[1] / 2.0))
        | Dist.Beta _ -> Some(fun a -> let v = sc a in v.[0] / (v.[0] + v.[1]))
        | Dist.OrderedLogistic _ ->
            // the mean category Σ k·P(y = k); brms's epred gives the K probabilities, whose mean this is
            Some(fun a ->
                match a with
                | [ eta; c ] ->
                    let eta, c = Value.scalar eta, Value.vector c

                    Seq.sum (
                        seq {
                            for k in 1 .. c.Length + 1 ->
                                float k * exp (Families.Ordinal.orderedLogisticLogPdf eta c (float k))
                        }
                    )
                | _ -> nan)
        | _ -> None

    /// The observed node to predict: the one named, or the model's only observed node.
    let private target (b: Bound) (node: string option) =
        let scalarObserved (info: NodeInfo) =
            match info.Node.Kind, info.Event with
            | NodeKind.Observed d, Shape.Scalar -> Ok(info, d)
            | NodeKind.Observed d, _ ->
                Error
                    [
                        PredictionError.Unsupported(info.Node.Name, $"its values are vectors ({Dist.name d})")
                    ]
            | _ -> Error [ PredictionError.Unsupported(info.Node.Name, "it is not an observed node") ]

        match node, Bound.observed b with
        | Some n, _ ->
            match b.NodeMap.TryFind n with
            | Some info -> scalarObserved info
            | None -> Error [ PredictionError.Unsupported(n, "the model has no such node") ]
        | None, [ only ] -> scalarObserved only
        | None, [] -> Error [ PredictionError.Unsupported("(model)", "the model has no observed node") ]
        | None, many ->
            let names = many |> List.map (fun i -> i.Node.Name) |> String.concat ", "

            Error
                [
                    PredictionError.Unsupported("(model)", $"it has several observed nodes ({names}); name one")
                ]

    /// Per kept draw and new row, `value rng dist args` of the observed node's distribution at that row, with the
    /// fitted draws carried over to the new binding (new levels drawn when allowed).
    let private perRow
        (value: Random -> Dist -> Value list -> float)
        (rng: Random)
        (allowNewLevels: bool)
        (node: string option)
        (fitted: Bound)
        (posterior: Posterior)
        (fresh: Bound)
        : Result<PredictionDraws, PredictionError list> =
        target fresh node
        |> Result.bind (fun (info, dist) ->
            levelMaps fitted fresh allowNewLevels
            |> Result.bind (fun maps ->
                match checkDrawable fresh maps with
                | [] -> Ok(info, dist, maps)
                | es -> Error es))
        |> Result.map (fun (info, dist, maps) ->
            let move = transfer fitted fresh maps
            let args = Forward.argFns fresh info dist
            let states = PosteriorStates.allChainStates fitted posterior

            {
                Node = info.Node.Name
                Values =
                    states
                    |> Array.map (fun old ->
                        let s = move rng old
                        Array.init fresh.Rows (fun r -> value rng dist (args s r)))
                Chains = posterior.ChainCount
                DrawsPerChain = posterior.DrawCount
                Rows = fresh.Rows
            })

    /// Posterior predictive draws for the rows of an already-bound new data set (see `bindNew`): per kept draw,
    /// one draw of the observed node per row from its distribution at that draw's parameters.
    let predictBound
        (rng: Random)
        (allowNewLevels: bool)
        (node: string option)
        (fitted: Bound)
        (posterior: Posterior)
        (fresh: Bound)
        =
        perRow (fun rng d a -> Density.draw rng d a |> Value.scalar) rng allowNewLevels node fitted posterior fresh

    /// The expected value of the observed node per kept draw and row of an already-bound new data set.
    let epredBound
        (rng: Random)
        (allowNewLevels: bool)
        (node: string option)
        (fitted: Bound)
        (posterior: Posterior)
        (fresh: Bound)
        =
        let name = defaultArg node ""

        target fresh node
        |> Result.bind (fun (info, d) ->
            match expectation d with
            | Some mean -> perRow (fun _ _ a -> mean a) rng allowNewLevels node fitted posterior fresh
            | None ->
                Error
                    [
                        PredictionError.Unsupported(
                            (if name = "" then info.Node.Name else name),
                            $"the expected value of {Dist.name d} is not implemented; use predict and average the draws"
                        )
                    ])

    /// Posterior predictive draws for new rows of a model-language fit: `fitted` is the fit's binding, `newData`
    /// needs every column the model reads except the response. Formula fits: use `Fit.predict`.
    let predict (rng: Random) (allowNewLevels: bool) (fitted: Bound) (posterior: Posterior) (newData: Dataset) =
        bindNew fitted.Model newData
        |> Result.bind (predictBound rng allowNewLevels None fitted posterior)

    /// The expected value of the response per kept draw and new row of a model-language fit (see `predict`).
    let epred (rng: Random) (allowNewLevels: bool) (fitted: Bound) (posterior: Posterior) (newData: Dataset) =
        bindNew fitted.Model newData
        |> Result.bind (epredBound rng allowNewLevels None fitted posterior)

    /// The draws of one new row, [draw].
    let row (i: int) (p: PredictionDraws) : float[] = p.Values |> Array.map (fun v -> v.[i])
