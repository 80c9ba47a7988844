/// ASIS interweaving of a random-effect scale through count children (GlmInterweave): one step applied to exact
/// joint posterior draws of a precision and its Poisson random effect leaves their distribution where it was; the
/// whole sampler matches the exact 2-D grid posterior; and the plan lists the step only where it applies.
module HierFunctional.Tests.Gibbs.GlmInterweaveTests

open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.LogisticTests
open HierFunctional.Tests.Gibbs.GlmSupport

let private ys = [| 2.0; 0.0; 3.0 |]
let private es = [| 1.0; 0.5; 1.5 |]

let private rows =
    Dataset.empty
    |> Dataset.labels "g" [| "a"; "a"; "a" |]
    |> Dataset.integers "y" (ys |> Array.map int)
    |> Dataset.reals "E" es

/// One random effect over a one-level group, its sd written as a precision (BUGS), a data offset in the rate.
let private precisionModel =
    model {
        let! tau = sample "tau" (Gamma(3.0, 2.0))
        let! u = sample "u" (Normal(0.0, 1.0 / sqrt tau)) |> over "g"
        do! observe "y" (Poisson(exp (0.3 + u.[group "g"]), data "E"))
    }

/// log p(τ, u | y) up to a constant: Gamma(3, 2) on τ, Normal(0, τ^−½) on u, Poisson rows with rate E·e^(0.3 + u).
let private logPost (tau: float) (u: float) =
    if tau <= 0.0 then
        -infinity
    else
        2.0 * log tau - 2.0 * tau + 0.5 * log tau - 0.5 * tau * u * u
        + Array.sum (Array.init 3 (fun i -> ys.[i] * (0.3 + u) - es.[i] * exp (0.3 + u)))

let private tauRange, uRange = (1e-4, 14.0), (-6.0, 6.0)

let private interweavingOf (plan: GibbsPlan) =
    plan.Updates |> Array.findIndex (fun u -> u.Kind = UpdateKind.Interweaving)

let ``one count-interweaving step leaves exact joint draws of a precision and its Poisson random effect distributed as the posterior``
    ()
    =
    let plan = planOf Rules.builtIn precisionModel rows
    let i = interweavingOf plan
    Assert.Equal("tau | u", plan.Updates.[i].Node)
    let draws, moments = gridDraws (MonteCarlo.rng 5) 40000 tauRange uRange logPost
    let out, _ = stepEach plan i ("tau", "u") (MonteCarlo.rng 8) draws

    // the step must move: a kernel that stays put passes any invariance check
    let moved =
        Array.map2 (fun (t0, _) (t1, _) -> t0 <> t1) draws out |> Array.filter id

    Assert.True(moved.Length > draws.Length / 2, $"only {moved.Length} of {draws.Length} draws moved")
    assertExactMomentsAfterOneStep ("tau", "u") moments out

let ``a precision and its Poisson random effect match the exact 2-D grid posterior with count interweaving`` () =
    let plan = planOf Rules.builtIn precisionModel rows
    let et, eu = grid2 tauRange uRange logPost
    let post = Chains.run options plan
    exactCheck post "tau" et
    exactCheck post "u[1]" eu

let ``the plan lists count interweaving as approximate for scales written as a precision, an sd or a variance`` () =
    let withScale (sd: Expr -> Expr) (prior: Dist) =
        model {
            let! t = sample "t" prior
            let! mu = sample "mu" (Normal(0.0, 1.0))
            let! u = sample "u" (Normal(mu, sd t)) |> over "g"
            do! observe "y" (Poisson(exp u.[group "g"], data "E"))
        }

    for m, expected in
        [
            withScale (fun t -> 1.0 / sqrt t) (Gamma(2.0, 1.0)), "mu, t | u"
            withScale id (HalfCauchy 1.0), "mu, t | u"
            withScale sqrt (InverseGamma(2.0, 1.0)), "mu, t | u"
        ] do
        let plan = planOf Rules.builtIn m rows
        let u = plan.Updates.[interweavingOf plan]
        Assert.Equal(expected, u.Node)
        Assert.Equal(Exactness.Markov, u.Exactness)
        Assert.Contains("interweaving (ASIS: slices t, then mu,", Gibbs.describe plan)

let ``count interweaving is left out when a count row reads the scale itself or interweaving is switched off`` () =
    let readsScale =
        model {
            let! tau = sample "tau" (Gamma(3.0, 2.0))
            let! u = sample "u" (Normal(0.0, 1.0 / sqrt tau)) |> over "g"
            do! observe "y" (Poisson(exp (u.[group "g"] + 0.1 * tau), data "E"))
        }

    let plan = planOf Rules.builtIn readsScale rows
    Assert.DoesNotContain(plan.Updates, (fun u -> u.Kind = UpdateKind.Interweaving))

    let off =
        planUsing (CompileSettings.Default.WithInterweaving false) precisionModel rows

    Assert.DoesNotContain(off.Updates, (fun u -> u.Kind = UpdateKind.Interweaving))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.GlmInterweaveTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.GlmInterweaveTests"
            [
                Expecto.Tests.testCase
                    "one count-interweaving step leaves exact joint draws of a precision and its Poisson random effect distributed as the posterior"
                    (fun () ->
                        ``one count-interweaving step leaves exact joint draws of a precision and its Poisson random effect distributed as the posterior`` ())
                Expecto.Tests.testCase
                    "a precision and its Poisson random effect match the exact 2-D grid posterior with count interweaving"
                    (fun () ->
                        ``a precision and its Poisson random effect match the exact 2-D grid posterior with count interweaving`` ())
                Expecto.Tests.testCase
                    "the plan lists count interweaving as approximate for scales written as a precision, an sd or a variance"
                    (fun () ->
                        ``the plan lists count interweaving as approximate for scales written as a precision, an sd or a variance`` ())
                Expecto.Tests.testCase
                    "count interweaving is left out when a count row reads the scale itself or interweaving is switched off"
                    (fun () ->
                        ``count interweaving is left out when a count row reads the scale itself or interweaving is switched off`` ())
            ])
