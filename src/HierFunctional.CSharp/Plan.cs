using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>Whether an update draws from its nodes' full conditional exactly, by an invariant Markov move, or only
/// approximately.</summary>
public enum UpdateExactness
{
    /// <summary>An independent draw from the full conditional.</summary>
    Exact,

    /// <summary>A Markov move (slice, Metropolis-Hastings) that leaves the full conditional exactly invariant;
    /// successive draws are correlated.</summary>
    Markov,

    /// <summary>A draw that is not exactly from the full conditional; <see cref="PlanStep.Bound"/> says by how
    /// much.</summary>
    Approximate,
}

/// <summary>How one node is updated in a Gibbs sweep.</summary>
/// <param name="Node">The node (or block of nodes, e.g. <c>alpha, beta</c>).</param>
/// <param name="Method">A conjugacy rule's name (e.g. <c>Normal-Normal</c>) or <c>slice</c>.</param>
/// <param name="Reason">Why the node fell back to slice sampling; empty for closed-form updates.</param>
/// <param name="Exactness">Exact draw, invariant Markov move, or approximate draw.</param>
/// <param name="Bound">For an approximate update, its error bound; empty otherwise.</param>
public sealed record PlanStep(string Node, string Method, string Reason, UpdateExactness Exactness, string Bound)
{
    /// <summary>True when the update is an independent draw from the node's full conditional.</summary>
    public bool Exact => Exactness == UpdateExactness.Exact;
}

/// <summary>
/// A compiled Gibbs sampler for one model and one data set: immutable and free of chain state, so it can run any
/// number of fits. <see cref="Description"/> says which update each node got, as JAGS's <c>list.samplers</c> does.
/// </summary>
public sealed class Plan
{
    internal Plan(F.GibbsPlan core, F.FittedFormula? formula = null, int[]? droppedRows = null)
    {
        Core = core;
        Formula = formula;
        DroppedRows = droppedRows ?? System.Array.Empty<int>();
    }

    internal F.GibbsPlan Core { get; }

    /// <summary>The names a formula gave the model's nodes (null for a model not built from a formula); the
    /// posterior's <c>FixedEffects</c>, <c>RandomEffects</c>, <c>Coefficients</c> and <c>VarCorr</c> read them.</summary>
    internal F.FormulaTerms? Terms { get; private init; }

    /// <summary>This plan, carrying a formula's node names.</summary>
    internal Plan WithTerms(F.FormulaTerms? terms) => new(Core, Formula, DroppedRows.ToArray()) { Terms = terms };

    /// <summary>The formula the model was built from (null for a model built in code), kept so new data for
    /// prediction is coded as the fitted data was.</summary>
    internal F.FittedFormula? Formula { get; }

    /// <summary>1-based numbers (in the data as given) of the rows dropped for a missing cell
    /// (<see cref="F.MissingRows.Drop"/>); empty when none were.</summary>
    public IReadOnlyList<int> DroppedRows { get; }

    /// <summary>The updates of one sweep, in order.</summary>
    public IReadOnlyList<PlanStep> Steps =>
        Core.Updates.Select(u => new PlanStep(u.Node, u.Method, u.Reason, ExactnessOf(u.Exactness), BoundOf(u.Exactness))).ToArray();

    private static UpdateExactness ExactnessOf(F.Inference.Exactness e) =>
        e.IsExact ? UpdateExactness.Exact : e.IsMarkov ? UpdateExactness.Markov : UpdateExactness.Approximate;

    private static string BoundOf(F.Inference.Exactness e) => e is F.Inference.Exactness.Approximate a ? a.bound : "";

    /// <summary>The plan as a table: one line per approximate update with its bound, then each node, whether its update is exact, a Markov move or approximate, the update, and why it fell back to slicing.</summary>
    public string Description => F.Gibbs.describe(Core);

    /// <summary>The joint log-density log p(θ, y) at given parameter values (every prior, likelihood and factor term).</summary>
    /// <param name="values">Every parameter node's values, all copies flattened (one value for a scalar node).</param>
    /// <exception cref="ArgumentException">A node is missing, unknown, or has the wrong number of values.</exception>
    public double LogDensity(IReadOnlyDictionary<string, double[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bound = Core.Bound;
        var missing = F.BoundModule.parameters(bound).Select(i => i.Node.Name).Where(n => !values.ContainsKey(n)).ToArray();
        if (missing.Length > 0)
        {
            throw new ArgumentException($"Give a value for every parameter node; missing: {string.Join(", ", missing)}.", nameof(values));
        }

        var state = F.LayoutModule.ofValues(
            bound, Interop.ToList(values.Select(kv => Tuple.Create(kv.Key, F.Value.NewVector(kv.Value)))));
        return Core.Density.Joint.Invoke(state);
    }

    /// <summary>Runs the chains (in parallel, each with its own generator) and collects the monitored draws.</summary>
    /// <param name="options">Sampler options; <see cref="F.SamplerOptions.Default"/> when null.</param>
    /// <exception cref="ModelException">A sampler update failed numerically (kind <see cref="HierFunctional.ErrorKind.NumericalFailure"/>).</exception>
    /// <exception cref="ArgumentException">An option is out of range or monitors an unknown node.</exception>
    public Posterior Sample(F.SamplerOptions? options = null) => Run(options ?? F.SamplerOptions.Default, null, default);

    /// <summary>
    /// Runs the chains on the thread pool. Cancelling stops every chain at its next sweep and completes the task with
    /// a partial posterior (<see cref="Posterior.IsCancelled"/> is then true) rather than throwing, so a long run
    /// stopped early keeps its work: every chain that made draws keeps its first <see cref="Posterior.DrawsPerChain"/>
    /// (the shortest such chain's count), and chains that made none (still waiting for a thread, or warming up) are
    /// left out, so <see cref="Posterior.Chains"/> can be below <see cref="Posterior.RequestedChains"/>. A token
    /// cancelled before the call, or before any chain made a draw, cancels the task (awaiting it throws
    /// <see cref="OperationCanceledException"/>).
    /// </summary>
    /// <param name="options">Sampler options; <see cref="F.SamplerOptions.Default"/> when null.</param>
    /// <param name="progress">Receives each chain's progress, from worker threads; null keeps the options' own
    /// (<see cref="F.SamplerOptions.WithProgress"/>), if any.</param>
    /// <param name="cancellationToken">Stops the chains; none keeps the options' own
    /// (<see cref="F.SamplerOptions.WithCancellation"/>).</param>
    public Task<Posterior> SampleAsync(
        F.SamplerOptions? options = null,
        IProgress<F.ChainProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var o = options ?? F.SamplerOptions.Default;
        var token = cancellationToken.CanBeCanceled ? cancellationToken : o.Cancellation;
        if (token.IsCancellationRequested)
        {
            return Task.FromCanceled<Posterior>(token);
        }

        return Task.Run(() => Run(o, progress, token), token);
    }

    /// <summary>The plan's description.</summary>
    public override string ToString() => Description;

    private Posterior Run(F.SamplerOptions options, IProgress<F.ChainProgress>? progress, CancellationToken token)
    {
        var run = progress is null ? options : options.WithProgress(progress);
        run = token.CanBeCanceled ? run.WithCancellation(token) : run;
        var core = Interop.Translate(() => F.Chains.run(run, Core));
        return new Posterior(core, this, options);
    }
}
