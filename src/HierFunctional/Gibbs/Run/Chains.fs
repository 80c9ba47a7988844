namespace HierFunctional

open System
open System.Threading
open System.Threading.Tasks
open HierFunctional.Inference

/// Where chains start. Nodes are started in declaration order from their parents' starting values (see
/// `StartValues` for the typical values and the jitter).
[<RequireQualifiedAccess>]
type Initial =
    /// A typical value of each prior given the parents' starting values (the median for location and scale families;
    /// the mean for Gamma, Beta and Dirichlet, whose median can underflow: 1 for a Gamma(0.001, 0.001) precision),
    /// with Stan's uniform(−2, 2) jitter per chain on the unconstrained scale, scaled by the prior's spread (at most 1).
    /// The default.
    | Typical
    /// A draw from the prior; a degenerate draw (below 1e-150 or above 1e150 on (0, ∞), within 1e-150 of 0 or at 1
    /// on (0, 1)) is redrawn. Improper Flat priors: uniform(−2, 2) on the unconstrained scale instead.
    | FromPrior
    /// Each unconstrained coordinate uniform on (−2, 2), as Stan does (discrete parameters: a prior draw).
    | Uniform
    /// Given values by node name (BUGS semantics): listed nodes take them, the others start as `Typical` does from
    /// their given or generated parents. A value outside its node's support is refused (`InvalidInitialValue`).
    | Given of (string * Value) list

/// Progress of one chain, reported through `IProgress`.
type ChainProgress =
    {
        /// 0-based chain number.
        Chain: int
        /// Iterations done (warm-up plus sampling).
        Iteration: int
        /// Iterations in total.
        Total: int
        /// True while warming up.
        Warmup: bool
    }

