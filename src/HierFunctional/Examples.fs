namespace HierFunctional

open type Distributions

/// The canonical hierarchical models, as values: the tutorials, the tests and the command-line examples all use
/// these, so each is written once. Data for them ship in docs/data with their provenance.
[<RequireQualifiedAccess>]
module Examples =

    /// Eight schools (Rubin 1981; BDA3 §5.5), centred: y_j ~ N(θ_j, σ_j), θ_j ~ N(μ, τ), μ ~ N(0, 5), τ ~ HalfCauchy(5).
    let eightSchools =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfCauchy 5.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    /// Eight schools, non-centred: θ_j = μ + τ·η_j with η_j ~ N(0, 1), which mixes well when τ is poorly identified.
    let eightSchoolsNonCentred =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfCauchy 5.0)
            let! eta = sample "eta" (Normal(0.0, 1.0)) |> over "school"
            let! theta = derived "theta" (mu + tau * eta.[group "school"]) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    /// BUGS "pumps": x_i ~ Poisson(θ_i t_i), θ_i ~ Gamma(α, β), α ~ Exponential(1), β ~ Gamma(0.1, 1).
    let pumps =
        model {
            let! alpha = sample "alpha" (Exponential 1.0)
            let! beta = sample "beta" (Gamma(0.1, 1.0))
            let! theta = sample "theta" (Gamma(alpha, beta)) |> over "pump"
            do! observe "x" (Poisson(theta.[group "pump"], data "t"))
        }

    /// Beta-Binomial with BDA3 §5.3's p(α, β) ∝ (α+β)^(−5/2), over a group column, with successes of `n` trials;
    /// monitors the population mean α/(α+β), log(α/β) and log(α+β). Rat tumours: ("experiment", "y"); surgical: ("hospital", "r").
    let betaBinomial (groupColumn: string) (successes: string) =
        model {
            let! a = sample "alpha" (Flat Support.Positive)
            let! b = sample "beta" (Flat Support.Positive)
            do! factor "hyperprior" (-2.5 * log (a + b))
            let! theta = sample "theta" (Beta(a, b)) |> over groupColumn
            let! _ = derived "pop_mean" (a / (a + b))
            let! _ = derived "log_ratio" (log (a / b))
            let! _ = derived "log_sum" (log (a + b))
            do! observe successes (Binomial(data "n", theta.[group groupColumn]))
        }

    /// BDA3 rat tumours (71 experiments): `betaBinomial "experiment" "y"`.
    let rats = betaBinomial "experiment" "y"

    /// BUGS "surgical" (12 hospitals): `betaBinomial "hospital" "r"`.
    let surgical = betaBinomial "hospital" "r"

    /// Students in schools with an unknown within-school sd (docs/data/students.csv).
    let studentsInSchools =
        model {
            let! mu = sample "mu" (Normal(50.0, 20.0))
            let! tau = sample "tau" (HalfNormal 10.0)
            let! sigma = sample "sigma" (HalfNormal 20.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
            do! observe "score" (Normal(theta.[group "school"], sigma))
        }

    /// Students within classrooms within schools (docs/data/three_level.csv); nesting comes from the data.
    let threeLevel =
        model {
            let! mu = sample "mu" (Normal(70.0, 20.0))
            let! tauSchool = sample "tau_school" (HalfNormal 10.0)
            let! tauClass = sample "tau_class" (HalfNormal 10.0)
            let! sigma = sample "sigma" (HalfNormal 20.0)
            let! school = sample "school_effect" (Normal(mu, tauSchool)) |> over "school"

            let! cls =
                sample "class_effect" (Normal(school.[group "school"], tauClass))
                |> over "classroom"

            do! observe "score" (Normal(cls.[group "classroom"], sigma))
        }

    /// lme4's sleepstudy, `Reaction ~ Days + (Days | Subject)` as a Bayesian model (docs/data/sleepstudy.csv): each
    /// subject's intercept and slope b_j ~ MvNormal(mu, SigmaB), Reaction_i ~ Normal((1, Days_i)·b_j, sigma), with
    /// weakly informative priors on the scale of the data; every node gets a closed-form update.
    let sleepstudy =
        model {
            let! mu =
                sample
                    "mu"
                    (MvNormal(
                        vector [ constant 250.0; constant 10.0 ],
                        matrix [ [ constant 2500.0; constant 0.0 ]; [ constant 0.0; constant 100.0 ] ]
                    ))

            let! sigmaB =
                sample
                    "SigmaB"
                    (InverseWishart(
                        constant 4.0,
                        matrix [ [ constant 600.0; constant 0.0 ]; [ constant 0.0; constant 35.0 ] ]
                    ))

            let! sigma = sample "sigma" (HalfNormal 50.0)
            let! b = sample "b" (MvNormal(mu, sigmaB)) |> over "Subject"
            do! observe "Reaction" (Normal(dot (vector [ constant 1.0; data "Days" ]) b.[group "Subject"], sigma))
        }
