/// Data intake: a missing file, a short column, bad exposure or trials and other delimiters each give an error that
/// names the file, column and row.
module HierFunctional.Tests.IntakeTests

open System.IO
open HierFunctional.TestShim
open HierFunctional

let ``a missing CSV file raises FileNotFoundException naming the path`` () =
    let path = Path.Combine(Path.GetTempPath(), "hier-no-such-dir", "no-such-file.csv")
    let e = Assert.Throws<FileNotFoundException>(fun () -> Csv.read path |> ignore)
    Assert.Equal(path, e.FileName)
    Assert.Contains(path, e.Message)
    Assert.DoesNotContain("line 0", e.Message)

let private schools =
    model {
        let! mu = sample "mu" (Distributions.Normal(0.0, 5.0))
        let! tau = sample "tau" (Distributions.HalfCauchy 5.0)
        let! theta = sample "theta" (Distributions.Normal(mu, tau)) |> over "school"
        do! observe "y" (Distributions.Normal(theta.[group "school"], data "sigma"))
    }

let private lengthErrors (d: Dataset) =
    match Bind.bind schools d with
    | Ok _ -> failwith "a column of the wrong length was accepted"
    | Error errors ->
        errors
        |> List.choose (function
            | ModelError.LengthMismatch(c, expected, actual) -> Some(c, expected, actual)
            | _ -> None)

let ``a short observed column is the one named in a length mismatch, not the two correct columns`` () =
    Dataset.empty
    |> Dataset.labels "school" [| "A"; "B"; "C"; "D"; "E"; "F"; "G"; "H" |]
    |> Dataset.reals "y" [| 28.; 8.; -3.; 7.; -1.; 1.; 18. |]
    |> Dataset.reals "sigma" [| 15.; 10.; 16.; 11.; 9.; 11.; 10.; 18. |]
    |> lengthErrors
    |> fun errors -> Assert.Equal<(string * int * int) list>([ "y", 8, 7 ], errors)

let ``a short predictor is the one named in a length mismatch`` () =
    Dataset.empty
    |> Dataset.labels "school" [| "A"; "B"; "C"; "D"; "E"; "F"; "G"; "H" |]
    |> Dataset.reals "y" [| 28.; 8.; -3.; 7.; -1.; 1.; 18.; 12. |]
    |> Dataset.reals "sigma" [| 15.; 10.; 16.; 11.; 9.; 11. |]
    |> lengthErrors
    |> fun errors -> Assert.Equal<(string * int * int) list>([ "sigma", 8, 6 ], errors)

let private bindError (m: Model) (d: Dataset) =
    match Bind.bind m d with
    | Ok _ -> failwith "the bad row was accepted"
    | Error errors -> errors

let private binomial =
    model {
        let! p = sample "p" (Distributions.Beta(1.0, 1.0))
        do! observe "y" (Distributions.Binomial(data "n", p))
    }

let private poisson =
    model {
        let! rate = sample "rate" (Distributions.Gamma(1.0, 1.0))
        do! observe "y" (Distributions.Poisson(rate, data "E"))
    }

let ``non-integer trials are refused at bind time naming the trials column and row`` () =
    let d =
        Dataset.empty
        |> Dataset.reals "n" [| 10.0; 10.5; 10.0 |]
        |> Dataset.integers "y" [| 1; 2; 3 |]

    Assert.Equal<ModelError list>(
        [
            ModelError.OutsideSupport("y", "n", 2, 10.5, "a number of trials that is a whole number, 0 or more")
        ],
        bindError binomial d
    )

let ``fewer trials than successes are refused naming the trials column`` () =
    let d =
        Dataset.empty
        |> Dataset.integers "n" [| 10; 2; 10 |]
        |> Dataset.integers "y" [| 1; 3; 3 |]

    match bindError binomial d with
    | [ ModelError.OutsideSupport("y", "y", 2, 3.0, need) ] -> Assert.Contains("(2 in n)", need)
    | other -> failwith $"%A{other}"

let ``a zero Poisson exposure is refused at bind time naming the exposure column and row`` () =
    let d =
        Dataset.empty
        |> Dataset.reals "E" [| 1.0; 2.0; 0.0 |]
        |> Dataset.integers "y" [| 1; 3; 2 |]

    match bindError poisson d with
    | [ ModelError.OutsideSupport("y", "E", 3, 0.0, need) as e ] ->
        Assert.Contains("positive exposure", need)
        Assert.Contains("column 'E' row 3", ModelError.describe e)
    | other -> failwith $"%A{other}"

let ``positive exposures and whole trials bind`` () =
    let counts =
        Dataset.empty
        |> Dataset.reals "E" [| 1.0; 2.5; 0.5 |]
        |> Dataset.integers "n" [| 10; 3; 10 |]
        |> Dataset.integers "y" [| 1; 3; 2 |]

    Assert.True((Bind.bind poisson counts).IsOk)
    Assert.True((Bind.bind binomial counts).IsOk)

let private reals (name: string) (d: Dataset) =
    match Dataset.tryColumn name d with
    | Some(Column.Reals xs) -> xs
    | other -> failwith $"column '{name}' is %A{other}"

let ``the delimiter is the one the header line uses most, outside quotes`` () =
    Assert.Equal(',', Csv.detectDelimiter "y,x,g")
    Assert.Equal(';', Csv.detectDelimiter "y;x;\"a,b,c\"")
    Assert.Equal('\t', Csv.detectDelimiter "y\tx\tg")
    Assert.Equal(',', Csv.detectDelimiter "y")

