using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;

namespace HierFunctional.CSharp.Tests;

/// <summary>
/// The facade's public surface speaks C# only (the rule of docs/csharp.md). No type of FSharp.Core (lists, options,
/// functions, unit, results, maps, sets, async) and no System.Tuple or ValueTuple (F# tuples, unnamed in C#) may
/// appear in a public or protected signature: types, base types, interfaces, fields, properties, events,
/// constructors, methods (operators and conversions included), parameters, return types, and every generic argument,
/// array element or by-ref target. A core (F#) type may appear when its own public surface is C#-clean by the same
/// rule, checked recursively (compiler-generated members such as union case constructors included; there is no list
/// of exceptions), so the facade reuses such types (warnings, criteria, shrinkage tables, errors, the analytic
/// records, the sampler options) rather than re-declaring them.
/// </summary>
public class PublicSurfaceTests
{
    private static readonly Assembly Facade = typeof(Model).Assembly;
    private static readonly Assembly Core = typeof(HierFunctional.Model).Assembly;
    private static readonly Assembly FSharpCore = typeof(Microsoft.FSharp.Core.Unit).Assembly;

    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void No_public_signature_of_the_facade_mentions_an_FSharp_type()
    {
        var leaks = Facade.GetExportedTypes().SelectMany(LeaksOf).Distinct().ToArray();
        Assert.True(leaks.Length == 0, "F# types leak through the facade:\n" + string.Join("\n", leaks));
    }

    [Fact]
    public void The_surface_check_catches_FSharp_types_where_they_hide()
    {
        Assert.True(IsForbidden(typeof(Microsoft.FSharp.Collections.FSharpList<int>)));
        Assert.True(IsForbidden(typeof(Microsoft.FSharp.Core.FSharpFunc<int, int>[])));
        Assert.True(IsForbidden(typeof(IReadOnlyList<Microsoft.FSharp.Core.FSharpOption<string>>)));
        Assert.True(IsForbidden(typeof(Tuple<int, string>)));
        Assert.True(IsForbidden(typeof(IReadOnlyList<(int, string)>)));
        Assert.True(IsForbidden(typeof(HierFunctional.Posterior)));
        Assert.True(IsForbidden(typeof(HierFunctional.Model)));
        Assert.False(IsForbidden(typeof(HierFunctional.SamplerOptions)));
        Assert.False(IsForbidden(typeof(HierFunctional.Initial)));
        Assert.False(IsForbidden(typeof(HierFunctional.Analytic.NormalShrinkage)));
        Assert.False(IsForbidden(typeof(HierFunctional.Warning)));
        Assert.False(IsForbidden(typeof(HierFunctional.Loo)));
        Assert.False(IsForbidden(typeof(HierFunctional.Summary)));
        Assert.False(IsForbidden(typeof(HierFunctional.HdiRow)));
        Assert.False(IsForbidden(typeof(HierFunctional.Analytic.BetaBinomialGridPosterior)));
        Assert.False(IsForbidden(typeof(HierFunctional.ModelError)));
        Assert.False(IsForbidden(typeof(IReadOnlyList<double>)));
        Assert.False(IsForbidden(typeof(Func<Expr, ModelStep<Expr>>)));
        Assert.NotEmpty(LeaksOf(typeof(HierFunctional.Model)));
    }

    [Fact]
    public void Every_public_type_of_the_facade_is_in_the_facade_namespace()
    {
        Assert.All(Facade.GetExportedTypes(), t => Assert.Equal("HierFunctional.CSharp", t.Namespace));
        Assert.Contains(typeof(ModelStep<>), Facade.GetExportedTypes());
    }

    private static IEnumerable<string> LeaksOf(Type type)
    {
        var where = type.FullName ?? type.Name;
        foreach (var t in new[] { type.BaseType }.Concat(type.GetInterfaces()).OfType<Type>())
        {
            if (IsForbidden(t))
            {
                yield return $"{where}: base type or interface {t}";
            }
        }

        foreach (var t in type.GetGenericArguments().SelectMany(g => g.GetGenericParameterConstraints()).Where(IsForbidden))
        {
            yield return $"{where}: generic constraint {t}";
        }

        foreach (var member in type.GetMembers(Declared).Where(IsVisible))
        {
            foreach (var t in SignatureTypes(member).Where(IsForbidden))
            {
                yield return $"{where}.{member.Name}: {t}";
            }
        }
    }

    private static bool IsVisible(MemberInfo m) => m switch
    {
        MethodBase b => b.IsPublic || b.IsFamily || b.IsFamilyOrAssembly,
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        PropertyInfo p => p.GetAccessors(true).Any(IsVisible),
        EventInfo e => e.AddMethod is { } add && IsVisible(add),
        Type t => t.IsNestedPublic || t.IsNestedFamily,
        _ => false,
    };

    private static IEnumerable<Type> SignatureTypes(MemberInfo m) => m switch
    {
        MethodInfo mi => mi.GetParameters().Select(p => p.ParameterType)
            .Append(mi.ReturnType)
            .Concat(mi.GetGenericArguments().SelectMany(g => g.GetGenericParameterConstraints())),
        ConstructorInfo c => c.GetParameters().Select(p => p.ParameterType),
        PropertyInfo p => p.GetIndexParameters().Select(i => i.ParameterType).Append(p.PropertyType),
        FieldInfo f => new[] { f.FieldType },
        EventInfo e => new[] { e.EventHandlerType! },
        Type t => LeaksOf(t).Any() ? new[] { t } : Array.Empty<Type>(),
        _ => Array.Empty<Type>(),
    };

    private static bool IsForbidden(Type t)
    {
        if (t.HasElementType)
        {
            return IsForbidden(t.GetElementType()!);
        }

        if (t.IsGenericParameter)
        {
            return false;
        }

        var forbidden = t.Assembly == FSharpCore
            || (t.Namespace == "System" && t.Name.StartsWith("Tuple`", StringComparison.Ordinal))
            || (t.Namespace == "System" && t.Name.StartsWith("ValueTuple`", StringComparison.Ordinal))
            || (t.Assembly == Core && !IsCSharpClean(t));
        return forbidden || (t.IsGenericType && t.GetGenericArguments().Any(IsForbidden));
    }

    private static readonly Dictionary<Type, bool> Clean = new();

    /// <summary>A core type is C#-clean when no public signature of it, or of the core types it mentions, has an F# type.</summary>
    private static bool IsCSharpClean(Type t)
    {
        var definition = t.IsGenericType ? t.GetGenericTypeDefinition() : t;
        if (Clean.TryGetValue(definition, out var known))
        {
            return known;
        }

        Clean[definition] = true; // a type that mentions itself is judged by its other members
        var clean = !LeaksOf(definition).Any();
        Clean[definition] = clean;
        return clean;
    }
}
