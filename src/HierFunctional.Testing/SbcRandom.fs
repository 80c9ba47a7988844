namespace HierFunctional.Testing

open FsCheck
open FsCheck.FSharp
open HierFunctional
open type HierFunctional.Distributions

/// Random SBC structures from the model grammar of the test suite's oracle generators (two-level, nested and
/// crossed Normal hierarchies with Normal, Poisson, Binomial or Gamma children; Gamma-Poisson; Beta-Binomial), with
/// proper priors drawn from lists of moderate ones (SBC needs proper priors, and log or logit links need priors
/// that keep exp(η) finite).
[<RequireQualifiedAccess>]
module SbcRandom =

    type private Family =
        | NormalChild
        | PoissonChild
        | BinomialChild
        | GammaChild

    type private Shape =
        | TwoLevel
        | Nested
        | Crossed
        | GammaPoisson
        | BetaBinomial

    let private named (label: string) (d: Dist) = label, d

    let private locationPrior (count: bool) =
        if count then
            Gen.elements [ named "N(0, 0.5)" (Normal(0.0, 0.5)); named "N(0.5, 0.7)" (Normal(0.5, 0.7)) ]
        else
            Gen.elements [ named "N(0, 1)" (Normal(0.0, 1.0)); named "N(1, 2)" (Normal(1.0, 2.0)) ]

    let private scalePrior (count: bool) =
        let moderate =
            [
                named "HalfNormal(0.5)" (HalfNormal 0.5)
                named "HalfStudentT(4, 0.5)" (HalfStudentT(4.0, 0.5))
                named "Gamma(2, 4)" (Gamma(2.0, 4.0))
                named "LogNormal(-1, 0.5)" (LogNormal(-1.0, 0.5))
                named "Exponential(2)" (Exponential 2.0)
            ]

        if count then
            Gen.elements moderate
        else
            Gen.elements (
                moderate
                @ [
                    named "HalfCauchy(1)" (HalfCauchy 1.0)
                    named "InverseGamma(3, 2)" (InverseGamma(3.0, 2.0))
                ]
            )

    let private child (family: Family) (lin: Expr) (sigma: Expr) =
        match family with
        | NormalChild -> Normal(lin, sigma)
        | PoissonChild -> Poisson(exp lin, data "aux")
        | BinomialChild -> Binomial(data "aux", invLogit lin)
        | GammaChild -> Gamma(sigma, sigma / exp lin)

    let private placeholder (family: Family) (d: Dataset) =
        let rows = SbcData.rows d

        match family with
        | NormalChild -> d |> SbcData.realsOf "aux" 1.0 |> SbcData.realsOf "y" 0.0
        | PoissonChild -> d |> SbcData.withExposure "aux" |> SbcData.integersOf "y" 0
        | BinomialChild -> d |> SbcData.withTrials "aux" 8 |> SbcData.integersOf "y" 0
        | GammaChild -> d |> SbcData.realsOf "aux" 1.0 |> Dataset.reals "y" (Array.create rows 1.0)

    /// A random structure (numbered `index` in its name), its priors listed in `Exercises`.
    let structure (index: int) : Gen<SbcStructure> =
        gen {
            let! shape = Gen.elements [ TwoLevel; Nested; Crossed; GammaPoisson; BetaBinomial ]

            let! family =
                match shape with
                | GammaPoisson -> Gen.constant PoissonChild
                | BetaBinomial -> Gen.constant BinomialChild
                | _ -> Gen.elements [ NormalChild; PoissonChild; BinomialChild; GammaChild ]

            let count = family <> NormalChild
            let! l1 = Gen.choose (2, 4)
            let! l2 = Gen.choose (2, 3)
            let! per = Gen.choose (1, 3)
            let! muLabel, muPrior = locationPrior count
            let! tauLabel, tauPrior = scalePrior count
            let! tau2Label, tau2Prior = scalePrior count

            let! sigmaLabel, sigmaPrior =
                if family = GammaChild then
                    Gen.constant (named "Gamma(4, 1)" (Gamma(4.0, 1.0)))
                else
                    scalePrior false

            let! shapeLabel, shapePrior =
                Gen.elements [ named "Gamma(2, 1)" (Gamma(2.0, 1.0)); named "Gamma(4, 1)" (Gamma(4.0, 1.0)) ]

            let! rateLabel, ratePrior =
                Gen.elements
                    [
                        named "Exponential(1)" (Exponential 1.0)
                        named "Gamma(2, 1)" (Gamma(2.0, 1.0))
                    ]

            let dataset =
                match shape with
                | Crossed -> SbcData.crossed l1 l2 per
                | _ -> SbcData.nested l1 l2 per
                |> placeholder family

            let usesSigma = family = NormalChild || family = GammaChild

            let m, priors =
                match shape with
                | TwoLevel
                | Nested
                | Crossed ->
                    model {
                        let! mu = sample "mu" muPrior
                        let! tau = sample "tau" tauPrior
                        let! theta = sample "theta" (Normal(mu, tau)) |> over "g1"

                        let! sigma =
                            if usesSigma then
                                sample "sigma" sigmaPrior
                            else
                                Step.ret (constant 1.0)

                        match shape with
                        | TwoLevel -> do! observe "y" (child family theta.[group "g1"] sigma)
                        | Nested ->
                            let! tau2 = sample "tau2" tau2Prior
                            let! eta = sample "eta" (Normal(theta.[group "g1"], tau2)) |> over "g2"
                            do! observe "y" (child family eta.[group "g2"] sigma)
                        | _ ->
                            let! tau2 = sample "tau2" tau2Prior
                            let! b = sample "b" (Normal(0.0, tau2)) |> over "g2"
                            do! observe "y" (child family (theta.[group "g1"] + b.[group "g2"]) sigma)
                    },
                    [
                        $"mu ~ {muLabel}"
                        $"tau ~ {tauLabel}"
                        if shape <> TwoLevel then
                            $"tau2 ~ {tau2Label}"
                        if usesSigma then
                            $"sigma ~ {sigmaLabel}"
                    ]
                | GammaPoisson ->
                    model {
                        let! alpha = sample "alpha" shapePrior
                        let! beta = sample "beta" ratePrior
                        let! lambda = sample "lambda" (Gamma(alpha, beta)) |> over "g1"
                        do! observe "y" (Poisson(lambda.[group "g1"], data "aux"))
                    },
                    [ $"alpha ~ {shapeLabel}"; $"beta ~ {rateLabel}" ]
                | BetaBinomial ->
                    model {
                        let! alpha = sample "alpha" shapePrior
                        let! beta = sample "beta" (Gamma(2.0, 0.5))
                        let! p = sample "p" (Beta(alpha, beta)) |> over "g1"
                        do! observe "y" (Binomial(data "aux", p.[group "g1"]))
                    },
                    [ $"alpha ~ {shapeLabel}"; "beta ~ Gamma(2, 0.5)" ]

            let familyName =
                match family with
                | NormalChild -> "normal"
                | PoissonChild -> "poisson"
                | BinomialChild -> "binomial"
                | GammaChild -> "gamma"

            let shapeName =
                match shape with
                | TwoLevel -> "two-level"
                | Nested -> "nested"
                | Crossed -> "crossed"
                | GammaPoisson -> "gamma-poisson"
                | BetaBinomial -> "beta-binomial"

            return
                {
                    Name = $"random-{index}-{shapeName}-{familyName}"
                    Exercises =
                        $"random {shapeName} structure, {familyName} children, {l1}×{l2} levels, {SbcData.rows dataset} rows; "
                        + String.concat ", " priors
                    Model = m
                    Data = dataset
                    Compile = CompileSettings.Default
                    Derived = []
                }
        }

    /// `count` random structures from a fixed seed (the same seed gives the same structures).
    let structures (seed: uint64) (count: int) : SbcStructure list =
        List.init count (fun i ->
            (Gen.sampleWithSeed (Rnd(seed + uint64 i, 0x9E3779B97F4A7C15UL)) 10 1 (structure (i + 1))).[0])
