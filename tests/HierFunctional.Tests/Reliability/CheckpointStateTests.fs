/// Checkpoints keep every update's own state (`UpdateStep.Save`), not just values, weights and widths: a block
/// slice update's warm-up directions and a GLM block's acceptance counts survive a stop and a resume.
module HierFunctional.Tests.Reliability.CheckpointStateTests

open System
open System.IO
open System.Threading
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions

/// Two slice-sampled global scalars (location and scale of a Student-t), which the compiler moves as one block
/// along the Cholesky directions of their warm-up covariance.
let private model =
    model {
        let! m = sample "m" (Normal(0.0, 10.0))
        let! s = sample "s" (HalfNormal 5.0)
        do! observe "z" (StudentT(3.0, m, s))
    }

let private data =
    Dataset.empty
    |> Dataset.reals "z" [| 0.3; 1.2; -0.4; 2.0; 0.9; 0.1; 1.5; 0.7; -1.1; 3.2 |]

let private plan =
    match Bind.bind model data |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error e -> failwithf "%A" e

let private options =
    SamplerOptions.Default.WithChains(1).WithWarmup(300).WithDraws(400).WithSeed(23).WithThreads(1)

let private stream dir =
    {
        Directory = dir
        ModelName = "block"
        CheckpointEvery = 0
    }

type private CancelAt(cts: CancellationTokenSource, at: int) =
    interface IProgress<ChainProgress> with
        member _.Report p =
            if p.Iteration >= at then
                cts.Cancel()

let private freshDir () =
    let d = Path.Combine(Path.GetTempPath(), $"hier-cpstate-{Guid.NewGuid():N}")
    Directory.CreateDirectory d |> ignore
    d

let ``the model moves its two scalars with a block slice update`` () =
    Assert.Contains(plan.Updates, fun u -> u.Kind = UpdateKind.SliceBlock)

let ``a streamed run stopped after warm-up resumes bit-identically with the block slice directions it had learnt`` () =
    let full = freshDir ()
    let uninterrupted = Streaming.run (stream full) options plan
    let dir = freshDir ()
    use cts = new CancellationTokenSource()

    let cut =
        Streaming.run (stream dir) (options.WithCancellation(cts.Token).WithProgress(CancelAt(cts, 490))) plan

    Assert.True cut.Cancelled
    Assert.InRange(cut.Made.[0], 1, 399)
    let resumed = Streaming.resume (stream dir) options plan
    Assert.False resumed.Cancelled
    Assert.Equal(File.ReadAllText uninterrupted.Files.[0], File.ReadAllText resumed.Files.[0])
    Directory.Delete(full, true)
    Directory.Delete(dir, true)

let ``a checkpoint holds one saved state per update and reads back exactly`` () =
    let dir = freshDir ()
    let r = Streaming.run (stream dir) options plan
    let cp = Checkpoint.load r.Checkpoints.[0]
    Assert.Equal(plan.Updates.Length, cp.Updates.Length)
    // the block's state: 3 values per slice width, Welford mean and sums, count, restart flag, directions, L
    let k = 2
    Assert.Contains(cp.Updates, fun u -> u.Length = 3 * k + k + 2 * k * k + 3)
    Assert.Equal(Checkpoint.format cp, Checkpoint.format (Checkpoint.parse (Checkpoint.format cp)))
    Directory.Delete(dir, true)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Reliability.CheckpointStateTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Reliability.CheckpointStateTests"
            [
                Expecto.Tests.testCase "the model moves its two scalars with a block slice update" (fun () ->
                    ``the model moves its two scalars with a block slice update`` ())
                Expecto.Tests.testCase
                    "a streamed run stopped after warm-up resumes bit-identically with the block slice directions it had learnt"
                    (fun () ->
                        ``a streamed run stopped after warm-up resumes bit-identically with the block slice directions it had learnt`` ())
                Expecto.Tests.testCase "a checkpoint holds one saved state per update and reads back exactly" (fun () ->
                    ``a checkpoint holds one saved state per update and reads back exactly`` ())
            ])
