namespace HierFunctional.Analytic

/// One group's estimate under the three pooling regimes.
type PoolingRow =
    {
        /// Position of the group in the input.
        Group: int
        /// The group alone: ȳ_j, y_j/n_j or y_j/E_j.
        NoPooling: float
        /// All groups as one: the same value in every row.
        CompletePooling: float
        /// The posterior mean under the (given or estimated) hierarchical prior.
        PartialPooling: float
        /// Posterior standard deviation under partial pooling.
        PartialPoolingSd: float
        /// Weight on the group's own estimate: 1−B_j, n_j/(n_j+α+β) or E_j/(E_j+β).
        DataWeight: float
    }

/// No, complete and partial pooling side by side, with the prior used for partial pooling.
type PoolingTable =
    {
        /// One row per group, in input order.
        Rows: PoolingRow[]
        /// The completely pooled estimate.
        Pooled: float
        /// The prior behind partial pooling, e.g. "Gamma(α=2, β=1.5), marginal ML".
        Prior: string
    }

/// Pooling comparisons for Normal, Binomial and Poisson-with-exposure data.
[<RequireQualifiedAccess>]
module Pooling =

    let private table rows pooled prior =
        {
            Rows = rows
            Pooled = pooled
            Prior = prior
        }

    /// Normal data (estimate ȳ_j, standard error s_j) with a given τ: no pooling ȳ_j; complete pooling the
    /// precision-weighted mean Σȳ_j/s_j² / Σ1/s_j²; partial pooling (1−B_j)ȳ_j + B_jμ̂ with
    /// μ̂ = Σ w_jȳ_j/Σw_j, w_j = 1/(s_j²+τ²) (μ̂ given τ under a flat prior on μ).
    let normalWithTau (tau: float) (estimates: float[]) (stdErrors: float[]) =
        let wMean (w: float[]) =
            Array.fold2 (fun acc y wi -> acc + y * wi) 0.0 estimates w / Array.sum w

        let pooled = wMean (stdErrors |> Array.map (fun s -> 1.0 / (s * s)))
        let mu = wMean (stdErrors |> Array.map (fun s -> 1.0 / (s * s + tau * tau)))

        let rows =
            Shrinkage.normalGroups mu tau estimates stdErrors
            |> Array.mapi (fun j p ->
                {
                    Group = j
                    NoPooling = p.Estimate
                    CompletePooling = pooled
                    PartialPooling = p.PosteriorMean
                    PartialPoolingSd = p.PosteriorSd
                    DataWeight = 1.0 - p.ShrinkageFactor
                })

        table rows pooled $"Normal(μ̂={mu:G6}, τ={tau:G6})"

    /// Normal data with τ estimated by REML (see `EmpiricalBayes.randomEffects`), then as `normalWithTau`.
    let normal (estimates: float[]) (stdErrors: float[]) =
        let fit =
            EmpiricalBayes.randomEffects TauMethod.REML estimates (stdErrors |> Array.map (fun s -> s * s))

        let t = normalWithTau (sqrt fit.Tau2) estimates stdErrors

        { t with
            Prior = t.Prior + ", τ by REML"
        }

    /// Binomial data with a Beta(α, β) prior: no pooling y_j/n_j, complete pooling Σy/Σn, partial pooling
    /// (α+y_j)/(α+β+n_j) = w_j·y_j/n_j + (1−w_j)·α/(α+β).
    let binomialWithPrior (alpha: float) (beta: float) (successes: int[]) (trials: int[]) =
        let pooled = float (Array.sum successes) / float (Array.sum trials)

        let rows =
            Array.mapi2
                (fun j y n ->
                    let p = Shrinkage.betaBinomial alpha beta y n

                    {
                        Group = j
                        NoPooling = float y / float n
                        CompletePooling = pooled
                        PartialPooling = p.Mean
                        PartialPoolingSd = p.Sd
                        DataWeight = p.DataWeight
                    })
                successes
                trials

        table rows pooled $"Beta(α={alpha:G6}, β={beta:G6})"

    let private boundaryRows noPooled pooled (sd: int -> float) =
        noPooled
        |> Array.mapi (fun j r ->
            {
                Group = j
                NoPooling = r
                CompletePooling = pooled
                PartialPooling = pooled
                PartialPoolingSd = sd j
                DataWeight = 0.0
            })

    /// Binomial data with the Beta prior estimated by marginal ML (`EmpiricalBayes.betaBinomialML`); at the
    /// no-over-dispersion boundary partial pooling equals complete pooling.
    let binomial (successes: int[]) (trials: int[]) =
        let eb = EmpiricalBayes.betaBinomialML successes trials

        if eb.AtBoundary then
            let pooled = eb.PriorMean
            let rates = Array.map2 (fun y n -> float y / float n) successes trials
            let sd = sqrt (pooled * (1.0 - pooled) / float (Array.sum trials))

            table
                (boundaryRows rates pooled (fun _ -> sd))
                pooled
                "complete pooling (marginal ML at the boundary α+β → ∞)"
        else
            let t = binomialWithPrior eb.Alpha eb.Beta successes trials

            { t with
                Prior = t.Prior + ", marginal ML"
            }

    /// Poisson counts y_j with exposures E_j (e.g. expected counts) and a Gamma(α, β) prior on the rate ratio:
    /// no pooling y_j/E_j, complete pooling Σy/ΣE, partial pooling (y_j+α)/(E_j+β).
    let poissonWithPrior (alpha: float) (beta: float) (counts: int[]) (exposures: float[]) =
        let pooled = float (Array.sum counts) / Array.sum exposures

        let rows =
            Array.mapi2
                (fun j y e ->
                    let p = Shrinkage.gammaPoisson alpha beta y e

                    {
                        Group = j
                        NoPooling = float y / e
                        CompletePooling = pooled
                        PartialPooling = p.Mean
                        PartialPoolingSd = p.Sd
                        DataWeight = p.DataWeight
                    })
                counts
                exposures

        table rows pooled $"Gamma(α={alpha:G6}, β={beta:G6})"

    /// Poisson-with-exposure data with the Gamma prior estimated by marginal ML (`EmpiricalBayes.gammaPoissonML`);
    /// at the no-over-dispersion boundary partial pooling equals complete pooling.
    let poisson (counts: int[]) (exposures: float[]) =
        let eb = EmpiricalBayes.gammaPoissonML counts exposures

        if eb.AtBoundary then
            let pooled = eb.PriorMean
            let rates = Array.map2 (fun y e -> float y / e) counts exposures
            let sd = sqrt pooled / sqrt (Array.sum exposures)

            table
                (boundaryRows rates pooled (fun _ -> sd))
                pooled
                "complete pooling (marginal ML at the boundary α → ∞)"
        else
            let t = poissonWithPrior eb.Alpha eb.Beta counts exposures

            { t with
                Prior = t.Prior + ", marginal ML"
            }
