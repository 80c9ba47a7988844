/// `hier fit` and `hier summary` in-process on every bundled example: exit code, printed tables, and output files
/// in CmdStan's shape that our reader reads back.
module HierFunctional.Cli.Tests.FitTests

open System
open System.IO
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Cli
open HierFunctional.Cli.Tests.Support

let examples = Catalog.all |> List.map (fun e -> [| box e.Name |])

let ``hier examples lists every bundled example with a description`` () =
    let r = hier [ "examples" ]
    Assert.Equal(0, r.Code)

    for e in Catalog.all do
        Assert.Contains(e.Name, r.Out)
        Assert.Contains(e.Description, r.Out)

    Assert.Equal(7, Catalog.all.Length)

let ``hier fit of each example prints the plan and summary and writes draws readable by our CmdStan reader``
    (name: string)
    =
    let dir = tempDir ()
    let r = hier ([ "fit"; "--example"; name; "--output"; dir ] @ short)
    Assert.True((r.Code = 0), r.Err)
    Assert.Contains("Sampler plan:", r.Out)
    Assert.Contains("2 chains × 30 draws", r.Out)
    Assert.Contains("DIC", r.Out)
    Assert.Contains("LOOIC", r.Out)
    let files = [| for c in 1..2 -> Path.Combine(dir, $"draws_{c}.csv") |]
    let post = CmdStanCsv.readPosterior files
    Assert.Equal(2, post.ChainCount)
    Assert.Equal(30, post.DrawCount)
    Assert.Equal<string[]>([| "lp__"; "accept_stat__" |], post.Names.[0..1])
    Assert.True(Posterior.allChains "lp__" post |> Array.forall Double.IsFinite)
    let text = File.ReadAllLines files.[0]
    Assert.StartsWith("# model = " + name, text.[0])
    Assert.Contains("#     num_samples = 30", text)
    Assert.StartsWith("lp__,accept_stat__,", text |> Array.find (fun l -> not (l.StartsWith "#")))
    Assert.True(File.Exists(Path.Combine(dir, "summary.csv")))
    Assert.Contains("class=\"hier-chart\"", File.ReadAllText(Path.Combine(dir, "report.html")))
    Assert.Empty(Directory.GetDirectories dir) // the staging folder is gone

let ``a Normal example prints the shrinkage table with no, complete and partial pooling per group`` () =
    let r = hier ([ "fit"; "--example"; "eight-schools" ] @ short)
    Assert.Equal(0, r.Code)
    Assert.Contains("Shrinkage of theta over school (Normal, observed y)", r.Out)
    Assert.Contains("no pool", r.Out)
    Assert.Contains("posterior predictive p-values of y", r.Out)

let ``summary.csv has one row per scalar and a header naming the diagnostics`` () =
    let dir = surgicalFit.Value
    let lines = File.ReadAllLines(Path.Combine(dir, "summary.csv"))
    Assert.Equal("name,label,mean,sd,median,mad,q5,q50,q95,mcse_mean,mcse_sd,ess_bulk,ess_tail,rhat", lines.[0])
    // alpha, beta, 12 theta, pop_mean, log_ratio, log_sum
    Assert.Equal(1 + 17, lines.Length)

let ``the same seed gives the same draws whatever the thread count`` () =
    let a, b = tempDir (), tempDir ()
    Assert.Equal(0, (hier ([ "fit"; "--example"; "pumps"; "--threads"; "1"; "--output"; a ] @ short)).Code)
    Assert.Equal(0, (hier ([ "fit"; "--example"; "pumps"; "--threads"; "2"; "--output"; b ] @ short)).Code)
    Assert.Equal(File.ReadAllText(Path.Combine(a, "draws_2.csv")), File.ReadAllText(Path.Combine(b, "draws_2.csv")))

let ``a bundled model can be fitted to a user CSV with the same columns`` () =
    let file = csvFile "hospital,n,r\nA,50,3\nB,200,20\nC,20,1\n"
    let r = hier ([ "fit"; "--example"; "surgical"; "--data"; file ] @ short)
    Assert.True((r.Code = 0), r.Err)
    Assert.Contains(file, r.Out)

let ``hier summary reads a Stan CSV written by CmdStan and reports R-hat and ESS`` () =
    let stan =
        Path.Combine(root, "tests", "HierFunctional.Tests", "fixtures", "cmdstan", "eight_schools_chain1.csv")

    let r = hier [ "summary"; stan ]
    Assert.True((r.Code = 0), r.Err)
    Assert.Contains("ess_bulk", r.Out)
    Assert.Contains("theta[8]", r.Out)
    Assert.Contains("lp__", r.Out)

let ``hier summary of our own draws matches the summary written by hier fit`` () =
    let dir = surgicalFit.Value

    let r =
        hier
            [
                "summary"
                Path.Combine(dir, "draws_1.csv")
                Path.Combine(dir, "draws_2.csv")
            ]

    Assert.Equal(0, r.Code)

    let post =
        CmdStanCsv.readPosterior [| Path.Combine(dir, "draws_1.csv"); Path.Combine(dir, "draws_2.csv") |]

    let alpha =
        (Summary.compute post).Rows |> Array.find (fun row -> row.Name = "alpha")

    Assert.Contains(Summary.formatSignificant 3 alpha.Mean, r.Out)

