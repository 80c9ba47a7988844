namespace HierFunctional.Cli

open System
open System.Data
open HierFunctional

/// `--aggregate`: whether `hier fit` fits from per-group sums.
[<RequireQualifiedAccess>]
type AggregateMode =
    /// Sums when the model reduces to them and the data have at least `AggregatePath.autoRows` rows.
    | Auto
    /// Sums, or a data error naming the nodes that need rows.
    | On
    /// Rows.
    | Off

/// The CLI's aggregate push-down: when every row-level node of the job's model reduces to per-group sums
/// (`Pushdown.plan`), the rows are summed per group in one pass and the group-level model (`Pushdown.rewrite`) is
/// fitted instead; its posterior is the row model's. What needs rows (DIC, WAIC, LOO, per-row predictive checks) is
/// then said to be unavailable, never computed from the groups.
[<RequireQualifiedAccess>]
module AggregatePath =

    /// Under `--aggregate auto`, the fewest rows for which the sums are used: below it the row fit is cheap and
    /// keeps the criteria and checks.
    let autoRows = 100_000

    /// What an aggregate fit cannot give, as the report says it.
    let unavailable =
        "not available in aggregate mode: it needs the rows; rerun with --aggregate off (on a sample of the data if it is large)"

    /// The mode a `--aggregate` value names, or a usage error.
    let mode (value: string option) : AggregateMode =
        match value |> Option.map (fun v -> v.ToLowerInvariant()) with
        | None
        | Some "auto" -> AggregateMode.Auto
        | Some "on" -> AggregateMode.On
        | Some "off" -> AggregateMode.Off
        | Some other -> Fail.usage $"--aggregate must be auto, on or off, but was '{other}'."

    /// The number of rows: the length of the first summed column.
    let private rowCount (plan: PushdownPlan) (data: Dataset) =
        Dataset.tryColumn plan.Sums.Head.Node data
        |> Option.map Dataset.columnLength
        |> Option.defaultValue 0

    /// The job's columns the sums need, as a reader (a missing cell is refused naming the column and the row).
    let private reader (source: string) (plan: PushdownPlan) (data: Dataset) =
        let table = new DataTable()
        let n = rowCount plan data

        let columns =
            Pushdown.columns plan
            |> List.map (fun name ->
                let column = Dataset.tryColumn name data

                match
                    column
                    |> Option.bind (fun c -> Seq.init n id |> Seq.tryFind (Dataset.isMissingAt c))
                with
                | Some r ->
                    Fail.data
                        $"{source}: column '{name}' row {r + 1} is missing; drop rows with a missing cell with --drop-missing."
                | None -> ()

                match column with
                | Some(Column.Reals xs) ->
                    table.Columns.Add(name, typeof<float>) |> ignore
                    fun r -> box xs.[r]
                | Some(Column.Integers xs) ->
                    table.Columns.Add(name, typeof<int>) |> ignore
                    fun r -> box xs.[r]
                | Some(Column.Labels(xs, _)) ->
                    table.Columns.Add(name, typeof<string>) |> ignore
                    fun r -> box xs.[r]
                | _ ->
                    Fail.data $"{source}: the model reads a column '{name}' that is not a column of numbers or labels.")
            |> Array.ofList

        let values = Array.zeroCreate<obj> columns.Length

        for r in 0 .. n - 1 do
            for c in 0 .. columns.Length - 1 do
                values.[c] <- columns.[c]r

            table.Rows.Add values |> ignore

        table.CreateDataReader()

    /// The per-group data set, with each text group column's levels in the rows' order, so that `mu[3]` is the same
    /// group in both fits.
    let private sums (source: string) (plan: PushdownPlan) (data: Dataset) =
        use r = reader source plan data

        match FitSource.aggregateReader plan source r with
        | Error e -> Fail.data e.Message
        | Ok groups ->
            plan.Keys
            |> List.fold
                (fun d key ->
                    match Dataset.tryColumn key data, Dataset.tryColumn key d with
                    | Some(Column.Labels(_, levels)), Some(Column.Labels(values, _)) ->
                        Dataset.add key (Column.Labels(values, levels)) d
                    | _ -> d)
                groups

    /// Rows per level of each group key, by the level's label.
    let private groupRows (plan: PushdownPlan) (data: Dataset) =
        plan.Keys
        |> List.choose (fun key ->
            let labels =
                match Dataset.tryColumn key data with
                | Some(Column.Labels(xs, _)) -> Some xs
                | Some(Column.Integers xs) -> Some(xs |> Array.map string)
                | _ -> None

            labels
            |> Option.map (fun xs ->
                key, xs |> Array.countBy id |> Array.map (fun (l, n) -> l, float n) |> Map.ofArray))
        |> Map.ofList

    /// The job to fit under `mode`: the row job, or the group-level model on the per-group sums; with the lines
    /// saying which path each observed node took and why.
    let apply (mode: AggregateMode) (job: FitJob) : FitJob =
        let rows (lines: string list) = { job with DataPath = lines }

        match mode, Pushdown.plan job.Model with
        | AggregateMode.Off, _ -> rows [ "data: rows (--aggregate off)" ]
        | AggregateMode.Auto, Ok plan when rowCount plan job.Data < autoRows ->
            rows
                [
                    $"data: rows ({rowCount plan job.Data} rows; --aggregate auto sums per group from {autoRows} rows, --aggregate on always)"
                ]
        | _, Ok plan ->
            let n = rowCount plan job.Data

            let lines =
                (Pushdown.describe plan
                 |> List.map (fun l -> $"data {l}, in one pass over the {n} rows"))
                @ [
                    $"data note: DIC, WAIC, LOO and the posterior predictive checks are {unavailable}"
                ]

            { job with
                Model = Pushdown.rewrite plan
                Data = sums job.Source plan job.Data
                DataPath = lines
                GroupRows = groupRows plan job.Data
            }
        | AggregateMode.On, Error reasons ->
            let why =
                reasons
                |> List.map (fun (n, r) -> $"  {n}: {r}")
                |> String.concat Environment.NewLine

            Fail.data
                $"--aggregate on: the model does not reduce to per-group sums; use --aggregate auto or off.{Environment.NewLine}{why}"
        | AggregateMode.Auto, Error reasons -> rows (reasons |> List.map (fun (n, r) -> $"data {n}: rows: {r}"))

    /// True when the job is fitted from per-group sums.
    let isAggregated (job: FitJob) =
        job.DataPath |> List.exists (fun l -> l.Contains ": aggregate: ")

    /// A Normal shrinkage table of a fit from sums counts each group as its one row of sums: its n_j is set back to
    /// the group's rows. Other tables (trials, exposure: summed) and row fits are unchanged.
    let rowsPerLevel (job: FitJob) (table: ShrinkageTable) : ShrinkageTable =
        match job.GroupRows.TryFind table.Group, table.Spec.Family with
        | Some counts, ShrinkageFamily.Normal ->
            { table with
                Rows =
                    table.Rows
                    |> Array.map (fun r ->
                        { r with
                            Size = counts.TryFind r.Label |> Option.defaultValue 0.0
                        })
            }
        | _ -> table
