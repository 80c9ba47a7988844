namespace HierFunctional

open System

/// One observed node's sums over the groups: for a Normal node the group means and n × the within-group variance,
/// for a count node Σ y and Σ size.
type internal NodeSums =
    {
        Sums: GroupSums
        /// Per group: the mean of y (Normal) or Σ y (counts).
        Value: float[]
        /// Per group: n × the population variance of y (Normal) or Σ exposure / Σ trials (counts).
        Spread: float[]
    }

/// Per-group sums as they come from a source, one entry per group, in group-key order.
type internal GroupTable =
    {
        /// The key columns, one value per group.
        Keys: (string * Column) list
        /// Rows per group.
        Count: float[]
        /// The sums of each observed node.
        Nodes: NodeSums list
    }

/// The aggregated data set: one row per group, the keys, and each node's sums under the names the rewritten model
/// reads (`Pushdown.rewrite`).
[<RequireQualifiedAccess>]
module internal PushdownData =

    /// The problem text naming a group by its key values.
    let groupName (keys: (string * Column) list) (g: int) =
        keys
        |> List.map (fun (k, c) ->
            let v =
                match c with
                | Column.Integers xs -> string xs.[g]
                | Column.Reals xs -> xs.[g].ToString("R", Globalization.CultureInfo.InvariantCulture)
                | Column.Labels(xs, _) -> xs.[g]
                | Column.Matrix _ -> "?"

            $"{k} = {v}")
        |> String.concat ", "

    let private integers (source: string) (column: string) (xs: float[]) =
        match xs |> Array.tryFindIndex (fun x -> abs x >= 2147483648.0) with
        | Some g ->
            Error
                {
                    Source = source
                    Row = 0
                    Column = column
                    Problem = $"the sum {xs.[g]:R} over group {g + 1} does not fit a 32-bit integer"
                }
        | None -> Ok(Column.Integers(xs |> Array.map int))

    /// The data set the rewritten model is bound to.
    let toDataset (source: string) (t: GroupTable) : Result<Dataset, SourceError> =
        let keyed =
            t.Keys
            |> List.fold (fun d (name, column) -> Dataset.add name column d) Dataset.empty

        t.Nodes
        |> List.fold
            (fun (acc: Result<Dataset, SourceError>) ns ->
                acc
                |> Result.bind (fun d ->
                    let node = ns.Sums.Node

                    match ns.Sums with
                    | GroupSums.Normal _ ->
                        let total = Array.sum t.Count
                        // Σ n·var summed over groups in group order: the pooled within-group sum of squares.
                        let ss = ns.Spread |> Array.fold (+) 0.0

                        d
                        |> Dataset.add node (Column.Reals ns.Value)
                        |> Dataset.add
                            (Pushdown.seColumn node)
                            (Column.Reals(t.Count |> Array.map (fun n -> 1.0 / sqrt n)))
                        |> Dataset.scalar (Pushdown.ssScalar node) ss
                        |> Dataset.scalar (Pushdown.dfScalar node) (total - float t.Count.Length)
                        |> Ok
                    | GroupSums.Poisson _ ->
                        integers source node ns.Value
                        |> Result.map (fun ys ->
                            d
                            |> Dataset.add node ys
                            |> Dataset.add (Pushdown.sizeColumn node) (Column.Reals ns.Spread))
                    | GroupSums.Binomial _ ->
                        integers source node ns.Value
                        |> Result.bind (fun ys ->
                            integers source node ns.Spread
                            |> Result.map (fun ts ->
                                d |> Dataset.add node ys |> Dataset.add (Pushdown.sizeColumn node) ts))))
            (Ok keyed)
