namespace HierFunctional.Plots

open System
open System.IO
open Plotly.NET
open HierFunctional

/// Charts of a fit on Plotly.NET, one function per chart, each taking the library's own results (a `Posterior`,
/// a `ShrinkageTable`, a `PredictiveCheck`, criteria) last so it reads as a pipeline:
/// `posterior |> Plot.trace "tau" |> Plot.show`. Group labels come from the posterior.
[<RequireQualifiedAccess>]
module Plot =

    /// Points per chain drawn in trace and pair plots; longer chains are thinned evenly.
    let maxPoints = 1000

    /// Bins of the rank plots.
    let rankBins = 20

    /// Largest lag of the autocorrelation plots.
    let maxLag = 40

    /// Seed of the generator behind prior and predictive draws, so a chart is the same on every call.
    let seed = 20261206

    /// Trace plot: each chain's draws against iteration, one colour per chain.
    let trace (name: string) (posterior: Posterior) : GenericChart =
        ChainData.trace maxPoints name posterior
        |> Render.lines 1.0
        |> Render.chart
            $"Trace of {name}"
            [
                "xaxis", box (Render.axis "iteration" [])
                "yaxis", box (Render.axis name [])
            ]

    /// Rank plot (Vehtari et al. 2021): each chain's histogram of the ranks of its draws among all draws, as a
    /// step line; chains that mix give flat, overlapping lines at the dashed expected count.
    let rank (name: string) (posterior: Posterior) : GenericChart =
        let h = ChainData.rankHistogram rankBins name posterior

        h.Counts
        |> Array.mapi (fun c counts ->
            {
                Name = $"chain {c + 1}"
                Chain = c + 1
                X = Array.init (h.Bins + 1) float
                Y = Array.init (h.Bins + 1) (fun b -> float counts.[min b (h.Bins - 1)])
            })
        |> Array.map (fun s ->
            Render.trace
                "scatter"
                [
                    "x", box s.X
                    "y", box s.Y
                    "mode", box "lines"
                    "line", box (dict [ "shape", box "hv"; "color", box (Render.colourOf s.Chain); "width", box 2 ])
                    "name", box s.Name
                ])
        |> List.ofArray
        |> Render.chart
            $"Rank plot of {name}"
            [
                "xaxis", box (Render.axis $"rank bin ({h.Bins} bins of the pooled draws)" [])
                "yaxis", box (Render.axis "draws in bin" [ "rangemode", box "tozero" ])
                "shapes", box [| Render.hline h.Expected "#777777" |]
            ]

    /// Posterior density of a scalar, one curve per chain.
    let density (name: string) (posterior: Posterior) : GenericChart =
        ChainData.densityByChain name posterior
        |> Render.lines 2.0
        |> Render.chart
            $"Density of {name} by chain"
            [ "xaxis", box (Render.axis name []); "yaxis", box (Render.axis "density" []) ]

    /// Autocorrelation of each chain at lags 0 to `maxLag`.
    let autocorrelation (name: string) (posterior: Posterior) : GenericChart =
        ChainData.autocorrelation maxLag name posterior
        |> Render.lines 1.5
        |> Render.chart
            $"Autocorrelation of {name}"
            [
                "xaxis", box (Render.axis "lag" [])
                "yaxis", box (Render.axis "autocorrelation" [ "range", box [| -0.2; 1.05 |] ])
            ]

    /// Forest plot: every scalar of a node (e.g. all `theta[j]`) by group label, median and 90% interval; a
    /// vector effect (`b[j,k]`) gets one panel per column k, side by side.
    let forest (node: string) (posterior: Posterior) : GenericChart =
        let panels =
            GroupData.forest 0.9 node posterior
            |> Array.groupBy (fun r -> GroupData.columnOf r.Name)

        let traces =
            panels
            |> Array.mapi (fun i (column, rows) ->
                let axis = if i = 0 then "" else string (i + 1)

                Render.trace
                    "scatter"
                    [
                        "x", box (rows |> Array.map (fun r -> r.Median))
                        "y",
                        box (
                            rows
                            |> Array.map (fun r ->
                                if column = "" then
                                    r.Label
                                else
                                    r.Label.Replace($",{column}]", "]"))
                        )
                        "xaxis", box ("x" + axis)
                        "yaxis", box ("y" + axis)
                        "mode", box "markers"
                        "name", box (if column = "" then node else $"{node}[, {column}]")
                        "marker", box (dict [ "color", box Render.chainColours.[0]; "size", box 8 ])
                        "error_x",
                        box (
                            dict
                                [
                                    "type", box "data"
                                    "symmetric", box false
                                    "array", box (rows |> Array.map (fun r -> r.Upper - r.Median))
                                    "arrayminus", box (rows |> Array.map (fun r -> r.Median - r.Lower))
                                    "color", box Render.chainColours.[0]
                                    "thickness", box 2
                                    "width", box 0
                                ]
                        )
                        "text",
                        box (
                            rows
                            |> Array.map (fun r ->
                                $"{r.Label} ({r.Name})<br>median {Render.num r.Median}<br>90%% interval [{Render.num r.Lower}, {Render.num r.Upper}]")
                        )
                        "hoverinfo", box "text"
                    ])
            |> List.ofArray

        let rowCount = panels |> Array.map (snd >> Array.length) |> Array.max

        let axes =
            panels
            |> Array.mapi (fun i (column, _) ->
                let suffix = if i = 0 then "" else string (i + 1)
                let title = if column = "" then node else $"{node}[, {column}]"

                [
                    "xaxis" + suffix, box (Render.axis title [ "zeroline", box false ])
                    "yaxis" + suffix,
                    box (
                        Render.axis
                            ""
                            [
                                "autorange", box "reversed"
                                "type", box "category"
                                "showticklabels", box (i = 0)
                            ]
                    )
                ])
            |> List.concat

        Render.chart
            $"Forest plot of {node}: medians and 90%% intervals"
            ([
                "height", box (max 300 (120 + 22 * rowCount))
                "showlegend", box false
                "grid", box (dict [ "rows", box 1; "columns", box panels.Length; "pattern", box "independent" ])
             ]
             @ axes)
            traces

    /// Shrinkage plot: each group's no-pooling estimate (top row, area ∝ group size) with an arrow to its
    /// partial-pooling posterior mean (bottom row), and the complete-pooling estimate as a dashed line.
    let shrinkage (table: ShrinkageTable) : GenericChart =
        let d = GroupData.shrinkage table
        let maxSize = d.Arrows |> Array.fold (fun m a -> max m a.Size) 0.0

        let size (a: ShrinkageArrow) =
            if maxSize > 0.0 && a.Size > 0.0 then
                8.0 + 22.0 * sqrt (a.Size / maxSize)
            else
                8.0

        let hover (a: ShrinkageArrow) =
            $"{a.Label}<br>n = {Render.num a.Size}<br>no pooling {Render.num a.From}<br>partial pooling {Render.num a.To} [{Render.num a.Lower}, {Render.num a.Upper}]<br>B = {Render.num a.Factor}"

        let points (name: string) (y: float) (xOf: ShrinkageArrow -> float) (sizes: float[]) (colour: string) =
            Render.trace
                "scatter"
                [
                    "x", box (d.Arrows |> Array.map xOf)
                    "y", box (Array.create d.Arrows.Length y)
                    "mode", box "markers"
                    "name", box name
                    "marker",
                    box (
                        dict
                            [
                                "size", box sizes
                                "color", box colour
                                "opacity", box 0.75
                                "line", box (dict [ "color", box "#333333"; "width", box 1 ])
                            ]
                    )
                    "text", box (d.Arrows |> Array.map hover)
                    "hoverinfo", box "text"
                ]

        let arrows =
            d.Arrows
            |> Array.map (fun a ->
                dict
                    [
                        "x", box a.To
                        "y", box 0.0
                        "ax", box a.From
                        "ay", box 1.0
                        "xref", box "x"
                        "yref", box "y"
                        "axref", box "x"
                        "ayref", box "y"
                        "showarrow", box true
                        "arrowhead", box 2
                        "arrowwidth", box 1
                        "arrowcolor", box "#777777"
                        "text", box ""
                        "standoff", box 4
                    ])

        [
            points
                "no pooling (area: group size)"
                1.0
                (fun a -> a.From)
                (d.Arrows |> Array.map size)
                Render.chainColours.[1]
            points "partial pooling" 0.0 (fun a -> a.To) (Array.create d.Arrows.Length 9.0) Render.chainColours.[0]
        ]
        |> Render.chart
            $"Shrinkage of {d.Title}: no pooling → partial pooling (dashed: complete pooling)"
            [
                "xaxis", box (Render.axis "estimate" [ "zeroline", box false ])
                "yaxis",
                box (
                    Render.axis
                        ""
                        [
                            "tickvals", box [| 0.0; 1.0 |]
                            "ticktext", box [| "partial pooling"; "no pooling" |]
                            "range", box [| -0.3; 1.3 |]
                        ]
                )
                "shapes",
                box (
                    if Double.IsFinite d.CompletePooling then
                        [| Render.vline d.CompletePooling "#999999" |]
                    else
                        [||]
                )
                "annotations", box arrows
                "height", box 380
            ]

    /// Pair plot of two scalars, one colour per chain; chains the warnings name (stuck, drifting, outlying) are
    /// drawn in red with the warning in the legend.
    let pair (xName: string) (yName: string) (posterior: Posterior) : GenericChart =
        ChainData.pair maxPoints xName yName posterior |> Render.pair false

    /// The funnel view of a hierarchy: a location (e.g. `mu` or `theta[1]`) against a scale (`tau`) on a log axis,
    /// flagged chains in red as in `pair`.
    let funnel (location: string) (scale: string) (posterior: Posterior) : GenericChart =
        ChainData.pair maxPoints location scale posterior |> Render.pair true

    /// Prior against posterior density of one parameter element (e.g. `tau`), the prior drawn from the model.
    let priorPosterior (b: Bound) (name: string) (posterior: Posterior) : GenericChart =
        let s = GroupData.priorPosterior (Random seed) 4000 b name posterior

        [
            Render.trace
                "scatter"
                [
                    "x", box s.[0].X
                    "y", box s.[0].Y
                    "mode", box "lines"
                    "name", box "prior"
                    "line", box (dict [ "color", box "#999999"; "dash", box "dash"; "width", box 2 ])
                ]
            Render.trace
                "scatter"
                [
                    "x", box s.[1].X
                    "y", box s.[1].Y
                    "mode", box "lines"
                    "name", box "posterior"
                    "line", box (dict [ "color", box Render.chainColours.[0]; "width", box 2.5 ])
                ]
        ]
        |> Render.chart
            $"Prior and posterior of {name}"
            [
                "xaxis", box (Render.axis $"{name} (shown: the posterior and the prior's central 90%%)" [])
                "yaxis", box (Render.axis "density" [])
            ]

    /// Posterior predictive check of a whole column: the density of the observed data (black) over the densities
    /// of 50 data sets replicated from evenly spaced posterior draws (blue).
    let predictiveDensities (b: Bound) (observed: string) (posterior: Posterior) : GenericChart =
        let s = GroupData.predictiveDensities (Random seed) 50 b observed posterior

        s
        |> Array.mapi (fun i x ->
            let isObserved = x.Chain = 0

            Render.trace
                "scatter"
                [
                    "x", box x.X
                    "y", box x.Y
                    "mode", box "lines"
                    "name", box (if isObserved then "observed" else "replicated")
                    "legendgroup", box (if isObserved then "observed" else "replicated")
                    "showlegend", box (isObserved || i = 1)
                    "line",
                    box (
                        dict
                            [
                                "color", box (if isObserved then "#000000" else "#56B4E9")
                                "width", box (if isObserved then 3.0 else 1.0)
                            ]
                    )
                    "opacity", box (if isObserved then 1.0 else 0.4)
                ])
        |> Array.rev // replicated first, so the observed curve is drawn on top
        |> List.ofArray
        |> Render.chart
            $"Posterior predictive check of {observed}: observed against replicated data"
            [
                "xaxis", box (Render.axis observed [])
                "yaxis", box (Render.axis "density" [])
            ]

    /// Posterior predictive check of a test statistic: a histogram of T(y_rep), the observed T(y) as a red line,
    /// p = P(T(y_rep) ≥ T(y)) in the title.
    let predictiveStatistic (statistic: string) (check: PredictiveCheck) : GenericChart =
        let d = GroupData.statistic statistic check

        [
            Render.trace
                "histogram"
                [
                    "x", box d.Replicated
                    "name", box $"T(y_rep) = {statistic} of replicated data"
                    "marker", box (dict [ "color", box "#9ecae1" ])
                ]
        ]
        |> Render.chart
            $"Check of {statistic}: observed {Render.num d.Observed}, p = {d.PValue:F3}"
            [
                "xaxis", box (Render.axis statistic [])
                "yaxis", box (Render.axis "replicated data sets" [])
                "shapes", box [| Render.vline d.Observed Render.alarm |]
                "showlegend", box false
            ]

    /// R-hat of every scalar, with the 1.01 threshold (Vehtari et al. 2021).
    let rhat (posterior: Posterior) : GenericChart =
        Summary.compute posterior |> GroupData.rhat |> Render.bars true

    /// Bulk and tail ESS of every scalar, with the threshold of 100 per chain.
    let ess (posterior: Posterior) : GenericChart =
        Summary.compute posterior |> GroupData.ess |> Render.bars false

    /// Each level's share of the total variance with 90% intervals, for sds listed top level first
    /// (e.g. `["tau"; "sigma"]`; see `VarianceDecomposition.decompose`).
    let varianceShares (sds: string list) (posterior: Posterior) : GenericChart =
        GroupData.varianceShares sds posterior |> Render.bars false

    /// Model comparison of DIC, WAIC and LOOIC rows (`GroupData.Criterion.dic`/`waic`/`loo`), ±1 SE.
    let criteria (rows: CriterionRow seq) : GenericChart =
        GroupData.comparison rows |> Render.bars true

    /// WAIC and LOOIC of named fits compared (each posterior needs its pointwise log-likelihood, recorded by
    /// default), ±1 SE.
    let compare (models: (string * Posterior) seq) : GenericChart =
        models
        |> Seq.collect (fun (name, p) ->
            [
                GroupData.Criterion.waic name (Criteria.waicOf p)
                GroupData.Criterion.loo name (Criteria.looOf p)
            ])
        |> criteria

    /// The chart as one self-contained HTML page (plotly.js inlined; opens offline).
    let toHtml (chart: GenericChart) : string =
        ChartPage.document "HierFunctional chart" [ "chart", chart ]

    /// Saves the chart as a self-contained HTML page at `path`.
    let saveHtml (path: string) (chart: GenericChart) : unit = File.WriteAllText(path, toHtml chart)

    /// Writes the chart to a self-contained page in the temporary directory and opens it in the default browser;
    /// when CI is set (no one to look) it only writes the page and prints its path. Returns the path.
    let show (chart: GenericChart) : string =
        let path = ChartPage.writeTemp (toHtml chart)

        if ChartPage.isHeadless () then
            printfn "chart written to %s (CI is set, so no browser is opened)" path
        else
            // No desktop handler for .html (a server, a container): say where the page is instead.
            try
                Diagnostics.Process.Start(Diagnostics.ProcessStartInfo(path, UseShellExecute = true))
                |> ignore
            with :? ComponentModel.Win32Exception as e ->
                printfn "chart written to %s (no browser could be opened: %s)" path e.Message

        path
