module HierFunctional.Tests.Gibbs.ConjugateMvTests

open System
open HierFunctional.TestShim
open MathNet.Numerics.Distributions
open MathNet.Numerics.LinearAlgebra
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.MonteCarlo

let private build = Matrix<float>.Build

/// log N(x; m, S) via an explicit inverse and determinant: a path independent of the kernels' Cholesky solves.
let private mvnLogPdf (m: float[]) (cov: Matrix<float>) (x: float[]) =
    let d = Vector<float>.Build.DenseOfArray(Array.map2 (-) x m)
    let k = float m.Length

    -0.5
    * (k * log (2.0 * Math.PI) + log (cov.Determinant()) + d * (cov.Inverse() * d))

/// log N(x; μ, Q⁻¹) from a posterior given by its mean and precision Cholesky factor.
let private posteriorLogPdf (post: MvNormalPrecision) (x: float[]) =
    let q = post.PrecisionCholesky * post.PrecisionCholesky.Transpose()
    mvnLogPdf post.Mean (q.Inverse()) x

/// A random symmetric positive-definite k×k matrix (A Aᵀ + k·c·I).
let private randomSpd (r: Random) (k: int) (c: float) =
    let a = build.Dense(k, k, fun _ _ -> uniform r -1.0 1.0)
    a * a.Transpose() + build.DenseIdentity(k) * (c * float k)

let private randomVector (r: Random) k lo hi = Array.init k (fun _ -> uniform r lo hi)

let ``regression posterior equals prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let k, n = r.Next(1, 4), r.Next(0, 15)
        let x = build.Dense(n, k, fun _ _ -> uniform r -2.0 2.0)

        let a, s, y =
            randomVector r n -1.0 1.0, randomVector r n 0.3 3.0, randomVector r n -5.0 5.0

        let m0, s0 = randomVector r k -2.0 2.0, randomSpd r k 0.5
        let stats = MvConjugatePosterior.regressionStats x a s y
        let post = MvConjugatePosterior.regression m0 s0 stats

        let logJoint (beta: float[]) =
            let fit = x * Vector<float>.Build.DenseOfArray beta

            mvnLogPdf m0 s0 beta
            + (Array.init n (fun i -> Normal.PDFLn(a[i] + fit[i], s[i], y[i])) |> Array.sum)

        sameUpToConstant (posteriorLogPdf post) logJoint (randomVector r k -3.0 3.0) (randomVector r k -3.0 3.0))

let ``diagonal regression prior agrees with the full-covariance path`` () =
    forAllSeeds (fun r ->
        let k, n = r.Next(1, 4), r.Next(0, 15)
        let x = build.Dense(n, k, fun _ _ -> uniform r -2.0 2.0)

        let stats =
            MvConjugatePosterior.regressionStats
                x
                (randomVector r n -1.0 1.0)
                (randomVector r n 0.3 3.0)
                (randomVector r n -5.0 5.0)

        let m0, sd0 = randomVector r k -2.0 2.0, randomVector r k 0.2 4.0
        let diag = MvConjugatePosterior.regressionDiagonal m0 sd0 stats

        let full =
            MvConjugatePosterior.regression m0 (build.DenseOfDiagonalArray(sd0 |> Array.map (fun v -> v * v))) stats

        Array.forall2 (fun (p: float) q -> abs (p - q) < 1e-9 * (1.0 + abs p)) diag.Mean full.Mean
        && (diag.PrecisionCholesky - full.PrecisionCholesky).FrobeniusNorm() <
            1e-9 * (1.0 + full.PrecisionCholesky.FrobeniusNorm()))

let ``MvNormal mean posterior equals prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let k, n = r.Next(1, 4), r.Next(0, 8)
        let m0, s0, sigma = randomVector r k -2.0 2.0, randomSpd r k 0.5, randomSpd r k 0.3
        let xs = Array.init n (fun _ -> randomVector r k -4.0 4.0)

        let post =
            MvConjugatePosterior.mvNormalMean
                m0
                s0
                sigma
                (float n)
                (Array.init k (fun j -> xs |> Array.sumBy (fun x -> x[j])))

        let logJoint mu =
            mvnLogPdf m0 s0 mu + (xs |> Array.sumBy (mvnLogPdf mu sigma))

        sameUpToConstant (posteriorLogPdf post) logJoint (randomVector r k -3.0 3.0) (randomVector r k -3.0 3.0))

let ``Wishart precision posterior equals prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let k, n = 2, r.Next(0, 6)

        let prior =
            {
                Dof = float k + uniform r 0.5 4.0
                Scale = randomSpd r k 0.3 * 0.3
            }

        let mu = randomVector r k -1.0 1.0
        let xs = Array.init n (fun _ -> randomVector r k -2.0 2.0)

        let post =
            MvConjugatePosterior.wishartPrecision prior (float n) (MvConjugatePosterior.scatter xs mu)

        let logJoint (lam: Matrix<float>) =
            log (Wishart(prior.Dof, prior.Scale).Density lam)
            + (xs |> Array.sumBy (mvnLogPdf mu (lam.Inverse())))

        let point () = randomSpd r k 0.5

        sameUpToConstant
            (fun (lam: Matrix<float>) -> log (Wishart(post.Dof, post.Scale).Density lam))
            logJoint
            (point ())
            (point ()))

