namespace HierFunctional

open System
open MathNet.Numerics.Distributions
open MathNet.Numerics.LinearAlgebra
open HierFunctional.Numerics

/// Random variates for the families MathNet.Numerics lacks (or handles only for small arguments).
/// Every sampler takes its generator explicitly.
[<RequireQualifiedAccess>]
module internal Samplers =

    /// Below this many trials MathNet's Binomial sampler (one uniform per trial) is used directly.
    let private directBinomialLimit = 40.0

    /// Binomial(n, p) for any whole n ≥ 0, exact: for large n, the i-th order statistic U_(i) of n uniforms is
    /// Beta(i, n + 1 − i); given U_(i) the counts below and above it are Binomial(i − 1, p/U) or
    /// i + Binomial(n − i, (p − U)/(1 − U)) (Devroye 1986, §X.4), so the recursion halves n each step.
    let binomial (rng: Random) (trials: float) (probability: float) : float =
        let rec go (n: float) (p: float) (acc: float) =
            if n <= 0.0 || p <= 0.0 then
                acc
            elif p >= 1.0 then
                acc + n
            elif n <= directBinomialLimit then
                acc + float (Binomial.Sample(rng, p, int n))
            else
                let i = Math.Floor((n + 1.0) / 2.0)
                let u = Beta.Sample(rng, i, n + 1.0 - i)

                if p < u then
                    go (i - 1.0) (p / u) acc
                else
                    go (n - i) ((p - u) / (1.0 - u)) (acc + i)

        go trials probability 0.0

    /// BetaBinomial(n, α, β): MathNet's sampler for small n, else p ~ Beta(α, β) then Binomial(n, p).
    let betaBinomial (rng: Random) (trials: float) (alpha: float) (beta: float) : float =
        if trials <= directBinomialLimit then
            float (BetaBinomial(int trials, alpha, beta, rng).Sample())
        else
            binomial rng trials (Beta.Sample(rng, alpha, beta))

    /// Poisson(μ) for any μ ≥ 0: MathNet's sampler returns an int, so a mean above 1e9 is split into m equal parts
    /// (a sum of independent Poissons is Poisson with the summed mean); μ = 0 gives 0.
    let poisson (rng: Random) (mean: float) : float =
        if mean <= 0.0 then
            0.0
        elif mean <= 1e9 then
            float (Poisson.Sample(rng, mean))
        else
            let m = Math.Ceiling(mean / 1e9)
            Seq.sum (seq { for _ in 1 .. int m -> float (Poisson.Sample(rng, mean / m)) })

    /// NB2(μ, φ) as the Gamma–Poisson mixture λ ~ Gamma(shape φ, rate φ/μ), k ~ Poisson(λ), with MathNet's Gamma
    /// and Poisson samplers. MathNet 5.0's NegativeBinomial.Sample(r, p) draws λ ~ Gamma(r, rate p), whose mean r/p
    /// is the mean number of trials rather than failures (mathnet/mathnet-numerics issues #455, #1109), so it is not used.
    let negativeBinomial (rng: Random) (mean: float) (dispersion: float) : float =
        if mean = 0.0 then
            0.0
        else
            poisson rng (Gamma.Sample(rng, dispersion, dispersion / mean))

    /// MvNormal(mean, Σ) as mean + L·z with L the Cholesky factor of Σ and z standard normal.
    let mvNormal (rng: Random) (mean: float[]) (covariance: float[,]) : float[] =
        match tryCholesky covariance with
        | None -> invalidArg "covariance" "MvNormal covariance must be symmetric positive definite."
        | Some l ->
            let k = mean.Length
            let z = Array.init k (fun _ -> Normal.Sample(rng, 0.0, 1.0))
            Array.init k (fun i -> mean.[i] + Seq.sum (seq { for j in 0..i -> l.[i, j] * z.[j] }))

    /// MvNormal(mean, diag(s)·L·Lᵀ·diag(s)) as mean + diag(s)·L·z with z standard normal.
    let mvNormalScaledCholesky (rng: Random) (mean: float[]) (scales: float[]) (corrCholesky: float[,]) : float[] =
        let k = mean.Length
        let z = Array.init k (fun _ -> Normal.Sample(rng, 0.0, 1.0))

        Array.init k (fun i ->
            mean.[i]
            + scales.[i] * Seq.sum (seq { for j in 0..i -> corrCholesky.[i, j] * z.[j] }))

    /// Lower Cholesky factor from canonical partial correlations in column order (Stan's read_corr_L): column i
    /// holds the partial correlations of rows i+1..K−1 with variable i given variables 0..i−1.
    let choleskyFromCpcs (k: int) (cpcs: float[]) : float[,] =
        let l = Array2D.zeroCreate k k
        let acc = Array.create k 1.0 // remaining squared norm of each row; local mutation only
        let mutable pos = 0

        for i in 0 .. k - 1 do
            l.[i, i] <- sqrt acc.[i]

            for r in i + 1 .. k - 1 do
                let z = cpcs.[pos]
                pos <- pos + 1
                l.[r, i] <- z * sqrt acc.[r]
                acc.[r] <- acc.[r] * (1.0 - z * z)

        l

    /// LKJ(η) Cholesky factor by the C-vine method (Lewandowski, Kurowicka & Joe 2009 §2.4; Stan's
    /// lkj_corr_cholesky_rng): the partial correlations of column i are 2·Beta(b_i, b_i) − 1 with
    /// b_i = η + (K − 2 − i)/2.
    let lkjCholesky (rng: Random) (dim: int) (eta: float) : float[,] =
        let cpcs =
            [|
                for i in 0 .. dim - 2 do
                    let b = eta + float (dim - 2 - i) / 2.0
                    for _ in i + 1 .. dim - 1 -> 2.0 * Beta.Sample(rng, b, b) - 1.0
            |]

        choleskyFromCpcs dim cpcs

    /// Wishart(ν, S) through MathNet's sampler.
    let wishart (rng: Random) (dof: float) (scale: float[,]) : float[,] =
        Wishart.Sample(rng, dof, Matrix<float>.Build.DenseOfArray scale).ToArray()

    /// Inverse-Wishart(ν, S) through MathNet's sampler.
    let inverseWishart (rng: Random) (dof: float) (scale: float[,]) : float[,] =
        InverseWishart.Sample(rng, dof, Matrix<float>.Build.DenseOfArray scale).ToArray()
