namespace HierFunctional

open System

/// The Beta-Binomial marginal log-likelihood of group totals with the group rates integrated out:
/// Σ_g log B(a + Y_g, b + F_g) − log B(a, b), for Y_g successes and F_g failures in group g (binomial coefficients,
/// which do not involve a or b, are left out). Groups without trials contribute nothing.
[<RequireQualifiedAccess>]
module internal BetaBinomialMarginal =

    /// log B(a + y, b + f) − log B(a, b) summed over groups, for a, b > 0 (−∞ otherwise).
    type LogLikelihood = float -> float -> float

    /// Each log B(a + y, b + f) − log B(a, b) by log-gamma differences, once per distinct (y, f) with its
    /// multiplicity: cost ~3 log-gammas per distinct total, whatever the counts' size.
    let private byLogGamma (pairs: ((float * float) * int)[]) : LogLikelihood =
        let ys = pairs |> Array.map (fst >> fst)
        let fs = pairs |> Array.map (fst >> snd)
        let ms = pairs |> Array.map (snd >> float)
        let groups = Array.sum ms

        fun a b ->
            if a > 0.0 && b > 0.0 then
                let la, lb, lab = LogGamma.value a, LogGamma.value b, LogGamma.value (a + b)
                let mutable sum = groups * (lab - la - lb) // accumulator of the group terms

                for i in 0 .. ys.Length - 1 do
                    let y, f = ys.[i], fs.[i]

                    sum <-
                        sum
                        + ms.[i]
                          * (LogGamma.value (a + y) + LogGamma.value (b + f) - LogGamma.value (a + b + y + f))

                sum
            else
                Double.NegativeInfinity

    /// Counts c_k = #{g : total_g > k} for k = 0 … max − 1, so that Σ_g log Γ(x + t_g)/Γ(x) = Σ_k c_k log(x + k).
    let private exceedances (totals: int[]) =
        let top = if totals.Length = 0 then 0 else Array.max totals
        Array.init top (fun k -> totals |> Array.sumBy (fun t -> if t > k then 1 else 0) |> float)

    /// The rising-factorial form Σ_k cA_k log(a + k) + Σ_k cF_k log(b + k) − Σ_k cN_k log(a + b + k): one log per
    /// count level, exact for whole totals; cheaper than log-gammas when many groups share small totals.
    let private byRisingFactorials (ys: int[]) (fs: int[]) : LogLikelihood =
        let ca = exceedances ys
        let cf = exceedances fs
        let cn = exceedances (Array.map2 (+) ys fs)

        fun a b ->
            if a > 0.0 && b > 0.0 then
                let ab = a + b
                let mutable sum = 0.0 // accumulator of the three sums

                for k in 0 .. ca.Length - 1 do
                    sum <- sum + ca.[k] * log (a + float k)

                for k in 0 .. cf.Length - 1 do
                    sum <- sum + cf.[k] * log (b + float k)

                for k in 0 .. cn.Length - 1 do
                    sum <- sum - cn.[k] * log (ab + float k)

                sum
            else
                Double.NegativeInfinity

    let private isWhole (x: float) = x >= 0.0 && x < 1e9 && Math.Floor x = x

    /// Log-gamma evaluations per call of the log-gamma form, in logs (a log-gamma costs about three).
    let private logGammaCost (distinct: int) = 9 * (distinct + 1)

    /// The marginal for per-group successes Y_g and failures F_g (non-negative, finite): the rising-factorial form
    /// when the totals are whole and it needs fewer logs, else log-gamma differences over distinct totals.
    let create (successes: float[]) (failures: float[]) : LogLikelihood =
        if successes.Length <> failures.Length then
            invalidArg "failures" $"{successes.Length} success totals but {failures.Length} failure totals."

        let pairs =
            Array.zip successes failures
            |> Array.filter (fun (y, f) -> y + f > 0.0)
            |> Array.countBy id

        let whole = Array.forall isWhole successes && Array.forall isWhole failures

        // in floats: three maxima near 1e9 would overflow an int sum and pick a billion-term form
        let risingCost =
            if whole then
                let top (xs: float[]) = Array.fold max 0.0 xs
                top successes + top failures + top (Array.map2 (+) successes failures)
            else
                infinity

        if risingCost <= float (logGammaCost pairs.Length) then
            byRisingFactorials (Array.map int successes) (Array.map int failures)
        else
            byLogGamma pairs

    /// The log-gamma form alone (for checking the two forms against each other).
    let createByLogGamma (successes: float[]) (failures: float[]) : LogLikelihood =
        Array.zip successes failures
        |> Array.filter (fun (y, f) -> y + f > 0.0)
        |> Array.countBy id
        |> byLogGamma
