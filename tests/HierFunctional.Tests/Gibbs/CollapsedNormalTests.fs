/// The collapsed Normal-hierarchy update (θ and μ integrated out for τ, τ by independence Metropolis–Hastings from
/// its tabulated marginal, then μ and θ drawn exactly) against the quadrature posterior of eight schools
/// (`GridPosterior.normalHierarchy`): every check is |mean − exact| < 4 MCSE (sd likewise). With parameters in the
/// children (a regression offset, an unknown σ), τ is slice-sampled on its marginal given them: checked with β, σ
/// held fixed against eight schools' quadrature on the group means.
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

/// Eight groups of 1 to 16 rows with a regression offset: y_i ~ N(a[g_i] + β·x_i, σ), a_j ~ N(μ, τ), with σ²/n_j
/// of the order of τ² so that the group sizes shape τ's marginal.
let private offsetG =
    [| 1; 2; 3; 4; 6; 8; 12; 16 |]
    |> Array.mapi (fun j k -> Array.create k j)
    |> Array.concat

let private offsetXY =
    let rng = System.Random 7
    let x = offsetG |> Array.map (fun _ -> float (rng.Next 2) + 0.3 * rng.NextDouble())
    let level = [| -0.9; 0.5; -0.2; 0.8; 0.1; -0.5; 0.3; 0.9 |]

    let noise () =
        Array.init 12 (fun _ -> rng.NextDouble()) |> Array.sum |> (fun u -> u - 6.0)

    x, offsetG |> Array.mapi (fun i j -> level.[j] + 0.7 * x.[i] + noise ())

let private offsetRows =
    Dataset.empty
    |> Dataset.labels "g" (offsetG |> Array.map (fun j -> $"g{j}"))
    |> Dataset.reals "x" (fst offsetXY)
    |> Dataset.reals "y" (snd offsetXY)

let private offsetModel =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        let! tau = sample "tau" (HalfNormal 1.0)
        let! sigma = sample "sigma" (HalfNormal 1.0)
        let! beta = sample "beta" (Normal(0.0, 10.0))
        let! a = sample "a" (Normal(mu, tau)) |> over "g"
        do! observe "y" (Normal(a.[group "g"] + beta * data "x", sigma))
    }

/// Given β and σ the groups are eight schools on the group means of y − β·x with sds σ/√n_j: the quadrature
/// posterior of μ, τ and a (`GridPosterior.normalHierarchy`), with `dropN` leaving out the 1/√n_j.
let private offsetExact (beta: float) (sigma: float) (dropN: bool) =
    let x, y = offsetXY

    let means, sds =
        [| 0..7 |]
        |> Array.map (fun l ->
            let rs =
                [|
                    for i in 0 .. y.Length - 1 do
                        if offsetG.[i] = l then
                            y.[i] - beta * x.[i]
                |]

            Array.average rs, (if dropN then sigma else sigma / sqrt (float rs.Length)))
        |> Array.unzip

    GridPosterior.normalHierarchy 400 (MuPrior.Normal(0.0, 5.0)) (fun t -> -0.5 * t * t) means sds

let ``with a regression offset and beta, sigma held fixed, the collapsed step alone keeps the quadrature posterior of mu, tau and every a``
    ()
    =
    let beta, sigma = 0.7, 1.0
    let plan = planOf Rules.builtIn offsetModel offsetRows
    let collapsed = plan.Updates |> Array.filter (fun u -> u.Node = "mu, tau, a")
    Assert.Equal(1, collapsed.Length)
    Assert.Contains("tau by slice sampling on its marginal given the other parameters", collapsed.[0].Method)

    let post =
        Chains.run
            (SamplerOptions.Default
                .WithChains(4)
                .WithWarmup(200)
                .WithDraws(5000)
                .WithSeed(35)
                .WithInitialValue("beta", beta)
                .WithInitialValue("sigma", sigma))
            { plan with Updates = collapsed }

    Assert.Equal(
        beta,
        Posterior.chains "beta" post
        |> Array.concat
        |> Array.distinct
        |> Array.exactlyOne
    )

    let exact = offsetExact beta sigma false
    Assert.True(exact.IntegrationError < 1e-4, $"grid error {exact.IntegrationError}")
    assertMoments post "mu" exact.Mu
    assertMoments post "tau" exact.Tau

    for j in 0..7 do
        assertMoments post $"a[{j + 1}]" exact.Theta.[j]

    // The check has the power to see a marginal without the σ²/n_j of each group mean: its τ is far off.
    let wrong = offsetExact beta sigma true
    let taus = Posterior.chains "tau" post
    let mcse = Diagnostics.mcseMean taus

    Assert.True(
        abs (Diagnostics.mean taus - wrong.Tau.Mean) > 10.0 * mcse,
        $"tau mean {Diagnostics.mean taus} vs {wrong.Tau.Mean} without σ²/n_j, MCSE {mcse}"
    )

let ``a hierarchy whose observation sd is a parameter is collapsed with tau slice-sampled given sigma`` () =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfCauchy 5.0)
            let! sigma = sample "sigma" (HalfNormal 20.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], sigma))
        }

    let plan = planOf Rules.builtIn m schools
    Assert.Equal(2, plan.Updates.Length)
    Assert.Equal("mu, tau, theta", plan.Updates.[0].Node)
    Assert.Contains("slice sampling on its marginal given the other parameters", plan.Updates.[0].Method)

let ``a hierarchy with an unknown observation sd and more groups than the sliced step's limit keeps its one-node plan``
    ()
    =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfNormal 5.0)
            let! sigma = sample "sigma" (HalfNormal 5.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
            do! observe "y" (Normal(theta.[group "g"], sigma))
        }

    let rows j =
        Dataset.empty
        |> Dataset.labels "g" (Array.init (2 * j) (fun i -> $"g{i / 2}"))
        |> Dataset.reals "y" (Array.init (2 * j) (fun i -> float (i % 7) - 3.0))

    let collapsed j =
        (planOf Rules.builtIn m (rows j)).Updates
        |> Array.exists (fun u -> u.Kind = UpdateKind.CollapsedNormal)

    // the documented limit (docs/conjugacy.md, `CollapsedNormal.MaxSlicedGroups`)
    let limit = 10000
    Assert.True(collapsed limit)
    Assert.False(collapsed (limit + 1))

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
                    "with a regression offset and beta, sigma held fixed, the collapsed step alone keeps the quadrature posterior of mu, tau and every a"
                    (fun () ->
                        ``with a regression offset and beta, sigma held fixed, the collapsed step alone keeps the quadrature posterior of mu, tau and every a`` ())
                Expecto.Tests.testCase
                    "a hierarchy whose observation sd is a parameter is collapsed with tau slice-sampled given sigma"
                    (fun () ->
                        ``a hierarchy whose observation sd is a parameter is collapsed with tau slice-sampled given sigma`` ())
                Expecto.Tests.testCase
                    "a hierarchy with an unknown observation sd and more groups than the sliced step's limit keeps its one-node plan"
                    (fun () ->
                        ``a hierarchy with an unknown observation sd and more groups than the sliced step's limit keeps its one-node plan`` ())
            ])
