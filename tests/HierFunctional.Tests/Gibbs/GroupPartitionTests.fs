/// Partition-independent draws: a group-wise update draws group g of sweep t from its own Philox stream, so a chain
/// whose groups are split into 1, 2 or 16 ranges on as many threads makes bit-identical draws, and any range of
/// groups can be run on its own (the seam a remote shard uses).
module HierFunctional.Tests.Gibbs.GroupPartitionTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions

/// Enough groups that 16 ranges are really used (`GroupRanges.MinGroupsPerRange` each).
let private groups = 16 * GroupRanges.MinGroupsPerRange + 37

let private rng = Random 20261206

let private groupIndex = Array.init groups (fun g -> g + 1)

let private normalHierarchy =
    model {
        let! mu = sample "mu" (Normal(0.0, 10.0))
        let! tau = sample "tau" (HalfNormal 5.0)
        let! sigma = sample "sigma" (HalfNormal 5.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
        do! observe "y" (Normal(theta.[group "g"], sigma))
    }

let private normalData =
    Dataset.empty
    |> Dataset.integers "g" groupIndex
    |> Dataset.reals "y" (Array.init groups (fun _ -> 3.0 * rng.NextDouble() - 1.0))

let private counts = Array.init groups (fun _ -> rng.Next 12)
let private trials = counts |> Array.map (fun y -> y + 1 + rng.Next 10)

let private pumpsLike =
    model {
        let! alpha = sample "alpha" (Exponential 1.0)
        let! beta = sample "beta" (Gamma(0.1, 1.0))
        let! theta = sample "theta" (Gamma(alpha, beta)) |> over "g"
        do! observe "x" (Poisson(theta.[group "g"], data "t"))
    }

let private pumpsData =
    Dataset.empty
    |> Dataset.integers "g" groupIndex
    |> Dataset.integers "x" counts
    |> Dataset.reals "t" (Array.init groups (fun _ -> 1.0 + 10.0 * rng.NextDouble()))

let private betaRates =
    model {
        let! mu = sample "mu" (Beta(2.0, 2.0))
        let! kappa = sample "kappa" (Gamma(2.0, 0.1))
        let! theta = sample "theta" (Beta(mu * kappa, (1.0 - mu) * kappa)) |> over "g"
        do! observe "y" (Binomial(data "n", theta.[group "g"]))
    }

let private logitIntercepts =
    model {
        let! mu = sample "mu" (Normal(0.0, 2.0))
        let! tau = sample "tau" (HalfNormal 1.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
        do! observe "y" (Binomial(data "n", invLogit theta.[group "g"]))
    }

let private binomialData =
    Dataset.empty
    |> Dataset.integers "g" groupIndex
    |> Dataset.integers "y" counts
    |> Dataset.integers "n" trials

let private poissonLog =
    model {
        let! mu = sample "mu" (Normal(0.0, 2.0))
        let! tau = sample "tau" (HalfNormal 1.0)
        let! b = sample "b" (Normal(0.0, tau)) |> over "g"
        do! observe "x" (Poisson(exp (mu + b.[group "g"]), data "t"))
    }

/// The models, each with the group-wise update it must contain (by method).
let private cases =
    [
        "Normal-Normal group means", normalHierarchy, normalData
        "Gamma-Poisson rates", pumpsLike, pumpsData
        "collapsed Beta-Binomial rates", betaRates, binomialData
        "logistic intercepts", logitIntercepts, binomialData
        "log-linear count effects", poissonLog, pumpsData
    ]

let private planOf (m: Model) (d: Dataset) =
    match Bind.bind m d |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error e -> failwithf "%A" e

let private draws (plan: GibbsPlan) (threadsPerChain: int) =
    let o =
        SamplerOptions.Default
            .WithChains(2)
            .WithWarmup(15)
            .WithDraws(10)
            .WithSeed(77)
            .WithThreads(1)
            .WithThreadsPerChain(threadsPerChain)

    let post = Chains.run o plan

    [|
        for name in post.Names do
            for chain in Posterior.chains name post do
                yield! chain
    |]

let ``every case has a group-wise update with more groups than 16 ranges need`` () =
    Assert.Equal(16, GroupRanges.rangesFor groups 16)

    for what, m, d in cases do
        let plan = planOf m d
        let st = Gibbs.initialStateFor plan 0 0 (Array.zeroCreate plan.Bound.Layout.Size)

        Assert.True(
            st.Steps
            |> Array.exists (fun s -> s.Groups.IsSome && s.Groups.Value.Count = groups),
            $"{what}: no group-wise step in\n{Gibbs.describe plan}"
        )

let ``draws are bit-identical with 1, 2 and 16 threads per chain`` () =
    for what, m, d in cases do
        let plan = planOf m d
        let one = draws plan 1

        for threads in [ 2; 16 ] do
            let other = draws plan threads
            Assert.True((one = other), $"{what}: draws differ between 1 and {threads} threads per chain")

let ``a group-wise update run as ranges in any order on fresh stream generators equals the whole update`` () =
    for what, m, d in cases do
        let plan = planOf m d

        let chainAfter (sweeps: int) =
            let g = Chains.generator 5 1

            let st =
                Gibbs.initialStateFor plan 5 1 (Forward.priorDraw (Chains.generator 5 99) plan.Bound)

            for _ in 1..sweeps do
                Gibbs.sweep plan g st

            g, st

        // the group-wise step over the groups (scalar Normal-Normal updates are group-wise with one group)
        let i =
            (chainAfter 0 |> snd).Steps
            |> Array.mapi (fun i s -> i, s.Groups)
            |> Array.filter (fun (_, g) -> g.IsSome)
            |> Array.maxBy (fun (_, g) -> g.Value.Count)
            |> fst

        let gA, whole = chainAfter 4
        let gB, split = chainAfter 4
        let gw = whole.Steps.[i].Groups.Value
        gw.Prepare gA whole
        gw.RunRange whole.Streams.[0] whole 0 gw.Count
        let gwB = split.Steps.[i].Groups.Value
        gwB.Prepare gB split
        let cuts = [| 0; 1; 700; 701; 5000; gw.Count |]

        for k in cuts.Length - 2 .. -1 .. 0 do
            gwB.RunRange (GroupStream(5, 1)) split cuts.[k] cuts.[k + 1]

        Assert.True((whole.Values = split.Values), $"{what}: ranges in reverse order differ from the whole update")

let ``a group's draws change with the sweep, so sweeps do not repeat a stream`` () =
    let plan = planOf normalHierarchy normalData
    let g = Chains.generator 3 0

    let st =
        Gibbs.initialStateFor plan 3 0 (Forward.priorDraw (Chains.generator 3 9) plan.Bound)

    let i =
        st.Steps
        |> Array.findIndex (fun s -> s.Groups.IsSome && s.Groups.Value.Count = groups)
    // the same conditional twice: only the sweep differs
    let gw = st.Steps.[i].Groups.Value
    let before = Array.copy st.Values
    gw.Prepare g st
    gw.RunRange st.Streams.[0] st 0 gw.Count
    let first = Array.copy st.Values
    Array.blit before 0 st.Values 0 before.Length
    st.Sweep <- st.Sweep + 1
    gw.Prepare g st
    gw.RunRange st.Streams.[0] st 0 gw.Count
    Assert.False((first = st.Values), "two sweeps drew the same group values")

let ``a streamed run stopped and resumed with another thread count per chain ends as an uninterrupted run`` () =
    let plan = planOf normalHierarchy normalData

    let o =
        SamplerOptions.Default.WithChains(1).WithWarmup(10).WithDraws(20).WithSeed(8).WithMonitor
            [ "mu"; "tau"; "theta" ]

    let dir (name: string) =
        let d =
            IO.Path.Combine(IO.Path.GetTempPath(), $"hier-groups-{name}-{Guid.NewGuid():N}")

        IO.Directory.CreateDirectory d |> ignore

        {
            Directory = d
            ModelName = "groups"
            CheckpointEvery = 7
        }

    let whole = dir "whole"
    let uninterrupted = Streaming.run whole o plan
    let cut = dir "cut"
    use cts = new Threading.CancellationTokenSource()

    let progress =
        { new IProgress<ChainProgress> with
            member _.Report p =
                if p.Iteration >= 16 then
                    cts.Cancel()
        }

    let stopped =
        Streaming.run cut (o.WithThreadsPerChain(2).WithCancellation(cts.Token).WithProgress progress) plan

    Assert.True stopped.Cancelled
    let resumed = Streaming.resume cut (o.WithThreadsPerChain 16) plan
    Assert.False resumed.Cancelled
    Assert.Equal(IO.File.ReadAllText uninterrupted.Files.[0], IO.File.ReadAllText resumed.Files.[0])
    IO.Directory.Delete(whole.Directory, true)
    IO.Directory.Delete(cut.Directory, true)

let ``a checkpoint of the earlier xoshiro256 chains is refused with what to do`` () =
    let old = "chain 0\niteration 50\nmade 0\nvalues 0.5 1.5\nrng 1 2 3 4\nupdates 0"

    let e =
        Assert.Throws<IO.InvalidDataException>(fun () -> Checkpoint.parse old |> ignore)

    Assert.Contains("restart the run", e.Message)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.Gibbs.GroupPartitionTests"
        [
            Expecto.Tests.testCase "every case has a group-wise update with more groups than 16 ranges need" (fun () ->
                ``every case has a group-wise update with more groups than 16 ranges need`` ())
            Expecto.Tests.testCase "draws are bit-identical with 1, 2 and 16 threads per chain" (fun () ->
                ``draws are bit-identical with 1, 2 and 16 threads per chain`` ())
            Expecto.Tests.testCase
                "a group-wise update run as ranges in any order on fresh stream generators equals the whole update"
                (fun () ->
                    ``a group-wise update run as ranges in any order on fresh stream generators equals the whole update`` ())
            Expecto.Tests.testCase "a group's draws change with the sweep, so sweeps do not repeat a stream" (fun () ->
                ``a group's draws change with the sweep, so sweeps do not repeat a stream`` ())
            Expecto.Tests.testCase
                "a streamed run stopped and resumed with another thread count per chain ends as an uninterrupted run"
                (fun () ->
                    ``a streamed run stopped and resumed with another thread count per chain ends as an uninterrupted run`` ())
            Expecto.Tests.testCase "a checkpoint of the earlier xoshiro256 chains is refused with what to do" (fun () ->
                ``a checkpoint of the earlier xoshiro256 chains is refused with what to do`` ())
        ]
