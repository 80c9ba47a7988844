/// Part A: the BUGS classic examples (vol 1, and litters), each written from its BUGS file in
/// references/bugs/<case>/ with BUGS's priors and inits. BUGS's `dnorm(m, tau)` is `Bugs.dnorm`, i.e.
/// Normal(m, 1/sqrt tau); node names are BUGS's with '.' written '_'.
[<RequireQualifiedAccess>]
module HierFunctional.Conformance.Cases.BugsVol1

open HierFunctional
open HierFunctional.Conformance
open type Distributions

let private bugs (name: string) (file: string) =
    $"BUGS vol1 {name} (classic-bugs/vol1/{file})"

let private case name source model inits note =
    Case.ofModel name source model inits note

/// Pumps: x_i ~ Poisson(θ_i t_i), θ_i ~ Gamma(α, β), α ~ Exp(1), β ~ Gamma(0.1, 1).
let pump =
    case
        "pump"
        (bugs "Pumps" "pump/pump.bug")
        (model {
            let! alpha = sample "alpha" (Exponential 1.0)
            let! beta = sample "beta" (Bugs.dgamma 0.1 1.0)
            let! theta = sample "theta" (Gamma(alpha, beta)) |> over "pump"
            do! observe "x" (Poisson(theta.[group "pump"], data "t"))
        })
        [
            Bugs.scalar "alpha" 1.0
            Bugs.scalar "beta" 1.0
            Bugs.repeated "theta" 10 0.1
        ]
        ""
    |> fun c -> { c with Quick = Case.quick }

/// Rats: linear growth curves with random intercepts and slopes; x.bar = mean(x[]) = 22.
let rats =
    case
        "rats"
        (bugs "Rats" "rats/rats.bug")
        (model {
            let! alphaC = sample "alpha_c" (Bugs.dnorm 0.0 1.0e-4)
            let! betaC = sample "beta_c" (Bugs.dnorm 0.0 1.0e-4)
            let! tauC = sample "tau_c" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! tauAlpha = sample "tau_alpha" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! tauBeta = sample "tau_beta" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! alpha = sample "alpha" (Bugs.dnorm alphaC tauAlpha) |> over "rat"
            let! beta = sample "beta" (Bugs.dnorm betaC tauBeta) |> over "rat"
            let! _ = derived "sigma" (1.0 / sqrt tauC)
            let! _ = derived "alpha0" (alphaC - betaC * 22.0)

            do! observe "Y" (Bugs.dnorm (alpha.[group "rat"] + beta.[group "rat"] * (data "x" - 22.0)) tauC)
        })
        [
            Bugs.repeated "alpha" 30 250.0
            Bugs.repeated "beta" 30 6.0
            Bugs.scalar "alpha_c" 0.0
            Bugs.scalar "beta_c" 2.0
            Bugs.scalar "tau_c" 1.0
            Bugs.scalar "tau_alpha" 1.0
            Bugs.scalar "tau_beta" 1.0
        ]
        ""
    |> fun c -> { c with Quick = Case.quick }

/// Seeds: logistic regression with a random effect per plate (random-effects logistic, seeds.bug).
let seeds =
    case
        "seeds"
        (bugs "Seeds" "seeds/seeds.bug")
        (model {
            let! alpha0 = sample "alpha0" (Bugs.dnorm 0.0 1.0e-6)
            let! alpha1 = sample "alpha1" (Bugs.dnorm 0.0 1.0e-6)
            let! alpha2 = sample "alpha2" (Bugs.dnorm 0.0 1.0e-6)
            let! alpha12 = sample "alpha12" (Bugs.dnorm 0.0 1.0e-6)
            let! tau = sample "tau" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! _ = derived "sigma" (1.0 / sqrt tau)
            let! b = sample "b" (Bugs.dnorm 0.0 tau) |> over "plate"

            let eta =
                alpha0
                + alpha1 * data "x1"
                + alpha2 * data "x2"
                + alpha12 * data "x1" * data "x2"
                + b.[group "plate"]

            do! observe "r" (Binomial(data "n", invLogit eta))
        })
        [
            Bugs.scalar "tau" 1.0
            Bugs.scalar "alpha0" 0.0
            Bugs.scalar "alpha1" 0.0
            Bugs.scalar "alpha2" 0.0
            Bugs.scalar "alpha12" 0.0
        ]
        ""

