/// The collapsed Beta-Binomial rule: its marginal likelihood against MathNet's log-Beta, what it recognises, and its
/// posterior against 2-D quadrature of the hyperparameters' marginal posterior (θ integrated in closed form) on a
/// small data set, on both of its scales.
module HierFunctional.Tests.Gibbs.CollapsedBetaBinomialTests

open System
open MathNet.Numerics
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Testing
open HierFunctional.Tests.Gibbs.GibbsTests
open type Distributions

// ------------------------------------------------------------------ the marginal likelihood

/// Σ_g log B(a + y_g, b + f_g) − log B(a, b) by MathNet, the independent reference.
let private referenceMarginal (ys: float[]) (fs: float[]) (a: float) (b: float) =
    Array.map2 (fun y f -> SpecialFunctions.BetaLn(a + y, b + f) - SpecialFunctions.BetaLn(a, b)) ys fs
    |> Array.sum

let private totals =
    [
        [| 0.0; 2.0; 5.0; 1.0; 0.0 |], [| 20.0; 17.0; 14.0; 19.0; 0.0 |] // rats-like, one empty group
        [| 3.0; 3.0; 3.0 |], [| 1.0; 1.0; 1.0 |] // repeated totals
        [| 41.0; 25.0; 2.0 |], [| 769.0; 185.0; 45.0 |] // surgical-like, large trials
        [| 9.7e8; 3.0 |], [| 1.0e7; 9.8e8 |] // trials near 1e9: the log-gamma form, built at once
    ]

let ``both forms of the marginal likelihood equal the sum of log-Beta ratios`` () =
    for ys, fs in totals do
        let chosen = BetaBinomialMarginal.create ys fs
        let byLogGamma = BetaBinomialMarginal.createByLogGamma ys fs

        for a, b in [ 0.05, 0.3; 1.0, 1.0; 2.4, 14.1; 37.0, 250.0; 1e4, 3e4 ] do
            let truth = referenceMarginal ys fs a b
            let tol = 1e-9 * max 1.0 (abs truth)
            Assert.True(abs (chosen a b - truth) < tol, $"chosen form at ({a}, {b}): {chosen a b} vs {truth}")

            Assert.True(
                abs (byLogGamma a b - truth) < tol,
                $"log-gamma form at ({a}, {b}): {byLogGamma a b} vs {truth}"
            )

let ``the marginal likelihood is minus infinity outside a, b > 0`` () =
    let f = BetaBinomialMarginal.create [| 1.0 |] [| 2.0 |]
    Assert.True(Double.IsNegativeInfinity(f 0.0 1.0))
    Assert.True(Double.IsNegativeInfinity(f 1.0 -1.0))

// ------------------------------------------------------------------ what the rule recognises

let private outcome (m: Model) (node: string) =
    let expanded = Graph.expand m
    Rules.collapsedBetaBinomial.Try expanded (Model.tryFind node expanded).Value

let private meanAndCount =
    model {
        let! mu = sample "mu" (Beta(2.0, 2.0))
        let! kappa = sample "kappa" (Gamma(2.0, 0.1))
        let! theta = sample "theta" (Beta(mu * kappa, (1.0 - mu) * kappa)) |> over "g"
        do! observe "y" (Binomial(data "n", theta.[group "g"]))
    }

let ``the rule claims the first hyperparameter of Beta rates with Binomial children and leaves the second to a slice``
    ()
    =
    Assert.True((outcome Examples.rats "alpha").IsMatched, "alpha")
    Assert.True((outcome meanAndCount "mu").IsMatched, "mu of Beta(mu kappa, (1 - mu) kappa)")

    match outcome Examples.rats "beta" with
    | RuleOutcome.Rejected why -> Assert.Contains("moves with 'alpha'", why)
    | other -> failwithf "beta: %A" other