let ``a semicolon file with decimal commas reads the same numbers as its comma form`` () =
    let comma = Csv.parse "comma.csv" "y,x,g\n1.5,2,a\n-0.25,3,b\n1e3,4,a\n"
    let semicolon = Csv.parse "semicolon.csv" "y;x;g\n1,5;2;a\n-0,25;3;b\n1e3;4;a\n"

    match comma, semicolon with
    | Ok c, Ok s ->
        Assert.Equal<float[]>([| 1.5; -0.25; 1000.0 |], reals "y" s)
        Assert.Equal<Dataset>(c, s)
    | other -> failwith $"%A{other}"

let ``a tab-separated file is read by detection`` () =
    match Csv.parse "tabs.tsv" "y\tg\n1.5\ta\n2.5\tb\n" with
    | Ok d -> Assert.Equal<float[]>([| 1.5; 2.5 |], reals "y" d)
    | Error e -> failwith e.Message

let ``a forced comma delimiter reads a semicolon file as one column`` () =
    match
        Csv.parseWith
            { Csv.defaultOptions with
                Delimiter = Some ','
            }
            "x.csv"
            "y;g\n1;a\n2;b\n"
    with
    | Ok d -> Assert.Equal<string list>([ "y;g" ], d.Columns |> List.map fst)
    | Error e -> failwith e.Message

let ``a decimal comma with a thousands point is refused rather than misread`` () =
    match Csv.parse "x.csv" "y;g\n1.234,5;a\n2,5;b\n3,5;a\n" with
    | Error e ->
        Assert.Equal("y", e.Column)
        Assert.Contains("'1.234,5'", e.Problem)
    | Ok d -> failwith $"read as %A{d}"

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
let ``a scalar in the data binds as its value written into the model, in a prior of a global parameter`` () =
    let withScalar =
        model {
            let! mu = sample "mu" (Distributions.Normal(0.0, data "priorSd"))
            do! observe "y" (Distributions.Normal(mu, data "sigma"))
        }

    let written =
        model {
            let! mu = sample "mu" (Distributions.Normal(0.0, 2.5))
            do! observe "y" (Distributions.Normal(mu, data "sigma"))
        }

    let d =
        Dataset.empty
        |> Dataset.reals "y" [| 1.0; 2.0 |]
        |> Dataset.reals "sigma" [| 1.0; 1.0 |]
        |> Dataset.scalar "priorSd" 2.5

    match Bind.bind withScalar d, Bind.bind written d with
    | Ok a, Ok b -> Assert.Equal(b.Model, a.Model)
    | other -> failwithf "%A" other

    Assert.Equal(Some 2.5, Dataset.tryScalar "priorSd" d)

let ``a scalar replaces a column of the same name and a column replaces a scalar`` () =
    let d = Dataset.empty |> Dataset.reals "N" [| 1.0 |] |> Dataset.scalar "N" 8.0
    Assert.Equal(None, Dataset.tryColumn "N" d)
    Assert.Equal(Some 8.0, Dataset.tryScalar "N" d)
    let d2 = d |> Dataset.reals "N" [| 2.0 |]
    Assert.Equal(None, Dataset.tryScalar "N" d2)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.IntakeTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.IntakeTests"
            [
                Expecto.Tests.testCase "a missing CSV file raises FileNotFoundException naming the path" (fun () ->
                    ``a missing CSV file raises FileNotFoundException naming the path`` ())
                Expecto.Tests.testCase
                    "a short observed column is the one named in a length mismatch, not the two correct columns"
                    (fun () ->
                        ``a short observed column is the one named in a length mismatch, not the two correct columns`` ())
                Expecto.Tests.testCase "a short predictor is the one named in a length mismatch" (fun () ->
                    ``a short predictor is the one named in a length mismatch`` ())
                Expecto.Tests.testCase
                    "non-integer trials are refused at bind time naming the trials column and row"
                    (fun () -> ``non-integer trials are refused at bind time naming the trials column and row`` ())
                Expecto.Tests.testCase "fewer trials than successes are refused naming the trials column" (fun () ->
                    ``fewer trials than successes are refused naming the trials column`` ())
                Expecto.Tests.testCase
                    "a zero Poisson exposure is refused at bind time naming the exposure column and row"
                    (fun () ->
                        ``a zero Poisson exposure is refused at bind time naming the exposure column and row`` ())
                Expecto.Tests.testCase "positive exposures and whole trials bind" (fun () ->
                    ``positive exposures and whole trials bind`` ())
                Expecto.Tests.testCase "the delimiter is the one the header line uses most, outside quotes" (fun () ->
                    ``the delimiter is the one the header line uses most, outside quotes`` ())
                Expecto.Tests.testCase
                    "a semicolon file with decimal commas reads the same numbers as its comma form"
                    (fun () -> ``a semicolon file with decimal commas reads the same numbers as its comma form`` ())
                Expecto.Tests.testCase "a tab-separated file is read by detection" (fun () ->
                    ``a tab-separated file is read by detection`` ())
                Expecto.Tests.testCase "a forced comma delimiter reads a semicolon file as one column" (fun () ->
                    ``a forced comma delimiter reads a semicolon file as one column`` ())
                Expecto.Tests.testCase
                    "a decimal comma with a thousands point is refused rather than misread"
                    (fun () -> ``a decimal comma with a thousands point is refused rather than misread`` ())
                Expecto.Tests.testCase
                    "a scalar in the data binds as its value written into the model, in a prior of a global parameter"
                    (fun () ->
                        ``a scalar in the data binds as its value written into the model, in a prior of a global parameter`` ())
                Expecto.Tests.testCase
                    "a scalar replaces a column of the same name and a column replaces a scalar"
                    (fun () -> ``a scalar replaces a column of the same name and a column replaces a scalar`` ())
            ])
