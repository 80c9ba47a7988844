/// The BUGS precision parameterisation: `NormalPrecision(mean, tau)` is Normal(mean, tau^-0.5), printed back as
/// written, read as a precision by every Normal conjugacy rule, and interwoven like an sd. Interweaving with a
/// precision or variance group scale is checked against the BDA3 §5.4 grid posterior (eight schools) and by its
/// effect on the per-draw ESS of a BUGS-style variance-components model (Dyes, BUGS Examples vol. 1).
module HierFunctional.Tests.Gibbs.PrecisionTests

open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Analytic
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.CanonicalModelTests
open type Distributions

/// The name of the first built-in rule that matches the node.
let firstRule (m: Model) (name: string) =
    let expanded = Graph.expand m
    let node = (Model.tryFind name expanded).Value

    Rules.builtIn
    |> List.tryFind (fun r -> (r.Try expanded node |> RuleOutcome.toOption).IsSome)
    |> Option.map (fun r -> r.Name)

/// What one recogniser finds for the node.
let recognise (r: Recogniser<'m>) (m: Model) (name: string) =
    let expanded = Graph.expand m
    r.Recognise expanded (Model.tryFind name expanded).Value

let ``NormalPrecision is a Normal with sd tau^-0.5 and prints back as NormalPrecision`` () =
    let m =
        model {
            let! tau = sample "tau" (Gamma(1.0, 1.0))
            let! _ = sample "theta" (NormalPrecision(2.0, tau))
            return ()
        }

    let theta = (Model.tryFind "theta" m).Value

    match theta.Kind with
    | NodeKind.Parameter(Dist.Normal(Const 2.0, Power(Param "tau", Const -0.5)) as d) ->
        let lp =
            Density.logPdf d [ Value.Scalar 2.0; Value.Scalar(0.25 ** -0.5) ] (Value.Scalar 3.1)

        Assert.Equal(MathNet.Numerics.Distributions.Normal.PDFLn(2.0, 2.0, 3.1), lp, 12)
    | other -> failwithf "unexpected %A" other

    Assert.Contains("theta ~ NormalPrecision(2, tau)", Print.model m)

/// A BUGS-style model written entirely with precisions: every node keeps its closed-form update.
let bugsStyle =
    model {
        let! mu = sample "mu" (NormalPrecision(0.0, 1.0E-4))
        let! tauB = sample "tauB" (Gamma(1.0, 1.0))
        let! tauW = sample "tauW" (Gamma(1.0, 1.0))
        let! theta = sample "theta" (NormalPrecision(mu, tauB)) |> over "g"
        do! observe "y" (NormalPrecision(theta.[group "g"], tauW))
    }

let ``the Normal-Normal mean rule matches a NormalPrecision prior and NormalPrecision children`` () =
    Assert.Equal(Some "Normal-Normal", firstRule bugsStyle "theta")
    Assert.Equal(Some "Normal-Normal", firstRule bugsStyle "mu")

    match
        recognise NormalConjugacy.normalMean bugsStyle "theta", recognise NormalConjugacy.normalMean bugsStyle "mu"
    with
    | RuleOutcome.Matched(Param "mu", Power(Param "tauB", Const -0.5), [ child ]),
      RuleOutcome.Matched(_, Power(Const 1.0E-4, Const -0.5), [ _ ]) ->
        Assert.Equal(Power(Param "tauW", Const -0.5), child.Sd)
    | other -> failwithf "unexpected %A" other

let ``the Normal-Gamma precision rule matches Gamma priors on NormalPrecision precisions`` () =
    for name in [ "tauB"; "tauW" ] do
        Assert.Equal(Some NormalConjugacy.normalScale.Name, firstRule bugsStyle name)

        match recognise NormalConjugacy.normalScale bugsStyle name with
        | RuleOutcome.Matched(ScaleLink.Precision, Dist.Gamma _, _) -> ()
        | other -> failwithf "%s: unexpected %A" name other

let ``the Normal block rule matches a NormalPrecision prior on a coefficient vector and precision children`` () =
    let m =
        model {
            let! beta = sample "beta" (NormalPrecision(0.0, 0.01)) |> sized 3
            let! tau = sample "tau" (Gamma(0.5, 0.5))
            do! observe "y" (NormalPrecision(dot (data "X") beta, tau))
        }

    Assert.Equal(Some "Normal-block (regression)", firstRule m "beta")

    match recognise NormalConjugacy.normalBlock m "beta", recognise NormalConjugacy.normalScale m "tau" with
    | RuleOutcome.Matched(Const 0.0, Power(Const 0.01, Const -0.5), [ child ]),
      RuleOutcome.Matched(ScaleLink.Precision, _, _) -> Assert.Equal(Power(Param "tau", Const -0.5), child.Sd)
    | other -> failwithf "unexpected %A" other

/// log p(σ) of σ = prec^-1/2 when prec ~ Gamma(a, rate b) (and of σ = √v when v ~ InverseGamma(a, b)):
/// Gamma(σ⁻²) |dprec/dσ| ∝ σ^−(2a+1) e^(−b/σ²).
let logSdPriorOfGammaPrecision (a: float) (b: float) (sd: float) =
    -(2.0 * a + 1.0) * log sd - b / (sd * sd)

/// Eight schools with the group scale written as a precision or a variance: the plan interweaves it, and the
/// chain matches the grid posterior of (μ, σ, θ) under the induced prior on σ.
let checkEightSchoolsScale (scalePrior: Dist) (sdOf: Expr -> Expr) (fixedText: string) (seed: int) =
    let d = csv "eight_schools.csv"
    let y, sigma = reals d "y", reals d "sigma"

    let exact =
        GridPosterior.normalHierarchy 400 (MuPrior.Normal(0.0, 5.0)) (logSdPriorOfGammaPrecision 2.0 50.0) y sigma

    Assert.True(exact.IntegrationError < 1e-4, $"grid error {exact.IntegrationError}")

    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! scale = sample "scale" scalePrior
            let! _ = derived "sd" (sdOf scale)
            let! theta = sample "theta" (Normal(mu, sdOf scale)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    let plan = planOf Rules.builtIn m d
    let weave = plan.Updates |> Array.find (fun u -> u.Method.StartsWith "interweaving")
    Assert.Equal($"interweaving (ASIS: moves mu, scale with {fixedText} fixed)", weave.Method)

    let post =
        Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(5000).WithSeed(seed)) plan

    assertMoments post "mu" exact.Mu
    assertMoments post "sd" exact.Tau

    for j in 0..7 do
        assertMean post $"theta[{j + 1}]" exact.Theta.[j].Mean

let ``eight schools with a Gamma precision is interwoven and matches its grid posterior`` () =
    checkEightSchoolsScale (Gamma(2.0, 50.0)) (fun p -> Power(p, Const -0.5)) "(theta - mu)*sqrt(scale)" 21

let ``eight schools with a precision written 1 over sqrt is interwoven and matches its grid posterior`` () =
    checkEightSchoolsScale (Gamma(2.0, 50.0)) (fun p -> 1.0 / sqrt p) "(theta - mu)*sqrt(scale)" 22

let ``eight schools with an InverseGamma variance is interwoven and matches its grid posterior`` () =
    checkEightSchoolsScale (InverseGamma(2.0, 50.0)) sqrt "(theta - mu)/sqrt(scale)" 23

// ------------------------------------------------------------------ Dyes (BUGS Examples vol. 1)

/// Dyes: yield of dyestuff in 6 batches × 5 samples (Davies 1967, BUGS Examples vol. 1), written as the BUGS
/// file writes it: precisions with Gamma(0.001, 0.001) priors and a NormalPrecision(0, 1e-10) grand mean.
let dyesData =
    let yields =
        [|
            [| 1545.; 1440.; 1440.; 1520.; 1580. |]
            [| 1540.; 1555.; 1490.; 1560.; 1495. |]
            [| 1595.; 1550.; 1605.; 1510.; 1560. |]
            [| 1445.; 1440.; 1595.; 1465.; 1545. |]
            [| 1595.; 1630.; 1515.; 1635.; 1625. |]
            [| 1520.; 1455.; 1450.; 1480.; 1445. |]
        |]

    Dataset.empty
    |> Dataset.labels "batch" (Array.init 30 (fun i -> $"b{i / 5 + 1}"))
    |> Dataset.reals "y" (Array.concat yields)

let dyes =
    model {
        let! theta = sample "theta" (NormalPrecision(0.0, 1.0E-10))
        let! tauWithin = sample "tau.within" (Gamma(0.001, 0.001))
        let! tauBetween = sample "tau.between" (Gamma(0.001, 0.001))
        let! mu = sample "mu" (NormalPrecision(theta, tauBetween)) |> over "batch"
        do! observe "y" (NormalPrecision(mu.[group "batch"], tauWithin))
    }

let dyesEss (interweaving: bool) =
    let plan =
        planUsing (CompileSettings.Default.WithInterweaving interweaving) dyes dyesData

    let o =
        SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(5000).WithSeed(5).WithInitial(Initial.Uniform)

    let post = Chains.run o plan
    plan, Diagnostics.essBulk (Posterior.chains "theta" post), Diagnostics.essBulk (Posterior.chains "tau.between" post)

let ``interweaving applies to Dyes written with precisions and raises the per-draw ESS of theta and tau.between`` () =
    let woven, thetaWoven, tauWoven = dyesEss true
    let _, thetaPlain, tauPlain = dyesEss false

    Assert.Contains(
        woven.Updates,
        fun u -> u.Method = "interweaving (ASIS: moves theta, tau.between with (mu - theta)*sqrt(tau.between) fixed)"
    )

    // the same seed and schedule except for the interweaving step; the gain is several-fold, so a factor of 2
    // is not a seed's luck
    Assert.True(thetaWoven > 2.0 * thetaPlain, $"ESS of theta: {thetaWoven} with interweaving vs {thetaPlain} without")

    Assert.True(tauWoven > 2.0 * tauPlain, $"ESS of tau.between: {tauWoven} with interweaving vs {tauPlain} without")

// ------------------------------------------------------------------ a precision typed as an sd

let priorOnly (prior: Dist) =
    model {
        let! b = sample "b" prior
        do! observe "y" (Normal(b, 1.0))
    }

let ``a Normal prior with an sd below 1e-3 of its mean's scale is warned about as a likely precision`` () =
    let warned = ModelWarning.check (priorOnly (Normal(0.0, 1.0E-6)))
    Assert.Equal<ModelWarning list>([ ModelWarning.SdLooksLikePrecision("b", 1.0E-6, 1.0) ], warned)

    Assert.Equal<ModelWarning list>(
        [ ModelWarning.SdLooksLikePrecision("b", 1.0, 5000.0) ],
        ModelWarning.check (priorOnly (Normal(5000.0, 1.0)))
    )

    Assert.Equal<ModelWarning list>(
        [ ModelWarning.SdLooksLikePrecision("b", 1.0E-4, 1.0) ],
        ModelWarning.check (priorOnly (TruncatedBelow(Normal(0.0, 1.0E-4), 0.0)))
    )

let ``the same prior written as NormalPrecision, or with an sd near its scale, gives no warning`` () =
    for prior in [ NormalPrecision(0.0, 1.0E-6); Normal(0.0, 0.01); Normal(5000.0, 10.0) ] do
        Assert.Empty(ModelWarning.check (priorOnly prior))

let ``the plan listing leads with the warning and says what to write instead`` () =
    let plan =
        planOf Rules.builtIn (priorOnly (Normal(0.0, 1.0E-6))) (Dataset.empty |> Dataset.reals "y" [| 1.0 |])

    let text = Gibbs.describe plan
    Assert.StartsWith("warning: node 'b': its Normal prior has sd 1E-06", text)
    Assert.Contains("write NormalPrecision(mean, 1E-06) (sd 1000)", text)
    Assert.Equal<ModelWarning list>(ModelWarning.check plan.Bound.Model, Gibbs.warnings plan)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.PrecisionTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.PrecisionTests"
            [
                Expecto.Tests.testCase
                    "NormalPrecision is a Normal with sd tau^-0.5 and prints back as NormalPrecision"
                    (fun () -> ``NormalPrecision is a Normal with sd tau^-0.5 and prints back as NormalPrecision`` ())
                Expecto.Tests.testCase
                    "the Normal-Normal mean rule matches a NormalPrecision prior and NormalPrecision children"
                    (fun () ->
                        ``the Normal-Normal mean rule matches a NormalPrecision prior and NormalPrecision children`` ())
                Expecto.Tests.testCase
                    "the Normal-Gamma precision rule matches Gamma priors on NormalPrecision precisions"
                    (fun () ->
                        ``the Normal-Gamma precision rule matches Gamma priors on NormalPrecision precisions`` ())
                Expecto.Tests.testCase
                    "the Normal block rule matches a NormalPrecision prior on a coefficient vector and precision children"
                    (fun () ->
                        ``the Normal block rule matches a NormalPrecision prior on a coefficient vector and precision children`` ())
                Expecto.Tests.testCase
                    "eight schools with a Gamma precision is interwoven and matches its grid posterior"
                    (fun () -> ``eight schools with a Gamma precision is interwoven and matches its grid posterior`` ())
                Expecto.Tests.testCase
                    "eight schools with a precision written 1 over sqrt is interwoven and matches its grid posterior"
                    (fun () ->
                        ``eight schools with a precision written 1 over sqrt is interwoven and matches its grid posterior`` ())
                Expecto.Tests.testCase
                    "eight schools with an InverseGamma variance is interwoven and matches its grid posterior"
                    (fun () ->
                        ``eight schools with an InverseGamma variance is interwoven and matches its grid posterior`` ())
                Expecto.Tests.testCase
                    "interweaving applies to Dyes written with precisions and raises the per-draw ESS of theta and tau.between"
                    (fun () ->
                        ``interweaving applies to Dyes written with precisions and raises the per-draw ESS of theta and tau.between`` ())
                Expecto.Tests.testCase
                    "a Normal prior with an sd below 1e-3 of its mean's scale is warned about as a likely precision"
                    (fun () ->
                        ``a Normal prior with an sd below 1e-3 of its mean's scale is warned about as a likely precision`` ())
                Expecto.Tests.testCase
                    "the same prior written as NormalPrecision, or with an sd near its scale, gives no warning"
                    (fun () ->
                        ``the same prior written as NormalPrecision, or with an sd near its scale, gives no warning`` ())
                Expecto.Tests.testCase
                    "the plan listing leads with the warning and says what to write instead"
                    (fun () -> ``the plan listing leads with the warning and says what to write instead`` ())
            ])
