/// The harness itself: the pass rule, the case files, and that every expressible case binds to its data.
module HierFunctional.Conformance.HarnessTests

open System.IO
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Conformance

let private node mean sd =
    {
        Node = "x"
        SourceName = "x"
        Mean = mean
        Sd = sd
        McseMean = 0.0
        Rhat = 1.0
        EssBulk = 1000.0
    }

/// Four chains of draws with the given mean: a deterministic ±1 pattern around it, mixing perfectly.
let private draws (mean: float) =
    Array.init 4 (fun c -> Array.init 1000 (fun i -> mean + (if (i + c) % 2 = 0 then 1.0 else -1.0)))

let ``a node 0.149 reference sds from the reference passes and 0.151 fails`` () =
    Assert.True((PassRule.check (node 0.0 10.0) (draws 1.49)).Pass)
    Assert.False((PassRule.check (node 0.0 10.0) (draws 1.51)).Pass)

let ``a node whose chains disagree fails on R-hat even when the pooled mean is right`` () =
    let split =
        Array.init 4 (fun c -> Array.init 1000 (fun i -> (if c < 2 then -1.0 else 1.0) + 0.01 * float (i % 7)))

    let check = PassRule.check (node 0.03 10.0) split
    Assert.True(check.Distance <= PassRule.tolerance)
    Assert.False(check.Pass, $"R-hat {check.Rhat}")

let ``NaN draws fail the rule`` () =
    Assert.False((PassRule.check (node 0.0 1.0) (Array.init 4 (fun _ -> Array.create 100 nan))).Pass)

let caseNames: obj[] seq = Catalogue.all |> Seq.map (fun c -> [| box c.Name |])

let ``every case has its data and a reference for each node, and its model binds to the data`` (name: string) =
    let case = (Catalogue.tryFind name).Value

    match CaseFiles.reference name with
    | Error msg -> failwith msg
    | Ok r ->
        for n in r.Nodes do
            Assert.True(n.Sd > 0.0, $"{n.Node}: reference sd {n.Sd}")

    match case.Model with
    | Written.NotExpressible why -> Assert.NotEqual<string>("", why)
    | Written.Model m ->
        Assert.True(File.Exists(CaseFiles.dataPath name), $"missing {CaseFiles.dataPath name}")

        match Bind.bind m (CaseFiles.data case) with
        | Ok _ -> ()
        | Error e -> failwithf "%s does not bind: %A" name e

let ``case names are unique`` () =
    let names = Catalogue.all |> List.map (fun c -> c.Name)
    Assert.Equal(names.Length, (List.distinct names).Length)

let ``every formula version binds to its data and reads each reference node from a node of its model`` (name: string) =
    let case = (Catalogue.tryFind name).Value

    match case.Formula, CaseFiles.reference name with
    | AsFormula.NotExpressible why, _ -> Assert.NotEqual<string>("", why)
    | _, Error msg -> failwith msg
    | AsFormula.Variant f, Ok r ->
        match f.Build(CaseFiles.data case) with
        | Error e -> failwithf "%s's formula does not build: %s" name (Formula.describeErrors e)
        | Ok(m, d) ->
            Assert.True(Result.isOk (Bind.bind m d), $"{name}'s formula model does not bind")
            let names = m.Nodes |> List.map (fun n -> n.Name) |> Set.ofList

            for n in r.Nodes do
                let read =
                    match f.Nodes |> List.tryFind (fun (x, _) -> x = n.Node) |> Option.map snd with
                    | None -> [ n.Node ]
                    | Some(FormulaNode.Node x) -> [ x ]
                    | Some(FormulaNode.Derived(xs, _)) -> xs

                for x in read do
                    Assert.True(
                        names.Contains(Posterior.nodeOf x),
                        $"{name}: reference node {n.Node} reads {x}, not a node of the formula model"
                    )

let ``every case says whether it has a formula version, and why not`` () =
    for c in Catalogue.all do
        match c.Formula with
        | AsFormula.NotExpressible why -> Assert.NotEqual<string>("no formula version written", why)
        | AsFormula.Variant _ -> ()

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Conformance.HarnessTests"
        (Expecto.Tests.testList
            "HierFunctional.Conformance.HarnessTests"
            [
                Expecto.Tests.testCase "a node 0.149 reference sds from the reference passes and 0.151 fails" (fun () ->
                    ``a node 0.149 reference sds from the reference passes and 0.151 fails`` ())
                Expecto.Tests.testCase
                    "a node whose chains disagree fails on R-hat even when the pooled mean is right"
                    (fun () -> ``a node whose chains disagree fails on R-hat even when the pooled mean is right`` ())
                Expecto.Tests.testCase "NaN draws fail the rule" (fun () -> ``NaN draws fail the rule`` ())
                Expecto.Tests.testList
                    "every case has its data and a reference for each node, and its model binds to the data"
                    [
                        for row in caseNames ->
                            Expecto.Tests.testCase
                                (row
                                 |> Array.map (function
                                     | :? string as s -> s
                                     | x -> sprintf "%A" x)
                                 |> String.concat ", ")
                                (fun () ->
                                    ``every case has its data and a reference for each node, and its model binds to the data`` (
                                        unbox row.[0]
                                    ))
                    ]
                Expecto.Tests.testCase "case names are unique" (fun () -> ``case names are unique`` ())
                Expecto.Tests.testList
                    "every formula version binds to its data and reads each reference node from a node of its model"
                    [
                        for row in caseNames ->
                            Expecto.Tests.testCase
                                (row
                                 |> Array.map (function
                                     | :? string as s -> s
                                     | x -> sprintf "%A" x)
                                 |> String.concat ", ")
                                (fun () ->
                                    ``every formula version binds to its data and reads each reference node from a node of its model`` (
                                        unbox row.[0]
                                    ))
                    ]
                Expecto.Tests.testCase "every case says whether it has a formula version, and why not" (fun () ->
                    ``every case says whether it has a formula version, and why not`` ())
            ])
