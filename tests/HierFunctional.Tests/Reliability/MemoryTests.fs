/// Memory retention of a long streamed run. GC.GetTotalMemory sees the whole process, so this test runs sequenced
/// (Expecto's testSequenced): alone, after the parallel tests, and other tests' allocations cannot be counted as ours.
module HierFunctional.Tests.Reliability.MemoryTests

open System
open System.IO
open HierFunctional.TestShim
open HierFunctional
open type Distributions

let private freshDir (name: string) =
    let d =
        Path.Combine(Path.GetTempPath(), "hier-memory-tests", name + "-" + Guid.NewGuid().ToString("N"))

    Directory.CreateDirectory d |> ignore
    d

let private stream dir =
    {
        Directory = dir
        ModelName = "tiny"
        CheckpointEvery = 0
    }

/// 2×10⁵ sweeps in the test suite; `build.fsx fuzz` sets HIER_STRESS_SWEEPS=1000000.
let ``streaming a long run keeps memory flat`` () =
    let tiny =
        model {
            let! p = sample "p" (Beta(1.0, 1.0))
            do! observe "y" (Bernoulli p)
        }

    let tinyPlan =
        Bind.bind tiny (Dataset.empty |> Dataset.integers "y" [| 1; 0; 1 |])
        |> Result.bind Gibbs.compile
        |> function
            | Ok p -> p
            | Error e -> failwithf "%A" e

    let draws =
        match Environment.GetEnvironmentVariable "HIER_STRESS_SWEEPS" with
        | null
        | "" -> 200_000
        | v -> int v

    let dir = freshDir "mem"
    let o = SamplerOptions.Default.WithChains(1).WithWarmup(0).WithDraws(draws)
    Streaming.run { stream dir with CheckpointEvery = 0 } o tinyPlan |> ignore // warm the JIT and the file system
    let before = GC.GetTotalMemory true
    let r = Streaming.run { stream dir with CheckpointEvery = 0 } o tinyPlan
    let after = GC.GetTotalMemory true
    // Keeping the draws would retain at least draws × 8 bytes (1.6 MB at 2×10⁵); streaming must stay below half.
    let retained = after - before
    Assert.True(retained < int64 draws * 8L / 2L, $"retained {retained} bytes")
    Assert.Equal(draws, r.Made.[0])
    Assert.Equal(draws, (CmdStanCsv.read r.Files.[0]).Draws.Length)
    Directory.Delete(dir, true)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Reliability.MemoryTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Reliability.MemoryTests"
            [
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase "streaming a long run keeps memory flat" (fun () ->
                        ``streaming a long run keeps memory flat`` ())
                )
            ])
