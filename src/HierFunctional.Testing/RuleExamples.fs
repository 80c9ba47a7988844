namespace HierFunctional.Testing

open HierFunctional
open HierFunctional.Inference
open type HierFunctional.Distributions

/// A small model and data set on which a conjugacy rule should claim one node: what the rule checks
/// (`RuleChecks.kernel`, `Geweke.ofRule`, `ExactPosterior.ofRule`) run on.
type RuleExample =
    {
        /// The rule under test.
        Rule: ConjugacyRule
        /// A model with a node the rule should claim; every prior proper (Geweke draws from it).
        Model: Model
        /// Data for the model (the observed values are replaced by simulated ones in the Geweke test).
        Data: Dataset
        /// The node the rule should claim.
        Node: string
    }

/// One example per built-in conjugacy rule, so checks can be generated over `Rules.builtIn`.
[<RequireQualifiedAccess>]
module RuleExamples =

    /// An example: the rule should claim `node` of `model` bound to `data`.
    let create (rule: ConjugacyRule) (model: Model) (data: Dataset) (node: string) =
        {
            Rule = rule
            Model = model
            Data = data
            Node = node
        }

    let private c = constant
    let private vec (xs: float list) = vector (xs |> List.map c)
    let private mat (rows: float list list) = matrix (rows |> List.map (List.map c))
    let private ys = Dataset.empty |> Dataset.reals "y" [| 0.3; -1.2; 0.8; 1.9 |]

    let private counts =
        Dataset.empty
        |> Dataset.integers "y" [| 3; 0; 5; 2 |]
        |> Dataset.integers "n" [| 6; 4; 9; 5 |]
        |> Dataset.reals "x" [| -0.5; 0.2; 1.1; 0.4 |]
        |> Dataset.reals "e" [| 1.0; 2.0; 0.5; 1.5 |]

    let private groupedCounts = counts |> Dataset.labels "g" [| "a"; "a"; "b"; "c" |]

    let private positives = Dataset.empty |> Dataset.reals "x" [| 0.4; 1.3; 2.2; 0.7 |]

    let private groups =
        ys
        |> Dataset.labels "g" [| "a"; "a"; "b"; "b" |]
        |> Dataset.reals "t" [| 0.0; 1.0; -0.5; 0.3 |]

    let private vectors =
        Dataset.empty
        |> Dataset.matrix
            "x"
            (array2D
                [
                    [ 1.2; 0.4 ]
                    [ -0.3; 1.9 ]
                    [ 0.8; 0.1 ]
                    [ 2.1; 1.4 ]
                    [ 0.5; -0.6 ]
                    [ 1.0; 0.9 ]
                ])

    let private meanAndCovariance =
        model {
            let! mu =
                sample "mu" (MvNormal(vec [ 0.0; 1.0 ], mat [ [ 4.0; 1.0 ]; [ 1.0; 2.0 ] ]))

            let! sigma =
                sample "Sigma" (InverseWishart(c 6.0, mat [ [ 1.0; 0.2 ]; [ 0.2; 1.0 ] ]))

            do! observe "x" (MvNormal(mu, sigma))
        }

    /// One example per built-in rule, in `Rules.builtIn` order.
    let builtIn: RuleExample list =
        [
            create
                Rules.normalMean
                (model {
                    let! mu = sample "mu" (Normal(0.0, 1.0))
                    do! observe "y" (Normal(mu, 1.0))
                })
                ys
                "mu"
            create
                Rules.spikeAndSlab
                (model {
                    let! theta = sample "theta" (SpikeAndSlab(0.5, 1.0)) |> over "g"
                    do! observe "y" (Normal(theta.[group "g"], 1.0))
                })
                groups
                "theta"
            create
                Rules.normalBlock
                (model {
                    let! beta = sample "beta" (Normal(0.0, 10.0)) |> sized 2
                    do! observe "y" (Normal(dot (vector [ c 1.0; data "t" ]) beta, 1.0))
                })
                groups
                "beta"
            create
                Rules.normalScale
                (model {
                    let! sigma = sample "sigma" (HalfNormal 1.0)
                    do! observe "y" (Normal(0.0, sigma))
                })
                ys
                "sigma"
            create
                Rules.normalLinearPositive
                (model {
                    let! tau = sample "tau" (HalfNormal 1.0)
                    do! observe "y" (Normal(tau * data "t", 1.0))
                })
                groups
                "tau"
            create
                Rules.collapsedBetaBinomial
                (model {
                    let! a = sample "a" (Gamma(4.0, 1.0))
                    let! b = sample "b" (Gamma(4.0, 1.0))
                    let! p = sample "p" (Beta(a, b)) |> over "g"
                    do! observe "y" (Binomial(data "n", p.[group "g"]))
                })
                groupedCounts
                "a"
            create
                Rules.betaBinomial
                (model {
                    let! p = sample "p" (Beta(1.0, 1.0))
                    do! observe "y" (Binomial(data "n", p))
                })
                counts
                "p"
            create
                Rules.gammaPoisson
                (model {
                    let! l = sample "l" (Gamma(1.0, 1.0))
                    do! observe "y" (Poisson(l, data "e"))
                })
                counts
                "l"
            create
                Rules.gammaExponential
                (model {
                    let! r = sample "r" (Gamma(1.0, 1.0))
                    do! observe "x" (Exponential r)
                })
                positives
                "r"
            create
                Rules.gammaRateOfGamma
                (model {
                    let! b = sample "b" (Gamma(1.0, 1.0))
                    do! observe "x" (Gamma(2.0, b))
                })
                positives
                "b"
            create
                Rules.dirichletCounts
                (model {
                    let! p = sample "p" (Dirichlet(vec [ 2.0; 1.0; 3.0 ]))
                    do! observe "c" (Categorical p)
                })
                (Dataset.empty |> Dataset.integers "c" [| 0; 2; 1; 2 |])
                "p"
            create Rules.mvNormalMean meanAndCovariance vectors "mu"
            create Rules.inverseWishartCovariance meanAndCovariance vectors "Sigma"
            create
                Rules.wishartPrecision
                (model {
                    let! lam = sample "Lambda" (Wishart(c 4.0, mat [ [ 1.0; 0.0 ]; [ 0.0; 1.0 ] ]))
                    do! observe "x" (MvNormal(vec [ 0.5; 0.5 ], inverse lam))
                })
                vectors
                "Lambda"
            create
                Rules.mvNormalLinear
                (model {
                    let! b =
                        sample "b" (MvNormal(vec [ 0.0; 0.0 ], mat [ [ 1.0; 0.0 ]; [ 0.0; 1.0 ] ]))
                        |> over "g"

                    do! observe "y" (Normal(dot (vector [ c 1.0; data "t" ]) b.[group "g"], 1.0))
                })
                groups
                "b"
            create
                Rules.polyaGammaLogistic
                (model {
                    let! beta = sample "beta" (Normal(0.0, 2.5))
                    do! observe "y" (Binomial(data "n", invLogit (beta * data "x")))
                })
                counts
                "beta"
            create
                Rules.logLinearCount
                (model {
                    let! beta = sample "beta" (Normal(0.0, 1.0))
                    do! observe "y" (Poisson(exp (beta * data "x"), data "e"))
                })
                counts
                "beta"
            create
                Rules.truncated
                (model {
                    let! p = sample "p" (Truncated(Beta(2.0, 2.0), 0.1, 0.6))
                    do! observe "y" (Binomial(data "n", p))
                })
                counts
                "p"
        ]

    /// The example of each rule (matched by name), or an error naming the rules that have none.
    let forRules (examples: RuleExample list) (rules: ConjugacyRule list) : Result<RuleExample list, string> =
        let find (r: ConjugacyRule) =
            examples |> List.tryFind (fun e -> e.Rule.Name = r.Name)

        match rules |> List.filter (find >> Option.isNone) with
        | [] -> Ok(rules |> List.map (find >> Option.get))
        | missing ->
            let names = missing |> List.map (fun r -> r.Name) |> String.concat ", "
            Error $"no example for the rule(s) {names}: add one to RuleExamples.builtIn (or pass your own examples)."
