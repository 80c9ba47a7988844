namespace HierFunctional.Testing

open System
open System.IO
open System.Globalization

/// SBC results as text: a summary table, and CSV files with the rank histograms, the ECDF-difference plots' data
/// (with the band) and the raw ranks, so the plots can be redrawn by any tool.
[<RequireQualifiedAccess>]
module SbcReport =

    let private inv (x: float) =
        x.ToString("G6", CultureInfo.InvariantCulture)

    let private csvField (s: string) =
        if s.Contains ',' || s.Contains '"' then
            "\"" + s.Replace("\"", "\"\"") + "\""
        else
            s

    /// The rank histograms: structure, quantity, bin, first rank, last rank, count, expected count.
    let histogramCsv (results: SbcResult list) =
        let header = "structure,quantity,bin,rank_from,rank_to,count,expected"

        let rows =
            results
            |> List.collect (fun r ->
                let bins = r.Settings.HistogramBins
                let width = (r.Settings.Draws + 1) / bins

                r.Quantities
                |> List.collect (fun q ->
                    let expected = float q.Ranks.Length / float bins

                    q.Histogram
                    |> Array.mapi (fun b count ->
                        $"{csvField r.Structure},{csvField q.Name},{b},{b * width},{(b + 1) * width - 1},{count},{inv expected}")
                    |> List.ofArray))

        String.concat "\n" (header :: rows) + "\n"

    /// The ECDF-difference plots: structure, quantity, z, ECDF(z) − z, and the simultaneous band's edges.
    let ecdfCsv (results: SbcResult list) =
        let header = "structure,quantity,z,ecdf_minus_z,band_lower,band_upper"

        let rows =
            results
            |> List.collect (fun r ->
                r.Quantities
                |> List.collect (fun q ->
                    let e = q.Ecdf

                    e.Points
                    |> Array.mapi (fun j z ->
                        $"{csvField r.Structure},{csvField q.Name},{inv z},{inv e.Difference.[j]},{inv e.Lower.[j]},{inv e.Upper.[j]}")
                    |> List.ofArray))

        String.concat "\n" (header :: rows) + "\n"

    /// The raw ranks: structure, quantity, then one column per completed replication.
    let ranksCsv (results: SbcResult list) =
        results
        |> List.collect (fun r ->
            r.Quantities
            |> List.map (fun q -> csvField r.Structure + "," + csvField q.Name + "," + String.Join(",", q.Ranks)))
        |> String.concat "\n"
        |> fun s -> s + "\n"

    /// One line per quantity: name, p-value, statistic vs γ, max |ECDF − z|, median ESS, pass.
    let private quantityLine (q: SbcQuantity) =
        let worst = q.Ecdf.Difference |> Array.map abs |> Array.max
        let verdict = if q.Passed then "pass" else "**FAIL**"
        $"| {q.Name} | {inv q.Ecdf.PValue} | {inv q.Ecdf.Statistic} | {inv q.Ecdf.Gamma} | {inv worst} | {inv q.MedianEss} | {verdict} |"

    /// A markdown summary: one table row per structure, then each structure's quantities and plan.
    let markdown (results: SbcResult list) =
        let overview =
            [
                "| structure | exercises | replications | quantities | failed quantities | failed replications | under-mixed | median thin | seconds | result |"
                "|---|---|---|---|---|---|---|---|---|---|"
            ]
            @ (results
               |> List.map (fun r ->
                   let n =
                       r.Quantities
                       |> List.tryHead
                       |> Option.map (fun q -> q.Ranks.Length)
                       |> Option.defaultValue 0

                   let failedQ =
                       r.Quantities
                       |> List.filter (fun q -> not q.Passed)
                       |> List.map (fun q -> q.Name)

                   let failedText = if failedQ.IsEmpty then "0" else String.Join(", ", failedQ)
                   let verdict = if r.Passed then "pass" else "**FAIL**"

                   $"| {r.Structure} | {r.Exercises} | {n} | {r.Quantities.Length} | {failedText} | {r.Failures.Length} | {r.UnderMixed} | {inv r.MedianThin} | {r.Seconds:F1} | {verdict} |"))

        let details =
            results
            |> List.collect (fun r ->
                [
                    ""
                    $"### {r.Structure}"
                    ""
                    $"Exercises: {r.Exercises}. Settings: L = {r.Settings.Draws}, warm-up {r.Settings.Warmup}, K = {r.Settings.EcdfPoints}, family level {1.0 - r.Settings.Alpha} (each quantity at 1 − {inv (r.Settings.Alpha / float (max 1 r.Quantities.Length))}), seed {r.Settings.Seed}."
                    ""
                    "Plan (first replication):"
                    ""
                    "```"
                    r.Plan
                    "```"
                    ""
                    "| quantity | p-value | statistic | γ | max abs(ECDF − z) | median ESS | result |"
                    "|---|---|---|---|---|---|---|"
                ]
                @ (r.Quantities |> List.map quantityLine)
                @ (if r.Constant.IsEmpty then
                       []
                   else
                       [ ""; "Constant (not tested): " + String.Join(", ", r.Constant) + "." ])
                @ (r.Failures
                   |> List.truncate 5
                   |> List.map (fun f -> $"- replication {f.Replication} failed: {f.Message}")))

        String.concat "\n" (overview @ details) + "\n"

    /// Writes summary.md, histograms.csv, ecdf.csv and ranks.csv into the directory (created if needed).
    let save (directory: string) (results: SbcResult list) =
        Directory.CreateDirectory directory |> ignore
        File.WriteAllText(Path.Combine(directory, "summary.md"), markdown results)
        File.WriteAllText(Path.Combine(directory, "histograms.csv"), histogramCsv results)
        File.WriteAllText(Path.Combine(directory, "ecdf.csv"), ecdfCsv results)
        File.WriteAllText(Path.Combine(directory, "ranks.csv"), ranksCsv results)
