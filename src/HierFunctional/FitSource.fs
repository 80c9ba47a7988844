namespace HierFunctional

open System.Data.Common

/// How a fit's data reached the sampler.
[<RequireQualifiedAccess>]
type DataPath =
    /// Per-group sums computed by the source; the rows were never read. The plan and the query sent.
    | Aggregated of plan: PushdownPlan * query: string
    /// Every row read into memory, with the reasons (node, why) push-down was not possible; empty when rows were
    /// asked for.
    | Rows of reasons: (string * string) list

/// A fit from a database query, with the path its data took. In aggregate mode `Fit` is a fit of the group-level
/// model to one row per group: its parameters' draws are the row model's, but anything per row (pointwise
/// log-likelihood, LOO, WAIC, per-row prediction) is not available from it; see `FitSource.loo`.
type SourceFit =
    {
        /// The fit (in aggregate mode, of the group-level model).
        Fit: Fit
        /// Aggregated or rows, and why.
        Path: DataPath
        /// Group-level nodes whose draws were not kept (node, elements): in aggregate mode, with no monitor asked
        /// for, vectors over more than `FitSource.largeGroupCount` groups; ask for them with
        /// `SamplerOptions.WithMonitor`. Empty when every node was recorded.
        NotRecorded: (string * int) list
    }

/// Which path a fit from a source may take.
[<RequireQualifiedAccess>]
type DataAccess =
    /// Per-group sums when every row-level node reduces to them, otherwise rows (saying why).
    | Auto
    /// Per-group sums or an error naming the nodes that need rows.
    | Aggregate
    /// Every row, as `DataReader.query` then `Fit.run`.
    | Rows

/// Why a fit from a source failed.
[<RequireQualifiedAccess>]
type SourceFitError =
    /// The data: a NULL, a non-finite value, an invalid count (column and row or group named).
    | Source of SourceError
    /// The model or its binding.
    | Model of ModelError list
    /// `DataAccess.Aggregate` was asked for, but these nodes need rows (node, why).
    | NeedsRows of (string * string) list

    /// One paragraph for people.
    member e.Message =
        match e with
        | Source s -> s.Message
        | Model es -> es |> List.map ModelError.describe |> String.concat "\n"
        | NeedsRows reasons ->
            let lines =
                reasons |> List.map (fun (n, why) -> $"  {n}: {why}") |> String.concat "\n"

            $"aggregate push-down is not possible; fit from rows (DataAccess.Rows) or change these nodes:\n{lines}"

