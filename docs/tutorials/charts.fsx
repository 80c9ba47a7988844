// Shared chart helper for the tutorials: each tutorial that draws a chart saves it as a self-contained page
// under docs/output/charts/, and its literate page shows that page in an <iframe> next to the numbers. The docs
// target runs the tutorials before fsdocs writes docs/output, and then fails if any page's iframe points at a
// chart that no tutorial wrote. Each tutorial that draws starts with `#load "references.fsx" "charts.fsx"`.
#r "nuget: Plotly.NET, 6.0.0"
#r "../../src/HierFunctional/bin/Release/net10.0/HierFunctional.dll"
#r "../../src/HierFunctional.Plots/bin/Release/net10.0/HierFunctional.Plots.dll"

/// The folder the site's iframes read charts from (docs/output/charts).
let folder =
    let dir = System.IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "output", "charts")
    System.IO.Directory.CreateDirectory dir |> ignore
    dir

/// Saves a chart as docs/output/charts/<name>.html, the page a tutorial's iframe `../charts/<name>.html` shows.
let save (name: string) (chart: Plotly.NET.GenericChart) =
    let path = System.IO.Path.Combine(folder, name + ".html")
    HierFunctional.Plots.Plot.saveHtml path chart
    printfn "chart written: %s" path
