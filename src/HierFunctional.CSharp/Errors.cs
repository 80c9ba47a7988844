using System;
using System.Collections.Generic;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>What kind of model or data error occurred; the same values as the F# core's <c>ErrorKind</c>.</summary>
public enum ErrorKind
{
    /// <summary>Two nodes have the same name.</summary>
    DuplicateNode = 0,

    /// <summary>A node refers to a node not declared before it.</summary>
    UndefinedReference = 1,

    /// <summary>A node needs a data column that the data set does not have.</summary>
    MissingColumn = 2,

    /// <summary>A column's length differs from the row count.</summary>
    LengthMismatch = 3,

    /// <summary>A data value is NaN or infinite.</summary>
    NonFiniteValue = 4,

    /// <summary>A data value lies outside the support of the node that models it.</summary>
    OutsideSupport = 5,

    /// <summary>A label in a group column is not among the group's declared levels.</summary>
    UnknownLabel = 6,

    /// <summary>A column has the wrong kind of values for its use.</summary>
    WrongColumnType = 7,

    /// <summary>A nested group level belongs to more than one level of its enclosing group.</summary>
    NotNested = 8,

    /// <summary>A column used as a group-level value varies within a level.</summary>
    NotConstantWithinGroup = 9,

    /// <summary>An expression or distribution has the wrong shape or size.</summary>
    ShapeMismatch = 10,

    /// <summary>A distribution argument is invalid in a way the model itself shows.</summary>
    InvalidArgument = 11,

    /// <summary>The model uses something this version cannot do.</summary>
    Unsupported = 12,

    /// <summary>The posterior is known to be improper for this prior and data.</summary>
    ImproperPosterior = 13,

    /// <summary>A sampler update produced NaN or an infinite value.</summary>
    NumericalFailure = 14,

    /// <summary>A given starting value lies outside its node's support or on its edge (0 for a positive parameter, a probability of 0 or 1).</summary>
    InvalidInitialValue = 15,
    /// <summary>A conjugacy rule failed while building a node's update: a bug in the rule, reported rather than hidden.</summary>
    RuleFailed = 16,
}

/// <summary>One model or data error: its kind, where it is, and a sentence saying what to do.</summary>
/// <param name="Kind">The kind of error.</param>
/// <param name="Node">The node involved, if any.</param>
/// <param name="Column">The data column involved, if any.</param>
/// <param name="Row">The 1-based data row involved, if any.</param>
/// <param name="Message">What is wrong, where, and how to fix it.</param>
public sealed record ModelError(ErrorKind Kind, string? Node, string? Column, int? Row, string Message)
{
    internal static ModelError FromCore(F.ModelError e)
    {
        var kind = (ErrorKind)(int)F.ModelErrorModule.kind(e);
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
    public ErrorKind Kind => Errors[0].Kind;

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
