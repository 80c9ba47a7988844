namespace HierFunctional.Testing

open HierFunctional
open HierFunctional.Inference
open type HierFunctional.Distributions

/// The SBC catalogue: one small model per built-in conjugacy rule and per special update (slice fallback, block
/// slice, collapsed rate, logistic intercepts, interweaving, LKJ block), plus two- and three-level, nested and
/// crossed hierarchies with Normal, Beta-Binomial, Gamma-Poisson, logistic, Poisson and NegBin children and
/// varying slopes. Listed by hand (named by rule), so it does not depend on the rule type's shape.
[<RequireQualifiedAccess>]
module SbcCatalogue =

    let private c (x: float) = constant x
    let private vec (xs: float list) = vector (xs |> List.map constant)

    let private mat (rows: float list list) =
        matrix (rows |> List.map (List.map constant))

    open SbcHierarchies

    let private structure = SbcStructure.create
    let private withDerived = SbcStructure.withDerived

    let private normalNormal =
        structure
            "normal-normal"
            "Normal-Normal (scalar and per group level, known sds)"
            (model {
                let! mu = sample "mu" (Normal(1.0, 2.0))
                let! theta = sample "theta" (Normal(mu, 1.0)) |> over "g"
                do! observe "y" (Normal(theta.[group "g"], data "s"))
            })
            (SbcData.grouped 4 3
             |> Dataset.reals "s" (Array.init 12 (fun i -> 0.5 + 0.25 * float (i % 4)))
             |> SbcData.realsOf "y" 0.0)
        |> withDerived [ Sbc.meanOf "mean(theta)" "theta" ]

    let private spikeAndSlab =
        structure
            "spike-and-slab"
            "spike-and-slab Normal; its weight sliced"
            (model {
                let! w = sample "w" (Beta(2.0, 2.0))
                let! theta = sample "theta" (SpikeAndSlab(w, 2.0)) |> over "g"
                do! observe "y" (Normal(theta.[group "g"], 1.0))
            })
            (SbcData.grouped 5 2 |> SbcData.realsOf "y" 0.0)

    let private normalBlock =
        let rows = 12

        structure
            "normal-block"
            "Normal-block (regression), known sd"
            (model {
                let! beta = sample "beta" (Normal(0.0, 2.0)) |> sized 3
                do! observe "y" (Normal(dot (data "X") beta, 1.0))
            })
            (Dataset.empty
             |> Dataset.matrix
                 "X"
                 (Array2D.init rows 3 (fun i k -> if k = 0 then 1.0 else (SbcData.covariate rows (3 * k)).[i]))
             |> Dataset.reals "y" (Array.zeroCreate rows))

    let private scale name (prior: Dist) (sdOf: Expr -> Expr) =
        structure
            $"normal-scale-{name}"
            $"Normal scale ({name}) with a Normal-Normal mean"
            (model {
                let! mu = sample "mu" (Normal(0.0, 1.0))
                let! v = sample "v" prior
                do! observe "y" (Normal(mu, sdOf v))
            })
            (Dataset.empty |> Dataset.reals "y" (Array.zeroCreate 8))

    let private scales =
        [
            scale "gamma-precision" (Gamma(3.0, 2.0)) (fun p -> 1.0 / sqrt p)
            scale "invgamma-variance" (InverseGamma(4.0, 3.0)) sqrt
            scale "gamma-variance" (Gamma(3.0, 2.0)) sqrt
            scale "halfnormal-sd" (HalfNormal 2.0) id
            scale "halfcauchy-sd" (HalfCauchy 1.0) id
            scale "halft-sd" (HalfStudentT(4.0, 1.0)) id
        ]

    let private nonCentred =
        model {
            let! mu = sample "mu" (Normal(0.0, 2.0))
            let! tau = sample "tau" (HalfNormal 1.0)
            let! eta = sample "eta" (Normal(0.0, 1.0)) |> over "g"
            do! observe "y" (Normal(mu + tau * eta.[group "g"], 0.8))
        }

    // one node at a time: with the known sd the collapsed Normal hierarchy would take all three
    let private positiveCoefficient =
        { structure
              "normal-linear-positive"
              "Normal linear coefficient, positive (non-centred scale), Normal-Normal"
              nonCentred
              (SbcData.grouped 5 3 |> SbcData.realsOf "y" 0.0) with
            Compile = CompileSettings.Default.WithCollapsedNormal(false)
        }

    let private collapsedNormal =
        structure
            "collapsed-normal"
            "collapsed Normal hierarchy (non-centred, known sd): tau from its tabulated marginal, mu and eta exactly"
            nonCentred
            (SbcData.grouped 5 3 |> SbcData.realsOf "y" 0.0)

    let private betaBinomial =
        structure
            "beta-binomial"
            "Beta-Binomial per group level"
            (model {
                let! p = sample "p" (Beta(2.0, 3.0)) |> over "g"
                do! observe "y" (Binomial(data "n", p.[group "g"]))
            })
            (SbcData.grouped 4 2 |> SbcData.withTrials "n" 10 |> SbcData.integersOf "y" 0)

    let private betaBernoulli =
        structure
            "beta-bernoulli"
            "Beta-Binomial (Bernoulli children)"
            (model {
                let! p = sample "p" (Beta(1.5, 1.5))
                do! observe "y" (Bernoulli p)
            })
            (Dataset.empty |> Dataset.integers "y" (Array.zeroCreate 10))

    let private gammaPoisson =
        structure
            "gamma-poisson"
            "Gamma-Poisson with exposures"
            (model {
                let! lambda = sample "lambda" (Gamma(2.0, 1.0)) |> over "g"
                do! observe "y" (Poisson(lambda.[group "g"], data "t"))
            })
            (SbcData.grouped 4 2 |> SbcData.withExposure "t" |> SbcData.integersOf "y" 0)

    let private gammaExponential =
        structure
            "gamma-exponential"
            "Gamma-Exponential"
            (model {
                let! rate = sample "rate" (Gamma(3.0, 2.0))
                do! observe "x" (Exponential rate)
            })
            (Dataset.empty |> Dataset.reals "x" (Array.create 6 1.0))

    // one node at a time: the tabulated Gamma-Poisson step would take all three (`collapsed-gamma-poisson` has it)
    let private pumps =
        { structure
              "gamma-rate-of-gamma"
              "Gamma rate of Gamma, Gamma-Poisson, slice (collapsed beta) (BUGS pumps)"
              (model {
                  let! alpha = sample "alpha" (Exponential 1.0)
                  let! beta = sample "beta" (Gamma(2.0, 1.0))
                  let! theta = sample "theta" (Gamma(alpha, beta)) |> over "g"
                  do! observe "x" (Poisson(theta.[group "g"], data "t"))
              })
              (SbcData.grouped 5 1 |> SbcData.withExposure "t" |> SbcData.integersOf "x" 0) with
            Compile = CompileSettings.Default.WithTabulatedHyperparameters(false)
        }
        |> withDerived [ Sbc.meanOf "mean(theta)" "theta" ]

    let private dirichlet =
        structure
            "dirichlet-categorical"
            "Dirichlet-Multinomial (Categorical children)"
            (model {
                let! p = sample "p" (Dirichlet(vec [ 2.0; 1.0; 3.0 ]))
                do! observe "c" (Categorical p)
            })
            (Dataset.empty |> Dataset.integers "c" (Array.zeroCreate 8))

    let private mvMeanInverseWishart =
        structure
            "mvnormal-mean-invwishart"
            "MvNormal mean, InverseWishart covariance"
            (model {
                let! mu =
                    sample "mu" (MvNormal(vec [ 0.5; -1.0 ], mat [ [ 2.0; 0.5 ]; [ 0.5; 1.0 ] ]))

                let! sigma =
                    sample "Sigma" (InverseWishart(c 8.0, mat [ [ 2.0; 0.6 ]; [ 0.6; 1.5 ] ]))

                do! observe "x" (MvNormal(mu, sigma))
            })
            (Dataset.empty |> Dataset.matrix "x" (Array2D.zeroCreate 5 2))

    let private wishart =
        structure
            "wishart-precision"
            "MvNormal mean, Wishart precision"
            (model {
                let! mu =
                    sample "mu" (MvNormal(vec [ 0.5; -1.0 ], mat [ [ 2.0; 0.5 ]; [ 0.5; 1.0 ] ]))

                let! lam = sample "Lambda" (Wishart(c 6.0, mat [ [ 0.5; 0.1 ]; [ 0.1; 0.3 ] ]))
                do! observe "x" (MvNormal(mu, inverse lam))
            })
            (Dataset.empty |> Dataset.matrix "x" (Array2D.zeroCreate 5 2))

    let private varyingSlopesIw =
        structure
            "varying-slopes-invwishart"
            "MvNormal-linear (dot product), MvNormal mean, InverseWishart covariance"
            (model {
                let! mu =
                    sample "mu" (MvNormal(vec [ 1.0; 0.0 ], mat [ [ 1.0; 0.3 ]; [ 0.3; 1.0 ] ]))

                let! sigma =
                    sample "Sigma" (InverseWishart(c 8.0, mat [ [ 2.0; 0.6 ]; [ 0.6; 1.5 ] ]))

                let! b = sample "b" (MvNormal(mu, sigma)) |> over "g"
                do! observe "y" (Normal(dot (vector [ c 1.0; data "t" ]) b.[group "g"], 0.7))
            })
            (SbcData.grouped 4 3 |> SbcData.withCovariate "t" 1 |> SbcData.realsOf "y" 0.0)

    let private varyingSlopesLkj =
        structure
            "varying-slopes-lkj"
            "MvNormal-linear under MvNormalCholesky after (s, L) moved with b integrated out, LKJ scales-correlation block, Normal scale (HalfNormal)"
            (model {
                let! mu =
                    sample "mu" (MvNormal(vec [ 0.5; -0.5 ], mat [ [ 1.0; 0.0 ]; [ 0.0; 0.5 ] ]))

                let! s = sample "s" (HalfStudentT(4.0, 1.0)) |> sized 2
                let! l = sample "L" (LkjCholesky(2, 1.5))
                let! b = sample "b" (MvNormalCholesky(mu, s, l)) |> over "g"
                let! sigma = sample "sigma" (HalfNormal 1.0)
                do! observe "y" (Normal(dot (vector [ c 1.0; data "x" ]) b.[group "g"], sigma))
            })
            (SbcData.grouped 5 3 |> SbcData.withCovariate "x" 2 |> SbcData.realsOf "y" 0.0)

    let private logisticBlock =
        let rows = 16

        structure
            "polya-gamma-block"
            "Pólya-Gamma logistic (Normal-block (regression))"
            (model {
                let! beta = sample "beta" (Normal(0.0, 1.0)) |> sized 2
                do! observe "y" (Binomial(data "n", invLogit (dot (data "X") beta)))
            })
            (Dataset.empty
             |> Dataset.matrix
                 "X"
                 (Array2D.init rows 2 (fun i k -> if k = 0 then 1.0 else (SbcData.covariate rows 4).[i]))
             |> Dataset.integers "n" (Array.init rows (fun i -> 1 + i % 4))
             |> Dataset.integers "y" (Array.zeroCreate rows))

    let private logisticSlopes =
        structure
            "polya-gamma-elementwise"
            "Pólya-Gamma logistic (Normal-Normal), Bernoulli rows with a covariate"
            (model {
                let! b0 = sample "b0" (Normal(0.0, 1.5))
                let! b1 = sample "b1" (Normal(0.0, 1.0))
                do! observe "y" (Bernoulli(invLogit (b0 + b1 * data "x")))
            })
            (Dataset.empty
             |> Dataset.reals "x" (SbcData.covariate 20 0)
             |> Dataset.integers "y" (Array.zeroCreate 20))

    /// The sweep the tabulated joint step replaces by default (`collapsed-logit-normal` checks that step).
    let private logitIntercepts =
        { structure
              "logistic-random-intercepts"
              "logistic intercepts (Laplace-t independence MH), tau interweaving, Normal-Normal and HalfNormal scale"
              (model {
                  let! mu = sample "mu" (Normal(0.0, 1.0))
                  let! tau = sample "tau" (HalfNormal 1.0)
                  let! a = sample "a" (Normal(mu, tau)) |> over "g"
                  do! observe "y" (Binomial(data "n", invLogit a.[group "g"]))
              })
              (SbcData.grouped 6 2 |> SbcData.withTrials "n" 8 |> SbcData.integersOf "y" 0) with
            Compile = CompileSettings.Default.WithTabulatedHyperparameters(false)
        }
        |> withDerived [ Sbc.meanOf "mean(a)" "a" ]

    let private poissonRegression =
        structure
            "log-linear-poisson"
            "log-linear count slice (Poisson, log link, covariate)"
            (model {
                let! b0 = sample "b0" (Normal(0.5, 0.5))
                let! b1 = sample "b1" (Normal(0.0, 0.5))
                do! observe "y" (Poisson(exp (b0 + b1 * data "x")))
            })
            (Dataset.empty
             |> Dataset.reals "x" (SbcData.covariate 15 2)
             |> Dataset.integers "y" (Array.zeroCreate 15))

    let private negBinRegression =
        structure
            "log-linear-negbin"
            "log-linear count slice (NegativeBinomial), dispersion sliced"
            (model {
                let! b0 = sample "b0" (Normal(1.0, 0.5))
                let! b1 = sample "b1" (Normal(0.0, 0.5))
                let! phi = sample "phi" (Gamma(4.0, 1.0))
                do! observe "y" (NegativeBinomial(exp (b0 + b1 * data "x"), phi))
            })
            (Dataset.empty
             |> Dataset.reals "x" (SbcData.covariate 15 5)
             |> Dataset.integers "y" (Array.zeroCreate 15))

    let private sliceFallback =
        structure
            "slice-nonlinear"
            "slice fallback (non-linear mean, Exponential prior on an sd), block slice of scalar globals"
            (model {
                let! b = sample "b" (Normal(0.0, 1.0))
                let! sigma = sample "sigma" (Exponential 1.0)
                do! observe "y" (Normal(exp b, sigma))
            })
            (Dataset.empty |> Dataset.reals "y" (Array.zeroCreate 8))

    /// One structure per built-in conjugacy rule and special update.
    let rules: SbcStructure list =
        [ normalNormal; spikeAndSlab; normalBlock ]
        @ scales
        @ [
            positiveCoefficient
            collapsedNormal
            betaBinomial
            betaBernoulli
            gammaPoisson
            gammaExponential
            pumps
            dirichlet
            mvMeanInverseWishart
            wishart
            varyingSlopesIw
            logisticBlock
            logisticSlopes
            logitIntercepts
            poissonRegression
            negBinRegression
            sliceFallback
            sliceEverything
        ]

    /// Hierarchies: two- and three-level, nested and crossed, with each kind of child and varying slopes.
    let hierarchies: SbcStructure list =
        [
            twoLevel
                (HalfCauchy 1.0)
                "two-level-normal"
                "centred two-level Normal, half-Cauchy tau, unknown sd: collapsed, tau sliced given sigma"
            collapsedOffset
            threeLevel
            crossedNormal
            hierarchicalBetaBinomial
            poissonGlmm
            negBinGlmm
            poissonGlmmPrecision
            poissonGlmmHalfT
            varyingSlopesLkj
        ]

    /// Every hand-written structure (rules, hierarchies, then the vocabulary of `SbcVocabulary`: truncation,
    /// precision and variance scales, prior draws, GLM centring, joint location-scale draws).
    let all: SbcStructure list = rules @ hierarchies @ SbcVocabulary.all

    /// The structure with the given name.
    let find (name: string) : SbcStructure =
        match all |> List.tryFind (fun s -> s.Name = name) with
        | Some s -> s
        | None ->
            let names = all |> List.map (fun s -> s.Name) |> String.concat ", "
            invalidArg "name" $"no SBC structure is named '{name}'; the catalogue has: {names}."
