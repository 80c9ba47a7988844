namespace HierFunctional.Cli.Report

open System
open System.Text
open HierFunctional

/// One section of the report: a heading and its HTML body.
type Section =
    {
        /// Heading text.
        Heading: string
        /// Body markup (tables, charts, paragraphs).
        Body: string
    }

/// The HTML report: one self-contained file, inline CSS and plotly.js (from HierFunctional.Plots), nothing
/// fetched at view time.
[<RequireQualifiedAccess>]
module Html =

    let private css =
        """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { padding: 2px 8px; text-align: right; border-bottom: 1px solid #eee; } th:first-child, td:first-child { text-align: left; }
td.warn { background: #fde2e1; color: #a00; font-weight: bold; }
pre { background: #f6f6f6; padding: 0.5em; font-size: 0.85em; overflow-x: auto; }
.hier-chart { margin: 0.5em 0; }
.note { color: #555; font-size: 0.9em; }
.warnings { border: 2px solid #a00; background: #fde2e1; padding: 0.5em 1em; margin: 1em 0; }
.warnings h2 { color: #a00; border: none; margin-top: 0.3em; } .warnings li { margin: 0.3em 0; }
"""

    /// Escapes text for HTML.
    let esc (s: string) = Net.WebUtility.HtmlEncode s

    /// A table from a header row and rows of cells; a cell flagged true is highlighted as a warning.
    let table (header: string list) (rows: (string * bool) list list) =
        let sb = StringBuilder("<table><thead><tr>")
        header |> List.iter (fun h -> sb.Append($"<th>{esc h}</th>") |> ignore)
        sb.Append("</tr></thead><tbody>") |> ignore

        for r in rows do
            sb.Append("<tr>") |> ignore

            for (c, warn) in r do
                sb.Append(
                    if warn then
                        $"<td class=\"warn\">{esc c}</td>"
                    else
                        $"<td>{esc c}</td>"
                )
                |> ignore

            sb.Append("</tr>") |> ignore

        sb.Append("</tbody></table>").ToString()

    /// The warnings banner: a red box listing each warning (what, where, what to try); empty when there are none.
    let warnings (ws: Warning[]) =
        if ws.Length = 0 then
            ""
        else
            let items =
                ws
                |> Array.map (fun w -> $"<li>{esc (Warnings.describe w)}</li>")
                |> String.concat ""

            let n = ws.Length
            let head = if n = 1 then "1 warning" else $"{n} warnings"

            $"<div class=\"warnings\" id=\"warnings\"><h2>{head}: do not trust these results until they are resolved</h2><ul>{items}</ul><p class=\"note\">Each warning is explained, with what to try, in docs/errors.md.</p></div>"

    /// Preformatted text.
    let pre (text: string) = $"<pre>{esc text}</pre>"

    /// A paragraph of explanatory text.
    let note (text: string) = $"<p class=\"note\">{esc text}</p>"

    /// A posterior summary as a table, R̂ above and ESS below the thresholds highlighted.
    let summary (s: Summary) =
        let headers, rows = Summary.highlightedTable s
        table headers rows

    /// Column headers of a shrinkage table (the console and the report share them).
    let shrinkageHeader =
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

    /// The cells of one shrinkage row, numbers to three significant digits.
    let shrinkageCells (r: ShrinkageRow) =
        r.Label
        :: ([
                r.Size
                r.NoPooling
                r.CompletePooling
                r.PartialMean
                r.Lower
                r.Upper
                r.Factor
            ]
            |> List.map (Summary.formatSignificant 3))

    /// A shrinkage report as a table.
    let shrinkage (t: ShrinkageTable) =
        t.Rows
        |> Array.map (shrinkageCells >> List.map (fun c -> c, false))
        |> List.ofArray
        |> table shrinkageHeader

    /// The whole page.
    let page (title: string) (subtitle: string) (banner: string) (sections: Section list) =
        let sb = StringBuilder()

        sb
            .Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append($"<title>{esc title}</title><style>{css}</style>")
            .Append(HierFunctional.Plots.ChartPage.plotlyScript ())
            .Append("</head><body>")
            .Append($"<h1>{esc title}</h1><p class=\"note\">{esc subtitle}</p>")
            .Append(banner)
        |> ignore

        for s in sections do
            sb.Append($"<section><h2>{esc s.Heading}</h2>{s.Body}</section>") |> ignore

        sb.Append("</body></html>").ToString()
