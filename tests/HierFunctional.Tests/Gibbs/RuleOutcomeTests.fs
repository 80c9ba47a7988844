/// The rule seam: every built-in rule's typed outcome (matched with an executor that builds its update, not
/// applicable, rejected with a reason), executor failures as typed compile errors, the exact/approximate mark on each
/// update, and exact prior draws for nodes nothing reads.
module HierFunctional.Tests.Gibbs.RuleOutcomeTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Testing
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests

let private c = constant
let private vec (xs: float list) = vector (xs |> List.map c)
let private mat (rows: float list list) = matrix (rows |> List.map (List.map c))

let private ys = Dataset.empty |> Dataset.reals "y" [| 0.3; -1.2; 0.8; 1.9 |]

/// One matching model per built-in rule: (rule, model, data, target node), from the Testing kit's examples.
let private matching: (ConjugacyRule * Model * Dataset * string) list =
    RuleExamples.builtIn |> List.map (fun e -> e.Rule, e.Model, e.Data, e.Node)

let private bound (m: Model) (d: Dataset) =
    match Bind.bind m d with
    | Ok b -> b
    | Error e -> failwithf "%A" e

let private outcome (rule: ConjugacyRule) (m: Model) (node: string) =
    let expanded = Graph.expand m
    rule.Try expanded (Model.tryFind node expanded).Value

let private cases = Rules.builtIn |> List.map (fun r -> [| box r.Name |])

/// The built-in rules by name (each test fails if the kit has no example for its rule).
let ruleCases: obj[] seq = cases

let private case (name: string) =
    match matching |> List.tryFind (fun (r, _, _, _) -> r.Name = name) with
    | Some c -> c
    | None -> failwith $"RuleExamples.builtIn has no example for the built-in rule '{name}': add one."

let ``each built-in rule matches its pattern and its executor builds an exact update of its own kind`` (name: string) =
    let rule, m, d, node = case name
    let b = bound m d

    match outcome rule m node with
    | RuleOutcome.Matched execute ->
        match execute b (Bound.node b node) with
        | Ok u ->
            Assert.Equal(node, u.Node)
            Assert.Equal(UpdateKind.Rule rule.Name, u.Kind)

            let expected =
                if
                    rule.Name = Rules.logLinearCount.Name
                    || rule.Name = Rules.collapsedBetaBinomial.Name
                then
                    Exactness.Markov
                else
                    Exactness.Exact

            Assert.Equal(expected, u.Exactness)
        | Error why -> failwithf "%s matched but its executor rejected %s: %s" name node why
    | other -> failwithf "%s on %s: %A" name node other

let ``each built-in rule is not applicable to a node whose prior is outside its family`` (name: string) =
    let rule, _, _, _ = case name

    let m =
        model {
            let! u = sample "u" (Uniform(0.0, 1.0))
            do! observe "y" (Normal(u, 1.0))
        }

    Assert.True((outcome rule m "u").IsNotApplicable, $"{name} claims a Uniform prior")

let ``a rule whose prior family fits but whose children do not rejects the node with a reason`` () =
    let nonLinear =
        model {
            let! b = sample "b" (Normal(0.0, 1.0))
            do! observe "y" (Normal(exp b, 1.0))
        }

    let poissonChild =
        model {
            let! p = sample "p" (Beta(1.0, 1.0))
            do! observe "y" (Poisson(p, 1.0))
        }

    match outcome Rules.normalMean nonLinear "b", outcome Rules.betaBinomial poissonChild "p" with
    | RuleOutcome.Rejected a, RuleOutcome.Rejected b ->
        Assert.Equal("the mean of child 'y' is not linear in 'b'", a)
        Assert.Equal("child 'y' is not Binomial/Bernoulli probability in 'p'", b)
    | other -> failwithf "unexpected %A" other

let ``the slice fallback lists only the reasons of rules that were about the node`` () =
    let m =
        model {
            let! b = sample "b" (Normal(0.0, 1.0))
            do! observe "y" (Normal(exp b, 1.0))
        }

    let u = (planOf Rules.builtIn m ys).Updates |> Array.find (fun u -> u.Node = "b")
    Assert.Equal(UpdateKind.Slice, u.Kind)
    Assert.Equal(Exactness.Markov, u.Exactness)
    Assert.StartsWith("Normal-Normal: the mean of child 'y' is not linear in 'b'", u.Reason)
    Assert.DoesNotContain("Beta-Binomial", u.Reason)

