namespace HierFunctional.Sources

open System
open System.Data
open System.IO
open Parquet
open HierFunctional

/// Parquet files read directly (Parquet.Net, managed code) into a data set, with `DataReader`'s types and errors.
/// The whole file is read into memory; for files larger than memory query them through `DuckDb` and aggregate.
[<RequireQualifiedAccess>]
module Parquet =

    /// Reads a Parquet file with the given options.
    let readWith (options: SourceOptions) (path: string) : Result<Dataset, SourceError> =
        if not (File.Exists path) then
            raise (FileNotFoundException($"No such data file: {path}", path))

        let fields =
            (ParquetReader.ReadSchemaAsync path).GetAwaiter().GetResult().DataFields

        let rows =
            use stream = File.OpenRead path

            Serialization.ParquetSerializer
                .DeserializeUntypedAsync(stream, null, Nullable(), Threading.CancellationToken.None)
                .GetAwaiter()
                .GetResult()

        // A DataTable gives the rows a DbDataReader with the file's column types, so one reader path serves all.
        use table = new DataTable(Path.GetFileName path)

        // Parquet.Net types text as ReadOnlyMemory<char>; the reader path knows text as string.
        let columnType (t: Type) =
            if t = typeof<ReadOnlyMemory<char>> then
                typeof<string>
            else
                t

        for f in fields do
            table.Columns.Add(f.Name, columnType f.ClrType) |> ignore

        for row in rows.Data do
            let values =
                fields
                |> Array.map (fun f ->
                    match row.TryGetValue f.Name with
                    | true, (:? ReadOnlyMemory<char> as text) -> box (text.ToString())
                    | true, v when not (isNull v) -> v
                    | _ -> box DBNull.Value)

            table.Rows.Add values |> ignore

        use reader = table.CreateDataReader()
        DataReader.readWith options path reader

    /// Reads a Parquet file, every column's type from the file.
    let read (path: string) : Result<Dataset, SourceError> = readWith DataReader.defaultOptions path
