/// Data sources beyond CSV: any ADO.NET reader, DuckDB and Parquet read the same data set as the CSV reader, with
/// errors that name the source, column and row.
module HierFunctional.Tests.SourceTests

open System
open System.IO
open Microsoft.Data.Sqlite
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Sources

let private dataFile name =
    Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "docs", "data", name))

let private ok result =
    match result with
    | Ok d -> d
    | Error(e: SourceError) -> failwith e.Message

let private refused result =
    match result with
    | Ok _ -> failwith "the source was accepted"
    | Error(e: SourceError) -> e

let private tempFile extension =
    Path.Combine(Path.GetTempPath(), $"hier-source-{Guid.NewGuid():N}{extension}")

let ``DuckDB reads a CSV file into the same data set as the CSV reader`` () =
    let path = dataFile "eight_schools.csv"
    Assert.Equal(Csv.readOrThrow path, ok (DuckDb.csvWith DataReader.defaultOptions path))

let ``a Parquet file reads the same through Parquet.Net as through DuckDB, and as its CSV`` () =
    let csv = dataFile "radon.csv"
    let parquet = tempFile ".parquet"

    try
        DuckDb.query $"COPY (SELECT * FROM read_csv('{csv}')) TO '{parquet}' (FORMAT PARQUET)"
        |> ignore

        let direct = ok (Parquet.read parquet)
        Assert.Equal(ok (DuckDb.parquet parquet), direct)
        Assert.Equal(Csv.readOrThrow csv, direct)
    finally
        File.Delete parquet

let private schools =
    model {
        let! mu = sample "mu" (Distributions.Normal(0.0, 5.0))
        let! tau = sample "tau" (Distributions.HalfCauchy 5.0)
        let! theta = sample "theta" (Distributions.Normal(mu, tau)) |> over "school"
        do! observe "y" (Distributions.Normal(theta.[group "school"], data "sigma"))
    }

let private draws (d: Dataset) =
    match Bind.bind schools d |> Result.bind Gibbs.compile with
    | Error e -> failwithf "%A" e
    | Ok plan ->
        let post =
            Chains.run (SamplerOptions.Default.WithChains(2).WithWarmup(100).WithDraws(200).WithSeed(5)) plan

        Posterior.chains "tau" post

let ``a fit from a query draws exactly what the fit from the CSV file draws`` () =
    let path = dataFile "eight_schools.csv"

    let fromQuery =
        ok (DuckDb.query $"SELECT school, y, sigma FROM read_csv('{path}') ORDER BY school")

    Assert.Equal<float[][]>(draws (Csv.readOrThrow path), draws fromQuery)

let ``a NULL label is refused naming the column and the row`` () =
    let e =
        refused (DuckDb.query "SELECT * FROM (VALUES ('a', 1.0), (NULL, 2.0)) t(school, y)")

    Assert.Equal(("school", 2), (e.Column, e.Row))
    Assert.Contains("IS NOT NULL", e.Message)

let ``a NULL number is a missing value that binding refuses naming the column and the row`` () =
    let d =
        ok (
            DuckDb.query
                "SELECT * FROM (VALUES ('A', 28, 15), ('B', NULL, 10), ('C', -3, 16)) t(school, y, sigma) ORDER BY school"
        )

    match Bind.bind schools d with
    | Ok _ -> failwith "a missing y was accepted"
    | Error errors ->
        let located =
            errors
            |> List.choose (function
                | ModelError.NonFiniteValue(column, row, _) -> Some(column, row)
                | _ -> None)

        Assert.Equal<(string * int) list>([ "y", 2 ], located)

let ``a date column reads as ISO 8601 labels, as the CSV reader reads it`` () =
    let d =
        ok (DuckDb.query "SELECT * FROM (VALUES (DATE '2024-01-31'), (DATE '2024-02-01')) t(visit)")

    Assert.Equal(
        Csv.parse "(text)" "visit\n2024-01-31\n2024-02-01\n"
        |> Result.map (Dataset.tryColumn "visit"),
        Ok(Dataset.tryColumn "visit" d)
    )

let ``a blob column is refused naming the column and saying how to cast it`` () =
    let e = refused (DuckDb.query "SELECT '\\xAA'::BLOB AS raw, 1.5 AS y")
    Assert.Equal(("raw", 0), (e.Column, e.Row))
    Assert.Contains("CAST", e.Problem)

let ``a 64-bit id too large for an integer is refused unless the column is declared categorical`` () =
    let sql = "SELECT * FROM (VALUES (1, 0.5), (9007199254740, 1.5)) t(id, y)"
    let e = refused (DuckDb.query sql)
    Assert.Equal(("id", 2), (e.Column, e.Row))

    let d = ok (DuckDb.queryInWith { Categorical = [ "id" ] } ":memory:" sql)
    Assert.Equal(Some(Column.Labels([| "1"; "9007199254740" |], [| "1"; "9007199254740" |])), Dataset.tryColumn "id" d)

