/// Whole sweeps of the small canonical models allocate nothing: their element-wise Normal draws, scale updates and
/// interweaving moves run on per-chain buffers, so a sweep's cost is arithmetic and draws, not the collector.
module HierFunctional.Tests.Gibbs.SweepAllocationTests

open System
open System.IO
open HierFunctional.TestShim
open HierFunctional
open type Distributions

let private csv name =
    Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "..", "docs", "data", name))

/// Radon's varying intercepts with a floor effect (the benchmark's model): four Normal-prior updates and an
/// interweaving move over 85 counties.
let private radon =
    model {
        let! mu = sample "mu" (Normal(0.0, 10.0))
        let! tau = sample "tau" (HalfNormal 1.0)
        let! sigma = sample "sigma" (HalfNormal 1.0)
        let! beta = sample "beta" (Normal(0.0, 10.0))
        let! a = sample "a" (Normal(mu, tau)) |> over "county"
        do! observe "log_radon" (Normal(a.[group "county"] + beta * data "floor", sigma))
    }

/// Logistic random intercepts on cbpp (the benchmark's model): Pólya-Gamma-free collapsed intercepts, a Normal
/// mean, a scale and interweaving.
let private cbpp =
    model {
        let! mu = sample "mu" (Normal(0.0, 2.5))
        let! tau = sample "tau" (HalfNormal 1.0)
        let! a = sample "a" (Normal(mu, tau)) |> over "herd"
        do! observe "incidence" (Binomial(data "size", invLogit a.[group "herd"]))
    }

/// Bytes this thread allocates in each of five windows of 1000 whole sweeps (`Gibbs.sweep`, not adapting), after
/// 500 warm-up sweeps.
let private windows (m: Model) (file: string) =
    let plan =
        match
            Bind.bind m (csv file)
            |> Result.mapError (sprintf "%A")
            |> Result.bind (Gibbs.compile >> Result.mapError (sprintf "%A"))
        with
        | Ok p -> p
        | Error e -> failwith e

    let rng = Chains.generator 5 0 :> Random

    let state =
        Gibbs.initialStateFor plan 5 0 (StartValues.start StartScheme.Typical rng plan.Bound plan.Density.Joint [])

    for _ in 1..500 do
        Gibbs.sweep plan rng state

    state.Adapting <- false

    Array.init 5 (fun _ ->
        let before = GC.GetAllocatedBytesForCurrentThread()

        for _ in 1..1000 do
            Gibbs.sweep plan rng state

        GC.GetAllocatedBytesForCurrentThread() - before)

let ``whole sweeps of eight schools, centred and non-centred, cbpp and radon allocate nothing`` () =
    for name, m, file in
        [
            "eight schools", Examples.eightSchools, "eight_schools.csv"
            "eight schools non-centred", Examples.eightSchoolsNonCentred, "eight_schools.csv"
            "cbpp", cbpp, "cbpp.csv"
            "radon", radon, "radon.csv"
        ] do
        // An allocation per sweep shows in every window (at least 1000 × 24 B); a one-off allocation by the runtime on
        // this thread does not.
        let bytes = windows m file
        Assert.True(Array.min bytes = 0L, $"every window of 1000 {name} sweeps allocated: %A{bytes} bytes")

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.SweepAllocationTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.SweepAllocationTests"
            [
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase
                        "whole sweeps of eight schools, centred and non-centred, cbpp and radon allocate nothing"
                        (fun () ->
                            ``whole sweeps of eight schools, centred and non-centred, cbpp and radon allocate nothing`` ())
                )
            ])
