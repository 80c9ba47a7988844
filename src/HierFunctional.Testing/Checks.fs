namespace HierFunctional.Testing

/// The outcome of a statistical check: whether it held, and a message with the numbers either way.
type CheckResult =
    {
        /// True when the identity held within tolerance.
        Passed: bool
        /// Actual, expected and tolerance, for failure reports.
        Message: string
    }

/// Checkers for statistical identities, usable inside FsCheck properties (`.Passed`) or as assertions (`orFail`).
[<RequireQualifiedAccess>]
module Checks =

    let private result ok msg = { Passed = ok; Message = msg }

    /// log f − log g is the same at every point (so f ∝ g): |gap(x_i) − gap(x_0)| ≤ tol·(1 + M), where M is the
    /// largest |log f| or |log g| seen, since rounding in the log-densities scales with their size.
    let differByConstant (tolerance: float) (logF: 'a -> float) (logG: 'a -> float) (points: 'a list) =
        match points with
        | []
        | [ _ ] -> invalidArg "points" "need at least two points to compare log-density differences."
        | x0 :: rest ->
            let gap x = logF x - logG x
            let g0 = gap x0
            let worst = rest |> List.map (fun x -> abs (gap x - g0)) |> List.max

            let size =
                points |> List.map (fun x -> max (abs (logF x)) (abs (logG x))) |> List.max

            let tol = tolerance * (1.0 + size)

            result
                (worst <= tol && not (System.Double.IsNaN worst))
                $"log f − log g varies by {worst:G6} across points (gap at first point {g0:G6}); tolerance {tol:G3}."

    /// The update is the conjugate posterior: log posterior(θ) − [log prior(θ) + log likelihood(θ)] is constant
    /// over the points (Bayes' rule up to the evidence).
    let conjugatePosterior
        tolerance
        (logPrior: 'a -> float)
        (logLikelihood: 'a -> float)
        (logPosterior: 'a -> float)
        points
        =
        differByConstant tolerance logPosterior (fun x -> logPrior x + logLikelihood x) points

    /// |estimate − truth| ≤ k·mcse.
    let withinMcse (k: float) (mcse: float) (truth: float) (estimate: float) =
        if not (mcse > 0.0) then
            invalidArg "mcse" $"the Monte Carlo standard error must be positive, but was {mcse}."

        let err = abs (estimate - truth)

        result
            (err <= k * mcse)
            $"estimate {estimate:G6} vs truth {truth:G6}: |error| {err:G4} = {err / mcse:G3} MCSE (allowed {k})."

    /// The mean of independent draws equals truth within k MCSE, MCSE = sd/√n.
    let meanWithinMcse (k: float) (truth: float) (draws: float[]) =
        if draws.Length < 2 then
            invalidArg "draws" "need at least two draws to estimate a Monte Carlo standard error."

        let n = float draws.Length
        let m = Array.average draws
        let sd = sqrt ((draws |> Array.sumBy (fun x -> (x - m) ** 2.0)) / (n - 1.0))
        withinMcse k (sd / sqrt n) truth m

    /// The variance of independent draws equals truth within k MCSE, MCSE = √((m₄ − s⁴)/n) (delta method).
    let varianceWithinMcse (k: float) (truth: float) (draws: float[]) =
        if draws.Length < 4 then
            invalidArg "draws" "need at least four draws to estimate the MCSE of a variance."

        let n = float draws.Length
        let m = Array.average draws
        let s2 = (draws |> Array.sumBy (fun x -> (x - m) ** 2.0)) / (n - 1.0)
        let m4 = (draws |> Array.sumBy (fun x -> (x - m) ** 4.0)) / n
        withinMcse k (sqrt ((m4 - s2 * s2) / n)) truth s2

    /// |actual − expected| ≤ relTol·max(|expected|, tiny), treating equal infinities and NaN==NaN as equal.
    let relativelyClose (relTol: float) (expected: float) (actual: float) =
        let same =
            expected = actual
            || (System.Double.IsNaN expected && System.Double.IsNaN actual)

        let err = abs (actual - expected)
        let tol = relTol * max (abs expected) 1e-300
        result (same || err <= tol) $"actual {actual:R} vs expected {expected:R}: |error| {err:G3}, tolerance {tol:G3}."

    /// Throws with the check's message when it failed (for use as an assertion in xunit facts).
    let orFail (check: CheckResult) =
        if not check.Passed then
            failwith check.Message
