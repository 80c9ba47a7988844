namespace HierFunctional.Testing

open HierFunctional
open HierFunctional.Inference
open type HierFunctional.Distributions

/// The catalogue's multi-level structures: two- and three-level, nested and crossed hierarchies with Normal,
/// Beta-Binomial, Gamma-Poisson, Poisson and NegBin children.
module internal SbcHierarchies =

    let private structure = SbcStructure.create
    let private withDerived = SbcStructure.withDerived

    let twoLevel tauPrior name exercises =
        structure
            name
            exercises
            (model {
                let! mu = sample "mu" (Normal(0.0, 2.0))
                let! tau = sample "tau" tauPrior
                let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
                let! sigma = sample "sigma" (HalfNormal 1.0)
                do! observe "y" (Normal(theta.[group "g"], sigma))
            })
            (SbcData.grouped 6 3 |> SbcData.realsOf "y" 0.0)
        |> withDerived [ Sbc.meanOf "mean(theta)" "theta" ]

    /// Radon's shape: a centred hierarchy whose observations read a regression coefficient and an unknown sd, so
    /// the collapsed Normal update slice-samples τ on its marginal given them.
    let collapsedOffset =
        structure
            "collapsed-normal-offset"
            "centred Normal hierarchy with a regression offset and unknown sd (radon): collapsed, tau sliced given beta, sigma"
            (model {
                let! mu = sample "mu" (Normal(0.0, 2.0))
                let! tau = sample "tau" (HalfNormal 1.0)
                let! beta = sample "beta" (Normal(0.0, 1.0))
                let! sigma = sample "sigma" (HalfNormal 1.0)
                let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
                do! observe "y" (Normal(theta.[group "g"] + beta * data "x", sigma))
            })
            (SbcData.grouped 6 3 |> SbcData.withCovariate "x" 1 |> SbcData.realsOf "y" 0.0)
        |> withDerived [ Sbc.meanOf "mean(theta)" "theta" ]

    let sliceEverything =
        { twoLevel (HalfNormal 1.0) "slice-only-two-level" "slice fallback for every node (no rules), block slice" with
            Compile = CompileSettings.Default.WithRules([])
        }

    let threeLevel =
        structure
            "three-level-nested-normal"
            "three-level nested Normal: Normal-Normal at two levels, HalfNormal scales, interweaving"
            (model {
                let! mu = sample "mu" (Normal(0.0, 2.0))
                let! tau1 = sample "tau1" (HalfNormal 1.0)
                let! a = sample "a" (Normal(mu, tau1)) |> over "g1"
                let! tau2 = sample "tau2" (HalfNormal 1.0)
                let! b = sample "b" (Normal(a.[group "g1"], tau2)) |> over "g2"
                let! sigma = sample "sigma" (HalfNormal 1.0)
                do! observe "y" (Normal(b.[group "g2"], sigma))
            })
            (SbcData.nested 3 2 3 |> SbcData.realsOf "y" 0.0)
        |> withDerived [ Sbc.meanOf "mean(a)" "a"; Sbc.meanOf "mean(b)" "b" ]

    let crossedNormal =
        structure
            "crossed-normal"
            "crossed random effects (two groups), Normal-Normal, HalfNormal scales"
            (model {
                let! mu = sample "mu" (Normal(0.0, 2.0))
                let! tau1 = sample "tau1" (HalfNormal 1.0)
                let! a = sample "a" (Normal(0.0, tau1)) |> over "g1"
                let! tau2 = sample "tau2" (HalfNormal 1.0)
                let! b = sample "b" (Normal(0.0, tau2)) |> over "g2"
                let! sigma = sample "sigma" (HalfNormal 1.0)
                do! observe "y" (Normal(mu + a.[group "g1"] + b.[group "g2"], sigma))
            })
            (SbcData.crossed 3 4 1 |> SbcData.realsOf "y" 0.0)
        |> withDerived [ Sbc.meanOf "mean(a)" "a"; Sbc.meanOf "mean(b)" "b" ]

    let hierarchicalBetaBinomial =
        structure
            "beta-binomial-hierarchical"
            "Beta-Binomial per group, Beta hyperparameters block-sliced on sufficient statistics (the collapsed rule off)"
            (model {
                let! alpha = sample "alpha" (Gamma(4.0, 1.0))
                let! beta = sample "beta" (Gamma(4.0, 1.0))
                let! p = sample "p" (Beta(alpha, beta)) |> over "g"
                do! observe "y" (Binomial(data "n", p.[group "g"]))
            })
            (SbcData.grouped 6 1 |> SbcData.withTrials "n" 12 |> SbcData.integersOf "y" 0)
        |> withDerived [ Sbc.meanOf "mean(p)" "p" ]
        |> fun s ->
            { s with
                Compile =
                    CompileSettings.Default.WithRules(
                        Rules.builtIn
                        |> List.filter (fun r -> r.Name <> Rules.collapsedBetaBinomial.Name)
                    )
            }

    let poissonGlmm =
        structure
            "poisson-random-intercepts"
            "Poisson log-link random intercepts: log-linear count slice, Normal-Normal, HalfNormal scale"
            (model {
                let! mu = sample "mu" (Normal(0.5, 0.5))
                let! tau = sample "tau" (HalfNormal 0.5)
                let! u = sample "u" (Normal(mu, tau)) |> over "g"
                do! observe "y" (Poisson(exp u.[group "g"], data "t"))
            })
            (SbcData.grouped 5 2 |> SbcData.withExposure "t" |> SbcData.integersOf "y" 0)
        |> withDerived [ Sbc.meanOf "mean(u)" "u" ]

    let negBinGlmm =
        structure
            "negbin-random-intercepts"
            "NegativeBinomial log-link random intercepts: log-linear count slice, dispersion slice"
            (model {
                let! mu = sample "mu" (Normal(1.0, 0.5))
                let! tau = sample "tau" (HalfNormal 0.5)
                let! u = sample "u" (Normal(mu, tau)) |> over "g"
                let! phi = sample "phi" (Gamma(4.0, 1.0))
                do! observe "y" (NegativeBinomial(exp u.[group "g"], phi))
            })
            (SbcData.grouped 5 3 |> SbcData.integersOf "y" 0)

    let poissonGlmmPrecision =
        structure
            "poisson-glmm-precision"
            "Poisson GLMM with the scale written as a precision (BUGS): GLM block with centring, log-linear count slice, Gamma-precision scale, count interweaving of tau"
            (model {
                let! b0 = sample "b0" (Normal(0.5, 0.5))
                let! b1 = sample "b1" (Normal(0.0, 0.5))
                let! tau = sample "tau" (Gamma(4.0, 1.0))
                let! u = sample "u" (Normal(0.0, 1.0 / sqrt tau)) |> over "g"
                do! observe "y" (Poisson(exp (b0 + b1 * data "x" + u.[group "g"])))
            })
            (SbcData.grouped 8 1 |> SbcData.withCovariate "x" 3 |> SbcData.integersOf "y" 0)
        |> withDerived [ Sbc.meanOf "mean(u)" "u" ]

    // half-t(4) rather than half-Cauchy: with a half-Cauchy sd, 1,000 replications ran for minutes longer than 30 took
    // pro rata (presumably the few whose Cauchy-tailed sd on a log rate simulates enormous counts); the half-t(4)
    // exercises the same augmentation refresh
    let poissonGlmmHalfT =
        structure
            "poisson-glmm-half-t"
            "Poisson random intercepts with exposures, half-t(4) sd (augmented): count interweaving of sigma then mu, auxiliary refreshed"
            (model {
                let! mu = sample "mu" (Normal(0.5, 0.5))
                let! sigma = sample "sigma" (HalfStudentT(4.0, 0.5))
                let! u = sample "u" (Normal(mu, sigma)) |> over "g"
                do! observe "y" (Poisson(exp u.[group "g"], data "t"))
            })
            (SbcData.grouped 6 2 |> SbcData.withExposure "t" |> SbcData.integersOf "y" 0)
        |> withDerived [ Sbc.meanOf "mean(u)" "u" ]
