/// The canonical models of the Gibbs issue against exact answers: the BDA3 §5.4 grid posterior for eight
/// schools (mu ~ Normal(0, 5), tau ~ HalfCauchy(5)) and the BDA3 §5.3 grid posterior for the Beta-Binomial
/// rat-tumour and surgical data under p(α, β) ∝ (α+β)^(−5/2). Every check is |mean − exact| < 4 MCSE.
module HierFunctional.Tests.Gibbs.CanonicalModelTests

open System.IO
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Analytic
open HierFunctional.Tests.Gibbs.GibbsTests
open type Distributions

let dataDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "..", "docs", "data")

let csv name =
    Csv.readOrThrow (Path.Combine(dataDir, name))

let reals (d: Dataset) name =
    match Dataset.tryColumn name d with
    | Some(Column.Reals xs) -> xs
    | Some(Column.Integers xs) -> Array.map float xs
    | other -> failwithf "column %s: %A" name other

let ints (d: Dataset) name =
    match Dataset.tryColumn name d with
    | Some(Column.Integers xs) -> xs
    | other -> failwithf "column %s: %A" name other

/// Mean and sd of a scalar within 4 MCSE of the exact moments.
let assertMoments (post: Posterior) (name: string) (exact: Moments) =
    assertMean post name exact.Mean
    assertSd post name exact.Sd

let ``eight schools matches the exact grid posterior of mu, tau and every theta`` () =
    let d = csv "eight_schools.csv"
    let y, sigma = reals d "y", reals d "sigma"

    let exact =
        GridPosterior.normalHierarchy 400 (MuPrior.Normal(0.0, 5.0)) (GridPosterior.halfCauchyTau 5.0) y sigma

    Assert.True(exact.IntegrationError < 1e-4, $"grid error {exact.IntegrationError}")

    let post =
        fit
            Rules.builtIn
            eightSchools
            d
            (SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(5000).WithSeed(3))

    assertMoments post "mu" exact.Mu
    assertMoments post "tau" exact.Tau

    for j in 0..7 do
        assertMean post $"theta[{j + 1}]" exact.Theta.[j].Mean


/// The Beta-Binomial model on `d` under `settings` (the tabulated hyperparameter step on or off) against the BDA3
/// grid posterior.
let checkBetaBinomialUsing
    (settings: CompileSettings)
    (d: Dataset)
    (groupColumn: string)
    (successes: string)
    (thetas: int list)
    =
    let ys, ns = ints d successes, ints d "n"
    let exact = GridPosterior.betaBinomial 100 ys ns
    Assert.True(exact.IntegrationError < 1e-4, $"grid error {exact.IntegrationError}")
    let plan = planUsing settings (Examples.betaBinomial groupColumn successes) d
    // alpha and beta move with theta integrated out, then theta is drawn: one update of the three
    Assert.Equal(UpdateKind.Rule Rules.collapsedBetaBinomial.Name, plan.Updates.[0].Kind)
    Assert.Equal("alpha, beta, theta", plan.Updates.[0].Node)
    Assert.Equal(1, plan.Updates.Length)

    let post =
        Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(5000).WithSeed(5)) plan

    assertMoments post "log_ratio" exact.LogRatio
    assertMoments post "log_sum" exact.LogSum
    assertMoments post "pop_mean" exact.PopulationMean

    for j in thetas do
        assertMoments post $"theta[{j}]" exact.Theta.[j - 1]

let checkBetaBinomial = checkBetaBinomialUsing CompileSettings.Default

/// The collapsed Beta-Binomial update with the two hyperparameters sliced in turn (the plan before the table).
let slicedPair = CompileSettings.Default.WithTabulatedHyperparameters false

let ``rat tumours match the BDA3 grid posterior of the hyperparameters and the tumour rates`` () =
    checkBetaBinomial (csv "rats.csv") "experiment" "y" [ 1; 35; 71 ]

let ``surgical matches the grid posterior of the hyperparameters and the mortality rates`` () =
    checkBetaBinomial (csv "surgical.csv") "hospital" "r" [ 1; 4; 8 ]

let ``rat tumours with the hyperparameters sliced instead of tabulated match the BDA3 grid posterior`` () =
    checkBetaBinomialUsing slicedPair (csv "rats.csv") "experiment" "y" [ 1; 35; 71 ]

let ``surgical with the hyperparameters sliced instead of tabulated matches the grid posterior`` () =
    checkBetaBinomialUsing slicedPair (csv "surgical.csv") "hospital" "r" [ 1; 4; 8 ]

/// The one-node-at-a-time plan with interweaving (what eight schools used before the collapsed update).
let interweaved = CompileSettings.Default.WithCollapsedNormal false