/// Options of a Gibbs run. Immutable: use `SamplerOptions.Default` and the `With…` methods.
type SamplerOptions =
    {
        /// Number of chains (default 4).
        Chains: int
        /// Warm-up sweeps per chain, discarded; slice widths adapt only here (default 1000).
        Warmup: int
        /// Kept draws per chain, after thinning (default 1000).
        Draws: int
        /// Keep every `Thin`-th sweep (default 1).
        Thin: int
        /// Master seed; chain c draws from Philox4x32-10 keyed by (Seed, c) (default 1).
        Seed: int
        /// Chains run at most this many at once; draws do not depend on it (default: processor count).
        Threads: int
        /// Threads inside each chain: a group-wise update (group means, rates, intercepts) with many groups splits
        /// them into this many contiguous ranges drawn at once (at least 512 groups a range). Draws do not depend on
        /// it, since each group draws from its own stream (default 1).
        ThreadsPerChain: int
        /// Names of nodes to keep (parameters or derived); empty keeps everything.
        Monitor: string list
        /// Starting values.
        Initial: Initial
        /// Record each observation's log-likelihood per draw (for WAIC and PSIS-LOO).
        RecordLogLikelihood: bool
        /// Progress reports (may be null).
        Progress: IProgress<ChainProgress>
        /// Cancellation: a run cancelled after some chain made draws returns a partial posterior (see
        /// `Posterior.markPartial`); a token cancelled before any draw was made throws OperationCanceledException.
        Cancellation: CancellationToken
    }

    /// 4 chains × (1000 warm-up + 1000 draws), seed 1, all nodes monitored, typical starting values.
    static member Default =
        {
            Chains = 4
            Warmup = 1000
            Draws = 1000
            Thin = 1
            Seed = 1
            Threads = Environment.ProcessorCount
            ThreadsPerChain = 1
            Monitor = []
            Initial = Initial.Typical
            RecordLogLikelihood = false
            Progress = null
            Cancellation = CancellationToken.None
        }

    /// With a number of chains.
    member o.WithChains(n: int) = { o with Chains = n }
    /// With a number of warm-up sweeps.
    member o.WithWarmup(n: int) = { o with Warmup = n }
    /// With a number of kept draws per chain.
    member o.WithDraws(n: int) = { o with Draws = n }
    /// With thinning.
    member o.WithThin(n: int) = { o with Thin = n }
    /// With a master seed.
    member o.WithSeed(seed: int) = { o with Seed = seed }
    /// With a maximum number of chains run at once.
    member o.WithThreads(n: int) = { o with Threads = n }
    /// With a number of threads inside each chain for group-wise updates (draws do not change).
    member o.WithThreadsPerChain(n: int) = { o with ThreadsPerChain = n }
    /// With the nodes to monitor.
    member o.WithMonitor(names: string list) = { o with Monitor = names }
    /// With starting values.
    member o.WithInitial(i: Initial) = { o with Initial = i }
    /// With pointwise log-likelihood recording on or off.
    member o.WithLogLikelihood(on: bool) = { o with RecordLogLikelihood = on }
    /// With a progress sink.
    member o.WithProgress(p: IProgress<ChainProgress>) = { o with Progress = p }
    /// With a cancellation token.
    member o.WithCancellation(t: CancellationToken) = { o with Cancellation = t }

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

    let internal validate (o: SamplerOptions) =
        let check ok name (value: int) rule =
            if not ok then
                invalidArg name $"{name} must be {rule}, but was {value}."

        check (o.Chains >= 1) "Chains" o.Chains "at least 1"
        check (o.Warmup >= 0) "Warmup" o.Warmup "0 or more"
        check (o.Draws >= 1) "Draws" o.Draws "at least 1"
        check (o.Thin >= 1) "Thin" o.Thin "at least 1"
        check (o.Threads >= 1) "Threads" o.Threads "at least 1"
        check (o.ThreadsPerChain >= 1) "ThreadsPerChain" o.ThreadsPerChain "at least 1"

    /// Starting values for one chain (see `Initial` and `StartValues.start`): a state with a finite joint log-density.
    let internal start (plan: GibbsPlan) (o: SamplerOptions) (rng: Random) =
        let scheme, given =
            match o.Initial with
            | Initial.Typical -> StartScheme.Typical, []
            | Initial.FromPrior -> StartScheme.PriorDraw, []
            | Initial.Uniform -> StartScheme.Uniform, []
            | Initial.Given values -> StartScheme.Typical, values

        StartValues.start scheme rng plan.Bound plan.Density.Joint given

    let internal monitorIndices (b: Bound) (monitor: string list) =
        let names = b.Layout.Monitored

        match monitor with
        | [] -> Array.init names.Length id
        | wanted ->
            // Whole nodes by their runs and single elements by name, so no element's name is formed.
            let whole =
                names.Runs
                |> Array.filter (fun r -> r.Copies * r.Suffixes.Length > 0 && List.contains r.Node wanted)

            let elements = wanted |> List.map names.IndexOf

            for w, i in List.zip wanted elements do
                if i = -1 && not (whole |> Array.exists (fun r -> r.Node = w)) then
                    invalidArg "Monitor" $"cannot monitor '{w}': the model has no such parameter or derived node."

            whole
            |> Array.collect (fun r -> Array.init (r.Copies * r.Suffixes.Length) ((+) r.Start))
            |> Array.append (elements |> List.filter ((<>) -1) |> Array.ofList)
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

    /// One chain: (columns[scalar][draw], logLik rows, draws made), or None when the run was cancelled before the
    /// chain started (more chains than threads: it was still waiting for a thread).
    let private runChain (plan: GibbsPlan) (o: SamplerOptions) (keepIdx: int[]) (chain: int) =
        if o.Cancellation.IsCancellationRequested then
            None
        else
            let rng = generator o.Seed chain :> Random
            let state = stateFor plan o chain (start plan o rng)
            let columns = Array.init keepIdx.Length (fun _ -> Array.zeroCreate<float> o.Draws)

            let logLik =
                if o.RecordLogLikelihood then
                    Array.zeroCreate<float[]> o.Draws
                else
                    [||]

            let monitor = Layout.compileMonitored plan.Bound
            let monitored = Array.zeroCreate plan.Bound.Layout.Monitored.Length

            let keep made =
                monitor state.Values monitored

                for k in 0 .. keepIdx.Length - 1 do
                    columns.[k].[made] <- monitored.[keepIdx.[k]]

                if o.RecordLogLikelihood then
                    logLik.[made] <- plan.Density.PointwiseLogLik state.Values

            let _, made = sweepLoop plan o chain rng state (0, 0) keep (fun _ _ -> ())
            Some(columns, logLik, made)

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

        let columns =
            kept
            |> Array.map (fun (cols, _, _) ->
                cols
                |> Array.map (fun col -> if col.Length = made then col else Array.sub col 0 made))

        let posterior = Posterior.ofColumns names columns

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
