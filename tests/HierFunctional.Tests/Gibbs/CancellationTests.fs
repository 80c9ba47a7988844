/// Cancellation with more chains than threads: every chain that made draws keeps them (truncated to the shortest
/// such chain), chains that made none are left out, the posterior says it is partial, and a token cancelled before
/// the call throws.
module HierFunctional.Tests.Gibbs.CancellationTests

open System
open System.Threading
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.GibbsTests

/// Cancels once any chain has made `draws` kept draws (reports arrive synchronously every 1% of a chain's sweeps).
type private CancelAfterDraws(cts: CancellationTokenSource, warmup: int, draws: int) =
    interface IProgress<ChainProgress> with
        member _.Report p =
            if p.Iteration - warmup >= draws then
                cts.Cancel()

let private plan = planOf Rules.builtIn eightSchools eightSchoolsData

/// 4 chains on `threads` threads, long enough that a chain is still drawing when it is cancelled.
let private longRun threads =
    SamplerOptions.Default.WithChains(4).WithThreads(threads).WithWarmup(100).WithDraws(20000).WithSeed(5)

let private cancelledRun threads =
    use cts = new CancellationTokenSource()
    let o = longRun threads

    Chains.run (o.WithCancellation(cts.Token).WithProgress(CancelAfterDraws(cts, o.Warmup, 2000))) plan

let ``a run cancelled with more chains than threads keeps the draws of every chain that made some`` (threads: int) =
    let post = cancelledRun threads
    let complete = Chains.run (longRun threads) plan

    Assert.True post.Cancelled
    Assert.Equal(4, post.RequestedChains)
    Assert.Equal(20000, post.RequestedDraws)
    // chains still waiting for a thread when the run was cancelled are absent, not zero-length
    Assert.InRange(post.ChainCount, 1, 3)
    // truncated to the shortest chain that made draws: the first one to 2000 cancels, the others may have fewer
    Assert.InRange(post.DrawCount, 1, 19999)

    // each kept chain is the first draws of one chain of the complete run (draws do not depend on threads)
    for name in [ "mu"; "tau"; "theta[1]" ] do
        let reference = Posterior.chains name complete

        for kept in Posterior.chains name post do
            Assert.Contains(reference, fun r -> r.[.. kept.Length - 1] = kept)

let ``the summary of a partial posterior works and says it is partial`` () =
    let post = cancelledRun 1
    let s = Summary.compute post

    Assert.True s.Cancelled
    Assert.Equal(post.Names.Length, s.Rows.Length)
    Assert.All(s.Rows, fun r -> Assert.True(Double.IsFinite r.Mean, $"{r.Name}: mean {r.Mean}"))

    let text = Summary.format s
    Assert.Contains($"{post.ChainCount} of 4 chains made draws", text)
    Assert.Contains($"{post.DrawCount} of 20000 draws each kept", text)
    Assert.Contains("partial", post.ToString())

let ``a token cancelled before the call throws OperationCanceledException`` () =
    use cts = new CancellationTokenSource()
    cts.Cancel()

    Assert.ThrowsAny<OperationCanceledException>(fun () ->
        Chains.run ((longRun 2).WithCancellation cts.Token) plan |> ignore)
    |> ignore

let ``a run cancelled before any chain made a draw throws OperationCanceledException`` () =
    use cts = new CancellationTokenSource()

    // cancelled at the first progress report of warm-up: no chain has kept a draw
    let o =
        (longRun 2).WithWarmup(10000).WithCancellation(cts.Token).WithProgress(CancelAfterDraws(cts, 10000, -9900))

    Assert.ThrowsAny<OperationCanceledException>(fun () -> Chains.run o plan |> ignore)
    |> ignore

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.CancellationTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.CancellationTests"
            [
                Expecto.Tests.testList
                    "a run cancelled with more chains than threads keeps the draws of every chain that made some"
                    [
                        Expecto.Tests.testCase "(1)" (fun () ->
                            ``a run cancelled with more chains than threads keeps the draws of every chain that made some`` (
                                1
                            ))
                        Expecto.Tests.testCase "(2)" (fun () ->
                            ``a run cancelled with more chains than threads keeps the draws of every chain that made some`` (
                                2
                            ))
                    ]
                Expecto.Tests.testCase "the summary of a partial posterior works and says it is partial" (fun () ->
                    ``the summary of a partial posterior works and says it is partial`` ())
                Expecto.Tests.testCase "a token cancelled before the call throws OperationCanceledException" (fun () ->
                    ``a token cancelled before the call throws OperationCanceledException`` ())
                Expecto.Tests.testCase
                    "a run cancelled before any chain made a draw throws OperationCanceledException"
                    (fun () -> ``a run cancelled before any chain made a draw throws OperationCanceledException`` ())
            ])
