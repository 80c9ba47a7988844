/// Varying slopes with LKJ and half-t priors, and crossed random effects, against long JAGS runs of the same models
/// with the same priors (fixtures/lkj, made by make_lkj_fixture.R and make_penicillin_fixture.R): means and sds
/// agree within 4 × sqrt(MCSE_ours² + MCSE_JAGS²).
module HierFunctional.Tests.Lkj.LkjReferenceTests

open System.IO
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.JagsReferenceTests
open HierFunctional.Tests.Gibbs.MvGibbsTests

let private csvData (file: string) =
    Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "..", "docs", "data", file))

/// Reaction ~ Days + (Days | Subject): b_j ~ MvNormal(mu, diag(s)·L·Lᵀ·diag(s)), LKJ(1), half-t(3, 25) scales.
let sleepstudyLkj =
    model {
        let! mu =
            sample "mu" (MvNormal(vec [ 250.0; 10.0 ], mat [ [ 10000.0; 0.0 ]; [ 0.0; 625.0 ] ]))

        let! s = sample "s" (HalfStudentT(3.0, 25.0)) |> sized 2
        let! l = sample "L" (LkjCholesky(2, 1.0))
        let! b = sample "b" (MvNormalCholesky(mu, s, l)) |> over "Subject"
        let! sigma = sample "sigma" (HalfStudentT(3.0, 25.0))
        do! observe "Reaction" (Normal(dot (vector [ c 1.0; data "Days" ]) b.[group "Subject"], sigma))
    }

let ``sleepstudy with LKJ and half-t priors agrees with JAGS on mu, s, rho and sigma`` () =
    let plan = planOf Rules.builtIn sleepstudyLkj (csvData "sleepstudy.csv")
    Assert.Equal(LkjMarginalUpdate.rule, (methodOf plan "b").Method)

    let post =
        Chains.run (SamplerOptions.Default.WithChains(2).WithWarmup(500).WithDraws(3000).WithSeed(23)) plan

    let refs =
        referenceIn "lkj" "sleepstudy_jags"
        |> Map.add "L[2,1]" (referenceIn "lkj" "sleepstudy_jags").["rho"]

    for name in [ "mu[1]"; "mu[2]"; "s[1]"; "s[2]"; "L[2,1]"; "sigma" ] do
        agree post refs name

/// Crossed effects (1 | plate) + (1 | sample) on lme4's Penicillin: sample means centred on mu, plate effects on 0.
let penicillin =
    model {
        let! mu = sample "mu" (Normal(20.0, 10.0))
        let! tauPlate = sample "tau_plate" (HalfNormal 5.0)
        let! tauSample = sample "tau_sample" (HalfNormal 5.0)
        let! sigma = sample "sigma" (HalfNormal 5.0)
        let! plate = sample "plate_effect" (Normal(0.0, tauPlate)) |> over "plate"
        let! smp = sample "sample_mean" (Normal(mu, tauSample)) |> over "sample"
        do! observe "diameter" (Normal(plate.[group "plate"] + smp.[group "sample"], sigma))
    }

let ``crossed plate and sample effects on Penicillin agree with JAGS`` () =
    let plan = planOf Rules.builtIn penicillin (csvData "penicillin.csv")
    Assert.All(plan.Updates, fun u -> Assert.NotEqual<string>("slice", u.Method))

    let post =
        Chains.run (SamplerOptions.Default.WithChains(2).WithWarmup(500).WithDraws(3000).WithSeed(29)) plan

    let refs = referenceIn "lkj" "penicillin_jags"

    for name in
        [
            "mu"
            "tau_plate"
            "tau_sample"
            "sigma"
            "plate_effect[1]"
            "sample_mean[1]"
            "sample_mean[6]"
        ] do
        agree post refs name

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Lkj.LkjReferenceTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Lkj.LkjReferenceTests"
            [
                Expecto.Tests.testCase
                    "sleepstudy with LKJ and half-t priors agrees with JAGS on mu, s, rho and sigma"
                    (fun () -> ``sleepstudy with LKJ and half-t priors agrees with JAGS on mu, s, rho and sigma`` ())
                Expecto.Tests.testCase "crossed plate and sample effects on Penicillin agree with JAGS" (fun () ->
                    ``crossed plate and sample effects on Penicillin agree with JAGS`` ())
            ])