let ``the rule rejects Beta rates with Poisson children or three hyperparameters and ignores other nodes`` () =
    let poisson =
        model {
            let! a = sample "a" (Gamma(2.0, 1.0))
            let! b = sample "b" (Gamma(2.0, 1.0))
            let! p = sample "p" (Beta(a, b)) |> over "g"
            do! observe "y" (Poisson(p.[group "g"], 1.0))
        }

    let three =
        model {
            let! a = sample "a" (Gamma(2.0, 1.0))
            let! b = sample "b" (Gamma(2.0, 1.0))
            let! c = sample "c" (Gamma(2.0, 1.0))
            let! p = sample "p" (Beta(a * c, b)) |> over "g"
            do! observe "y" (Binomial(data "n", p.[group "g"]))
        }

    let normal =
        model {
            let! mu = sample "mu" (Normal(0.0, 1.0))
            do! observe "y" (Normal(mu, 1.0))
        }

    match outcome poisson "a", outcome three "a" with
    | RuleOutcome.Rejected p, RuleOutcome.Rejected t ->
        Assert.Contains("not Binomial or Bernoulli", p)
        Assert.Contains("3 parameters", t)
    | other -> failwithf "%A" other

    Assert.True((outcome normal "mu").IsNotApplicable)

// ------------------------------------------------------------------ the posterior against 2-D quadrature

/// Five groups, the first with two rows (its totals are summed).
let private counts =
    Dataset.empty
    |> Dataset.labels "g" [| "a"; "a"; "b"; "c"; "d"; "e" |]
    |> Dataset.integers "y" [| 1; 0; 4; 7; 2; 9 |]
    |> Dataset.integers "n" [| 6; 5; 9; 10; 12; 11 |]

/// Per group (successes, trials) in level order, summed over rows.
let private groupTotals = [| 1.0, 11.0; 4.0, 9.0; 7.0, 10.0; 2.0, 12.0; 9.0, 11.0 |]

/// Moments of the named quantities under the density ∝ exp(logq(x, z)) on the box [lo, hi]² by the 2-D trapezoid
/// rule with n points per axis; each quantity is E[g] and E[g²] given (x, z) (conditional moments for θ).
let private quadrature2
    (logq: float -> float -> float)
    (lo: float)
    (hi: float)
    (n: int)
    (qs: (string * (float -> float -> float * float)) list)
    =
    let h = (hi - lo) / float (n - 1)
    let xs = Array.init n (fun i -> lo + h * float i)
    let lq = Array2D.init n n (fun i k -> logq xs.[i] xs.[k])
    let peak = lq |> Seq.cast<float> |> Seq.filter Double.IsFinite |> Seq.max
    let edge i = if i = 0 || i = n - 1 then 0.5 else 1.0
    let mutable z = 0.0
    let sums = Array.zeroCreate (2 * qs.Length)
    let fs = qs |> List.map snd |> Array.ofList

    for i in 0 .. n - 1 do
        for k in 0 .. n - 1 do
            let w = edge i * edge k * exp (lq.[i, k] - peak)

            if w > 0.0 then
                z <- z + w

                for q in 0 .. fs.Length - 1 do
                    let m1, m2 = fs.[q] xs.[i] xs.[k]
                    sums.[2 * q] <- sums.[2 * q] + w * m1
                    sums.[2 * q + 1] <- sums.[2 * q + 1] + w * m2

    // the density must have decayed at the box's edges, or the box cuts off mass
    let edgeMax =
        [
            for j in 0 .. n - 1 do
                yield lq.[0, j]
                yield lq.[n - 1, j]
                yield lq.[j, 0]
                yield lq.[j, n - 1]
        ]
        |> List.max

    Assert.True(edgeMax < peak - 30.0, $"the quadrature box cuts off mass ({edgeMax} vs peak {peak})")

    qs
    |> List.mapi (fun q (name, _) ->
        let m1, m2 = sums.[2 * q] / z, sums.[2 * q + 1] / z

        {
            Name = name
            Mean = m1
            Sd = sqrt (max 0.0 (m2 - m1 * m1))
        })

/// log Π_g B(a + y_g, b + n_g − y_g)/B(a, b) by MathNet.
let private logMarginal (a: float) (b: float) =
    groupTotals
    |> Array.sumBy (fun (y, n) -> SpecialFunctions.BetaLn(a + y, b + n - y) - SpecialFunctions.BetaLn(a, b))

/// E[θ_g | a, b, y] and E[θ_g² | a, b, y] of Beta(a + y_g, b + n_g − y_g).
let private thetaMoments (g: int) (a: float) (b: float) =
    let y, n = groupTotals.[g]
    let m = (a + y) / (a + b + n)
    m, m * m + m * (1.0 - m) / (a + b + n + 1.0)