let ``InverseWishart covariance posterior equals prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let k, n = 2, r.Next(0, 6)

        let prior =
            {
                Dof = float k + uniform r 0.5 4.0
                Scale = randomSpd r k 0.5
            }

        let mu = randomVector r k -1.0 1.0
        let xs = Array.init n (fun _ -> randomVector r k -2.0 2.0)

        let post =
            MvConjugatePosterior.inverseWishartCovariance prior (float n) (MvConjugatePosterior.scatter xs mu)

        let logJoint (cov: Matrix<float>) =
            log (InverseWishart(prior.Dof, prior.Scale).Density cov)
            + (xs |> Array.sumBy (mvnLogPdf mu cov))

        let point () = randomSpd r k 0.5

        sameUpToConstant
            (fun (cov: Matrix<float>) -> log (InverseWishart(post.Dof, post.Scale).Density cov))
            logJoint
            (point ())
            (point ()))

// ---- moment tests of the multivariate draws ----

let ``MvNormal draws have the posterior mean, variances and covariance`` () =
    let r = rng 11

    let x =
        build.Dense(30, 3, fun i j -> if j = 0 then 1.0 else Math.Sin(float (i * (j + 2))))

    let stats =
        MvConjugatePosterior.regressionStats
            x
            (Array.zeroCreate 30)
            (Array.create 30 2.0)
            (Array.init 30 (fun i -> float i / 10.0))

    let post =
        MvConjugatePosterior.regression [| 0.0; 1.0; -1.0 |] (randomSpd (rng 3) 3 0.5) stats

    let cov = (post.PrecisionCholesky * post.PrecisionCholesky.Transpose()).Inverse()
    let ds = Array.init 20000 (fun _ -> MvConjugatePosterior.drawMvNormal r post)

    for j in 0..2 do
        assertMean $"β[{j}] mean" post.Mean[j] (ds |> Array.map (fun d -> d[j]))
        assertMean $"β[{j}] variance" cov[j, j] (ds |> Array.map (fun d -> (d[j] - post.Mean[j]) ** 2.0))

    assertMean
        "β[0]β[2] covariance"
        cov[0, 2]
        (ds |> Array.map (fun d -> (d[0] - post.Mean[0]) * (d[2] - post.Mean[2])))

let ``Wishart and InverseWishart draws have the posterior mean`` () =
    let r = rng 12
    let xs = Array.init 7 (fun i -> [| Math.Sin(float i); Math.Cos(float (2 * i)) |])
    let s = MvConjugatePosterior.scatter xs [| 0.1; -0.2 |]

    let wPrior =
        {
            Dof = 4.0
            Scale = build.DenseOfArray(array2D [ [ 0.5; 0.1 ]; [ 0.1; 0.3 ] ])
        }

    let wPost = MvConjugatePosterior.wishartPrecision wPrior 7.0 s

    let ws =
        Array.init 20000 (fun _ -> MvConjugatePosterior.drawWishartPrecision r wPrior 7.0 s)

    let iwPost = MvConjugatePosterior.inverseWishartCovariance wPrior 7.0 s

    let iws =
        Array.init 20000 (fun _ -> MvConjugatePosterior.drawInverseWishartCovariance r wPrior 7.0 s)

    for i, j in [ 0, 0; 0, 1; 1, 1 ] do
        assertMean $"Wishart mean [{i},{j}]" (wPost.Dof * wPost.Scale[i, j]) (ws |> Array.map (fun m -> m[i, j]))

        assertMean
            $"InverseWishart mean [{i},{j}]"
            (iwPost.Scale[i, j] / (iwPost.Dof - 3.0))
            (iws |> Array.map (fun m -> m[i, j]))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.ConjugateMvTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.ConjugateMvTests"
            [
                Expecto.Tests.testCase "regression posterior equals prior times likelihood up to a constant" (fun () ->
                    ``regression posterior equals prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase "diagonal regression prior agrees with the full-covariance path" (fun () ->
                    ``diagonal regression prior agrees with the full-covariance path`` ())
                Expecto.Tests.testCase
                    "MvNormal mean posterior equals prior times likelihood up to a constant"
                    (fun () -> ``MvNormal mean posterior equals prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase
                    "Wishart precision posterior equals prior times likelihood up to a constant"
                    (fun () -> ``Wishart precision posterior equals prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase
                    "InverseWishart covariance posterior equals prior times likelihood up to a constant"
                    (fun () ->
                        ``InverseWishart covariance posterior equals prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase "MvNormal draws have the posterior mean, variances and covariance" (fun () ->
                    ``MvNormal draws have the posterior mean, variances and covariance`` ())
                Expecto.Tests.testCase "Wishart and InverseWishart draws have the posterior mean" (fun () ->
                    ``Wishart and InverseWishart draws have the posterior mean`` ())
            ])
