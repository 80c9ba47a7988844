/// The notebook formatters: what a Polyglot Notebook cell shows for a posterior, a plan, a shrinkage report and a
/// chart (`Formatter.ToDisplayString` is what the kernel calls).
module HierFunctional.Plots.Tests.FormatterTests

open System.IO
open Microsoft.DotNet.Interactive.Formatting
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Plots
open HierFunctional.Interactive

let private root = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, "..", ".."))

let private fit =
    lazy
        (let data = Csv.readOrThrow (Path.Combine(root, "docs", "data", "eight_schools.csv"))

         match Bind.bind Examples.eightSchools data |> Result.bind Gibbs.compile with
         | Ok plan ->
             Formatters.register ()
             plan, Chains.run (SamplerOptions.Default.WithChains(2).WithWarmup(50).WithDraws(100).WithSeed(4)) plan
         | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; "))

let private rowsOf (html: string) = html.Split("<tr>").Length - 1

let ``a posterior shows as its summary table with one row per scalar and the group labels`` () =
    let _, post = fit.Value
    let html = Formatter.ToDisplayString(post, "text/html")
    Assert.Equal(post.Names.Length + 1, rowsOf html) // the header and one row per scalar
    Assert.Contains("<td>theta[C]</td>", html)
    Assert.Contains("<th>rhat</th>", html)

let ``a plan shows as its update table with one row per update`` () =
    let plan, _ = fit.Value
    let html = Formatter.ToDisplayString(plan, "text/html")
    Assert.Equal(plan.Updates.Length + 1, rowsOf html)

    for u in plan.Updates do
        Assert.Contains($"<td>{u.Node}</td>", html)

let ``a chart shows inline with plotly.js and draws itself`` () =
    let _, post = fit.Value
    let html = Formatter.ToDisplayString(Plot.rank "tau" post, "text/html")
    Assert.Contains("Plotly.newPlot", html)
    Assert.Contains(ChartPage.plotlyJs.Value.Substring(0, 200), html)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Plots.Tests.FormatterTests"
        (Expecto.Tests.testList
            "HierFunctional.Plots.Tests.FormatterTests"
            [
                Expecto.Tests.testCase
                    "a posterior shows as its summary table with one row per scalar and the group labels"
                    (fun () ->
                        ``a posterior shows as its summary table with one row per scalar and the group labels`` ())
                Expecto.Tests.testCase "a plan shows as its update table with one row per update" (fun () ->
                    ``a plan shows as its update table with one row per update`` ())
                Expecto.Tests.testCase "a chart shows inline with plotly.js and draws itself" (fun () ->
                    ``a chart shows inline with plotly.js and draws itself`` ())
            ])
