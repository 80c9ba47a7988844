/// The SBC catalogue covers the sampler: every built-in conjugacy rule, every kind of update and the variants of the
/// truncated-conjugate rule, interweaving and the GLM block appear in the plan of at least one catalogue structure,
/// so a new rule or update kind cannot go uncalibrated without this test failing.
module HierFunctional.Tests.SbcCoverageTests

open Microsoft.FSharp.Reflection
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Testing

/// Each structure's compiled plan (the template data; the plan does not depend on the simulated values).
let private plans =
    lazy
        (SbcCatalogue.all
         |> List.map (fun s ->
             match Bind.bind s.Model s.Data |> Result.bind (Gibbs.compileUsing s.Compile) with
             | Ok plan -> s.Name, plan
             | Error errors ->
                 let why = errors |> List.map ModelError.describe |> String.concat " "
                 failwith $"SBC structure '{s.Name}' does not compile: {why}"))

let private updates () =
    plans.Value
    |> List.collect (fun (name, plan) -> plan.Updates |> Array.map (fun u -> name, plan, u) |> List.ofArray)

/// Update kinds deliberately left out of the catalogue, each with its reason. Empty: every kind is calibrated.
let private excludedKinds: (string * string) list = []

/// Built-in rules deliberately left out of the catalogue, each with its reason. Empty: every rule is calibrated.
let private excludedRules: (string * string) list = []

let private uncovered (wanted: string list) (covered: Set<string>) (excluded: (string * string) list) =
    let skip = excluded |> List.map fst |> Set.ofList

    wanted
    |> List.filter (fun w -> not (covered.Contains w) && not (skip.Contains w))

let ``every built-in conjugacy rule is used by some SBC catalogue structure`` () =
    let covered =
        updates ()
        |> List.choose (fun (_, _, u) ->
            match u.Kind with
            | UpdateKind.Rule name -> Some name
            | _ -> None)
        |> Set.ofList

    let missing = uncovered (Rules.builtIn |> List.map _.Name) covered excludedRules

    Assert.True(
        missing.IsEmpty,
        $"""no SBC structure uses the rule(s): {String.concat ", " missing}; add one to SbcCatalogue or SbcVocabulary."""
    )

let ``every kind of update appears in the plan of some SBC catalogue structure`` () =
    let covered =
        updates ()
        |> List.map (fun (_, _, u) -> (FSharpValue.GetUnionFields(u.Kind, typeof<UpdateKind>) |> fst).Name)
        |> Set.ofList

    let kinds =
        FSharpType.GetUnionCases(typeof<UpdateKind>) |> Array.map _.Name |> List.ofArray

    let missing = uncovered kinds covered excludedKinds

    Assert.True(
        missing.IsEmpty,
        $"""no SBC structure's plan has an update of kind: {String.concat ", " missing}; add one to SbcCatalogue or SbcVocabulary."""
    )

/// Whether an update moves a node whose prior is truncated (a block lists its nodes separated by commas).
let private movesTruncated (plan: GibbsPlan) (u: Update) =
    u.Node.Split(", ")
    |> Array.exists (fun n ->
        match plan.Bound.NodeMap.TryFind n with
        | Some info ->
            match info.Node.Kind with
            | NodeKind.Parameter(Dist.Truncated _) -> true
            | _ -> false
        | None -> false)

/// Variants inside one rule or kind that run different code: the truncated-conjugate rule per untruncated rule, the
/// truncated slice fallback, interweaving per scale link, the GLM block's centring step, the MvNormal-linear update
/// that first moves an LKJ pair with the vectors integrated out.
let private variants: (string * (GibbsPlan -> Update -> bool)) list =
    let truncatedRule (inner: string) =
        $"truncated conjugate over {inner}",
        fun (_: GibbsPlan) (u: Update) ->
            u.Kind = UpdateKind.Rule Rules.truncated.Name
            && u.Method.StartsWith $"{inner} truncated to"

    [
        truncatedRule Rules.normalMean.Name
        truncatedRule Rules.betaBinomial.Name
        truncatedRule Rules.gammaPoisson.Name
        truncatedRule Rules.gammaExponential.Name
        truncatedRule $"{Rules.normalScale.Name} (Gamma on a precision)"
        truncatedRule $"{Rules.normalScale.Name} (InverseGamma on a variance)"
        "slice of a truncated node",
        fun plan u ->
            (u.Kind = UpdateKind.Slice || u.Kind = UpdateKind.SliceBlock)
            && movesTruncated plan u
        "interweaving of a group sd",
        fun _ u ->
            u.Kind = UpdateKind.Interweaving
            && u.Method.Contains ")/"
            && not (u.Method.Contains "/sqrt")
        "interweaving of a group variance", fun _ u -> u.Kind = UpdateKind.Interweaving && u.Method.Contains "/sqrt("
        "interweaving of a group precision", fun _ u -> u.Kind = UpdateKind.Interweaving && u.Method.Contains "*sqrt("
        "GLM block with exact centring", fun _ u -> u.Kind = UpdateKind.GlmBlock && u.Method.Contains "exact centring"
        "MvNormal-linear after the LKJ pair's marginal move", fun _ u -> u.Method = LkjMarginalUpdate.rule
    ]

let ``every variant of the truncated, interweaving, GLM-block and MvNormal-linear updates is used by some SBC catalogue structure``
    ()
    =
    let all = updates ()

    let missing =
        variants
        |> List.filter (fun (_, applies) -> not (all |> List.exists (fun (_, plan, u) -> applies plan u)))
        |> List.map fst

    Assert.True(
        missing.IsEmpty,
        $"""no SBC structure exercises: {String.concat "; " missing}; add one to SbcVocabulary."""
    )

let ``catalogue structure names are unique`` () =
    let names = SbcCatalogue.all |> List.map _.Name
    Assert.Equal(names.Length, (List.distinct names).Length)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.SbcCoverageTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.SbcCoverageTests"
            [
                Expecto.Tests.testCase
                    "every built-in conjugacy rule is used by some SBC catalogue structure"
                    (fun () -> ``every built-in conjugacy rule is used by some SBC catalogue structure`` ())
                Expecto.Tests.testCase
                    "every kind of update appears in the plan of some SBC catalogue structure"
                    (fun () -> ``every kind of update appears in the plan of some SBC catalogue structure`` ())
                Expecto.Tests.testCase
                    "every variant of the truncated, interweaving, GLM-block and MvNormal-linear updates is used by some SBC catalogue structure"
                    (fun () ->
                        ``every variant of the truncated, interweaving, GLM-block and MvNormal-linear updates is used by some SBC catalogue structure`` ())
                Expecto.Tests.testCase "catalogue structure names are unique" (fun () ->
                    ``catalogue structure names are unique`` ())
            ])
