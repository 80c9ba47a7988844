/// Long and interrupted runs (draws streamed to CmdStan CSV, cancel, resume bit-identically, flat memory) and
/// concurrency (parallel fits on shared model values and plans equal sequential ones).
module HierFunctional.Tests.Reliability.LongRunTests

open System
open System.IO
open System.Threading
open System.Threading.Tasks
open HierFunctional.TestShim
open HierFunctional
open type Distributions

/// Eight schools with a half-Cauchy scale (an augmentation variable) plus a slice-sampled node (adaptive widths),
/// so a checkpoint has to carry values, aux, widths and the generator.
let private schools =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        let! tau = sample "tau" (HalfCauchy 5.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
        do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        let! m2 = sample "m2" (Normal(0.0, 10.0))
        do! observe "z" (StudentT(3.0, m2, 1.0))
    }

let private schoolData =
    Dataset.empty
    |> Dataset.labels "school" (Array.init 8 (fun j -> string "ABCDEFGH".[j]))
    |> Dataset.reals "y" [| 28.0; 8.0; -3.0; 7.0; -1.0; 1.0; 18.0; 12.0 |]
    |> Dataset.reals "sigma" [| 15.0; 10.0; 16.0; 11.0; 9.0; 11.0; 10.0; 18.0 |]
    |> Dataset.reals "z" [| 0.3; 1.2; -0.4; 2.0; 0.9; 0.1; 1.5; 0.7 |]

let private plan =
    match Bind.bind schools schoolData |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error e -> failwithf "%A" e

let private options =
    SamplerOptions.Default.WithChains(2).WithWarmup(300).WithDraws(400).WithSeed(17)

let private freshDir (name: string) =
    let d = Path.Combine(Path.GetTempPath(), $"hier-reliab-{name}-{Guid.NewGuid():N}")
    Directory.CreateDirectory d |> ignore
    d

let private stream dir =
    {
        Directory = dir
        ModelName = "schools"
        CheckpointEvery = 50
    }

/// Cancels the run once any chain reports this many sweeps (reports arrive synchronously every total/100 sweeps).
type private CancelAt(cts: CancellationTokenSource, at: int) =
    interface IProgress<ChainProgress> with
        member _.Report p =
            if p.Iteration >= at then
                cts.Cancel()

let ``streamed draws equal the in-memory draws of the same run`` () =
    let dir = freshDir "same"
    let r = Streaming.run (stream dir) options plan
    let inMemory = Chains.run options plan
    Assert.False r.Cancelled
    Assert.Equal<float[][][]>(Posterior.toArray inMemory, Posterior.toArray (Streaming.posterior r))
    Directory.Delete(dir, true)

let ``a cancelled streamed run keeps every draw made and resumes bit-identically`` (cancelAt: int) =
    let full = freshDir "full"
    let uninterrupted = Streaming.run (stream full) options plan
    let dir = freshDir "cut"
    use cts = new CancellationTokenSource()

    let cut =
        Streaming.run
            (stream dir)
            (options.WithThreads(1).WithCancellation(cts.Token).WithProgress(CancelAt(cts, cancelAt)))
            plan

    Assert.True cut.Cancelled
    // every draw made is on disk, readable, and equal to the uninterrupted run's first draws
    cut.Files
    |> Array.iteri (fun c f ->
        let chain = CmdStanCsv.read f
        Assert.Equal(cut.Made.[c], chain.Draws.Length)
        let reference = (CmdStanCsv.read uninterrupted.Files.[c]).Draws
        Assert.Equal<float[][]>(reference.[.. chain.Draws.Length - 1], chain.Draws))

    let resumed = Streaming.resume (stream dir) options plan
    Assert.False resumed.Cancelled

    Array.iter2
        (fun (a: string) (b: string) -> Assert.Equal(File.ReadAllText a, File.ReadAllText b))
        uninterrupted.Files
        resumed.Files

    Directory.Delete(full, true)
    Directory.Delete(dir, true)

let ``a checkpoint survives a text round trip exactly`` () =
    let dir = freshDir "cp"
    let r = Streaming.run (stream dir) (options.WithChains 1) plan
    let cp = Checkpoint.load r.Checkpoints.[0]
    let again = Checkpoint.parse (Checkpoint.format cp)
    Assert.Equal(Checkpoint.format cp, Checkpoint.format again)
    Assert.Equal<float[]>(cp.Values, again.Values)
    Assert.Equal<uint64[]>(cp.Rng, again.Rng)
    Directory.Delete(dir, true)

let ``a hundred parallel fits on shared models and plans equal a hundred sequential fits`` () =
    let o (i: int) =
        SamplerOptions.Default.WithChains(2).WithWarmup(20).WithDraws(20).WithSeed(i).WithThreads(1)

    // even i: the shared compiled plan; odd i: a fresh bind and compile of the shared model value
    let fitOne (i: int) =
        if i % 2 = 0 then
            Chains.run (o i) plan
        else
            match Fit.run (o i) schools schoolData with
            | Ok fit -> fit.Posterior
            | Error e -> failwithf "%A" e
        |> Posterior.toArray

    let sequential = Array.init 100 fitOne
    let parallelFits = Array.zeroCreate 100
    Parallel.For(0, 100, fun i -> parallelFits.[i] <- fitOne i) |> ignore

    for i in 0..99 do
        Assert.Equal<float[][][]>(sequential.[i], parallelFits.[i])

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Reliability.LongRunTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Reliability.LongRunTests"
            [
                Expecto.Tests.testCase "streamed draws equal the in-memory draws of the same run" (fun () ->
                    ``streamed draws equal the in-memory draws of the same run`` ())
                Expecto.Tests.testList
                    "a cancelled streamed run keeps every draw made and resumes bit-identically"
                    [
                        Expecto.Tests.testCase "(140)" (fun () ->
                            ``a cancelled streamed run keeps every draw made and resumes bit-identically`` (140)) // during warm-up: slice widths are still adapting
                        Expecto.Tests.testCase "(521)" (fun () ->
                            ``a cancelled streamed run keeps every draw made and resumes bit-identically`` (521)) // while drawing
                    ]
                Expecto.Tests.testCase "a checkpoint survives a text round trip exactly" (fun () ->
                    ``a checkpoint survives a text round trip exactly`` ())
                Expecto.Tests.testCase
                    "a hundred parallel fits on shared models and plans equal a hundred sequential fits"
                    (fun () ->
                        ``a hundred parallel fits on shared models and plans equal a hundred sequential fits`` ())
            ])
