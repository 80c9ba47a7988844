/// The fuzzing campaign's quick slice (the long run is `dotnet fsi build.fsx fuzz`, which sets HIER_FUZZ_CASES),
/// and the CSV reader against random and hostile text.
module HierFunctional.Tests.Reliability.FuzzTests

open System
open System.IO
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open HierFunctional
open HierFunctional.Tests
open HierFunctional.Tests.Reliability

let private acceptable (o: Fuzz.Outcome) =
    match o with
    | Fuzz.Succeeded
    | Fuzz.Typed _ -> true
    | Fuzz.Unexplained _
    | Fuzz.Hang -> false

let ``every generated model and data set either fits with finite draws or fails with a typed error`` () =
    Prop.forAll (Arb.fromGen FuzzCases.case) (fun c ->
        let o = Fuzz.classify (TimeSpan.FromSeconds 20.0) c
        acceptable o |> Prop.label $"{c.Description}: {o}")
    |> fun p -> Check.One(TestConfig.quick.WithMaxTest 400, p)

/// Cases from HIER_FUZZ_CASES (default 400); the report goes to HIER_FUZZ_REPORT when set.
let ``a fuzzing campaign has no unexplained failures and no hangs`` () =
    let n =
        match Environment.GetEnvironmentVariable "HIER_FUZZ_CASES" with
        | null
        | "" -> 400
        | s -> int s

    let counts = Fuzz.campaign 20261121UL n
    let text = Fuzz.report counts

    match Environment.GetEnvironmentVariable "HIER_FUZZ_REPORT" with
    | null
    | "" -> ()
    | path -> File.WriteAllText(path, text + "\n")

    Assert.Equal(n, counts.Tried)
    Assert.True(counts.Unexplained.IsEmpty && counts.Hangs.IsEmpty, text)
    // The generator must reach both outcomes, or the campaign tests nothing.
    Assert.True(counts.Succeeded > n / 10 && counts.Typed.Count >= 5, text)

// ------------------------------------------------------------------ CSV

let private csvToken =
    Gen.elements
        [
            "\""
            ","
            "\r\n"
            "\n"
            "\r"
            "\uFEFF"
            "a"
            "g"
            "1"
            "-2"
            "2.5"
            "NA"
            ""
            " "
            "\"x,y\""
            "\"q\"\"\""
            "1e400"
            "NaN"
            "Infinity"
            "3000000000"
            "\t"
            "é"
        ]

let private hostileText = Gen.listOf csvToken |> Gen.map String.Concat

/// A well-formed table with one mutation: BOM, CRLF, blank lines, a ragged row, an unclosed quote or a duplicate
/// header.
let private damagedTable =
    gen {
        let! rows = Gen.choose (0, 6)
        let! cells = Gen.arrayOfLength (rows * 3) (Gen.choose (-5, 50))
        let! which = Gen.choose (0, 6)

        let body =
            [
                for r in 0 .. rows - 1 -> $"\"L{cells.[3 * r] % 3}\",{cells.[3 * r + 1]},{cells.[3 * r + 2]}.5"
            ]

        let lines = "g,y,x" :: body

        return
            match which with
            | 0 -> "\uFEFF" + String.Join("\n", lines)
            | 1 -> String.Join("\r\n", lines) + "\r\n"
            | 2 -> String.Join("\n\n \n", lines)
            | 3 -> String.Join("\n", lines @ [ "\"L1\",3" ])
            | 4 -> String.Join("\n", lines @ [ "\"L1,3,4" ])
            | 5 -> String.Join("\n", "g,y,g" :: body)
            | _ -> String.Join("\n", lines)
    }

/// Ok with columns of equal length, or a CsvError with a line number inside the text; never an exception.
let private wellBehaved (text: string) =
    match Csv.parse "(fuzz)" text with
    | Ok d ->
        let lengths = d.Columns |> List.map (snd >> Dataset.columnLength) |> List.distinct

        lengths.Length = 1
        && d.Columns
           |> List.forall (fun (n, _) -> n.Trim() = n && n <> "" && not (n.StartsWith '\uFEFF'))
    | Error e -> e.Line >= 1 && e.Line <= text.Split('\n').Length && e.Problem <> ""

let ``the CSV reader returns a data set or a located error for any text`` () =
    Prop.forAll (Arb.fromGen hostileText) wellBehaved
    |> fun p -> Check.One(TestConfig.quick.WithMaxTest 2000, p)

let ``the CSV reader handles BOM, CRLF, blank lines, ragged rows and unclosed quotes in tables`` () =
    Prop.forAll (Arb.fromGen damagedTable) wellBehaved
    |> fun p -> Check.One(TestConfig.quick.WithMaxTest 1000, p)

let ``a byte-order mark does not become part of the first column name`` () =
    match Csv.parse "(bom)" "\uFEFFg,y\n\"a\",1\n\"b\",2\n" with
    | Ok d -> Assert.Equal<string list>([ "g"; "y" ], d.Columns |> List.map fst)
    | Error e -> failwith e.Message

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Reliability.FuzzTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Reliability.FuzzTests"
            [
                Expecto.Tests.testCase
                    "every generated model and data set either fits with finite draws or fails with a typed error"
                    (fun () ->
                        ``every generated model and data set either fits with finite draws or fails with a typed error`` ())
                Expecto.Tests.testCase "a fuzzing campaign has no unexplained failures and no hangs" (fun () ->
                    ``a fuzzing campaign has no unexplained failures and no hangs`` ())
                Expecto.Tests.testCase "the CSV reader returns a data set or a located error for any text" (fun () ->
                    ``the CSV reader returns a data set or a located error for any text`` ())
                Expecto.Tests.testCase
                    "the CSV reader handles BOM, CRLF, blank lines, ragged rows and unclosed quotes in tables"
                    (fun () ->
                        ``the CSV reader handles BOM, CRLF, blank lines, ragged rows and unclosed quotes in tables`` ())
                Expecto.Tests.testCase "a byte-order mark does not become part of the first column name" (fun () ->
                    ``a byte-order mark does not become part of the first column name`` ())
            ])