/// Surgical, random-effects model: logit p_i = b_i, b_i ~ N(mu, tau).
let surgical =
    case
        "surgical"
        "BUGS vol1 Surgical, random effects (BUGS manual; references/bugs/surgical)"
        (model {
            let! mu = sample "mu" (Bugs.dnorm 0.0 1.0e-6)
            let! tau = sample "tau" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! b = sample "b" (Bugs.dnorm mu tau) |> over "hospital"
            let! p = derived "p" (invLogit b.[group "hospital"]) |> over "hospital"
            let! _ = derived "pop_mean" (exp mu / (1.0 + exp mu))
            let! _ = derived "sigma" (1.0 / sqrt tau)
            do! observe "r" (Binomial(data "n", p.[group "hospital"]))
        })
        [ Bugs.repeated "b" 12 0.1; Bugs.scalar "tau" 1.0; Bugs.scalar "mu" 0.0 ]
        ""
    |> fun c -> { c with Quick = Case.quick }

/// The salm doses (x) and the means BUGS centres on: mean(log(x + 10)) and mean(x).
let private doses = [| 0.0; 10.0; 33.0; 100.0; 333.0; 1000.0 |]
let private meanLogX = doses |> Array.averageBy (fun x -> log (x + 10.0))
let private meanX = Array.average doses

/// Salm: Poisson regression of revertant colonies on dose with an overdispersion effect per plate.
let salm =
    case
        "salm"
        (bugs "Salm" "salm/salm.bug")
        (model {
            let! alphaStar = sample "alpha_star" (Bugs.dnorm 0.0 1.0e-4)
            let! beta = sample "beta" (Bugs.dnorm 0.0 1.0e-4)
            let! gamma = sample "gamma" (Bugs.dnorm 0.0 1.0e-10)
            let! tau = sample "tau" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! _ = derived "sigma" (1.0 / sqrt tau)
            let! lambda = sample "lambda" (Bugs.dnorm 0.0 tau) |> over "cell"
            let! _ = derived "alpha" (alphaStar - beta * meanLogX - gamma * meanX)

            let logMu =
                alphaStar
                + beta * (log (data "x" + 10.0) - meanLogX)
                + gamma * (data "x" - meanX)
                + lambda.[group "cell"]

            do! observe "y" (Poisson(exp logMu))
        })
        [
            Bugs.scalar "tau" 0.1
            Bugs.scalar "alpha_star" 0.0
            Bugs.scalar "beta" 0.0
            Bugs.scalar "gamma" 0.0
        ]
        ""
    |> fun c -> { c with Quick = Case.quick }

/// Equiv: a two-period crossover trial with a subject random effect.
let equiv =
    case
        "equiv"
        (bugs "Equiv" "equiv/equiv.bug")
        (model {
            let! tau1 = sample "tau_1" (Bugs.dgamma 0.001 0.001)
            let! tau2 = sample "tau_2" (Bugs.dgamma 0.001 0.001)
            let! _ = derived "sigma_1" (sqrt (1.0 / tau1))
            let! _ = derived "sigma_2" (sqrt (1.0 / tau2))
            let! pi = sample "pi" (Bugs.dnorm 0.0 1.0e-6)
            let! phi = sample "phi" (Bugs.dnorm 0.0 1.0e-6)
            let! mu = sample "mu" (Bugs.dnorm 0.0 1.0e-6)
            let! _ = derived "theta" (exp phi)
            let! d = sample "d" (Bugs.dnorm 0.0 tau2) |> over "subject"

            let m =
                mu
                + (constant (-1.0) ** (data "Treat" - 1.0)) * phi / 2.0
                + (constant (-1.0) ** (data "period" - 1.0)) * pi / 2.0
                + d.[group "subject"]

            do! observe "Y" (Bugs.dnorm m tau1)
        })
        [
            Bugs.scalar "mu" 0.0
            Bugs.scalar "phi" 0.0
            Bugs.scalar "pi" 0.0
            Bugs.scalar "tau_1" 1.0
            Bugs.scalar "tau_2" 1.0
        ]
        "BUGS's `equivalence` (a step function of theta) is not monitored"
    |> fun c -> { c with Quick = Case.quick }

