/// The SVG module and plots: scales map linearly, and every plot draws what its data says, where it says.
module HierFunctional.Cli.Tests.SvgTests

open System
open System.Globalization
open System.Xml.Linq
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open HierFunctional.Cli.Report
open HierFunctional.Cli.Tests.Support

let private ns = XNamespace.Get "http://www.w3.org/2000/svg"
let private parse (svg: string) = XDocument.Parse svg

let private elements (cls: string) (d: XDocument) =
    d.Descendants()
    |> Seq.filter (fun e ->
        e.Attribute(XName.Get "class") <> null
        && e.Attribute(XName.Get "class").Value = cls)
    |> Array.ofSeq

let private attr (n: string) (e: XElement) =
    Double.Parse(e.Attribute(XName.Get n).Value, CultureInfo.InvariantCulture)

let private group (e: XElement) =
    e.Attribute(XName.Get "data-group").Value

let private finite =
    Gen.choose (-100000, 100000) |> Gen.map (fun i -> float i / 100.0)

let ``a linear scale maps the domain ends to the range ends and preserves proportions`` () =
    let gen =
        Gen.zip3 finite finite (Gen.choose (0, 1000) |> Gen.map (fun i -> float i / 1000.0))

    Check.One(
        quick.WithMaxTest(200),
        Prop.forAll (Arb.fromGen gen) (fun (a, w, t) ->
            let lo, hi = a, a + abs w + 0.01
            let s = Svg.scale (lo, hi) (50.0, 650.0)
            let x = lo + t * (hi - lo)

            abs (Svg.apply s lo - 50.0) < 1e-9
            && abs (Svg.apply s hi - 650.0) < 1e-9
            && abs (Svg.apply s x - (50.0 + t * 600.0)) < 1e-6)
    )

let ``ticks lie inside the domain and are evenly spaced`` () =
    Check.One(
        quick.WithMaxTest(200),
        Prop.forAll (Arb.fromGen (Gen.zip finite finite)) (fun (a, w) ->
            let lo, hi = a, a + abs w + 0.01
            let ts = Svg.ticks 5 (lo, hi)
            let steps = ts |> Array.pairwise |> Array.map (fun (x, y) -> y - x)

            ts.Length >= 1
            && ts |> Array.forall (fun t -> t >= lo - 1e-9 && t <= hi + 1e-9)
            && steps
               |> Array.forall (fun s -> abs (s - steps.[0]) < 1e-6 * max 1.0 (abs steps.[0])))
    )

let private groups =
    [|
        {
            Label = "A"
            Size = 10.0
            NoPooling = 0.05
            Partial = 0.11
        }
        {
            Label = "B"
            Size = 400.0
            NoPooling = 0.30
            Partial = 0.28
        }
        {
            Label = "C & D"
            Size = 40.0
            NoPooling = 0.20
            Partial = 0.18
        }
    |]

let ``the shrinkage plot draws every group with an arrow from its no-pooling to its partial-pooling position`` () =
    let d = parse (Plots.shrinkage "s" "title" 0.15 groups)

    let s =
        Svg.scale (Svg.extent 0.05 [ 0.05; 0.30; 0.20; 0.11; 0.28; 0.18; 0.15 ]) (130.0, Plots.width - 20.0)

    let noPool, partial, arrows =
        elements "no-pool" d, elements "partial" d, elements "arrow" d

    Assert.Equal<string[]>([| "A"; "B"; "C & D" |], noPool |> Array.map group)
    Assert.Equal(3, partial.Length)
    Assert.Equal(3, arrows.Length)

    for i, g in Array.indexed groups do
        let np, pp, ar = noPool.[i], partial.[i], arrows.[i]
        Assert.Equal(Math.Round(Svg.apply s g.NoPooling, 2), attr "cx" np, 6)
        Assert.Equal(Math.Round(Svg.apply s g.Partial, 2), attr "cx" pp, 6)
        Assert.Equal(attr "cx" np, attr "x1" ar, 6)
        Assert.Equal(attr "cx" pp, attr "x2" ar, 6)
        Assert.Equal(attr "cy" np, attr "y1" ar, 6)
        Assert.Equal(attr "cy" pp, attr "y2" ar, 6)
        Assert.Equal(g.Label, group ar)

