using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>
/// Posterior draws of a fit: chains × draws × named scalars (<c>mu</c>, <c>theta[3]</c>), immutable. Scalars of a
/// node declared over a group can also be named by their group label: <c>Draws("theta", "Hospital A")</c> or
/// <c>Draws("theta[Hospital A]")</c>.
/// </summary>
public sealed partial class Posterior
{
    private readonly Dictionary<string, string> byLabel;
    private readonly Dictionary<string, string> labelOf;
    private readonly Lazy<Microsoft.FSharp.Collections.FSharpList<F.Warning>> coreWarnings;

    internal Posterior(F.Posterior core, Plan plan, F.SamplerOptions options)
    {
        Core = core;
        Plan = plan;
        Options = options;
        labelOf = Labels(core, plan.Core.Bound, plan.Terms);
        byLabel = labelOf.GroupBy(kv => kv.Value).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.First().Key);
        foreach (var (alias, scalar) in LevelAndIndexLabels(labelOf))
        {
            byLabel.TryAdd(alias, scalar);
        }

        coreWarnings = new(() => F.Warnings.compute(core));
    }

    /// <summary>Convergence warnings of the draws (R-hat, ESS, non-finite draws, unbounded growth, stuck chains,
    /// chains at a boundary), most severe first; empty when none fired. Read them before any estimate.</summary>
    public IReadOnlyList<F.Warning> Warnings => coreWarnings.Value.ToArray();

    /// <summary>True when no convergence warning fired.</summary>
    public bool Converged => Warnings.Count == 0;

    /// <summary>The plan that produced the draws.</summary>
    public Plan Plan { get; }

    /// <summary>The options of the run.</summary>
    public F.SamplerOptions Options { get; }

    /// <summary>Scalar names in column order, e.g. <c>mu</c>, <c>theta[1]</c>, <c>theta[2]</c>.</summary>
    public IReadOnlyList<string> Names => Core.Names;

    /// <summary>Number of chains.</summary>
    public int Chains => Core.ChainCount;

    /// <summary>Draws per chain (the draws made before cancellation, for a cancelled run).</summary>
    public int DrawsPerChain => Core.DrawCount;

    /// <summary>Draws per chain the run was asked for.</summary>
    public int RequestedDraws => Core.RequestedDraws;

    /// <summary>Chains the run was asked for; more than <see cref="Chains"/> when a cancelled run left out chains
    /// that made no draw.</summary>
    public int RequestedChains => Core.RequestedChains;

    /// <summary>True when the run was cancelled: a partial posterior of the draws made before (see
    /// <see cref="Plan.SampleAsync"/>).</summary>
    public bool IsCancelled => Core.Cancelled;

    /// <summary>True when a pointwise log-likelihood was recorded (needed by Dic, Waic and Loo).</summary>
    public bool HasLogLikelihood => Core.HasLogLikelihood;

    internal F.Posterior Core { get; }

    /// <summary>The draws of one scalar, all chains concatenated in chain order (a copy).</summary>
    /// <param name="name">A scalar name (<c>theta[1]</c>) or labelled name (<c>theta[Hospital A]</c>; for a formula's
    /// coefficients <c>r_Subject[335,Intercept]</c> or <c>r_Subject[335,1]</c>).</param>
    /// <exception cref="ArgumentException">No such scalar; the message lists the known ones.</exception>
    public double[] Draws(string name) => F.PosteriorModule.allChains(Resolve(name), Core);

    /// <summary>The draws of the scalar of <paramref name="node"/> labelled <paramref name="label"/>.</summary>
    /// <param name="node">A node declared over a group, e.g. <c>theta</c>.</param>
    /// <param name="label">A level of the group, e.g. <c>Hospital A</c>.</param>
    /// <exception cref="ArgumentException">No scalar of the node has that label; the message lists its labels.</exception>
    public double[] Draws(string node, string label) => F.PosteriorModule.allChains(Resolve(node, label), Core);

    /// <summary>The draws of one scalar per chain: <c>[chain][draw]</c> (a copy).</summary>
    /// <param name="name">A scalar name or labelled name.</param>
    public double[][] DrawsByChain(string name) => F.PosteriorModule.chains(Resolve(name), Core);

    /// <summary>Posterior mean of a scalar.</summary>
    /// <param name="name">A scalar name or labelled name.</param>
    public double Mean(string name) => F.Diagnostics.mean(DrawsByChain(name));

    /// <summary>Posterior mean of a labelled scalar.</summary>
    /// <param name="node">The node.</param>
    /// <param name="label">The group level.</param>
    public double Mean(string node, string label) => Mean(Resolve(node, label));

    /// <summary>Posterior standard deviation of a scalar.</summary>
    /// <param name="name">A scalar name or labelled name.</param>
    public double Sd(string name) => F.Diagnostics.sd(DrawsByChain(name));

    /// <summary>Posterior quantile of a scalar (type 7, as R's default).</summary>
    /// <param name="name">A scalar name or labelled name.</param>
    /// <param name="probability">In [0, 1].</param>
    public double Quantile(string name, double probability)
    {
        if (!(probability >= 0.0 && probability <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability must lie in [0, 1].");
        }

        return F.Diagnostics.quantile(probability, DrawsByChain(name));
    }

    /// <summary>Posterior quantile of a labelled scalar.</summary>
    /// <param name="node">The node.</param>
    /// <param name="label">The group level.</param>
    /// <param name="probability">In [0, 1].</param>
    public double Quantile(string node, string label, double probability) => Quantile(Resolve(node, label), probability);

    /// <summary>The group label of a scalar (e.g. <c>theta[Hospital A]</c> for <c>theta[1]</c>), or null.</summary>
    /// <param name="name">A scalar name.</param>
    public string? LabelOf(string name) => labelOf.TryGetValue(Resolve(name), out var l) ? l : null;

    /// <summary>Mean, sd, quantiles, MCSE, bulk/tail ESS and R-hat of every scalar, with convergence warnings.</summary>
    /// <param name="probabilities">Quantile probabilities; 5%, 50% and 95% when none are given.</param>
    public F.Summary Summary(params double[] probabilities)
    {
        var options = F.SummaryModule.defaultOptions;
        if (probabilities is { Length: > 0 })
        {
            options = new F.SummaryOptions(probabilities, options.MaxRhat, options.MinEssPerChain);
        }

        // a formula model's covariance matrices are shown as sd and cor rows, which are not scalars of Core
        var shown = Plan.Terms is null ? Core : F.Effects.readable(Plan.Terms, Core);
        return F.SummaryModule.computeWith(options, Labelled(shown));
    }

    /// <summary>No, complete and partial pooling per group of a group-level parameter, with shrinkage factors.</summary>
    /// <param name="node">A parameter over a group with a Normal, Binomial or Poisson child; the first such when null.</param>
    /// <exception cref="ArgumentException">The node is not such a parameter.</exception>
    public F.ShrinkageTable Shrinkage(string? node = null)
    {
        var bound = Plan.Core.Bound;
        var name = node ?? ShrinkableNodes(bound).FirstOrDefault()
            ?? throw new InvalidOperationException("The model has no group-level parameter with a shrinkage report.");
        try
        {
            return F.ShrinkageReport.report(bound, name, Core);
        }
        catch (ArgumentException e) when (e.ParamName == "node")
        {
            // the core's message names its F# remedy; say it in the facade's terms
            throw new ArgumentException(CSharpTerms.Rewrite(e.Message.Replace(" (Parameter 'node')", string.Empty)), nameof(node), e);
        }
    }

    /// <summary>DIC and p_D (needs <see cref="F.SamplerOptions.WithLogLikelihood"/>).</summary>
    /// <exception cref="InvalidOperationException">No log-likelihood was recorded.</exception>
    public F.Dic Dic() => F.Criteria.dicOf(Plan.Core, WithLogLikelihood());

    /// <summary>WAIC with standard errors (needs <see cref="F.SamplerOptions.WithLogLikelihood"/>).</summary>
    /// <exception cref="InvalidOperationException">No log-likelihood was recorded.</exception>
    public F.Waic Waic() => F.Criteria.waicOf(WithLogLikelihood());

    /// <summary>PSIS-LOO with Pareto k̂ diagnostics (needs <see cref="F.SamplerOptions.WithLogLikelihood"/>).</summary>
    /// <exception cref="InvalidOperationException">No log-likelihood was recorded.</exception>
    public F.Loo Loo() => F.Criteria.looOf(WithLogLikelihood());

    /// <summary>Posterior predictive check: a replicated data set per draw, the statistic on each, and the share of
    /// replications at least as extreme as the observed value (Gelman et al. BDA3 §6.3).</summary>
    /// <param name="statistic">The test statistic of a data set, e.g. <c>d =&gt; d.GetNumbers("y").Max()</c>.</param>
    /// <param name="seed">Seed of the replication generator.</param>
    public F.PredictiveCheck PredictiveCheck(Func<DataSet, double> statistic, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(statistic);
        return F.Predictive.check(
            Rng(seed), Plan.Core.Bound, Interop.Fun<F.Dataset, double>(d => statistic(new DataSet(d))), Core);
    }

    /// <summary>Draws of a new, unobserved level of a group-level node, one per posterior draw (θ_new | μ, τ).</summary>
    /// <param name="node">A parameter declared over a group, e.g. <c>theta</c>.</param>
    /// <param name="seed">Seed of the generator.</param>
    public double[] NewGroup(string node, int seed = 1) =>
        F.Predictive.newGroup(Rng(seed), Plan.Core.Bound, Interop.Name(node, nameof(node)), Core);

    /// <summary>Summary of the variance shares and (for two components) the ICC implied by the named standard
    /// deviations, draw by draw: share_k = sd_k² / Σ sd².</summary>
    /// <param name="sds">Standard-deviation parameters, outermost level first (e.g. <c>"tau", "sigma"</c>).</param>
    public F.Summary VarianceDecomposition(params string[] sds) =>
        F.VarianceDecomposition.summary(Interop.ToList(Interop.Array(sds, nameof(sds))), Core);

    /// <summary>Writes the draws as CmdStan does, one file per chain (<c>directory/modelName_chain.csv</c>), for R's
    /// <c>posterior</c>, ArviZ or any Stan tooling; returns the paths.</summary>
    /// <param name="directory">The output directory (created if missing).</param>
    /// <param name="modelName">The model name in the header and file names.</param>
    public IReadOnlyList<string> WriteCmdStanCsv(string directory, string modelName = "model")
    {
        Directory.CreateDirectory(Interop.Name(directory, nameof(directory)));
        var header = new F.CmdStanHeader(
            Interop.Name(modelName, nameof(modelName)), "gibbs", Options.Draws * Options.Thin, Options.Warmup,
            Options.Thin, (ulong)(uint)Options.Seed, 1, null);
        return F.CmdStanCsv.writePosterior(directory, header, Core);
    }

    /// <summary>The warnings banner (if any), then chains, draws and scalars, and whether the run was cancelled.</summary>
    public override string ToString() => F.Warnings.banner(coreWarnings.Value) + Core.ToString();

    /// <summary>The draws with this posterior's labels attached to the scalars they name (derived nodes over a group
    /// and a formula's coefficients included), for the core's summaries and intervals.</summary>
    private F.Posterior Labelled(F.Posterior draws) =>
        F.PosteriorModule.withLabels(
            labelOf.Where(kv => draws.Contains(kv.Key)).Select(kv => Tuple.Create(kv.Key, kv.Value)), draws);

    private static Random Rng(int seed) => F.Chains.predictiveGenerator(seed);

    private static IEnumerable<string> ShrinkableNodes(F.Bound bound) =>
        bound.Nodes.Where(i => i.Node.Kind.IsParameter && i.Node.Plate.IsOver).Select(i => i.Node.Name);

    /// <summary>Labelled names of every scalar of a node over a group: <c>theta[3]</c> → <c>theta[C]</c>,
    /// <c>b[2,1]</c> → <c>b[308,1]</c> (the same names the core's layout gives parameters).</summary>
    private static Dictionary<string, string> Labels(F.Posterior core, F.Bound bound, F.FormulaTerms? terms)
    {
        if (terms is not null)
        {
            // a formula's coefficients by level and term: r_Subject[1,2] -> r_Subject[308,Days]
            var readable = F.Effects.readable(terms, core);
            return readable.Names
                .Where(core.Contains)
                .Select(n => (n, l: readable.Label(n)))
                .Where(x => x.l is not null)
                .ToDictionary(x => x.n, x => x.l!.Value, StringComparer.Ordinal);
        }

        var groups = bound.Nodes
            .Where(i => i.Node.Plate is F.Plate.Over)
            .ToDictionary(i => i.Node.Name, i => bound.Groups[((F.Plate.Over)i.Node.Plate).group].Levels);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in core.Names)
        {
            var open = name.IndexOf('[');
            if (open < 0 || !groups.TryGetValue(name[..open], out var levels))
            {
                continue;
            }

            var inside = name[(open + 1)..^1];
            var comma = inside.IndexOf(',');
            var copy = int.Parse(comma < 0 ? inside : inside[..comma], System.Globalization.CultureInfo.InvariantCulture);
            labels[name] = $"{name[..open]}[{levels[copy - 1]}{(comma < 0 ? string.Empty : inside[comma..])}]";
        }

        return labels;
    }

    /// <summary>The level-and-index labels earlier versions gave a formula's coefficients (<c>r_Subject[335,1]</c>
    /// for <c>r_Subject[335,Intercept]</c>), so code written against them keeps resolving.</summary>
    private static IEnumerable<(string Alias, string Scalar)> LevelAndIndexLabels(Dictionary<string, string> labelOf)
    {
        foreach (var (scalar, label) in labelOf)
        {
            int rawComma = scalar.LastIndexOf(','), labelComma = label.LastIndexOf(',');
            if (rawComma < 0 || labelComma < 0 || !scalar.EndsWith(']') || !label.EndsWith(']'))
            {
                continue;
            }

            var index = scalar[(rawComma + 1)..^1];
            yield return ($"{label[..labelComma]},{index}]", scalar);
        }
    }

    private string Resolve(string name)
    {
        Interop.Name(name, nameof(name));
        if (Core.Contains(name))
        {
            return name;
        }

        return byLabel.TryGetValue(name, out var scalar)
            ? scalar
            : throw new ArgumentException(
                $"No scalar named '{name}'; known scalars: {string.Join(", ", Core.Names.Take(20))}"
                + (Core.Names.Length > 20 ? ", …" : string.Empty) + ".",
                nameof(name));
    }

    private string Resolve(string node, string label)
    {
        Interop.Name(node, nameof(node));
        ArgumentNullException.ThrowIfNull(label);
        if (byLabel.TryGetValue($"{node}[{label}]", out var scalar))
        {
            return scalar;
        }

        var known = labelOf.Where(kv => F.PosteriorModule.nodeOf(kv.Key) == node).Select(kv => kv.Value).ToArray();
        throw new ArgumentException(
            known.Length == 0
                ? $"Node '{node}' has no labelled scalars: it is not declared over a group column (or is not monitored)."
                : $"Node '{node}' has no scalar labelled '{label}'; its labelled scalars are {string.Join(", ", known)}.",
            nameof(label));
    }

    private F.Posterior WithLogLikelihood() =>
        Core.HasLogLikelihood
            ? Core
            : throw new InvalidOperationException(
                "This posterior has no pointwise log-likelihood; sample with SamplerOptions.Default.WithLogLikelihood().");
}
