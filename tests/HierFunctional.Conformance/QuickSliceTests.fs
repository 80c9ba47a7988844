/// The CI quick slice: a few cases that pass today, at short run lengths, under the full pass rule.
module HierFunctional.Conformance.QuickSliceTests

open HierFunctional.TestShim
open HierFunctional.Conformance

let quickNames: obj[] seq = Catalogue.quick |> Seq.map (fun c -> [| box c.Name |])

let ``a quick-slice case agrees with its reference under the pass rule`` (name: string) =
    let case = (Catalogue.tryFind name).Value
    let result = Runner.runModel case.Quick.Value System.Environment.ProcessorCount case
    Assert.True(Runner.passed result, Table.row result)

let quickFormulaNames: obj[] seq =
    Catalogue.quickFormula |> Seq.map (fun c -> [| box c.Name |])

let ``a quick-slice formula version agrees with its case's reference under the pass rule`` (name: string) =
    let case = (Catalogue.tryFind name).Value
    let length = case.Quick |> Option.defaultValue Case.standard

    match Runner.runFormula length System.Environment.ProcessorCount case with
    | Some result -> Assert.True(Runner.passed result, Table.row result)
    | None -> failwithf "%s has no formula version" name

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Conformance.QuickSliceTests"
        (Expecto.Tests.testList
            "HierFunctional.Conformance.QuickSliceTests"
            [
                Expecto.Tests.testList
                    "a quick-slice case agrees with its reference under the pass rule"
                    [
                        for row in quickNames ->
                            Expecto.Tests.testCase
                                (row
                                 |> Array.map (function
                                     | :? string as s -> s
                                     | x -> sprintf "%A" x)
                                 |> String.concat ", ")
                                (fun () ->
                                    ``a quick-slice case agrees with its reference under the pass rule`` (
                                        unbox row.[0]
                                    ))
                    ]
                Expecto.Tests.testList
                    "a quick-slice formula version agrees with its case's reference under the pass rule"
                    [
                        for row in quickFormulaNames ->
                            Expecto.Tests.testCase
                                (row
                                 |> Array.map (function
                                     | :? string as s -> s
                                     | x -> sprintf "%A" x)
                                 |> String.concat ", ")
                                (fun () ->
                                    ``a quick-slice formula version agrees with its case's reference under the pass rule`` (
                                        unbox row.[0]
                                    ))
                    ]
            ])
