/// Every user error gets one message naming the file, row, column or option, a non-zero exit code, and no output
/// files that look complete.
module HierFunctional.Cli.Tests.ErrorTests

open System.IO
open HierFunctional.TestShim
open HierFunctional.Cli.Tests.Support

let private fails (code: int) (args: string list) (expected: string list) =
    let r = hier args
    Assert.Equal(code, r.Code)
    Assert.Equal("", r.Out.Trim())

    for e in expected do
        Assert.Contains(e, r.Err)

    // one message, one line
    Assert.Single(r.Err.Trim().Split('\n')) |> ignore
    r

let ``an unknown example is a usage error listing the bundled names`` () =
    fails 2 [ "fit"; "--example"; "nope" ] [ "unknown example 'nope'"; "eight-schools"; "three-level" ]
    |> ignore

let ``an unknown option is a usage error naming it`` () =
    fails 2 [ "fit"; "--example"; "rats"; "--chainz"; "2" ] [ "--chainz" ] |> ignore

let ``no command is a usage error`` () =
    fails 2 [] [ "no command given" ] |> ignore

let ``a chain count below one is a usage error naming the option`` () =
    fails 2 [ "fit"; "--example"; "rats"; "--chains"; "0" ] [ "--chains must be at least 1, but was 0" ]
    |> ignore

let ``a non-numeric option value is a usage error`` () =
    fails 2 [ "fit"; "--example"; "rats"; "--draws"; "many" ] [ "--draws" ]
    |> ignore

let ``a formula with a syntax error names the column and what was expected`` () =
    let file = csvFile "y,g\n1,a\n2,b\n"

    fails 1 [ "fit"; "--data"; file; "--formula"; "y ~ 1 + (1 | g" ] [ "column 15"; "expected" ]
    |> ignore

let ``a formula naming a missing column names the column`` () =
    let file = csvFile "y,g\n1,a\n2,b\n"

    fails 1 [ "fit"; "--data"; file; "--formula"; "y ~ 1 + x + (1 | g)" ] [ "'x'" ]
    |> ignore

let ``a prior override for an unknown node lists the valid names`` () =
    let file = csvFile "y,g\n1,a\n2,b\n"

    fails
        1
        [
            "fit"
            "--data"
            file
            "--formula"
            "y ~ 1 + (1 | g)"
            "--prior"
            "nope ~ Normal(0, 1)"
        ]
        [ "nope"; "b_Intercept" ]
    |> ignore

let ``an unknown family is a usage error listing the families`` () =
    let file = csvFile "y,g\n1,a\n"

    fails
        2
        [ "fit"; "--data"; file; "--formula"; "y ~ 1"; "--family"; "weibull" ]
        [
            "--family must be one of gaussian, binomial, poisson, negbinomial, student, lognormal, gamma, beta, zip, zinb"
        ]
    |> ignore

let ``data without a formula or example is a usage error`` () =
    fails 2 [ "fit"; "--data"; "x.csv" ] [ "--data needs --formula" ] |> ignore

let ``a missing data file names the file`` () =
    let r =
        fails 1 [ "fit"; "--example"; "rats"; "--data"; "/no/such/file.csv" ] [ "/no/such/file.csv"; "does not exist" ]

    Assert.DoesNotContain("line 0", r.Err)

let ``a missing column names the file and the column`` () =
    let file = csvFile "experiment,y\n1,2\n2,3\n"

    fails 1 [ "fit"; "--example"; "rats"; "--data"; file ] [ file; "column 'n'" ]
    |> ignore

let ``a ragged row names the file and line`` () =
    let file = csvFile "experiment,y,n\n1,2,20\n2,3\n"

    fails 1 [ "fit"; "--example"; "rats"; "--data"; file ] [ file; "line 3"; "2 fields but the header has 3" ]
    |> ignore

let ``a non-numeric value names the file, row and column`` () =
    let file = csvFile "experiment,y,n\n1,2,20\n2,three,20\n"

    fails 1 [ "fit"; "--example"; "rats"; "--data"; file ] [ file; "column 'y' row 2 is 'three'"; "not a number" ]
    |> ignore

let ``a negative count names the file, row and column`` () =
    let file = csvFile "experiment,y,n\n1,2,20\n2,-1,20\n"

    fails
        1
        [ "fit"; "--example"; "rats"; "--data"; file ]
        [ file; "column 'y' row 2 is -1"; "non-negative integer count" ]
    |> ignore

let ``more successes than trials names the file, row and column`` () =
    let file = csvFile "experiment,y,n\n1,2,20\n2,30,20\n"

    fails
        1
        [ "fit"; "--example"; "rats"; "--data"; file ]
        [
            file
            "column 'y' row 2 is 30"
            "no larger than its number of trials (20 in n)"
        ]
    |> ignore

let ``non-integer trials name the trials column and row before any sampling`` () =
    let file = csvFile "experiment,y,n\n1,2,20\n2,3,20.5\n"

    fails 1 [ "fit"; "--example"; "rats"; "--data"; file ] [ file; "column 'n' row 2 is 20.5"; "whole number" ]
    |> ignore

let ``a zero Poisson exposure names the exposure column and row before any sampling`` () =
    let file = csvFile "y,E,g\n1,2,a\n3,0,b\n2,1,a\n"

    fails
        1
        [
            "fit"
            "--data"
            file
            "--formula"
            "y ~ 1 + offset(log(E)) + (1 | g)"
            "--family"
            "poisson"
        ]
        [ "column 'E': row 2 is 0"; "positive values" ]
    |> ignore

