(**
# 13. A billion rows: per-group sums from DuckDB and Parquet

A conjugate hierarchical sweep needs only per-group sufficient statistics: n, Σ y and the within-group sum of
squares for a Normal likelihood, Σ y and Σ exposure for a Poisson one, Σ y and Σ trials for a Binomial one. When
every row-level node of a model reduces to such sums, `FitSource.query` asks the database for them in **one
generated GROUP BY** and reads one row per group: the rows never leave the database, and memory is O(groups).
Otherwise it reads the rows and says why (`DataAccess.Auto`); `DataAccess.Aggregate` makes that an error instead,
and `DataAccess.Rows` always reads rows.

This script makes a small Parquet file with DuckDB (10⁵ rows; the commands for 10⁹ are at the end, with the
numbers measured on the project's 2-core machine), fits a Gamma-Poisson hierarchy from the sums, and checks that
the draws equal the draws of the same fit from the rows. Run with `dotnet fsi docs/tutorials/13-a-billion-rows.fsx`.
*)
#load "references.fsx"
#r "nuget: DuckDB.NET.Data.Full, 1.5.6.1"
open System.IO
open DuckDB.NET.Data
open HierFunctional
open type Distributions

let file = Path.Combine(Path.GetTempPath(), "hier-tutorial-13.parquet")
let db = new DuckDBConnection("DataSource=:memory:")
db.Open()

let exec (sql: string) =
    use c = db.CreateCommand()
    c.CommandText <- sql
    c.ExecuteNonQuery() |> ignore

(** 10⁵ rows, 1,000 policies; claims per row with an exposure of 0.5 to 2 years (counts from hashes, so the file
is the same on every run). *)
exec
    $"""COPY (SELECT (i %% 1000)::INTEGER AS policy,
                    (1 + hash(i * 3) %% 4)::DOUBLE / 2 AS exposure,
                    (hash(i * 3 + 1) %% 3)::INTEGER * ((i %% 1000) %% 2) AS claims
             FROM range(100000) t(i)) TO '{file}' (FORMAT parquet)"""
|> ignore

let claims =
    model {
        let! alpha = sample "alpha" (Exponential 1.0)
        let! beta = sample "beta" (Gamma(0.1, 1.0))
        let! rate = sample "rate" (Gamma(alpha, beta)) |> over "policy"
        do! observe "claims" (Poisson(rate.[group "policy"], data "exposure"))
    }

let options = SamplerOptions.Default.WithChains(2).WithWarmup(300).WithDraws(500).WithSeed(1)
let rows = $"SELECT * FROM read_parquet('{file}')"

let fitted =
    match FitSource.query DataAccess.Auto options claims db rows with
    | Ok f -> f
    | Error e -> failwith e.Message

(** The plan says where each node's data came from, then how each parameter is updated: *)
printfn "%s" (FitSource.describe fitted)
(**
    data claims: aggregate: sum claims, sum exposure (exposure) per (policy) from GROUP BY
    data note: pointwise log-likelihood (LOO, WAIC) and per-row prediction need the rows: unavailable in aggregate mode; ...
    alpha  markov       slice (collapsed beta)  (why: no conjugate rule covers its Exponential prior)
    beta   exact        Gamma rate of Gamma
    rate   exact        Gamma-Poisson

The query the database ran (identifiers quoted, so any column name is safe; the sums come with the checks the row
path makes: NULLs, negative or fractional counts, each refused naming the column and the group):
*)
match fitted.Path with
| DataPath.Aggregated(_, sql) -> printfn "%s" sql
| DataPath.Rows reasons -> failwithf "rows: %A" reasons

(** The same model from the rows draws exactly the same numbers: the claim counts and half-year exposures sum
exactly in any order, and the Gamma-Poisson update sees the same sums. (A Normal model's sums are means and sums of
squares computed by the database, so its draws agree within Monte Carlo error instead; the tests check both.) *)
let fromRows =
    match FitSource.query DataAccess.Rows options claims db rows with
    | Ok f -> f
    | Error e -> failwith e.Message

let same =
    [ "alpha"; "beta"; "rate[1]"; "rate[1000]" ]
    |> List.forall (fun n -> Posterior.chains n fitted.Fit.Posterior = Posterior.chains n fromRows.Fit.Posterior)

printfn "identical draws from sums and from rows: %b" same
if not same then failwith "the aggregate fit differs from the row fit"

(** Row-level outputs are refused, never silently wrong: *)
match FitSource.loo fitted with
| Ok _ -> failwith "LOO from group sums"
| Error why -> printfn "LOO: %s" why

db.Dispose()
File.Delete file

(**
## From C#

```csharp
using DuckDB.NET.Data;
using HierFunctional.CSharp;
using F = HierFunctional;

using var db = new DuckDBConnection("DataSource=:memory:");
db.Open();
QueryFit fit = claims.FitQuery(db, "SELECT * FROM read_parquet('claims/*.parquet')",
                               F.SamplerOptions.Default.WithChains(2), F.DataAccess.Aggregate);
Console.WriteLine(fit.Description);   // which sums each node took, then the Gibbs plan
Console.WriteLine(fit.Query);         // the GROUP BY sent
var summary = fit.Posterior.Summary();
```

A reader instead of a connection (`FitSource.stream access options model "name" reader`) makes one pass and keeps
only the per-group sums, so any ADO.NET provider's reader works the same way.

With millions of groups, stream rather than GROUP BY: when 10⁷ groups interleave over 10⁹ rows, DuckDB's
per-thread hash aggregate spills about as much as it reads. Select only the columns the model needs and set
`UseStreamingMode` so DuckDB does not materialise the result; with one integer group key the pass sums into flat
arrays (O(groups) memory):

    use cmd = db.CreateCommand()
    cmd.CommandText <- $"SELECT policy, claims, exposure FROM read_parquet('{file}')"
    cmd.UseStreamingMode <- true
    use reader = cmd.ExecuteReader()
    let streamed = FitSource.stream DataAccess.Aggregate options claims "claims" reader

Over 100,000 groups an aggregate fit records only the global nodes' draws unless you name the others in
`SamplerOptions.WithMonitor`; `NotRecorded` (on the `SourceFit`) lists what was left out and `FitSource.describe` says it.

## A billion rows

The benchmark (`bench/pushdown`) generates its files with DuckDB and fits a Normal and a Gamma-Poisson hierarchy
from them:

    dotnet fsi bench/pushdown/generate.fsx 100000000 /data/r1e8.parquet   # 10^8 rows, 1.7 GB
    bench/pushdown/run.sh /data sample 1e8 1e9                              # 1e9 reads the 1e8 file ten times (streamed)

Measured numbers (time to sums, sweep time, peak memory, and the aggregate fit against the row fit on a
10⁶-row sample) are in `docs/performance.md` and `bench/results/pushdown-2026-12-06.md`.
*)