let ``an interactive terminal gets Spectre tables without failing on a captured stream`` () =
    use out = new StringWriter()
    use err = new StringWriter()

    let code =
        Cli.run
            {
                Out = out
                Err = err
                Interactive = true
            }
            (Array.ofList ([ "fit"; "--example"; "pumps" ] @ short))

    Assert.Equal(0, code)
    Assert.Contains("Shrinkage of theta over pump", out.ToString())

let ``hier fit with a formula fits the data file and prints the population and group effects`` () =
    let data = Path.Combine(root, "docs", "data", "surgical.csv")
    let dir = tempDir ()

    let r =
        hier (
            [
                "fit"
                "--data"
                data
                "--formula"
                "r | trials(n) ~ 1 + (1 | hospital)"
                "--family"
                "binomial"
                "--output"
                dir
            ]
            @ short
        )

    Assert.True((r.Code = 0), r.Err)
    Assert.Contains("b_Intercept", r.Out)
    Assert.Contains("r_hospital", r.Out)

    let post =
        CmdStanCsv.readPosterior [| for c in 1..2 -> Path.Combine(dir, $"draws_{c}.csv") |]

    Assert.True(Posterior.allChains "b_Intercept" post |> Array.forall Double.IsFinite)

let ``a semicolon CSV with decimal commas fits exactly as its comma form, detected or forced`` () =
    let rows =
        [ "a", "1.5"; "a", "2.25"; "b", "-0.5"; "b", "0.75"; "c", "3.0"; "c", "2.5" ]

    let comma =
        csvFile ("g,y\n" + (rows |> List.map (fun (g, y) -> $"{g},{y}\n") |> String.concat ""))

    let semicolon =
        csvFile (
            "g;y\n"
            + (rows
               |> List.map (fun (g, y) -> $"{g};{y.Replace('.', ',')}\n")
               |> String.concat "")
        )

    let fit file extra =
        let r =
            hier ([ "fit"; "--data"; file; "--formula"; "y ~ 1 + (1 | g)" ] @ short @ extra)

        Assert.True((r.Code = 0), r.Err)
        r.Out.Replace(file, "data.csv")

    let reference = fit comma []
    Assert.Equal(reference, fit semicolon [])
    Assert.Equal(reference, fit semicolon [ "--delimiter"; "semicolon" ])

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Cli.Tests.FitTests"
        (Expecto.Tests.testList
            "HierFunctional.Cli.Tests.FitTests"
            [
                Expecto.Tests.testCase "hier examples lists every bundled example with a description" (fun () ->
                    ``hier examples lists every bundled example with a description`` ())
                Expecto.Tests.testList
                    "hier fit of each example prints the plan and summary and writes draws readable by our CmdStan reader"
                    [
                        for row in examples ->
                            Expecto.Tests.testCase
                                (row
                                 |> Array.map (function
                                     | :? string as s -> s
                                     | x -> sprintf "%A" x)
                                 |> String.concat ", ")
                                (fun () ->
                                    ``hier fit of each example prints the plan and summary and writes draws readable by our CmdStan reader`` (
                                        unbox row.[0]
                                    ))
                    ]
                Expecto.Tests.testCase
                    "a Normal example prints the shrinkage table with no, complete and partial pooling per group"
                    (fun () ->
                        ``a Normal example prints the shrinkage table with no, complete and partial pooling per group`` ())
                Expecto.Tests.testCase
                    "summary.csv has one row per scalar and a header naming the diagnostics"
                    (fun () -> ``summary.csv has one row per scalar and a header naming the diagnostics`` ())
                Expecto.Tests.testCase "the same seed gives the same draws whatever the thread count" (fun () ->
                    ``the same seed gives the same draws whatever the thread count`` ())
                Expecto.Tests.testCase "a bundled model can be fitted to a user CSV with the same columns" (fun () ->
                    ``a bundled model can be fitted to a user CSV with the same columns`` ())
                Expecto.Tests.testCase
                    "hier summary reads a Stan CSV written by CmdStan and reports R-hat and ESS"
                    (fun () -> ``hier summary reads a Stan CSV written by CmdStan and reports R-hat and ESS`` ())
                Expecto.Tests.testCase
                    "hier summary of our own draws matches the summary written by hier fit"
                    (fun () -> ``hier summary of our own draws matches the summary written by hier fit`` ())
                Expecto.Tests.testCase
                    "an interactive terminal gets Spectre tables without failing on a captured stream"
                    (fun () -> ``an interactive terminal gets Spectre tables without failing on a captured stream`` ())
                Expecto.Tests.testCase
                    "hier fit with a formula fits the data file and prints the population and group effects"
                    (fun () ->
                        ``hier fit with a formula fits the data file and prints the population and group effects`` ())
                Expecto.Tests.testCase
                    "a semicolon CSV with decimal commas fits exactly as its comma form, detected or forced"
                    (fun () ->
                        ``a semicolon CSV with decimal commas fits exactly as its comma form, detected or forced`` ())
            ])
