namespace HierFunctional.Plots

open System
open Plotly.NET

/// Plotly traces and layouts from chart data: the thin drawing layer over the data modules. Traces are plotly.js
/// objects set property by property, so every chart is plain plotly.js JSON with hover text naming the group.
module internal Render =

    /// Colours of chains 1, 2, ... (recycled), from the Okabe–Ito palette, distinguishable with colour blindness.
    let chainColours =
        [|
            "#0072B2"
            "#E69F00"
            "#009E73"
            "#CC79A7"
            "#56B4E9"
            "#D55E00"
            "#F0E442"
            "#000000"
        |]

    /// The colour of a chain (1-based); grey for series that belong to no chain.
    let colourOf (chain: int) =
        if chain >= 1 then
            chainColours.[(chain - 1) % chainColours.Length]
        else
            "#444444"

    /// Highlight colour for flagged chains and observed data.
    let alarm = "#C00000"

    /// A plotly.js trace of the given type with its properties.
    let trace (kind: string) (props: (string * obj) list) : Trace =
        let t = Trace2D(kind)

        for k, v in props do
            t.SetProperty(k, v)

        t :> Trace

    /// An axis description.
    let axis (title: string) (extra: (string * obj) list) =
        dict ([ "title", box (dict [ "text", box title ]); "automargin", box true ] @ extra)

    /// A chart from traces and layout properties (title, axes, shapes, annotations, ...).
    let chart (title: string) (layout: (string * obj) list) (traces: Trace list) : GenericChart =
        let l = Layout()
        l.SetProperty("title", dict [ "text", box title; "font", box (dict [ "size", box 15 ]) ])
        l.SetProperty("hovermode", "closest")
        l.SetProperty("width", 760)
        l.SetProperty("height", 420)

        for k, v in layout do
            l.SetProperty(k, v)

        traces
        |> List.map (GenericChart.ofTraceObject true)
        |> Chart.combine
        |> GenericChart.addLayout l

    /// A line per series, coloured by chain.
    let lines (width: float) (series: Series[]) =
        series
        |> Array.map (fun s ->
            trace
                "scatter"
                [
                    "x", box s.X
                    "y", box s.Y
                    "mode", box "lines"
                    "name", box s.Name
                    "line", box (dict [ "color", box (colourOf s.Chain); "width", box width ])
                    "opacity", box 0.85
                ])
        |> List.ofArray

    /// A vertical dashed line across the plot at x (layout shape).
    let vline (x: float) (colour: string) =
        dict
            [
                "type", box "line"
                "xref", box "x"
                "yref", box "paper"
                "x0", box x
                "x1", box x
                "y0", box 0.0
                "y1", box 1.0
                "line", box (dict [ "color", box colour; "dash", box "dash"; "width", box 1.5 ])
            ]

    /// A horizontal dashed line across the plot at y (layout shape).
    let hline (y: float) (colour: string) =
        dict
            [
                "type", box "line"
                "xref", box "paper"
                "yref", box "y"
                "x0", box 0.0
                "x1", box 1.0
                "y0", box y
                "y1", box y
                "line", box (dict [ "color", box colour; "dash", box "dash"; "width", box 1.5 ])
            ]

    /// Numbers as short text for hover labels.
    let num (x: float) =
        if Double.IsNaN x then
            "NA"
        else
            x.ToString("G4", Globalization.CultureInfo.InvariantCulture)

    /// A pair plot of the data: one marker trace per chain, flagged chains in red with the warning in the legend.
    let pair (logY: bool) (d: PairData) =
        let xName, yName = d.XName, d.YName

        let flagOf c =
            d.Flags
            |> Array.filter (fun f -> f.Chain = c)
            |> Array.map (fun f -> f.Reason)
            |> Array.distinct

        d.Chains
        |> Array.map (fun s ->
            let reasons = flagOf s.Chain
            let flagged = reasons.Length > 0

            trace
                "scatter"
                [
                    "x", box s.X
                    "y", box s.Y
                    "mode", box "markers"
                    "name",
                    box (
                        if flagged then
                            $"""{s.Name} ({String.Join(", ", reasons)})"""
                        else
                            s.Name
                    )
                    "marker",
                    box (
                        dict
                            [
                                "color", box (if flagged then alarm else colourOf s.Chain)
                                "size", box (if flagged then 6 else 4)
                                "opacity", box (if flagged then 0.9 else 0.5)
                                "symbol", box (if flagged then "x" else "circle")
                            ]
                    )
                ])
        |> List.ofArray
        |> chart
            (if d.Flags.Length > 0 then
                 $"{yName} against {xName}: flagged chains in red"
             else
                 $"{yName} against {xName}")
            [
                "xaxis", box (axis xName [])
                "yaxis",
                box (axis (if logY then $"{yName} (log scale)" else yName) (if logY then [ "type", box "log" ] else []))
            ]

    /// Bars (or dots with error bars) per group of a bar chart, with its threshold line.
    let bars (dots: bool) (d: BarData) =
        let many = d.Groups |> Array.sumBy (fun g -> g.Values.Length) > 40

        d.Groups
        |> Array.mapi (fun i g ->
            let hasInterval = g.Values |> Array.exists (fun v -> Double.IsFinite v.Lower)

            trace
                (if dots then "scatter" else "bar")
                [
                    "x", box (g.Values |> Array.map (fun v -> v.Label))
                    "y", box (g.Values |> Array.map (fun v -> v.Value))
                    "name", box g.Name
                    if dots then
                        "mode", box "markers"

                        "marker", box (dict [ "size", box 10; "color", box chainColours.[i % chainColours.Length] ])
                    else
                        "marker", box (dict [ "color", box chainColours.[i % chainColours.Length] ])
                    if hasInterval then
                        "error_y",
                        box (
                            dict
                                [
                                    "type", box "data"
                                    "symmetric", box false
                                    "array", box (g.Values |> Array.map (fun v -> v.Upper - v.Value))
                                    "arrayminus", box (g.Values |> Array.map (fun v -> v.Value - v.Lower))
                                ]
                        )
                    "hovertext", box (g.Values |> Array.map (fun v -> $"{g.Name} of {v.Label}: {num v.Value}"))
                    "hoverinfo", box "text"
                ])
        |> List.ofArray
        |> chart
            d.Title
            [
                "xaxis", box (axis "" [ "type", box "category"; "tickangle", box (if many then -60 else 0) ])
                "yaxis", box (axis d.ValueTitle [])
                "height", box (if many then 560 else 420)
                "barmode", box "group"
                "scattermode", box "group"
                "shapes",
                box (
                    if Double.IsFinite d.Threshold then
                        [| hline d.Threshold alarm |]
                    else
                        [||]
                )
            ]