// ------------------------------------------------------------------ executor failures are bugs, not fallbacks

/// A user rule whose recogniser claims every Normal-prior node and whose executor has a bug.
let private throwing: ConjugacyRule =
    Rules.create
        {
            Name = "broken rule"
            Math = []
            Recognise =
                fun _ node ->
                    match node.Kind with
                    | NodeKind.Parameter(Dist.Normal _) -> RuleOutcome.Matched()
                    | _ -> RuleOutcome.NotApplicable
        }
        (fun b _ () ->
            // the bug: a lookup of a node the model does not have
            let info = b.NodeMap.["no such node"]
            Error $"unreachable: {info.Node.Name}")

let private simple =
    model {
        let! mu = sample "mu" (Normal(0.0, 1.0))
        do! observe "y" (Normal(mu, 1.0))
    }

let ``an executor that throws fails compilation with a RuleFailed error naming the node, the rule and the exception``
    ()
    =
    match Gibbs.compileWith (throwing :: Rules.builtIn) (bound simple ys) with
    | Error [ ModelError.RuleFailed(node, rule, failure) as e ] ->
        Assert.Equal("mu", node)
        Assert.Equal("broken rule", rule)
        Assert.StartsWith("KeyNotFoundException", failure)
        let text = ModelError.describe e
        Assert.Contains("report it", text)
        Assert.Contains("WithRules", text)
        Assert.Equal(ErrorKind.RuleFailed, ModelError.kind e)
    | other -> failwithf "expected RuleFailed, got %A" other

/// A user rule whose update throws when it runs: `bug` for a programming error, otherwise an ArgumentException (how
/// samplers and MathNet refuse a non-finite argument).
let private failingAtRun (bug: bool) : ConjugacyRule =
    Rules.create
        {
            Name = "failing update"
            Math = []
            Recognise =
                fun _ node ->
                    match node.Kind with
                    | NodeKind.Parameter(Dist.Normal _) -> RuleOutcome.Matched()
                    | _ -> RuleOutcome.NotApplicable
        }
        (fun _ info () ->
            Ok
                {
                    Node = info.Node.Name
                    Method = "failing update"
                    Kind = UpdateKind.Rule "failing update"
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun _ ->
                            UpdateStep.scratch (fun _ _ ->
                                if bug then
                                    raise (System.Collections.Generic.KeyNotFoundException "no such key")
                                else
                                    invalidArg "x" "x must be finite, but was NaN.")
                })

let ``a sweep reports an update's argument refusal as a NumericalFailure but lets a bug propagate as itself`` () =
    let plan (bug: bool) =
        match Gibbs.compileWith (failingAtRun bug :: Rules.builtIn) (bound simple ys) with
        | Ok p -> p
        | Error e -> failwithf "%A" e

    let state (p: GibbsPlan) = Gibbs.initialStateFor p 0 0 [| 0.0 |]

    let refusal =
        Assert.Throws<ModelException>(fun () ->
            let p = plan false
            Gibbs.sweep p (System.Random 1) (state p))

    match refusal.Error with
    | ModelError.NumericalFailure("mu", "failing update", _) -> ()
    | other -> failwithf "expected NumericalFailure, got %A" other

    Assert.Throws<System.Collections.Generic.KeyNotFoundException>(fun () ->
        let p = plan true
        Gibbs.sweep p (System.Random 1) (state p))
    |> ignore

// ------------------------------------------------------------------ prior-only nodes

let private withPredictive =
    model {
        let! mu = sample "mu" (Normal(0.0, 1.0))
        let! sigma = sample "sigma" (HalfNormal 1.0)
        do! observe "y" (Normal(mu, sigma))
        let! _ = sample "ynew" (Normal(mu, sigma))
        ()
    }

let ``a node nothing reads is drawn exactly from its prior given its parents and the plan says so`` () =
    let plan = planOf Rules.builtIn withPredictive ys
    let u = plan.Updates |> Array.find (fun u -> u.Node = "ynew")
    Assert.Equal(UpdateKind.PriorDraw, u.Kind)
    Assert.Equal(Exactness.Exact, u.Exactness)
    Assert.Contains("ynew   exact        prior draw (nothing reads it", Gibbs.describe plan)

