namespace HierFunctional.Plots

open System
open System.IO
open System.Text
open Plotly.NET

/// Self-contained HTML for charts: plotly.js is inlined from the copy Plotly.NET embeds, so a page opens offline
/// and fetches nothing (no CDN, unlike Plotly.NET's own `Chart.show`, which links plotly.js from a CDN).
[<RequireQualifiedAccess>]
module ChartPage =

    /// The plotly.js version inlined (the one Plotly.NET ships).
    let plotlyVersion = Globals.PLOTLYJS_VERSION

    /// The minified plotly.js source embedded in the Plotly.NET assembly.
    let plotlyJs: Lazy<string> =
        lazy
            (let name = $"Plotly.NET.plotly-{plotlyVersion}.min.js"
             let asm = typeof<GenericChart>.Assembly

             match asm.GetManifestResourceStream name with
             | null ->
                 invalidOp
                     $"Plotly.NET {asm.GetName().Version} does not embed {name}; the charts cannot be made self-contained with it."
             | s ->
                 use r = new StreamReader(s)
                 r.ReadToEnd())

    /// The `<script>` element holding plotly.js, once per page.
    let plotlyScript () =
        $"<script type=\"text/javascript\">{plotlyJs.Value}</script>"

    // JSON inside a <script> must not close it: "</" becomes "<\/", which JavaScript reads as the same string.
    let private scriptSafe (json: string) = json.Replace("</", "<\\/")

    /// One chart as a `<div>` with the given id and the script that draws it (plotly.js must be on the page).
    /// The div carries class `hier-chart`; the figure is also kept as `data` on the div by plotly.js.
    let fragment (id: string) (chart: GenericChart) : string =
        let figure = scriptSafe (GenericChart.toJson chart)
        let id = Net.WebUtility.HtmlEncode id

        $"<div id=\"{id}\" class=\"hier-chart\"></div><script type=\"text/javascript\">(function(){{var f={figure};Plotly.newPlot('{id}',f.data,f.layout,{{responsive:true,displaylogo:false}});}})();</script>"

    /// A whole page: title, plotly.js inlined, then each (id, chart) in order.
    let document (title: string) (charts: (string * GenericChart) seq) : string =
        let sb = StringBuilder()

        sb
            .Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append($"<title>{Net.WebUtility.HtmlEncode title}</title>")
            .Append(plotlyScript ())
            .Append("</head><body style=\"font-family: system-ui, sans-serif\">")
        |> ignore

        for id, c in charts do
            sb.Append(fragment id c) |> ignore

        sb.Append("</body></html>").ToString()

    /// True when the environment says no one is looking (CI set, as in GitHub Actions and `build.fsx`).
    let isHeadless () =
        not (String.IsNullOrEmpty(Environment.GetEnvironmentVariable "CI"))

    /// Writes a page to a new file in the temporary directory and returns its path.
    let writeTemp (html: string) : string =
        let path = Path.Combine(Path.GetTempPath(), $"hier-chart-{Guid.NewGuid():N}.html")
        File.WriteAllText(path, html)
        path
