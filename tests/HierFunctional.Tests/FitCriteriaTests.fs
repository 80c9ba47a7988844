/// Criteria computed after sampling from the draws, row block by row block, are the criteria of the recorded
/// pointwise log-likelihood: the same numbers without a rows × draws matrix.
module HierFunctional.Tests.FitCriteriaTests

open System.IO
open HierFunctional.TestShim
open HierFunctional
open type Distributions

let private radon =
    Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "docs", "data", "radon.csv"))

let private partialPooling =
    model {
        let! mu = sample "mu" (Normal(0.0, 10.0))
        let! tau = sample "tau" (HalfCauchy 5.0)
        let! sigma = sample "sigma" (HalfCauchy 5.0)
        let! alpha = sample "alpha" (Normal(mu, tau)) |> over "county"
        do! observe "log_radon" (Normal(alpha.[group "county"], sigma))
    }

// Recorded while sampling, for comparison; the draws are the same with or without recording.
let private plan, recorded =
    match Bind.bind partialPooling radon |> Result.bind Gibbs.compile with
    | Error e -> failwithf "%A" e
    | Ok plan ->
        let options =
            SamplerOptions.Default.WithChains(2).WithWarmup(100).WithDraws(150).WithSeed(3).WithLogLikelihood(true)

        plan, Chains.run options plan

// Blocks of 7 rows (919 rows: 131 full blocks and one of 2), so block edges are exercised.
let private smallBlocks = 7 * recorded.TotalDraws

let ``WAIC from the draws in row blocks equals WAIC of the recorded log-likelihood`` () =
    Assert.Equal(Criteria.waicOf recorded, (FitCriteria.allWith smallBlocks plan recorded).Waic)
    Assert.Equal(Criteria.waicOf recorded, FitCriteria.waic plan recorded)

let ``PSIS-LOO from the draws in row blocks equals PSIS-LOO of the recorded log-likelihood`` () =
    let expected = Criteria.looOf recorded
    let actual = (FitCriteria.allWith smallBlocks plan recorded).Loo
    Assert.Equal<float[]>(expected.PointwiseElpd, actual.PointwiseElpd)
    Assert.Equal<float[]>(expected.ParetoK, actual.ParetoK)
    Assert.Equal(expected.Looic, actual.Looic)
    Assert.Equal<string[]>(expected.Warnings, actual.Warnings)
    Assert.Equal(expected.McseElpd, actual.McseElpd)

let ``DIC from the draws equals DIC of the recorded log-likelihood`` () =
    Assert.Equal(Criteria.dicOf plan recorded, FitCriteria.dic plan recorded)
    Assert.Equal(Criteria.dicOf plan recorded, (FitCriteria.allWith smallBlocks plan recorded).Dic)

let ``criteria from the draws need no recorded log-likelihood`` () =
    let post =
        Chains.run (SamplerOptions.Default.WithChains(2).WithWarmup(100).WithDraws(150).WithSeed(3)) plan

    Assert.False post.HasLogLikelihood
    Assert.Equal(Criteria.waicOf recorded, FitCriteria.waic plan post)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.FitCriteriaTests"
        [
            Expecto.Tests.testCase
                "WAIC from the draws in row blocks equals WAIC of the recorded log-likelihood"
                (fun () -> ``WAIC from the draws in row blocks equals WAIC of the recorded log-likelihood`` ())
            Expecto.Tests.testCase
                "PSIS-LOO from the draws in row blocks equals PSIS-LOO of the recorded log-likelihood"
                (fun () -> ``PSIS-LOO from the draws in row blocks equals PSIS-LOO of the recorded log-likelihood`` ())
            Expecto.Tests.testCase "DIC from the draws equals DIC of the recorded log-likelihood" (fun () ->
                ``DIC from the draws equals DIC of the recorded log-likelihood`` ())
            Expecto.Tests.testCase "criteria from the draws need no recorded log-likelihood" (fun () ->
                ``criteria from the draws need no recorded log-likelihood`` ())
        ]
