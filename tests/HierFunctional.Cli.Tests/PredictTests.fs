/// `hier predict` from the draws `hier fit --output` wrote (in-process and as a process), and `--drop-missing`.
module HierFunctional.Cli.Tests.PredictTests

open System
open System.IO
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Cli.Tests.Support

let private sleepstudy = Path.Combine(root, "docs", "data", "sleepstudy.csv")
let private formula = "Reaction ~ Days + (Days | Subject)"

/// One sleepstudy fit written to a temporary directory, shared by the tests.
let private fitted =
    lazy
        (let dir = tempDir ()

         let r =
             hier ([ "fit"; "--data"; sleepstudy; "--formula"; formula; "--output"; dir ] @ short)

         Assert.True((r.Code = 0), r.Err)
         dir)

let private model = [ "--train"; sleepstudy; "--formula"; formula; "--draws" ]

/// The values of a prediction CSV: header names and [draw][row].
let private readPrediction (text: string) =
    let lines =
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        |> Array.filter (fun l -> not (l.StartsWith "#"))

    lines.[0].Split ',',
    lines.[1..]
    |> Array.map (fun l ->
        l.Split ','
        |> Array.map (fun s -> Double.Parse(s, Globalization.CultureInfo.InvariantCulture)))

let ``hier predict --epred for an observed subject is its intercept plus slope times Days in every draw`` () =
    let dir = fitted.Value
    // 308 is the first subject in the file, so level 1; 309 is level 2
    let rows = csvFile "Subject,Days\n\"308\",2.5\n\"309\",7\n"
    let r = hier ([ "predict"; "--data"; rows; "--epred" ] @ model @ [ dir ])
    Assert.True((r.Code = 0), r.Err)
    let names, values = readPrediction r.Out
    Assert.Equal<string[]>([| "Reaction_epred.1"; "Reaction_epred.2" |], names)

    let post =
        CmdStanCsv.readPosterior [| for c in 1..2 -> Path.Combine(dir, $"draws_{c}.csv") |]

    Assert.Equal(post.TotalDraws, values.Length)
    let d (n: string) = Posterior.allChains n post

    for (row, level, day) in [ 0, 1, 2.5; 1, 2, 7.0 ] do
        let a, b = d $"r_Subject[{level},1]", d $"r_Subject[{level},2]"

        for s in 0 .. values.Length - 1 do
            Assert.True(abs (values.[s].[row] - (a.[s] + b.[s] * day)) < 1e-9, $"row {row} draw {s}")

let ``hier predict as a process writes predictive draws and refuses an unseen subject naming it`` () =
    let dir = fitted.Value
    let rows = csvFile "Subject,Days\n\"308\",1\n\"new\",1\n"
    let out = Path.Combine(tempDir (), "pred.csv")

    let code, _, err =
        ProcessTests.run (
            [ "predict"; "--data"; rows; "--allow-new-levels"; "--output"; out ]
            @ model
            @ [ dir ]
        )

    Assert.True((code = 0), err)
    let names, values = readPrediction (File.ReadAllText out)
    Assert.Equal<string[]>([| "Reaction_pred.1"; "Reaction_pred.2" |], names)
    Assert.Equal(60, values.Length)
    Assert.True(values |> Array.forall (Array.forall Double.IsFinite))

    let code, out, err =
        ProcessTests.run ([ "predict"; "--data"; rows ] @ model @ [ dir ])

    Assert.Equal(1, code)
    Assert.Equal("", out)
    Assert.Contains("column 'Subject' has level 'new'", err)
    Assert.Contains("--allow-new-levels", err)

let ``hier predict with draws of another model names the missing parameter column`` () =
    let dir = fitted.Value
    let rows = csvFile "Subject,Days\n\"308\",1\n"

    let r =
        hier (
            [
                "predict"
                "--data"
                rows
                "--train"
                sleepstudy
                "--formula"
                "Reaction ~ Days + (1 | Subject)"
                "--draws"
                dir
            ]
        )

    Assert.Equal(1, r.Code)
    // the fit (LKJ default) has sd_Subject__Intercept too; its r_Subject is a vector, whose columns are r_Subject.j.k
    Assert.Contains("has no column 'r_Subject.1'", r.Err)

let ``hier predict with only --draws and --data rebuilds the model from the fit-args.txt the fit saved`` () =
    let dir = fitted.Value
    Assert.True(File.Exists(Path.Combine(dir, "fit-args.txt")), "hier fit --output did not save its arguments")
    let rows = csvFile "Subject,Days\n\"308\",2.5\n"
    let short = hier [ "predict"; "--data"; rows; "--draws"; dir; "--epred" ]
    Assert.True((short.Code = 0), short.Err)
    let full = hier ([ "predict"; "--data"; rows; "--epred" ] @ model @ [ dir ])
    Assert.Equal(full.Out, short.Out)

let private withNa = "y,g\n1.2,a\n2.3,b\nNA,a\n0.4,b\n1.9,a\n,b\n2.2,a\n1.1,b\n"

let ``hier fit --drop-missing drops incomplete rows and says how many; without it the row is named`` () =
    let file = csvFile withNa

    let r =
        hier (
            [ "fit"; "--data"; file; "--formula"; "y ~ 1 + (1 | g)"; "--drop-missing" ]
            @ short
        )

    Assert.True((r.Code = 0), r.Err)
    Assert.Contains("dropped 2 rows with a missing cell in a column the model uses (data rows 3, 6)", r.Err)
    Assert.Contains("dropped 2 rows", r.Out)

    let refused =
        hier ([ "fit"; "--data"; file; "--formula"; "y ~ 1 + (1 | g)" ] @ short)

    Assert.Equal(1, refused.Code)
    Assert.Contains("'y' row 3", refused.Err)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequenced (
        Expecto.Tests.testList
            "PredictTests"
            [
                Expecto.Tests.testCase
                    "hier predict --epred for an observed subject is its intercept plus slope times Days in every draw"
                    (fun () ->
                        ``hier predict --epred for an observed subject is its intercept plus slope times Days in every draw`` ())
                Expecto.Tests.testCase
                    "hier predict as a process writes predictive draws and refuses an unseen subject naming it"
                    (fun () ->
                        ``hier predict as a process writes predictive draws and refuses an unseen subject naming it`` ())
                Expecto.Tests.testCase
                    "hier predict with draws of another model names the missing parameter column"
                    (fun () -> ``hier predict with draws of another model names the missing parameter column`` ())
                Expecto.Tests.testCase
                    "hier predict with only --draws and --data rebuilds the model from the fit-args.txt the fit saved"
                    (fun () ->
                        ``hier predict with only --draws and --data rebuilds the model from the fit-args.txt the fit saved`` ())
                Expecto.Tests.testCase
                    "hier fit --drop-missing drops incomplete rows and says how many; without it the row is named"
                    (fun () ->
                        ``hier fit --drop-missing drops incomplete rows and says how many; without it the row is named`` ())
            ]
    )
