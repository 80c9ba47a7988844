/// Group-level predictors: the mean of the group effects depends on a group covariate (radon: county intercepts
/// centred on γ0 + γ1·log uranium). Closed-form updates for γ, a Geweke test, the constant-within-group check,
/// and agreement with lme4 on the radon data.
module HierFunctional.Tests.Gibbs.GroupLevelTests

open System.IO
open HierFunctional.TestShim
open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.GewekeTests

let radonModel =
    model {
        let! g0 = sample "g0" (Normal(0.0, 10.0))
        let! g1 = sample "g1" (Normal(0.0, 10.0))
        let! tau = sample "tau" (HalfNormal 1.0)

        let! alpha =
            sample "alpha" (Normal(g0 + g1 * data "log_uranium", tau)) |> over "county"

        let! beta = sample "beta" (Normal(0.0, 10.0))
        let! sigma = sample "sigma" (HalfNormal 5.0)
        do! observe "log_radon" (Normal(alpha.[group "county"] + beta * data "floor", sigma))
    }

let dataDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "..", "docs", "data")
let radon = lazy (Csv.readOrThrow (Path.Combine(dataDir, "radon.csv")))

let ``the coefficients of a group-level predictor get closed-form Normal updates`` () =
    let plan = planOf Rules.builtIn radonModel radon.Value
    Assert.All(plan.Updates, fun u -> Assert.NotEqual<string>("slice", u.Method))
    Assert.Equal("Normal-Normal", (plan.Updates |> Array.find (fun u -> u.Node = "g1")).Method)

let ``a group-level column that varies within a group is refused naming the column and the level`` () =
    let bad = radon.Value |> Dataset.reals "log_uranium" (Array.init 919 float)

    match Bind.bind radonModel bad with
    | Error(ModelError.NotConstantWithinGroup("log_uranium", "county", "AITKIN") :: _) -> ()
    | other -> failwithf "expected NotConstantWithinGroup, got %A" other

let ``the group-level regression updates leave the prior invariant`` () =
    let m =
        model {
            let! g0 = sample "g0" (Normal(1.0, 2.0))
            let! g1 = sample "g1" (Normal(0.0, 1.0))
            let! tau = sample "tau" (HalfNormal 1.0)
            let! theta = sample "theta" (Normal(g0 + g1 * data "u", tau)) |> over "g"
            do! observe "y" (Normal(theta.[group "g"], data "s"))
        }

    let d =
        groups3
        |> Dataset.reals "u" [| -1.0; -1.0; 0.5; 2.0; 2.0; 2.0 |]
        |> Dataset.reals "y" (Array.zeroCreate 6)
        |> Dataset.reals "s" [| 1.0; 2.0; 0.5; 1.0; 1.0; 3.0 |]

    let out = simulate Rules.builtIn m d [ "g0"; "g1"; "theta[3]" ] iterations 3
    check "g0 mean" out.["g0"] id 1.0
    check "g1 mean" out.["g1"] id 0.0
    check "P(g1 < -1)" out.["g1"] (indicatorBelow -1.0) (Normal.CDF(0.0, 1.0, -1.0))
    // theta[3] = g0 + 2·g1 + tau·z: mean 1, variance 4 + 4 + E[tau²] = 9.
    check "theta[3] mean" out.["theta[3]"] id 1.0
    check "theta[3] second moment" out.["theta[3]"] (fun x -> x * x) 10.0

let ``radon population coefficients agree with lme4 within a quarter standard error`` () =
    let post =
        Chains.run (options.WithDraws(1500).WithWarmup(300)) (planOf Rules.builtIn radonModel radon.Value)

    let reference =
        File.ReadAllLines(Path.Combine(__SOURCE_DIRECTORY__, "..", "fixtures", "grouplevel", "radon_fixef.csv"))
        |> Array.skip 1
        |> Array.map (fun l -> l.Split ',' |> Array.map (fun s -> s.Trim '"'))

    for term, name in [ "(Intercept)", "g0"; "floor", "beta"; "log_uranium", "g1" ] do
        let r = reference |> Array.find (fun r -> r.[0] = term)
        let est, se = float r.[1], float r.[2]
        let x = Posterior.chains name post
        let m, mcse = Diagnostics.mean x, Diagnostics.mcseMean x

        Assert.True(
            abs (m - est) < 0.25 * se + 4.0 * mcse,
            $"{name}: posterior mean {m} vs lme4 {est} (se {se}), MCSE {mcse}"
        )

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.GroupLevelTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.GroupLevelTests"
            [
                Expecto.Tests.testCase
                    "the coefficients of a group-level predictor get closed-form Normal updates"
                    (fun () -> ``the coefficients of a group-level predictor get closed-form Normal updates`` ())
                Expecto.Tests.testCase
                    "a group-level column that varies within a group is refused naming the column and the level"
                    (fun () ->
                        ``a group-level column that varies within a group is refused naming the column and the level`` ())
                Expecto.Tests.testCase "the group-level regression updates leave the prior invariant" (fun () ->
                    ``the group-level regression updates leave the prior invariant`` ())
                Expecto.Tests.testCase
                    "radon population coefficients agree with lme4 within a quarter standard error"
                    (fun () -> ``radon population coefficients agree with lme4 within a quarter standard error`` ())
            ])
