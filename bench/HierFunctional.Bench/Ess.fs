/// The effective-samples-per-second harness: every canonical model, ours and JAGS side by side in one run.
module HierFunctional.Bench.Ess

open System
open System.IO
open HierFunctional
open HierFunctional.Bench.Models
open HierFunctional.Bench.Measure

/// Options of the ESS run.
type Options =
    {
        Quick: bool
        InstallJags: bool
        NoJags: bool
        Only: string list
    }

type private Side = { Seconds: float; Summary: Summary }

type private Row =
    {
        Model: string
        Draws: int
        Updates: string
        Ours: Side
        Jags: Side option
        TauBulk: float option
    }

let private chains = 4
let private seed = 20260

let private lengths (o: Options) (m: BenchModel) =
    if o.Quick then 100, 300 else 1000, m.Draws

let private runJags (jags: string) (m: BenchModel) (plan: GibbsPlan) (warmup: int) (draws: int) =
    let seconds, draws =
        Jags.sample
            jags
            m
            plan.Bound
            {
                Chains = chains
                Warmup = warmup
                Draws = draws
                Seed = seed
            }

    {
        Seconds = seconds
        Summary = summarize draws
    }

let private measure (o: Options) (jags: string option) (m: BenchModel) =
    let plan = compile m.Model m.Data
    let warmup, draws = lengths o m
    // JIT warm-up: a short run whose timing is discarded.
    Chains.run (SamplerOptions.Default.WithChains(1).WithWarmup(50).WithDraws(50).WithThreads(1)) plan
    |> ignore

    let post, seconds, _ = sampleOurs plan chains warmup draws seed

    let ours =
        {
            Seconds = seconds
            Summary = summarize (chainsOf post)
        }

    let tauBulk =
        if m.Name.StartsWith "eight_schools" then
            Some(Diagnostics.essBulk (Posterior.chains "tau" post))
        else
            None

    let jagsSide = jags |> Option.map (fun j -> runJags j m plan warmup draws)

    let updates =
        plan.Updates
        |> Array.map (fun u -> $"{u.Node}: {u.Method.Split(' ').[0]}")
        |> String.concat "; "

    {
        Model = m.Name
        Draws = chains * draws
        Updates = updates
        Ours = ours
        Jags = jagsSide
        TauBulk = tauBulk
    }

let private essPerSec (s: Side) = s.Summary.MinEss / s.Seconds

let private tableRow (r: Row) =
    let side (s: Side option) =
        match s with
        | Some s ->
            [
                fmt s.Seconds
                fmt s.Summary.MinBulk
                fmt s.Summary.MinTail
                fmt (essPerSec s)
                s.Summary.MaxRhat.ToString("F3", Globalization.CultureInfo.InvariantCulture)
            ]
        | None -> [ "–"; "–"; "–"; "–"; "–" ]

    let ratio =
        r.Jags
        |> Option.map (fun j -> essPerSec r.Ours / essPerSec j)
        |> Option.defaultValue nan

    [ r.Model; string r.Draws ] @ side (Some r.Ours) @ side r.Jags @ [ fmt ratio ]

let private header =
    [
        "model"
        "draws"
        "ours s"
        "ours min bulk-ESS"
        "ours min tail-ESS"
        "ours min ESS/s"
        "ours max R̂"
        "JAGS s"
        "JAGS min bulk-ESS"
        "JAGS min tail-ESS"
        "JAGS min ESS/s"
        "JAGS max R̂"
        "ours/JAGS"
    ]

let private csvRow (r: Row) =
    let side (s: Side option) =
        match s with
        | Some s ->
            [
                s.Seconds
                s.Summary.MinBulk
                s.Summary.MinTail
                essPerSec s
                s.Summary.MaxRhat
            ]
            |> List.map csvNum
        | None -> [ ""; ""; ""; ""; "" ]

    let ratio =
        r.Jags
        |> Option.map (fun j -> csvNum (essPerSec r.Ours / essPerSec j))
        |> Option.defaultValue ""

    String.Join(",", [ r.Model; string r.Draws ] @ side (Some r.Ours) @ side r.Jags @ [ ratio ])

let private report (o: Options) (jagsNote: string) (rows: Row list) =
    let table = markdownTable header (rows |> List.map tableRow)

    let tau =
        rows
        |> List.choose (fun r ->
            r.TauBulk
            |> Option.map (fun t ->
                $"- {r.Model}: τ bulk-ESS {fmt t} of {r.Draws} draws ({fmt (t / float r.Draws)} × draws)"))

    let samplers = rows |> List.map (fun r -> $"- {r.Model}: {r.Updates}")

    let stamp = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm")
    let quickNote = if o.Quick then ", --quick" else ""

    let md =
        [
            $"# ESS per second ({stamp} UTC{quickNote})"
            ""
            $"Machine: {machine ()}. {jagsNote}"
            ""
            $"{chains} chains per model, fixed seeds, chains run one after another on one thread (JAGS is single-threaded too)."
            "Seconds = sampling phase only: (warm-up + draws) minus (the same warm-up alone), for both samplers."
            ""
            table
            ""
            "Eight schools τ:"
            yield! tau
            ""
            "Our updates:"
            yield! samplers
            ""
        ]
        |> String.concat "\n"

    printfn "%s" table
    writeResult o.Quick "ess.md" md
    writeResult o.Quick "ess.csv" ((String.Join(",", header) :: List.map csvRow rows |> String.concat "\n") + "\n")

/// Runs the harness over the selected models and writes bench/results/ess.md and ess.csv.
let run (o: Options) =
    let jags =
        match Jags.locate () with
        | Some j when not o.NoJags -> Some j
        | None when o.InstallJags && not o.NoJags -> if Jags.install () then Jags.locate () else None
        | _ -> None

    let note =
        match jags with
        | Some _ -> "JAGS 4.3.1 (`jags` command line, module glm loaded)."
        | None when o.NoJags -> "JAGS column skipped (--no-jags)."
        | None ->
            "JAGS is not installed (`jags` not on PATH; --install-jags runs apt-get install -y jags): column skipped."

    printfn "%s" note

    let models =
        Models.all ()
        |> List.filter (fun m -> o.Only.IsEmpty || List.contains m.Name o.Only)

    let rows =
        models
        |> List.map (fun m ->
            printfn "%s ..." m.Name
            let r = measure o jags m
            printfn "  %s" (String.Join(" | ", tableRow r))
            r)

    report o note rows