let ``prior draws of a node nothing reads match its prior within MCSE`` () =
    // Known parents: theta ~ Gamma(3, 2) has mean 1.5 and variance 0.75; each sweep's draw is independent.
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 1.0))
            do! observe "y" (Normal(mu, 1.0))
            let! _ = sample "theta" (Gamma(3.0, 2.0))
            ()
        }

    let post =
        Chains.run
            (SamplerOptions.Default.WithChains(2).WithWarmup(100).WithDraws(5000).WithSeed(41))
            (planOf Rules.builtIn m ys)

    assertMean post "theta" 1.5
    let draws = Posterior.allChains "theta" post
    let n = float draws.Length
    let mean = Array.average draws
    let var = (draws |> Array.sumBy (fun x -> (x - mean) ** 2.0)) / (n - 1.0)
    // The MCSE of a sample variance of independent draws is sqrt((m4 − var²)/n), m4 the fourth central moment.
    let m4 = (draws |> Array.sumBy (fun x -> (x - mean) ** 4.0)) / n
    Assert.True(abs (var - 0.75) < 4.0 * sqrt ((m4 - var * var) / n), $"variance {var} vs 0.75")

let ``a prior draw reads its parents' current values`` () =
    // ynew ~ Normal(mu, sigma) drawn after mu and sigma each sweep: E[ynew] = E[mu | y] (posterior mean of mu).
    let post =
        Chains.run
            (SamplerOptions.Default.WithChains(2).WithWarmup(200).WithDraws(4000).WithSeed(43))
            (planOf Rules.builtIn withPredictive ys)

    let x, mu = Posterior.chains "ynew" post, Posterior.chains "mu" post
    let mcse = sqrt (Diagnostics.mcseMean x ** 2.0 + Diagnostics.mcseMean mu ** 2.0)
    Assert.True(abs (Diagnostics.mean x - Diagnostics.mean mu) < 4.0 * mcse)
    // mu's posterior mean is far from the prior's 0, so a draw that ignored its parents would fail the check above
    Assert.True(abs (Diagnostics.mean mu) > 10.0 * mcse)

// ------------------------------------------------------------------ the nested derived Beta argument (issue 16, Why 4)

/// Litters nested in groups; the Beta prior of each litter's p reads a derived node over the enclosing group that
/// multiplies a group-level data column by a group parameter.
let private litters =
    model {
        let! mu = sample "mu" (Gamma(2.0, 2.0)) |> over "grp"
        let! a = derived "a" (data "nbar" * mu.[group "grp"]) |> over "grp"
        let! p = sample "p" (Beta(a.[group "grp"], 1.0)) |> over "litter"
        do! observe "y" (Binomial(data "n", p.[group "litter"]))
    }

let private litterData =
    Dataset.empty
    |> Dataset.labels "grp" [| "g1"; "g1"; "g1"; "g2"; "g2"; "g2" |]
    |> Dataset.labels "litter" [| "L1"; "L1"; "L2"; "L3"; "L4"; "L4" |]
    |> Dataset.reals "nbar" [| 2.0; 2.0; 2.0; 3.0; 3.0; 3.0 |]
    |> Dataset.integers "n" [| 5; 6; 4; 7; 3; 5 |]
    |> Dataset.integers "y" [| 2; 3; 1; 6; 2; 4 |]

let ``a Beta argument derived over an enclosing group from a data column gets the Beta-Binomial update`` () =
    let plan = planOf Rules.builtIn litters litterData
    let u = plan.Updates |> Array.find (fun u -> u.Node = "p")
    Assert.Equal(UpdateKind.Rule Rules.betaBinomial.Name, u.Kind)