/// Dyes: one-way random-effects ANOVA (variance components).
let dyes =
    case
        "dyes"
        (bugs "Dyes" "dyes/dyes.bug")
        (model {
            let! theta = sample "theta" (Bugs.dnorm 0.0 1.0e-10)
            let! tauWithin = sample "tau_within" (Bugs.dgamma 0.001 0.001)
            let! tauBetween = sample "tau_between" (Bugs.dgamma 0.001 0.001)
            let! mu = sample "mu" (Bugs.dnorm theta tauBetween) |> over "batch"
            let! s2w = derived "sigma2_within" (1.0 / tauWithin)
            let! s2b = derived "sigma2_between" (1.0 / tauBetween)
            let! _ = derived "f_between" (s2b / (s2w + s2b))
            do! observe "y" (Bugs.dnorm mu.[group "batch"] tauWithin)
        })
        [
            Bugs.scalar "theta" 1500.0
            Bugs.scalar "tau_within" 1.0
            Bugs.scalar "tau_between" 1.0
        ]
        ""

/// Epil, model II (Breslow & Clayton 1993): Poisson GLMM, six coefficients on uncentred covariates, b1 per patient.
let epil =
    case
        "epil"
        (bugs "Epil, model II" "epil/epil2.bug")
        (model {
            let! alpha0 = sample "alpha0" (Bugs.dnorm 0.0 1.0e-4)
            let! aBase = sample "alpha_Base" (Bugs.dnorm 0.0 1.0e-4)
            let! aTrt = sample "alpha_Trt" (Bugs.dnorm 0.0 1.0e-4)
            let! aBT = sample "alpha_BT" (Bugs.dnorm 0.0 1.0e-4)
            let! aAge = sample "alpha_Age" (Bugs.dnorm 0.0 1.0e-4)
            let! aV4 = sample "alpha_V4" (Bugs.dnorm 0.0 1.0e-4)
            let! tauB1 = sample "tau_b1" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! _ = derived "sigma_b1" (1.0 / sqrt tauB1)
            let! b1 = sample "b1" (Bugs.dnorm 0.0 tauB1) |> over "patient"
            let logBase4 = log (data "Base" / 4.0)

            let logMu =
                alpha0
                + aBase * logBase4
                + aTrt * data "Trt"
                + aBT * data "Trt" * logBase4
                + aAge * log (data "Age")
                + aV4 * data "V4"
                + b1.[group "patient"]

            do! observe "y" (Poisson(exp logMu))
        })
        [
            Bugs.scalar "alpha0" 1.0
            Bugs.scalar "alpha_Base" 0.0
            Bugs.scalar "alpha_Trt" 0.0
            Bugs.scalar "alpha_BT" 0.0
            Bugs.scalar "alpha_Age" 0.0
            Bugs.scalar "alpha_V4" 0.0
            Bugs.scalar "tau_b1" 1.0
        ]
        ""
    |> fun c -> { c with Quick = Case.quick }

/// Blocker: random-effects meta-analysis of 22 trials, two observed arms each (control r = rc, treated r = rt).
let blocker =
    case
        "blocker"
        (bugs "Blocker" "blocker/blocker.bug")
        (model {
            let! d = sample "d" (Bugs.dnorm 0.0 1.0e-6)
            let! tau = sample "tau" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! _ = sample "delta_new" (Bugs.dnorm d tau)
            let! _ = derived "sigma" (1.0 / sqrt tau)
            let! delta = sample "delta" (Bugs.dnorm d tau) |> over "study"
            let! mu = sample "mu" (Bugs.dnorm 0.0 1.0e-5) |> over "study"

            do! observe "r" (Binomial(data "n", invLogit (mu.[group "study"] + data "treated" * delta.[group "study"])))
        })
        [
            Bugs.scalar "d" 0.0
            Bugs.scalar "delta_new" 0.0
            Bugs.scalar "tau" 1.0
            Bugs.repeated "mu" 22 0.0
            Bugs.repeated "delta" 22 0.0
        ]
        ""

