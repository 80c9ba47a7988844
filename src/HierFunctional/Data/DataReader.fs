namespace HierFunctional

open System
open System.Data.Common

/// A problem in data read from a database or a columnar file, located by source, column and (1-based) row.
type SourceError =
    {
        /// The source: a query's text, a file path or a table name.
        Source: string
        /// The 1-based row of the result, or 0 when the problem is in the column as a whole.
        Row: int
        /// The column.
        Column: string
        /// What is wrong and what to do.
        Problem: string
    }

    /// One line for people: source, row, column, problem.
    member e.Message =
        let row = if e.Row > 0 then $" row {e.Row}," else ""
        $"{e.Source}:{row} column '{e.Column}': {e.Problem}"

/// The exception form of a SourceError.
type SourceException(error: SourceError) =
    inherit Exception(error.Message)
    /// The error in full.
    member _.Error = error

/// How to read a source: which columns are labels whatever their type.
type SourceOptions =
    {
        /// Columns read as labels (categorical) even when they hold numbers, e.g. integer group ids.
        Categorical: string list
    }

/// Data sets from any ADO.NET reader or connection (DuckDB, SQLite, Postgres, SQL Server through their providers).
/// Column types come from the reader, not from guessing: integer types are integers, floating and decimal types
/// are reals, booleans are 0/1 integers, text is labels with levels in first-appearance order. A NULL in a numeric
/// column is a missing value (NaN, so an integer column with NULLs becomes reals), which binding refuses by column
/// and row if a model uses it, as for CSV. Dates and times are labels in ISO 8601, as a CSV date column is. A NULL
/// label, a duplicate column name or an unsupported type (blobs, lists) is refused here, naming the column and row.
[<RequireQualifiedAccess>]
module DataReader =

    /// Every column's type inferred from the reader.
    let defaultOptions = { Categorical = [] }

    [<RequireQualifiedAccess>]
    type private Kind =
        | Integer
        | Real
        | Boolean
        | Text

    let private kindOf (t: Type) =
        if
            t = typeof<int>
            || t = typeof<int64>
            || t = typeof<int16>
            || t = typeof<sbyte>
            || t = typeof<byte>
            || t = typeof<uint16>
            || t = typeof<uint32>
            || t = typeof<uint64>
            || t = typeof<Numerics.BigInteger>
        then
            Some Kind.Integer
        elif t = typeof<float> || t = typeof<float32> || t = typeof<decimal> then
            Some Kind.Real
        elif t = typeof<bool> then
            Some Kind.Boolean
        elif
            t = typeof<string>
            || t = typeof<char>
            || t = typeof<Guid>
            || t = typeof<DateTime>
            || t = typeof<DateOnly>
            || t = typeof<DateTimeOffset>
            || t = typeof<TimeOnly>
            || t = typeof<TimeSpan>
        then
            Some Kind.Text
        else
            None

    // Dates are labels in ISO 8601, as the CSV reader reads a date column: usable as a grouping factor, refused by
    // name if a model uses it as a number.
    let private text (value: obj) =
        match value with
        | :? DateTime as d when d.TimeOfDay = TimeSpan.Zero ->
            d.ToString("yyyy-MM-dd", Globalization.CultureInfo.InvariantCulture)
        | :? DateTime as d -> d.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFF", Globalization.CultureInfo.InvariantCulture)
        | :? DateOnly as d -> d.ToString("yyyy-MM-dd", Globalization.CultureInfo.InvariantCulture)
        | :? DateTimeOffset as d -> d.ToString("o", Globalization.CultureInfo.InvariantCulture)
        | v -> Convert.ToString(v, Globalization.CultureInfo.InvariantCulture)


    let private problem source row column text =
        Error
            {
                Source = source
                Row = row
                Column = column
                Problem = text
            }

    // Integer-valued cells are held as floats while reading (exact up to 2^53); the column is integers only if
    // every value fits an int, so a 64-bit id too large for the model's integers is refused rather than wrapped.
    let private integerValue (value: obj) =
        match value with
        | :? Numerics.BigInteger as b -> float b
        | v -> Convert.ToDouble(v, Globalization.CultureInfo.InvariantCulture)

    let private finishNumeric (kind: Kind) (values: ResizeArray<float>) (hasNull: bool) =
        let xs = values.ToArray()

        if (kind = Kind.Integer || kind = Kind.Boolean) && not hasNull then
            if xs |> Array.forall (fun x -> abs x < 2147483648.0) then
                Ok(Column.Integers(xs |> Array.map int))
            else
                let row = (xs |> Array.findIndex (fun x -> abs x >= 2147483648.0)) + 1

                Error(
                    row,
                    $"the value {xs[row - 1]:R} does not fit a 32-bit integer; if it is an id, declare the column categorical, otherwise cast it to a real in the query"
                )
        else
            Ok(Column.Reals xs)

    /// Reads every row of a reader into a data set with the given options; `source` names it in errors.
    let readWith (options: SourceOptions) (source: string) (reader: DbDataReader) : Result<Dataset, SourceError> =
        let names = Array.init reader.FieldCount reader.GetName

        match names |> Array.countBy id |> Array.tryFind (fun (_, n) -> n > 1) with
        | Some(name, n) ->
            problem
                source
                0
                name
                $"{n} columns of the result share this name; alias them (SELECT a.x AS x_a, b.x AS x_b)"
        | None ->
            let declared = names |> Array.map (fun n -> List.contains n options.Categorical)

            let kinds =
                names
                |> Array.mapi (fun i name ->
                    let t = reader.GetFieldType i

                    if declared[i] then
                        Ok Kind.Text
                    else
                        match kindOf t with
                        | Some k -> Ok k
                        | None ->
                            problem
                                source
                                0
                                name
                                $"its type {t.Name} is not a number, boolean, date or text; cast it in the query (e.g. CAST(x AS DOUBLE), or to VARCHAR to use it as a label) or leave it out")

            match
                kinds
                |> Array.tryPick (function
                    | Error e -> Some e
                    | Ok _ -> None)
            with
            | Some e -> Error e
            | None ->
                let kinds =
                    kinds
                    |> Array.map (function
                        | Ok k -> k
                        | Error _ -> Kind.Text)

                let numbers = names |> Array.map (fun _ -> ResizeArray<float>())
                let texts = names |> Array.map (fun _ -> ResizeArray<string>())
                let hasNull = Array.zeroCreate<bool> names.Length
                let mutable row = 0
                let mutable failure = None

                while failure.IsNone && reader.Read() do
                    row <- row + 1

                    for i in 0 .. names.Length - 1 do
                        if failure.IsNone then
                            let isNull = reader.IsDBNull i

                            match kinds[i] with
                            | Kind.Text when isNull ->
                                failure <-
                                    Some
                                        {
                                            Source = source
                                            Row = row
                                            Column = names[i]
                                            Problem =
                                                "a label is NULL; filter the row out (WHERE x IS NOT NULL) or give missing labels a level of their own (COALESCE(x, 'missing'))"
                                        }
                            | Kind.Text -> texts[i].Add(text (reader.GetValue i))
                            | _ when isNull ->
                                hasNull[i] <- true
                                numbers[i].Add nan
                            | Kind.Boolean -> numbers[i].Add(if reader.GetBoolean i then 1.0 else 0.0)
                            | Kind.Integer -> numbers[i].Add(integerValue (reader.GetValue i))
                            | Kind.Real ->
                                numbers[i]
                                    .Add(
                                        Convert.ToDouble(reader.GetValue i, Globalization.CultureInfo.InvariantCulture)
                                    )

                match failure with
                | Some e -> Error e
                | None ->
                    let columns =
                        names
                        |> Array.mapi (fun i name ->
                            match kinds[i] with
                            | Kind.Text ->
                                let values = texts[i].ToArray()
                                Ok(name, Column.Labels(values, Array.distinct values))
                            | kind ->
                                finishNumeric kind numbers[i] hasNull[i]
                                |> Result.map (fun c -> name, c)
                                |> Result.mapError (fun (r, p) ->
                                    {
                                        Source = source
                                        Row = r
                                        Column = name
                                        Problem = p
                                    }))

                    match
                        columns
                        |> Array.tryPick (function
                            | Error e -> Some e
                            | Ok _ -> None)
                    with
                    | Some e -> Error e
                    | None ->
                        Ok(
                            columns
                            |> Array.fold
                                (fun d c ->
                                    match c with
                                    | Ok(name, column) -> Dataset.add name column d
                                    | Error _ -> d)
                                Dataset.empty
                        )

    /// Reads every row of a reader into a data set, every column's type from the reader.
    let read (source: string) (reader: DbDataReader) : Result<Dataset, SourceError> =
        readWith defaultOptions source reader

    /// Runs a query on an open connection and reads its result; errors name `source` (e.g. the file it reads).
    let queryAs (options: SourceOptions) (source: string) (connection: DbConnection) (sql: string) =
        use command = connection.CreateCommand()
        command.CommandText <- sql
        use reader = command.ExecuteReader()
        readWith options source reader

    /// Runs a query on an open connection and reads its result; errors name the query, shortened to a line.
    let queryWith (options: SourceOptions) (connection: DbConnection) (sql: string) : Result<Dataset, SourceError> =
        let oneLine = sql.ReplaceLineEndings(" ").Trim()

        let source =
            if oneLine.Length > 80 then
                oneLine.Substring(0, 77) + "..."
            else
                oneLine

        queryAs options source connection sql

    /// Runs a query on an open connection and reads its result, every column's type from the reader.
    let query (connection: DbConnection) (sql: string) : Result<Dataset, SourceError> =
        queryWith defaultOptions connection sql