let ``point area grows with group size`` () =
    let d = parse (Plots.shrinkage "s" "title" 0.15 groups)
    let r = elements "no-pool" d |> Array.map (attr "r")
    Assert.True(r.[0] < r.[2] && r.[2] < r.[1], $"radii %A{r}")
    Assert.Equal(Math.Round(Plots.radius 400.0 400.0, 2), r.[1], 6)

let ``the forest plot draws one interval and one point per row, the interval spanning lower to upper`` () =
    let rows =
        [|
            for i in 1..5 ->
                {
                    Label = $"g{i}"
                    Mean = float i
                    Lower = float i - 1.5
                    Upper = float i + 2.0
                }
        |]

    let d = parse (Plots.forest "f" "t" rows)
    let intervals = elements "interval" d
    Assert.Equal(5, intervals.Length)

    let s =
        Svg.scale
            (Svg.extent
                0.05
                [
                    for r in rows do
                        yield! [ r.Lower; r.Upper; r.Mean ]
                ])
            (130.0, Plots.width - 20.0)

    for r, e in Array.zip rows intervals do
        Assert.Equal(Math.Round(Svg.apply s r.Lower, 2), attr "x1" e, 6)
        Assert.Equal(Math.Round(Svg.apply s r.Upper, 2), attr "x2" e, 6)

let ``ranks of pooled draws are a permutation of 0 to S minus 1`` () =
    let gen = Gen.arrayOfLength 3 (Gen.arrayOfLength 7 finite)

    Check.One(
        quick.WithMaxTest(200),
        Prop.forAll (Arb.fromGen gen) (fun chains ->
            let r = Plots.ranks chains |> Array.concat |> Array.sort
            r = Array.init 21 id)
    )

let ``trace and rank plots draw one path per chain and the check plot draws bars and the observed line`` () =
    let chains =
        [| for c in 0..2 -> Array.init 50 (fun i -> sin (float (i + 13 * c))) |]

    Assert.Equal(3, elements "chain" (parse (Plots.trace "t" "mu" chains)) |> Array.length)
    Assert.Equal(3, elements "chain" (parse (Plots.rank "r" "mu" chains)) |> Array.length)
    let ppc = parse (Plots.ppcStat "p" "max" 2.0 [| 1.0; 1.5; 1.7; 2.5; 3.0 |] 0.4)
    Assert.NotEmpty(elements "rep" ppc)
    Assert.Single(elements "observed" ppc) |> ignore

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Cli.Tests.SvgTests"
        (Expecto.Tests.testList
            "HierFunctional.Cli.Tests.SvgTests"
            [
                Expecto.Tests.testCase
                    "a linear scale maps the domain ends to the range ends and preserves proportions"
                    (fun () -> ``a linear scale maps the domain ends to the range ends and preserves proportions`` ())
                Expecto.Tests.testCase "ticks lie inside the domain and are evenly spaced" (fun () ->
                    ``ticks lie inside the domain and are evenly spaced`` ())
                Expecto.Tests.testCase
                    "the shrinkage plot draws every group with an arrow from its no-pooling to its partial-pooling position"
                    (fun () ->
                        ``the shrinkage plot draws every group with an arrow from its no-pooling to its partial-pooling position`` ())
                Expecto.Tests.testCase "point area grows with group size" (fun () ->
                    ``point area grows with group size`` ())
                Expecto.Tests.testCase
                    "the forest plot draws one interval and one point per row, the interval spanning lower to upper"
                    (fun () ->
                        ``the forest plot draws one interval and one point per row, the interval spanning lower to upper`` ())
                Expecto.Tests.testCase "ranks of pooled draws are a permutation of 0 to S minus 1" (fun () ->
                    ``ranks of pooled draws are a permutation of 0 to S minus 1`` ())
                Expecto.Tests.testCase
                    "trace and rank plots draw one path per chain and the check plot draws bars and the observed line"
                    (fun () ->
                        ``trace and rank plots draw one path per chain and the check plot draws bars and the observed line`` ())
            ])
