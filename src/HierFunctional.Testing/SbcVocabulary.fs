namespace HierFunctional.Testing

open HierFunctional
open type HierFunctional.Distributions

/// SBC structures for the BUGS vocabulary and the mixing aids added with it: truncated priors (the truncated-conjugate
/// rule for each family it restricts, and truncated nodes that fall back to slicing), group scales written as a
/// precision (`NormalPrecision`, `1/sqrt tau`) or a variance (interweaving on either link), the prior draw of a node
/// nothing reads, the exact centring step of the GLM block, and the joint location-scale update.
[<RequireQualifiedAccess>]
module SbcVocabulary =

    let private structure = SbcStructure.create
    let private withDerived = SbcStructure.withDerived

    let private truncatedNormalMean =
        structure
            "truncated-normal-mean"
            "truncated conjugate (Normal-Normal T(l, u)), per group level and scalar"
            (model {
                let! mu = sample "mu" (Truncated(Normal(0.5, 1.5), 0.0, 3.0))
                let! theta = sample "theta" (TruncatedBelow(Normal(1.0, 1.0), 0.0)) |> over "g"
                do! observe "y" (Normal(mu + theta.[group "g"], 1.0))
            })
            (SbcData.grouped 4 2 |> SbcData.realsOf "y" 0.0)

    let private truncatedHierarchy =
        structure
            "truncated-normal-hierarchy"
            "truncated conjugate (Normal-Normal T(0, )) under a sliced mean whose conditional holds the truncation's log-mass"
            (model {
                let! mu = sample "mu" (Normal(0.0, 1.0))
                let! theta = sample "theta" (TruncatedBelow(Normal(mu, 1.0), 0.0)) |> over "g"
                do! observe "y" (Normal(theta.[group "g"], 0.7))
            })
            (SbcData.grouped 5 2 |> SbcData.realsOf "y" 0.0)
        |> withDerived [ Sbc.meanOf "mean(theta)" "theta" ]

    let private truncatedBeta =
        structure
            "truncated-beta-binomial"
            "truncated conjugate (Beta-Binomial T(0.1, 0.8) and BUGS's T(, 0.9999))"
            (model {
                let! p = sample "p" (Truncated(Beta(2.0, 3.0), 0.1, 0.8)) |> over "g"
                let! q = sample "q" (TruncatedAbove(Beta(3.0, 1.0), 0.9999))
                do! observe "y" (Binomial(data "n", p.[group "g"]))
                do! observe "z" (Bernoulli q)
            })
            (SbcData.grouped 3 2
             |> SbcData.withTrials "n" 10
             |> SbcData.integersOf "y" 0
             |> SbcData.integersOf "z" 0)

    let private truncatedGammaPoisson =
        structure
            "truncated-gamma-poisson"
            "truncated conjugate (Gamma-Poisson T(, 3))"
            (model {
                let! lambda = sample "lambda" (TruncatedAbove(Gamma(2.0, 1.0), 3.0)) |> over "g"
                do! observe "y" (Poisson(lambda.[group "g"], data "t"))
            })
            (SbcData.grouped 3 2 |> SbcData.withExposure "t" |> SbcData.integersOf "y" 0)

    let private truncatedGammaExponential =
        structure
            "truncated-gamma-exponential"
            "truncated conjugate (Gamma-Exponential T(0.5, ))"
            (model {
                let! rate = sample "rate" (TruncatedBelow(Gamma(3.0, 2.0), 0.5))
                do! observe "x" (Exponential rate)
            })
            (Dataset.empty |> Dataset.reals "x" (Array.create 6 1.0))

    let private truncatedScales =
        structure
            "truncated-normal-scales"
            "truncated conjugate (Gamma on a precision T(0.5, 4), InverseGamma on a variance T(, 2)), Normal-Normal"
            (model {
                let! mu = sample "mu" (Normal(0.0, 1.0))
                let! tau = sample "tau" (Truncated(Gamma(3.0, 2.0), 0.5, 4.0))
                let! v = sample "v" (TruncatedAbove(InverseGamma(4.0, 3.0), 2.0))
                do! observe "y" (NormalPrecision(mu, tau))
                do! observe "z" (Normal(mu, sqrt v))
            })
            (Dataset.empty
             |> Dataset.reals "y" (Array.zeroCreate 6)
             |> Dataset.reals "z" (Array.zeroCreate 6))

    let private truncatedSlice =
        structure
            "truncated-slice"
            "truncated nodes without a truncated rule (HalfNormal sd, Normal in a non-linear mean): slice on the truncated density"
            (model {
                let! b = sample "b" (Truncated(Normal(0.0, 1.0), -1.0, 2.0))
                let! sigma = sample "sigma" (Truncated(HalfNormal 1.0, 0.2, 2.0))
                do! observe "y" (Normal(exp b, sigma))
            })
            (Dataset.empty |> Dataset.reals "y" (Array.zeroCreate 8))

    let private twoLevelScale name exercises (prior: Dist) (child: Expr -> Expr -> Dist) =
        structure
            name
            exercises
            (model {
                let! mu = sample "mu" (Normal(0.0, 2.0))
                let! s = sample "s" prior
                let! theta = sample "theta" (child mu s) |> over "g"
                let! sigma = sample "sigma" (HalfNormal 1.0)
                do! observe "y" (Normal(theta.[group "g"], sigma))
            })
            (SbcData.grouped 6 3 |> SbcData.realsOf "y" 0.0)
        |> withDerived [ Sbc.meanOf "mean(theta)" "theta" ]

    let private precisionInterweaving =
        twoLevelScale
            "two-level-precision"
            "NormalPrecision group prior: Normal-Normal, Gamma precision, interweaving on the precision link"
            (Gamma(2.0, 1.0))
            (fun mu tau -> NormalPrecision(mu, tau))

    let private bugsPrecisionInterweaving =
        twoLevelScale
            "two-level-one-over-sqrt-precision"
            "group sd written 1/sqrt(tau) (BUGS's form): Gamma precision, interweaving on the precision link"
            (Gamma(2.0, 1.0))
            (fun mu tau -> Normal(mu, 1.0 / sqrt tau))

    let private varianceInterweaving =
        twoLevelScale
            "two-level-variance"
            "group variance (sd = sqrt v): InverseGamma variance, interweaving on the variance link"
            (InverseGamma(3.0, 2.0))
            (fun mu v -> Normal(mu, sqrt v))

    let private precisionRegression =
        let rows = 12

        structure
            "normal-precision-regression"
            "NormalPrecision priors and children: Normal-block (regression) and Gamma on the children's precision"
            (model {
                let! beta = sample "beta" (NormalPrecision(0.0, 0.25)) |> sized 3
                let! tau = sample "tau" (Gamma(3.0, 2.0))
                do! observe "y" (NormalPrecision(dot (data "X") beta, tau))
            })
            (Dataset.empty
             |> Dataset.matrix
                 "X"
                 (Array2D.init rows 3 (fun i k -> if k = 0 then 1.0 else (SbcData.covariate rows (3 * k)).[i]))
             |> Dataset.reals "y" (Array.zeroCreate rows))

    let private priorDraw =
        structure
            "prior-draw"
            "prior draw of nodes nothing reads (a Normal given its sampled mean, a Gamma), Normal-Normal"
            (model {
                let! mu = sample "mu" (Normal(0.0, 1.0))
                let! _ = sample "z" (Normal(mu, 2.0))
                let! _ = sample "w" (Gamma(2.0, 1.0)) |> over "g"
                do! observe "y" (Normal(mu, 1.0))
            })
            (SbcData.grouped 3 1 |> SbcData.realsOf "y" 0.0)

    /// A covariate constant within each group level (the level's index spread over [−1, 1]).
    let private groupCovariate (levels: int) (perLevel: int) =
        Array.init (levels * perLevel) (fun i -> -1.0 + 2.0 * float (i / perLevel) / float (levels - 1))

    let private glmCentring =
        structure
            "poisson-glmm-centring"
            "GLM block (Poisson log link) with the exact centring of the random intercepts (group-level covariate), NormalPrecision random effects, Gamma precision"
            (model {
                let! b0 = sample "b0" (Normal(0.5, 0.5))
                let! b1 = sample "b1" (NormalPrecision(0.0, 4.0))
                let! tau = sample "tau" (Gamma(4.0, 1.0))
                let! u = sample "u" (NormalPrecision(0.0, tau)) |> over "g"
                do! observe "y" (Poisson(exp (b0 + b1 * data "x" + u.[group "g"]), data "t"))
            })
            (SbcData.grouped 5 2
             |> Dataset.reals "x" (groupCovariate 5 2)
             |> SbcData.withExposure "t"
             |> SbcData.integersOf "y" 0)
        |> withDerived [ Sbc.meanOf "mean(u)" "u" ]

    let private jointLocationScale =
        { structure
              "joint-location-scale"
              "joint location-scale draw of a non-centred (mu, tau), Normal-Normal"
              (model {
                  let! mu = sample "mu" (Normal(0.0, 2.0))
                  let! tau = sample "tau" (HalfNormal 1.0)
                  let! eta = sample "eta" (Normal(0.0, 1.0)) |> over "g"
                  do! observe "y" (Normal(mu + tau * eta.[group "g"], 0.8))
              })
              (SbcData.grouped 5 3 |> SbcData.realsOf "y" 0.0) with
            Compile = CompileSettings.Default.WithJointLocationScale(true).WithCollapsedNormal(false)
        }

    /// Both scales of the collapsed Beta-Binomial rule: Beta(a, b) moved on (logit mean, log sum), and
    /// Beta(μκ, (1 − μ)κ) on (logit μ, log κ), with Bernoulli rows for the second; each pair by independence MH
    /// from its tabulated marginal (`TabulatedBetaBinomial`).
    let private collapsedBetaBinomial =
        structure
            "collapsed-beta-binomial"
            "collapsed Beta-Binomial (hyperparameters from their tabulated marginal with the rates integrated out, then the rates), both scales"
            (model {
                let! a = sample "a" (Gamma(4.0, 1.0))
                let! b = sample "b" (Gamma(4.0, 1.0))
                let! p = sample "p" (Beta(a, b)) |> over "g"
                let! mu = sample "mu" (Beta(2.0, 2.0))
                let! kappa = sample "kappa" (Gamma(4.0, 0.5))
                let! q = sample "q" (Beta(mu * kappa, (1.0 - mu) * kappa)) |> over "g"
                do! observe "y" (Binomial(data "n", p.[group "g"]))
                do! observe "z" (Bernoulli q.[group "g"])
            })
            (SbcData.grouped 5 2
             |> SbcData.withTrials "n" 12
             |> SbcData.integersOf "y" 0
             |> SbcData.integersOf "z" 0)
        |> withDerived [ Sbc.meanOf "mean(p)" "p"; Sbc.meanOf "mean(q)" "q" ]

    /// BUGS pumps' shape: Gamma(α, β) group rates with Poisson children over exposures, (α, β) drawn from the
    /// tabulated marginal with the rates integrated out, then the rates exactly (`TabulatedGammaPoisson`).
    let private collapsedGammaPoisson =
        structure
            "collapsed-gamma-poisson"
            "collapsed Gamma-Poisson (alpha, beta from their tabulated marginal with the rates integrated out, then the rates)"
            (model {
                let! alpha = sample "alpha" (Gamma(4.0, 2.0))
                let! beta = sample "beta" (Gamma(4.0, 2.0))
                let! theta = sample "theta" (Gamma(alpha, beta)) |> over "g"
                do! observe "y" (Poisson(theta.[group "g"], data "t"))
            })
            (SbcData.grouped 5 2 |> SbcData.withExposure "t" |> SbcData.integersOf "y" 0)
        |> withDerived [ Sbc.meanOf "mean(theta)" "theta" ]

    /// cbpp's shape: logistic random intercepts with several Binomial rows per group, (mu, tau, a) drawn jointly by
    /// independence MH when the compiler has that step, by whatever the plan holds otherwise (SBC checks the posterior,
    /// not the method). Wider and longer than the catalogue's `logistic-random-intercepts` (6 groups × 2 rows).
    let private collapsedLogitNormal =
        structure
            "collapsed-logit-normal"
            "logistic random intercepts (mu, tau and the intercepts moved jointly by independence MH)"
            (model {
                let! mu = sample "mu" (Normal(0.0, 1.5))
                let! tau = sample "tau" (HalfNormal 1.0)
                let! a = sample "a" (Normal(mu, tau)) |> over "g"
                do! observe "y" (Binomial(data "n", invLogit a.[group "g"]))
            })
            (SbcData.grouped 8 3 |> SbcData.withTrials "n" 12 |> SbcData.integersOf "y" 0)
        |> withDerived [ Sbc.meanOf "mean(a)" "a" ]

    /// The same structure with each pair sliced in turn on its marginal (the plan without the table).
    let private collapsedBetaBinomialSliced =
        { collapsedBetaBinomial with
            Name = "collapsed-beta-binomial-sliced"
            Exercises =
                "collapsed Beta-Binomial with the hyperparameters sliced in turn (no table), then the rates, both scales"
            Compile = CompileSettings.Default.WithTabulatedHyperparameters(false)
        }

    /// The truncated-conjugate rule for each family it restricts, and truncated nodes that are sliced.
    let truncation: SbcStructure list =
        [
            truncatedNormalMean
            truncatedHierarchy
            truncatedBeta
            truncatedGammaPoisson
            truncatedGammaExponential
            truncatedScales
            truncatedSlice
        ]

    /// Precision and variance group scales, NormalPrecision, prior draws, GLM centring and joint location-scale draws.
    let updates: SbcStructure list =
        [
            precisionInterweaving
            bugsPrecisionInterweaving
            varianceInterweaving
            precisionRegression
            priorDraw
            glmCentring
            jointLocationScale
            collapsedBetaBinomial
            collapsedBetaBinomialSliced
            collapsedGammaPoisson
            collapsedLogitNormal
        ]

    /// Every structure of this part of the catalogue.
    let all: SbcStructure list = truncation @ updates
