/// Every built-in conjugacy rule, checked on its example from the Testing kit by test lists generated over
/// `Rules.builtIn` (a new rule without an example fails here): its update draws from the node's full conditional
/// (Rao–Blackwell identity against quadrature of the log-density), Geweke's joint-distribution test, and for
/// one-parameter examples the fitted posterior against quadrature within 4 MCSE.
module HierFunctional.Tests.Gibbs.BuiltInRuleTests

open Expecto
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Testing
open HierFunctional.Testing.Expecto

[<Tests>]
let tests =
    testList
        "HierFunctional.Tests.Gibbs.BuiltInRuleTests"
        [
            Identities.rules RuleExamples.builtIn Rules.builtIn
            testCase "every built-in rule has an example in the Testing kit" (fun () ->
                match RuleExamples.forRules RuleExamples.builtIn Rules.builtIn with
                | Ok found -> Expect.equal found.Length Rules.builtIn.Length "one example per rule"
                | Error msg -> failtest msg)
        ]
