namespace HierFunctional.Sources

open System.IO
open DuckDB.NET.Data
open HierFunctional

/// DuckDB, embedded: queries over Parquet, CSV and DuckDB files run out of core, and only their result is read into
/// a data set (with `DataReader`'s types and errors). Aggregate in the query (GROUP BY) to bring back less than the
/// rows.
[<RequireQualifiedAccess>]
module DuckDb =

    // DuckDB's own message for a missing file names no exception type a caller can catch; checking first gives
    // the FileNotFoundException that the CSV reader also raises.
    let private requireFile (path: string) =
        if not (File.Exists path) then
            raise (FileNotFoundException($"No such data file: {path}", path))

    let private literal (path: string) = "'" + path.Replace("'", "''") + "'"

    let private run (options: SourceOptions) (database: string) (source: string option) (sql: string) =
        use connection = new DuckDBConnection($"DataSource={database}")
        connection.Open()

        match source with
        | Some name -> DataReader.queryAs options name connection sql
        | None -> DataReader.queryWith options connection sql

    /// Runs a query in a database file (or in memory for ":memory:") with the given options.
    let queryInWith (options: SourceOptions) (database: string) (sql: string) : Result<Dataset, SourceError> =
        run options database None sql

    /// Runs a query in an in-memory database; the query may read files (`SELECT * FROM 'data.parquet'`).
    let query (sql: string) : Result<Dataset, SourceError> =
        queryInWith DataReader.defaultOptions ":memory:" sql

    /// Reads a Parquet file (or a glob such as `parts/*.parquet`) through DuckDB.
    let parquetWith (options: SourceOptions) (path: string) : Result<Dataset, SourceError> =
        if not (path.Contains '*') then
            requireFile path

        run options ":memory:" (Some path) $"SELECT * FROM read_parquet({literal path})"

    /// Reads a Parquet file (or a glob) through DuckDB, every column's type from the file.
    let parquet (path: string) : Result<Dataset, SourceError> =
        parquetWith DataReader.defaultOptions path

    /// Reads a CSV file through DuckDB's reader (types sniffed by DuckDB from the whole file).
    let csvWith (options: SourceOptions) (path: string) : Result<Dataset, SourceError> =
        requireFile path
        run options ":memory:" (Some path) $"SELECT * FROM read_csv({literal path})"
