// Writes a distinct 10^9-row (or smaller) push-down input as ten Parquet files with DuckDB, rows ordered by group
// range: part k holds rows [k R/10, (k+1) R/10) and groups g7 = i / (R / 10^7), so each part covers its own block
// of groups (a GROUP BY per part never holds more than a tenth of the groups, and the column compresses).
// Deterministic: every value is a hash of the row or group number. Usage:
//   dotnet fsi bench/pushdown/generate-parts.fsx <rows> <dir> [parts]
// Columns: g7 (10^7 groups), exposure (0.5, 1, 1.5 or 2, cycling with the row), count (the mean exp(0.5 z_g) * exposure plus rounded
// noise of the same variance, floored at 0). z is an Irwin-Hall sum of the four 16-bit parts of one hash (variance 1);
// a benchmark of memory and time, not of a Poisson law. No Normal column: the Normal model at J = 10^7 was not run.
#r "nuget: DuckDB.NET.Data.Full, 1.5.6.1"

open DuckDB.NET.Data

let rows = int64 fsi.CommandLineArgs[1]
let dir = fsi.CommandLineArgs[2]

let parts =
    fsi.CommandLineArgs
    |> Array.tryItem 3
    |> Option.map int64
    |> Option.defaultValue 10L

let perGroup = rows / 10_000_000L
let c = new DuckDBConnection("DataSource=:memory:")
c.Open()

let exec (sql: string) =
    use cmd = c.CreateCommand()
    cmd.CommandText <- sql
    cmd.ExecuteNonQuery() |> ignore

exec "SET threads = 2; SET memory_limit = '3GB'; SET preserve_insertion_order = false"

exec
    "CREATE MACRO z(h) AS (((h & 65535) + ((h >> 16) & 65535) + ((h >> 32) & 65535) + ((h >> 48) & 65535))::DOUBLE / 65536.0 - 2.0) * sqrt(3.0)"

let total = System.Diagnostics.Stopwatch.StartNew()

for k in 0L .. parts - 1L do
    let sw = System.Diagnostics.Stopwatch.StartNew()
    let a, b = k * rows / parts, (k + 1L) * rows / parts
    let out = $"{dir}/part-{k}.parquet"

    exec
        $"""COPY (
  SELECT g7, exposure,
         greatest(0, round(m * exposure + sqrt(m * exposure) * z(hi)))::INTEGER AS count
  FROM (SELECT i, g7, zg, hi, exp(0.5 * zg) AS m, (1 + i %% 4)::DOUBLE / 2 AS exposure
        FROM (SELECT i, (i // {perGroup})::INTEGER AS g7, z(hash((i // {perGroup}) + 1000000000003)) AS zg, hash(i) AS hi
              FROM range({a}, {b}) t(i)))
) TO '{out}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)"""

    printfn "part %d: rows %d..%d -> %s in %.1f s" k a (b - 1L) out sw.Elapsed.TotalSeconds

printfn "%d rows in %d parts in %.1f s" rows parts total.Elapsed.TotalSeconds
