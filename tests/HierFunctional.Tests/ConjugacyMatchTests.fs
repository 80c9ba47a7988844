module HierFunctional.Tests.ConjugacyMatchTests

open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions

/// Each built-in rule's outcome on a node, in the order the compiler tries them.
let outcomes (m: Model) (name: string) =
    let expanded = Graph.expand m
    let target = (Model.tryFind name expanded).Value
    Rules.builtIn |> List.map (fun r -> r.Name, r.Try expanded target)

/// The first rule that matches, or every rejecting rule's reason.
let ruleFor m name =
    let all = outcomes m name

    match all |> List.tryFind (fun (_, o) -> o.IsMatched) with
    | Some(rule, _) -> Ok rule
    | None ->
        all
        |> List.choose (fun (rule, o) ->
            match o with
            | RuleOutcome.Rejected why -> Some(rule, why)
            | _ -> None)
        |> Error

let ruleName m name =
    match ruleFor m name with
    | Ok rule -> rule
    | Error _ -> "slice"

let private recognise (r: Recogniser<'m>) (m: Model) (name: string) =
    let expanded = Graph.expand m
    r.Recognise expanded (Model.tryFind name expanded).Value

let eightSchools = Examples.eightSchools

let pumps = Examples.pumps

let rats = Examples.rats

let ``eight schools gets closed-form updates for every node`` () =
    Assert.Equal("Normal-Normal", ruleName eightSchools "mu")
    Assert.Equal("Normal scale", ruleName eightSchools "tau")
    Assert.Equal("Normal-Normal", ruleName eightSchools "theta")

let ``the group effects of eight schools are updated through their indexed slot`` () =
    match recognise NormalConjugacy.normalMean eightSchools "theta" with
    | RuleOutcome.Matched(Param "mu", Param "tau", [ child ]) ->
        Assert.Equal("y", child.Node.Name)
        Assert.Equal(Slot.Indexed(Group "school"), child.Slot)
        Assert.Equal(Data "sigma", child.Sd)
    | other -> failwithf "unexpected %A" other

let ``pumps gets Gamma-Poisson for the rates and Gamma rate for beta while alpha falls back`` () =
    Assert.Equal("Gamma-Poisson", ruleName pumps "theta")
    Assert.Equal("Gamma rate of Gamma", ruleName pumps "beta")
    Assert.Equal("slice", ruleName pumps "alpha")

let ``the rat tumour probabilities are Beta-Binomial and only the collapsed rule is about the Flat hyperparameters``
    ()
    =
    Assert.Equal("Beta-Binomial", ruleName rats "theta")
    Assert.Equal("collapsed Beta-Binomial", ruleName rats "alpha")

    // beta moves with alpha; every conjugate rule says NotApplicable to its Flat prior
    match ruleFor rats "beta" with
    | Error [ rule, why ] ->
        Assert.Equal("collapsed Beta-Binomial", rule)
        Assert.Contains("moves with 'alpha'", why)
    | other -> failwithf "beta: %A" other

let ``a variance with an inverse-gamma prior and a precision with a gamma prior are recognised`` () =
    let m =
        model {
            let! v = sample "v" (InverseGamma(2.0, 1.0))
            let! prec = sample "prec" (Gamma(2.0, 1.0))
            do! observe "y" (Normal(0.0, sqrt v))
            do! observe "z" (Normal(1.0, 1.0 / sqrt prec))
        }

    match recognise NormalConjugacy.normalScale m "v", recognise NormalConjugacy.normalScale m "prec" with
    | RuleOutcome.Matched(ScaleLink.Variance, _, _), RuleOutcome.Matched(ScaleLink.Precision, _, _) -> ()
    | other -> failwithf "unexpected %A" other

let ``a non-linear mean falls back and says which child is not linear`` () =
    let m =
        model {
            let! b = sample "b" (Normal(0.0, 1.0))
            do! observe "y" (Normal(exp b, 1.0))
        }

    match ruleFor m "b" with
    | Error reasons ->
        Assert.Contains(reasons, fun (rule, why) -> rule = "Normal-Normal" && why.Contains "not linear in 'b'")
    | Ok _ -> failwith "exp b is not conjugate"

let ``regression coefficients in a dot product get the block update`` () =
    let m =
        model {
            let! beta = sample "beta" (Normal(0.0, 10.0)) |> sized 3
            let! sigma = sample "sigma" (HalfNormal 1.0)
            do! observe "y" (Normal(dot (data "X") beta, sigma))
        }

    Assert.Equal("Normal-block (regression)", ruleName m "beta")
    Assert.Equal("Normal scale", ruleName m "sigma")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.ConjugacyMatchTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.ConjugacyMatchTests"
            [
                Expecto.Tests.testCase "eight schools gets closed-form updates for every node" (fun () ->
                    ``eight schools gets closed-form updates for every node`` ())
                Expecto.Tests.testCase
                    "the group effects of eight schools are updated through their indexed slot"
                    (fun () -> ``the group effects of eight schools are updated through their indexed slot`` ())
                Expecto.Tests.testCase
                    "pumps gets Gamma-Poisson for the rates and Gamma rate for beta while alpha falls back"
                    (fun () ->
                        ``pumps gets Gamma-Poisson for the rates and Gamma rate for beta while alpha falls back`` ())
                Expecto.Tests.testCase
                    "the rat tumour probabilities are Beta-Binomial and only the collapsed rule is about the Flat hyperparameters"
                    (fun () ->
                        ``the rat tumour probabilities are Beta-Binomial and only the collapsed rule is about the Flat hyperparameters`` ())
                Expecto.Tests.testCase
                    "a variance with an inverse-gamma prior and a precision with a gamma prior are recognised"
                    (fun () ->
                        ``a variance with an inverse-gamma prior and a precision with a gamma prior are recognised`` ())
                Expecto.Tests.testCase "a non-linear mean falls back and says which child is not linear" (fun () ->
                    ``a non-linear mean falls back and says which child is not linear`` ())
                Expecto.Tests.testCase "regression coefficients in a dot product get the block update" (fun () ->
                    ``regression coefficients in a dot product get the block update`` ())
            ])
