using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>Where chains start when no initial value is given for a node.</summary>
public enum StartingPoint
{
    /// <summary>
    /// A typical value of each prior given its parents' starting values (the median for location and scale families;
    /// the mean for Gamma, Beta and Dirichlet, whose median can underflow: 1 for a Gamma(0.001, 0.001) precision),
    /// with uniform(−2, 2) jitter per chain on the unconstrained scale scaled by the prior's spread (at most 1). The
    /// default.
    /// </summary>
    Typical,

    /// <summary>A draw from the prior, redrawn while degenerate (improper Flat priors: uniform(−2, 2) on the unconstrained scale).</summary>
    FromPrior,

    /// <summary>Each unconstrained coordinate uniform on (−2, 2), as Stan does.</summary>
    Uniform,
}

/// <summary>
/// Options of a Gibbs run: immutable, built from <see cref="Default"/> with the <c>With…</c> methods (or a
/// <c>with</c> expression). The defaults are the F# core's: 4 chains × (1000 warm-up + 1000 draws), seed 1.
/// The same options and seed give bit-identical draws whatever the thread count.
/// </summary>
/// <example><code>var options = SamplerOptions.Default.WithChains(4).WithDraws(2000).WithSeed(42);</code></example>
public sealed record SamplerOptions
{
    private static readonly F.SamplerOptions CoreDefault = F.SamplerOptions.Default;

    /// <summary>4 chains × (1000 warm-up + 1000 draws), seed 1, every node monitored.</summary>
    public static SamplerOptions Default { get; } = new();

    /// <summary>Number of chains (at least 1).</summary>
    public int Chains { get; init; } = CoreDefault.Chains;

    /// <summary>Warm-up sweeps per chain, discarded; slice widths adapt only here.</summary>
    public int Warmup { get; init; } = CoreDefault.Warmup;

    /// <summary>Kept draws per chain, after thinning (at least 1).</summary>
    public int Draws { get; init; } = CoreDefault.Draws;

    /// <summary>Keep every <c>Thin</c>-th sweep (at least 1).</summary>
    public int Thin { get; init; } = CoreDefault.Thin;

    /// <summary>Master seed; chain c draws from Philox4x32-10 keyed by (Seed, c).</summary>
    public int Seed { get; init; } = CoreDefault.Seed;

    /// <summary>At most this many chains run at once; the draws do not depend on it.</summary>
    public int Threads { get; init; } = CoreDefault.Threads;

    /// <summary>
    /// Threads inside each chain: a group-wise update (group means, rates, intercepts) with many groups splits them
    /// into this many contiguous ranges drawn at once. The draws do not depend on it (default 1).
    /// </summary>
    public int ThreadsPerChain { get; init; } = CoreDefault.ThreadsPerChain;

    /// <summary>Names of the nodes to keep; empty keeps every parameter and derived node.</summary>
    public IReadOnlyList<string> Monitor { get; init; } = Array.Empty<string>();

    /// <summary>Where chains start for nodes without an initial value (default: typical values of the priors).</summary>
    public StartingPoint StartingPoint { get; init; } = StartingPoint.Typical;

    /// <summary>
    /// Initial values by parameter node: all copies, flattened (one value for a scalar node). Nodes not listed start
    /// at typical values of their priors given the listed and generated values of their parents (BUGS semantics).
    /// </summary>
    public IReadOnlyDictionary<string, double[]> InitialValues { get; init; } = new Dictionary<string, double[]>();

    /// <summary>Record each observation's log-likelihood per draw, needed by Dic, Waic and Loo.</summary>
    public bool RecordLogLikelihood { get; init; } = CoreDefault.RecordLogLikelihood;

    /// <summary>With a number of chains.</summary>
    /// <param name="chains">At least 1.</param>
    public SamplerOptions WithChains(int chains) => this with { Chains = AtLeast(1, chains, nameof(chains)) };

    /// <summary>With a number of warm-up sweeps per chain.</summary>
    /// <param name="warmup">0 or more.</param>
    public SamplerOptions WithWarmup(int warmup) => this with { Warmup = AtLeast(0, warmup, nameof(warmup)) };

