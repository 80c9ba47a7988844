namespace HierFunctional

/// Data checks that need resolved nodes: observation supports and data-driven indices.
[<RequireQualifiedAccess>]
module internal Validate =

    /// How a column's kind is named in error messages.
    let kindName (c: Column) =
        match c with
        | Column.Reals _ -> "real numbers"
        | Column.Integers _ -> "integers"
        | Column.Labels _ -> "text labels"
        | Column.Matrix _ -> "a matrix"

    /// The value of a parameter-free scalar expression in a row, if it can be known without parameters.
    let rec private rowConstant (numeric: Map<string, float[]>) (row: int) (e: Expr) : float option =
        let go = rowConstant numeric row
        let lift2 f a b = Option.map2 f (go a) (go b)

        match e with
        | Const x -> Some x
        | Data c -> numeric.TryFind c |> Option.map (fun a -> a.[row])
        | Neg a -> go a |> Option.map (~-)
        | Add(a, b) -> lift2 (+) a b
        | Sub(a, b) -> lift2 (-) a b
        | Mul(a, b) -> lift2 (*) a b
        | Div(a, b) -> lift2 (/) a b
        | _ -> None

    let private isCount (x: float) = x >= 0.0 && x = floor x

    /// The first problem with one observed scalar, as the sentence for OutsideSupport.
    let private scalarProblem (info: NodeInfo) (d: Dist) (trials: (float * string) option) (x: float) : string option =
        match Dist.support d with
        | Support.Real -> None
        | Support.Positive when x > 0.0 -> None
        | Support.Positive -> Some "a positive value"
        | Support.UnitInterval when x >= 0.0 && x <= 1.0 -> None
        | Support.UnitInterval -> Some "a probability in [0, 1]"
        | Support.Interval(lo, hi) when x >= lo && x <= hi -> None
        | Support.Interval(lo, hi) -> Some $"a value in [{lo}, {hi}]"
        | Support.Binary when x = 0.0 || x = 1.0 -> None
        | Support.Binary -> Some "0 or 1"
        | Support.Count when isCount x -> None
        | Support.Count -> Some "a non-negative integer count"
        | Support.BoundedCount when not (isCount x) -> Some "a non-negative integer count"
        | Support.BoundedCount ->
            match trials with
            | Some(n, column) when x > n -> Some $"a count no larger than its number of trials ({n} in {column})"
            | _ -> None
        | Support.Category when isCount x && x < float info.Dim -> None
        | Support.Category -> Some $"a category code in 0..{info.Dim - 1}"
        | Support.Ordinal when isCount x && x >= 1.0 && x <= float info.Dim -> None
        | Support.Ordinal -> Some $"an ordinal category in 1..{info.Dim}"
        | _ -> None

    /// The column an expression reads, for messages: the column itself for `data "c"`, else the node's name.
    let private columnOf (node: string) (e: Expr) =
        match e with
        | Data c -> c
        | _ -> node

    /// The first row whose trials (Binomial, BetaBinomial) are not a whole number, 0 or more, or whose Poisson
    /// exposure is not positive. These are data, so a bad row is named here rather than surfacing later as a
    /// numerical failure of the sampler that names neither column nor row.
    let private countParameters (node: string) (numeric: Map<string, float[]>) (rows: int) (dist: Dist) =
        let firstBad (e: Expr) (ok: float -> bool) (need: string) =
            seq { 0 .. rows - 1 }
            |> Seq.tryPick (fun r ->
                match rowConstant numeric r e with
                | Some v when not (ok v) -> Some(ModelError.OutsideSupport(node, columnOf node e, r + 1, v, need))
                | _ -> None)

        match dist with
        | Dist.Binomial(n, _)
        | Dist.BetaBinomial(n, _, _) -> firstBad n isCount "a number of trials that is a whole number, 0 or more"
        | Dist.Poisson(_, exposure) ->
            firstBad
                exposure
                (fun v -> v > 0.0)
                "a positive exposure (a row with no exposure can have no events: drop the row)"
        | _ -> None

    /// Every observation lies in the support of its node, and its trials or exposure are valid.
    let observations
        (infos: NodeInfo list)
        (d: Dataset)
        (numeric: Map<string, float[]>)
        (matrices: Map<string, float[,]>)
        =
        infos
        |> List.collect (fun info ->
            match info.Node.Kind, info.Event with
            | NodeKind.Observed dist, Shape.Scalar ->
                match numeric.TryFind info.Node.Name with
                | None ->
                    [
                        ModelError.WrongColumnType(
                            info.Node.Name,
                            "one number per row",
                            kindName (Option.get (Dataset.tryColumn info.Node.Name d))
                        )
                    ]
                | Some xs ->
                    let trials =
                        match dist with
                        | Dist.Binomial(n, _)
                        | Dist.BetaBinomial(n, _, _) ->
                            fun row -> rowConstant numeric row n |> Option.map (fun v -> v, columnOf info.Node.Name n)
                        | _ -> fun _ -> None

                    // a truncated observation must lie in its bounds (read per row, so data-dependent bounds are
                    // checked too) and in its parent's support
                    let problem =
                        match dist with
                        | Dist.Truncated(inner, lo, hi) ->
                            let bound (e: Expr option) row (open': float) =
                                match e with
                                | None -> Some open'
                                | Some e -> rowConstant numeric row e

                            fun row x ->
                                match bound lo row -infinity, bound hi row infinity with
                                | Some l, Some u when not (x >= l && x <= u) ->
                                    Some $"a value within its truncation bounds [{l}, {u}]"
                                | _ -> scalarProblem info inner None x
                        | _ -> fun row x -> scalarProblem info dist (trials row) x

                    match countParameters info.Node.Name numeric xs.Length dist with
                    | Some e -> [ e ]
                    | None ->
                        seq { 0 .. xs.Length - 1 }
                        |> Seq.tryPick (fun row ->
                            problem row xs.[row]
                            |> Option.map (fun p ->
                                ModelError.OutsideSupport(info.Node.Name, info.Node.Name, row + 1, xs.[row], p)))
                        |> Option.toList
            | NodeKind.Observed dist, Shape.Vector k ->
                match matrices.TryFind info.Node.Name with
                | Some a when Array2D.length2 a = k ->
                    if Dist.support dist = Support.CountVector then
                        seq {
                            for i in 0 .. Array2D.length1 a - 1 do
                                for j in 0 .. k - 1 -> i, a.[i, j]
                        }
                        |> Seq.tryFind (fun (_, x) -> not (isCount x))
                        |> Option.map (fun (i, x) ->
                            ModelError.OutsideSupport(
                                info.Node.Name,
                                info.Node.Name,
                                i + 1,
                                x,
                                "non-negative integer counts"
                            ))
                        |> Option.toList
                    else
                        []
                | _ ->
                    [
                        ModelError.ShapeMismatch(
                            info.Node.Name,
                            $"observations of a vector of length {k} need a matrix column with {k} columns named '{info.Node.Name}'"
                        )
                    ]
            | NodeKind.Observed _, ev -> [ ModelError.Unsupported(info.Node.Name, $"observing values of shape {ev}") ]
            | _ -> [])

    /// Numeric (1-based) indices read from data lie within the vector they index, row by row.
    let indices (infos: NodeInfo list) (numeric: Map<string, float[]>) (rows: int) =
        let byName = infos |> List.map (fun i -> i.Node.Name, i) |> Map.ofList

        infos
        |> List.filter (fun i -> i.Scope = Scope.Row)
        |> List.collect (fun info ->
            Model.nodeExprs info.Node
            |> List.collect Shapes.subExprs
            |> List.choose (function
                | Index(Param p, idx) when
                    (match idx with
                     | Group _ -> false
                     | _ -> List.isEmpty (Expr.paramRefs idx))
                    ->
                    let len =
                        match byName.[p].Node.Plate, byName.[p].Event with
                        | Plate.Scalar, Shape.Vector k -> k
                        | _ -> byName.[p].Copies

                    seq { 0 .. rows - 1 }
                    |> Seq.tryPick (fun r ->
                        match rowConstant numeric r idx with
                        | Some v when v = floor v && v >= 1.0 && v <= float len -> None
                        | Some v ->
                            Some(
                                ModelError.ShapeMismatch(
                                    info.Node.Name,
                                    $"row {r + 1}: index {v} of '{p}' is not a whole number in 1..{len}"
                                )
                            )
                        | None -> None)
                | _ -> None))
