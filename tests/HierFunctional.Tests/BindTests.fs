module HierFunctional.Tests.BindTests

open HierFunctional.TestShim
open HierFunctional
open type Distributions

/// Asserts that binding fails with an error of the given kind whose message contains every fragment.
let expectError (kind: ErrorKind) (fragments: string list) (result: Result<Bound, ModelError list>) =
    match result with
    | Ok _ -> failwith $"expected a {kind} error, but the model bound"
    | Error errors ->
        match errors |> List.tryFind (fun e -> ModelError.kind e = kind) with
        | None -> failwith $"expected a {kind} error, got %A{errors}"
        | Some e ->
            let message = ModelError.describe e

            for f in fragments do
                Assert.True(message.Contains(f: string), $"message '{message}' should mention '{f}'")

let schoolsY = [| 28.; 8.; -3.; 7.; -1.; 1.; 18.; 12. |]
let schoolsSigma = [| 15.; 10.; 16.; 11.; 9.; 11.; 10.; 18. |]
let schoolNames = [| "A"; "B"; "C"; "D"; "E"; "F"; "G"; "H" |]

let eightSchools =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        let! tau = sample "tau" (HalfCauchy 5.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
        do! observe "y" (Normal(theta.[group "school"], data "sigma"))
    }

let schoolsData =
    Dataset.empty
    |> Dataset.labels "school" schoolNames
    |> Dataset.reals "y" schoolsY
    |> Dataset.reals "sigma" schoolsSigma

let countModel (dist: Dist) = model { do! observe "k" dist }

let ``eight schools binds with eight thetas named by index and by label`` () =
    let b = Bind.bindOrThrow eightSchools schoolsData
    Assert.Equal(8, b.Rows)
    Assert.Equal(10, b.Layout.Size)
    Assert.Equal<string[]>([| "mu"; "tau"; "theta[1]"; "theta[2]" |], b.Layout.Names.[0..3])
    Assert.Equal("theta[H]", b.Layout.Labels.[9])
    Assert.Equal(9, Layout.indexOf b "theta[H]")
    Assert.Equal(4, Layout.indexOf b "theta[3]")

let ``a missing column is reported with the node and the column`` () =
    Dataset.empty
    |> Dataset.labels "school" schoolNames
    |> Dataset.reals "y" schoolsY
    |> Bind.bind eightSchools
    |> expectError ErrorKind.MissingColumn [ "'y'"; "'sigma'" ]

let ``a column of the wrong length is reported with both lengths`` () =
    schoolsData
    |> Dataset.reals "sigma" (Array.truncate 7 schoolsSigma)
    |> Bind.bind eightSchools
    |> expectError ErrorKind.LengthMismatch [ "'sigma'"; "7 values"; "8 rows" ]

let ``a NaN in a used column is reported with its 1-based row`` () =
    schoolsData
    |> Dataset.reals "sigma" (Array.updateAt 2 nan schoolsSigma)
    |> Bind.bind eightSchools
    |> expectError ErrorKind.NonFiniteValue [ "'sigma'"; "row 3" ]

let ``an infinite observation is reported with its 1-based row`` () =
    schoolsData
    |> Dataset.reals "y" (Array.updateAt 7 infinity schoolsY)
    |> Bind.bind eightSchools
    |> expectError ErrorKind.NonFiniteValue [ "'y'"; "row 8" ]

let ``a negative Poisson count is outside the support`` () =
    Dataset.empty
    |> Dataset.integers "k" [| 1; 0; -2 |]
    |> Bind.bind (countModel (Poisson 2.0))
    |> expectError ErrorKind.OutsideSupport [ "'k'"; "row 3"; "non-negative integer" ]

let ``a fractional count in a Reals column is an error, not rounded`` () =
    Dataset.empty
    |> Dataset.reals "k" [| 1.0; 2.5 |]
    |> Bind.bind (countModel (NegativeBinomial(2.0, 1.0)))
    |> expectError ErrorKind.OutsideSupport [ "'k'"; "row 2"; "2.5" ]

