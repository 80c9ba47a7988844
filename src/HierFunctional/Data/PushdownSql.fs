namespace HierFunctional

open System
open System.Data.Common

/// The one GROUP BY query a push-down sends to a database, generated from the model tree, and the reading of its
/// result into per-group sums with the checks the row path makes (NULLs, non-finite values, counts that are
/// negative or not whole), each naming the column and the group.
[<RequireQualifiedAccess>]
module PushdownSql =

    /// A SQL identifier in double quotes with embedded quotes doubled: any column name, none can end the quoting.
    let quote (name: string) =
        "\"" + name.Replace("\"", "\"\"") + "\""

    let private nulls c =
        $"SUM(CASE WHEN {quote c} IS NULL THEN 1 ELSE 0 END)"

    let private nonInteger c =
        $"SUM(CASE WHEN {quote c} <> CAST({quote c} AS BIGINT) THEN 1 ELSE 0 END)"

    /// What each selected measure of a node is, in select order.
    type private Measure =
        | Nulls of column: string
        | Mean
        | VarPop
        | Sum
        | Min of column: string
        | NonInteger of column: string
        | SizeSum
        | OverTrials of trials: string

    let private measures (s: GroupSums) =
        let y = s.Node

        let size =
            match s with
            | GroupSums.Poisson(_, Size.Column c) -> [ Nulls c; SizeSum; Min c ]
            | GroupSums.Binomial(_, Size.Column c) -> [ Nulls c; SizeSum; Min c; NonInteger c; OverTrials c ]
            | _ -> []

        match s with
        | GroupSums.Normal _ -> [ Nulls y; Mean; VarPop ]
        | _ -> [ Nulls y; Sum; Min y; NonInteger y ] @ size

    let private sql (s: GroupSums) (m: Measure) =
        let y = quote s.Node

        match m, s with
        | Nulls c, _ -> nulls c
        | Mean, _ -> $"AVG({y})"
        | VarPop, _ -> $"VAR_POP({y})"
        | Sum, _ -> $"SUM({y})"
        | Min c, _ -> $"MIN({quote c})"
        | NonInteger c, _ -> nonInteger c
        | SizeSum, (GroupSums.Poisson(_, Size.Column c) | GroupSums.Binomial(_, Size.Column c)) -> $"SUM({quote c})"
        | SizeSum, _ -> "0"
        | OverTrials t, _ -> $"SUM(CASE WHEN {y} > {quote t} THEN 1 ELSE 0 END)"

    /// The GROUP BY query over a relation (any SELECT the database runs, e.g. `SELECT * FROM read_parquet('x')`):
    /// the keys, COUNT(*), then per observed node its sums and checks. Identifiers are quoted; the relation is the
    /// caller's own SQL.
    let query (plan: PushdownPlan) (relation: string) : string =
        let keys = plan.Keys |> List.map quote |> String.concat ", "

        let selected =
            [
                if keys <> "" then
                    keys
                "COUNT(*)"
                for s in plan.Sums do
                    for m in measures s do
                        sql s m
            ]
            |> String.concat ", "

        let grouping =
            if keys = "" then
                ""
            else
                $" GROUP BY {keys} ORDER BY {keys}"

        $"SELECT {selected} FROM ({relation}) AS hf_rows{grouping}"

    let private number (value: obj) =
        match value with
        | :? DBNull -> nan
        | :? Numerics.BigInteger as b -> float b
        | v -> Convert.ToDouble(v, Globalization.CultureInfo.InvariantCulture)

    let internal keyColumn (t: Type) (values: obj[]) =
        let numbers () = values |> Array.map number

        if t = typeof<float> || t = typeof<float32> || t = typeof<decimal> then
            Column.Reals(numbers ())
        else
            let xs = if t = typeof<string> then [||] else numbers ()

            if
                xs.Length = values.Length
                && xs |> Array.forall (fun x -> abs x < 2147483648.0 && x = floor x)
            then
                Column.Integers(xs |> Array.map int)
            else
                let text =
                    values
                    |> Array.map (fun v -> Convert.ToString(v, Globalization.CultureInfo.InvariantCulture))

                Column.Labels(text, text)

    /// Reads the result of `query` (one row per group) into per-group sums, column by column into flat arrays
    /// through typed getters, refusing NULL group labels, NULL or non-finite values and invalid counts with an error
    /// naming the column and the group.
    let internal read (plan: PushdownPlan) (source: string) (reader: DbDataReader) : Result<GroupTable, SourceError> =
        let k = plan.Keys.Length
        let layout = plan.Sums |> List.map (fun s -> s, measures s)
        let keyBuffers = Array.init k (fun i -> PushdownColumns.KeyBuffer(reader, i))
        let width = reader.FieldCount - k
        let getters = Array.init width (fun i -> PushdownColumns.number reader (k + i))
        // Column c of the result after the keys: COUNT(*) first, then each node's measures.
        let values = Array.init width (fun _ -> ResizeArray<float>())
        let mutable failure = None

        let fail column problem =
            failure <-
                Some
                    {
                        Source = source
                        Row = 0
                        Column = column
                        Problem = problem
                    }

        while failure.IsNone && reader.Read() do
            match List.init k id |> List.tryFind reader.IsDBNull with
            | Some i ->
                fail
                    plan.Keys.[i]
                    "a group label is NULL; filter those rows out (WHERE x IS NOT NULL) or give missing labels a level of their own (COALESCE(x, 'missing'))"
            | None ->
                for i in 0 .. k - 1 do
                    keyBuffers.[i].Add()

                for c in 0 .. width - 1 do
                    values.[c].Add(getters.[c]())

        match failure with
        | Some e -> Error e
        | None ->
            let keys = plan.Keys |> List.mapi (fun i name -> name, keyBuffers.[i].Column())
            let counts = values.[0].ToArray()
            let columns = Array.init (width - 1) (fun c -> values.[c + 1].ToArray())

            let check (s: GroupSums) (m: Measure) (g: int) (v: float) =
                // Named only when a check fails: formatting every group's name would cost a string per cell.
                let group () = PushdownData.groupName keys g

                match m with
                | Nulls c when v > 0.0 ->
                    Some(c, $"{v} NULL value(s) in group {group ()}; filter them out (WHERE {quote c} IS NOT NULL)")
                | Mean
                | Sum when not (Double.IsFinite v) -> Some(s.Node, $"a NaN or infinite value in group {group ()}")
                | Min c when v < 0.0 -> Some(c, $"a negative value ({v:R}) in group {group ()}; counts are 0 or more")
                | NonInteger c when v > 0.0 -> Some(c, $"{v} value(s) that are not whole numbers in group {group ()}")
                | OverTrials t when v > 0.0 ->
                    Some(s.Node, $"{v} row(s) with more successes than '{t}' in group {group ()}")
                | _ -> None

            let firstProblem (s: GroupSums) (m: Measure) (column: float[]) =
                let mutable g = 0
                let mutable found = None

                while found.IsNone && g < column.Length do
                    found <- check s m g column.[g]
                    g <- g + 1

                found

            let starts = layout |> List.scan (fun start (_, ms) -> start + List.length ms) 0

            let nodes =
                List.zip layout (List.take layout.Length starts)
                |> List.map (fun ((s, ms), offset) ->
                    let at (m: Measure) =
                        offset + (ms |> List.findIndex (fun x -> x = m))

                    let problems =
                        ms
                        |> List.mapi (fun i m -> firstProblem s m columns.[offset + i])
                        |> List.tryPick id

                    let value =
                        match s with
                        | GroupSums.Normal _ -> columns.[at Mean]
                        | _ -> columns.[at Sum]

                    let spread =
                        match s with
                        | GroupSums.Normal _ -> Array.map2 (*) counts columns.[at VarPop]
                        | GroupSums.Poisson(_, Size.Column _)
                        | GroupSums.Binomial(_, Size.Column _) -> columns.[at SizeSum]
                        | GroupSums.Poisson(_, Size.Constant c)
                        | GroupSums.Binomial(_, Size.Constant c) -> counts |> Array.map (fun n -> c * n)

                    problems,
                    {
                        Sums = s
                        Value = value
                        Spread = spread
                    })

            match nodes |> List.tryPick fst with
            | Some(column, problem) ->
                Error
                    {
                        Source = source
                        Row = 0
                        Column = column
                        Problem = problem
                    }
            | None ->
                Ok
                    {
                        Keys = keys
                        Count = counts
                        Nodes = nodes |> List.map snd
                    }

    /// Runs the generated query on an open connection and reads the per-group sums; errors name `source`.
    let internal run (plan: PushdownPlan) (source: string) (connection: DbConnection) (relation: string) =
        use command = connection.CreateCommand()
        command.CommandText <- query plan relation
        command.CommandTimeout <- 0
        use reader = command.ExecuteReader()
        read plan source reader
