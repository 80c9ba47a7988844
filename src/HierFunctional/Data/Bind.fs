namespace HierFunctional

/// Binding a model to a data set: every check that needs the data, and the resolved groups, shapes and layout.
[<RequireQualifiedAccess>]
module Bind =

    let private errorsOr (errors: ModelError list) (k: unit -> Result<'T, ModelError list>) =
        if List.isEmpty errors then k () else Error errors

    /// The columns a node needs, with the role each plays.
    let private nodeColumns (n: Node) =
        let exprs = Model.nodeExprs n
        let data = exprs |> List.collect Shapes.dataRefs
        let groups = exprs |> List.collect Shapes.groupRefs

        let own =
            match n.Kind, n.Plate with
            | NodeKind.Observed _, _ -> [ n.Name ]
            | _ -> []

        let plate =
            match n.Plate with
            | Plate.Over g -> [ g ]
            | _ -> []

        List.distinct (own @ data), List.distinct (groups @ plate)

    let private columnFloats (c: Column) =
        match c with
        | Column.Reals a -> Some a
        | Column.Integers a -> Some(Array.map float a)
        | _ -> None

    /// Phase 1: present columns, equal lengths, right kinds, finite values.
    let private checkColumns (m: Model) (d: Dataset) =
        let uses = m.Nodes |> List.map (fun n -> n, nodeColumns n)

        let missing =
            uses
            |> List.collect (fun (n, (data, groups)) ->
                data @ groups
                |> List.filter (fun c -> (Dataset.tryColumn c d).IsNone)
                |> List.map (fun c -> ModelError.MissingColumn(n.Name, c)))
            |> List.distinct

        let dataCols = uses |> List.collect (fst << snd) |> List.distinct
        let groupCols = uses |> List.collect (snd << snd) |> List.distinct

        let used =
            dataCols @ groupCols
            |> List.distinct
            |> List.choose (fun c -> Dataset.tryColumn c d |> Option.map (fun col -> c, col))

        // The row count is the length most used columns share (the longest on a tie), so a short column is the
        // one blamed, even when it is the observed column.
        let rows =
            match used with
            | [] -> 0
            | _ ->
                used
                |> List.countBy (snd >> Dataset.columnLength)
                |> List.maxBy (fun (length, count) -> count, length)
                |> fst

        let lengths =
            used
            |> List.filter (fun (_, c) -> Dataset.columnLength c <> rows)
            |> List.map (fun (name, c) -> ModelError.LengthMismatch(name, rows, Dataset.columnLength c))

        let kinds =
            (dataCols
             |> List.choose (fun c ->
                 match Dataset.tryColumn c d with
                 | Some(Column.Labels _) -> Some(ModelError.WrongColumnType(c, "numbers", "text labels"))
                 | _ -> None))
            @ (groupCols
               |> List.choose (fun c ->
                   match Dataset.tryColumn c d with
                   | Some(Column.Reals _ | Column.Matrix _ as col) ->
                       Some(ModelError.WrongColumnType(c, "a group (text labels or integers)", Validate.kindName col))
                   | _ -> None))

        let finite =
            dataCols
            |> List.choose (fun c ->
                match Dataset.tryColumn c d with
                | Some(Column.Reals a) ->
                    a
                    |> Array.tryFindIndex (fun x -> not (System.Double.IsFinite x))
                    |> Option.map (fun i -> ModelError.NonFiniteValue(c, i + 1, a.[i]))
                | Some(Column.Matrix a) ->
                    seq {
                        for i in 0 .. Array2D.length1 a - 1 do
                            for j in 0 .. Array2D.length2 a - 1 -> i, a.[i, j]
                    }
                    |> Seq.tryFind (fun (_, x) -> not (System.Double.IsFinite x))
                    |> Option.map (fun (i, x) -> ModelError.NonFiniteValue(c, i + 1, x))
                | _ -> None)

        errorsOr (missing @ lengths @ kinds @ finite) (fun () -> Ok(rows, dataCols, groupCols))

    /// Phase 2: levels of every group column.
    let private resolveGroup (d: Dataset) (c: string) : Result<GroupInfo, ModelError> =
        match Dataset.tryColumn c d with
        | Some(Column.Labels(values, levels)) ->
            let index = levels |> Array.mapi (fun i l -> l, i) |> dict

            match values |> Array.tryFindIndex (fun v -> not (index.ContainsKey v)) with
            | Some i -> Error(ModelError.UnknownLabel(c, i + 1, values.[i]))
            | None ->
                Ok
                    {
                        Column = c
                        Levels = Array.copy levels
                        RowLevel = values |> Array.map (fun v -> index.[v])
                    }
        | Some(Column.Integers values) when
            Seq.forall (fun i -> values.[i - 1] < values.[i]) (seq { 1 .. values.Length - 1 })
            ->
            // Already the sorted levels, one row each (a per-group table from a push-down): no index to build.
            Ok
                {
                    Column = c
                    Levels = values |> Array.map string
                    RowLevel = Array.init values.Length id
                }
        | Some(Column.Integers values) ->
            let levels = values |> Array.distinct |> Array.sort
            let index = levels |> Array.mapi (fun i l -> l, i) |> dict

            Ok
                {
                    Column = c
                    Levels = levels |> Array.map string
                    RowLevel = values |> Array.map (fun v -> index.[v])
                }
        | Some col -> Error(ModelError.WrongColumnType(c, "a group (text labels or integers)", Validate.kindName col))
        | None -> Error(ModelError.MissingColumn(c, c))

    /// For each level of `inner`, the level of `outer` its rows belong to (−1 when it has none).
    let private nestingMap (inner: GroupInfo) (outer: GroupInfo) : Result<int[], ModelError> =
        let map = Array.create inner.Levels.Length -1

        // Local mutation while scanning the rows once; the array escapes only when the scan found no conflict.
        let clash =
            Array.zip inner.RowLevel outer.RowLevel
            |> Array.tryFind (fun (i, o) ->
                if map.[i] = -1 then
                    map.[i] <- o

                map.[i] <> o)

        match clash with
        | Some(i, _) -> Error(ModelError.NotNested(inner.Column, outer.Column, inner.Levels.[i]))
        | None -> Ok map

    /// The value of a numeric column in each level of a group (NaN where a level has no rows).
    let private levelValues (column: string) (values: float[]) (g: GroupInfo) : Result<float[], ModelError> =
        let out = Array.create g.Levels.Length nan

        // Local mutation while scanning the rows once.
        let clash =
            Array.zip g.RowLevel values
            |> Array.tryFind (fun (l, v) ->
                if System.Double.IsNaN out.[l] then
                    out.[l] <- v

                out.[l] <> v)

        match clash with
        | Some(l, _) -> Error(ModelError.NotConstantWithinGroup(column, g.Column, g.Levels.[l]))
        | None -> Ok out

    let private collectResults (rs: Result<'T, ModelError> list) =
        let errors =
            rs
            |> List.choose (function
                | Error e -> Some e
                | _ -> None)

        if List.isEmpty errors then
            Ok(
                rs
                |> List.map (function
                    | Ok x -> x
                    | Error _ -> failwith "unreachable")
            )
        else
            Error errors

    /// Phase 3: the scope, copies and event shape of every node, in declaration order.
    let private resolveNodes (m: Model) (env0: Shapes.Env) (groups: Map<string, GroupInfo>) =
        let resolve (env: Shapes.Env) (pos: int) (n: Node) : Result<NodeInfo, ModelError> =
            let scope = Shapes.scopeOf n

            let copies =
                match n.Kind, n.Plate with
                | NodeKind.Observed _, _
                | _, Plate.Rows -> env.Rows
                | _, Plate.Over g -> groups.[g].Levels.Length
                | _, Plate.Sized k -> k
                | _, Plate.Scalar -> 1

            let info ev dim =
                {
                    Node = n
                    Position = pos
                    Scope = scope
                    Copies = copies
                    Event = ev
                    Dim = dim
                }

            let shapeError (m: string) = ModelError.ShapeMismatch(n.Name, m)

            match n.Kind with
            | NodeKind.Parameter d
            | NodeKind.Observed d ->
                Shapes.event env scope d
                |> Result.map (fun (ev, k) -> info ev k)
                |> Result.mapError shapeError
            | NodeKind.Factor e ->
                match Shapes.infer env scope e with
                | Ok _ when
                    (match n.Plate with
                     | Plate.Sized _ -> true
                     | _ -> false)
                    ->
                    Error(shapeError "a factor cannot be sized; write one factor whose expression sums the terms")
                | Ok Shape.Scalar -> Ok(info Shape.Scalar 1)
                | Ok s -> Error(shapeError $"a factor must be one scalar log-density term per copy, got {s}")
                | Error msg -> Error(shapeError msg)
            | NodeKind.Derived e ->
                match Shapes.infer env scope e, n.Plate with
                | Ok(Shape.Vector k), Plate.Sized len when k = len -> Ok(info Shape.Scalar 1)
                | Ok s, Plate.Sized len ->
                    Error(shapeError $"a derived node sized {len} must evaluate to a vector of length {len}, got {s}")
                | Ok s, _ -> Ok(info s (Bound.shapeSize s))
                | Error msg, _ -> Error(shapeError msg)

        m.Nodes
        |> List.indexed
        |> List.fold
            (fun acc (pos, n) ->
                match acc with
                | Error es -> Error es
                | Ok(env: Shapes.Env, infos) ->
                    match resolve env pos n with
                    | Ok info ->
                        Ok(
                            { env with
                                Nodes = env.Nodes.Add(n.Name, info)
                            },
                            infos @ [ info ]
                        )
                    | Error e -> Error [ e ])
            (Ok(env0, []))
        |> Result.map snd

    /// Phase 4: nesting maps and level values for every node evaluated per level of a group.
    let private resolveLevels (infos: NodeInfo list) (groups: Map<string, GroupInfo>) (numeric: Map<string, float[]>) =
        let perLevel =
            infos
            |> List.choose (fun info ->
                match info.Scope with
                | Scope.Level h -> Some(info.Node, h)
                | _ -> None)

        let nesting =
            perLevel
            |> List.collect (fun (n, h) ->
                Model.nodeExprs n
                |> List.collect Shapes.groupRefs
                |> List.filter ((<>) h)
                |> List.map (fun g -> n, h, g))
            |> List.map (fun (n, h, g) ->
                nestingMap groups.[h] groups.[g]
                |> Result.bind (fun map ->
                    match Array.tryFindIndex ((=) -1) map with
                    | Some l ->
                        Error(
                            ModelError.InvalidArgument(
                                n.Name,
                                $"group \"{g}\"",
                                $"level '{groups.[h].Levels.[l]}' of '{h}' has no rows, so its level of '{g}' is unknown; drop the empty level or index by '{h}' instead"
                            )
                        )
                    | None -> Ok((h, g), map)))

        let levels =
            perLevel
            |> List.collect (fun (n, h) ->
                Model.nodeExprs n |> List.collect Shapes.dataRefs |> List.map (fun c -> n, h, c))
            |> List.map (fun (n, h, c) ->
                levelValues c numeric.[c] groups.[h]
                |> Result.bind (fun vs ->
                    match Array.tryFindIndex System.Double.IsNaN vs with
                    | Some l ->
                        Error(
                            ModelError.InvalidArgument(
                                n.Name,
                                $"data \"{c}\"",
                                $"level '{groups.[h].Levels.[l]}' of '{h}' has no rows, so '{c}' has no value there; drop the empty level"
                            )
                        )
                    | None -> Ok((c, h), vs)))

        match collectResults nesting, collectResults levels with
        | Ok ns, Ok ls -> Ok(Map.ofList ns, Map.ofList ls)
        | Error a, Error b -> Error(List.distinct (a @ b))
        | Error a, _
        | _, Error a -> Error(List.distinct a)

    /// Binds a model to a data set: runs `Model.check`, then checks columns, groups, nesting, shapes and
    /// observation supports, and resolves the parameter layout. Scalars of the data set are written into the model
    /// first (`ScalarData.substitute`), so `Bound.Model` shows their values. Returns every error of the first failing phase.
    let bind (m: Model) (d: Dataset) : Result<Bound, ModelError list> =
        Model.check (ScalarData.substitute d m)
        |> Result.bind (fun m -> checkColumns m d |> Result.map (fun r -> m, r))
        |> Result.bind (fun (m, (rows, _, groupCols)) ->
            let groups =
                groupCols
                |> List.map (fun g -> resolveGroup d g |> Result.map (fun gi -> g, gi))
                |> collectResults

            groups |> Result.map (fun gs -> m, rows, Map.ofList gs))
        |> Result.bind (fun (m, rows, groups) ->
            let numeric =
                d.Columns
                |> List.choose (fun (n, c) -> columnFloats c |> Option.map (fun a -> n, a))
                |> Map.ofList

            let matrices =
                d.Columns
                |> List.choose (fun (n, c) ->
                    match c with
                    | Column.Matrix a -> Some(n, a)
                    | _ -> None)
                |> Map.ofList

            let columnShapes =
                d.Columns
                |> List.choose (fun (n, c) ->
                    match c with
                    | Column.Reals _
                    | Column.Integers _ -> Some(n, Shape.Scalar)
                    | Column.Matrix a -> Some(n, Shape.Vector(Array2D.length2 a))
                    | Column.Labels _ -> None)
                |> Map.ofList

            let env: Shapes.Env =
                {
                    Nodes = Map.empty
                    Columns = columnShapes
                    Rows = rows
                }

            resolveNodes m env groups
            |> Result.bind (fun infos ->
                resolveLevels infos groups numeric
                |> Result.bind (fun (nesting, levelValues) ->
                    errorsOr
                        (Validate.observations infos d numeric matrices
                         @ Validate.indices infos numeric rows)
                        (fun () ->
                            Ok
                                {
                                    Model = m
                                    Data = d
                                    Rows = rows
                                    Groups = groups
                                    Nesting = nesting
                                    Nodes = infos
                                    NodeMap = infos |> List.map (fun i -> i.Node.Name, i) |> Map.ofList
                                    Numeric = numeric
                                    Matrices = matrices
                                    LevelValues = levelValues
                                    Layout = BindLayout.layout infos groups
                                }))))

    /// Like `bind`, but raises a ModelException carrying the first error.
    let bindOrThrow (m: Model) (d: Dataset) : Bound =
        match bind m d with
        | Ok b -> b
        | Error(e :: _) -> raise (ModelException e)
        | Error [] -> invalidOp "binding failed without an error"
