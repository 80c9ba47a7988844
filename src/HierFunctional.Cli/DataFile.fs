namespace HierFunctional.Cli

open System
open System.Globalization
open HierFunctional

/// Reading the user's CSV and turning data and model errors into one message that names the file, row and column.
[<RequireQualifiedAccess>]
module DataFile =

    /// Reads a CSV file with the given options (label columns, delimiter), or a Parquet file (by its extension,
    /// through DuckDB, with the same label columns); a missing file, ragged row, unclosed quote, a numeric column
    /// with text cells or an unsupported Parquet column fails with the file, row and column.
    let read (options: CsvOptions) (path: string) : Dataset =
        let read () =
            try
                if path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) then
                    Sources.DuckDb.parquetWith { Categorical = options.Categorical } path
                    |> Result.mapError (fun e -> e.Message)
                else
                    Csv.readWith options path |> Result.mapError (fun e -> e.Message)
            with :? IO.FileNotFoundException ->
                Fail.data $"{path}: the file does not exist; check the path."

        match read () with
        | Ok d -> d
        | Error message -> Fail.data message

    /// Parses CSV text that came from `source` (an embedded example's file name).
    let parse (source: string) (text: string) : Dataset =
        match Csv.parse source text with
        | Ok d -> d
        | Error e -> Fail.data e.Message

    // A numeric column with one stray word is read as labels; find the word so the message can point at it.
    let private firstNonNumber (d: Dataset) (column: string) =
        match Dataset.tryColumn column d with
        | Some(Column.Labels(values, _)) ->
            values
            |> Array.tryFindIndex (fun v ->
                v <> ""
                && v <> "NA"
                && not (fst (Double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture))))
            |> Option.map (fun i -> i + 1, values.[i])
        | _ -> None

    /// One sentence for a model error about data from `source`, naming the row (1-based, after the header).
    let describe (source: string) (d: Dataset) (e: ModelError) : string =
        match e with
        | ModelError.WrongColumnType(column, expected, _) ->
            match firstNonNumber d column with
            | Some(row, value) ->
                $"{source}: column '{column}' row {row} is '{value}', which is not a number; the column is used as {expected}. Fix the value (use NA for a missing one)."
            | None -> $"{source}: {ModelError.describe e}"
        | _ -> $"{source}: {ModelError.describe e}"

    /// Fails with every model error (one per line) if there are any.
    let fail (source: string) (d: Dataset) (errors: ModelError list) : 'a =
        errors
        |> List.map (describe source d)
        |> String.concat Environment.NewLine
        |> Fail.data
