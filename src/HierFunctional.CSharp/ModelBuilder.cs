using System;
using System.Collections.Immutable;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>
/// A fluent, immutable model builder: every call returns a new builder with one more node. References to earlier
/// nodes come back through <c>out</c> variables, usable in the same chain.
/// </summary>
/// <example><code>
/// Model m = Model.Builder()
///     .Sample("mu", Normal(0, 5), out var mu)
///     .Sample("tau", HalfCauchy(5), out var tau)
///     .Sample("theta", Normal(mu, tau), out var theta, over: "school")
///     .Observe("y", Normal(theta[Group("school")], Data("sigma")))
///     .Build();
/// </code></example>
public sealed class ModelBuilder
{
    private readonly ImmutableList<F.Node> nodes;

    private ModelBuilder(ImmutableList<F.Node> nodes) => this.nodes = nodes;

    internal static ModelBuilder Empty { get; } = new(ImmutableList<F.Node>.Empty);

    /// <summary>Declares a parameter with a prior.</summary>
    /// <param name="name">The parameter's unique name.</param>
    /// <param name="prior">Its prior.</param>
    /// <param name="reference">Receives a reference to the parameter.</param>
    /// <param name="over">A group column: one value per level; null for a single value.</param>
    public ModelBuilder Sample(string name, Dist prior, out Expr reference, string? over = null) =>
        Add(Plated(Model.Sample(name, prior), over), out reference);

    /// <summary>Declares a parameter with a prior, without taking a reference (use <see cref="Expr.Param"/>).</summary>
    /// <param name="name">The parameter's unique name.</param>
    /// <param name="prior">Its prior.</param>
    /// <param name="over">A group column: one value per level; null for a single value.</param>
    public ModelBuilder Sample(string name, Dist prior, string? over = null) => Sample(name, prior, out _, over);

    /// <summary>Declares that a data column is modelled row by row.</summary>
    /// <param name="column">The observed column.</param>
    /// <param name="likelihood">The distribution of each row's value.</param>
    public ModelBuilder Observe(string column, Dist likelihood) => Add(Model.Observe(column, likelihood));

    /// <summary>Declares a named deterministic quantity.</summary>
    /// <param name="name">The node's unique name.</param>
    /// <param name="value">Its value.</param>
    /// <param name="reference">Receives a reference to it.</param>
    /// <param name="over">A group column: one value per level; null for a single value.</param>
    public ModelBuilder Derived(string name, Expr value, out Expr reference, string? over = null) =>
        Add(Plated(Model.Derived(name, value), over), out reference);

    /// <summary>Adds a term to the joint log-density.</summary>
    /// <param name="name">The node's unique name.</param>
    /// <param name="logDensity">The term.</param>
    public ModelBuilder Factor(string name, Expr logDensity) => Add(Model.Factor(name, logDensity));

    /// <summary>Appends the nodes of any step (e.g. <c>Model.Sample("beta", …).Sized(3)</c>) and returns its value.</summary>
    /// <typeparam name="T">The step's value type.</typeparam>
    /// <param name="step">The step.</param>
    /// <param name="value">Receives the value the step binds.</param>
    public ModelBuilder Add<T>(ModelStep<T> step, out T value)
    {
        ArgumentNullException.ThrowIfNull(step);
        T bound = default!;
        var declared = F.Step.nodes(F.Step.bind(
            Interop.Fun<T, F.Step<T>>(x =>
            {
                bound = x; // the continuation runs synchronously, once, while binding
                return F.Step.ret(x);
            }),
            step.Core));
        value = bound;
        return new ModelBuilder(nodes.AddRange(declared));
    }

    /// <summary>Appends the nodes of any step.</summary>
    /// <typeparam name="T">The step's value type.</typeparam>
    /// <param name="step">The step.</param>
    public ModelBuilder Add<T>(ModelStep<T> step) => Add(step, out _);

    /// <summary>The finished model.</summary>
    public Model Build() => Model.FromCore(F.ModelModule.ofNodes(Interop.ToList(nodes)));

    /// <summary>The model built so far, printed as the math.</summary>
    public override string ToString() => Build().ToString();

    private static ModelStep<Expr> Plated(ModelStep<Expr> step, string? over) =>
        over is null ? step : step.Over(over);
}
