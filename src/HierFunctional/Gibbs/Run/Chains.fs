namespace HierFunctional

open System
open System.Threading
open System.Threading.Tasks
open HierFunctional.Inference

/// Running chains of a compiled plan.
[<RequireQualifiedAccess>]
module Chains =

    /// Chain `chain`'s sequential generator: Philox4x32-10 keyed by (seed, chain), from counter 0. Its group-wise
    /// updates draw from the streams of the same key with the high counter bit set (`Philox4x32.ForGroup`).
    let generator (seed: int) (chain: int) : Philox4x32 = Philox4x32.Create(seed, chain)

    /// The generator of posterior predictive draws under `seed` (the CLI's `predict` and predictive checks, the C#
    /// `Posterior.PredictiveCheck`, `NewGroup`, `Predict`): key (seed, 2³¹ − 1), a stream no chain of a run uses,
    /// so predictive draws never replay a chain's.
    let predictiveGenerator (seed: int) : Philox4x32 = Philox4x32.Create(seed, Int32.MaxValue)

    /// A fresh state for chain `chain` of a run with these options, from the given values: keyed by (Seed, chain),
    /// with the options' threads per chain.
    let internal stateFor (plan: GibbsPlan) (o: SamplerOptions) (chain: int) (values: float[]) =
        let st = Gibbs.initialStateFor plan o.Seed chain values
        st.Partitions <- o.ThreadsPerChain
        st

    /// Refuses options built as a record expression with a value the `With…` methods refuse.
    let internal validate (o: SamplerOptions) =
        OptionChecks.atLeast 1 "Chains" o.Chains
        OptionChecks.atLeast 0 "Warmup" o.Warmup
        OptionChecks.atLeast 1 "Draws" o.Draws
        OptionChecks.atLeast 1 "Thin" o.Thin
        OptionChecks.atLeast 1 "Threads" o.Threads
        OptionChecks.atLeast 1 "ThreadsPerChain" o.ThreadsPerChain

    /// Starting values for one chain (see `Initial` and `StartValues.start`): a state with a finite joint log-density.
    let internal start (plan: GibbsPlan) (o: SamplerOptions) (rng: Random) =
        let scheme, given =
            match o.Initial with
            | Initial.Typical -> StartScheme.Typical, []
            | Initial.FromPrior -> StartScheme.PriorDraw, []
            | Initial.Uniform -> StartScheme.Uniform, []
            | Initial.Given values -> StartScheme.Typical, [ for kv in values -> kv.Key, Value.Vector kv.Value ]

        StartValues.start scheme rng plan.Bound plan.Density.Joint given

    let internal monitorIndices (b: Bound) (monitor: string[]) =
        let names = b.Layout.Monitored

        match monitor with
        | [||] -> Array.init names.Length id
        | wanted ->
            // Whole nodes by their runs and single elements by name, so no element's name is formed.
            let whole =
                names.Runs
                |> Array.filter (fun r -> r.Copies * r.Suffixes.Length > 0 && Array.contains r.Node wanted)

            let elements = wanted |> Array.map names.IndexOf

            for w, i in Array.zip wanted elements do
                if i = -1 && not (whole |> Array.exists (fun r -> r.Node = w)) then
                    invalidArg "Monitor" $"cannot monitor '{w}': the model has no such parameter or derived node."

            whole
            |> Array.collect (fun r -> Array.init (r.Copies * r.Suffixes.Length) ((+) r.Start))
            |> Array.append (elements |> Array.filter ((<>) -1))
            |> Array.distinct
            |> Array.sort

    /// Reports a chain's progress about 100 times per run and at its end (no-op without a progress sink).
    let internal reportProgress (o: SamplerOptions) (chain: int) (it: int) (total: int) =
        if not (isNull o.Progress) && (it % max 1 (total / 100) = 0 || it = total) then
            o.Progress.Report
                {
                    Chain = chain
                    Iteration = it
                    Total = total
                    Warmup = it <= o.Warmup
                }

    /// The one sweep loop every runner uses (`run`, `Streaming.run`, `Streaming.resume`): from sweep `it0` with
    /// `made0` draws kept, sweeps until the run's warm-up plus thinned draws are done or the run is cancelled
    /// (checked before each sweep). Warm-up sweeps adapt; each kept sweep calls `keep` with the draw's index; after
    /// every sweep it reports progress and calls `afterSweep` with the sweeps done and draws kept. Returns the
    /// sweeps done and the draws kept.
    let internal sweepLoop
        (plan: GibbsPlan)
        (o: SamplerOptions)
        (chain: int)
        (rng: Random)
        (state: ChainState)
        (it0: int, made0: int)
        (keep: int -> unit)
        (afterSweep: int -> int -> unit)
        : int * int =
        let total = o.Warmup + o.Draws * o.Thin
        // Loop counters are local; the chain state is this chain's own.
        let mutable made = made0
        let mutable it = it0

        while it < total && not o.Cancellation.IsCancellationRequested do
            state.Adapting <- it < o.Warmup
            Gibbs.sweep plan rng state
            it <- it + 1

            if it > o.Warmup && (it - o.Warmup) % o.Thin = 0 then
                keep made
                made <- made + 1

            reportProgress o chain it total
            afterSweep it made

        it, made

    /// One chain: (its packed columns, column k's draw d at k · Draws + d; logLik rows; draws made), or None when
    /// the run was cancelled before the chain started (more chains than threads: it was still waiting for a thread).
    let private runChain (plan: GibbsPlan) (o: SamplerOptions) (keepIdx: int[]) (chain: int) =
        if o.Cancellation.IsCancellationRequested then
            None
        else
            let rng = generator o.Seed chain :> Random
            let state = stateFor plan o chain (start plan o rng)
            // Every element a full run keeps is written before it is read; a cancelled run's unwritten tail is
            // never read (see `run`), so zeroing the pages first would be wasted.
            let packed = GC.AllocateUninitializedArray<float>(keepIdx.Length * o.Draws)

            let logLik =
                if o.RecordLogLikelihood then
                    Array.zeroCreate<float[]> o.Draws
                else
                    [||]

            let recorder = Layout.Recorder(plan.Bound, keepIdx)

            let keep made =
                recorder.Record(state.Values, packed, o.Draws, made)

                if o.RecordLogLikelihood then
                    logLik.[made] <- plan.Density.PointwiseLogLik state.Values

            let _, made = sweepLoop plan o chain rng state (0, 0) keep (fun _ _ -> ())
            Some(packed, logLik, made)

    /// Runs the chains of a plan (in parallel, each with its own generator) and collects the monitored draws.
    /// Cancelled: every chain that made draws keeps them, up to the shortest such chain's count (chains must be of
    /// equal length for R-hat and ESS); chains that made none (never started, or still warming up) are left out;
    /// the posterior is marked partial. Throws OperationCanceledException when no chain made a draw (a token
    /// cancelled before the call included).
    let run (o: SamplerOptions) (plan: GibbsPlan) : Posterior =
        validate o
        o.Cancellation.ThrowIfCancellationRequested()
        let b = plan.Bound
        let keepIdx = monitorIndices b o.Monitor
        let results = Array.zeroCreate o.Chains
        let po = ParallelOptions(MaxDegreeOfParallelism = o.Threads)

        try
            Parallel.For(0, o.Chains, po, fun c -> results.[c] <- runChain plan o keepIdx c)
            |> ignore
        with :? AggregateException as ae when (ae.InnerExceptions |> Seq.forall (fun e -> e :? ModelException)) ->
            raise ae.InnerExceptions.[0]

        let kept =
            results
            |> Array.choose (function
                | Some(cols, ll, m) when m > 0 -> Some(cols, ll, m)
                | _ -> None)

        if kept.Length = 0 then
            raise (OperationCanceledException("The run was cancelled before any chain made a draw.", o.Cancellation))

        let made = kept |> Array.map (fun (_, _, m) -> m) |> Array.min
        let names = keepIdx |> Array.map (fun i -> b.Layout.Monitored.[i])

        let packed =
            kept
            |> Array.map (fun (cols, _, _) ->
                if made = o.Draws then
                    cols
                else
                    Array.init (names.Length * made) (fun i -> cols.[i / made * o.Draws + i % made]))

        let posterior = Posterior.ofPacked names packed made

        let labelled =
            // Only the kept names are looked up: a map of every element's label would be O(J) even when a run
            // keeps the hyperparameters only.
            let all, labels = b.Layout.Names, b.Layout.Labels

            names
            |> Array.choose (fun n ->
                match all.IndexOf n with
                | -1 -> None
                | i when labels.[i] <> n -> Some(n, labels.[i])
                | _ -> None)
            |> fun ls -> Posterior.withLabels ls posterior

        let withLik =
            if o.RecordLogLikelihood then
                labelled
                |> Posterior.withLogLikelihood (kept |> Array.map (fun (_, ll, _) -> Array.sub ll 0 made))
            else
                labelled

        if made < o.Draws || kept.Length < o.Chains then
            Posterior.markPartial o.Chains o.Draws withLik
        else
            withLik