let private options =
    SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(5000).WithSeed(11)

let private thetas (ab: float -> float -> float * float) =
    List.init groupTotals.Length (fun g -> $"theta[{g + 1}]", (fun x z -> ab x z ||> thetaMoments g))

let private expectPassed (c: CheckResult) = Assert.True(c.Passed, c.Message)

let ``with Gamma priors on a and b the posterior of a, b and every theta matches 2-D quadrature`` () =
    let m =
        model {
            let! a = sample "a" (Gamma(2.0, 0.5))
            let! b = sample "b" (Gamma(2.0, 0.25))
            let! theta = sample "theta" (Beta(a, b)) |> over "g"
            do! observe "y" (Binomial(data "n", theta.[group "g"]))
        }

    let plan = planOf Rules.builtIn m counts
    Assert.Equal(UpdateKind.Rule Rules.collapsedBetaBinomial.Name, plan.Updates.[0].Kind)
    Assert.Contains("tabulated marginal", plan.Updates.[0].Method)

    // on (log a, log b): Gamma priors, the Jacobian a·b and the Beta-Binomial marginal
    let logq x z =
        let a, b = exp x, exp z

        MathNet.Numerics.Distributions.Gamma.PDFLn(2.0, 0.5, a)
        + MathNet.Numerics.Distributions.Gamma.PDFLn(2.0, 0.25, b)
        + x
        + z
        + logMarginal a b

    let ab x z = exp x, exp z

    let exact =
        quadrature2
            logq
            -9.0
            7.0
            500
            ([
                "a", (fun x _ -> exp x, exp (2.0 * x))
                "b", (fun _ z -> exp z, exp (2.0 * z))
             ]
             @ thetas ab)

    ExactPosterior.check options Rules.builtIn m counts exact |> expectPassed

let ``on its own scale the mean and prior size of the rates match 2-D quadrature`` () =
    let plan = planOf Rules.builtIn meanAndCount counts
    Assert.Equal(UpdateKind.Rule Rules.collapsedBetaBinomial.Name, plan.Updates.[0].Kind)
    Assert.Contains("tabulated marginal", plan.Updates.[0].Method)

    // on (logit mu, log kappa): Beta(2, 2) and Gamma(2, 0.1) priors, Jacobians mu(1 − mu) and kappa
    let logq x z =
        let mu, kappa = 1.0 / (1.0 + exp -x), exp z

        MathNet.Numerics.Distributions.Beta.PDFLn(2.0, 2.0, mu)
        + log (mu * (1.0 - mu))
        + MathNet.Numerics.Distributions.Gamma.PDFLn(2.0, 0.1, kappa)
        + z
        + logMarginal (mu * kappa) ((1.0 - mu) * kappa)

    let mu x = 1.0 / (1.0 + exp -x)
    let ab x z = mu x * exp z, (1.0 - mu x) * exp z

    let exact =
        quadrature2
            logq
            -12.0
            12.0
            600
            ([
                "mu", (fun x _ -> mu x, mu x * mu x)
                "kappa", (fun _ z -> exp z, exp (2.0 * z))
             ]
             @ thetas ab)

    ExactPosterior.check options Rules.builtIn meanAndCount counts exact
    |> expectPassed

let ``rat tumours' alpha has a bulk-ESS of at least half a draw per draw`` () =
    let post =
        fit
            Rules.builtIn
            Examples.rats
            (CanonicalModelTests.csv "rats.csv")
            (SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(1000).WithSeed(1))

    let ess = Diagnostics.essBulk (Posterior.chains "alpha" post)
    Assert.True(ess >= 0.5 * 4000.0, $"alpha bulk-ESS {ess} in 4 x 1,000 draws")

let ``surgical's alpha and beta drawn from the tabulated marginal have a bulk-ESS of at least 0.8 per draw`` () =
    let post =
        fit
            Rules.builtIn
            Examples.surgical
            (CanonicalModelTests.csv "surgical.csv")
            (SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(1000).WithSeed(1))

    for node in [ "alpha"; "beta" ] do
        let ess = Diagnostics.essBulk (Posterior.chains node post)
        Assert.True(ess >= 0.8 * 4000.0, $"{node} bulk-ESS {ess} in 4 x 1,000 draws")

