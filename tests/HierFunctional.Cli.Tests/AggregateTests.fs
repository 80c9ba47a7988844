/// `hier fit --aggregate`: a fit from per-group sums has the row fit's posterior, the output says which path the
/// data took, and what needs rows (criteria, predictive checks) is said to be unavailable rather than computed.
module HierFunctional.Cli.Tests.AggregateTests

open System
open System.Globalization
open System.IO
open HierFunctional.TestShim
open HierFunctional.Sources
open HierFunctional.Cli.Tests.Support

// y = group effect + noise in 25 groups of unequal size (1,600-odd rows), written as Parquet by DuckDB.
let private normalParquet =
    lazy
        (let path = Path.Combine(tempDir (), "normal.parquet")

         let sql =
             "SELECT (i % 25) AS g, (i % 25) * 0.2 + sin(i * 1.7) * 1.3 AS y FROM range(2000) r(i) WHERE (i * 13) % 7 <> 0 OR i % 25 < 12"

         match DuckDb.query $"COPY ({sql}) TO '{path}' (FORMAT PARQUET)" with
         | Ok _ -> path
         | Error e -> failwith e.Message)

/// (mean, MCSE of the mean) of every row of summary.csv, by name.
let private summary (dir: string) =
    let lines = File.ReadAllLines(Path.Combine(dir, "summary.csv"))
    let header = lines.[0].Split ','
    let at name = Array.IndexOf(header, name)

    let number (s: string) =
        Double.Parse(s, CultureInfo.InvariantCulture)

    lines.[1..]
    |> Array.map (fun l ->
        let cells = l.Split ','
        cells.[0].Trim '"', (number cells.[at "mean"], number cells.[at "mcse_mean"]))
    |> Map.ofArray

let private fitWith (mode: string) =
    let dir = tempDir ()

    let r =
        hier
            [
                "fit"
                "--data"
                normalParquet.Value
                "--formula"
                "y ~ 1 + (1 | g)"
                "--aggregate"
                mode
                "--chains"
                "2"
                "--warmup"
                "300"
                "--draws"
                "1000"
                "--seed"
                "11"
                "--output"
                dir
            ]

    Assert.True((r.Code = 0), r.Err)
    r, dir

let ``an aggregate fit of a Parquet file has the row fit's posterior within Monte Carlo error`` () =
    let _, rowsDir = fitWith "off"
    let _, sumsDir = fitWith "on"
    let rows, sums = summary rowsDir, summary sumsDir
    Assert.Equal<string list>(rows |> Map.keys |> List.ofSeq, sums |> Map.keys |> List.ofSeq)

    for KeyValue(name, (a, ea)) in rows do
        let b, eb = sums.[name]
        let mcse = sqrt (ea * ea + eb * eb)
        Assert.True(abs (a - b) < 4.0 * mcse, $"{name}: rows {a} vs sums {b}, MCSE {mcse}")

let ``the output and the report say which path the data took and what aggregate mode cannot give`` () =
    let sums, dir = fitWith "on"
    Assert.Contains("data y: aggregate: n, mean y, within-group sum of squares of y per (g)", sums.Out)
    Assert.Contains("on the sums: n = ", sums.Out)
    Assert.Contains("LOOIC          NA  not available in aggregate mode", sums.Out)
    Assert.Contains("posterior predictive checks: not available in aggregate mode", sums.Out)
    let html = File.ReadAllText(Path.Combine(dir, "report.html"))
    Assert.Contains("data y: aggregate:", html)

    let rows, _ = fitWith "off"
    Assert.Contains("data: rows (--aggregate off)", rows.Out)
    Assert.Contains("LOOIC", rows.Out)
    Assert.DoesNotContain("not available in aggregate mode", rows.Out)

let ``auto fits a small data set from its rows and says why`` () =
    let r, _ = fitWith "auto"
    Assert.Contains("rows; --aggregate auto sums per group from 100000 rows", r.Out)

/// A short `--aggregate on` fit of a CSV with a formula, which the tests below expect to fail with a data error.
let private refused (csv: string) (formula: string) =
    let r =
        hier (
            [ "fit"; "--data"; csvFile csv; "--formula"; formula; "--aggregate"; "on" ]
            @ short
        )

    Assert.Equal(1, r.Code)
    r

let ``aggregate on with a row-level covariate fails naming the node and the column`` () =
    let r =
        refused "g,x,y\na,0.5,1.0\na,1.5,2.0\nb,0.2,0.7\nb,0.9,1.1\n" "y ~ x + (1 | g)"

    Assert.Contains("does not reduce to per-group sums", r.Err)
    Assert.Contains("y: its mean reads the row column(s) x", r.Err)

let ``a missing response in aggregate mode is refused naming the column and the row`` () =
    let r = refused "g,y\na,1.0\na,NA\nb,0.7\nb,1.1\n" "y ~ 1 + (1 | g)"
    Assert.Contains("column 'y' row 2 is missing", r.Err)

let ``an unknown aggregate mode is a usage error`` () =
    let r =
        hier ([ "fit"; "--example"; "surgical"; "--aggregate"; "sometimes" ] @ short)

    Assert.Contains("--aggregate must be auto, on or off", r.Err)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Cli.Tests.AggregateTests"
        [
            Expecto.Tests.testCase
                "an aggregate fit of a Parquet file has the row fit's posterior within Monte Carlo error"
                (fun () ->
                    ``an aggregate fit of a Parquet file has the row fit's posterior within Monte Carlo error`` ())
            Expecto.Tests.testCase
                "the output and the report say which path the data took and what aggregate mode cannot give"
                (fun () ->
                    ``the output and the report say which path the data took and what aggregate mode cannot give`` ())
            Expecto.Tests.testCase "auto fits a small data set from its rows and says why" (fun () ->
                ``auto fits a small data set from its rows and says why`` ())
            Expecto.Tests.testCase
                "aggregate on with a row-level covariate fails naming the node and the column"
                (fun () -> ``aggregate on with a row-level covariate fails naming the node and the column`` ())
            Expecto.Tests.testCase
                "a missing response in aggregate mode is refused naming the column and the row"
                (fun () -> ``a missing response in aggregate mode is refused naming the column and the row`` ())
            Expecto.Tests.testCase "an unknown aggregate mode is a usage error" (fun () ->
                ``an unknown aggregate mode is a usage error`` ())
        ]
