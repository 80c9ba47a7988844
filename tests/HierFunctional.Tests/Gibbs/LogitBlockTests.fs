/// The shared-ω logistic block (`SharedOmega`, `LogitBlock`): Normal-prior nodes of one logistic predictor drawn jointly
/// given one Pólya-Gamma ω per row, against exact grid posteriors (means and sds within 4 MCSE): an intercept and a
/// slope (the dense path) and a global intercept with two group effects (the Schur-complement path), with trials up
/// to 400 so the approximate PG(n, c) series is used; and the plan shows the block, its layout and the approximation.
/// Two global coefficients with such trials keep their GLM block instead (checked against the plain slice sampler).
module HierFunctional.Tests.Gibbs.LogitBlockTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.LogisticTests

let private ks = [| 31.0; 2.0; 160.0; 7.0; 55.0; 90.0 |]
let private ns = [| 60.0; 9.0; 400.0; 14.0; 120.0; 250.0 |]
let private xs = [| -1.2; -0.4; 0.3; 0.9; -0.7; 1.5 |]
let private gs = [| 1; 2; 1; 2; 1; 2 |]

let private rows = groupedRows ks ns xs gs

let private slopeModel =
    model {
        let! alpha = sample "alpha" (Normal(0.0, 2.0))
        let! beta = sample "beta" (Normal(0.5, 1.5))
        do! observe "k" (Binomial(data "n", invLogit (alpha + beta * data "x")))
    }

let private slopeLogPost a b =
    logNormal 0.0 2.0 a
    + logNormal 0.5 1.5 b
    + Array.sum (Array.init ks.Length (fun i -> logitRow ns.[i] ks.[i] (a + b * xs.[i])))

let private groupModel =
    model {
        let! alpha = sample "alpha" (Normal(0.0, 2.0))
        let! u = sample "u" (Normal(0.0, 0.8)) |> over "g"
        do! observe "k" (Binomial(data "n", invLogit (alpha + u.[group "g"] + 0.3 * data "x")))
    }

/// Posterior means and sds of (alpha, u1, u2) on a 3-D grid.
let private groupGrid () =
    let m = 121
    let at i = -3.0 + 6.0 * float i / float (m - 1)

    let logPost a u1 u2 =
        logNormal 0.0 2.0 a
        + logNormal 0.0 0.8 u1
        + logNormal 0.0 0.8 u2
        + Array.sum (
            Array.init ks.Length (fun i -> logitRow ns.[i] ks.[i] (a + (if gs.[i] = 1 then u1 else u2) + 0.3 * xs.[i]))
        )

    let lp =
        Array.init (m * m * m) (fun t -> logPost (at (t / (m * m))) (at (t / m % m)) (at (t % m)))

    let top = Array.max lp
    let w = lp |> Array.map (fun l -> exp (l - top))
    let total = Array.sum w

    let moments (coord: int -> float) =
        let mean = Seq.sum (Seq.init w.Length (fun t -> w.[t] * coord t)) / total

        let var =
            Seq.sum (Seq.init w.Length (fun t -> w.[t] * (coord t - mean) ** 2.0)) / total

        mean, sqrt var

    moments (fun t -> at (t / (m * m))), moments (fun t -> at (t / m % m)), moments (fun t -> at (t % m))

let private slopeGroupModel =
    model {
        let! alpha = sample "alpha" (Normal(0.0, 2.0))
        let! beta = sample "beta" (Normal(0.5, 1.5))
        let! u = sample "u" (Normal(0.0, 0.8)) |> over "g"
        do! observe "k" (Binomial(data "n", invLogit (alpha + beta * data "x" + u.[group "g"])))
    }

/// |mean_a − mean_b| < 4·√(MCSE_a² + MCSE_b²): two independent exact samplers agree.
let private assertAgree (a: Posterior) (b: Posterior) (name: string) =
    let xa, xb = Posterior.chains name a, Posterior.chains name b
    let d = abs (Diagnostics.mean xa - Diagnostics.mean xb)
    let se = sqrt (Diagnostics.mcseMean xa ** 2.0 + Diagnostics.mcseMean xb ** 2.0)
    Assert.True(d < 4.0 * se, $"{name}: means differ by {d}, 4 combined MCSE = {4.0 * se}")

let private blockOf (plan: GibbsPlan) =
    plan.Updates |> Array.find (fun u -> u.Kind = UpdateKind.LogitBlock)

let ``an intercept and a slope on the same logistic rows are one shared-omega block`` () =
    let plan = planOf Rules.builtIn slopeModel rows
    let block = blockOf plan
    Assert.Equal("alpha, beta", block.Node)
    Assert.Contains("2 elements dense", block.Method)
    // trials above the exact limit: the plan says the ω may come from the approximate series, and its bound
    Assert.Contains("Kolmogorov distance", block.Method)

let ``an intercept and a slope match the 2-D grid posterior under the shared-omega block`` () =
    let plan = planOf Rules.builtIn slopeModel rows
    let ea, eb = grid2 (-4.0, 4.0) (-4.0, 4.0) slopeLogPost
    let post = Chains.run options plan
    exactCheck post "alpha" ea
    exactCheck post "beta" eb