/// The first update of the model's plan on `counts`: the collapsed Beta-Binomial rule's, sliced, with its reason.
let private slicedBecause (m: Model) =
    match Bind.bind m counts |> Result.bind Gibbs.compile with
    | Ok plan ->
        let u = plan.Updates.[0]
        Assert.Equal(UpdateKind.Rule Rules.collapsedBetaBinomial.Name, u.Kind)
        Assert.DoesNotContain("tabulated", u.Method)
        Assert.Contains("not drawn from a table", u.Reason)
        u.Reason
    | Error e -> failwithf "%A" e

let ``without a proper mode the pair keeps its slice steps and the plan says why`` () =
    // the factor outweighs the flat priors' decay: the marginal grows without bound as a + b → ∞
    let improper =
        model {
            let! a = sample "a" (Flat Support.Positive)
            let! b = sample "b" (Flat Support.Positive)
            do! factor "rising" (1.0 * log (a + b))
            let! theta = sample "theta" (Beta(a, b)) |> over "g"
            do! observe "y" (Binomial(data "n", theta.[group "g"]))
        }

    Assert.Contains("mode", slicedBecause improper)

let ``when a prior reads another parameter the pair keeps its slice steps and the plan says why`` () =
    let hyper =
        model {
            let! r = sample "r" (Gamma(2.0, 1.0))
            let! a = sample "a" (Gamma(2.0, r))
            let! b = sample "b" (Gamma(2.0, 0.25))
            let! theta = sample "theta" (Beta(a, b)) |> over "g"
            do! observe "y" (Binomial(data "n", theta.[group "g"]))
        }

    let plan =
        match Bind.bind hyper counts |> Result.bind Gibbs.compile with
        | Ok p -> p
        | Error e -> failwithf "%A" e

    let u = plan.Updates |> Array.find (fun u -> u.Node.StartsWith "a")
    Assert.Contains("not drawn from a table", u.Reason)
    Assert.Contains("not fixed", u.Reason)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.Gibbs.CollapsedBetaBinomialTests"
        [
            Expecto.Tests.testCase "both forms of the marginal likelihood equal the sum of log-Beta ratios" (fun () ->
                ``both forms of the marginal likelihood equal the sum of log-Beta ratios`` ())
            Expecto.Tests.testCase "the marginal likelihood is minus infinity outside a, b > 0" (fun () ->
                ``the marginal likelihood is minus infinity outside a, b > 0`` ())
            Expecto.Tests.testCase
                "the rule claims the first hyperparameter of Beta rates with Binomial children and leaves the second to a slice"
                (fun () ->
                    ``the rule claims the first hyperparameter of Beta rates with Binomial children and leaves the second to a slice`` ())
            Expecto.Tests.testCase
                "the rule rejects Beta rates with Poisson children or three hyperparameters and ignores other nodes"
                (fun () ->
                    ``the rule rejects Beta rates with Poisson children or three hyperparameters and ignores other nodes`` ())
            Expecto.Tests.testCase
                "with Gamma priors on a and b the posterior of a, b and every theta matches 2-D quadrature"
                (fun () ->
                    ``with Gamma priors on a and b the posterior of a, b and every theta matches 2-D quadrature`` ())
            Expecto.Tests.testCase
                "on its own scale the mean and prior size of the rates match 2-D quadrature"
                (fun () -> ``on its own scale the mean and prior size of the rates match 2-D quadrature`` ())
            Expecto.Tests.testCase "rat tumours' alpha has a bulk-ESS of at least half a draw per draw" (fun () ->
                ``rat tumours' alpha has a bulk-ESS of at least half a draw per draw`` ())
            Expecto.Tests.testCase
                "surgical's alpha and beta drawn from the tabulated marginal have a bulk-ESS of at least 0.8 per draw"
                (fun () ->
                    ``surgical's alpha and beta drawn from the tabulated marginal have a bulk-ESS of at least 0.8 per draw`` ())
            Expecto.Tests.testCase
                "without a proper mode the pair keeps its slice steps and the plan says why"
                (fun () -> ``without a proper mode the pair keeps its slice steps and the plan says why`` ())
            Expecto.Tests.testCase
                "when a prior reads another parameter the pair keeps its slice steps and the plan says why"
                (fun () ->
                    ``when a prior reads another parameter the pair keeps its slice steps and the plan says why`` ())
        ]