let ``two result columns with one name are refused naming it`` () =
    let e = refused (DuckDb.query "SELECT 1 AS y, 2 AS y")
    Assert.Equal("y", e.Column)

let ``booleans read as 0 and 1 and integer columns with NULLs as reals with NaN`` () =
    let d =
        ok (DuckDb.query "SELECT * FROM (VALUES (true, 1), (false, NULL)) t(treated, n)")

    Assert.Equal(Some(Column.Integers [| 1; 0 |]), Dataset.tryColumn "treated" d)

    match Dataset.tryColumn "n" d with
    | Some(Column.Reals [| 1.0; x |]) -> Assert.True(Double.IsNaN x)
    | other -> failwithf "%A" other

let ``a missing Parquet file raises FileNotFoundException naming the path`` () =
    let path = tempFile ".parquet"
    let e = Assert.Throws<FileNotFoundException>(fun () -> Parquet.read path |> ignore)
    Assert.Equal(path, e.FileName)

    let e =
        Assert.Throws<FileNotFoundException>(fun () -> DuckDb.parquet path |> ignore)

    Assert.Equal(path, e.FileName)

let ``any ADO.NET provider works: SQLite reads the same data set as the CSV reader`` () =
    use connection = new SqliteConnection("Data Source=:memory:")
    connection.Open()

    let exec sql =
        use c = connection.CreateCommand()
        c.CommandText <- sql
        c.ExecuteNonQuery() |> ignore

    exec "CREATE TABLE schools (school TEXT, y INTEGER, sigma INTEGER)"
    let csv = Csv.readOrThrow (dataFile "eight_schools.csv")

    match Dataset.tryColumn "school" csv, Dataset.tryColumn "y" csv, Dataset.tryColumn "sigma" csv with
    | Some(Column.Labels(s, _)), Some(Column.Integers y), Some(Column.Integers sigma) ->
        for i in 0 .. s.Length - 1 do
            exec $"INSERT INTO schools VALUES ('{s[i]}', {y[i]}, {sigma[i]})"
    | other -> failwithf "%A" other

    Assert.Equal(csv, ok (DataReader.query connection "SELECT school, y, sigma FROM schools"))

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.SourceTests"
        [
            Expecto.Tests.testList
                "HierFunctional.Tests.SourceTests"
                [
                    Expecto.Tests.testCase "DuckDB reads a CSV file into the same data set as the CSV reader" (fun () ->
                        ``DuckDB reads a CSV file into the same data set as the CSV reader`` ())
                    Expecto.Tests.testCase
                        "a Parquet file reads the same through Parquet.Net as through DuckDB, and as its CSV"
                        (fun () ->
                            ``a Parquet file reads the same through Parquet.Net as through DuckDB, and as its CSV`` ())
                    Expecto.Tests.testCase
                        "a fit from a query draws exactly what the fit from the CSV file draws"
                        (fun () -> ``a fit from a query draws exactly what the fit from the CSV file draws`` ())
                    Expecto.Tests.testCase "a NULL label is refused naming the column and the row" (fun () ->
                        ``a NULL label is refused naming the column and the row`` ())
                    Expecto.Tests.testCase
                        "a NULL number is a missing value that binding refuses naming the column and the row"
                        (fun () ->
                            ``a NULL number is a missing value that binding refuses naming the column and the row`` ())
                    Expecto.Tests.testCase
                        "a date column reads as ISO 8601 labels, as the CSV reader reads it"
                        (fun () -> ``a date column reads as ISO 8601 labels, as the CSV reader reads it`` ())
                    Expecto.Tests.testCase
                        "a blob column is refused naming the column and saying how to cast it"
                        (fun () -> ``a blob column is refused naming the column and saying how to cast it`` ())
                    Expecto.Tests.testCase
                        "a 64-bit id too large for an integer is refused unless the column is declared categorical"
                        (fun () ->
                            ``a 64-bit id too large for an integer is refused unless the column is declared categorical`` ())
                    Expecto.Tests.testCase "two result columns with one name are refused naming it" (fun () ->
                        ``two result columns with one name are refused naming it`` ())
                    Expecto.Tests.testCase
                        "booleans read as 0 and 1 and integer columns with NULLs as reals with NaN"
                        (fun () -> ``booleans read as 0 and 1 and integer columns with NULLs as reals with NaN`` ())
                    Expecto.Tests.testCase
                        "a missing Parquet file raises FileNotFoundException naming the path"
                        (fun () -> ``a missing Parquet file raises FileNotFoundException naming the path`` ())
                    Expecto.Tests.testCase
                        "any ADO.NET provider works: SQLite reads the same data set as the CSV reader"
                        (fun () -> ``any ADO.NET provider works: SQLite reads the same data set as the CSV reader`` ())
                ]
        ]