/// Fitting from a query on a database connection (DuckDB over Parquet or CSV files, SQLite, Postgres, SQL Server):
/// with push-down the database computes the per-group sums in one generated GROUP BY and only one row per group
/// is read, so memory is O(groups) whatever the number of rows.
[<RequireQualifiedAccess>]
module FitSource =

    /// What aggregate mode cannot give, said where the user looks (`describe`, `loo`, `waic`).
    let rowOutputsUnavailable =
        "pointwise log-likelihood (LOO, WAIC) and per-row prediction need the rows: unavailable in aggregate mode; fit with DataAccess.Rows (on a sample if the data are large) for them"

    /// Above this many groups an aggregate fit with no monitor asked for keeps the draws of the global nodes only:
    /// a group-level vector's draws (kept draws × chains × groups values) would be the run's largest memory.
    let largeGroupCount = 100_000

    let private groupCount (data: Dataset) (key: string) =
        match Dataset.tryColumn key data with
        | Some(Column.Integers xs) -> xs |> Array.distinct |> Array.length
        | Some(Column.Labels(xs, _)) -> xs |> Array.distinct |> Array.length
        | Some(Column.Reals xs) -> xs |> Array.distinct |> Array.length
        | Some c -> Dataset.columnLength c
        | None -> 0

    /// The monitor an aggregate fit runs with: the user's, or with none asked for and a large J, the nodes not over
    /// a large group, and the nodes left out (node, elements).
    let private monitorFor (options: SamplerOptions) (m: Model) (data: Dataset) =
        let counts = System.Collections.Generic.Dictionary<string, int>()

        let count key =
            match counts.TryGetValue key with
            | true, n -> n
            | _ ->
                let n = groupCount data key
                counts.[key] <- n
                n

        let monitored =
            m.Nodes
            |> List.filter (fun n ->
                match n.Kind with
                | NodeKind.Parameter _
                | NodeKind.Derived _ -> true
                | _ -> false)

        let large, small =
            monitored
            |> List.partition (fun n ->
                match n.Plate with
                | Plate.Over g -> count g > largeGroupCount
                | _ -> false)

        match options.Monitor, large, small with
        | [||], _ :: _, _ :: _ ->
            let left =
                large
                |> List.map (fun n ->
                    match n.Plate with
                    | Plate.Over g -> n.Name, count g
                    | _ -> n.Name, 0)

            options.WithMonitor(small |> List.map (fun n -> n.Name)), left
        | _ -> options, []

    let private shorten (sql: string) =
        let oneLine = sql.ReplaceLineEndings(" ").Trim()

        if oneLine.Length > 80 then
            oneLine.Substring(0, 77) + "..."
        else
            oneLine

    let private rows reasons options m connection relation =
        DataReader.query connection relation
        |> Result.mapError SourceFitError.Source
        |> Result.bind (fun data -> Fit.run options m data |> Result.mapError SourceFitError.Model)
        |> Result.map (fun fit ->
            {
                Fit = fit
                Path = DataPath.Rows reasons
                NotRecorded = []
            })

    /// The per-group data set of a push-down (one row per group, as `Pushdown.rewrite plan` reads it), computed by
    /// the database with the generated GROUP BY over `relation`; the rows never leave the database.
    let aggregate (plan: PushdownPlan) (connection: DbConnection) (relation: string) : Result<Dataset, SourceError> =
        let source = shorten relation

        PushdownSql.run plan source connection relation
        |> Result.bind (PushdownData.toDataset source)

    /// The per-group data set of a push-down from one pass over a reader (`source` names it in errors): per-group
    /// sums in flat arrays, the rows never kept. For a single integer group key memory is O(groups) however many
    /// rows pass, so a database can stream `SELECT g, y FROM ...` instead of running a GROUP BY whose hash table
    /// would spill (10⁷ groups over 10⁹ rows).
    let aggregateReader (plan: PushdownPlan) (source: string) (reader: DbDataReader) : Result<Dataset, SourceError> =
        PushdownStream.read plan source reader
        |> Result.bind (PushdownData.toDataset source)

    /// Fits the group-level model to the per-group data set; `query` is the GROUP BY sent ("" for one pass).
    let private fitSums (options: SamplerOptions) (plan: PushdownPlan) (query: string) (data: Dataset) =
        let rewritten = Pushdown.rewrite plan
        let monitored, notRecorded = monitorFor options rewritten data
        // The recorded log-likelihood would be per group, which no criterion means; it stays off.
        Fit.run (monitored.WithLogLikelihood false) rewritten data
        |> Result.mapError SourceFitError.Model
        |> Result.map (fun fit ->
            {
                Fit = fit
                Path = DataPath.Aggregated(plan, query)
                NotRecorded = notRecorded
            })

    let private aggregated (options: SamplerOptions) (plan: PushdownPlan) (connection: DbConnection) relation =
        let sql = PushdownSql.query plan relation

        aggregate plan connection relation
        |> Result.mapError SourceFitError.Source
        |> Result.bind (fitSums options plan sql)

    /// Fits a model to the result of a query (`relation`: a SELECT the database runs, e.g.
    /// `SELECT * FROM read_parquet('x.parquet')` in DuckDB) by the path `access` allows.
    let query
        (access: DataAccess)
        (options: SamplerOptions)
        (m: Model)
        (connection: DbConnection)
        (relation: string)
        : Result<SourceFit, SourceFitError> =
        match access, Pushdown.plan m with
        | DataAccess.Rows, _ -> rows [] options m connection relation
        | _, Ok plan -> aggregated options plan connection relation
        | DataAccess.Auto, Error reasons -> rows reasons options m connection relation
        | DataAccess.Aggregate, Error reasons -> Error(SourceFitError.NeedsRows reasons)

    /// Fits a model to the rows of a streaming source (any DbDataReader; `source` names it in errors) by the path
    /// `access` allows: per-group sums in one pass (the rows are not kept), or every row read into memory.
    let stream
        (access: DataAccess)
        (options: SamplerOptions)
        (m: Model)
        (source: string)
        (reader: DbDataReader)
        : Result<SourceFit, SourceFitError> =
        let fromRows reasons =
            DataReader.read source reader
            |> Result.mapError SourceFitError.Source
            |> Result.bind (fun data -> Fit.run options m data |> Result.mapError SourceFitError.Model)
            |> Result.map (fun fit ->
                {
                    Fit = fit
                    Path = DataPath.Rows reasons
                    NotRecorded = []
                })

        match access, Pushdown.plan m with
        | DataAccess.Rows, _ -> fromRows []
        | _, Ok plan ->
            aggregateReader plan source reader
            |> Result.mapError SourceFitError.Source
            |> Result.bind (fitSums options plan "")
        | DataAccess.Auto, Error reasons -> fromRows reasons
        | DataAccess.Aggregate, Error reasons -> Error(SourceFitError.NeedsRows reasons)

    /// The data path (which sums each observed node took from the source, or why rows were read), then the Gibbs
    /// plan (`Gibbs.describe`).
    let describe (fit: SourceFit) : string =
        let path =
            match fit.Path with
            | DataPath.Aggregated(plan, query) ->
                let from =
                    if query = "" then
                        "in one pass over the reader"
                    else
                        "from GROUP BY"

                (Pushdown.describe plan |> List.map (fun l -> $"data {l} {from}"))
                @ [ $"data note: {rowOutputsUnavailable}" ]
            | DataPath.Rows [] -> [ "data: rows (asked for)" ]
            | DataPath.Rows reasons -> reasons |> List.map (fun (n, why) -> $"data {n}: rows: {why}")

        let unrecorded =
            fit.NotRecorded
            |> List.map (fun (n, groups) ->
                $"data note: {n} ({groups} groups) sampled but its draws not recorded: over {largeGroupCount} groups an aggregate fit keeps only the global nodes' draws; ask for it with SamplerOptions.WithMonitor")

        (path @ unrecorded |> String.concat "\n") + "\n" + Gibbs.describe fit.Fit.Plan

    let private needsRows (fit: SourceFit) (f: Fit -> 'T) : Result<'T, string> =
        match fit.Path with
        | DataPath.Aggregated _ -> Error rowOutputsUnavailable
        | DataPath.Rows _ -> Ok(f fit.Fit)

    /// PSIS-LOO from a rows fit (recorded with `SamplerOptions.WithLogLikelihood true`); in aggregate mode an
    /// Error saying it is unavailable.
    let loo (fit: SourceFit) : Result<Loo, string> = needsRows fit Fit.loo

    /// WAIC from a rows fit; in aggregate mode an Error saying it is unavailable.
    let waic (fit: SourceFit) : Result<Waic, string> = needsRows fit Fit.waic
