namespace HierFunctional.Plots

open System
open Plotly.NET

/// Plotly traces and layouts from chart data: the thin drawing layer over the data modules. Traces are plotly.js
/// objects set property by property, so every chart is plain plotly.js JSON with hover text naming the group.
module internal Render =

    /// Colours of chains 1, 2, ... (recycled), from the Okabe–Ito palette, distinguishable with colour blindness.
    let chainColours =
        [| "#0072B2"; "#E69F00"; "#009E73"; "#CC79A7"; "#56B4E9"; "#D55E00"; "#F0E442"; "#000000" |]

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
        if Double.IsNaN x then "NA" else x.ToString("G4", Globalization.CultureInfo.InvariantCulture)
