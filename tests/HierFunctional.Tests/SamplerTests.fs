module HierFunctional.Tests.SamplerTests

open System
open HierFunctional.TestShim
open MathNet.Numerics
open MathNet.Numerics.Random
open HierFunctional

let private n = 20000
let private c0 = Const 0.0
let private sc = Value.Scalar

/// Asserts |sample mean − mean| < 4·sd/√n and |sample variance − variance| < 4·√((m₄ − s⁴)/n), the Monte Carlo
/// standard errors estimated from the draws themselves.
let private checkMoments (label: string) (xs: float[]) (mean: float) (variance: float) =
    let m = Array.average xs
    let v = xs |> Array.averageBy (fun x -> (x - m) ** 2.0)
    let m4 = xs |> Array.averageBy (fun x -> (x - m) ** 4.0)
    let mcseMean = sqrt (v / float xs.Length)
    let mcseVar = sqrt ((m4 - v * v) / float xs.Length)
    Assert.True(abs (m - mean) < 4.0 * mcseMean, $"{label}: mean {m} vs {mean} (MCSE {mcseMean})")
    Assert.True(abs (v - variance) < 4.0 * mcseVar, $"{label}: variance {v} vs {variance} (MCSE {mcseVar})")

/// Asserts a proportion is within 4 binomial standard errors of p.
let private checkProportion (label: string) (hits: int) (total: int) (p: float) =
    let se = sqrt (p * (1.0 - p) / float total)
    Assert.True(abs (float hits / float total - p) < 4.0 * se, $"{label}: {float hits / float total} vs {p}")

let private draws seed dist args =
    let rng = Xoshiro256StarStar(seed: int) in Array.init n (fun _ -> Density.draw rng dist args)

let private scalars seed dist args =
    draws seed dist args |> Array.map Value.scalar

let ``continuous samplers match closed-form means and variances`` () =
    let t nu s = s * s * nu / (nu - 2.0)
    // E|T| for Student-t(ν, 0, s): 2s·√ν·Γ((ν+1)/2) / (√π·Γ(ν/2)·(ν − 1))
    let halfTMean nu s =
        2.0
        * s
        * sqrt nu
        * exp (SpecialFunctions.GammaLn((nu + 1.0) / 2.0) - SpecialFunctions.GammaLn(nu / 2.0))
        / (sqrt Math.PI * (nu - 1.0))

    let cases =
        [
            "Normal", Dist.Normal(c0, c0), [ 1.5; 2.0 ], 1.5, 4.0
            "StudentT", Dist.StudentT(c0, c0, c0), [ 10.0; -1.0; 2.0 ], -1.0, t 10.0 2.0
            "HalfNormal", Dist.HalfNormal c0, [ 2.0 ], 2.0 * sqrt (2.0 / Math.PI), 4.0 * (1.0 - 2.0 / Math.PI)
            "HalfStudentT",
            Dist.HalfStudentT(c0, c0),
            [ 10.0; 2.0 ],
            halfTMean 10.0 2.0,
            t 10.0 2.0 - (halfTMean 10.0 2.0) ** 2.0
            "Uniform", Dist.Uniform(c0, c0), [ -1.0; 3.0 ], 1.0, 16.0 / 12.0
            "Exponential", Dist.Exponential c0, [ 2.0 ], 0.5, 0.25
            "Gamma", Dist.Gamma(c0, c0), [ 3.0; 2.0 ], 1.5, 0.75
            "InverseGamma", Dist.InverseGamma(c0, c0), [ 7.0; 3.0 ], 0.5, 9.0 / (36.0 * 5.0)
            "LogNormal", Dist.LogNormal(c0, c0), [ 0.2; 0.5 ], exp (0.2 + 0.125), (exp 0.25 - 1.0) * exp (0.4 + 0.25)
            "Beta", Dist.Beta(c0, c0), [ 2.0; 5.0 ], 2.0 / 7.0, 10.0 / (49.0 * 8.0)
            "SpikeAndSlab", Dist.SpikeAndSlab(c0, c0), [ 0.3; 2.0 ], 0.0, 0.7 * 4.0
        ]

    cases
    |> List.iteri (fun i (name, dist, args, mean, var) ->
        checkMoments name (scalars (100 + i) dist (List.map sc args)) mean var)

