/// `hier fit --formula` results in lme4/brms terms: sd and cor rows, coefficients labelled by level and term,
/// effects.csv, hdi.csv, draws-tidy.csv, and response-scale group estimates for binomial and Poisson formulas.
module HierFunctional.Cli.Tests.ResultsTests

open System
open System.IO
open HierFunctional.TestShim
open HierFunctional.Cli.Tests.Support

let private sleepstudy = Path.Combine(root, "docs", "data", "sleepstudy.csv")

let private sleepstudyArgs =
    [
        "fit"
        "--data"
        sleepstudy
        "--formula"
        "Reaction ~ Days + (Days | Subject)"
    ]
    @ short

let ``sleepstudy prints sd and cor rows instead of covariance entries, and coefficients by level and term`` () =
    let r = hier sleepstudyArgs
    Assert.True((r.Code = 0), r.Err)
    let lines = r.Out.Split('\n')

    for row in [ "sd_Subject__Intercept"; "sd_Subject__Days"; "cor_Subject__Intercept__Days" ] do
        // one summary row each; under the default LKJ prior the sds are also nodes of the printed model ("~")
        Assert.Equal(
            1,
            lines
            |> Array.filter (fun l -> l.StartsWith(row + " ") && not (l.Contains " ~ "))
            |> Array.length
        )

    Assert.DoesNotContain("Sigma_Subject[", r.Out)
    Assert.Contains("r_Subject[308,Days]", r.Out)
    Assert.Contains("r_Subject[308,Intercept]", r.Out)

let ``--output writes effects.csv and hdi.csv, and --tidy writes one draws-tidy.csv row per chain, draw and scalar``
    ()
    =
    let dir = tempDir ()
    let r = hier (sleepstudyArgs @ [ "--output"; dir; "--tidy" ])
    Assert.True((r.Code = 0), r.Err)
    let effects = File.ReadAllLines(Path.Combine(dir, "effects.csv"))
    Assert.Equal("kind,name,group,level,term,mean,sd,q2.5,q97.5", effects.[0])
    Assert.Contains(effects, fun l -> l.StartsWith "fixef,\"b_Days\",\"\",\"\",\"Days\",")
    Assert.Contains(effects, fun l -> l.StartsWith "ranef,\"ranef_Subject[308,Days]\",\"Subject\",\"308\",\"Days\",")
    Assert.Contains(effects, fun l -> l.StartsWith "varcorr,\"cor_Subject__Intercept__Days\",\"Subject\",")
    let report = File.ReadAllText(Path.Combine(dir, "report.html"))
    Assert.Contains("Population-level effects and group-level sd and correlations", report)
    Assert.Contains("cor_Subject__Intercept__Days", report)
    let hdi = File.ReadAllLines(Path.Combine(dir, "hdi.csv"))
    Assert.Equal("name,label,hdi90_lower,hdi90_upper", hdi.[0])
    let tidy = File.ReadAllLines(Path.Combine(dir, "draws-tidy.csv"))
    Assert.Equal("chain,draw,name,value", tidy.[0])
    // the summary's scalars: b ×2, sd ×2, cor, r_Subject 18 × 2, sigma
    let scalars = 2 + 2 + 1 + 36 + 1
    Assert.Equal(1 + 2 * 30 * scalars, tidy.Length)
    Assert.Contains(tidy, fun l -> l.StartsWith "2,30,\"r_Subject[372,Days]\",")

let ``--tidy without --output is a usage error`` () =
    let r = hier (sleepstudyArgs @ [ "--tidy" ])
    Assert.Equal(2, r.Code)
    Assert.Contains("--tidy goes with --output", r.Err)

let ``--covariance lkj fits brms's prior and still prints sd and cor rows`` () =
    let r = hier (sleepstudyArgs @ [ "--covariance"; "lkj" ])
    Assert.True((r.Code = 0), r.Err)
    Assert.Contains("LkjCholesky", r.Out)
    Assert.Contains("cor_Subject__Intercept__Days", r.Out)
    Assert.DoesNotContain("L_Subject[", r.Out)

let ``a binomial formula prints each hospital's probability beside its raw proportion`` () =
    let data = Path.Combine(root, "docs", "data", "surgical.csv")

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
            ]
            @ short
        )

    Assert.True((r.Code = 0), r.Err)
    Assert.Contains("Shrinkage of r_hospital over hospital (BinomialLogit, observed r)", r.Out)
    Assert.Contains("on the probability scale", r.Out)

let ``a Poisson formula prints each group's rate per unit exposure`` () =
    let data = Path.Combine(root, "docs", "data", "pumps.csv")

    let r =
        hier (
            [
                "fit"
                "--data"
                data
                "--formula"
                "x ~ 1 + offset(log(t)) + (1 | pump)"
                "--family"
                "poisson"
            ]
            @ short
        )

    Assert.True((r.Code = 0), r.Err)
    Assert.Contains("Shrinkage of r_pump over pump (PoissonLog, observed x)", r.Out)
    Assert.Contains("on the rate scale", r.Out)

let ``a formula fit run as a process writes the tidy draws`` () =
    let dir = tempDir ()
    let code, _, err = ProcessTests.run (sleepstudyArgs @ [ "--output"; dir; "--tidy" ])
    Assert.True((code = 0), err)
    Assert.True(File.Exists(Path.Combine(dir, "draws-tidy.csv")))

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Cli.Tests.ResultsTests"
        [
            Expecto.Tests.testCase
                "sleepstudy prints sd and cor rows instead of covariance entries, and coefficients by level and term"
                (fun () ->
                    ``sleepstudy prints sd and cor rows instead of covariance entries, and coefficients by level and term`` ())
            Expecto.Tests.testCase
                "--output writes effects.csv and hdi.csv, and --tidy writes one draws-tidy.csv row per chain, draw and scalar"
                (fun () ->
                    ``--output writes effects.csv and hdi.csv, and --tidy writes one draws-tidy.csv row per chain, draw and scalar`` ())
            Expecto.Tests.testCase "--tidy without --output is a usage error" (fun () ->
                ``--tidy without --output is a usage error`` ())
            Expecto.Tests.testCase "--covariance lkj fits brms's prior and still prints sd and cor rows" (fun () ->
                ``--covariance lkj fits brms's prior and still prints sd and cor rows`` ())
            Expecto.Tests.testCase
                "a binomial formula prints each hospital's probability beside its raw proportion"
                (fun () -> ``a binomial formula prints each hospital's probability beside its raw proportion`` ())
            Expecto.Tests.testCase "a Poisson formula prints each group's rate per unit exposure" (fun () ->
                ``a Poisson formula prints each group's rate per unit exposure`` ())
            Expecto.Tests.testCase "a formula fit run as a process writes the tidy draws" (fun () ->
                ``a formula fit run as a process writes the tidy draws`` ())
        ]
