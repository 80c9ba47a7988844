namespace HierFunctional.Inference

open System
open MathNet.Numerics.Distributions
open MathNet.Numerics.LinearAlgebra

/// Closed-form conditional posteriors and their draws for the multivariate conjugate pairs: regression
/// coefficients, an MvNormal mean, and a Wishart precision or inverse-Wishart covariance.
[<RequireQualifiedAccess>]
module MvConjugatePosterior =

    let private checkSquare (name: string) (m: Matrix<float>) (k: int) =
        if m.RowCount <> k || m.ColumnCount <> k then
            invalidArg name $"{name} must be {k}×{k}, but was {m.RowCount}×{m.ColumnCount}."

    /// Regression sufficient statistics XᵀWX and XᵀW(y − a) with W = diag(1/sd_i²), for y = a + Xβ + ε.
    let regressionStats (x: Matrix<float>) (offsets: float[]) (sds: float[]) (ys: float[]) : RegressionStats =
        let n, k = x.RowCount, x.ColumnCount

        if offsets.Length <> n || sds.Length <> n || ys.Length <> n then
            invalidArg
                "ys"
                $"X has {n} rows but offsets, sds, ys have lengths {offsets.Length}, {sds.Length}, {ys.Length}."

        let xtwx = Matrix<float>.Build.Dense(k, k)
        let xtwr = Array.zeroCreate k

        for i in 0 .. n - 1 do // accumulation into fresh buffers, returned immutable by convention
            let w = 1.0 / (sds[i] * sds[i])
            let r = ys[i] - offsets[i]

            for a in 0 .. k - 1 do
                let xa = x[i, a] * w
                xtwr[a] <- xtwr[a] + xa * r

                for b in 0..a do
                    xtwx[a, b] <- xtwx[a, b] + xa * x[i, b]

        for a in 0 .. k - 1 do
            for b in 0 .. a - 1 do
                xtwx[b, a] <- xtwx[a, b]

        { XtWX = xtwx; XtWr = xtwr }

    /// MvNormal prior N(m0, Q0⁻¹) given by its precision Q0 × Gaussian-linear data (XᵀWX, XᵀWr):
    /// posterior precision Q = Q0 + XᵀWX and mean μ = Q⁻¹(Q0 m0 + XᵀWr), solved through the Cholesky factor of Q.
    let mvNormalFromPrecision (priorMean: float[]) (priorPrecision: Matrix<float>) (stats: RegressionStats) =
        let k = priorMean.Length
        checkSquare "priorPrecision" priorPrecision k
        checkSquare "stats.XtWX" stats.XtWX k
        let q = priorPrecision + stats.XtWX

        let rhs =
            priorPrecision * Vector<float>.Build.DenseOfArray priorMean
            + Vector<float>.Build.DenseOfArray stats.XtWr

        let chol = q.Cholesky()

        {
            Mean = chol.Solve(rhs).ToArray()
            PrecisionCholesky = chol.Factor
        }

    /// Regression coefficients with prior β ~ N(m0, S0) (S0 a covariance): posterior precision S0⁻¹ + XᵀWX,
    /// mean by Cholesky solve (S0⁻¹ itself comes from a Cholesky solve against the identity).
    let regression (priorMean: float[]) (priorCovariance: Matrix<float>) (stats: RegressionStats) =
        checkSquare "priorCovariance" priorCovariance priorMean.Length

        let q0 =
            priorCovariance.Cholesky().Solve(Matrix<float>.Build.DenseIdentity priorMean.Length)

        mvNormalFromPrecision priorMean q0 stats

    /// Regression coefficients with independent priors β_j ~ N(m0_j, s0_j): the diagonal fast path of `regression`
    /// (prior precision diag(1/s0²), no matrix inverse).
    let regressionDiagonal (priorMean: float[]) (priorSd: float[]) (stats: RegressionStats) =
        if priorSd.Length <> priorMean.Length then
            invalidArg "priorSd" $"priorSd has {priorSd.Length} entries but priorMean has {priorMean.Length}."

        let q0 =
            Matrix<float>.Build.DenseOfDiagonalArray(priorSd |> Array.map (fun s -> 1.0 / (s * s)))

        mvNormalFromPrecision priorMean q0 stats

    /// Draws x ~ N(μ, Q⁻¹) with Q = L Lᵀ: x = μ + L⁻ᵀ z, z ~ N(0, I), by back substitution (no inverse).
    let drawMvNormal (rng: Random) (post: MvNormalPrecision) : float[] =
        let l = post.PrecisionCholesky
        let k = post.Mean.Length
        let u = Array.init k (fun _ -> Normal.Sample(rng, 0.0, 1.0))

        for i in k - 1 .. -1 .. 0 do // in-place back substitution on the fresh result buffer
            let mutable s = u[i]

            for j in i + 1 .. k - 1 do
                s <- s - l[j, i] * u[j]

            u[i] <- s / l[i, i]

        for i in 0 .. k - 1 do
            u[i] <- u[i] + post.Mean[i]

        u

    /// MvNormal prior N(m0, S0) on a mean μ × n children x_i ~ N(μ, Σ) with Σx_i = sum:
    /// precision S0⁻¹ + nΣ⁻¹, mean Q⁻¹(S0⁻¹m0 + Σ⁻¹ sum).
    let mvNormalMean
        (priorMean: float[])
        (priorCovariance: Matrix<float>)
        (childCovariance: Matrix<float>)
        (n: float)
        (sum: float[])
        =
        let k = priorMean.Length
        checkSquare "childCovariance" childCovariance k
        let sigmaInv = childCovariance.Cholesky().Solve(Matrix<float>.Build.DenseIdentity k)
        let shift = (sigmaInv * Vector<float>.Build.DenseOfArray sum).ToArray()
        regression priorMean priorCovariance { XtWX = sigmaInv * n; XtWr = shift }

    /// Centered scatter matrix S = Σ (x_i − μ)(x_i − μ)ᵀ of vector observations about a mean.
    let scatter (xs: float[][]) (mean: float[]) : Matrix<float> =
        let k = mean.Length
        let s = Matrix<float>.Build.Dense(k, k)

        for x in xs do // accumulation into a fresh result
            if x.Length <> k then
                invalidArg "xs" $"an observation has {x.Length} entries, expected {k}."

            for a in 0 .. k - 1 do
                for b in 0 .. k - 1 do
                    s[a, b] <- s[a, b] + (x[a] - mean[a]) * (x[b] - mean[b])

        s

    /// Wishart(ν, V) prior on a precision Λ (mean νV) × n children N(μ, Λ⁻¹) with scatter S: Wishart(ν + n, (V⁻¹ + S)⁻¹).
    let wishartPrecision (prior: WishartParams) (n: float) (scatterMatrix: Matrix<float>) : WishartParams =
        let k = prior.Scale.RowCount
        checkSquare "scatterMatrix" scatterMatrix k
        let eye = Matrix<float>.Build.DenseIdentity k
        let vInv = prior.Scale.Cholesky().Solve eye
        let scale = (vInv + scatterMatrix).Cholesky().Solve eye

        {
            Dof = prior.Dof + n
            Scale = 0.5 * (scale + scale.Transpose())
        }

    /// Draws the precision from `wishartPrecision` (MathNet's Wishart sampler).
    let drawWishartPrecision (rng: Random) (prior: WishartParams) (n: float) (scatterMatrix: Matrix<float>) =
        let post = wishartPrecision prior n scatterMatrix
        Wishart.Sample(rng, post.Dof, post.Scale)

    /// InverseWishart(ν, Ψ) prior on a covariance Σ × n children N(μ, Σ) with scatter S: InverseWishart(ν + n, Ψ + S).
    let inverseWishartCovariance (prior: WishartParams) (n: float) (scatterMatrix: Matrix<float>) : WishartParams =
        checkSquare "scatterMatrix" scatterMatrix prior.Scale.RowCount

        {
            Dof = prior.Dof + n
            Scale = prior.Scale + scatterMatrix
        }

    /// Draws the covariance from `inverseWishartCovariance` (MathNet's inverse-Wishart sampler).
    let drawInverseWishartCovariance (rng: Random) (prior: WishartParams) (n: float) (scatterMatrix: Matrix<float>) =
        let post = inverseWishartCovariance prior n scatterMatrix
        InverseWishart.Sample(rng, post.Dof, post.Scale)