let ``whole numbers in a Reals column are accepted as counts`` () =
    let b =
        Dataset.empty
        |> Dataset.reals "k" [| 1.0; 2.0 |]
        |> Bind.bind (countModel (Poisson 2.0))

    Assert.True(Result.isOk b)

let ``more successes than trials is reported with the row's trials`` () =
    let m = model { do! observe "k" (Binomial(data "n", 0.5)) }

    Dataset.empty
    |> Dataset.integers "k" [| 3; 7 |]
    |> Dataset.integers "n" [| 5; 6 |]
    |> Bind.bind m
    |> expectError ErrorKind.OutsideSupport [ "'k'"; "row 2"; "trials (6 in n)" ]

let ``a Bernoulli observation other than 0 or 1 is outside the support`` () =
    Dataset.empty
    |> Dataset.integers "k" [| 0; 1; 2 |]
    |> Bind.bind (countModel (Bernoulli 0.5))
    |> expectError ErrorKind.OutsideSupport [ "'k'"; "row 3"; "0 or 1" ]

let ``a Beta observation above 1 is outside the support`` () =
    Dataset.empty
    |> Dataset.reals "k" [| 0.5; 1.5 |]
    |> Bind.bind (countModel (Beta(2.0, 2.0)))
    |> expectError ErrorKind.OutsideSupport [ "'k'"; "row 2"; "[0, 1]" ]

let ``a non-positive observation of a positive family is outside the support`` () =
    Dataset.empty
    |> Dataset.reals "k" [| 0.5; 0.0 |]
    |> Bind.bind (countModel (Gamma(2.0, 2.0)))
    |> expectError ErrorKind.OutsideSupport [ "'k'"; "row 2"; "positive" ]

let ``a label outside the declared levels is reported with its row`` () =
    schoolsData
    |> Dataset.labelsWithLevels "school" (Array.updateAt 4 "Z" schoolNames) schoolNames
    |> Bind.bind eightSchools
    |> expectError ErrorKind.UnknownLabel [ "'school'"; "row 5"; "'Z'" ]

let ``duplicate node names are reported with both positions`` () =
    let m =
        model {
            let! _ = sample "mu" (Normal(0.0, 1.0))
            let! _ = sample "mu" (Normal(0.0, 2.0))
            return ()
        }

    Bind.bind m Dataset.empty
    |> expectError ErrorKind.DuplicateNode [ "'mu'"; "positions 1 and 2" ]

let ``a reference to an undefined node is reported with the referring node`` () =
    let m = model { do! observe "y" (Normal(Param "nope", 1.0)) }

    Dataset.empty
    |> Dataset.reals "y" [| 1.0 |]
    |> Bind.bind m
    |> expectError ErrorKind.UndefinedReference [ "'y'"; "'nope'" ]

let ``a data column used in a group plate must be constant within each level`` () =
    let m =
        model {
            let! theta = sample "theta" (Normal(data "prior", 1.0)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], 1.0))
        }

    Dataset.empty
    |> Dataset.labels "school" [| "A"; "A"; "B" |]
    |> Dataset.reals "prior" [| 1.0; 2.0; 3.0 |]
    |> Dataset.reals "y" [| 0.0; 0.0; 0.0 |]
    |> Bind.bind m
    |> expectError ErrorKind.NotConstantWithinGroup [ "'prior'"; "'A'"; "'school'" ]

let threeLevel =
    model {
        let! mu = sample "mu" (Normal(0.0, 10.0))
        let! tauS = sample "tauS" (HalfNormal 1.0)
        let! tauC = sample "tauC" (HalfNormal 1.0)
        let! sigma = sample "sigma" (HalfNormal 1.0)
        let! school = sample "schoolEffect" (Normal(mu, tauS)) |> over "school"

        let! cls =
            sample "classEffect" (Normal(school.[group "school"], tauC)) |> over "classroom"

        do! observe "score" (Normal(cls.[group "classroom"], sigma))
    }

