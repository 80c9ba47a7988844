namespace HierFunctional

open System
open System.Collections.Generic
open System.Data.Common

/// Aggregate push-down over a streaming source (any DbDataReader: a query result, a CSV or Parquet reader): one
/// pass that keeps only per-group sums, with the row path's checks naming the column and the 1-based row.
[<RequireQualifiedAccess>]
module PushdownStream =

    type private Accumulator =
        {
            Key: obj[]
            mutable Count: float
            /// Per node: running mean (Normal) or Σ y (counts).
            Value: float[]
            /// Per node: running Σ (y − mean)² by Welford's update (Normal) or Σ size (counts).
            Spread: float[]
        }

    let private number (value: obj) =
        match value with
        | :? Numerics.BigInteger as b -> float b
        | :? bool as b -> if b then 1.0 else 0.0
        | v -> Convert.ToDouble(v, Globalization.CultureInfo.InvariantCulture)

    // Group keys sort as the row path orders levels: numbers numerically, text ordinally.
    let private compareKeys (a: obj[]) (b: obj[]) =
        Seq.zip a b
        |> Seq.map (fun (x, y) ->
            match x, y with
            | (:? string as s), (:? string as t) -> String.CompareOrdinal(s, t)
            | _ -> compare (number x) (number y))
        |> Seq.tryFind (fun c -> c <> 0)
        |> Option.defaultValue 0

    /// The first problem met in a pass over the rows, naming the column and the 1-based row; later problems (a NULL
    /// count that is then not a whole number, say) are not recorded over it.
    type private RowProblems(source: string, names: string[]) =
        let mutable first: SourceError option = None

        /// The 1-based row being read.
        member val Row = 0 with get, set
        /// The first problem, if any.
        member _.First = first
        /// True once a problem was met.
        member _.Found = first.IsSome

        member p.Fail(at: int, problem: string) =
            if first.IsNone then
                first <-
                    Some
                        {
                            Source = source
                            Row = p.Row
                            Column = names.[at]
                            Problem = problem
                        }

        member p.NullKey(at: int) =
            p.Fail(at, "a group label is NULL; filter those rows out or give missing labels a level of their own")

        /// `v`, the value read from column `at`, after checking that it is neither NULL nor infinite.
        member p.Checked(at: int, isNull: bool, v: float) =
            if isNull then
                p.Fail(at, $"a NULL value; filter the row out (WHERE {names.[at]} IS NOT NULL)")
            elif not (Double.IsFinite v) then
                p.Fail(at, $"the value {v} is not finite")

            v

        /// Checks that `y`, of column `at`, is a whole number of 0 or more.
        member p.Count(at: int, y: float) =
            if y < 0.0 || y <> floor y then
                p.Fail(at, $"the count {y:R} is not a whole number of 0 or more")

        /// For Binomial sums, checks that the successes `y` of column `at` are at most the trials `size`.
        member p.Successes(sums: GroupSums, at: int, y: float, size: float) =
            match sums with
            | GroupSums.Binomial _ when y > size -> p.Fail(at, $"{y:R} successes are more than the {size:R} trials")
            | _ -> ()

    /// The one-pass sums when the only group key is an integer column: per group a slot in flat arrays (count, and
    /// per node value and spread), found through one dictionary from key to slot, values read through typed
    /// getters; no object per row or per group, so 10⁹ rows over 10⁷ groups take O(groups) memory.
    let private readIntegerKeyed
        (sums: GroupSums[])
        (names: string[])
        (keyAt: int)
        (yAt: int[])
        (sizeAt: int[])
        (source: string)
        (reader: DbDataReader)
        : Result<GroupTable, SourceError> =
        let key = PushdownColumns.integer reader keyAt
        let ys = yAt |> Array.map (PushdownColumns.number reader)

        let sizes =
            sizeAt
            |> Array.map (fun i ->
                if i < 0 then
                    (fun () -> nan)
                else
                    PushdownColumns.number reader i)

        let slots = Dictionary<int64, int>()
        let keys = ResizeArray<int64>()
        let count = ResizeArray<float>()
        let value = sums |> Array.map (fun _ -> ResizeArray<float>())
        let spread = sums |> Array.map (fun _ -> ResizeArray<float>())
        let problems = RowProblems(source, names)

        let checkedValue (at: int) (v: float) =
            problems.Checked(at, Double.IsNaN v && reader.IsDBNull at, v)

        while not problems.Found && reader.Read() do
            problems.Row <- problems.Row + 1

            if reader.IsDBNull keyAt then
                problems.NullKey keyAt
            else
                let k = key ()

                let slot =
                    match slots.TryGetValue k with
                    | true, s -> s
                    | _ ->
                        let s = keys.Count
                        slots.[k] <- s
                        keys.Add k
                        count.Add 0.0

                        for j in 0 .. sums.Length - 1 do
                            value.[j].Add 0.0
                            spread.[j].Add 0.0

                        s

                let n = count.[slot] + 1.0
                count.[slot] <- n

                for j in 0 .. sums.Length - 1 do
                    if not problems.Found then
                        let y = checkedValue yAt.[j] (ys.[j]())

                        match sums.[j] with
                        | GroupSums.Normal _ ->
                            let mean = value.[j].[slot]
                            let delta = y - mean
                            let updated = mean + delta / n
                            value.[j].[slot] <- updated
                            spread.[j].[slot] <- spread.[j].[slot] + delta * (y - updated)
                        | GroupSums.Poisson(_, size)
                        | GroupSums.Binomial(_, size) ->
                            problems.Count(yAt.[j], y)

                            let s =
                                match size with
                                | Size.Column _ -> checkedValue sizeAt.[j] (sizes.[j]())
                                | Size.Constant c -> c

                            problems.Successes(sums.[j], yAt.[j], y, s)

                            value.[j].[slot] <- value.[j].[slot] + y
                            spread.[j].[slot] <- spread.[j].[slot] + s

        match problems.First with
        | Some e -> Error e
        | None ->
            // Groups in ascending key order, as the row path orders numeric levels.
            let sortedKeys = keys.ToArray()
            let order = Array.init sortedKeys.Length id
            Array.Sort(sortedKeys, order)
            let pick (xs: ResizeArray<float>) = order |> Array.map (fun s -> xs.[s])

            let keyColumn =
                if sortedKeys |> Array.forall (fun x -> x > -2147483648L && x < 2147483648L) then
                    Column.Integers(sortedKeys |> Array.map int)
                else
                    let text = sortedKeys |> Array.map string
                    Column.Labels(text, text)

            Ok
                {
                    Keys = [ names.[keyAt], keyColumn ]
                    Count = pick count
                    Nodes =
                        sums
                        |> Array.mapi (fun j s ->
                            {
                                Sums = s
                                Value = pick value.[j]
                                Spread = pick spread.[j]
                            })
                        |> List.ofArray
                }

    /// Reads every row once, keeping per-group sums in row order (so count sums equal the row path's exactly).
    let internal read (plan: PushdownPlan) (source: string) (reader: DbDataReader) : Result<GroupTable, SourceError> =
        let names = Array.init reader.FieldCount reader.GetName

        match Pushdown.columns plan |> List.tryFind (fun c -> not (Array.contains c names)) with
        | Some c ->
            Error
                {
                    Source = source
                    Row = 0
                    Column = c
                    Problem = "the source has no such column"
                }
        | None ->
            let ordinal c = Array.IndexOf(names, c)
            let keyAt = plan.Keys |> List.map ordinal |> Array.ofList
            let sums = Array.ofList plan.Sums
            let yAt = sums |> Array.map (fun s -> ordinal s.Node)

            let sizeAt =
                sums
                |> Array.map (fun s ->
                    match s with
                    | GroupSums.Poisson(_, Size.Column c)
                    | GroupSums.Binomial(_, Size.Column c) -> ordinal c
                    | _ -> -1)

            match keyAt with
            | [| k |] when PushdownColumns.isInteger (reader.GetFieldType k) ->
                readIntegerKeyed sums names k yAt sizeAt source reader
            | _ ->

                let groups = Dictionary<string, Accumulator>()
                let problems = RowProblems(source, names)

                let value (i: int) =
                    let isNull = reader.IsDBNull i
                    problems.Checked(i, isNull, (if isNull then nan else number (reader.GetValue i)))

                while not problems.Found && reader.Read() do
                    problems.Row <- problems.Row + 1

                    match keyAt |> Array.tryFind reader.IsDBNull with
                    | Some i -> problems.NullKey i
                    | None ->
                        let key = keyAt |> Array.map reader.GetValue
                        let text = key |> Array.map string |> String.concat "\u001f"

                        let acc =
                            match groups.TryGetValue text with
                            | true, a -> a
                            | _ ->
                                let a =
                                    {
                                        Key = key
                                        Count = 0.0
                                        Value = Array.zeroCreate sums.Length
                                        Spread = Array.zeroCreate sums.Length
                                    }

                                groups.[text] <- a
                                a

                        acc.Count <- acc.Count + 1.0

                        for k in 0 .. sums.Length - 1 do
                            if not problems.Found then
                                let y = value yAt.[k]

                                match sums.[k] with
                                | GroupSums.Normal _ ->
                                    let delta = y - acc.Value.[k]
                                    acc.Value.[k] <- acc.Value.[k] + delta / acc.Count
                                    acc.Spread.[k] <- acc.Spread.[k] + delta * (y - acc.Value.[k])
                                | GroupSums.Poisson(_, size)
                                | GroupSums.Binomial(_, size) ->
                                    problems.Count(yAt.[k], y)

                                    let s =
                                        match size with
                                        | Size.Column _ -> value sizeAt.[k]
                                        | Size.Constant c -> c

                                    problems.Successes(sums.[k], yAt.[k], y, s)

                                    acc.Value.[k] <- acc.Value.[k] + y
                                    acc.Spread.[k] <- acc.Spread.[k] + s

                match problems.First with
                | Some e -> Error e
                | None ->
                    let ordered =
                        groups.Values
                        |> Array.ofSeq
                        |> Array.sortWith (fun a b -> compareKeys a.Key b.Key)

                    let keys =
                        plan.Keys
                        |> List.mapi (fun i name ->
                            name,
                            PushdownSql.keyColumn
                                (reader.GetFieldType keyAt.[i])
                                (ordered |> Array.map (fun a -> a.Key.[i])))

                    Ok
                        {
                            Keys = keys
                            Count = ordered |> Array.map (fun a -> a.Count)
                            Nodes =
                                sums
                                |> Array.mapi (fun k s ->
                                    {
                                        Sums = s
                                        Value = ordered |> Array.map (fun a -> a.Value.[k])
                                        Spread = ordered |> Array.map (fun a -> a.Spread.[k])
                                    })
                                |> List.ofArray
                        }
