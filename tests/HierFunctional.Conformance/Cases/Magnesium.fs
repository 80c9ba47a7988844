/// BUGS vol1 Magnesium (part A): one meta-analysis of 8 trials under six priors on the between-study variance, in
/// one model whose six arms are independent given the data (references/bugs/magnesium).
[<RequireQualifiedAccess>]
module HierFunctional.Conformance.Cases.Magnesium

open HierFunctional
open HierFunctional.Conformance
open type Distributions

/// Magnesium's studies: treated and control deaths and sizes (the BUGS data file).
let private magnesiumData =
    [|
        1.0, 40.0, 2.0, 36.0
        9.0, 135.0, 23.0, 135.0
        2.0, 200.0, 7.0, 200.0
        1.0, 48.0, 1.0, 46.0
        10.0, 150.0, 8.0, 148.0
        1.0, 59.0, 9.0, 56.0
        1.0, 25.0, 3.0, 23.0
        90.0, 1159.0, 118.0, 1157.0
    |]

/// BUGS's s0.sqrd = 1 / mean(1 / sigma.sqrd[k]), the typical within-study variance of the log odds ratios.
let private s0sq =
    magnesiumData
    |> Array.averageBy (fun (rt, nt, rc, nc) ->
        1.0
        / (1.0 / (rt + 0.5)
           + 1.0 / (nt - rt + 0.5)
           + 1.0 / (rc + 0.5)
           + 1.0 / (nc - rc + 0.5)))
    |> fun m -> 1.0 / m

/// One of magnesium's six random-effects meta-analyses, given its between-study sd: columns rt_j, rc_j.
let private magnesiumArm (j: int) (sd: Expr) =
    Bugs.part {
        let! mu = sample $"mu_{j}" (Uniform(-10.0, 10.0))
        let! _ = derived $"OR_{j}" (exp mu)
        let! theta = sample $"theta_{j}" (Normal(mu, sd)) |> over "study"
        let! pc = sample $"pc_{j}" (Uniform(0.0, 1.0)) |> over "study"
        do! observe $"rc_{j}" (Binomial(data "nc", pc.[group "study"]))

        do! observe $"rt_{j}" (Binomial(data "nt", invLogit (theta.[group "study"] + logit pc.[group "study"])))
    }

/// Magnesium: one meta-analysis of 8 trials under six priors on the between-study variance, j = 1..6.
let magnesium =
    Case.ofModel
        "magnesium"
        "BUGS vol1 Magnesium, sensitivity to priors (BUGS manual; references/bugs/magnesium)"
        (model {
            // Prior 1: Gamma(0.001, 0.001) on the precision.
            let! inv1 = sample "inv_tau_sqrd_1" (Bugs.dgamma 0.001 0.001)
            let! _ = derived "tau_1" (sqrt (1.0 / inv1))
            do! magnesiumArm 1 (1.0 / sqrt inv1)
            // Prior 2: Uniform(0, 50) on the variance.
            let! tsq2 = sample "tau_sqrd_2" (Uniform(0.0, 50.0))
            let! tau2 = derived "tau_2" (sqrt tsq2)
            do! magnesiumArm 2 tau2
            // Prior 3: Uniform(0, 50) on the sd.
            let! tau3 = sample "tau_3" (Uniform(0.0, 50.0))
            do! magnesiumArm 3 tau3
            // Prior 4: uniform shrinkage on the variance.
            let! b0 = sample "B0" (Uniform(0.0, 1.0))
            let! tau4 = derived "tau_4" (sqrt (s0sq * (1.0 - b0) / b0))
            do! magnesiumArm 4 tau4
            // Prior 5: DuMouchel on the sd.
            let! d0 = sample "D0" (Uniform(0.0, 1.0))
            let! tau5 = derived "tau_5" (sqrt s0sq * (1.0 - d0) / d0)
            do! magnesiumArm 5 tau5
            // Prior 6: half-normal on the variance, dnorm(0, p0) T(0,) with p0 = phi(0.75) / s0.sqrd.
            let! tsq6 =
                sample "tau_sqrd_6" (HalfNormal(constant (sqrt (s0sq / 0.7733726476231317))))

            let! tau6 = derived "tau_6" (sqrt tsq6)
            do! magnesiumArm 6 tau6
        })
        []
        "no BUGS inits (none in the source); the six models are independent given the data; 40,000 draws per chain, as DuMouchel's tau_5 has a heavy right tail"
    |> fun c ->
        { c with
            Full = { Warmup = 1000; Draws = 40000 }
        }
