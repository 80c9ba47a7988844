/// The conditionally centred move of the scale of logistic random effects (ConditionalCentring), non-centred (σ·b,
/// Oxford) and centred (b ~ Normal(0, τ^−½), seeds): one step applied to exact joint posterior draws of the scale and
/// its effect leaves their distribution where it was, and the plan lists the non-centred step only where the rows
/// read the scale and the effect as their product alone.
module HierFunctional.Tests.Gibbs.ConditionalCentringTests

open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.GlmSupport

let private ys = [| 9.0; 2.0; 14.0 |]
let private ns = [| 12.0; 10.0; 20.0 |]
let private ks = [| 1.0; 0.5; 1.0 |]

let private rows =
    Dataset.empty
    |> Dataset.labels "g" [| "a"; "a"; "a" |]
    |> Dataset.integers "y" (ys |> Array.map int)
    |> Dataset.integers "n" (ns |> Array.map int)
    |> Dataset.reals "k" ks

/// Oxford's form on one level: σ ~ Uniform(0, 3) scales b ~ Normal(0, 1) in binomial-logit rows with a data factor.
let private scaleModel =
    model {
        let! sigma = sample "sigma" (Uniform(0.0, 3.0))
        let! b = sample "b" (Normal(0.0, 1.0)) |> over "g"
        do! observe "y" (Binomial(data "n", invLogit (0.3 + data "k" * (sigma * b.[group "g"]))))
    }

/// log p(σ, b | y) up to a constant.
let private logPost (sigma: float) (b: float) =
    if sigma <= 0.0 || sigma >= 3.0 then
        -infinity
    else
        -0.5 * b * b
        + Array.sum (
            Array.init 3 (fun i ->
                let eta = 0.3 + ks.[i] * sigma * b
                ys.[i] * eta - ns.[i] * log (1.0 + exp eta))
        )

let private stepOf (plan: GibbsPlan) =
    plan.Updates |> Array.findIndex (fun u -> u.Node = "sigma")

let ``one conditionally centred step leaves exact joint draws of a scale and its non-centred logistic effect distributed as the posterior``
    ()
    =
    let plan = planOf Rules.builtIn scaleModel rows
    let i = stepOf plan
    Assert.Equal(UpdateKind.Interweaving, plan.Updates.[i].Kind)

    let draws, moments =
        gridDraws (MonteCarlo.rng 5) 40000 (0.005, 2.995) (-6.0, 6.0) logPost

    let out, _ = stepEach plan i ("sigma", "b") (MonteCarlo.rng 8) draws

    // the step must move: a kernel that stays put passes any invariance check
    let moved =
        Array.map2 (fun (s0, _) (s1, _) -> s0 <> s1) draws out |> Array.filter id

    Assert.True(moved.Length > draws.Length / 2, $"only {moved.Length} of {draws.Length} draws moved")
    assertExactMomentsAfterOneStep ("sigma", "b") moments out

/// Seeds' form on one level: b ~ Normal(0, τ^−½) (a precision, BUGS) in binomial-logit rows that collapse to one.
let private precisionModel =
    model {
        let! tau = sample "tau" (Gamma(2.0, 1.0))
        let! b = sample "b" (Normal(0.0, 1.0 / sqrt tau)) |> over "g"
        do! observe "y" (Binomial(data "n", invLogit (0.3 + b.[group "g"])))
    }

/// log p(τ, b | y) up to a constant.
let private logPostPrecision (tau: float) (b: float) =
    if tau <= 0.0 then
        -infinity
    else
        log tau - tau + 0.5 * log tau - 0.5 * tau * b * b
        + Array.sum (
            Array.init 3 (fun i ->
                let eta = 0.3 + b
                ys.[i] * eta - ns.[i] * log (1.0 + exp eta))
        )

let ``one conditionally centred step leaves exact joint draws of a precision and its centred logistic effect distributed as the posterior``
    ()
    =
    let plan = planOf Rules.builtIn precisionModel rows
    let i = plan.Updates |> Array.findIndex (fun u -> u.Node = "tau | b")
    Assert.Contains("conditional centring", plan.Updates.[i].Method)

    let draws, moments =
        gridDraws (MonteCarlo.rng 6) 40000 (0.01, 14.0) (-4.0, 4.0) logPostPrecision

    let out, _ = stepEach plan i ("tau", "b") (MonteCarlo.rng 9) draws

    let moved =
        Array.map2 (fun (t0, _) (t1, _) -> t0 <> t1) draws out |> Array.filter id

    Assert.True(moved.Length > draws.Length / 2, $"only {moved.Length} of {draws.Length} draws moved")
    assertExactMomentsAfterOneStep ("tau", "b") moments out

let ``the conditionally centred step is left out when a row reads the effect without the scale or interweaving is off``
    ()
    =
    let alsoAlone =
        model {
            let! sigma = sample "sigma" (Uniform(0.0, 3.0))
            let! b = sample "b" (Normal(0.0, 1.0)) |> over "g"
            do! observe "y" (Binomial(data "n", invLogit (0.3 * b.[group "g"] + sigma * b.[group "g"])))
        }

    let plan = planOf Rules.builtIn alsoAlone rows
    Assert.DoesNotContain(plan.Updates, (fun u -> u.Node = "sigma" && u.Kind = UpdateKind.Interweaving))

    let off = planUsing (CompileSettings.Default.WithInterweaving false) scaleModel rows
    Assert.DoesNotContain(off.Updates, (fun u -> u.Node = "sigma" && u.Kind = UpdateKind.Interweaving))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.ConditionalCentringTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.ConditionalCentringTests"
            [
                Expecto.Tests.testCase
                    "one conditionally centred step leaves exact joint draws of a scale and its non-centred logistic effect distributed as the posterior"
                    (fun () ->
                        ``one conditionally centred step leaves exact joint draws of a scale and its non-centred logistic effect distributed as the posterior`` ())
                Expecto.Tests.testCase
                    "one conditionally centred step leaves exact joint draws of a precision and its centred logistic effect distributed as the posterior"
                    (fun () ->
                        ``one conditionally centred step leaves exact joint draws of a precision and its centred logistic effect distributed as the posterior`` ())
                Expecto.Tests.testCase
                    "the conditionally centred step is left out when a row reads the effect without the scale or interweaving is off"
                    (fun () ->
                        ``the conditionally centred step is left out when a row reads the effect without the scale or interweaving is off`` ())
            ])
