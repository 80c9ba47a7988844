/// Geweke (2004) successive-conditional tests of the multivariate conjugate updates (|z| < 4 per check, see
/// GewekeTests) and a check that their sweeps allocate nothing per data row.
module HierFunctional.Tests.Gibbs.MvGewekeTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.GewekeTests
open HierFunctional.Tests.Gibbs.MvGibbsTests

// ------------------------------------------------------------------ Geweke successive-conditional tests

/// IW(ν, Ψ) with k = 2: E Σ = Ψ/(ν − 3) and Σ11 ~ InverseGamma((ν − 1)/2, ψ11/2).
let private iwChecks (label: string) (draws: Map<string, float[]>) (nu: float) (psi: float[,]) =
    let sigma11 =
        MathNet.Numerics.Distributions.InverseGamma((nu - 1.0) / 2.0, psi.[0, 0] / 2.0)

    check $"{label}: Sigma[1,2] mean" draws.["Sigma[1,2]"] id (psi.[0, 1] / (nu - 3.0))
    check $"{label}: Sigma[2,2] mean" draws.["Sigma[2,2]"] id (psi.[1, 1] / (nu - 3.0))
    let q = psi.[0, 0] / (nu - 3.0)

    check
        $"{label}: P(Sigma[1,1] < its mean)"
        draws.["Sigma[1,1]"]
        (indicatorBelow q)
        (sigma11.CumulativeDistribution q)

let ``MvNormal mean and InverseWishart covariance updates leave the prior invariant`` () =
    let m =
        model {
            let! mu =
                sample "mu" (MvNormal(vec [ 0.5; -1.0 ], mat [ [ 2.0; 0.5 ]; [ 0.5; 1.0 ] ]))

            let! sigma =
                sample "Sigma" (InverseWishart(c 8.0, mat [ [ 2.0; 0.6 ]; [ 0.6; 1.5 ] ]))

            do! observe "x" (MvNormal(mu, sigma))
        }

    let d = Dataset.empty |> Dataset.matrix "x" (Array2D.zeroCreate 3 2)

    let out =
        simulate Rules.builtIn m d [ "mu[1]"; "mu[2]"; "Sigma[1,1]"; "Sigma[1,2]"; "Sigma[2,2]" ] iterations 21

    check "mu[1] mean" out.["mu[1]"] id 0.5
    check "mu[2] second moment" out.["mu[2]"] (fun x -> x * x) 2.0
    check "mu[1] mu[2]" (Array.map2 (*) out.["mu[1]"] out.["mu[2]"]) id (0.5 - 0.5)
    iwChecks "observed" out 8.0 (array2D [ [ 2.0; 0.6 ]; [ 0.6; 1.5 ] ])

let ``MvNormal mean and Wishart precision updates leave the prior invariant`` () =
    let m =
        model {
            let! mu =
                sample "mu" (MvNormal(vec [ 0.5; -1.0 ], mat [ [ 2.0; 0.5 ]; [ 0.5; 1.0 ] ]))

            let! lam = sample "Lambda" (Wishart(c 6.0, mat [ [ 0.5; 0.1 ]; [ 0.1; 0.3 ] ]))
            do! observe "x" (MvNormal(mu, inverse lam))
        }

    let d = Dataset.empty |> Dataset.matrix "x" (Array2D.zeroCreate 3 2)

    let plan =
        Bind.bindOrThrow m d |> Gibbs.compile |> Result.defaultWith (failwithf "%A")

    Assert.Equal("Wishart precision", (methodOf plan "Lambda").Method)
    Assert.Equal("MvNormal mean", (methodOf plan "mu").Method)

    let out =
        simulate Rules.builtIn m d [ "mu[1]"; "Lambda[1,1]"; "Lambda[1,2]"; "Lambda[2,2]" ] iterations 23
    // Wishart(ν, V): E Λ = ν V, Var Λ_ij = ν (V_ij² + V_ii V_jj).
    check "mu[1] mean" out.["mu[1]"] id 0.5
    check "Lambda[1,1] mean" out.["Lambda[1,1]"] id 3.0
    check "Lambda[1,2] mean" out.["Lambda[1,2]"] id 0.6
    check "Lambda[2,2] second moment" out.["Lambda[2,2]"] (fun x -> x * x) (1.8 * 1.8 + 6.0 * 2.0 * 0.09)

let ``the varying intercepts and slopes updates leave the prior invariant`` () =
    let m =
        model {
            let! mu =
                sample "mu" (MvNormal(vec [ 1.0; 0.0 ], mat [ [ 1.0; 0.3 ]; [ 0.3; 1.0 ] ]))

            let! sigma =
                sample "Sigma" (InverseWishart(c 8.0, mat [ [ 2.0; 0.6 ]; [ 0.6; 1.5 ] ]))

            let! b = sample "b" (MvNormal(mu, sigma)) |> over "g"
            do! observe "y" (Normal(dot (vector [ c 1.0; data "t" ]) b.[group "g"], 0.7))
        }

    let d =
        groups3
        |> Dataset.reals "t" [| 0.0; 1.0; -0.5; 0.3; 1.2; 2.0 |]
        |> Dataset.reals "y" (Array.zeroCreate 6)

    let out =
        simulate
            Rules.builtIn
            m
            d
            [ "mu[1]"; "mu[2]"; "Sigma[1,1]"; "Sigma[1,2]"; "Sigma[2,2]"; "b[2,2]" ]
            iterations
            22

    check "mu[1] mean" out.["mu[1]"] id 1.0
    check "mu[2] second moment" out.["mu[2]"] (fun x -> x * x) 1.0
    iwChecks "hierarchical" out 8.0 (array2D [ [ 2.0; 0.6 ]; [ 0.6; 1.5 ] ])
    // b[2,2] = mu[2] + N(0, Σ22): mean 0, second moment 1 + E Σ22 = 1 + 1.5/5.
    check "b[2,2] second moment" out.["b[2,2]"] (fun x -> x * x) (1.0 + 1.5 / 5.0)

