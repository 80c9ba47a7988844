/// The collapsed Normal-hierarchy update (θ and μ integrated out for τ, τ by independence Metropolis–Hastings from
/// its tabulated marginal, then μ and θ drawn exactly) against the quadrature posterior of eight schools
/// (`GridPosterior.normalHierarchy`): every check is |mean − exact| < 4 MCSE (sd likewise).
module HierFunctional.Tests.Gibbs.CollapsedNormalTests

open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Analytic
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.CanonicalModelTests
open type Distributions

let private schools = csv "eight_schools.csv"

let private exactFor (logTauPrior: float -> float) =
    let exact =
        GridPosterior.normalHierarchy
            400
            (MuPrior.Normal(0.0, 5.0))
            logTauPrior
            (reals schools "y")
            (reals schools "sigma")

    Assert.True(exact.IntegrationError < 1e-4, $"grid error {exact.IntegrationError}")
    exact

/// The plan is the one collapsed update; the chain matches the grid in μ, τ and every θ_j (mean and sd).
let private check (m: Model) (logTauPrior: float -> float) (groups: string) (seed: int) =
    let exact = exactFor logTauPrior
    let plan = planOf Rules.builtIn m schools
    Assert.Equal(1, plan.Updates.Length)
    Assert.Equal($"mu, tau, {groups}", plan.Updates.[0].Node)
    Assert.StartsWith("collapsed Normal hierarchy", plan.Updates.[0].Method)

    let post =
        Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(200).WithDraws(5000).WithSeed(seed)) plan

    assertMoments post "mu" exact.Mu
    assertMoments post "tau" exact.Tau

    for j in 0..7 do
        assertMoments post $"theta[{j + 1}]" exact.Theta.[j]

    post

let ``non-centred eight schools drawn by the collapsed update matches the quadrature posterior of mu, tau and every theta``
    ()
    =
    check Examples.eightSchoolsNonCentred (GridPosterior.halfCauchyTau 5.0) "eta" 31
    |> ignore

let ``centred eight schools drawn by the collapsed update matches the quadrature posterior of mu, tau and every theta``
    ()
    =
    check Examples.eightSchools (GridPosterior.halfCauchyTau 5.0) "theta" 32
    |> ignore

let ``centred eight schools with a half-normal tau drawn by the collapsed update matches its quadrature posterior`` () =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfNormal 5.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    check m (fun t -> -0.5 * (t / 5.0) ** 2.0) "theta" 33 |> ignore

let ``the collapsed update draws tau nearly independently: bulk-ESS of tau at least 0.7 per draw`` () =
    let post =
        check Examples.eightSchoolsNonCentred (GridPosterior.halfCauchyTau 5.0) "eta" 34

    let ess = Diagnostics.essBulk (Posterior.chains "tau" post)
    Assert.True(ess > 0.7 * 20000.0, $"tau bulk-ESS {ess} of 20000 draws")

let ``a hierarchy whose observation sd is a parameter keeps the one-node-at-a-time plan`` () =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfCauchy 5.0)
            let! sigma = sample "sigma" (HalfNormal 20.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], sigma))
        }

    let plan = planOf Rules.builtIn m schools

    Assert.True(
        plan.Updates
        |> Array.forall (fun u -> not (u.Method.StartsWith "collapsed Normal")),
        Gibbs.describe plan
    )

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.CollapsedNormalTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.CollapsedNormalTests"
            [
                Expecto.Tests.testCase
                    "non-centred eight schools drawn by the collapsed update matches the quadrature posterior of mu, tau and every theta"
                    (fun () ->
                        ``non-centred eight schools drawn by the collapsed update matches the quadrature posterior of mu, tau and every theta`` ())
                Expecto.Tests.testCase
                    "centred eight schools drawn by the collapsed update matches the quadrature posterior of mu, tau and every theta"
                    (fun () ->
                        ``centred eight schools drawn by the collapsed update matches the quadrature posterior of mu, tau and every theta`` ())
                Expecto.Tests.testCase
                    "centred eight schools with a half-normal tau drawn by the collapsed update matches its quadrature posterior"
                    (fun () ->
                        ``centred eight schools with a half-normal tau drawn by the collapsed update matches its quadrature posterior`` ())
                Expecto.Tests.testCase
                    "the collapsed update draws tau nearly independently: bulk-ESS of tau at least 0.7 per draw"
                    (fun () ->
                        ``the collapsed update draws tau nearly independently: bulk-ESS of tau at least 0.7 per draw`` ())
                Expecto.Tests.testCase
                    "a hierarchy whose observation sd is a parameter keeps the one-node-at-a-time plan"
                    (fun () -> ``a hierarchy whose observation sd is a parameter keeps the one-node-at-a-time plan`` ())
            ])
