module HierFunctional.Tests.SummaryTests

open System
open HierFunctional.TestShim
open MathNet.Numerics.Distributions
open MathNet.Numerics.Random
open HierFunctional

/// 4 chains × 500 draws: mu iid N(1, 2²); theta[1] AR(1) ρ = 0.99 (poorly mixed); theta[2] with one chain shifted by 3;
/// c constant.
let private post =
    let rng = Xoshiro256StarStar(11)

    let ar rho shift =
        Array.init 500 (fun _ -> 0.0)
        |> Array.scan (fun x _ -> rho * x + Normal.Sample(rng, 0.0, 1.0)) 0.0
        |> Array.skip 1
        |> Array.map ((+) shift)

    let cols =
        Array.init 4 (fun c ->
            [|
                Array.init 500 (fun _ -> Normal.Sample(rng, 1.0, 2.0))
                ar 0.99 0.0
                ar 0.0 (if c = 3 then 3.0 else 0.0)
                Array.create 500 0.5
            |])

    Posterior.ofColumns [| "mu"; "theta[1]"; "theta[2]"; "c" |] cols
    |> Posterior.withLabels [ "theta[1]", "Hospital A"; "theta[2]", "Hospital B" ]

let private summary = Summary.compute post

let ``summary rows equal the diagnostics of each scalar`` () =
    let r = summary.Rows |> Array.find (fun r -> r.Name = "mu")
    let x = Posterior.chains "mu" post
    Assert.Equal(Diagnostics.mean x, r.Mean)
    Assert.Equal(Diagnostics.essBulk x, r.EssBulk)
    Assert.Equal(Diagnostics.rhat x, r.Rhat)
    Assert.Equal<float[]>(Summary.defaultProbs |> Array.map (fun p -> Diagnostics.quantile p x), r.Quantiles)
    Assert.Equal("Hospital A", (summary.Rows |> Array.find (fun r -> r.Name = "theta[1]")).Label)
    Assert.Null((summary.Rows |> Array.find (fun r -> r.Name = "mu")).Label)

let ``mean of iid draws lies within 4 MCSE of the truth`` () =
    let r = summary.Rows[0]
    Assert.True(abs (r.Mean - 1.0) < 4.0 * r.McseMean, $"mean {r.Mean}, MCSE {r.McseMean}")
    Assert.True(abs (r.Sd - 2.0) < 4.0 * r.McseSd, $"sd {r.Sd}, MCSE {r.McseSd}")

let ``warnings flag poor mixing, shifted chains and constant draws but not iid draws`` () =
    let about name =
        summary.Warnings
        |> Array.filter (fun w -> Array.contains name w.Scalars)
        |> Array.map (fun w -> w.Kind)

    Assert.Empty(about "mu")
    Assert.Contains(WarningKind.LowBulkEss, about "theta[1]")
    Assert.Contains(WarningKind.HighRhat, about "theta[2]")
    Assert.Contains(WarningKind.Stuck, about "c")

    let rhat = summary.Warnings |> Array.find (fun w -> w.Kind = WarningKind.HighRhat)
    Assert.Contains(4, rhat.Chains) // the shifted chain of theta[2]

let ``thresholds are configurable`` () =
    let lax =
        Summary.computeWith
            { Summary.defaultOptions with
                MaxRhat = 100.0
                MinEssPerChain = 0.0
            }
            post

    Assert.Equal<WarningKind[]>([| WarningKind.Stuck |], lax.Warnings |> Array.map (fun w -> w.Kind))

let ``printed table aligns columns and lists warnings above`` () =
    let text = Summary.format summary

    let all =
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        |> Array.map (fun l -> l.TrimEnd '\r')

    let top = Array.IndexOf(all, "4 chains × 500 draws")
    Assert.StartsWith($"{summary.Warnings.Length} WARNINGS: ", all[0])
    Assert.Contains(all[1..top], fun l -> l.Contains "theta[1], theta[2] (chains 2, 4): R-hat up to")
    let lines = all[top..]
    let header = lines[1]
    Assert.StartsWith("name", header)

    for col in
        [
            "label"
            "mean"
            "sd"
            "mad"
            "q5"
            "q50"
            "q95"
            "mcse_mean"
            "mcse_sd"
            "ess_bulk"
            "ess_tail"
            "rhat"
        ] do
        Assert.Contains(col, header)
    // numbers are right-aligned: every data row ends exactly where the header's last column ends
    for row in lines[2..5] do
        Assert.Equal(header.Length, row.Length)

    Assert.Contains("Hospital B", lines[4])
    Assert.False(text.Contains(char 27), "no ANSI escape codes in the core library's output")

let ``significant digits adapt to magnitude`` () =
    Assert.Equal("1.23", Summary.formatSignificant 3 1.23456)
    Assert.Equal("123", Summary.formatSignificant 3 123.456)
    Assert.Equal("0.00123", Summary.formatSignificant 3 0.00123456)
    Assert.Equal("1.23e-5", Summary.formatSignificant 3 1.23456e-5)
    Assert.Equal("1.23e+7", Summary.formatSignificant 3 12345678.0)
    Assert.Equal("NA", Summary.formatSignificant 3 nan)
    Assert.Equal("-4.6", Summary.formatSignificant 2 -4.6)
    Assert.Equal("1.00", Summary.formatSignificant 3 0.99997) // rounding up to the next decade keeps 3 digits

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.SummaryTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.SummaryTests"
            [
                Expecto.Tests.testCase "summary rows equal the diagnostics of each scalar" (fun () ->
                    ``summary rows equal the diagnostics of each scalar`` ())
                Expecto.Tests.testCase "mean of iid draws lies within 4 MCSE of the truth" (fun () ->
                    ``mean of iid draws lies within 4 MCSE of the truth`` ())
                Expecto.Tests.testCase
                    "warnings flag poor mixing, shifted chains and constant draws but not iid draws"
                    (fun () -> ``warnings flag poor mixing, shifted chains and constant draws but not iid draws`` ())
                Expecto.Tests.testCase "thresholds are configurable" (fun () -> ``thresholds are configurable`` ())
                Expecto.Tests.testCase "printed table aligns columns and lists warnings above" (fun () ->
                    ``printed table aligns columns and lists warnings above`` ())
                Expecto.Tests.testCase "significant digits adapt to magnitude" (fun () ->
                    ``significant digits adapt to magnitude`` ())
            ])
