/// The public API of each shipped F# assembly is a reviewed fixture: a sorted listing of every public type and member
/// signature (fixtures/public-api-<assembly>.txt). A change to the public surface fails here with the lines added and
/// removed; when the change is meant, regenerate with HF_WRITE_PUBLIC_API=1 and review the fixture's diff.
module HierFunctional.Tests.PublicApiTests

open System
open System.IO
open System.Reflection
open HierFunctional.TestShim

let private fixtureOf (assembly: string) =
    Path.Combine(__SOURCE_DIRECTORY__, "fixtures", $"public-api-{assembly}.txt")

let rec private nameOf (t: Type) : string =
    if t.IsGenericParameter then
        t.Name
    elif t.IsArray then
        nameOf (t.GetElementType()) + "[" + String(',', t.GetArrayRank() - 1) + "]"
    elif t.IsByRef then
        nameOf (t.GetElementType()) + "&"
    elif t.IsPointer then
        nameOf (t.GetElementType()) + "*"
    else
        let plain =
            let n =
                if isNull t.FullName then
                    t.Name
                else
                    t.FullName.Split('[').[0]

            let tick = n.IndexOf '`'
            (if tick < 0 then n else n.Substring(0, tick)).Replace('+', '.')

        if t.IsGenericType then
            let args = t.GetGenericArguments() |> Array.map nameOf
            plain + "<" + String.Join(", ", args) + ">"
        else
            plain

let private parameters (ps: ParameterInfo[]) =
    String.Join(", ", ps |> Array.map (fun p -> nameOf p.ParameterType + " " + p.Name))

let private kindOf (t: Type) =
    if t.IsInterface then "interface"
    elif t.IsEnum then "enum"
    elif t.IsValueType then "struct"
    elif t.IsAbstract && t.IsSealed then "static class"
    elif t.IsAbstract then "abstract class"
    elif typeof<Delegate>.IsAssignableFrom t then "delegate"
    else "class"

let private memberLines (t: Type) =
    let flags =
        BindingFlags.Public
        ||| BindingFlags.Instance
        ||| BindingFlags.Static
        ||| BindingFlags.DeclaredOnly

    let generic (m: MethodBase) =
        if m.IsGenericMethod then
            "<" + String.Join(", ", m.GetGenericArguments() |> Array.map nameOf) + ">"
        else
            ""

    [
        for c in t.GetConstructors flags do
            $"  new({parameters (c.GetParameters())})"
        for m in t.GetMethods flags do
            if not m.IsSpecialName || m.Name.StartsWith "op_" then
                let s = if m.IsStatic then "static " else ""
                $"  {s}{nameOf m.ReturnType} {m.Name}{generic m}({parameters (m.GetParameters())})"
        for p in t.GetProperties flags do
            let getter = p.GetGetMethod()

            let s =
                if not (isNull getter) && getter.IsStatic then
                    "static "
                else
                    ""

            let idx = p.GetIndexParameters()
            let args = if idx.Length = 0 then "" else $"[{parameters idx}]"
            let set = if isNull (p.GetSetMethod()) then "" else " set"
            $"  {s}property {nameOf p.PropertyType} {p.Name}{args}{set}"
        for f in t.GetFields flags do
            let s = if f.IsStatic then "static " else ""
            $"  {s}field {nameOf f.FieldType} {f.Name}"
        for e in t.GetEvents flags do
            $"  event {nameOf e.EventHandlerType} {e.Name}"
    ]
    |> List.sort

/// Public types that are not nested in another type (F# modules count; union cases and closures nested in them do not).
let topLevelTypes (assembly: Assembly) =
    assembly.GetExportedTypes() |> Array.filter (fun t -> not t.IsNested)

/// The equality and comparison interfaces F# implements on every record and union: listing them adds only noise.
let private generatedByFSharp (i: string) =
    i.StartsWith "System.Collections.IStructural"
    || i = "System.IComparable"
    || i.StartsWith "System.IComparable<"
    || i.StartsWith "System.IEquatable<"

/// Every public type of the assembly (nested ones included) with its members, sorted, one signature a line; types
/// of one listed name (the cases of a generic union) in the order of their full names, so the order is stable.
let listing (assembly: Assembly) =
    [
        $"# {(topLevelTypes assembly).Length} public top-level types (namespaces' direct members: modules, records, unions, classes)"
        for t in assembly.GetExportedTypes() |> Array.sortBy (fun t -> nameOf t, t.FullName) do
            let bases =
                [
                    if
                        not (isNull t.BaseType)
                        && t.BaseType <> typeof<obj>
                        && t.BaseType <> typeof<ValueType>
                    then
                        nameOf t.BaseType
                    for i in t.GetInterfaces() |> Array.map nameOf |> Array.sort do
                        if not (generatedByFSharp i) then
                            i
                ]

            let heritage =
                if bases.IsEmpty then
                    ""
                else
                    " : " + String.Join(", ", bases)

            $"{kindOf t} {nameOf t}{heritage}"
            yield! memberLines t
    ]

let private shipped =
    [
        "HierFunctional"
        "HierFunctional.Testing"
        "HierFunctional.Testing.Expecto"
        "HierFunctional.Sources"
    ]
    |> List.map (fun name -> Assembly.Load(AssemblyName name))

let private check (assembly: Assembly) =
    let name = assembly.GetName().Name
    let now = listing assembly
    let fixture = fixtureOf name

    if Environment.GetEnvironmentVariable "HF_WRITE_PUBLIC_API" = "1" then
        File.WriteAllLines(fixture, now)

    let recorded =
        if File.Exists fixture then
            List.ofArray (File.ReadAllLines fixture)
        else
            []

    let removed = Set.difference (set recorded) (set now)
    let added = Set.difference (set now) (set recorded)

    let diff =
        [
            for l in removed do
                "- " + l
            for l in added do
                "+ " + l
        ]

    Assert.True(
        diff.IsEmpty,
        $"the public API of {name} changed ({removed.Count} lines removed, {added.Count} added); review, then regenerate "
        + $"with HF_WRITE_PUBLIC_API=1:\n"
        + String.Join("\n", diff |> List.truncate 200)
    )

let ``the public API of each shipped F# assembly matches its reviewed fixture`` () =
    for a in shipped do
        check a

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.PublicApiTests"
        [
            Expecto.Tests.testCase "the public API of each shipped F# assembly matches its reviewed fixture" (fun () ->
                ``the public API of each shipped F# assembly matches its reviewed fixture`` ())
        ]