/// Oxford: childhood cancer and obstetric X-rays, 120 strata; log odds ratio linear-quadratic in year plus
/// sigma·b_i with b_i ~ N(0, 1), sigma ~ U(0, 3).
let oxford =
    case
        "oxford"
        (bugs "Oxford" "oxford/oxford.bug")
        (model {
            let! alpha = sample "alpha" (Bugs.dnorm 0.0 1.0e-6)
            let! beta1 = sample "beta1" (Bugs.dnorm 0.0 1.0e-6)
            let! beta2 = sample "beta2" (Bugs.dnorm 0.0 1.0e-6)
            let! sigma = sample "sigma" (Uniform(0.0, 3.0))
            let! b = sample "b" (Normal(0.0, 1.0)) |> over "stratum"
            let! mu = sample "mu" (Bugs.dnorm 0.0 1.0e-6) |> over "stratum"

            let logPsi =
                alpha
                + beta1 * data "year"
                + beta2 * (square (data "year") - 22.0)
                + sigma * b.[group "stratum"]

            do! observe "r" (Binomial(data "n", invLogit (mu.[group "stratum"] + data "case" * logPsi)))
        })
        [
            Bugs.scalar "alpha" 0.0
            Bugs.scalar "beta1" 0.0
            Bugs.scalar "beta2" 0.0
            Bugs.repeated "mu" 120 0.0
            Bugs.repeated "b" 120 0.0
        ]
        "the BUGS init file's `tau` names no node of the model and is dropped (JAGS would refuse it)"

/// LSAT: Rasch model, 1000 students × 5 items; beta ~ dnorm(0, 1e-4) T(0,) is exactly HalfNormal(100).
let lsat =
    case
        "lsat"
        (bugs "LSAT" "lsat/lsat.bug")
        (model {
            let! beta = sample "beta" (HalfNormal 100.0)
            let! alpha = sample "alpha" (Bugs.dnorm 0.0 1.0e-4) |> over "item"
            let! theta = sample "theta" (Normal(0.0, 1.0)) |> over "student"

            do! observe "r" (Bernoulli(invLogit (beta * theta.[group "student"] - alpha.[group "item"])))
        })
        [ Bugs.repeated "alpha" 5 0.0; Bugs.scalar "beta" 1.0 ]
        "BUGS's a[k] = alpha[k] − mean(alpha) and the G² pattern probabilities are not monitored"
    |> fun c ->
        { c with
            Full = { Warmup = 1000; Draws = 5000 }
        }

/// Line: simple linear regression (not hierarchical; BUGS's first example).
let line =
    case
        "line"
        (bugs "Line" "line/line.bug")
        (model {
            let! alpha = sample "alpha" (Bugs.dnorm 0.0 1.0e-4)
            let! beta = sample "beta" (Bugs.dnorm 0.0 1.0e-4)
            let! tau = sample "tau" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! _ = derived "sigma" (1.0 / sqrt tau)
            do! observe "Y" (Bugs.dnorm (alpha + beta * (data "x" - 3.0)) tau)
        })
        [ Bugs.scalar "alpha" 0.0; Bugs.scalar "beta" 0.0; Bugs.scalar "tau" 1.0 ]
        ""
    |> fun c -> { c with Quick = Case.quick }

/// Litters: Beta-Binomial with approximate uniform shrinkage prior, parameterised by mean mu and theta.
let litters =
    case
        "litters"
        (bugs "Litters" "litters/litters.bug")
        (model {
            let! mu = sample "mu" (Uniform(0.0, 1.0)) |> over "grp"
            let! theta = sample "theta" (Uniform(0.0, 1.0)) |> over "grp"

            let! phi =
                derived "phi" (data "nbar" * theta.[group "grp"] / (1.0 - theta.[group "grp"]))
                |> over "grp"

            let! a =
                derived "a" (data "nbar" * mu.[group "grp"] * phi.[group "grp"]) |> over "grp"

            let! b =
                derived "b" (data "nbar" * (1.0 - mu.[group "grp"]) * phi.[group "grp"])
                |> over "grp"

            let! p =
                sample "p" (TruncatedAbove(Beta(a.[group "grp"], b.[group "grp"]), 0.9999))
                |> over "cell"

            do! observe "r" (Binomial(data "n", p.[group "cell"]))
        })
        [ Bugs.repeated "p" 32 0.5 ]
        "written as BUGS wrote it, with p ~ dbeta(a, b) T(,0.9999); the truncation's log-mass is computed in log space, so it stays finite where the Beta mass below 0.9999 underflows"

/// Every part-A case, in the table's order.
let cases =
    [
        pump
        rats
        seeds
        surgical
        salm
        equiv
        dyes
        epil
        blocker
        oxford
        lsat
        line
        litters
        Magnesium.magnesium
    ]
