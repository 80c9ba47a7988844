namespace HierFunctional.Families

open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Numerics

/// The univariate discrete families (values are whole-number floats): one record each.
[<RequireQualifiedAccess>]
module internal Discrete =

    let private count name args support scalar draw checks =
        DistFamily.univariate name args support scalar draw checks (fun _ -> None) None

    /// Counts in {0, …, n} for a first argument n (trials).
    let private upToTrials (args: Value list) (x: Value) =
        match x with
        | Value.Scalar v -> isInteger v && v >= 0.0 && v <= Value.scalar (List.head args)
        | _ -> false

    /// Bernoulli(probability).
    let bernoulli: DistFamily =
        count
            "Bernoulli"
            [ "probability" ]
            Support.Binary
            (ScalarLogPdf.One LogPdf.bernoulli)
            (fun rng a -> float (Bernoulli.Sample(rng, a.[0])))
            [ DistFamily.probability ]

    /// Binomial(trials, probability).
    let binomial: DistFamily =
        { count
              "Binomial"
              [ "trials"; "probability" ]
              Support.BoundedCount
              (ScalarLogPdf.Two LogPdf.binomial)
              (fun rng a -> Samplers.binomial rng a.[0] a.[1])
              [ DistFamily.trials; DistFamily.probability ] with
            InSupport = upToTrials
        }

    /// BetaBinomial(trials, alpha, beta).
    let betaBinomial: DistFamily =
        { count
              "BetaBinomial"
              [ "trials"; "alpha"; "beta" ]
              Support.BoundedCount
              (ScalarLogPdf.Three LogPdf.betaBinomial)
              (fun rng a -> Samplers.betaBinomial rng a.[0] a.[1] a.[2])
              [ DistFamily.trials; DistFamily.positive; DistFamily.positive ] with
            InSupport = upToTrials
        }

    /// Poisson with mean rate × exposure.
    let poisson: DistFamily =
        count
            "Poisson"
            [ "rate"; "exposure" ]
            Support.Count
            (ScalarLogPdf.Two LogPdf.poisson)
            (fun rng a -> Samplers.poisson rng (a.[0] * a.[1]))
            [ DistFamily.nonNegative; DistFamily.nonNegative ]

    /// Negative binomial NB2(mean, dispersion).
    let negativeBinomial: DistFamily =
        count
            "NegativeBinomial"
            [ "mean"; "dispersion" ]
            Support.Count
            (ScalarLogPdf.Two LogPdf.negativeBinomial)
            (fun rng a -> Samplers.negativeBinomial rng a.[0] a.[1])
            [ DistFamily.nonNegative; DistFamily.positive ]

    /// Categorical over {0, …, K−1} with a probability vector.
    let categorical: DistFamily =
        {
            Name = "Categorical"
            Arguments = [ "probabilities" ]
            Support = DistFamily.fixedSupport Support.Category
            LogPdf = fun args x -> LogPdf.categorical (Value.vector (List.exactlyOne args)) (Value.scalar x)
            Scalar = None
            InSupport =
                fun args x ->
                    match x with
                    | Value.Scalar v ->
                        isInteger v
                        && v >= 0.0
                        && v < float (Value.vector (List.exactlyOne args)).Length
                    | _ -> false
            Draw =
                Some(fun rng args -> Value.Scalar(float (Categorical.Sample(rng, Value.vector (List.exactlyOne args)))))
            Validate = DistFamily.eachArg [ "probabilities" ] [ DistFamily.probVector ]
            Anchor = DistFamily.noAnchor
            Tails = None
            Sufficient = None
            Fixed = None
        }
