/// The per-level Laplace-t step (`LogitLevels`, chosen by the shared-ω pass for blocks with no global elements and
/// large trials) against exact grid posteriors (means and sds within 4 MCSE), and the frozen logistic rows of the
/// interweaving steps (`LogitRows`) against the model's own log-density at random points.
module HierFunctional.Tests.Gibbs.LogitLevelsTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.LogisticTests

// two studies, three arms each (control x = 0, treated x = 1, a half dose x = 0.5), trials 15–900
let private ks = [| 12.0; 30.0; 9.0; 410.0; 350.0; 22.0 |]
let private ns = [| 40.0; 60.0; 15.0; 900.0; 880.0; 50.0 |]
let private xs = [| 0.0; 1.0; 0.5; 0.0; 1.0; 0.5 |]
let private gs = [| 1; 1; 1; 2; 2; 2 |]

let private rows = groupedRows ks ns xs gs

// fixed priors, so each study's (mu, delta) is an exact 2-D posterior of its own
let private levelsModel =
    model {
        let! mu = sample "mu" (Normal(0.0, 3.0)) |> over "g"
        let! delta = sample "delta" (Normal(0.2, 0.8)) |> over "g"
        do! observe "k" (Binomial(data "n", invLogit (mu.[group "g"] + data "x" * delta.[group "g"])))
    }

let private studyLogPost (study: int) m d =
    logNormal 0.0 3.0 m
    + logNormal 0.2 0.8 d
    + Array.sum (
        Array.init ks.Length (fun i ->
            if gs.[i] = study then
                logitRow ns.[i] ks.[i] (m + xs.[i] * d)
            else
                0.0)
    )

let ``a block with no global elements and large trials takes one Laplace-t step per level`` () =
    let plan = planOf Rules.builtIn levelsModel rows
    let u = plan.Updates |> Array.find (fun u -> u.Kind = UpdateKind.LogitBlock)
    Assert.Equal("mu, delta", u.Node)
    Assert.Contains("logistic levels", u.Method)
    Assert.Contains("no Pólya-Gamma", u.Method)
    Assert.Equal(Exactness.Markov, u.Exactness)

let ``each level's two effects match its 2-D grid posterior under the per-level step`` () =
    let plan = planOf Rules.builtIn levelsModel rows
    let post = Chains.run options plan
    let m1, d1 = grid2 (-4.0, 3.0) (-3.0, 4.0) (studyLogPost 1)
    let m2, d2 = grid2 (-1.0, 1.0) (-1.0, 1.0) (studyLogPost 2)
    exactCheck post "mu[1]" m1
    exactCheck post "delta[1]" d1
    exactCheck post "mu[2]" m2
    exactCheck post "delta[2]" d2

// ------------------------------------------------------------------ frozen rows

let ``the frozen logistic rows change by what the model's log-density changes at random points`` () =
    let plan = planOf Rules.builtIn levelsModel rows
    let b = plan.Bound
    let expanded = Graph.expand b.Model
    let theta = b.NodeMap.["delta"]

    let lr =
        match LogitRows.tryCreate b expanded theta [] with
        | Some r -> r
        | None -> failwith "delta's rows did not take the frozen form"

    let bufs = LogitRows.buffers lr
    let rng = Random 5
    let off = b.Layout.Offsets.["delta"]

    for _ in 1..20 do
        let s = Array.init b.Layout.Size (fun _ -> -2.0 + 4.0 * rng.NextDouble())
        LogitRows.freeze lr bufs s
        let l0, j0 = LogitRows.logLikelihood lr bufs s, plan.Density.Joint s
        let p0 = logNormal 0.2 0.8 s.[off] + logNormal 0.2 0.8 s.[off + 1]
        s.[off] <- s.[off] + rng.NextDouble() - 0.5
        s.[off + 1] <- s.[off + 1] + rng.NextDouble() - 0.5
        let l1, j1 = LogitRows.logLikelihood lr bufs s, plan.Density.Joint s
        let p1 = logNormal 0.2 0.8 s.[off] + logNormal 0.2 0.8 s.[off + 1]

        Assert.True(
            abs ((j1 - j0) - (p1 - p0) - (l1 - l0)) < 1e-8,
            $"joint moved {j1 - j0}, rows + prior {l1 - l0 + p1 - p0}"
        )

// ------------------------------------------------------------------ Geweke: the steps with their hyperparameters

let ``the per-level step with interwoven hyperparameters leaves the prior invariant`` () =
    let m =
        model {
            let! d = sample "d" (Normal(0.0, 1.0))
            let! tau = sample "tau" (Gamma(3.0, 2.0))
            let! delta = sample "delta" (NormalPrecision(d, tau)) |> over "g"
            let! mu = sample "mu" (Normal(0.0, 1.5)) |> over "g"
            do! observe "k" (Binomial(data "n", invLogit (mu.[group "g"] + data "x" * delta.[group "g"])))
        }

    let d0 = rows |> Dataset.integers "k" (Array.zeroCreate 6)
    let plan = planOf Rules.builtIn m d0
    Assert.True(plan.Updates |> Array.exists (fun u -> u.Method.StartsWith "logistic levels"))
    Assert.True(plan.Updates |> Array.exists (fun u -> u.Node = "d, tau | delta"))
    let out = GewekeTests.simulate Rules.builtIn m d0 [ "d"; "tau"; "mu[1]" ] 3000 21
    GewekeTests.check "d mean" out.["d"] id 0.0
    GewekeTests.check "tau mean" out.["tau"] id 1.5
    GewekeTests.check "mu[1] second moment" out.["mu[1]"] (fun x -> x * x) 2.25

let ``logistic intercepts with a precision-written scale and their interweaving leave the prior invariant`` () =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 1.0))
            let! tau = sample "tau" (Gamma(3.0, 2.0))
            let! a = sample "a" (NormalPrecision(mu, tau)) |> over "g"
            do! observe "k" (Binomial(data "n", invLogit a.[group "g"]))
        }

    let d0 = rows |> Dataset.integers "k" (Array.zeroCreate 6)
    let plan = planOf Rules.builtIn m d0
    Assert.True(plan.Updates |> Array.exists (fun u -> u.Node = "mu, tau | a"))
    let out = GewekeTests.simulate Rules.builtIn m d0 [ "mu"; "tau" ] 3000 22
    GewekeTests.check "mu mean" out.["mu"] id 0.0
    GewekeTests.check "tau mean" out.["tau"] id 1.5
    GewekeTests.check "tau second moment" out.["tau"] (fun x -> x * x) (1.5 * 1.5 + 0.75)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.Gibbs.LogitLevelsTests"
        [
            Expecto.Tests.testCase
                "a block with no global elements and large trials takes one Laplace-t step per level"
                (fun () -> ``a block with no global elements and large trials takes one Laplace-t step per level`` ())
            Expecto.Tests.testCase
                "each level's two effects match its 2-D grid posterior under the per-level step"
                (fun () -> ``each level's two effects match its 2-D grid posterior under the per-level step`` ())
            Expecto.Tests.testCase
                "the frozen logistic rows change by what the model's log-density changes at random points"
                (fun () ->
                    ``the frozen logistic rows change by what the model's log-density changes at random points`` ())
            Expecto.Tests.testCase
                "the per-level step with interwoven hyperparameters leaves the prior invariant"
                (fun () -> ``the per-level step with interwoven hyperparameters leaves the prior invariant`` ())
            Expecto.Tests.testCase
                "logistic intercepts with a precision-written scale and their interweaving leave the prior invariant"
                (fun () ->
                    ``logistic intercepts with a precision-written scale and their interweaving leave the prior invariant`` ())
        ]
