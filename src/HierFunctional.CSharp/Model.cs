using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>What a model node is.</summary>
public enum NodeKind
{
    /// <summary>An unknown parameter with a prior.</summary>
    Parameter,

    /// <summary>A data column modelled row by row.</summary>
    Observed,

    /// <summary>A named deterministic quantity, monitored like a parameter.</summary>
    Derived,

    /// <summary>A term added to the joint log-density.</summary>
    Factor,
}

/// <summary>One node of a model, described.</summary>
/// <param name="Name">The node's name (an observed node shares it with its data column).</param>
/// <param name="Kind">Parameter, observed, derived or factor.</param>
/// <param name="Plate">How many copies: <c>scalar</c>, <c>over school</c>, <c>sized 3</c> or <c>rows</c>.</param>
public sealed record ModelNode(string Name, NodeKind Kind, string Plate);

/// <summary>
/// A hierarchical model: an immutable tree of named nodes, independent of any data set, with structural equality.
/// Build one with a LINQ query over the static primitives (<see cref="Sample"/>, <see cref="Observe"/>, …) or with
/// <see cref="Builder"/>; bind data and sample with <see cref="Fit"/>, <see cref="FitAsync"/> or
/// <see cref="Compile"/>.
/// </summary>
/// <example><code>
/// Model eightSchools =
///     from mu in Model.Sample("mu", Normal(0, 5))
///     from tau in Model.Sample("tau", HalfCauchy(5))
///     from theta in Model.Sample("theta", Normal(mu, tau)).Over("school")
///     from y in Model.Observe("y", Normal(theta[Group("school")], Data("sigma")))
///     select y;
/// </code></example>
public sealed class Model : IEquatable<Model>
{
    private Model(F.Model core) => Core = core;

    internal F.Model Core { get; }

    /// <summary>The nodes in declaration order.</summary>
    public IReadOnlyList<ModelNode> Nodes => Core.Nodes.Select(Describe).ToArray();

    /// <summary>Declares an unknown parameter with a prior and binds a symbolic reference to it.</summary>
    /// <param name="name">The parameter's unique name.</param>
    /// <param name="prior">Its prior distribution.</param>
    public static ModelStep<Expr> Sample(string name, Dist prior) =>
        Wrap(F.Primitives.sample(Interop.Name(name, nameof(name)), Dist.Of(prior, nameof(prior))), e => new Expr(e));

    /// <summary>Declares that the data column <paramref name="column"/> is modelled row by row; binds a reference to the column.</summary>
    /// <param name="column">The observed column (also the node's name).</param>
    /// <param name="likelihood">The distribution of each row's value.</param>
    public static ModelStep<Expr> Observe(string column, Dist likelihood) =>
        Wrap(
            F.Primitives.observe(Interop.Name(column, nameof(column)), Dist.Of(likelihood, nameof(likelihood))),
            _ => Expr.Data(column));

    /// <summary>Declares a named deterministic quantity (monitored like a parameter) and binds a reference to it.</summary>
    /// <param name="name">The node's unique name.</param>
    /// <param name="value">Its value as an expression of earlier nodes and data.</param>
    public static ModelStep<Expr> Derived(string name, Expr value) =>
        Wrap(F.Primitives.derived(Interop.Name(name, nameof(name)), Expr.Of(value, nameof(value))), e => new Expr(e));

    /// <summary>Adds a term to the joint log-density, e.g. BDA3's <c>-2.5 * Log(alpha + beta)</c>; binds the term.</summary>
    /// <param name="name">The node's unique name.</param>
    /// <param name="logDensity">The log-density term.</param>
    public static ModelStep<Expr> Factor(string name, Expr logDensity) =>
        Wrap(
            F.Primitives.factor(Interop.Name(name, nameof(name)), Expr.Of(logDensity, nameof(logDensity))),
            _ => logDensity);

    /// <summary>A step that declares nothing and binds a value (LINQ's unit).</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The value.</param>
    public static ModelStep<T> Return<T>(T value) => new(F.Step.ret(value));

    /// <summary>An empty fluent builder: <c>Model.Builder().Sample("mu", Normal(0, 5), out var mu)…Build()</c>.</summary>
    public static ModelBuilder Builder() => ModelBuilder.Empty;

