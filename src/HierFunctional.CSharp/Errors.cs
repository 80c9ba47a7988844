using System;
using System.Collections.Generic;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>One model or data error: its kind, where it is, and a sentence saying what to do.</summary>
/// <param name="Kind">The kind of error.</param>
/// <param name="Node">The node involved, if any.</param>
/// <param name="Column">The data column involved, if any.</param>
/// <param name="Row">The 1-based data row involved, if any.</param>
/// <param name="Message">What is wrong, where, and how to fix it.</param>
public sealed record ModelError(F.ErrorKind Kind, string? Node, string? Column, int? Row, string Message)
{
    internal static ModelError FromCore(F.ModelError e)
    {
        var kind = F.ModelErrorModule.kind(e);
        var message = CSharpTerms.Rewrite(F.ModelErrorModule.describe(e));
        return e switch
        {
            F.ModelError.DuplicateNode x => new(kind, x.name, null, null, message),
            F.ModelError.UndefinedReference x => new(kind, x.node, null, null, message),
            F.ModelError.MissingColumn x => new(kind, x.node, x.column, null, message),
            F.ModelError.LengthMismatch x => new(kind, null, x.column, null, message),
            F.ModelError.NonFiniteValue x => new(kind, null, x.column, x.row, message),
            F.ModelError.OutsideSupport x => new(kind, x.node, x.column, x.row, message),
            F.ModelError.UnknownLabel x => new(kind, null, x.column, x.row, message),
            F.ModelError.WrongColumnType x => new(kind, null, x.column, null, message),
            F.ModelError.NotNested x => new(kind, null, x.inner, null, message),
            F.ModelError.NotConstantWithinGroup x => new(kind, null, x.column, null, message),
            F.ModelError.ShapeMismatch x => new(kind, x.node, null, null, message),
            F.ModelError.InvalidArgument x => new(kind, x.node, null, null, message),
            F.ModelError.Unsupported x => new(kind, x.node, null, null, message),
            F.ModelError.ImproperPosterior x => new(kind, x.node, null, null, message),
            F.ModelError.NumericalFailure x => new(kind, x.node, null, null, message),
            F.ModelError.InvalidInitialValue x => new(kind, x.node, null, null, message),
            F.ModelError.RuleFailed x => new(kind, x.node, null, null, message),
            _ => new(kind, null, null, null, message),
        };
    }
}

/// <summary>
/// A model or data error (or several found together): the first error's kind and location are on the exception,
/// all of them in <see cref="Errors"/>, and the message has one sentence per error naming the node, column or row.
/// </summary>
public sealed class ModelException : Exception
{
    /// <summary>An exception for the given errors.</summary>
    /// <param name="errors">At least one error.</param>
    public ModelException(IReadOnlyList<ModelError> errors)
        : this(errors, null)
    {
    }

    private ModelException(IReadOnlyList<ModelError> errors, Exception? inner)
        : base(Text(errors), inner) => Errors = errors;

    /// <summary>Every error found, in the order the checks ran.</summary>
    public IReadOnlyList<ModelError> Errors { get; }

    /// <summary>The first error's kind.</summary>
    public F.ErrorKind Kind => Errors[0].Kind;

    /// <summary>The first error's node, if it names one.</summary>
    public string? Node => Errors[0].Node;

    /// <summary>The first error's data column, if it names one.</summary>
    public string? Column => Errors[0].Column;

    /// <summary>The first error's 1-based data row, if it names one.</summary>
    public int? Row => Errors[0].Row;

    internal static ModelException FromCore(IEnumerable<F.ModelError> errors, Exception? inner = null) =>
        new(errors.Select(ModelError.FromCore).ToArray(), inner);

    private static string Text(IReadOnlyList<ModelError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("A ModelException needs at least one error.", nameof(errors));
        }

        return string.Join(Environment.NewLine, errors.Select(e => e.Message));
    }
}
