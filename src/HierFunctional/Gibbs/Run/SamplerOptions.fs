namespace HierFunctional

open System
open System.Collections.Generic
open System.Runtime.InteropServices
open System.Threading

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
    /// Given values by parameter node, all copies flattened row-major (one value for a scalar node); BUGS
    /// semantics: listed nodes take them, the others start as `Typical` does from their given or generated
    /// parents. A value outside its node's support is refused (`InvalidInitialValue`). From F#, `Initial.given`
    /// builds it from (node, `Value`) pairs.
    | Given of IReadOnlyDictionary<string, float[]>

/// Building given starting values.
[<RequireQualifiedAccess>]
module Initial =

    /// Given values from (node, value) pairs, flattened as `Layout.set` reads them; a later pair for a node
    /// replaces an earlier one.
    let given (values: (string * Value) list) : Initial =
        let flat =
            function
            | Value.Scalar x -> [| x |]
            | Value.Vector xs -> Array.copy xs
            | Value.Matrix m -> Array.init m.Length (fun i -> m.[i / Array2D.length2 m, i % Array2D.length2 m])

        let byNode = Dictionary<string, float[]>()

        for name, v in values do
            byNode.[name] <- flat v

        Initial.Given(byNode.AsReadOnly())

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

/// The range checks of the sampler options.
[<RequireQualifiedAccess>]
module internal OptionChecks =

    /// Refuses `value` below `minimum` with an ArgumentOutOfRangeException naming `name`.
    let atLeast (minimum: int) (name: string) (value: int) =
        if value < minimum then
            raise (ArgumentOutOfRangeException(name, value, $"{name} must be at least {minimum}, but was {value}."))

/// Options of a Gibbs run. Immutable: use `SamplerOptions.Default` and the `With…` methods, which refuse a value out
/// of range with an `ArgumentOutOfRangeException` naming the parameter. The same options and seed give
/// bit-identical draws whatever the thread count.
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
        /// Names of nodes or single elements (`theta[3]`) to keep, parameters or derived; empty keeps everything.
        Monitor: string[]
        /// Starting values.
        Initial: Initial
        /// Record each observation's log-likelihood per draw (for DIC, WAIC and PSIS-LOO).
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
            Monitor = [||]
            Initial = Initial.Typical
            RecordLogLikelihood = false
            Progress = null
            Cancellation = CancellationToken.None
        }

    /// With a number of chains (at least 1).
    member o.WithChains(chains: int) =
        OptionChecks.atLeast 1 (nameof chains) chains
        { o with Chains = chains }

    /// With a number of warm-up sweeps per chain (0 or more).
    member o.WithWarmup(warmup: int) =
        OptionChecks.atLeast 0 (nameof warmup) warmup
        { o with Warmup = warmup }

    /// With a number of kept draws per chain (at least 1).
    member o.WithDraws(draws: int) =
        OptionChecks.atLeast 1 (nameof draws) draws
        { o with Draws = draws }

    /// With thinning: keep every `thin`-th sweep (at least 1).
    member o.WithThin(thin: int) =
        OptionChecks.atLeast 1 (nameof thin) thin
        { o with Thin = thin }

    /// With a master seed (any integer).
    member o.WithSeed(seed: int) = { o with Seed = seed }

    /// With a maximum number of chains run at once (at least 1).
    member o.WithThreads(threads: int) =
        OptionChecks.atLeast 1 (nameof threads) threads
        { o with Threads = threads }

    /// With a number of threads inside each chain for group-wise updates (at least 1; draws do not change).
    member o.WithThreadsPerChain(threads: int) =
        OptionChecks.atLeast 1 (nameof threads) threads
        { o with ThreadsPerChain = threads }

    /// With the nodes (or single elements) to monitor; none keeps everything.
    member o.WithMonitor([<ParamArray>] nodes: string[]) =
        if isNull nodes then
            nullArg (nameof nodes)

        { o with Monitor = Array.copy nodes }

    /// With the nodes (or single elements) to monitor, from any sequence (an F# list); empty keeps everything.
    member o.WithMonitor(nodes: seq<string>) =
        if isNull nodes then
            nullArg (nameof nodes)

        { o with Monitor = Array.ofSeq nodes }

    /// With starting values, replacing any given before.
    member o.WithInitial(initial: Initial) =
        if isNull (box initial) then
            nullArg (nameof initial)

        { o with Initial = initial }

    /// With an initial value for one parameter node, all its copies flattened (one value for a scalar node), added
    /// to any given before; nodes not given start at typical values of their priors given their parents (BUGS
    /// semantics), whatever `Initial` was.
    member o.WithInitialValue(node: string, [<ParamArray>] values: float[]) =
        if String.IsNullOrWhiteSpace node then
            invalidArg (nameof node) "A node name cannot be null, empty or white space."

        if isNull values then
            nullArg (nameof values)

        let byNode =
            match o.Initial with
            | Initial.Given given -> Dictionary<string, float[]>(given)
            | _ -> Dictionary<string, float[]>()

        byNode.[node] <- Array.copy values

        { o with
            Initial = Initial.Given(byNode.AsReadOnly())
        }

    /// With pointwise log-likelihood recording on or off (needed by DIC, WAIC and PSIS-LOO).
    member o.WithLogLikelihood([<Optional; DefaultParameterValue(true)>] record: bool) =
        { o with RecordLogLikelihood = record }

    /// With a progress sink (null: none), reported from the chains' threads.
    member o.WithProgress(progress: IProgress<ChainProgress>) = { o with Progress = progress }

    /// With a cancellation token.
    member o.WithCancellation(cancellation: CancellationToken) = { o with Cancellation = cancellation }