    /// <summary>With a number of kept draws per chain.</summary>
    /// <param name="draws">At least 1.</param>
    public SamplerOptions WithDraws(int draws) => this with { Draws = AtLeast(1, draws, nameof(draws)) };

    /// <summary>With thinning: keep every <paramref name="thin"/>-th sweep.</summary>
    /// <param name="thin">At least 1.</param>
    public SamplerOptions WithThin(int thin) => this with { Thin = AtLeast(1, thin, nameof(thin)) };

    /// <summary>With a master seed.</summary>
    /// <param name="seed">Any integer.</param>
    public SamplerOptions WithSeed(int seed) => this with { Seed = seed };

    /// <summary>With a maximum number of chains run at once.</summary>
    /// <param name="threads">At least 1.</param>
    public SamplerOptions WithThreads(int threads) => this with { Threads = AtLeast(1, threads, nameof(threads)) };

    /// <summary>With a number of threads inside each chain for its group-wise updates (the draws do not change).</summary>
    /// <param name="threads">At least 1.</param>
    public SamplerOptions WithThreadsPerChain(int threads) =>
        this with { ThreadsPerChain = AtLeast(1, threads, nameof(threads)) };

    /// <summary>With the nodes to monitor (empty: all).</summary>
    /// <param name="nodes">Parameter or derived node names.</param>
    public SamplerOptions WithMonitor(params string[] nodes) =>
        this with { Monitor = Interop.Array(nodes, nameof(nodes)) };

    /// <summary>With a starting point for nodes without initial values.</summary>
    /// <param name="start">Typical values of the priors, prior draws, or uniform(−2, 2) on the unconstrained scale.</param>
    public SamplerOptions WithStartingPoint(StartingPoint start) => this with { StartingPoint = start };

    /// <summary>With an initial value for one parameter node (added to any given before).</summary>
    /// <param name="node">The parameter node.</param>
    /// <param name="values">All its copies, flattened; one value for a scalar node.</param>
    public SamplerOptions WithInitialValue(string node, params double[] values)
    {
        var all = InitialValues.ToDictionary(kv => kv.Key, kv => kv.Value);
        all[Interop.Name(node, nameof(node))] = Interop.Array(values, nameof(values));
        return this with { InitialValues = all };
    }

    /// <summary>With pointwise log-likelihood recording on or off (needed by Dic, Waic and Loo).</summary>
    /// <param name="record">True to record.</param>
    public SamplerOptions WithLogLikelihood(bool record = true) => this with { RecordLogLikelihood = record };

    internal F.SamplerOptions ToCore(IProgress<F.ChainProgress>? progress, CancellationToken cancellationToken)
    {
        var initial = InitialValues.Count > 0
            ? F.Initial.NewGiven(Interop.ToList(InitialValues.Select(kv =>
                Tuple.Create(kv.Key, F.Value.NewVector(kv.Value)))))
            : StartingPoint switch
            {
                StartingPoint.Uniform => F.Initial.Uniform,
                StartingPoint.FromPrior => F.Initial.FromPrior,
                StartingPoint.Typical => F.Initial.Typical,
                _ => throw new ArgumentOutOfRangeException(nameof(StartingPoint), StartingPoint, "not a StartingPoint value."),
            };
        return CoreDefault
            .WithChains(Chains)
            .WithWarmup(Warmup)
            .WithDraws(Draws)
            .WithThin(Thin)
            .WithSeed(Seed)
            .WithThreads(Threads)
            .WithThreadsPerChain(ThreadsPerChain)
            .WithMonitor(Interop.ToList(Monitor))
            .WithInitial(initial)
            .WithLogLikelihood(RecordLogLikelihood)
            .WithProgress(progress!)
            .WithCancellation(cancellationToken);
    }

    private static int AtLeast(int minimum, int value, string parameter) =>
        value >= minimum
            ? value
            : throw new ArgumentOutOfRangeException(parameter, value, $"{parameter} must be at least {minimum}, but was {value}.");
}