let ``a failed fit leaves no output files behind`` () =
    let dir = tempDir ()
    let file = csvFile "experiment,y,n\n1,2,20\n2,30,20\n"

    fails 1 [ "fit"; "--example"; "rats"; "--data"; file; "--output"; dir ] [ "row 2" ]
    |> ignore

    Assert.Empty(Directory.GetFileSystemEntries dir)

let ``a summary of a file that is not Stan CSV names the file and line`` () =
    let file = csvFile "# comment\na,b\n1,2\n3\n"
    fails 1 [ "summary"; file ] [ file; "line 4" ] |> ignore

let ``a summary of a missing file names it`` () =
    fails 1 [ "summary"; "/no/draws_1.csv" ] [ "/no/draws_1.csv"; "does not exist" ]
    |> ignore

let ``an unknown delimiter is a usage error listing the delimiters`` () =
    let file = csvFile "y,g\n1,a\n"

    fails
        2
        [ "fit"; "--data"; file; "--formula"; "y ~ 1"; "--delimiter"; "pipe" ]
        [ "--delimiter must be one of comma, semicolon or tab" ]
    |> ignore

let ``the version line shows the commit when the build had one and says unknown otherwise`` () =
    Assert.Equal(
        "hier 0.1.0 (commit 09deff799583)",
        HierFunctional.Cli.BuildVersion.describe "0.1.0+09deff79958362d9475fe4d25df297e9cf40fbf6"
    )

    Assert.Equal(
        "hier 0.1.0 (commit unknown: built outside a git checkout)",
        HierFunctional.Cli.BuildVersion.describe "0.1.0"
    )

let ``hier --version prints one line with the version and commit on stdout`` () =
    let r = hier [ "--version" ]
    Assert.Equal(0, r.Code)
    Assert.Equal("", r.Err)
    Assert.StartsWith("hier 0.1.0", r.Out)
    Assert.Contains("(commit ", r.Out)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Cli.Tests.ErrorTests"
        (Expecto.Tests.testList
            "HierFunctional.Cli.Tests.ErrorTests"
            [
                Expecto.Tests.testCase "an unknown example is a usage error listing the bundled names" (fun () ->
                    ``an unknown example is a usage error listing the bundled names`` ())
                Expecto.Tests.testCase "an unknown option is a usage error naming it" (fun () ->
                    ``an unknown option is a usage error naming it`` ())
                Expecto.Tests.testCase "no command is a usage error" (fun () -> ``no command is a usage error`` ())
                Expecto.Tests.testCase "a chain count below one is a usage error naming the option" (fun () ->
                    ``a chain count below one is a usage error naming the option`` ())
                Expecto.Tests.testCase "a non-numeric option value is a usage error" (fun () ->
                    ``a non-numeric option value is a usage error`` ())
                Expecto.Tests.testCase "a formula with a syntax error names the column and what was expected" (fun () ->
                    ``a formula with a syntax error names the column and what was expected`` ())
                Expecto.Tests.testCase "a formula naming a missing column names the column" (fun () ->
                    ``a formula naming a missing column names the column`` ())
                Expecto.Tests.testCase "a prior override for an unknown node lists the valid names" (fun () ->
                    ``a prior override for an unknown node lists the valid names`` ())
                Expecto.Tests.testCase "an unknown family is a usage error listing the families" (fun () ->
                    ``an unknown family is a usage error listing the families`` ())
                Expecto.Tests.testCase "data without a formula or example is a usage error" (fun () ->
                    ``data without a formula or example is a usage error`` ())
                Expecto.Tests.testCase "a missing data file names the file" (fun () ->
                    ``a missing data file names the file`` ())
                Expecto.Tests.testCase "a missing column names the file and the column" (fun () ->
                    ``a missing column names the file and the column`` ())
                Expecto.Tests.testCase "a ragged row names the file and line" (fun () ->
                    ``a ragged row names the file and line`` ())
                Expecto.Tests.testCase "a non-numeric value names the file, row and column" (fun () ->
                    ``a non-numeric value names the file, row and column`` ())
                Expecto.Tests.testCase "a negative count names the file, row and column" (fun () ->
                    ``a negative count names the file, row and column`` ())
                Expecto.Tests.testCase "more successes than trials names the file, row and column" (fun () ->
                    ``more successes than trials names the file, row and column`` ())
                Expecto.Tests.testCase
                    "non-integer trials name the trials column and row before any sampling"
                    (fun () -> ``non-integer trials name the trials column and row before any sampling`` ())
                Expecto.Tests.testCase
                    "a zero Poisson exposure names the exposure column and row before any sampling"
                    (fun () -> ``a zero Poisson exposure names the exposure column and row before any sampling`` ())
                Expecto.Tests.testCase "a failed fit leaves no output files behind" (fun () ->
                    ``a failed fit leaves no output files behind`` ())
                Expecto.Tests.testCase "a summary of a file that is not Stan CSV names the file and line" (fun () ->
                    ``a summary of a file that is not Stan CSV names the file and line`` ())
                Expecto.Tests.testCase "a summary of a missing file names it" (fun () ->
                    ``a summary of a missing file names it`` ())
                Expecto.Tests.testCase "an unknown delimiter is a usage error listing the delimiters" (fun () ->
                    ``an unknown delimiter is a usage error listing the delimiters`` ())
                Expecto.Tests.testCase
                    "the version line shows the commit when the build had one and says unknown otherwise"
                    (fun () ->
                        ``the version line shows the commit when the build had one and says unknown otherwise`` ())
                Expecto.Tests.testCase "hier --version prints one line with the version and commit on stdout" (fun () ->
                    ``hier --version prints one line with the version and commit on stdout`` ())
            ])