let ``the nested Beta-Binomial update draws each litter from Beta(nbar mu + sum y, 1 + sum (n - y))`` () =
    let plan = planOf Rules.builtIn litters litterData
    let i = plan.Updates |> Array.findIndex (fun u -> u.Node = "p")
    let layout = plan.Bound.Layout
    let values = Array.zeroCreate layout.Size
    values.[layout.Offsets.["mu"]] <- 0.7
    values.[layout.Offsets.["mu"] + 1] <- 1.2
    let state = Gibbs.initialStateFor plan 0 0 values
    let rng = Random(47)
    let draws = 20000
    let l1, l3 = Array.zeroCreate draws, Array.zeroCreate draws
    let pOff = layout.Offsets.["p"]

    for k in 0 .. draws - 1 do
        Gibbs.runUpdate i rng state
        l1.[k] <- state.Values.[pOff]
        l3.[k] <- state.Values.[pOff + 2]

    // L1 (group g1: nbar 2, mu 0.7): Beta(1.4 + 5, 1 + 6); L3 (g2: nbar 3, mu 1.2): Beta(3.6 + 6, 1 + 1).
    for xs, a, b in [ l1, 6.4, 7.0; l3, 9.6, 2.0 ] do
        let mean, var = a / (a + b), a * b / ((a + b) ** 2.0 * (a + b + 1.0))
        let m = Array.average xs
        Assert.True(abs (m - mean) < 4.0 * sqrt (var / float draws), $"mean {m} vs Beta({a}, {b}) mean {mean}")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.RuleOutcomeTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.RuleOutcomeTests"
            [
                Expecto.Tests.testList
                    "each built-in rule matches its pattern and its executor builds an exact update of its own kind"
                    [
                        for row in ruleCases ->
                            Expecto.Tests.testCase
                                (row
                                 |> Array.map (function
                                     | :? string as s -> s
                                     | x -> sprintf "%A" x)
                                 |> String.concat ", ")
                                (fun () ->
                                    ``each built-in rule matches its pattern and its executor builds an exact update of its own kind`` (
                                        unbox row.[0]
                                    ))
                    ]
                Expecto.Tests.testList
                    "each built-in rule is not applicable to a node whose prior is outside its family"
                    [
                        for row in ruleCases ->
                            Expecto.Tests.testCase
                                (row
                                 |> Array.map (function
                                     | :? string as s -> s
                                     | x -> sprintf "%A" x)
                                 |> String.concat ", ")
                                (fun () ->
                                    ``each built-in rule is not applicable to a node whose prior is outside its family`` (
                                        unbox row.[0]
                                    ))
                    ]
                Expecto.Tests.testCase
                    "a rule whose prior family fits but whose children do not rejects the node with a reason"
                    (fun () ->
                        ``a rule whose prior family fits but whose children do not rejects the node with a reason`` ())
                Expecto.Tests.testCase
                    "the slice fallback lists only the reasons of rules that were about the node"
                    (fun () -> ``the slice fallback lists only the reasons of rules that were about the node`` ())
                Expecto.Tests.testCase
                    "an executor that throws fails compilation with a RuleFailed error naming the node, the rule and the exception"
                    (fun () ->
                        ``an executor that throws fails compilation with a RuleFailed error naming the node, the rule and the exception`` ())
                Expecto.Tests.testCase
                    "a sweep reports an update's argument refusal as a NumericalFailure but lets a bug propagate as itself"
                    (fun () ->
                        ``a sweep reports an update's argument refusal as a NumericalFailure but lets a bug propagate as itself`` ())
                Expecto.Tests.testCase
                    "a node nothing reads is drawn exactly from its prior given its parents and the plan says so"
                    (fun () ->
                        ``a node nothing reads is drawn exactly from its prior given its parents and the plan says so`` ())
                Expecto.Tests.testCase "prior draws of a node nothing reads match its prior within MCSE" (fun () ->
                    ``prior draws of a node nothing reads match its prior within MCSE`` ())
                Expecto.Tests.testCase "a prior draw reads its parents' current values" (fun () ->
                    ``a prior draw reads its parents' current values`` ())
                Expecto.Tests.testCase
                    "a Beta argument derived over an enclosing group from a data column gets the Beta-Binomial update"
                    (fun () ->
                        ``a Beta argument derived over an enclosing group from a data column gets the Beta-Binomial update`` ())
                Expecto.Tests.testCase
                    "the nested Beta-Binomial update draws each litter from Beta(nbar mu + sum y, 1 + sum (n - y))"
                    (fun () ->
                        ``the nested Beta-Binomial update draws each litter from Beta(nbar mu + sum y, 1 + sum (n - y))`` ())
            ])
