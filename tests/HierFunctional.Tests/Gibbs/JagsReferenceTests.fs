/// Canonical models without a closed form against long JAGS runs of the same model with the same priors
/// (fixtures/jags, made by make_jags_fixtures.R). A check passes when the two means differ by less than
/// 4 × sqrt(MCSE_ours² + MCSE_JAGS²): both estimates carry Monte Carlo error, and the test states it.
module HierFunctional.Tests.Gibbs.JagsReferenceTests

open System
open System.IO
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.CanonicalModelTests
open type Distributions

type Reference =
    {
        Mean: float
        Sd: float
        McseMean: float
        McseSd: float
    }

/// Reference summaries (name,mean,sd,mcse_mean,mcse_sd,…) from fixtures/<folder>/<model>.csv.
let referenceIn (folder: string) (model: string) =
    Path.Combine(__SOURCE_DIRECTORY__, "..", "fixtures", folder, model + ".csv")
    |> File.ReadAllLines
    |> Array.skip 1
    |> Array.map (fun line ->
        let f = line.Split ',' |> Array.map (fun x -> x.Trim '"')

        let x i =
            Double.Parse(f.[i], Globalization.CultureInfo.InvariantCulture)

        f.[0],
        {
            Mean = x 1
            Sd = x 2
            McseMean = x 3
            McseSd = x 4
        })
    |> Map.ofArray

let reference (model: string) = referenceIn "jags" model

let agree (post: Posterior) (refs: Map<string, Reference>) (name: string) =
    let r = refs.[name]
    let x = Posterior.chains name post
    let m, mcse = Diagnostics.mean x, Diagnostics.mcseMean x
    let tol = 4.0 * sqrt (mcse * mcse + r.McseMean * r.McseMean)

    Assert.True(
        abs (m - r.Mean) < tol,
        $"{name}: ours {m} (MCSE {mcse}) vs JAGS {r.Mean} (MCSE {r.McseMean}); tolerance {tol}"
    )

    let s, mcseS = Diagnostics.sd x, Diagnostics.mcseSd x
    let tolS = 4.0 * sqrt (mcseS * mcseS + r.McseSd * r.McseSd)
    Assert.True(abs (s - r.Sd) < tolS, $"{name}: ours sd {s} vs JAGS {r.Sd}; tolerance {tolS}")

let run plan =
    Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(4000).WithSeed(17)) plan

let ``pumps agrees with JAGS on alpha, beta and the failure rates`` () =
    let pumps = Examples.pumps

    let post = run (planOf Rules.builtIn pumps (csv "pumps.csv"))
    let refs = reference "pumps"

    for name in [ "alpha"; "beta"; "theta[1]"; "theta[5]"; "theta[10]" ] do
        agree post refs name

let ``students in schools with an unknown within-school sd agrees with JAGS`` () =
    let students = Examples.studentsInSchools

    let plan = planOf Rules.builtIn students (csv "students.csv")
    Assert.All(plan.Updates, fun u -> Assert.NotEqual<string>("slice", u.Method))
    let post = run plan
    let refs = reference "students"

    for name in [ "mu"; "tau"; "sigma"; "theta[1]"; "theta[7]"; "theta[12]" ] do
        agree post refs name

let ``students within classrooms within schools agrees with JAGS at every level`` () =
    let threeLevel = Examples.threeLevel

    let plan = planOf Rules.builtIn threeLevel (csv "three_level.csv")
    Assert.All(plan.Updates, fun u -> Assert.NotEqual<string>("slice", u.Method))

    let post =
        Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(10000).WithSeed(19)) plan

    let refs = reference "three_level"

    for name in
        [
            "mu"
            "tau_school"
            "tau_class"
            "sigma"
            "school_effect[1]"
            "class_effect[1]"
            "class_effect[14]"
        ] do
        agree post refs name

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.JagsReferenceTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.JagsReferenceTests"
            [
                Expecto.Tests.testCase "pumps agrees with JAGS on alpha, beta and the failure rates" (fun () ->
                    ``pumps agrees with JAGS on alpha, beta and the failure rates`` ())
                Expecto.Tests.testCase
                    "students in schools with an unknown within-school sd agrees with JAGS"
                    (fun () -> ``students in schools with an unknown within-school sd agrees with JAGS`` ())
                Expecto.Tests.testCase
                    "students within classrooms within schools agrees with JAGS at every level"
                    (fun () -> ``students within classrooms within schools agrees with JAGS at every level`` ())
            ])