/// Eight schools with another half-t prior on τ: the interweaving step then draws (μ, τ) | η exactly (the
/// bivariate-Normal block), and the chain must still match the grid posterior under that prior.
let checkEightSchoolsTauPrior (tauPrior: Dist) (logTauPrior: float -> float) (seed: int) =
    let d = csv "eight_schools.csv"
    let y, sigma = reals d "y", reals d "sigma"

    let exact =
        GridPosterior.normalHierarchy 400 (MuPrior.Normal(0.0, 5.0)) logTauPrior y sigma

    Assert.True(exact.IntegrationError < 1e-4, $"grid error {exact.IntegrationError}")

    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" tauPrior
            let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    let plan = planUsing interweaved m d
    let weave = plan.Updates |> Array.find (fun u -> u.Method.StartsWith "interweaving")
    Assert.StartsWith("interweaving (ASIS: draws mu, tau exactly", weave.Method)

    let post =
        Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(5000).WithSeed(seed)) plan

    assertMoments post "mu" exact.Mu
    assertMoments post "tau" exact.Tau

    for j in 0..7 do
        assertMean post $"theta[{j + 1}]" exact.Theta.[j].Mean

let ``eight schools with a half-normal tau drawn exactly by interweaving matches its grid posterior`` () =
    checkEightSchoolsTauPrior (HalfNormal 5.0) (fun t -> -0.5 * (t / 5.0) ** 2.0) 11

let ``eight schools with a half-t(3) tau drawn exactly by interweaving matches its grid posterior`` () =
    checkEightSchoolsTauPrior (HalfStudentT(3.0, 5.0)) (fun t -> -2.0 * log (1.0 + (t / 5.0) ** 2.0 / 3.0)) 12

let ``with the collapsed update off the eight schools plan draws mu and tau exactly in its interweaving step`` () =
    let plan = planUsing interweaved eightSchools (csv "eight_schools.csv")
    let weave = plan.Updates |> Array.find (fun u -> u.Method.StartsWith "interweaving")
    Assert.StartsWith("interweaving (ASIS: draws mu, tau exactly", weave.Method)

let ``non-centred eight schools with mu and tau drawn jointly matches the exact grid posterior`` () =
    let d = csv "eight_schools.csv"
    let y, sigma = reals d "y", reals d "sigma"

    let exact =
        GridPosterior.normalHierarchy 400 (MuPrior.Normal(0.0, 5.0)) (GridPosterior.halfCauchyTau 5.0) y sigma

    let plan =
        match
            Bind.bind Examples.eightSchoolsNonCentred d
            |> Result.bind (
                Gibbs.compileUsing (CompileSettings.Default.WithJointLocationScale(true).WithCollapsedNormal false)
            )
        with
        | Ok p -> p
        | Error e -> failwith $"%A{e}"

    Assert.Equal(
        "mu, tau: Normal location and positive scale, jointly",
        plan.Updates |> Array.map (fun u -> $"{u.Node}: {u.Method}") |> Array.head
    )

    let post =
        Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(5000).WithSeed(21)) plan

    assertMoments post "mu" exact.Mu
    assertMoments post "tau" exact.Tau

    // θ_j = μ + τη_j: its sd depends on the joint of (μ, τ, η), not only on the marginals.
    for j in 0..7 do
        assertMoments post $"theta[{j + 1}]" exact.Theta.[j]

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.CanonicalModelTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.CanonicalModelTests"
            [
                Expecto.Tests.testCase
                    "eight schools matches the exact grid posterior of mu, tau and every theta"
                    (fun () -> ``eight schools matches the exact grid posterior of mu, tau and every theta`` ())
                Expecto.Tests.testCase
                    "rat tumours match the BDA3 grid posterior of the hyperparameters and the tumour rates"
                    (fun () ->
                        ``rat tumours match the BDA3 grid posterior of the hyperparameters and the tumour rates`` ())
                Expecto.Tests.testCase
                    "surgical matches the grid posterior of the hyperparameters and the mortality rates"
                    (fun () ->
                        ``surgical matches the grid posterior of the hyperparameters and the mortality rates`` ())
                Expecto.Tests.testCase
                    "rat tumours with the hyperparameters sliced instead of tabulated match the BDA3 grid posterior"
                    (fun () ->
                        ``rat tumours with the hyperparameters sliced instead of tabulated match the BDA3 grid posterior`` ())
                Expecto.Tests.testCase
                    "surgical with the hyperparameters sliced instead of tabulated matches the grid posterior"
                    (fun () ->
                        ``surgical with the hyperparameters sliced instead of tabulated matches the grid posterior`` ())
                Expecto.Tests.testCase
                    "eight schools with a half-normal tau drawn exactly by interweaving matches its grid posterior"
                    (fun () ->
                        ``eight schools with a half-normal tau drawn exactly by interweaving matches its grid posterior`` ())
                Expecto.Tests.testCase
                    "eight schools with a half-t(3) tau drawn exactly by interweaving matches its grid posterior"
                    (fun () ->
                        ``eight schools with a half-t(3) tau drawn exactly by interweaving matches its grid posterior`` ())
                Expecto.Tests.testCase
                    "with the collapsed update off the eight schools plan draws mu and tau exactly in its interweaving step"
                    (fun () ->
                        ``with the collapsed update off the eight schools plan draws mu and tau exactly in its interweaving step`` ())
                Expecto.Tests.testCase
                    "non-centred eight schools with mu and tau drawn jointly matches the exact grid posterior"
                    (fun () ->
                        ``non-centred eight schools with mu and tau drawn jointly matches the exact grid posterior`` ())
            ])
