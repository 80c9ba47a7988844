namespace HierFunctional

open HierFunctional.Inference

/// The recognisers of the rules for GLM children: Pólya-Gamma logistic (Binomial-logit children) and the log-linear
/// count slice (Poisson or NegativeBinomial children with a log link).
[<RequireQualifiedAccess>]
module internal GlmConjugacy =

    /// Normal/MvNormal prior × logistic Binomial/Bernoulli children with a linear predictor linear in the target,
    /// made Gaussian by Pólya-Gamma augmentation.
    let polyaGammaLogistic: Recogniser<GaussianPrior * LinkedChild list> =
        {
            Name = "Pólya-Gamma logistic"
            Math =
                [
                    RuleMath.case
                        "Normal-Normal / Normal-block (regression) / MvNormal-linear (dot product)"
                        "Normal(m0, s0) element-wise or iid block, or MvNormal(m0, S0) per level"
                        "Binomial(n_i, `invLogit(eta_i)`) or Bernoulli(`invLogit(eta_i)`), eta_i linear in θ (`a_i + c_i θ[slot]` or `a_i + x_i·θ`)"
                        "augmentation ω_i ~ PG(n_i, eta_i), then the Gaussian rule named in brackets with pseudo-data z_i = κ_i/ω_i, κ_i = y_i − n_i/2, precision ω_i (Polson, Scott & Windle 2013)"
                ]
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Normal _ | Dist.MvNormal _) ->
                        GlmChildren.recognise GlmChildren.logisticChild expanded target
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// Normal prior × log-link Poisson/NegativeBinomial children with a linear predictor linear in the target: no
    /// closed form, so each element is slice-sampled on its exact log-conditional.
    let logLinearCount: Recogniser<GaussianPrior * LinkedChild list> =
        {
            Name = "log-linear count slice"
            Math =
                [
                    RuleMath.case
                        "not conjugate"
                        "Normal(m0, s0), scalar, per group level, or per element"
                        "Poisson(`exp(eta_i)`, E_i) or NegativeBinomial(`exp(eta_i)`, φ_i), eta_i = a_i + c_i θ[slot]"
                        "univariate slice per element on the exact conditional from per-sweep row summaries (see \"Non-conjugate GLM updates\")"
                ]
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Normal _ | Dist.MvNormal _) ->
                        GlmChildren.recognise GlmChildren.logLinearChild expanded target
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }
