/// report.html and the HierFunctional.Plots charts rendered by headless Chromium: every chart draws its traces,
/// the hover labels are the data's group labels, and no request leaves the file.
module HierFunctional.Cli.Tests.BrowserTests

open System
open System.IO
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Plots
open HierFunctional.Cli.Tests.Support
open HierFunctional.Cli.Tests.Chromium

let private reportPage =
    lazy (load 1000 1400 1500 chartsExpression (Uri(Path.Combine(surgicalFit.Value, "report.html")).AbsoluteUri))

let private column (name: string) (csv: string) =
    let lines = File.ReadAllLines(Path.Combine(root, "docs", "data", csv))
    let k = lines.[0].Split(',') |> Array.findIndex (fun h -> h.Trim('"') = name)
    lines |> Array.skip 1 |> Array.map (fun l -> l.Split(',').[k].Trim('"'))

let ``every chart of the report draws each of its traces in the browser`` () =
    requireChromium ()
    let cs = charts reportPage.Value
    let ids = cs |> Array.map (fun c -> c.id)

    for prefix in [ "shrinkage-"; "forest-"; "trace-"; "rank-"; "rhat"; "ess"; "ppc-" ] do
        Assert.True(ids |> Array.exists (fun i -> i.StartsWith prefix), $"no {prefix} chart among %A{ids}")

    for c in cs do
        Assert.True(c.svg > 0, $"plotly drew no SVG for {c.id}")
        Assert.True(c.traces > 0, $"{c.id} has no traces")
        Assert.True((c.drawn = c.traces), $"{c.id}: {c.traces} traces in the data but {c.drawn} drawn")

    let expected =
        [
            "shrinkage-0", 2
            "forest-0", 1
            "trace-0", 2
            "rank-0", 2
            "rhat", 1
            "ess", 2
            "ppc-0", 1
        ]

    for id, n in expected do
        Assert.Equal(n, (cs |> Array.find (fun c -> c.id = id)).traces)

let ``the report's shrinkage and forest charts label each point with its hospital`` () =
    requireChromium ()
    let cs = charts reportPage.Value
    let hospitals = column "hospital" "surgical.csv" |> Array.distinct
    let shrink = cs |> Array.find (fun c -> c.id = "shrinkage-0")
    Assert.Equal(hospitals.Length, shrink.annotations) // one arrow per hospital

    for t in shrink.text do
        let firstLines = t.Split('\n') |> Array.map (fun s -> s.Split("<br>").[0])
        Assert.Equal<string[]>(hospitals, firstLines)

    let forest = cs |> Array.find (fun c -> c.id = "forest-0")
    Assert.Equal<string[]>(hospitals |> Array.map (fun h -> $"theta[{h}]"), forest.y.[0])

let ``the report renders offline: no request leaves the file and the screenshot is not blank`` () =
    requireChromium ()
    let l = reportPage.Value
    Assert.Empty(external l)
    Assert.True(l.Png.Length > 20000, $"the screenshot is nearly blank ({l.Png.Length} bytes)")

let private eightSchools =
    lazy
        (let data = Csv.readOrThrow (Path.Combine(root, "docs", "data", "eight_schools.csv"))

         let plan =
             match Bind.bind Examples.eightSchools data |> Result.bind Gibbs.compile with
             | Ok p -> p
             | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

         let options =
             SamplerOptions.Default.WithChains(3).WithWarmup(100).WithDraws(200).WithSeed(5).WithLogLikelihood(true)

         plan, Chains.run options plan)

let ``each Plots chart renders on its own self-contained page with the expected number of traces`` () =
    requireChromium ()
    let plan, post = eightSchools.Value
    let report = ShrinkageReport.report plan.Bound "theta" post

    let check =
        Predictive.check
            (Random 3)
            plan.Bound
            (fun d ->
                match Dataset.tryColumn "y" d with
                | Some(Column.Reals y) -> Array.max y
                | _ -> nan)
            post

    let cases =
        [
            "trace", Plot.trace "tau" post, 3
            "rank", Plot.rank "tau" post, 3
            "density", Plot.density "mu" post, 3
            "autocorrelation", Plot.autocorrelation "tau" post, 3
            "forest", Plot.forest "theta" post, 1
            "shrinkage", Plot.shrinkage report, 2
            "pair", Plot.pair "mu" "tau" post, 3
            "funnel", Plot.funnel "theta[1]" "tau" post, 3
            "prior-posterior", Plot.priorPosterior plan.Bound "tau" post, 2
            "ppc", Plot.predictiveDensities plan.Bound "y" post, 51
            "ppc-max", Plot.predictiveStatistic "max" check, 1
            "rhat", Plot.rhat post, 1
            "ess", Plot.ess post, 2
            "compare", Plot.compare [ "a", post; "b", post ], 2
        ]

    let dir = tempDir ()

    for name, chart, traces in cases do
        let path = Path.Combine(dir, name + ".html")
        Plot.saveHtml path chart
        let l = load 800 500 300 chartsExpression (Uri(path).AbsoluteUri)
        let c = (charts l).[0]
        Assert.True(c.svg > 0, $"{name}: plotly drew nothing")
        Assert.Equal(traces, c.traces)
        Assert.Equal(traces, c.drawn)
        Assert.Empty(external l)
        Assert.True(l.Png.Length > 10000, $"{name}: the screenshot is nearly blank ({l.Png.Length} bytes)")

    let forest = Path.Combine(dir, "forest.html")
    let c = (charts (load 800 500 300 chartsExpression (Uri(forest).AbsoluteUri))).[0]
    Assert.Equal<string[]>(column "school" "eight_schools.csv" |> Array.map (fun s -> $"theta[{s}]"), c.y.[0])

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Cli.Tests.BrowserTests"
        (Expecto.Tests.testList
            "HierFunctional.Cli.Tests.BrowserTests"
            [
                Expecto.Tests.testCase "every chart of the report draws each of its traces in the browser" (fun () ->
                    ``every chart of the report draws each of its traces in the browser`` ())
                Expecto.Tests.testCase
                    "the report's shrinkage and forest charts label each point with its hospital"
                    (fun () -> ``the report's shrinkage and forest charts label each point with its hospital`` ())
                Expecto.Tests.testCase
                    "the report renders offline: no request leaves the file and the screenshot is not blank"
                    (fun () ->
                        ``the report renders offline: no request leaves the file and the screenshot is not blank`` ())
                Expecto.Tests.testCase
                    "each Plots chart renders on its own self-contained page with the expected number of traces"
                    (fun () ->
                        ``each Plots chart renders on its own self-contained page with the expected number of traces`` ())
            ])
