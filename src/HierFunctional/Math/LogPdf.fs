namespace HierFunctional

open System
open MathNet.Numerics
open HierFunctional.Numerics

/// Fast log-densities (log-mass functions for discrete families), arguments in the order of the Dist fields.
/// Values outside the support give −∞, never NaN. Invalid arguments (a non-positive scale, a probability outside
/// [0, 1], a NaN anywhere, a non-positive-definite matrix, mismatched lengths) also give −∞, so a sampler simply
/// rejects them; use `Density.validArgs` to get a message naming the bad argument.
/// Discrete values k and trials n are floats that must be whole numbers (non-integers give −∞).
[<RequireQualifiedAccess>]
module internal LogPdf =

    let private nan2ninf (r: float) =
        if Double.IsNaN r then Double.NegativeInfinity else r

    let private ninf = Double.NegativeInfinity
    let private isProb (p: float) = p >= 0.0 && p <= 1.0

    // Each family whose arguments' part can be computed once (`LogPdfFixed`) is written as that part (its head)
    // and the rest given it (`…Given`), in the order of the one formula, so both give the same bits.

    /// Normal(mean, sd): −z²/2 − log sd − log √(2π), z = (x − mean)/sd, given log sd.
    let normalGiven (logSd: float) (mean: float) (sd: float) (x: float) =
        let z = (x - mean) / sd
        nan2ninf (-0.5 * z * z - logSd - Constants.LogSqrt2Pi)

    /// Normal(mean, sd).
    let normal (mean: float) (sd: float) (x: float) =
        if not (sd > 0.0) then
            ninf
        else
            normalGiven (log sd) mean sd x

    /// Student-t's head: log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − log s.
    let studentTHead (dof: float) (scale: float) =
        SpecialFunctions.GammaLn((dof + 1.0) / 2.0)
        - SpecialFunctions.GammaLn(dof / 2.0)
        - 0.5 * log (dof * Math.PI)
        - log scale

    /// Student-t(dof, location, scale): head − (ν+1)/2·log1p(z²/ν), z = (x − location)/s.
    let studentTGiven (head: float) (dof: float) (location: float) (scale: float) (x: float) =
        let z = (x - location) / scale
        head - (dof + 1.0) / 2.0 * log1p (z * z / dof) |> nan2ninf

    /// Student-t(dof, location, scale).
    let studentT (dof: float) (location: float) (scale: float) (x: float) =
        if not (dof > 0.0 && scale > 0.0) then
            ninf
        else
            studentTGiven (studentTHead dof scale) dof location scale x

    /// The part of Cauchy(location, scale)'s log-density that depends on the scale alone: −log π − log s.
    let cauchyHead (scale: float) = -Constants.LnPi - log scale

    /// Cauchy(location, scale) given `cauchyHead scale`: head − log(1 + z²).
    let cauchyGiven (head: float) (location: float) (scale: float) (x: float) =
        let z = (x - location) / scale
        nan2ninf (head - log1p (z * z))

    /// Cauchy(location, scale).
    let cauchy (location: float) (scale: float) (x: float) =
        if not (scale > 0.0) then
            ninf
        else
            cauchyGiven (cauchyHead scale) location scale x

    /// HalfNormal(sd) on [0, ∞): log 2 + Normal(0, sd) log-density.
    let halfNormal (sd: float) (x: float) =
        if x >= 0.0 then Constants.Ln2 + normal 0.0 sd x else ninf

    /// HalfCauchy(scale) on [0, ∞): log 2 + Cauchy(0, scale) log-density.
    let halfCauchy (scale: float) (x: float) =
        if x >= 0.0 then
            Constants.Ln2 + cauchy 0.0 scale x
        else
            ninf

    /// HalfStudentT(dof, scale) on [0, ∞): log 2 + Student-t(dof, 0, scale) log-density.
    let halfStudentT (dof: float) (scale: float) (x: float) =
        if x >= 0.0 then
            Constants.Ln2 + studentT dof 0.0 scale x
        else
            ninf

    /// Uniform(lower, upper): −log(upper − lower) on [lower, upper].
    let uniform (lower: float) (upper: float) (x: float) =
        if lower < upper && x >= lower && x <= upper then
            nan2ninf (-log(upper - lower))
        else
            ninf

    /// Exponential(rate): log rate − rate·x, given log rate.
    let exponentialGiven (logRate: float) (rate: float) (x: float) = nan2ninf (logRate - rate * x)

    /// Exponential(rate) on [0, ∞).
    let exponential (rate: float) (x: float) =
        if rate > 0.0 && x >= 0.0 then
            exponentialGiven (log rate) rate x
        else
            ninf

    /// The head of Gamma(a, b) and InverseGamma(a, b): a·log b − log Γ(a).
    let gammaHead (shape: float) (rateOrScale: float) =
        shape * log rateOrScale - SpecialFunctions.GammaLn shape

    /// Gamma(shape, rate): head + (a − 1)·log x − b·x.
    let gammaGiven (head: float) (shape: float) (rate: float) (x: float) =
        head + xlogy (shape - 1.0) x - rate * x |> nan2ninf

    /// Gamma(shape, rate) on [0, ∞).
    let gamma (shape: float) (rate: float) (x: float) =
        if not (shape > 0.0 && rate > 0.0 && x >= 0.0) then
            ninf
        else
            gammaGiven (gammaHead shape rate) shape rate x

    /// InverseGamma(shape, scale): head − (a + 1)·log x − b/x.
    let inverseGammaGiven (head: float) (shape: float) (scale: float) (x: float) =
        head - (shape + 1.0) * log x - scale / x |> nan2ninf

    /// InverseGamma(shape, scale) on (0, ∞).
    let inverseGamma (shape: float) (scale: float) (x: float) =
        if not (shape > 0.0 && scale > 0.0 && x > 0.0) then
            ninf
        else
            inverseGammaGiven (gammaHead shape scale) shape scale x

    /// LogNormal(logMean, logSd): Normal(logMean, logSd) log-density of log x minus log x, on (0, ∞).
    let logNormal (logMean: float) (logSd: float) (x: float) =
        if x > 0.0 then
            let lx = log x
            normal logMean logSd lx - lx
        else
            ninf

    /// Beta(alpha, beta): (α − 1)·log x + (β − 1)·log1p(−x) − log B(α, β) on [0, 1].
    let beta (alpha: float) (beta: float) (x: float) =
        if not (alpha > 0.0 && beta > 0.0 && x >= 0.0 && x <= 1.0) then
            ninf
        else
            xlogy (alpha - 1.0) x + xlog1py (beta - 1.0) (-x)
            - SpecialFunctions.BetaLn(alpha, beta)
            |> nan2ninf

    /// Bernoulli(probability): log p at k = 1, log1p(−p) at k = 0.
    let bernoulli (probability: float) (k: float) =
        if not (isProb probability) then ninf
        elif k = 1.0 then log probability
        elif k = 0.0 then log1p -probability
        else ninf

    /// k successes of n trials: both whole, 0 ≤ k ≤ n (the support shared by the binomial-type rows).
    let inline private isSuccessCount (trials: float) (k: float) =
        isInteger trials && trials >= 0.0 && isInteger k && k >= 0.0 && k <= trials

    /// Binomial(trials, probability): log C(n, k) + k·log p + (n − k)·log1p(−p); exact for n = 1e9 at k = 0 or n.
    let binomial (trials: float) (probability: float) (k: float) =
        if not (isProb probability && isSuccessCount trials k) then
            ninf
        else
            logChoose trials k + xlogy k probability + xlog1py (trials - k) (-probability)
            |> nan2ninf

    /// log(1 + e^x) without overflow or cancellation: x + log1p(e^−x) for x > 0, log1p(e^x) otherwise.
    let softplus (x: float) =
        if x > 0.0 then x + log1p (exp -x) else log1p (exp x)

    /// Bernoulli(invLogit η) on the logit scale: k·η − log(1 + e^η), finite for every finite η (a probability
    /// computed first would round to 0 or 1 beyond |η| ≈ 37 and give −∞ for perfectly separated data).
    let bernoulliLogit (eta: float) (k: float) =
        if Double.IsNaN eta then ninf
        elif k = 1.0 then -(softplus -eta)
        elif k = 0.0 then -(softplus eta)
        else ninf

    /// Binomial(trials, invLogit η) on the logit scale: log C(n, k) + k·η − n·log(1 + e^η).
    let binomialLogit (trials: float) (eta: float) (k: float) =
        if not (isSuccessCount trials k) || Double.IsNaN eta then
            ninf
        else
            logChoose trials k - k * softplus -eta - (trials - k) * softplus eta |> nan2ninf

    /// BetaBinomial(trials, alpha, beta): log C(n, k) + log B(k + α, n − k + β) − log B(α, β).
    let betaBinomial (trials: float) (alpha: float) (beta: float) (k: float) =
        if not (alpha > 0.0 && beta > 0.0 && isSuccessCount trials k) then
            ninf
        else
            logChoose trials k + SpecialFunctions.BetaLn(k + alpha, trials - k + beta)
            - SpecialFunctions.BetaLn(alpha, beta)
            |> nan2ninf

    /// Poisson with mean μ = rate·exposure: k·(log rate + log exposure) − μ − log k!; log μ is a sum of logs so that
    /// tiny products do not underflow, k = 0 gives exactly −μ, and k > 1000 uses Loader's saddle-point form
    /// −stirlerr(k) − bd0(k, μ) − ½·log(2πk).
    let poisson (rate: float) (exposure: float) (k: float) =
        if not (rate >= 0.0 && exposure >= 0.0 && isInteger k && k >= 0.0) then
            ninf
        elif k = 0.0 then
            nan2ninf (-(rate * exposure))
        elif rate = 0.0 || exposure = 0.0 then
            ninf
        elif k > 1000.0 && Double.IsFinite(rate * exposure) && rate * exposure > 0.0 then
            // saddle-point form (Loader 2000): avoids cancelling terms of size k·log k when k is huge
            -stirlingError k - bd0 k (rate * exposure) - 0.5 * log (2.0 * Math.PI * k)
            |> nan2ninf
        else
            k * (log rate + log exposure)
            - rate * exposure
            - SpecialFunctions.GammaLn(k + 1.0)
            |> nan2ninf

    /// NB2(mean μ, dispersion φ): log Γ(k + φ) − log Γ(φ) − log k! − φ·log1p(μ/φ) + k·(log μ − log(μ + φ)).
    let negativeBinomial (mean: float) (dispersion: float) (k: float) =
        if not (mean >= 0.0 && dispersion > 0.0 && isInteger k && k >= 0.0) then
            ninf
        elif k = 0.0 then
            nan2ninf (-dispersion * log1p (mean / dispersion))
        elif mean = 0.0 then
            ninf
        else
            SpecialFunctions.GammaLn(k + dispersion)
            - SpecialFunctions.GammaLn dispersion
            - SpecialFunctions.GammaLn(k + 1.0)
            - dispersion * log1p (mean / dispersion)
            + k * (log mean - log (mean + dispersion))
            |> nan2ninf

    /// Spike-and-slab w.r.t. Lebesgue measure plus a unit point mass at 0: log w at x = 0, else
    /// log1p(−w) + Normal(0, slabSd) log-density.
    let spikeAndSlab (zeroWeight: float) (slabSd: float) (x: float) =
        if not (isProb zeroWeight) then ninf
        elif x = 0.0 then log zeroWeight
        else log1p -zeroWeight + normal 0.0 slabSd x

    /// Categorical(probabilities) over {0, …, K−1}: log p_k (the probabilities are not renormalised).
    let categorical (probabilities: float[]) (k: float) =
        if
            isInteger k
            && k >= 0.0
            && k < float probabilities.Length
            && probabilities.[int k] >= 0.0
        then
            log probabilities.[int k]
        else
            ninf

    /// Dirichlet(α) on the simplex: Σ (α_i − 1)·log x_i − Σ log Γ(α_i) + log Γ(Σ α_i); x must sum to 1 within 1e-8.
    let dirichlet (concentration: float[]) (x: float[]) =
        if concentration.Length <> x.Length || x.Length = 0 then
            ninf
        else
            let mutable acc = 0.0 // local accumulators over the components
            let mutable sumA = 0.0
            let mutable sumX = 0.0
            let mutable ok = true

            for i in 0 .. x.Length - 1 do
                let a = concentration.[i]

                if not (a > 0.0 && x.[i] >= 0.0 && x.[i] <= 1.0) then
                    ok <- false

                acc <- acc + xlogy (a - 1.0) x.[i] - SpecialFunctions.GammaLn a
                sumA <- sumA + a
                sumX <- sumX + x.[i]

            if ok && abs (sumX - 1.0) <= 1e-8 then
                nan2ninf (acc + SpecialFunctions.GammaLn sumA)
            else
                ninf

    /// Multinomial(trials, p): log n! − Σ log c_i! + Σ c_i·log p_i; counts must be whole, non-negative, sum to n.
    let multinomial (trials: float) (probabilities: float[]) (counts: float[]) =
        if probabilities.Length <> counts.Length || not (isInteger trials && trials >= 0.0) then
            ninf
        else
            let mutable acc = SpecialFunctions.GammaLn(trials + 1.0) // local accumulators
            let mutable total = 0.0
            let mutable ok = true

            for i in 0 .. counts.Length - 1 do
                let c = counts.[i]

                if not (isInteger c && c >= 0.0 && isProb probabilities.[i]) then
                    ok <- false

                acc <- acc - SpecialFunctions.GammaLn(c + 1.0) + xlogy c probabilities.[i]
                total <- total + c

            if ok && total = trials then nan2ninf acc else ninf

    /// MvNormal(mean, LLᵀ) given the lower Cholesky factor L (factor once, evaluate many times):
    /// −k/2·log 2π − Σ log L_ii − ½‖L⁻¹(x − mean)‖². L is trusted to be lower triangular with a positive diagonal.
    let mvNormalCholesky (mean: float[]) (choleskyFactor: float[,]) (x: float[]) =
        let k = mean.Length

        if x.Length <> k || Array2D.length1 choleskyFactor <> k then
            ninf
        else
            let w = forwardSolve choleskyFactor (Array.init k (fun i -> x.[i] - mean.[i]))
            let q = Array.sumBy (fun v -> v * v) w

            -float k * Constants.LogSqrt2Pi - halfLogDet choleskyFactor - 0.5 * q
            |> nan2ninf

    /// diag(scales)·L: the Cholesky factor of Σ = diag(s)·L·Lᵀ·diag(s) (row i of L times s_i).
    let scaledCholesky (scales: float[]) (corrCholesky: float[,]) : float[,] =
        Array2D.init scales.Length scales.Length (fun i j -> scales.[i] * corrCholesky.[i, j])

    /// MvNormal with Σ = diag(s)·L·Lᵀ·diag(s) (see mvNormalCholesky; log|Σ| = 2Σ log s_k + 2Σ log L_kk); −∞ when a
    /// scale is not positive or the lengths disagree. L is trusted to be a correlation Cholesky factor.
    let mvNormalScaledCholesky (mean: float[]) (scales: float[]) (corrCholesky: float[,]) (x: float[]) =
        if
            scales.Length <> mean.Length
            || Array2D.length1 corrCholesky <> mean.Length
            || Array2D.length2 corrCholesky <> mean.Length
            || not (Array.forall (fun v -> v > 0.0 && v < infinity) scales)
        then
            ninf
        else
            mvNormalCholesky mean (scaledCholesky scales corrCholesky) x

    /// MvNormal(mean, Σ) via the Cholesky factor of Σ (see mvNormalCholesky); −∞ when Σ is not symmetric positive
    /// definite or the lengths disagree.
    let mvNormal (mean: float[]) (covariance: float[,]) (x: float[]) =
        if Array2D.length1 covariance <> mean.Length then
            ninf
        else
            match tryCholesky covariance with
            | None -> ninf
            | Some l -> mvNormalCholesky mean l x

    /// log c_K(η) of LKJ (2009) eq. 16: Σ_{k=1}^{K−1} [(2η − 2 + K − k)(K − k)·log 2 + (K − k)·log B(b_k, b_k)],
    /// b_k = η + (K − k − 1)/2; the density of a correlation matrix R is det(R)^(η−1)/c_K(η).
    let lkjLogNormalizer (eta: float) (dim: int) =
        let mutable acc = 0.0 // local accumulator

        for k in 1 .. dim - 1 do
            let kk = float (dim - k)
            let b = eta + (kk - 1.0) / 2.0

            acc <-
                acc
                + (2.0 * eta - 2.0 + kk) * kk * Constants.Ln2
                + kk * SpecialFunctions.BetaLn(b, b)

        acc

    /// LKJ(η) density of the lower Cholesky factor L of a correlation matrix, with respect to Lebesgue measure on
    /// the strictly-lower entries of L: Σ_{i=2}^{K} (K − i + 2η − 2)·log L_ii − log c_K(η) (Stan's
    /// lkj_corr_cholesky, plus the normalizing constant). L must be lower triangular with unit-norm rows.
    let lkjCholesky (eta: float) (l: float[,]) =
        let k = Array2D.length1 l

        if not (eta > 0.0) || Array2D.length2 l <> k || k = 0 then
            ninf
        else
            let mutable acc = 0.0 // local accumulator
            let mutable ok = true

            for i in 0 .. k - 1 do
                let mutable norm = 0.0

                for j in 0 .. k - 1 do
                    if j > i && l.[i, j] <> 0.0 then
                        ok <- false

                    norm <- norm + l.[i, j] * l.[i, j]

                if not (l.[i, i] > 0.0) || abs (norm - 1.0) > 1e-8 then
                    ok <- false

                if i > 0 then
                    acc <- acc + (float (k - i - 1) + 2.0 * eta - 2.0) * log l.[i, i]

            if ok then nan2ninf (acc - lkjLogNormalizer eta k) else ninf

    let private traceOfSolve (l: float[,]) (m: float[,]) =
        // tr(A⁻¹M) with A = LLᵀ: Σ_j (L⁻¹m_j)ᵀ(L⁻¹e_j) computed column by column
        let p = Array2D.length1 l
        let mutable t = 0.0

        for j in 0 .. p - 1 do
            let e = Array.init p (fun i -> if i = j then 1.0 else 0.0)
            let a = forwardSolve l (Array.init p (fun i -> m.[i, j]))
            let b = forwardSolve l e
            t <- t + Array.fold2 (fun s x y -> s + x * y) 0.0 a b

        t

    /// The support check and Cholesky factors shared by the Wishart pair: −∞ unless ν > p − 1, X is p×p and both S
    /// and X are positive definite; otherwise `density p L_S L_X` (NaN read as −∞).
    let inline private withCholeskys
        (dof: float)
        (scale: float[,])
        (x: float[,])
        ([<InlineIfLambda>] density: int -> float[,] -> float[,] -> float)
        =
        let p = Array2D.length1 scale

        if not (dof > float p - 1.0) || Array2D.length1 x <> p then
            ninf
        else
            match tryCholesky scale, tryCholesky x with
            | Some ls, Some lx -> density p ls lx |> nan2ninf
            | _ -> ninf

    /// Wishart(ν, S) on p×p SPD matrices: (ν − p − 1)/2·log|X| − tr(S⁻¹X)/2 − νp/2·log 2 − ν/2·log|S| − log Γ_p(ν/2).
    let wishart (dof: float) (scale: float[,]) (x: float[,]) =
        withCholeskys dof scale x (fun p ls lx ->
            (dof - float p - 1.0) * halfLogDet lx
            - 0.5 * traceOfSolve ls x
            - dof * float p / 2.0 * Constants.Ln2
            - dof * halfLogDet ls
            - logMvGamma p (dof / 2.0))

    /// Inverse-Wishart(ν, S): ν/2·log|S| − νp/2·log 2 − log Γ_p(ν/2) − (ν + p + 1)/2·log|X| − tr(S X⁻¹)/2.
    let inverseWishart (dof: float) (scale: float[,]) (x: float[,]) =
        withCholeskys dof scale x (fun p ls lx ->
            dof * halfLogDet ls
            - dof * float p / 2.0 * Constants.Ln2
            - logMvGamma p (dof / 2.0)
            - (dof + float p + 1.0) * halfLogDet lx
            - 0.5 * traceOfSolve lx scale)
