/// report.html rendered by headless Chromium: every plot is in the DOM and draws something.
module HierFunctional.Cli.Tests.BrowserTests

open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions
open HierFunctional.TestShim
open HierFunctional.Cli.Tests.Support

/// Debian's chromium binary.
let chromium = "/usr/bin/chromium"

/// Skips the calling test, with the reason shown, when Chromium is not installed (`apt-get install -y chromium`).
let private requireChromium () =
    if not (File.Exists chromium) then
        Expecto.Tests.skiptest $"{chromium} is not installed (apt-get install -y chromium); the report is not rendered."

let private headless (args: string list) =
    let profile = tempDir ()

    let psi =
        ProcessStartInfo(chromium, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true)

    for a in
        [
            "--headless"
            "--no-sandbox"
            "--disable-gpu"
            "--disable-background-networking"
            "--disable-component-update"
            "--disable-sync"
            "--no-first-run"
            $"--user-data-dir={profile}"
        ]
        @ args do
        psi.ArgumentList.Add a

    use p = Process.Start psi
    let out = p.StandardOutput.ReadToEndAsync()
    p.StandardError.ReadToEndAsync() |> ignore

    if not (p.WaitForExit 60000) then
        p.Kill true
        failwith "chromium did not finish within 60 s"

    out.Result

let private count (pattern: string) (text: string) = Regex.Matches(text, pattern).Count

let ``the rendered report has a shrinkage, forest, trace, rank and predictive-check plot, each drawing marks`` () =
    requireChromium ()
    let dir = surgicalFit.Value

    let dom =
        headless [ "--dump-dom"; Uri(Path.Combine(dir, "report.html")).AbsoluteUri ]

    let svgs =
        Regex.Matches(dom, "<svg[^>]*id=\"([^\"]+)\"[^>]*>(.*?)</svg>", RegexOptions.Singleline)

    let byId = [ for m in svgs -> m.Groups.[1].Value, m.Groups.[2].Value ]
    let ids = byId |> List.map fst

    for prefix in [ "shrinkage-"; "forest-"; "trace-"; "rank-"; "ppc-" ] do
        Assert.True(ids |> List.exists (fun i -> i.StartsWith prefix), $"no {prefix} plot among %A{ids}")

    for id, body in byId do
        Assert.True(count "<(circle|path|rect|line)\\b" body > 0, $"plot {id} draws nothing")

    let shrink = byId |> List.find (fun (i, _) -> i.StartsWith "shrinkage-") |> snd
    Assert.Equal(12, count "class=\"no-pool\"" shrink)
    Assert.Equal(12, count "class=\"arrow\"" shrink)
    Assert.Equal(12, count "class=\"interval\"" (byId |> List.find (fun (i, _) -> i = "forest-0") |> snd))

let ``the report renders to a non-blank screenshot without network access`` () =
    requireChromium ()
    let dir = surgicalFit.Value
    let html = File.ReadAllText(Path.Combine(dir, "report.html"))
    Assert.DoesNotContain("<script", html)
    Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""))
    Assert.DoesNotContain("https://", html)
    let png = Path.Combine(dir, "shot.png")

    headless
        [
            $"--screenshot={png}"
            "--window-size=1000,1400"
            Uri(Path.Combine(dir, "report.html")).AbsoluteUri
        ]
    |> ignore

    Assert.True(File.Exists png && FileInfo(png).Length > 20000L, "the screenshot is missing or nearly blank")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Cli.Tests.BrowserTests"
        (Expecto.Tests.testList
            "HierFunctional.Cli.Tests.BrowserTests"
            [
                Expecto.Tests.testCase
                    "the rendered report has a shrinkage, forest, trace, rank and predictive-check plot, each drawing marks"
                    (fun () ->
                        ``the rendered report has a shrinkage, forest, trace, rank and predictive-check plot, each drawing marks`` ())
                Expecto.Tests.testCase "the report renders to a non-blank screenshot without network access" (fun () ->
                    ``the report renders to a non-blank screenshot without network access`` ())
            ])
