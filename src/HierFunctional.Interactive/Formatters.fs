namespace HierFunctional.Interactive

open System
open System.Globalization
open System.Text
open Microsoft.DotNet.Interactive.Formatting
open Plotly.NET
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Plots

/// Polyglot Notebook formatters: a `Posterior` shows as its summary table (warnings first), a `GibbsPlan` as its
/// update table, a `ShrinkageTable` as a table and a chart inline. Call `Formatters.register ()` once in a
/// notebook (or `#r` this package, then call it).
[<RequireQualifiedAccess>]
module Formatters =

    let private esc (s: string) = Net.WebUtility.HtmlEncode s
    let private f (x: float) = Summary.formatSignificant 3 x

    let private table (header: string list) (rows: (string * bool) list seq) =
        let sb = StringBuilder("<table><thead><tr>")

        for h in header do
            sb.Append($"<th>{esc h}</th>") |> ignore

        sb.Append("</tr></thead><tbody>") |> ignore

        for r in rows do
            sb.Append("<tr>") |> ignore

            for c, warn in r do
                sb.Append(
                    if warn then
                        $"<td style=\"color:#a00;font-weight:bold\">{esc c}</td>"
                    else
                        $"<td>{esc c}</td>"
                )
                |> ignore

            sb.Append("</tr>") |> ignore

        sb.Append("</tbody></table>").ToString()

    let private warnings (ws: Warning[]) =
        match ws with
        | [||] -> ""
        | ws ->
            let items =
                ws
                |> Array.map (fun w -> $"<li>{esc (Warnings.describe w)}</li>")
                |> String.concat ""

            $"<div style=\"border:2px solid #a00;padding:0.3em 1em\"><b>{ws.Length} warning(s): do not trust these results until they are resolved</b><ul>{items}</ul></div>"

    /// A summary as HTML: warnings first, then one row per scalar with R-hat above and ESS below the thresholds
    /// in red.
    let summaryHtml (s: Summary) : string =
        let headers, rows = Summary.highlightedTable s

        let cancelled =
            if s.Cancelled then
                " (cancelled: the draws made before cancellation)"
            else
                ""

        let status = $"<p>{s.Chains} chains × {s.Draws} draws{cancelled}</p>"

        warnings s.Warnings + status + table headers rows

    /// A plan as HTML: one row per update of a sweep (node, exact, markov or approximate, method, why).
    let planHtml (plan: GibbsPlan) : string =
        plan.Updates
        |> Seq.map (fun u ->
            [
                u.Node, false
                Exactness.label u.Exactness, false
                u.Method, false
                u.Reason, false
            ])
        |> table [ "node"; "update"; "method"; "why" ]

    /// A shrinkage report as HTML: the table, then its chart.
    let shrinkageHtml (t: ShrinkageTable) : string =
        let rows =
            t.Rows
            |> Seq.map (fun r ->
                [
                    r.Label
                    f r.Size
                    f r.NoPooling
                    f r.CompletePooling
                    f r.PartialMean
                    f r.Lower
                    f r.Upper
                    f r.Factor
                ]
                |> List.map (fun c -> c, false))

        table
            [
                "group"
                "n"
                "no pooling"
                "complete pooling"
                "partial pooling"
                "q5"
                "q95"
                "B"
            ]
            rows

    /// A chart as HTML for a notebook cell: plotly.js inlined, then the chart's div and script. Each output carries
    /// plotly.js (about 3.6 MB) so it renders offline and after a kernel restart, without a CDN.
    let chartHtml (chart: GenericChart) : string =
        ChartPage.plotlyScript ()
        + ChartPage.fragment $"hier-chart-{Guid.NewGuid():N}" chart

    /// Registers the HTML formatters for `Posterior`, `Summary`, `GibbsPlan`, `ShrinkageTable` and Plotly.NET charts.
    let register () : unit =
        Formatter.Register<Posterior>(Func<Posterior, string>(Summary.compute >> summaryHtml), "text/html")
        Formatter.Register<Summary>(Func<Summary, string>(summaryHtml), "text/html")
        Formatter.Register<GibbsPlan>(Func<GibbsPlan, string>(planHtml), "text/html")
        Formatter.Register<ShrinkageTable>(Func<ShrinkageTable, string>(shrinkageHtml), "text/html")
        Formatter.Register<GenericChart>(Func<GenericChart, string>(chartHtml), "text/html")
