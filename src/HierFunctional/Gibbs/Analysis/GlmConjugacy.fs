namespace HierFunctional

open HierFunctional.Inference

/// The recognisers of the rules for GLM children: Pólya-Gamma logistic (Binomial-logit children) and the log-linear
/// count slice (Poisson or NegativeBinomial children with a log link).
[<RequireQualifiedAccess>]
module internal GlmConjugacy =

    /// Normal/MvNormal prior × y_i ~ Binomial(n_i, invLogit(eta_i)) with eta linear in the target (Polson, Scott &
    /// Windle 2013): given ω_i ~ PG(n_i, eta_i) the likelihood is Gaussian in eta with pseudo-data κ_i/ω_i,
    /// κ_i = y_i − n_i/2 and precision ω_i, so the target gets the Normal-Normal, block or MvNormal-linear draw.
    let polyaGammaLogistic: Recogniser<GaussianPrior * LinkedChild list> =
        {
            Name = "Pólya-Gamma logistic"
            Math =
                "y_i ~ Bin(n_i, invlogit(a_i + c_i theta)), w_i ~ PG(n_i, eta_i) => theta | w ~ Normal rule with z_i = (y_i - n_i/2)/w_i, sd_i = w_i^-1/2"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Normal _ | Dist.MvNormal _) ->
                        GlmChildren.recognise GlmChildren.logisticChild expanded target
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// Normal prior × Poisson(exp(eta_i), E_i) / NegativeBinomial(exp(eta_i), φ_i) children with eta linear in the
    /// target: no closed form; each element is slice-sampled on its exact log-conditional (see docs/conjugacy.md).
    let logLinearCount: Recogniser<GaussianPrior * LinkedChild list> =
        {
            Name = "log-linear count slice"
            Math =
                "y_i ~ Poisson(E_i exp(a_i + c_i theta)): log p(theta | .) = log N(theta) + theta sum c_i y_i - sum E_i e^(a_i) e^(c_i theta), sliced per element"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Normal _ | Dist.MvNormal _) ->
                        GlmChildren.recognise GlmChildren.logLinearChild expanded target
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }
