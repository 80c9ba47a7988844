/// `hier compare`: several `hier fit --output` directories compared by PSIS-LOO as `loo_compare` prints them, the
/// numbers those of `LooCompare.compare` over `FitCriteria.loo` of each directory's model and draws.
module HierFunctional.Cli.Tests.CompareTests

open System
open System.IO
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Cli.Tests.Support

let private sleepstudy = Path.Combine(root, "docs", "data", "sleepstudy.csv")

let private options =
    [ "--chains"; "2"; "--warmup"; "200"; "--draws"; "300"; "--seed"; "11" ]

/// Sleepstudy with varying intercepts only, and with varying intercepts and slopes, each fitted to its own directory.
let private fits =
    lazy
        ([
            "intercepts", "Reaction ~ Days + (1 | Subject)"
            "slopes", "Reaction ~ Days + (Days | Subject)"
         ]
         |> List.map (fun (name, formula) ->
             let dir = Path.Combine(tempDir (), name)

             let r =
                 hier ([ "fit"; "--data"; sleepstudy; "--formula"; formula; "--output"; dir ] @ options)

             Assert.True((r.Code = 0), r.Err)
             formula, dir))

/// The table's rows by model name: the numbers after the name.
let private rows (text: string) =
    text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
    |> Array.skip 1
    |> Array.filter (fun l -> not (l.StartsWith "warning:"))
    |> Array.map (fun l ->
        let cells = l.Split(' ', StringSplitOptions.RemoveEmptyEntries)

        cells.[0],
        cells.[1..]
        |> Array.map (fun s -> Double.Parse(s, Globalization.CultureInfo.InvariantCulture)))
    |> Map.ofArray

let ``hier compare as a process prints loo_compare's table with the numbers of LooCompare over each fit's draws`` () =
    let fits = fits.Value
    let code, out, err = ProcessTests.run ("compare" :: (fits |> List.map snd))
    Assert.True((code = 0), err)
    Assert.StartsWith("model", out.TrimStart())
    let printed = rows out

    // the same comparison in-process: each model rebuilt from its formula, the draws read back from its directory
    let expected =
        fits
        |> List.map (fun (formula, dir) ->
            let m, data =
                match Formula.build Family.Gaussian [] formula (Csv.readOrThrow sleepstudy) with
                | Ok r -> r
                | Error es -> failwith (Formula.describeErrors es)

            let plan =
                match Bind.bind m data |> Result.bind Gibbs.compile with
                | Ok p -> p
                | Error es -> failwithf "%A" es

            let post =
                CmdStanCsv.readPosterior [| for c in 1..2 -> Path.Combine(dir, $"draws_{c}.csv") |]

            Path.GetFileName dir, FitCriteria.loo plan post)
        |> LooCompare.compare

    Assert.Equal("slopes", expected.[0].Model)

    for r in expected do
        let p = printed.[r.Model]
        // printed to 4 significant digits
        for value, shown in [ r.ElpdDiff, p.[0]; r.SeDiff, p.[1]; r.ElpdLoo, p.[2]; r.SeElpdLoo, p.[3] ] do
            Assert.True(abs (value - shown) <= 1e-3 * max 1.0 (abs value), $"{r.Model}: {shown} printed for {value}")

    // the varying slopes fit sleepstudy far better (lme4's likelihood-ratio test: chi-square 42 on 2 df)
    Assert.Equal(0.0, printed.["slopes"].[0])
    Assert.True(printed.["intercepts"].[0] < -2.0 * printed.["intercepts"].[1], out)

let ``hier compare names the fits by --names and refuses a single directory or one without fit-args`` () =
    let fits = fits.Value
    let r = hier ([ "compare"; "--names"; "a,b" ] @ (fits |> List.map snd))
    Assert.True((r.Code = 0), r.Err)
    Assert.True((rows r.Out).ContainsKey "a" && (rows r.Out).ContainsKey "b", r.Out)

    let one = hier [ "compare"; snd fits.Head ]
    Assert.Equal(2, one.Code)
    Assert.Contains("at least two", one.Err)

    let empty = tempDir ()
    let none = hier [ "compare"; snd fits.Head; empty ]
    Assert.Equal(1, none.Code)
    Assert.Contains("no fit-args.txt", none.Err)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "CompareTests"
        (Expecto.Tests.testList
            "CompareTests"
            [
                Expecto.Tests.testCase
                    "hier compare as a process prints loo_compare's table with the numbers of LooCompare over each fit's draws"
                    (fun () ->
                        ``hier compare as a process prints loo_compare's table with the numbers of LooCompare over each fit's draws`` ())
                Expecto.Tests.testCase
                    "hier compare names the fits by --names and refuses a single directory or one without fit-args"
                    (fun () ->
                        ``hier compare names the fits by --names and refuses a single directory or one without fit-args`` ())
            ])