let ``heavy-tailed samplers put half their mass within one scale of the centre`` () =
    let cauchy = scalars 1 (Dist.Cauchy(c0, c0)) [ sc 3.0; sc 2.0 ]
    checkProportion "Cauchy" (cauchy |> Array.filter (fun x -> abs (x - 3.0) < 2.0) |> Array.length) n 0.5
    let half = scalars 2 (Dist.HalfCauchy c0) [ sc 2.0 ]
    checkProportion "HalfCauchy" (half |> Array.filter (fun x -> x < 2.0) |> Array.length) n 0.5
    let spike = scalars 3 (Dist.SpikeAndSlab(c0, c0)) [ sc 0.3; sc 2.0 ]
    checkProportion "SpikeAndSlab zeros" (spike |> Array.filter ((=) 0.0) |> Array.length) n 0.3

let ``discrete samplers match closed-form means and variances`` () =
    let bbVar nn a b =
        nn * a * b * (a + b + nn) / ((a + b) ** 2.0 * (a + b + 1.0))

    let cases =
        [
            "Bernoulli", Dist.Bernoulli c0, [ 0.3 ], 0.3, 0.21
            "Binomial small", Dist.Binomial(c0, c0), [ 20.0; 0.3 ], 6.0, 4.2
            "Binomial 1e6", Dist.Binomial(c0, c0), [ 1e6; 0.3 ], 3e5, 2.1e5
            "BetaBinomial small", Dist.BetaBinomial(c0, c0, c0), [ 30.0; 2.0; 3.0 ], 12.0, bbVar 30.0 2.0 3.0
            "BetaBinomial large", Dist.BetaBinomial(c0, c0, c0), [ 5000.0; 2.0; 3.0 ], 2000.0, bbVar 5000.0 2.0 3.0
            "Poisson", Dist.Poisson(c0, c0), [ 2.0; 3.5 ], 7.0, 7.0
            "NegativeBinomial", Dist.NegativeBinomial(c0, c0), [ 4.0; 2.5 ], 4.0, 4.0 + 16.0 / 2.5
            "Poisson 5e9", Dist.Poisson(c0, c0), [ 5.0; 1e9 ], 5e9, 5e9
        ]

    cases
    |> List.iteri (fun i (name, dist, args, mean, var) ->
        checkMoments name (scalars (200 + i) dist (List.map sc args)) mean var)
    // a billion trials costs ~25 Beta draws per variate, so fewer variates (the MCSE bounds scale accordingly)
    let rng = Xoshiro256StarStar 299

    let big =
        Array.init 4000 (fun _ -> Density.draw rng (Dist.Binomial(c0, c0)) [ sc 1e9; sc 0.4 ] |> Value.scalar)

    checkMoments "Binomial 1e9" big 4e8 (1e9 * 0.4 * 0.6)
    Assert.Equal(Value.Scalar 0.0, Density.draw rng (Dist.Poisson(c0, c0)) [ sc 0.0; sc 1.0 ])
    let p = [| 0.2; 0.5; 0.3 |]
    let mc = p |> Array.mapi (fun k pk -> float k * pk) |> Array.sum
    let vc = (p |> Array.mapi (fun k pk -> float (k * k) * pk) |> Array.sum) - mc * mc
    checkMoments "Categorical" (scalars 300 (Dist.Categorical c0) [ Value.Vector p ]) mc vc

let private componentOf (i: int) (vs: Value[]) =
    vs |> Array.map (fun v -> (Value.vector v).[i])

let private entry (i: int) (j: int) (vs: Value[]) =
    vs |> Array.map (fun v -> (Value.matrix v).[i, j])

let ``vector samplers match closed-form component moments`` () =
    let alpha = [| 2.0; 3.0; 5.0 |]
    let dir = draws 400 (Dist.Dirichlet c0) [ Value.Vector alpha ]

    for i in 0..2 do
        let a = alpha.[i] / 10.0
        checkMoments $"Dirichlet[{i}]" (componentOf i dir) a (a * (1.0 - a) / 11.0)

    let p = [| 0.2; 0.5; 0.3 |]
    let mult = draws 401 (Dist.Multinomial(c0, c0)) [ sc 40.0; Value.Vector p ]

    for i in 0..2 do
        checkMoments $"Multinomial[{i}]" (componentOf i mult) (40.0 * p.[i]) (40.0 * p.[i] * (1.0 - p.[i]))

    Assert.True(mult |> Array.forall (fun v -> Array.sum (Value.vector v) = 40.0))
    let cov = array2D [ [ 4.0; 1.2 ]; [ 1.2; 1.0 ] ]

    let mvn =
        draws 402 (Dist.MvNormal(c0, c0)) [ Value.Vector [| 1.0; -2.0 |]; Value.Matrix cov ]

    checkMoments "MvNormal[0]" (componentOf 0 mvn) 1.0 4.0
    checkMoments "MvNormal[1]" (componentOf 1 mvn) -2.0 1.0
    // the product of the centred componentOfs has mean Σ₀₁ and variance Σ₀₀Σ₁₁ + Σ₀₁² (Isserlis)
    let prod =
        Array.map2 (fun a b -> (a - 1.0) * (b + 2.0)) (componentOf 0 mvn) (componentOf 1 mvn)

    checkMoments "MvNormal cross" prod 1.2 (4.0 + 1.44)

