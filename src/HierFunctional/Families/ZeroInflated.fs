namespace HierFunctional.Families

open System
open MathNet.Numerics
open HierFunctional
open HierFunctional.Numerics

/// Zero-inflated count families (brms's zero_inflated_poisson and zero_inflated_negbinomial): with probability
/// `zeroInflation` the count is a structural 0, otherwise it follows the count family, so
/// p(0) = π + (1 − π)·f(0) and p(k) = (1 − π)·f(k) for k > 0.
[<RequireQualifiedAccess>]
module internal ZeroInflated =

    /// log(e^a + e^b) without overflow.
    let private logAddExp (a: float) (b: float) =
        if Double.IsNegativeInfinity a then b
        elif Double.IsNegativeInfinity b then a
        else max a b + log1p (exp (-(abs (a - b))))

    /// The zero-inflated log-mass given the count family's log-mass at k; −∞ when that is −∞ at 0 (the count
    /// family's arguments are invalid) or π is not a probability.
    let private inflate (zeroInflation: float) (k: float) (countLogPdf: float) =
        if
            not (zeroInflation >= 0.0 && zeroInflation <= 1.0)
            || Double.IsNegativeInfinity countLogPdf
        then
            Double.NegativeInfinity
        elif k = 0.0 then
            logAddExp (log zeroInflation) (log1p -zeroInflation + countLogPdf)
        else
            log1p -zeroInflation + countLogPdf

    /// log p(k) of ZeroInflatedPoisson(rate, zeroInflation): Poisson(rate) with extra zeros.
    let poissonLogPdf (rate: float) (zeroInflation: float) (k: float) =
        inflate zeroInflation k (LogPdf.poisson rate 1.0 k)

    /// log p(k) of ZeroInflatedNegativeBinomial(mean, dispersion, zeroInflation): NB2 with extra zeros.
    let negativeBinomialLogPdf (mean: float) (dispersion: float) (zeroInflation: float) (k: float) =
        inflate zeroInflation k (LogPdf.negativeBinomial mean dispersion k)

    /// Zero-inflated Poisson(rate, zeroInflation).
    let poisson: DistFamily =
        DistFamily.univariate
            "ZeroInflatedPoisson"
            [ "rate"; "zeroInflation" ]
            Support.Count
            (ScalarLogPdf.Two poissonLogPdf)
            (fun rng a ->
                if rng.NextDouble() < a.[1] then
                    0.0
                else
                    Samplers.poisson rng a.[0])
            [ DistFamily.nonNegative; DistFamily.probability ]
            (fun _ -> None)
            None

    /// Zero-inflated NB2(mean, dispersion, zeroInflation).
    let negativeBinomial: DistFamily =
        DistFamily.univariate
            "ZeroInflatedNegativeBinomial"
            [ "mean"; "dispersion"; "zeroInflation" ]
            Support.Count
            (ScalarLogPdf.Three negativeBinomialLogPdf)
            (fun rng a ->
                if rng.NextDouble() < a.[2] then
                    0.0
                else
                    Samplers.negativeBinomial rng a.[0] a.[1])
            [ DistFamily.nonNegative; DistFamily.positive; DistFamily.probability ]
            (fun _ -> None)
            None