let ``a classroom in two schools is not nested`` () =
    Dataset.empty
    |> Dataset.labels "school" [| "s1"; "s1"; "s2"; "s2" |]
    |> Dataset.labels "classroom" [| "c1"; "c2"; "c2"; "c3" |]
    |> Dataset.reals "score" [| 1.0; 2.0; 3.0; 4.0 |]
    |> Bind.bind threeLevel
    |> expectError ErrorKind.NotNested [ "'c2'"; "'classroom'"; "'school'" ]

let ``indexing a scalar is a shape error naming the node`` () =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 1.0))
            do! observe "y" (Normal(mu.[group "school"], 1.0))
        }

    schoolsData
    |> Bind.bind m
    |> expectError ErrorKind.ShapeMismatch [ "'y'"; "scalar" ]

let ``indexing a vector over one group by another group is a shape error`` () =
    let m =
        model {
            let! theta = sample "theta" (Normal(0.0, 1.0)) |> over "school"
            do! observe "y" (Normal(theta.[group "county"], 1.0))
        }

    schoolsData
    |> Dataset.labels "county" schoolNames
    |> Bind.bind m
    |> expectError ErrorKind.ShapeMismatch [ "'y'"; "'theta'"; "'school'"; "'county'" ]

let ``a dot product of mismatched lengths is a shape error`` () =
    let m =
        model {
            let! beta = sample "beta" (Normal(0.0, 1.0)) |> sized 2
            do! observe "y" (Normal(dot (data "X") beta, 1.0))
        }

    Dataset.empty
    |> Dataset.reals "y" [| 1.0; 2.0 |]
    |> Dataset.matrix "X" (Array2D.create 2 3 1.0)
    |> Bind.bind m
    |> expectError ErrorKind.ShapeMismatch [ "'y'"; "length 3"; "length 2" ]

let ``an unindexed group vector used as a scalar argument is a shape error`` () =
    let m =
        model {
            let! theta = sample "theta" (Normal(0.0, 1.0)) |> over "school"
            do! observe "y" (Normal(theta, 1.0))
        }

    schoolsData
    |> Bind.bind m
    |> expectError ErrorKind.ShapeMismatch [ "'y'"; "'mean'" ]

let ``a label column used as numbers has the wrong type`` () =
    let m = model { do! observe "y" (Normal(data "school", 1.0)) }

    schoolsData
    |> Bind.bind m
    |> expectError ErrorKind.WrongColumnType [ "'school'"; "text labels" ]

let ``a real column used as a group has the wrong type`` () =
    let m =
        model {
            let! theta = sample "theta" (Normal(0.0, 1.0)) |> over "sigma"
            do! observe "y" (Normal(theta.[group "sigma"], 1.0))
        }

    schoolsData
    |> Bind.bind m
    |> expectError ErrorKind.WrongColumnType [ "'sigma'"; "real numbers" ]

let ``a declared level with no rows is legal and gets a parameter`` () =
    let b =
        schoolsData
        |> Dataset.labelsWithLevels "school" schoolNames (Array.append schoolNames [| "Empty" |])
        |> Bind.bindOrThrow eightSchools

    Assert.Equal(11, b.Layout.Size)
    Assert.Equal("theta[Empty]", b.Layout.Labels.[10])

let ``an integer column can serve as a group with sorted levels`` () =
    let m =
        model {
            let! lambda = sample "lambda" (Gamma(1.0, 1.0)) |> over "pump"
            do! observe "k" (Poisson(lambda.[group "pump"], data "t"))
        }

    let b =
        Dataset.empty
        |> Dataset.integers "pump" [| 3; 1; 2; 3 |]
        |> Dataset.integers "k" [| 5; 1; 0; 2 |]
        |> Dataset.reals "t" [| 1.0; 2.0; 3.0; 4.0 |]
        |> Bind.bindOrThrow m

    Assert.Equal<string[]>([| "1"; "2"; "3" |], b.Groups.["pump"].Levels)
    Assert.Equal<int[]>([| 2; 0; 1; 2 |], b.Groups.["pump"].RowLevel)

let ``bindOrThrow raises a ModelException carrying the kind`` () =
    let ex =
        Assert.Throws<ModelException>(fun () -> Bind.bindOrThrow eightSchools Dataset.empty |> ignore)

    Assert.Equal(ErrorKind.MissingColumn, ex.Kind)