let ``a global intercept and group effects match the 3-D grid posterior through the Schur complement`` () =
    let plan = planOf Rules.builtIn groupModel rows
    let block = blockOf plan
    Assert.Equal("alpha, u", block.Node)
    Assert.Contains("u per level of g (2 levels", block.Method)
    let ea, e1, e2 = groupGrid ()
    let post = Chains.run options plan
    exactCheck post "alpha" ea
    exactCheck post "u[1]" e1
    exactCheck post "u[2]" e2

let ``global coefficients with large trials keep their GLM block and their group effects take Laplace-t steps, not Pólya-Gamma``
    ()
    =
    let plan = planOf Rules.builtIn slopeGroupModel rows
    let glm = plan.Updates |> Array.find (fun u -> u.Kind = UpdateKind.GlmBlock)
    Assert.Equal("alpha, beta", glm.Node)

    // u's rows vary within a level (β·x), so they do not collapse: u takes the per-level Laplace-t step alone
    let levels = blockOf plan
    Assert.Equal("u", levels.Node)
    Assert.Contains("logistic levels", levels.Method)
    // against the plain slice sampler (no rules, no passes): an independent exact sampler of the same posterior
    let reference =
        Chains.run
            (options.WithDraws(20000))
            (planUsing
                (CompileSettings.Default
                    .WithRules([])
                    .WithGlmBlock(false)
                    .WithSharedOmega(false)
                    .WithInterweaving(false)
                    .WithBlockSlice(false)
                    .WithJointLocationScale(false))
                slopeGroupModel
                rows)

    let post = Chains.run options plan

    for name in [ "alpha"; "beta"; "u[1]"; "u[2]" ] do
        assertAgree post reference name

let ``Pólya-Gamma updates are marked approximate with their bound exactly when some row has more than 12 trials`` () =
    let smallRows =
        groupedRows [| 3.0; 2.0; 8.0; 7.0; 5.0; 9.0 |] [| 6.0; 9.0; 12.0; 10.0; 12.0; 11.0 |] xs gs

    // shared ω on: one logistic block; shared ω and the GLM block off: one Pólya-Gamma update per coefficient
    for settings in
        [
            CompileSettings.Default
            CompileSettings.Default.WithSharedOmega(false).WithGlmBlock false
        ] do
        let pg (plan: GibbsPlan) =
            plan.Updates
            |> Array.filter (fun u -> u.Kind = UpdateKind.LogitBlock || u.Method.Contains "Pólya-Gamma")

        let large = planUsing settings slopeModel rows
        let small = planUsing settings slopeModel smallRows
        Assert.NotEmpty(pg large)
        Assert.NotEmpty(pg small)

        for u in pg large do
            match u.Exactness with
            | Exactness.Approximate bound ->
                Assert.Contains("Kolmogorov distance", bound)
                Assert.Contains($"approximate: {u.Node}: {bound}", Gibbs.describe large)
            | other -> failwith $"{u.Node} with 400 trials is marked {other}"

        for u in pg small do
            Assert.Equal(Exactness.Exact, u.Exactness)

        Assert.DoesNotContain("approximate", Gibbs.describe small)

let ``switching the shared-omega pass off gives every node its own update again`` () =
    let plan = planUsing (CompileSettings.Default.WithSharedOmega false) slopeModel rows

    Assert.False(plan.Updates |> Array.exists (fun u -> u.Kind = UpdateKind.LogitBlock))

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.Gibbs.LogitBlockTests"
        [
            Expecto.Tests.testCase
                "an intercept and a slope on the same logistic rows are one shared-omega block"
                (fun () -> ``an intercept and a slope on the same logistic rows are one shared-omega block`` ())
            Expecto.Tests.testCase
                "an intercept and a slope match the 2-D grid posterior under the shared-omega block"
                (fun () -> ``an intercept and a slope match the 2-D grid posterior under the shared-omega block`` ())
            Expecto.Tests.testCase
                "a global intercept and group effects match the 3-D grid posterior through the Schur complement"
                (fun () ->
                    ``a global intercept and group effects match the 3-D grid posterior through the Schur complement`` ())
            Expecto.Tests.testCase
                "global coefficients with large trials keep their GLM block and their group effects take Laplace-t steps, not Pólya-Gamma"
                (fun () ->
                    ``global coefficients with large trials keep their GLM block and their group effects take Laplace-t steps, not Pólya-Gamma`` ())
            Expecto.Tests.testCase
                "Pólya-Gamma updates are marked approximate with their bound exactly when some row has more than 12 trials"
                (fun () ->
                    ``Pólya-Gamma updates are marked approximate with their bound exactly when some row has more than 12 trials`` ())
            Expecto.Tests.testCase
                "switching the shared-omega pass off gives every node its own update again"
                (fun () -> ``switching the shared-omega pass off gives every node its own update again`` ())
        ]
