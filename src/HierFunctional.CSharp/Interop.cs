using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>Conversions between the F# core's types and the facade's; nothing here is public.</summary>
internal static class Interop
{
    /// <summary>An F# list of the items, in order.</summary>
    public static FSharpList<T> ToList<T>(IEnumerable<T> items) => ListModule.OfSeq(items);

    /// <summary>An F# function from a delegate.</summary>
    public static FSharpFunc<T, TResult> Fun<T, TResult>(Func<T, TResult> f) => FuncConvert.FromFunc(f);

    /// <summary>The value inside an option, or null for None (None is represented by null).</summary>
    public static T? ValueOrNull<T>(FSharpOption<T>? option)
        where T : class => option is null ? null : option.Value;

    /// <summary>The Ok value, or a ModelException carrying every error.</summary>
    public static T OkOrThrow<T>(FSharpResult<T, FSharpList<F.ModelError>> result) =>
        result.IsOk ? result.ResultValue : throw ModelException.FromCore(result.ErrorValue);

    /// <summary>Runs a core call, turning the core's ModelException into the facade's.</summary>
    public static T Translate<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (F.ModelException e)
        {
            throw ModelException.FromCore(new[] { e.Error }, e);
        }
    }

    /// <summary>Refuses null and empty names, naming the parameter.</summary>
    public static string Name(string? value, string parameter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, parameter);
        return value;
    }

    /// <summary>A copy of a sequence as an array, refusing null.</summary>
    public static T[] Array<T>(IEnumerable<T>? values, string parameter)
    {
        ArgumentNullException.ThrowIfNull(values, parameter);
        return values.ToArray();
    }
}