let ``an integer index outside the vector is a shape error naming the row`` () =
    let m =
        model {
            let! theta = sample "theta" (Normal(0.0, 1.0)) |> sized 3
            do! observe "y" (Normal(theta.[data "idx"], 1.0))
        }

    Dataset.empty
    |> Dataset.reals "y" [| 0.5; -0.5 |]
    |> Dataset.integers "idx" [| 3; 4 |]
    |> Bind.bind m
    |> expectError ErrorKind.ShapeMismatch [ "'y'"; "row 2"; "'theta'"; "1..3" ]

// ---------------------------------------------------------------- CSV columns with stray text

let private strayCsv =
    "y,x,g\n"
    + System.String.Join(
        "\n",
        Array.init 200 (fun i ->
            let x = if i = 57 then "abc" else string (float i / 10.0)
            $"{i % 7},{x},g{i % 5}")
    )

let ``a numeric column with one text cell is a CSV error naming the column, line and cell`` () =
    match Csv.parse "data.csv" strayCsv with
    | Error e ->
        Assert.Equal("x", e.Column)
        Assert.Equal(59, e.Line) // header on line 1, the 58th data row
        Assert.Contains("line 59 'abc'", e.Problem)
        Assert.Contains("--categorical x", e.Problem)
    | Ok _ -> failwith "the stray text cell was read as a label"

let ``a column declared categorical is read as labels whatever its cells`` () =
    match
        Csv.parseWith
            { Csv.defaultOptions with
                Categorical = [ "x"; "y" ]
            }
            "data.csv"
            strayCsv
    with
    | Ok d ->
        match Dataset.tryColumn "x" d, Dataset.tryColumn "y" d with
        | Some(Column.Labels(values, _)), Some(Column.Labels(ys, levels)) ->
            Assert.Equal("abc", values[57])
            Assert.Equal<string[]>([| "0"; "1"; "2"; "3"; "4"; "5"; "6" |], levels)
        | other -> failwith $"{other}"
    | Error e -> failwith e.Message

let ``a categorical declaration of a column the file lacks is an error`` () =
    match
        Csv.parseWith
            { Csv.defaultOptions with
                Categorical = [ "z" ]
            }
            "data.csv"
            strayCsv
    with
    | Error e ->
        Assert.Equal("z", e.Column)
        Assert.Contains("no such column", e.Problem)
    | Ok _ -> failwith "accepted"

