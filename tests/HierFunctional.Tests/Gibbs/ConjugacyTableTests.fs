/// The conjugacy table of docs/conjugacy.md is rendered from the rule values, so a rule's formula is written once.
module HierFunctional.Tests.Gibbs.ConjugacyTableTests

open System
open System.IO
open HierFunctional.TestShim
open HierFunctional.Inference

// The test reads the repository's own document, next to the sources it was compiled from.
let private docPath =
    Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "..", "docs", "conjugacy.md"))

let private startMarker = "<!-- generated from Rules.builtIn"
let private endMarker = "<!-- end of generated table -->"

/// The document's lines split around the generated block: before (through the start marker's comment), the block,
/// and after (from the end marker).
let private split (lines: string[]) =
    let start = lines |> Array.findIndex (fun l -> l.StartsWith startMarker)

    let headerEnd =
        [ start .. lines.Length - 1 ]
        |> List.find (fun i -> lines[i].TrimEnd().EndsWith "-->")

    let stop = lines |> Array.findIndex (fun l -> l = endMarker)
    lines[..headerEnd], lines[headerEnd + 1 .. stop - 1], lines[stop..]

let ``docs/conjugacy.md's rule table is rendered from the built-in rules`` () =
    let lines = File.ReadAllLines docPath
    let before, block, after = split lines
    let rendered = (Rules.table Rules.builtIn).Split '\n'

    if Environment.GetEnvironmentVariable "HF_WRITE_CONJUGACY_TABLE" = "1" then
        File.WriteAllLines(docPath, Array.concat [ before; rendered; after ])
    else
        Assert.True(
            (block = rendered),
            "docs/conjugacy.md's rule table differs from Rules.table Rules.builtIn; regenerate it by running this test "
            + "with HF_WRITE_CONJUGACY_TABLE=1"
        )

let ``every built-in rule writes its prior, children and conditional`` () =
    for rule in Rules.builtIn do
        Assert.False(rule.Math.IsEmpty, $"rule '{rule.Name}' has no Math rows")

        for m in rule.Math do
            for part, text in [ "prior", m.Prior; "children", m.Children; "conditional", m.Conditional ] do
                Assert.False(String.IsNullOrWhiteSpace text, $"rule '{rule.Name}' ({m.Case}) has an empty {part}")

let ``a rule's rows become table rows with their case after the name and pipes escaped`` () =
    let rule: ConjugacyRule =
        {
            Name = "R"
            Math = [ RuleMath.case "first" "P | a" "C" "D"; RuleMath.case "" "P2" "C2" "D2" ]
            Try = fun _ _ -> RuleOutcome.NotApplicable
        }

    let rows = (Rules.table [ rule ]).Split '\n'
    Assert.Equal(4, rows.Length)
    Assert.Equal("| R (first) | P \\| a | C | D |", rows[2])
    Assert.Equal("| R | P2 | C2 | D2 |", rows[3])

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "conjugacy table"
        [
            Expecto.Tests.testCase "docs/conjugacy.md's rule table is rendered from the built-in rules" (fun () ->
                ``docs/conjugacy.md's rule table is rendered from the built-in rules`` ())
            Expecto.Tests.testCase "every built-in rule writes its prior, children and conditional" (fun () ->
                ``every built-in rule writes its prior, children and conditional`` ())
            Expecto.Tests.testCase
                "a rule's rows become table rows with their case after the name and pipes escaped"
                (fun () -> ``a rule's rows become table rows with their case after the name and pipes escaped`` ())
        ]
