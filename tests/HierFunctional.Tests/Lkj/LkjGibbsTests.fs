/// Varying effects with an LKJ correlation and half-t scales in the Gibbs compiler: the plan, the prior-only
/// marginals (LKJ(η) correlation, half-t scales), and a Geweke joint-distribution test.
module HierFunctional.Tests.Lkj.LkjGibbsTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.GewekeTests
open HierFunctional.Tests.Gibbs.MvGibbsTests

/// The scatter log-likelihood equals the sum of the MvNormalCholesky log-densities up to the constant −nK/2·log 2π.
let ``the scatter form of the group log-likelihood equals the sum of the group densities`` () =
    HierFunctional.Tests.Gibbs.MonteCarlo.forAllSeeds (fun r ->
        let k = 2 + r.Next 3
        let l = Samplers.lkjCholesky r k 1.5
        let s = Array.init k (fun _ -> 0.3 + 3.0 * r.NextDouble())
        let n = 1 + r.Next 6
        let mus = Array.init n (fun _ -> Array.init k (fun _ -> r.NextDouble() - 0.5))
        let xs = Array.init n (fun _ -> Array.init k (fun _ -> 4.0 * r.NextDouble() - 2.0))

        let scatter =
            Array.init (k * k) (fun ab ->
                let a, b = ab / k, ab % k
                Array.fold2 (fun acc (x: float[]) (m: float[]) -> acc + (x.[a] - m.[a]) * (x.[b] - m.[b])) 0.0 xs mus)

        let values = Array.append s (Seq.cast<float> l |> Array.ofSeq)

        let ours =
            LkjUpdate.scatterLogLikelihood k (float n) values 0 k scatter (Array.zeroCreate (k * k))

        let direct =
            Array.map2 (fun m x -> LogPdf.mvNormalScaledCholesky m s l x) mus xs
            |> Array.sum
            |> fun v -> v + float (n * k) * MathNet.Numerics.Constants.LogSqrt2Pi

        abs (ours - direct) <= 1e-9 * (1.0 + abs direct))

let private priorOnly (eta: float) =
    model {
        let! s = sample "s" (HalfStudentT(3.0, 2.5)) |> sized 2
        let! l = sample "L" (LkjCholesky(2, eta))
        let! _ = sample "b" (MvNormalCholesky(vec [ 0.0; 0.0 ], s, l)) |> over "g"
        return ()
    }

let private fourGroups =
    Dataset.empty |> Dataset.labels "g" [| "a"; "b"; "c"; "d" |]

/// P(draw < q) against its exact value, within 4 MCSE (ESS-based) of the indicator's mean.
let private assertBelow (post: Posterior) (name: string) (q: float) (p: float) =
    let x =
        Posterior.chains name post
        |> Array.map (Array.map (fun v -> if v < q then 1.0 else 0.0))

    let m, mcse = Diagnostics.mean x, Diagnostics.mcseMean x
    Assert.True(abs (m - p) < 4.0 * mcse, $"P({name} < {q}) = {m} vs exact {p}, 4 MCSE = {4.0 * mcse}")

let ``with no data the scales and correlation update reproduces the LKJ and half-t marginals`` () =
    let eta = 2.0
    let plan = planOf Rules.builtIn (priorOnly eta) fourGroups
    Assert.Equal(LkjUpdate.rule, (methodOf plan "s, L").Method)
    let post = Chains.run (options.WithDraws 2000) plan
    // K = 2: (ρ + 1)/2 ~ Beta(η, η); s_k ~ half-t(3, 2.5), quantile q_p = 2.5 t₃⁻¹((1 + p)/2).
    let beta = MathNet.Numerics.Distributions.Beta(eta, eta)
    let t = MathNet.Numerics.Distributions.StudentT(0.0, 2.5, 3.0)

    for p in [ 0.1; 0.5; 0.8 ] do
        assertBelow post "L[2,1]" (2.0 * beta.InverseCumulativeDistribution p - 1.0) p

        for name in [ "s[1]"; "s[2]" ] do
            assertBelow post name (t.InverseCumulativeDistribution((1.0 + p) / 2.0)) p