let ``LKJ samples are valid Cholesky factors with the known Beta marginal of every correlation`` () =
    for dim, eta in [ 2, 1.0; 3, 2.0; 4, 0.7 ] do
        let ls = draws (500 + dim) (Dist.LkjCholesky(dim, c0)) [ sc eta ]

        Assert.True(
            ls
            |> Array.forall (fun l -> Density.inSupport (Dist.LkjCholesky(dim, c0)) [ sc eta ] l)
        )
        // (r + 1)/2 ~ Beta(a, a), a = η − 1 + K/2, so r has mean 0 and variance 1/(2a + 1), for every pair i > j
        let a = eta - 1.0 + float dim / 2.0

        for i in 1 .. dim - 1 do
            for j in 0 .. i - 1 do
                let r =
                    ls
                    |> Array.map (fun v ->
                        let l = Value.matrix v in Seq.sum (seq { for m in 0..j -> l.[i, m] * l.[j, m] }))

                checkMoments $"LKJ K={dim} eta={eta} r[{i},{j}]" r 0.0 (1.0 / (2.0 * a + 1.0))

let ``Wishart and inverse Wishart draws have the closed-form means`` () =
    let s = array2D [ [ 2.0; 0.5 ]; [ 0.5; 1.0 ] ]
    let nu = 6.0
    let w = draws 600 (Dist.Wishart(c0, c0)) [ sc nu; Value.Matrix s ]

    for i in 0..1 do
        for j in 0..1 do
            // Var(W_ij) = ν(S_ij² + S_ii·S_jj)
            checkMoments
                $"Wishart[{i},{j}]"
                (entry i j w)
                (nu * s.[i, j])
                (nu * (s.[i, j] ** 2.0 + s.[i, i] * s.[j, j]))

    let iw = draws 601 (Dist.InverseWishart(c0, c0)) [ sc 12.0; Value.Matrix s ]
    // E[X] = S/(ν − p − 1); Var(X_ii) = 2 S_ii² / ((ν − p − 1)²(ν − p − 3))
    let d = 12.0 - 2.0 - 1.0
    checkMoments "InverseWishart[0,0]" (entry 0 0 iw) (s.[0, 0] / d) (2.0 * s.[0, 0] ** 2.0 / (d * d * (d - 2.0)))
    checkMoments "InverseWishart[1,1]" (entry 1 1 iw) (s.[1, 1] / d) (2.0 * s.[1, 1] ** 2.0 / (d * d * (d - 2.0)))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.SamplerTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.SamplerTests"
            [
                Expecto.Tests.testCase "continuous samplers match closed-form means and variances" (fun () ->
                    ``continuous samplers match closed-form means and variances`` ())
                Expecto.Tests.testCase
                    "heavy-tailed samplers put half their mass within one scale of the centre"
                    (fun () -> ``heavy-tailed samplers put half their mass within one scale of the centre`` ())
                Expecto.Tests.testCase "discrete samplers match closed-form means and variances" (fun () ->
                    ``discrete samplers match closed-form means and variances`` ())
                Expecto.Tests.testCase "vector samplers match closed-form component moments" (fun () ->
                    ``vector samplers match closed-form component moments`` ())
                Expecto.Tests.testCase
                    "LKJ samples are valid Cholesky factors with the known Beta marginal of every correlation"
                    (fun () ->
                        ``LKJ samples are valid Cholesky factors with the known Beta marginal of every correlation`` ())
                Expecto.Tests.testCase "Wishart and inverse Wishart draws have the closed-form means" (fun () ->
                    ``Wishart and inverse Wishart draws have the closed-form means`` ())
            ])
