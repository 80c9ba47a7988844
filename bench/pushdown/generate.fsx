// Generates the push-down benchmark's Parquet files with DuckDB (deterministic: every value is a hash of the row
// number, so the same command gives the same file). Usage:
//   dotnet fsi bench/pushdown/generate.fsx <rows> <out.parquet> [g7]
// With `g7` the file has no g6 column (the 10^9-row file: J = 10^7 only, a quarter less hashing and disk).
// Normal draws are Irwin-Hall sums of four uniforms (variance 1). Columns: g6 (10^6 groups), g7 (10^7 groups), y (Normal: 5 + 2 z_g + z_i), exposure (0.5, 1, 1.5 or 2) and
// count (Poisson-like: the mean exp(0.5 z_g) * exposure plus rounded noise of the same variance, floored at 0;
// a benchmark of memory and time, not of a Poisson law).
#r "nuget: DuckDB.NET.Data.Full, 1.5.6.1"

open DuckDB.NET.Data

let rows = int64 fsi.CommandLineArgs[1]
let out = fsi.CommandLineArgs[2]
let g7Only = fsi.CommandLineArgs |> Array.contains "g7"
let sw = System.Diagnostics.Stopwatch.StartNew()
let c = new DuckDBConnection("DataSource=:memory:")
c.Open()

let exec (sql: string) =
    use cmd = c.CreateCommand()
    cmd.CommandText <- sql
    cmd.ExecuteNonQuery() |> ignore

exec "SET threads = 2; SET memory_limit = '3GB'; SET preserve_insertion_order = false"
// A standard-normal-like value from one hash of (key, stream): the sum of four 16-bit uniforms (Irwin-Hall),
// centred and scaled to variance 1; cheap enough for 10^9 rows on two cores.
exec "CREATE MACRO z(k, s) AS (((hash(k * 8 + s) & 65535) + ((hash(k * 8 + s) >> 16) & 65535) + ((hash(k * 8 + s) >> 32) & 65535) + ((hash(k * 8 + s) >> 48) & 65535))::DOUBLE / 65536.0 - 2.0) * sqrt(3.0)"

let g6 = if g7Only then "" else "(i %% 1000000)::INTEGER AS g6, "

let sql =
    $"""COPY (
  SELECT {g6}(i %% 10000000)::INTEGER AS g7,
         5 + 2 * z(i %% 1000000, 1000000000003) + z(i, 0) AS y,
         (1 + (hash(i * 8 + 5) %% 4))::DOUBLE / 2 AS exposure,
         greatest(0, round(exp(0.5 * z(i %% 1000000, 2000000000003)) * (1 + (hash(i * 8 + 5) %% 4))::DOUBLE / 2
           + sqrt(exp(0.5 * z(i %% 1000000, 2000000000003)) * (1 + (hash(i * 8 + 5) %% 4))::DOUBLE / 2) * z(i, 2)))::INTEGER AS count
  FROM range({rows}) t(i)
) TO '{out}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)"""

exec (sql.Replace("%%", "%"))
printfn "%d rows -> %s in %.1f s" rows out sw.Elapsed.TotalSeconds