/// A small varying-intercepts-and-slopes model with half-t scales and an LKJ(1.5) correlation.
let varyingSlopes =
    model {
        let! mu =
            sample "mu" (MvNormal(vec [ 0.5; -0.5 ], mat [ [ 1.0; 0.0 ]; [ 0.0; 0.5 ] ]))

        let! s = sample "s" (HalfStudentT(4.0, 1.0)) |> sized 2
        let! l = sample "L" (LkjCholesky(2, 1.5))
        let! b = sample "b" (MvNormalCholesky(mu, s, l)) |> over "g"
        let! sigma = sample "sigma" (HalfNormal 1.0)
        do! observe "y" (Normal(dot (vector [ c 1.0; data "x" ]) b.[group "g"], sigma))
    }

let private slopesData =
    Dataset.empty
    |> Dataset.labels "g" [| "a"; "a"; "a"; "b"; "b"; "c"; "c"; "c" |]
    |> Dataset.reals "x" [| 0.0; 1.0; 2.0; 0.0; 1.5; -1.0; 0.0; 1.0 |]
    |> Dataset.reals "y" (Array.zeroCreate 8)

let ``group vectors and their mean get closed-form updates under an MvNormalCholesky prior`` () =
    let plan = planOf Rules.builtIn varyingSlopes slopesData
    Assert.Equal(LkjMarginalUpdate.rule, (methodOf plan "b").Method)
    Assert.Equal("MvNormal mean", (methodOf plan "mu").Method)
    Assert.Equal(LkjUpdate.rule, (methodOf plan "s, L").Method)

let ``the varying-slopes sweep with LKJ and half-t priors leaves the joint distribution invariant`` () =
    let names = [ "mu[1]"; "b[1,2]"; "s[1]"; "s[2]"; "L[2,1]"; "sigma" ]
    let out = simulate Rules.builtIn varyingSlopes slopesData names 3000 31
    let t = MathNet.Numerics.Distributions.StudentT(0.0, 1.0, 4.0)
    let median = t.InverseCumulativeDistribution 0.75
    check "mu[1] mean" out.["mu[1]"] id 0.5
    check "b[1,2] mean" out.["b[1,2]"] id -0.5
    check "P(s[1] < median)" out.["s[1]"] (indicatorBelow median) 0.5
    check "P(s[2] < median)" out.["s[2]"] (indicatorBelow median) 0.5
    // LKJ(η), K = 2: E ρ² = 1/(2η + 1).
    check "rho second moment" out.["L[2,1]"] (fun x -> x * x) (1.0 / 4.0)
    check "P(rho < 0)" out.["L[2,1]"] (indicatorBelow 0.0) 0.5

    check
        "P(sigma < 1)"
        out.["sigma"]
        (indicatorBelow 1.0)
        (2.0 * MathNet.Numerics.Distributions.Normal(0.0, 1.0).CumulativeDistribution 1.0
         - 1.0)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Lkj.LkjGibbsTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Lkj.LkjGibbsTests"
            [
                Expecto.Tests.testCase
                    "the scatter form of the group log-likelihood equals the sum of the group densities"
                    (fun () ->
                        ``the scatter form of the group log-likelihood equals the sum of the group densities`` ())
                Expecto.Tests.testCase
                    "with no data the scales and correlation update reproduces the LKJ and half-t marginals"
                    (fun () ->
                        ``with no data the scales and correlation update reproduces the LKJ and half-t marginals`` ())
                Expecto.Tests.testCase
                    "group vectors and their mean get closed-form updates under an MvNormalCholesky prior"
                    (fun () ->
                        ``group vectors and their mean get closed-form updates under an MvNormalCholesky prior`` ())
                Expecto.Tests.testCase
                    "the varying-slopes sweep with LKJ and half-t priors leaves the joint distribution invariant"
                    (fun () ->
                        ``the varying-slopes sweep with LKJ and half-t priors leaves the joint distribution invariant`` ())
            ])
