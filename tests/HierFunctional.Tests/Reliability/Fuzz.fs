/// The fuzz harness: each case goes through Bind (validation), Gibbs.compile, Chains.run (short) and
/// Summary.compute under a watchdog, and is classified as a success with all-finite draws, a typed failure
/// (ModelError kind), an unexplained failure (any other exception, or a NaN/Inf in a draw), or a hang.
module HierFunctional.Tests.Reliability.Fuzz

open System
open System.IO
open System.Threading
open System.Threading.Tasks
open FsCheck
open FsCheck.FSharp
open HierFunctional
open HierFunctional.Tests.Reliability.FuzzCases

/// What happened to one case.
type Outcome =
    | Succeeded
    | Typed of ErrorKind * message: string
    | Unexplained of string
    | Hang

let private options (token: CancellationToken) =
    SamplerOptions.Default.WithChains(2).WithWarmup(15).WithDraws(15).WithThreads(1).WithSeed(3).WithCancellation(token)

let private firstKind (errors: ModelError list) =
    Typed(ModelError.kind errors.Head, ModelError.describe errors.Head)

let private sample (token: CancellationToken) (c: Case) =
    match Bind.bind c.Model c.Data |> Result.bind Gibbs.compile with
    | Error [] -> Unexplained "an Error with no ModelError in it"
    | Error errors -> firstKind errors
    | Ok plan ->
        let post = Chains.run (options token) plan

        match
            Posterior.toArray post
            |> Array.concat
            |> Array.concat
            |> Array.tryFind (Double.IsFinite >> not)
        with
        | Some v -> Unexplained $"non-finite draw {v}"
        | None ->
            Summary.compute post |> Summary.format |> ignore
            Succeeded

/// Runs one case through the pipeline; any exception other than ModelException is unexplained.
let classifyNow (token: CancellationToken) (c: Case) : Outcome =
    try
        sample token c
    with
    | :? ModelException as e -> Typed(e.Kind, e.Message)
    | e -> Unexplained $"{e.GetType().Name}: {e.Message}"

/// Runs one case under a watchdog: the sampler is cancelled at the timeout and the case is a hang if it has not
/// returned shortly after.
let classify (timeout: TimeSpan) (c: Case) : Outcome =
    use cts = new CancellationTokenSource(timeout)
    let task = Task.Run(fun () -> classifyNow cts.Token c)

    if task.Wait(timeout + TimeSpan.FromSeconds 2.0) then
        if cts.IsCancellationRequested then Hang else task.Result
    else
        Hang

/// Tallies of a campaign.
type Counts =
    {
        Tried: int
        Succeeded: int
        Typed: Map<ErrorKind, int>
        Unexplained: (string * string) list
        /// Cases refused as numerical failures, kept for review: each must be an extreme input, not a bug.
        Numerical: (string * string) list
        Hangs: string list
    }

let private add (counts: Counts) (c: Case) (o: Outcome) =
    match o with
    | Succeeded ->
        { counts with
            Tried = counts.Tried + 1
            Succeeded = counts.Succeeded + 1
        }
    | Typed(k, why) ->
        { counts with
            Tried = counts.Tried + 1
            Typed = counts.Typed.Change(k, fun n -> Some(1 + Option.defaultValue 0 n))
            Numerical =
                if k = ErrorKind.NumericalFailure then
                    (c.Description, why) :: counts.Numerical
                else
                    counts.Numerical
        }
    | Unexplained why ->
        { counts with
            Tried = counts.Tried + 1
            Unexplained = (c.Description, why) :: counts.Unexplained
        }
    | Hang ->
        { counts with
            Tried = counts.Tried + 1
            Hangs = c.Description :: counts.Hangs
        }

/// Runs n generated cases from a seed, in batches of 500, and tallies them.
let campaign (seed: uint64) (n: int) : Counts =
    let empty =
        {
            Tried = 0
            Succeeded = 0
            Typed = Map.empty
            Unexplained = []
            Numerical = []
            Hangs = []
        }

    let batches = (n + 499) / 500

    Seq.init batches (fun b ->
        let size = min 500 (n - 500 * b)
        Gen.sampleWithSeed (Rnd(seed + uint64 b, 0x9E3779B97F4A7C15UL)) 30 size case)
    |> Seq.concat
    |> Seq.fold (fun acc c -> add acc c (classify (TimeSpan.FromSeconds 20.0) c)) empty

/// The counts as a small report.
let report (c: Counts) =
    [
        yield
            $"tried {c.Tried}, succeeded {c.Succeeded}, typed failures {c.Typed |> Map.toSeq |> Seq.sumBy snd}, unexplained {c.Unexplained.Length}, hangs {c.Hangs.Length}"
        for KeyValue(k, v) in c.Typed do
            yield $"  {k}: {v}"
        for d, why in c.Unexplained |> List.truncate 20 do
            yield $"  UNEXPLAINED {d}: {why}"
        for d in c.Hangs |> List.truncate 20 do
            yield $"  HANG {d}"
        for d, why in c.Numerical |> List.truncate 200 do
            yield $"  numerical failure: {d}: {why}"
    ]
    |> String.concat "\n"
