/// `hier fit --data file.parquet`: a Parquet file fits exactly as its CSV form, and its errors name the file and
/// the column.
module HierFunctional.Cli.Tests.ParquetTests

open System.IO
open HierFunctional.TestShim
open HierFunctional.Sources
open HierFunctional.Cli.Tests.Support

// DuckDB writes the Parquet file, so the test needs no fixture beyond the CSV.
let private parquetOf (name: string) (sql: string) =
    let path = Path.Combine(tempDir (), name + ".parquet")

    match DuckDb.query $"COPY ({sql}) TO '{path}' (FORMAT PARQUET)" with
    | Ok _ -> path
    | Error e -> failwith e.Message

let ``a Parquet file fits exactly as its CSV form`` () =
    let csv = Path.Combine(root, "docs", "data", "surgical.csv")
    let parquet = parquetOf "surgical" $"SELECT * FROM read_csv('{csv}')"

    let fit file =
        let r =
            hier (
                [
                    "fit"
                    "--data"
                    file
                    "--formula"
                    "r | trials(n) ~ 1 + (1 | hospital)"
                    "--family"
                    "binomial"
                ]
                @ short
            )

        Assert.True((r.Code = 0), r.Err)
        r.Out.Replace(file, "data")

    Assert.Equal(fit csv, fit parquet)

let ``a Parquet column of an unsupported type fails naming the file and the column`` () =
    let parquet = parquetOf "data" "SELECT 'a' AS g, 1.5 AS y, '\\xAA'::BLOB AS raw"
    let r = hier ([ "fit"; "--data"; parquet; "--formula"; "y ~ 1 + (1 | g)" ] @ short)
    Assert.Equal(1, r.Code)
    Assert.Contains(parquet, r.Err)
    Assert.Contains("column 'raw'", r.Err)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Cli.Tests.ParquetTests"
        [
            Expecto.Tests.testCase "a Parquet file fits exactly as its CSV form" (fun () ->
                ``a Parquet file fits exactly as its CSV form`` ())
            Expecto.Tests.testCase
                "a Parquet column of an unsupported type fails naming the file and the column"
                (fun () -> ``a Parquet column of an unsupported type fails naming the file and the column`` ())
        ]