    /// <summary>Checks what needs no data (unique names, references to earlier nodes, constant Uniform bounds).</summary>
    /// <exception cref="ModelException">Every problem found, the first one's kind in <see cref="ModelException.Kind"/>.</exception>
    public Model Validate()
    {
        Interop.OkOrThrow(F.ModelModule.check(Core));
        return this;
    }

    /// <summary>Binds the model to data and compiles its Gibbs plan (one closed-form or slice update per node).</summary>
    /// <param name="data">The data set.</param>
    /// <param name="missing">Rows with a missing cell (NA, empty, NaN) in a column the model uses: refused with an
    /// error naming the column and row (the default), or dropped and counted in <see cref="Plan.DroppedRows"/>.</param>
    /// <exception cref="ModelException">A model or data error, naming the node, column or row.</exception>
    public Plan Compile(DataSet data, F.MissingRows? missing = null) => CompileWith(data, missing, null);

    internal Plan CompileWith(DataSet data, F.MissingRows? missing, F.FittedFormula? formula)
    {
        ArgumentNullException.ThrowIfNull(data);
        var columns = formula is null ? F.FitModule.modelColumns(Core) : F.FitModule.formulaColumns(formula.Formula);
        var (kept, dropped) = missing is { IsDrop: true }
            ? F.DatasetModule.dropMissing(columns, data.Core).ToValueTuple()
            : (data.Core, System.Array.Empty<int>());
        var bound = Interop.OkOrThrow(F.Bind.bind(Core, kept));
        return new Plan(Interop.OkOrThrow(F.Gibbs.compile(bound)), formula, dropped);
    }

    /// <summary>Binds, compiles and samples in one call. The posterior is the whole fit: it keeps the plan and bound
    /// data, so shrinkage, checks, criteria and prediction need no second binding.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="options">Sampler options; <see cref="F.SamplerOptions.Default"/> when null.</param>
    /// <param name="missing">Refuse (the default, when null) or drop rows with a missing cell in a column the model uses.</param>
    /// <exception cref="ModelException">A model or data error, naming the node, column or row.</exception>
    public Posterior Fit(DataSet data, F.SamplerOptions? options = null, F.MissingRows? missing = null) =>
        Compile(data, missing).Sample(options);

    /// <summary>Binds, compiles and samples on the thread pool; see <see cref="Plan.SampleAsync"/>.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="options">Sampler options; <see cref="F.SamplerOptions.Default"/> when null.</param>
    /// <param name="progress">Receives each chain's progress (may be null).</param>
    /// <param name="cancellationToken">Stops the chains; the draws made so far are returned as a partial posterior
    /// (see <see cref="Plan.SampleAsync"/>).</param>
    public Task<Posterior> FitAsync(
        DataSet data,
        F.SamplerOptions? options = null,
        IProgress<F.ChainProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        Compile(data).SampleAsync(options, progress, cancellationToken);

    /// <summary>Structural equality: the same nodes in the same order.</summary>
    /// <param name="other">The other model.</param>
    public bool Equals(Model? other) => other is not null && Core.Equals(other.Core);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Model m && Equals(m);

    /// <inheritdoc/>
    public override int GetHashCode() => Core.GetHashCode();

    /// <summary>The model written as the math, one node per line (<c>theta[j] ~ Normal(mu, tau),  j = 1..J</c>).</summary>
    public override string ToString() => F.Print.model(Core);

    /// <summary>Entry point for other front ends (e.g. a formula parser) that produce a core model.</summary>
    internal static Model FromCore(F.Model core) => new(core ?? throw new ArgumentNullException(nameof(core)));

    internal static Model FromStep<T>(ModelStep<T> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new(F.Step.toModel(step.Core));
    }

    private static ModelStep<TOut> Wrap<TIn, TOut>(F.Step<TIn> step, Func<TIn, TOut> value) =>
        new(F.Step.bind(Interop.Fun<TIn, F.Step<TOut>>(x => F.Step.ret(value(x))), step));

    private static ModelNode Describe(F.Node n)
    {
        var kind = n.Kind switch
        {
            { IsParameter: true } => NodeKind.Parameter,
            { IsObserved: true } => NodeKind.Observed,
            { IsDerived: true } => NodeKind.Derived,
            _ => NodeKind.Factor,
        };
        var plate = n.Plate switch
        {
            F.Plate.Over o => $"over {o.group}",
            F.Plate.Sized s => $"sized {s.length}",
            { IsRows: true } => "rows",
            _ => "scalar",
        };
        return new ModelNode(n.Name, kind, plate);
    }
}
