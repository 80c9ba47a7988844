namespace HierFunctional.Cli.Report

open System

/// One group in a shrinkage plot.
type ShrinkageGroup =
    {
        /// Group label.
        Label: string
        /// Data size (rows, trials or exposure); drawn as the point's area.
        Size: float
        /// The group's own estimate (no pooling).
        NoPooling: float
        /// Its posterior mean (partial pooling).
        Partial: float
    }

/// One row of a forest plot: a point estimate with an interval.
type IntervalRow =
    {
        /// Row label.
        Label: string
        /// Point estimate (posterior mean).
        Mean: float
        /// Lower end of the interval.
        Lower: float
        /// Upper end of the interval.
        Upper: float
    }

/// The report's plots as pure functions from numbers to `<svg>` strings (no scripts, no external resources).
/// Elements carry classes (`no-pool`, `partial`, `arrow`, `interval`, `chain`, `rep`, `observed`) and
/// `data-group` attributes so tests and stylesheets can find them.
[<RequireQualifiedAccess>]
module Plots =

    /// Width of every plot in pixels.
    let width = 680.0
    let private left, right = 130.0, 20.0

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

    let private xScale (values: seq<float>) =
        Svg.scale (Svg.extent 0.05 values) (left, width - right)

    /// Radius of a group's point: area proportional to its size, from 2.5 px up to 11 px for the largest group.
    let radius (maxSize: float) (size: float) =
        if maxSize > 0.0 && size > 0.0 then
            2.5 + 8.5 * sqrt (size / maxSize)
        else
            2.5

    /// No-pooling estimates (top row, area ∝ group size) with arrows to the partial-pooling posterior means
    /// (bottom row), and the complete-pooling estimate as a dashed vertical line.
    let shrinkage (id: string) (title: string) (pooled: float) (groups: ShrinkageGroup[]) =
        let top, bottom = 50.0, 210.0

        let s =
            xScale (
                Seq.concat
                    [
                        groups |> Seq.map (fun g -> g.NoPooling)
                        groups |> Seq.map (fun g -> g.Partial)
                        Seq.singleton pooled
                    ]
            )

        let maxSize = groups |> Array.fold (fun m g -> max m g.Size) 0.0
        let marker = id + "-head"

        Svg.document
            id
            width
            260.0
            title
            [
                $"<defs><marker id=\"{marker}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"#555\"/></marker></defs>"
                Svg.text (width / 2.0) 18.0 "middle" title [ "class", "heading" ]
                Svg.text (left - 8.0) (top + 4.0) "end" "no pooling" [ "class", "tick" ]
                Svg.text (left - 8.0) (bottom + 4.0) "end" "partial pooling" [ "class", "tick" ]
                if Double.IsFinite pooled then
                    Svg.line
                        (Svg.apply s pooled)
                        (top - 15.0)
                        (Svg.apply s pooled)
                        (bottom + 10.0)
                        [ "class", "pooled" ]
                for g in groups do
                    let x0, x1 = Svg.apply s g.NoPooling, Svg.apply s g.Partial

                    Svg.line
                        x0
                        top
                        x1
                        bottom
                        [ "class", "arrow"; "data-group", g.Label; "marker-end", $"url(#{marker})" ]
                for g in groups do
                    Svg.circle
                        (Svg.apply s g.NoPooling)
                        top
                        (radius maxSize g.Size)
                        [ "class", "no-pool"; "data-group", g.Label ]

                    Svg.circle (Svg.apply s g.Partial) bottom 3.0 [ "class", "partial"; "data-group", g.Label ]
                Svg.axisX s (bottom + 15.0) "estimate (dashed: complete pooling; point area: group size)"
            ]

    /// Posterior means with intervals, one row per group, sorted as given.
    let forest (id: string) (title: string) (rows: IntervalRow[]) =
        let top, step = 40.0, 16.0
        let height = top + step * float rows.Length + 50.0
        let s = xScale (rows |> Seq.collect (fun r -> [ r.Lower; r.Upper; r.Mean ]))

        Svg.document
            id
            width
            height
            title
            [
                Svg.text (width / 2.0) 18.0 "middle" title [ "class", "heading" ]
                for i, r in Array.indexed rows do
                    let y = top + step * float i
                    Svg.text (left - 8.0) (y + 4.0) "end" r.Label [ "class", "tick" ]

                    Svg.line
                        (Svg.apply s r.Lower)
                        y
                        (Svg.apply s r.Upper)
                        y
                        [ "class", "interval"; "data-group", r.Label ]

                    Svg.circle (Svg.apply s r.Mean) y 3.5 [ "class", "partial"; "data-group", r.Label ]
                Svg.axisX s (top + step * float rows.Length) "posterior mean and 90% interval"
            ]

    /// Every `k`-th index so that at most `limit` points are drawn per chain.
    let private thinned (limit: int) (n: int) =
        let k = max 1 ((n + limit - 1) / limit)
        [| 0..k .. n - 1 |]

    let private chainFrame (id: string) (title: string) (ys: LinearScale) (xs: LinearScale) (xTitle: string) paths =
        Svg.document
            id
            width
            220.0
            title
            [
                yield Svg.text (width / 2.0) 18.0 "middle" title [ "class", "heading" ]
                yield Svg.axisY ys left
                yield! paths
                yield Svg.axisX xs 180.0 xTitle
            ]

    /// Trace plot: each chain's draws against iteration (at most 400 points per chain), one colour per chain.
    let trace (id: string) (name: string) (chains: float[][]) =
        let n = if chains.Length = 0 then 0 else chains.[0].Length
        let xs = Svg.scale (1.0, float (max n 2)) (left, width - right)
        let ys = Svg.scale (Svg.extent 0.05 (Seq.concat chains)) (180.0, 30.0)

        let paths =
            chains
            |> Array.mapi (fun c draws ->
                let pts =
                    thinned 400 draws.Length
                    |> Array.map (fun i -> Svg.apply xs (float (i + 1)), Svg.apply ys draws.[i])

                Svg.polyline
                    pts
                    [
                        "class", "chain"
                        "stroke", chainColours.[c % chainColours.Length]
                        "data-chain", string (c + 1)
                    ])

        chainFrame id $"trace of {name}" ys xs "iteration" paths

    /// Ranks 0..S−1 of all draws pooled over chains (ties broken by position), returned per chain.
    let ranks (chains: float[][]) : int[][] =
        let all =
            chains
            |> Array.mapi (fun c xs -> xs |> Array.mapi (fun i x -> x, c, i))
            |> Array.concat

        let out = chains |> Array.map (fun xs -> Array.zeroCreate<int> xs.Length)
        all |> Array.sortInPlaceBy (fun (x, _, _) -> x) // local copy, sorted in place
        all |> Array.iteri (fun r (_, c, i) -> out.[c].[i] <- r)
        out

    /// Rank plot (Vehtari et al. 2021): a histogram of each chain's ranks among all draws, drawn as a step line
    /// per chain; well-mixed chains give flat, overlapping lines at the dashed expected count.
    let rank (id: string) (name: string) (chains: float[][]) =
        let bins = 20
        let total = chains |> Array.sumBy Array.length
        let rs = ranks chains

        let counts =
            rs
            |> Array.map (fun r ->
                Array.init bins (fun b -> r |> Array.filter (fun v -> v * bins / max 1 total = b) |> Array.length))

        let expected =
            if chains.Length = 0 then
                0.0
            else
                float total / float chains.Length / float bins

        let xs = Svg.scale (0.0, float bins) (left, width - right)

        let ys =
            Svg.scale (0.0, 1.2 * float (counts |> Array.concat |> Array.fold max 1)) (180.0, 30.0)

        let step (cs: int[]) =
            [|
                for b in 0 .. bins - 1 do
                    yield Svg.apply xs (float b), Svg.apply ys (float cs.[b])
                    yield Svg.apply xs (float (b + 1)), Svg.apply ys (float cs.[b])
            |]

        let paths =
            [
                yield
                    Svg.line
                        (Svg.apply xs 0.0)
                        (Svg.apply ys expected)
                        (Svg.apply xs (float bins))
                        (Svg.apply ys expected)
                        [ "class", "pooled" ]
                for c, cs in Array.indexed counts do
                    yield
                        Svg.polyline
                            (step cs)
                            [
                                "class", "chain"
                                "stroke", chainColours.[c % chainColours.Length]
                                "data-chain", string (c + 1)
                            ]
            ]

        chainFrame id $"rank plot of {name}" ys xs "rank bin (20 bins of the pooled draws)" paths

    /// Posterior predictive check of a statistic: a histogram of T(y_rep) over draws, the observed T(y) as a
    /// vertical line, and p = P(T(y_rep) ≥ T(y)).
    let ppcStat (id: string) (statistic: string) (observed: float) (replicated: float[]) (pValue: float) =
        let bins = 25
        let s = xScale (Seq.append replicated [ observed ])
        let lo, hi = s.Domain
        let w = (hi - lo) / float bins

        let binOf x =
            min (bins - 1) (max 0 (int ((x - lo) / w)))

        let counts = Array.zeroCreate<int> bins // filled in the loop below, local only

        replicated
        |> Array.iter (fun x ->
            if Double.IsFinite x then
                counts.[binOf x] <- counts.[binOf x] + 1)

        let ys = Svg.scale (0.0, 1.1 * float (Array.fold max 1 counts)) (180.0, 30.0)
        let title = $"T = {statistic}: observed {Svg.label observed}, p = {pValue:F2}"

        Svg.document
            id
            width
            220.0
            title
            [
                Svg.text (width / 2.0) 18.0 "middle" title [ "class", "heading" ]
                Svg.axisY ys left
                for b in 0 .. bins - 1 do
                    if counts.[b] > 0 then
                        let x0 = Svg.apply s (lo + w * float b)

                        Svg.rect
                            x0
                            (Svg.apply ys (float counts.[b]))
                            (Svg.apply s (lo + w * float (b + 1)) - x0)
                            (180.0 - Svg.apply ys (float counts.[b]))
                            [ "class", "rep" ]
                Svg.line (Svg.apply s observed) 30.0 (Svg.apply s observed) 180.0 [ "class", "observed" ]
                Svg.axisX s 180.0 $"{statistic} of replicated data (bars) and of the data (line)"
            ]
