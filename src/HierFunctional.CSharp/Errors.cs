using System;
using System.Collections.Generic;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>
/// A model or data error (or several found together): the first error's kind and location are on the exception,
/// all of them in <see cref="Errors"/>, and the message has one sentence per error naming the node, column or row,
/// written in the facade's terms (<c>theta[Group("g")]</c>, <c>Data("x")</c>).
/// </summary>
public sealed class ModelException : Exception
{
    /// <summary>An exception for the given errors.</summary>
    /// <param name="errors">At least one error.</param>
    public ModelException(IReadOnlyList<F.ModelError> errors)
        : this(errors, null)
    {
    }

    private ModelException(IReadOnlyList<F.ModelError> errors, Exception? inner)
        : base(Text(errors), inner) => Errors = errors;

    /// <summary>Every error found, in the order the checks ran.</summary>
    public IReadOnlyList<F.ModelError> Errors { get; }

    /// <summary>The first error's kind.</summary>
    public F.ErrorKind Kind => F.ModelErrorModule.kind(Errors[0]);

    /// <summary>The first error's node, if it names one.</summary>
    public string? Node => Errors[0] switch
    {
        F.ModelError.DuplicateNode x => x.name,
        F.ModelError.UndefinedReference x => x.node,
        F.ModelError.MissingColumn x => x.node,
        F.ModelError.OutsideSupport x => x.node,
        F.ModelError.ShapeMismatch x => x.node,
        F.ModelError.InvalidArgument x => x.node,
        F.ModelError.Unsupported x => x.node,
        F.ModelError.ImproperPosterior x => x.node,
        F.ModelError.NumericalFailure x => x.node,
        F.ModelError.InvalidInitialValue x => x.node,
        F.ModelError.RuleFailed x => x.node,
        _ => null,
    };

    /// <summary>The first error's data column, if it names one.</summary>
    public string? Column => ColumnOf(Errors[0]);

    /// <summary>The first error's 1-based data row, if it names one.</summary>
    public int? Row => Errors[0] switch
    {
        F.ModelError.NonFiniteValue x => x.row,
        F.ModelError.OutsideSupport x => x.row,
        F.ModelError.UnknownLabel x => x.row,
        _ => null,
    };

    internal static string? ColumnOf(F.ModelError e) => e switch
    {
        F.ModelError.MissingColumn x => x.column,
        F.ModelError.LengthMismatch x => x.column,
        F.ModelError.NonFiniteValue x => x.column,
        F.ModelError.OutsideSupport x => x.column,
        F.ModelError.UnknownLabel x => x.column,
        F.ModelError.WrongColumnType x => x.column,
        F.ModelError.NotNested x => x.inner,
        F.ModelError.NotConstantWithinGroup x => x.column,
        _ => null,
    };

    internal static ModelException FromCore(IEnumerable<F.ModelError> errors, Exception? inner = null) =>
        new(errors.ToArray(), inner);

    private static string Text(IReadOnlyList<F.ModelError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("A ModelException needs at least one error.", nameof(errors));
        }

        return string.Join(Environment.NewLine, errors.Select(e => CSharpTerms.Rewrite(F.ModelErrorModule.describe(e))));
    }
}
