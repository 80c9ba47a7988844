using System;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>
/// One step of building a model: the nodes it declares and the symbolic value it binds. Steps compose with LINQ
/// query syntax (<c>from … in … select …</c>), exactly as <c>let!</c> composes them in the F#
/// <c>model { }</c> computation expression; the finished query converts to a <see cref="Model"/>.
/// </summary>
/// <typeparam name="T">The value bound by the step (an <see cref="Expr"/> for the primitives).</typeparam>
public sealed class ModelStep<T>
{
    internal ModelStep(F.Step<T> core) => Core = core;

    internal F.Step<T> Core { get; }

    /// <summary>The model a finished query declares.</summary>
    /// <param name="step">The step (usually a whole query).</param>
    public static implicit operator Model(ModelStep<T> step) => Model.FromStep(step);

    /// <summary>LINQ <c>select</c>: transforms the bound value; declares no nodes.</summary>
    /// <typeparam name="TResult">The new bound value's type.</typeparam>
    /// <param name="selector">The transformation.</param>
    public ModelStep<TResult> Select<TResult>(Func<T, TResult> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return new(F.Step.bind(Interop.Fun<T, F.Step<TResult>>(x => F.Step.ret(selector(x))), Core));
    }

    /// <summary>LINQ <c>from … in … from … in …</c>: this step's nodes, then those of the step built from its value.</summary>
    /// <typeparam name="TNext">The next step's value type.</typeparam>
    /// <param name="next">Builds the next step from this step's value.</param>
    public ModelStep<TNext> SelectMany<TNext>(Func<T, ModelStep<TNext>> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return new(F.Step.bind(Interop.Fun<T, F.Step<TNext>>(x => Checked(next(x)).Core), Core));
    }

    /// <summary>LINQ's two-generator form, used by query syntax: sequence, then project both values.</summary>
    /// <typeparam name="TNext">The next step's value type.</typeparam>
    /// <typeparam name="TResult">The projected value's type.</typeparam>
    /// <param name="next">Builds the next step from this step's value.</param>
    /// <param name="project">Combines both values.</param>
    public ModelStep<TResult> SelectMany<TNext, TResult>(
        Func<T, ModelStep<TNext>> next,
        Func<T, TNext, TResult> project)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(project);
        return new(F.Step.bind(
            Interop.Fun<T, F.Step<TResult>>(x =>
                F.Step.bind(Interop.Fun<TNext, F.Step<TResult>>(y => F.Step.ret(project(x, y))), Checked(next(x)).Core)),
            Core));
    }

    /// <summary>One value per level of a group column: <c>Model.Sample("theta", Normal(mu, tau)).Over("school")</c>.</summary>
    /// <param name="group">The group column.</param>
    /// <exception cref="ArgumentException">The step is not a single sample or derived node.</exception>
    public ModelStep<T> Over(string group) => new(F.Primitives.over(Interop.Name(group, nameof(group)), Core));

    /// <summary>A fixed-length vector of copies, e.g. regression coefficients.</summary>
    /// <param name="length">The number of copies (at least 1).</param>
    public ModelStep<T> Sized(int length) => new(F.Primitives.sized(length, Core));

    /// <summary>One value per data row (a derived linear predictor worth monitoring).</summary>
    public ModelStep<T> PerRow() => new(F.Primitives.perRow(Core));

    /// <summary>The model this step declares (the same as the implicit conversion).</summary>
    public Model ToModel() => Model.FromStep(this);

    /// <summary>The model this step declares, printed as the math.</summary>
    public override string ToString() => ToModel().ToString();

    private static ModelStep<TNext> Checked<TNext>(ModelStep<TNext>? step) =>
        step ?? throw new InvalidOperationException("A query's step selector returned null; return a ModelStep.");
}