let ``the InverseWishart update with group-indexed means leaves the prior invariant`` () =
    let m =
        model {
            let! sigma =
                sample "Sigma" (InverseWishart(c 8.0, mat [ [ 2.0; 0.6 ]; [ 0.6; 1.5 ] ]))

            let! b =
                sample "b" (MvNormal(vec [ 0.0; 1.0 ], mat [ [ 1.0; 0.0 ]; [ 0.0; 1.0 ] ]))
                |> over "g"

            do! observe "x" (MvNormal(b.[group "g"], sigma))
        }

    let d = groups3 |> Dataset.matrix "x" (Array2D.zeroCreate 6 2)
    let plan = planOf Rules.builtIn m d
    Assert.Equal("InverseWishart covariance", (methodOf plan "Sigma").Method)
    // b is a vector per group level read by MvNormal children: no rule covers it yet, and the plan says why.
    Assert.Contains("MvNormal mean: it is a vector per group level", (methodOf plan "b").Reason)

    let out =
        simulate Rules.builtIn m d [ "Sigma[1,1]"; "Sigma[1,2]"; "Sigma[2,2]"; "b[1,2]" ] iterations 23

    iwChecks "group-indexed means" out 8.0 (array2D [ [ 2.0; 0.6 ]; [ 0.6; 1.5 ] ])
    check "b[1,2] mean" out.["b[1,2]"] id 1.0

// ------------------------------------------------------------------ cost: no per-row allocation

/// Managed bytes this thread allocates over 200 runs of one update, after 50 warm-up runs.
let private bytesPerUpdate (m: Model) (d: Dataset) (node: string) =
    let plan = planOf Rules.builtIn m d
    let i = plan.Updates |> Array.findIndex (fun u -> u.Node = node)
    let rng = MathNet.Numerics.Random.Xoshiro256StarStar(5, false) :> Random
    let state = Gibbs.initialStateFor plan 0 0 (Forward.priorDraw rng plan.Bound)

    let run () = Gibbs.runUpdate i rng state

    for _ in 1..50 do
        run ()

    let before = GC.GetAllocatedBytesForCurrentThread()

    for _ in 1..200 do
        run ()

    GC.GetAllocatedBytesForCurrentThread() - before

let ``the multivariate updates allocate nothing per data row`` () =
    let m =
        model {
            let! alpha = sample "alpha" (Normal(0.0, 1.0))

            let! sigma =
                sample "Sigma" (InverseWishart(c 6.0, mat [ [ 1.0; 0.2 ]; [ 0.2; 1.0 ] ]))

            let! b = sample "b" (MvNormal(vec [ 0.0; 0.0 ], sigma)) |> over "g"
            do! observe "x" (MvNormal(vec [ 0.5; 0.5 ], sigma))
            do! observe "y" (Normal(alpha + dot (vector [ c 1.0; data "t" ]) b.[group "g"], 0.5))
        }

    let data rows =
        let r = MathNet.Numerics.Random.Xoshiro256StarStar(9, false)

        Dataset.empty
        |> Dataset.labels "g" (Array.init rows (fun i -> $"g{i % 3}"))
        |> Dataset.reals "t" (Array.init rows (fun _ -> r.NextDouble()))
        |> Dataset.reals "y" (Array.init rows (fun _ -> r.NextDouble()))
        |> Dataset.matrix "x" (Array2D.init rows 2 (fun _ _ -> r.NextDouble()))

    for node, rule in [ "Sigma", "InverseWishart covariance"; "b", "MvNormal-linear (dot product)" ] do
        Assert.Equal(rule, (methodOf (planOf Rules.builtIn m (data 10)) node).Method)

        let small, large =
            bytesPerUpdate m (data 10) node, bytesPerUpdate m (data 2000) node
        // A per-row allocation would cost ≥ 1990 × 24 bytes per run; allow 256 bytes per run of noise.
        Assert.True(large - small < 200L * 256L, $"{node}: {small} bytes at 10 rows, {large} at 2000 rows (200 runs)")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.MvGewekeTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.MvGewekeTests"
            [
                Expecto.Tests.testCase
                    "MvNormal mean and InverseWishart covariance updates leave the prior invariant"
                    (fun () -> ``MvNormal mean and InverseWishart covariance updates leave the prior invariant`` ())
                Expecto.Tests.testCase
                    "MvNormal mean and Wishart precision updates leave the prior invariant"
                    (fun () -> ``MvNormal mean and Wishart precision updates leave the prior invariant`` ())
                Expecto.Tests.testCase "the varying intercepts and slopes updates leave the prior invariant" (fun () ->
                    ``the varying intercepts and slopes updates leave the prior invariant`` ())
                Expecto.Tests.testCase
                    "the InverseWishart update with group-indexed means leaves the prior invariant"
                    (fun () -> ``the InverseWishart update with group-indexed means leaves the prior invariant`` ())
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase "the multivariate updates allocate nothing per data row" (fun () ->
                        ``the multivariate updates allocate nothing per data row`` ())
                )
            ])
