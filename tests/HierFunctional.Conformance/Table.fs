/// The conformance table (bench/results/conformance.md): one row per case and variant, then each case's plan.
[<RequireQualifiedAccess>]
module HierFunctional.Conformance.Table

open System
open System.Globalization

let private f (digits: int) (x: float) =
    if Double.IsNaN x then
        "–"
    elif abs x >= 1e6 then
        x.ToString("G3", CultureInfo.InvariantCulture)
    else
        x.ToString("F" + string digits, CultureInfo.InvariantCulture)

let private cell (s: string) =
    s.Replace("|", "\\|").Replace("\n", " ").Replace("\r", "")

/// The worst node: the largest distance in reference sds, and the largest R̂.
let private worst (checks: NodeCheck list) =
    let far =
        checks
        |> List.maxBy (fun c -> if Double.IsNaN c.Distance then infinity else c.Distance)

    let slow =
        checks |> List.maxBy (fun c -> if Double.IsNaN c.Rhat then infinity else c.Rhat)

    $"{far.Reference.Node}: {f 2 far.Distance} sd; max R̂ {f 3 slow.Rhat} ({slow.Reference.Node})"

/// One table row.
let row (r: CaseResult) =
    let name =
        if r.Variant = "model" then
            r.Case.Name
        else
            $"{r.Case.Name} ({r.Variant})"

    let updates, pass, time, detail =
        match r.Outcome with
        | Outcome.Ran(checks, seconds, _, exact, markov, approximate) ->
            let pass = if Runner.passed r then "**pass**" else "FAIL"
            $"{exact} exact / {markov} markov / {approximate} approx", pass, f 1 seconds, worst checks
        | Outcome.NotExpressible why -> "–", "not expressible", "–", why
        | Outcome.Failed(stage, msg) -> "–", $"FAIL ({stage})", "–", msg

    let caseNote =
        match r.Variant, r.Case.Formula with
        | "formula", AsFormula.Variant v -> v.Note
        | _ -> r.Case.Note

    let note = if caseNote = "" then detail else $"{detail}. {caseNote}"

    $"| {name} | {cell r.Case.Source} | {updates} | {pass} | {time} | {f 0 (Runner.minEssPerSecond r)} | {f 0 (Runner.referenceEssPerSecond r)} | {cell note} |"

/// Each case's formula version (the formula and its priors) or why it has none.
let formulaVersions (results: CaseResult list) =
    let cases =
        results |> List.map (fun r -> r.Case) |> List.distinctBy (fun c -> c.Name)

    let line (c: Case) =
        match c.Formula with
        | AsFormula.Variant v ->
            let priors = String.Join("; ", v.Priors)
            $"| {c.Name} | `{cell v.Text}` | {cell priors} |"
        | AsFormula.NotExpressible why -> $"| {c.Name} | – | {cell why} |"

    [
        ""
        "## Formula versions"
        ""
        "| model | formula | priors, or why there is none |"
        "|---|---|---|"
    ]
    @ (cases |> List.map line)

/// The whole table with a header saying how it was made (`conditions`: run lengths and threads).
let markdown (title: string) (conditions: string) (results: CaseResult list) =
    let passed = results |> List.filter Runner.passed |> List.length

    let stamp =
        DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)

    let header =
        [
            $"# {title}"
            ""
            $"Made by `dotnet fsi build.fsx conformance` on {stamp} UTC ({Environment.ProcessorCount} cores). "
            + $"{conditions}; seed {Runner.seed}. Pass rule: |mean − ref| ≤ {PassRule.tolerance} sd_ref for every "
            + $"reference node and R̂ < {PassRule.maxRhat}. ESS/s: min bulk-ESS over the reference nodes / wall "
            + "time of sampling (JAGS: the reference run of references/make_references.R, 4 chains one at a time). "
            + "Times depend on the machine's load when the run was made. Exact = a draw from the full conditional; markov = a slice or MH step that leaves it invariant; approx = a draw with a stated error bound."
            ""
            $"**{passed} of {results.Length} pass.**"
            ""
            "| model | source | updates (exact / markov / approx) | pass | time (s) | min bulk-ESS/s ours | min bulk-ESS/s JAGS | worst node / reason | "
            "|---|---|---|---|---|---|---|---|"
        ]

    let plans =
        results
        |> List.collect (fun r ->
            match r.Outcome with
            | Outcome.Ran(checks, _, plan, _, _, _) ->
                let nodes =
                    checks
                    |> List.map (fun c ->
                        let verdict = if c.Pass then "ok" else "FAIL"
                        $"  {c.Reference.Node, -14} ours {f 4 c.Mean} ({f 4 c.Sd})  ref {f 4 c.Reference.Mean} ({f 4 c.Reference.Sd})  {f 2 c.Distance} sd  R̂ {f 3 c.Rhat}  ESS {f 0 c.EssBulk}  {verdict}")

                [ ""; $"### {r.Case.Name} ({r.Variant})"; ""; "```" ]
                @ [ plan; "" ]
                @ nodes
                @ [ "```" ]
            | _ -> [])

    String.concat
        "\n"
        (header
         @ (results |> List.map row)
         @ formulaVersions results
         @ [ ""; "## Plans and nodes" ]
         @ plans)
    + "\n"
