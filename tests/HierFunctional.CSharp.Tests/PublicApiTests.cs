using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Xunit;

namespace HierFunctional.CSharp.Tests;

/// <summary>
/// The facade's public API is a reviewed fixture (fixtures/public-api-HierFunctional.CSharp.txt): every public type
/// and member signature, sorted. A change to it fails here with the lines added and removed; when the change is meant,
/// regenerate with HF_WRITE_PUBLIC_API=1 and review the fixture's diff (the F# assemblies have the same test in
/// tests/HierFunctional.Tests/PublicApiTests.fs).
/// </summary>
public class PublicApiTests
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void The_public_API_of_the_facade_matches_its_reviewed_fixture()
    {
        var assembly = typeof(Model).Assembly;
        var now = Listing(assembly);
        var fixture = Path.Combine(SourceDirectory(), "fixtures", $"public-api-{assembly.GetName().Name}.txt");
        if (Environment.GetEnvironmentVariable("HF_WRITE_PUBLIC_API") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(fixture)!);
            File.WriteAllLines(fixture, now);
        }

        var recorded = File.Exists(fixture) ? File.ReadAllLines(fixture) : Array.Empty<string>();
        var diff = recorded.Except(now).Select(l => "- " + l).Concat(now.Except(recorded).Select(l => "+ " + l)).ToArray();
        Assert.True(
            diff.Length == 0,
            "the facade's public API changed; review, then regenerate with HF_WRITE_PUBLIC_API=1:\n"
            + string.Join("\n", diff.Take(200)));
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static List<string> Listing(Assembly assembly)
    {
        var types = assembly.GetExportedTypes().OrderBy(NameOf, StringComparer.Ordinal).ToArray();
        var lines = new List<string> { $"# {types.Count(t => !t.IsNested)} public top-level types" };
        foreach (var t in types)
        {
            var bases = new[] { t.BaseType }
                .Where(b => b is not null && b != typeof(object) && b != typeof(ValueType))
                .Select(b => NameOf(b!))
                .Concat(t.GetInterfaces().Select(NameOf).OrderBy(n => n, StringComparer.Ordinal))
                .ToArray();
            lines.Add($"{KindOf(t)} {NameOf(t)}" + (bases.Length == 0 ? "" : " : " + string.Join(", ", bases)));
            lines.AddRange(MembersOf(t).OrderBy(l => l, StringComparer.Ordinal));
        }

        return lines;
    }

    private static IEnumerable<string> MembersOf(Type t)
    {
        foreach (var c in t.GetConstructors(Declared))
        {
            yield return $"  new({Parameters(c.GetParameters())})";
        }

        foreach (var m in t.GetMethods(Declared).Where(m => !m.IsSpecialName || m.Name.StartsWith("op_", StringComparison.Ordinal)))
        {
            var generic = m.IsGenericMethod ? "<" + string.Join(", ", m.GetGenericArguments().Select(NameOf)) + ">" : "";
            yield return $"  {(m.IsStatic ? "static " : "")}{NameOf(m.ReturnType)} {m.Name}{generic}({Parameters(m.GetParameters())})";
        }

        foreach (var p in t.GetProperties(Declared))
        {
            var index = p.GetIndexParameters();
            var isStatic = p.GetGetMethod()?.IsStatic == true ? "static " : "";
            var args = index.Length == 0 ? "" : $"[{Parameters(index)}]";
            yield return $"  {isStatic}property {NameOf(p.PropertyType)} {p.Name}{args}{(p.GetSetMethod() is null ? "" : " set")}";
        }

        foreach (var f in t.GetFields(Declared))
        {
            yield return $"  {(f.IsStatic ? "static " : "")}field {NameOf(f.FieldType)} {f.Name}";
        }

        foreach (var e in t.GetEvents(Declared))
        {
            yield return $"  event {NameOf(e.EventHandlerType!)} {e.Name}";
        }
    }

    private static string KindOf(Type t) =>
        t.IsInterface ? "interface"
        : t.IsEnum ? "enum"
        : t.IsValueType ? "struct"
        : t.IsAbstract && t.IsSealed ? "static class"
        : t.IsAbstract ? "abstract class"
        : typeof(Delegate).IsAssignableFrom(t) ? "delegate"
        : "class";

    private static string Parameters(ParameterInfo[] ps) =>
        string.Join(", ", ps.Select(p => NameOf(p.ParameterType) + " " + p.Name));

    private static string NameOf(Type t)
    {
        if (t.IsGenericParameter)
        {
            return t.Name;
        }

        if (t.IsArray)
        {
            return NameOf(t.GetElementType()!) + "[" + new string(',', t.GetArrayRank() - 1) + "]";
        }

        if (t.IsByRef || t.IsPointer)
        {
            return NameOf(t.GetElementType()!) + (t.IsByRef ? "&" : "*");
        }

        var plain = (t.FullName ?? t.Name).Split('[')[0];
        var tick = plain.IndexOf('`');
        plain = (tick < 0 ? plain : plain[..tick]).Replace('+', '.');
        return t.IsGenericType ? plain + "<" + string.Join(", ", t.GetGenericArguments().Select(NameOf)) + ">" : plain;
    }
}
