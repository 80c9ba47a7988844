module HierFunctional.Tests.ModelLanguageTests

open HierFunctional.TestShim
open HierFunctional
open type Distributions

let eightSchools =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        let! tau = sample "tau" (HalfCauchy 5.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
        do! observe "y" (Normal(theta.[group "school"], data "sigma"))
    }

let ``the model block builds a tree whose nodes are in declaration order`` () =
    let names = eightSchools.Nodes |> List.map (fun n -> n.Name)
    Assert.Equal<string list>([ "mu"; "tau"; "theta"; "y" ], names)

let ``two models built the same way are structurally equal`` () =
    let again =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfCauchy 5.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    Assert.Equal(eightSchools, again)
    Assert.Equal(hash eightSchools, hash again)
    Assert.Equal(Examples.eightSchools, eightSchools)

let ``the printer writes eight schools the way the math is written`` () =
    let expected =
        [
            "mu ~ Normal(0, 5)"
            "tau ~ HalfCauchy(5)"
            "theta[j] ~ Normal(mu, tau),  j = 1..J"
            "y[i] ~ Normal(theta[school[i]], sigma[i]),  i = 1..N"
            "where"
            "  j indexes the levels of 'school' (J levels)"
            "  i indexes the data rows (N rows)"
        ]
        |> String.concat "\n"

    Assert.Equal(expected, Print.model eightSchools)

let threeLevel =
    model {
        let! mu = sample "mu" (Normal(0.0, 10.0))
        let! tauS = sample "tau_school" (HalfNormal 5.0)
        let! tauC = sample "tau_class" (HalfNormal 5.0)
        let! sigma = sample "sigma" (HalfNormal 5.0)
        let! school = sample "school_effect" (Normal(mu, tauS)) |> over "school"

        let! cls =
            sample "class_effect" (Normal(school.[group "school"], tauC))
            |> over "classroom"

        do! observe "score" (Normal(cls.[group "classroom"], sigma))
    }

let ``the printer writes a three-level model with one index letter per level`` () =
    let lines = (Print.model threeLevel).Split('\n')
    Assert.Contains("school_effect[j] ~ Normal(mu, tau_school),  j = 1..J", lines)
    Assert.Contains("class_effect[k] ~ Normal(school_effect[school[k]], tau_class),  k = 1..K", lines)
    Assert.Contains("score[i] ~ Normal(class_effect[classroom[i]], sigma),  i = 1..N", lines)
    Assert.Contains("  k indexes the levels of 'classroom' (K levels)", lines)

let ``the printer keeps operator precedence with the fewest parentheses`` () =
    let m =
        model {
            let! a = sample "a" (Flat Support.Positive)
            let! b = sample "b" (Flat Support.Positive)
            do! factor "hyper" (-2.5 * log (a + b))
            let! r = derived "r" ((a - b) / (a * b) - (a - (b - 1.0)))
            ()
        }

    let lines = (Print.model m).Split('\n')
    Assert.Contains("log p += -2.5 * log(a + b)", lines)
    Assert.Contains("r = (a - b) / (a * b) - (a - (b - 1))", lines)

let ``over applies only to a single-node step`` () =
    let twoNodes =
        Step.bind (fun _ -> sample "b" (Normal(0.0, 1.0))) (sample "a" (Normal(0.0, 1.0)))

    let ex =
        Assert.Throws<System.ArgumentException>(fun () -> twoNodes |> over "g" |> ignore)

    Assert.Contains("single sample or derived step", ex.Message)

let ``a model differing in one constant is a different value`` () =
    let other =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfCauchy 5.5)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    Assert.NotEqual(eightSchools, other)

let ``model check reports duplicate names with both positions`` () =
    let m =
        model {
            let! a = sample "a" (Normal(0.0, 1.0))
            let! a2 = sample "a" (Normal(a, 1.0))
            ()
        }

    match Model.check m with
    | Error [ ModelError.DuplicateNode("a", 1, 2) as e ] ->
        Assert.Contains("'a'", ModelError.describe e)
        Assert.Equal(ErrorKind.DuplicateNode, ModelError.kind e)
    | other -> failwithf "expected one duplicate error, got %A" other

let ``model check reports a reference to an undeclared node`` () =
    let m = model { do! observe "y" (Normal(Param "mu", 1.0)) }

    match Model.check m with
    | Error [ ModelError.UndefinedReference("y", "mu") as e ] -> Assert.Contains("'mu'", ModelError.describe e)
    | other -> failwithf "expected an undefined-reference error, got %A" other

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.ModelLanguageTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.ModelLanguageTests"
            [
                Expecto.Tests.testCase "the model block builds a tree whose nodes are in declaration order" (fun () ->
                    ``the model block builds a tree whose nodes are in declaration order`` ())
                Expecto.Tests.testCase "two models built the same way are structurally equal" (fun () ->
                    ``two models built the same way are structurally equal`` ())
                Expecto.Tests.testCase "the printer writes eight schools the way the math is written" (fun () ->
                    ``the printer writes eight schools the way the math is written`` ())
                Expecto.Tests.testCase
                    "the printer writes a three-level model with one index letter per level"
                    (fun () -> ``the printer writes a three-level model with one index letter per level`` ())
                Expecto.Tests.testCase "the printer keeps operator precedence with the fewest parentheses" (fun () ->
                    ``the printer keeps operator precedence with the fewest parentheses`` ())
                Expecto.Tests.testCase "over applies only to a single-node step" (fun () ->
                    ``over applies only to a single-node step`` ())
                Expecto.Tests.testCase "a model differing in one constant is a different value" (fun () ->
                    ``a model differing in one constant is a different value`` ())
                Expecto.Tests.testCase "model check reports duplicate names with both positions" (fun () ->
                    ``model check reports duplicate names with both positions`` ())
                Expecto.Tests.testCase "model check reports a reference to an undeclared node" (fun () ->
                    ``model check reports a reference to an undeclared node`` ())
            ])
