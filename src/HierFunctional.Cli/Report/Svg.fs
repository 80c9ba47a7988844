namespace HierFunctional.Cli.Report

open System
open System.Globalization
open System.Net

/// A linear map from a data interval (Domain) onto a pixel interval (Range).
type LinearScale =
    {
        /// Data interval (lo, hi); lo = hi is widened so the map stays defined.
        Domain: float * float
        /// Pixel interval the domain maps onto (may be reversed, as for a y axis).
        Range: float * float
    }

/// Pure functions from numbers to SVG markup: scales, ticks and the few elements the report's plots need.
/// Numbers are written with invariant culture and two decimals, so the output is the same on every machine.
[<RequireQualifiedAccess>]
module Svg =

    /// A linear scale; a degenerate domain (lo = hi) is widened by ±0.5 (or ±1% of |lo|).
    let scale (lo: float, hi: float) (r0: float, r1: float) : LinearScale =
        let lo, hi =
            if hi > lo then
                lo, hi
            else
                let w = max 0.5 (abs lo * 0.01)
                lo - w, hi + w

        { Domain = (lo, hi); Range = (r0, r1) }

    /// Maps a data value to pixels: r0 + (x − lo)(r1 − r0)/(hi − lo).
    let apply (s: LinearScale) (x: float) : float =
        let lo, hi = s.Domain
        let r0, r1 = s.Range
        r0 + (x - lo) * (r1 - r0) / (hi - lo)

    /// The interval covering all finite values, padded by `pad` of its width on each side.
    let extent (pad: float) (values: seq<float>) : float * float =
        let xs = values |> Seq.filter Double.IsFinite |> Array.ofSeq

        if xs.Length = 0 then
            0.0, 1.0
        else
            let lo, hi = Array.min xs, Array.max xs
            let w = if hi > lo then hi - lo else max 1.0 (abs lo)
            lo - pad * w, hi + pad * w

    /// About `count` round tick values (steps of 1, 2 or 5 × 10^k) inside [lo, hi].
    let ticks (count: int) (lo: float, hi: float) : float[] =
        if not (hi > lo) then
            [| lo |]
        else
            let raw = (hi - lo) / float (max 1 count)
            let p = Math.Pow(10.0, floor (log10 raw))

            let step =
                [ 1.0; 2.0; 5.0; 10.0 ] |> List.map ((*) p) |> List.find (fun s -> s >= raw)

            let first = ceil (lo / step) * step
            let n = int (floor ((hi - first) / step + 1e-9))
            Array.init (n + 1) (fun i -> Math.Round(first + float i * step, 10))

    /// A number as SVG writes it: invariant culture, at most two decimals.
    let num (x: float) =
        Math.Round(x, 2).ToString("0.##", CultureInfo.InvariantCulture)

    /// Escapes text for an element or attribute.
    let esc (s: string) = WebUtility.HtmlEncode s

    /// A tick label: up to three significant digits.
    let label (x: float) =
        if x = 0.0 then
            "0"
        else
            x.ToString("G3", CultureInfo.InvariantCulture)

    let private attrs (extra: (string * string) list) =
        extra |> List.map (fun (k, v) -> $" {k}=\"{esc v}\"") |> String.concat ""

    /// A circle with extra attributes (class, data-*).
    let circle (cx: float) (cy: float) (r: float) (extra: (string * string) list) =
        $"<circle cx=\"{num cx}\" cy=\"{num cy}\" r=\"{num r}\"{attrs extra}/>"

    /// A straight line.
    let line (x1: float) (y1: float) (x2: float) (y2: float) (extra: (string * string) list) =
        $"<line x1=\"{num x1}\" y1=\"{num y1}\" x2=\"{num x2}\" y2=\"{num y2}\"{attrs extra}/>"

    /// A rectangle (negative sizes are flipped so the markup is valid).
    let rect (x: float) (y: float) (w: float) (h: float) (extra: (string * string) list) =
        let x, w = (if w < 0.0 then x + w, -w else x, w)
        let y, h = (if h < 0.0 then y + h, -h else y, h)
        $"<rect x=\"{num x}\" y=\"{num y}\" width=\"{num w}\" height=\"{num h}\"{attrs extra}/>"

    /// An open path through the points (M then L commands).
    let polyline (points: (float * float)[]) (extra: (string * string) list) =
        let d =
            points
            |> Array.mapi (fun i (x, y) -> (if i = 0 then "M" else "L") + num x + " " + num y)
            |> String.concat " "

        $"<path d=\"{d}\" fill=\"none\"{attrs extra}/>"

    /// A text element.
    let text (x: float) (y: float) (anchor: string) (s: string) (extra: (string * string) list) =
        $"<text x=\"{num x}\" y=\"{num y}\" text-anchor=\"{anchor}\"{attrs extra}>{esc s}</text>"

    /// A horizontal axis at pixel row y, with ticks and labels, and a title below.
    let axisX (s: LinearScale) (y: float) (title: string) =
        let r0, r1 = s.Range

        [
            yield line r0 y r1 y [ "class", "axis" ]
            for t in ticks 5 s.Domain do
                let x = apply s t
                yield line x y x (y + 4.0) [ "class", "axis" ]
                yield text x (y + 16.0) "middle" (label t) [ "class", "tick" ]
            yield text ((r0 + r1) / 2.0) (y + 32.0) "middle" title [ "class", "title" ]
        ]
        |> String.concat ""

    /// A vertical axis at pixel column x, with ticks and labels.
    let axisY (s: LinearScale) (x: float) =
        let r0, r1 = s.Range

        [
            yield line x r0 x r1 [ "class", "axis" ]
            for t in ticks 4 s.Domain do
                let y = apply s t
                yield line (x - 4.0) y x y [ "class", "axis" ]
                yield text (x - 6.0) (y + 4.0) "end" (label t) [ "class", "tick" ]
        ]
        |> String.concat ""

    /// A standalone `<svg>` element of the given size holding the body, labelled for screen readers.
    let document (id: string) (width: float) (height: float) (title: string) (body: string seq) =
        let inner = String.concat "" body

        $"<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{esc id}\" class=\"plot\" width=\"{num width}\" height=\"{num height}\" viewBox=\"0 0 {num width} {num height}\" role=\"img\" aria-label=\"{esc title}\"><title>{esc title}</title>{inner}</svg>"
