// Generates the push-down benchmark's Parquet files with DuckDB (deterministic: every value is a hash of the row
// number, so the same command gives the same file). Usage:
//   dotnet fsi bench/pushdown/generate.fsx <rows> <out.parquet> [g7]
// With `g7` the file has no g6 column (the 10^9-row file: J = 10^7 only, a quarter less hashing and disk).
//   dotnet fsi bench/pushdown/generate.fsx <rows> <dir> parts
// writes a distinct input as ten files DIR/part-k.parquet ordered by group range (see `writeParts` below).
// Normal draws are Irwin-Hall sums of four uniforms (variance 1). Columns: g6 (10^6 groups), g7 (10^7 groups), y (Normal: 5 + 2 z_g + z_i), exposure (0.5, 1, 1.5 or 2) and
// count (Poisson-like: the mean exp(0.5 z_g) * exposure plus rounded noise of the same variance, floored at 0;
// a benchmark of memory and time, not of a Poisson law).
#r "nuget: DuckDB.NET.Data.Full, 1.5.6.1"

open DuckDB.NET.Data

let rows = int64 fsi.CommandLineArgs[1]
let out = fsi.CommandLineArgs[2]
let g7Only = fsi.CommandLineArgs |> Array.contains "g7"
let inParts = fsi.CommandLineArgs |> Array.contains "parts"
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
exec
    "CREATE MACRO z(k, s) AS (((hash(k * 8 + s) & 65535) + ((hash(k * 8 + s) >> 16) & 65535) + ((hash(k * 8 + s) >> 32) & 65535) + ((hash(k * 8 + s) >> 48) & 65535))::DOUBLE / 65536.0 - 2.0) * sqrt(3.0)"

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

let writeFile () =
    exec (sql.Replace("%%", "%"))
    printfn "%d rows -> %s in %.1f s" rows out sw.Elapsed.TotalSeconds

// Ten files, rows ordered by group range: part k holds rows [k R/10, (k+1) R/10) and groups g7 = i / (R / 10^7), so
// each part covers its own block of groups (a GROUP BY per part holds a tenth of the groups; the key compresses).
// Columns g7, exposure ((1 + i mod 4) / 2) and count as above, with z an Irwin-Hall sum of the four 16-bit parts of
// one hash (`zh`): one hash per row and one per group; y (Normal: 5 + 2 z_g + z_i) from the same group hash and a
// second row hash.
let writeParts () =
    exec
        "CREATE MACRO zh(h) AS (((h & 65535) + ((h >> 16) & 65535) + ((h >> 32) & 65535) + ((h >> 48) & 65535))::DOUBLE / 65536.0 - 2.0) * sqrt(3.0)"

    let perGroup = rows / 10_000_000L
    System.IO.Directory.CreateDirectory out |> ignore

    for k in 0L .. 9L do
        let part = System.Diagnostics.Stopwatch.StartNew()
        let a, b = k * rows / 10L, (k + 1L) * rows / 10L
        let file = $"{out}/part-{k}.parquet"

        exec
            $"""COPY (
  SELECT g7, 5 + 2 * zg + zh(hash(i + 7000000000001)) AS y, exposure,
         greatest(0, round(m * exposure + sqrt(m * exposure) * zh(hi)))::INTEGER AS count
  FROM (SELECT i, g7, zg, hi, exp(0.5 * zg) AS m, (1 + i %% 4)::DOUBLE / 2 AS exposure
        FROM (SELECT i, (i // {perGroup})::INTEGER AS g7, zh(hash((i // {perGroup}) + 1000000000003)) AS zg, hash(i) AS hi
              FROM range({a}, {b}) t(i)))
) TO '{file}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)"""

        printfn "part %d: rows %d..%d -> %s in %.1f s" k a (b - 1L) file part.Elapsed.TotalSeconds

    printfn "%d rows in 10 parts in %.1f s" rows sw.Elapsed.TotalSeconds

if inParts then writeParts () else writeFile ()
