namespace HierFunctional.Analytic

open MathNet.Numerics.Distributions

/// Empirical-Bayes fit of the two-group model θ_i ~ π₀·δ₀ + (1−π₀)·N(0, τ²), z_i | θ_i ~ N(θ_i, s_i²).
type TwoGroupFit =
    {
        /// Estimated proportion of nulls π₀.
        Pi0: float
        /// Standard error of π̂₀ from the observed information.
        Pi0Se: float
        /// Estimated variance τ² of the non-null effects.
        Tau2: float
        /// Standard error of τ̂² from the observed information.
        Tau2Se: float
        /// Marginal log-likelihood at the estimate.
        LogLikelihood: float
        /// EM iterations used.
        Iterations: int
        /// Local false discovery rates lfdr_i = P(θ_i = 0 | z_i), in input order.
        Lfdr: float[]
        /// Posterior means E[θ_i | z_i] = (1−lfdr_i)·τ²/(τ²+s_i²)·z_i.
        PosteriorMean: float[]
    }

/// Discoveries at a target Bayesian false discovery rate.
type Discoveries =
    {
        /// Indices (into the input) of the discoveries, in increasing lfdr order.
        Indices: int[]
        /// The estimated FDR of the set: the mean lfdr of its members.
        EstimatedFdr: float
    }

/// The two-group model for large-scale multiple testing (Efron's local false discovery rate).
[<RequireQualifiedAccess>]
module TwoGroup =

    /// Local fdr: lfdr_i = π₀φ(z_i; 0, s_i²) / [π₀φ(z_i; 0, s_i²) + (1−π₀)φ(z_i; 0, s_i²+τ²)].
    let localFdr (pi0: float) (tau2: float) (z: float[]) (s: float[]) =
        Array.map2
            (fun zi si ->
                let l0 = log pi0 + Normal.PDFLn(0.0, si, zi)
                let l1 = log (1.0 - pi0) + Normal.PDFLn(0.0, sqrt (si * si + tau2), zi)

                if pi0 >= 1.0 then 1.0
                elif pi0 <= 0.0 then 0.0
                else 1.0 / (1.0 + exp (l1 - l0)))
            z
            s

    /// Marginal log-likelihood Σ_i log[π₀φ(z_i; 0, s_i²) + (1−π₀)φ(z_i; 0, s_i²+τ²)].
    let logLikelihood (pi0: float) (tau2: float) (z: float[]) (s: float[]) =
        Array.fold2
            (fun acc zi si ->
                let a = pi0 * Normal.PDF(0.0, si, zi)
                let b = (1.0 - pi0) * Normal.PDF(0.0, sqrt (si * si + tau2), zi)
                acc + log (a + b))
            0.0
            z
            s

    // One EM step: E-step lfdr; M-step π₀ = mean lfdr, τ² = Σ(1−r)(m²+v)/Σ(1−r) with m, v the non-null
    // posterior mean and variance of θ_i (Dempster, Laird & Rubin 1977).
    let private emStep (z: float[]) (s: float[]) (pi0, tau2) =
        let r = localFdr pi0 tau2 z s
        let mutable num, den = 0.0, 0.0 // sums local to this step

        for i in 0 .. z.Length - 1 do
            let b = tau2 / (tau2 + s[i] * s[i])
            let m, v = b * z[i], b * s[i] * s[i]
            num <- num + (1.0 - r[i]) * (m * m + v)
            den <- den + (1.0 - r[i])

        Array.average r, (if den > 0.0 then num / den else tau2)

    /// Marginal maximum likelihood of (π₀, τ²) by EM from (0.9, mean z² − mean s²), iterated until both change by
    /// less than 1e-10 relative; standard errors from the numerical observed information.
    let fit (z: float[]) (s: float[]) : TwoGroupFit =
        if z.Length <> s.Length || z.Length < 3 then
            invalidArg "s" $"need one noise sd per effect and at least three effects; got {z.Length} and {s.Length}."

        s
        |> Array.iteri (fun i si ->
            if not (si > 0.0) then
                invalidArg "s" $"noise sd {i} must be positive, but was {si}.")

        let excess =
            Array.fold2 (fun acc zi si -> acc + zi * zi - si * si) 0.0 z s / float z.Length

        let start =
            0.9, max (excess / 0.1) (Array.average (s |> Array.map (fun x -> x * x)))

        let rec loop (p, t) iter =
            let p', t' = emStep z s (p, t)
            let close a b = abs (a - b) <= 1e-10 * max 1e-8 (abs b)

            if (close p' p && close t' t) || iter >= 20000 then
                (p', t'), iter
            else
                loop (p', t') (iter + 1)

        let (pi0, tau2), iters = loop start 1
        let ll (x: float[]) = logLikelihood x[0] x[1] z s

        let se =
            if pi0 > 1e-6 && pi0 < 1.0 - 1e-6 then
                let cov = Optimize.covariance ll [| pi0; tau2 |]
                sqrt cov[0, 0], sqrt cov[1, 1]
            else
                nan, nan

        let lfdr = localFdr pi0 tau2 z s

        {
            Pi0 = pi0
            Pi0Se = fst se
            Tau2 = tau2
            Tau2Se = snd se
            LogLikelihood = ll [| pi0; tau2 |]
            Iterations = iters
            Lfdr = lfdr
            PosteriorMean = Array.init z.Length (fun i -> (1.0 - lfdr[i]) * tau2 / (tau2 + s[i] * s[i]) * z[i])
        }

    /// Bayesian FDR control: sort by lfdr and reject the longest prefix whose running mean of lfdr is ≤ q; the
    /// mean lfdr of a set is its posterior expected false discovery proportion.
    let discoveries (q: float) (lfdr: float[]) : Discoveries =
        if not (q > 0.0 && q < 1.0) then
            invalidArg "q" $"the target FDR q must lie in (0, 1), but was {q}."

        let order = Array.init lfdr.Length id |> Array.sortBy (fun i -> lfdr[i])
        let running = order |> Array.scan (fun acc i -> acc + lfdr[i]) 0.0 |> Array.tail

        let k =
            running
            |> Array.mapi (fun j c -> c / float (j + 1))
            |> Array.tryFindIndexBack (fun m -> m <= q)

        match k with
        | None -> { Indices = [||]; EstimatedFdr = 0.0 }
        | Some k ->
            {
                Indices = order[..k]
                EstimatedFdr = running[k] / float (k + 1)
            }