let ``a label column with a few number-like labels and NA cells is still labels`` () =
    match Csv.parse "data.csv" "g,y\nA,1\nB,NA\n12,3\nC,\nD,5\n" with
    | Ok d ->
        Assert.True(
            match Dataset.tryColumn "g" d with
            | Some(Column.Labels _) -> true
            | _ -> false
        )

        Assert.True(
            match Dataset.tryColumn "y" d with
            | Some(Column.Integers _)
            | Some(Column.Reals _) -> true
            | _ -> false
        )
    | Error e -> failwith e.Message

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.BindTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.BindTests"
            [
                Expecto.Tests.testCase "eight schools binds with eight thetas named by index and by label" (fun () ->
                    ``eight schools binds with eight thetas named by index and by label`` ())
                Expecto.Tests.testCase "a missing column is reported with the node and the column" (fun () ->
                    ``a missing column is reported with the node and the column`` ())
                Expecto.Tests.testCase "a column of the wrong length is reported with both lengths" (fun () ->
                    ``a column of the wrong length is reported with both lengths`` ())
                Expecto.Tests.testCase "a NaN in a used column is reported with its 1-based row" (fun () ->
                    ``a NaN in a used column is reported with its 1-based row`` ())
                Expecto.Tests.testCase "an infinite observation is reported with its 1-based row" (fun () ->
                    ``an infinite observation is reported with its 1-based row`` ())
                Expecto.Tests.testCase "a negative Poisson count is outside the support" (fun () ->
                    ``a negative Poisson count is outside the support`` ())
                Expecto.Tests.testCase "a fractional count in a Reals column is an error, not rounded" (fun () ->
                    ``a fractional count in a Reals column is an error, not rounded`` ())
                Expecto.Tests.testCase "whole numbers in a Reals column are accepted as counts" (fun () ->
                    ``whole numbers in a Reals column are accepted as counts`` ())
                Expecto.Tests.testCase "more successes than trials is reported with the row's trials" (fun () ->
                    ``more successes than trials is reported with the row's trials`` ())
                Expecto.Tests.testCase "a Bernoulli observation other than 0 or 1 is outside the support" (fun () ->
                    ``a Bernoulli observation other than 0 or 1 is outside the support`` ())
                Expecto.Tests.testCase "a Beta observation above 1 is outside the support" (fun () ->
                    ``a Beta observation above 1 is outside the support`` ())
                Expecto.Tests.testCase
                    "a non-positive observation of a positive family is outside the support"
                    (fun () -> ``a non-positive observation of a positive family is outside the support`` ())
                Expecto.Tests.testCase "a label outside the declared levels is reported with its row" (fun () ->
                    ``a label outside the declared levels is reported with its row`` ())
                Expecto.Tests.testCase "duplicate node names are reported with both positions" (fun () ->
                    ``duplicate node names are reported with both positions`` ())
                Expecto.Tests.testCase "a reference to an undefined node is reported with the referring node" (fun () ->
                    ``a reference to an undefined node is reported with the referring node`` ())
                Expecto.Tests.testCase
                    "a data column used in a group plate must be constant within each level"
                    (fun () -> ``a data column used in a group plate must be constant within each level`` ())
                Expecto.Tests.testCase "a classroom in two schools is not nested" (fun () ->
                    ``a classroom in two schools is not nested`` ())
                Expecto.Tests.testCase "indexing a scalar is a shape error naming the node" (fun () ->
                    ``indexing a scalar is a shape error naming the node`` ())
                Expecto.Tests.testCase "indexing a vector over one group by another group is a shape error" (fun () ->
                    ``indexing a vector over one group by another group is a shape error`` ())
                Expecto.Tests.testCase "a dot product of mismatched lengths is a shape error" (fun () ->
                    ``a dot product of mismatched lengths is a shape error`` ())
                Expecto.Tests.testCase "an unindexed group vector used as a scalar argument is a shape error" (fun () ->
                    ``an unindexed group vector used as a scalar argument is a shape error`` ())
                Expecto.Tests.testCase "a label column used as numbers has the wrong type" (fun () ->
                    ``a label column used as numbers has the wrong type`` ())
                Expecto.Tests.testCase "a real column used as a group has the wrong type" (fun () ->
                    ``a real column used as a group has the wrong type`` ())
                Expecto.Tests.testCase "a declared level with no rows is legal and gets a parameter" (fun () ->
                    ``a declared level with no rows is legal and gets a parameter`` ())
                Expecto.Tests.testCase "an integer column can serve as a group with sorted levels" (fun () ->
                    ``an integer column can serve as a group with sorted levels`` ())
                Expecto.Tests.testCase "bindOrThrow raises a ModelException carrying the kind" (fun () ->
                    ``bindOrThrow raises a ModelException carrying the kind`` ())
                Expecto.Tests.testCase "an integer index outside the vector is a shape error naming the row" (fun () ->
                    ``an integer index outside the vector is a shape error naming the row`` ())
                Expecto.Tests.testCase
                    "a numeric column with one text cell is a CSV error naming the column, line and cell"
                    (fun () ->
                        ``a numeric column with one text cell is a CSV error naming the column, line and cell`` ())
                Expecto.Tests.testCase "a column declared categorical is read as labels whatever its cells" (fun () ->
                    ``a column declared categorical is read as labels whatever its cells`` ())
                Expecto.Tests.testCase "a categorical declaration of a column the file lacks is an error" (fun () ->
                    ``a categorical declaration of a column the file lacks is an error`` ())
                Expecto.Tests.testCase
                    "a label column with a few number-like labels and NA cells is still labels"
                    (fun () -> ``a label column with a few number-like labels and NA cells is still labels`` ())
            ])
