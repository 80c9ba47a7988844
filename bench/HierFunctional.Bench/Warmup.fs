/// Warm-up against sampling: the cost per iteration of each phase of one chain, run as `Chains.run` runs it (its
/// starting values, seed and sweep loop; monitored values copied after each kept sweep), for each canonical model,
/// repeated in one process. Times are the sampling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so time the thread
/// spends descheduled on a loaded machine is not counted; wall time is reported beside it.
module HierFunctional.Bench.Warmup

open System
open System.Diagnostics
open System.Runtime.InteropServices
open HierFunctional
open HierFunctional.Bench.Measure

[<Struct; StructLayout(LayoutKind.Sequential)>]
type private Timespec =
    val mutable Seconds: int64
    val mutable Nanoseconds: int64

[<DllImport("libc", EntryPoint = "clock_gettime")>]
extern int private clockGettime(int clock, Timespec& ts)

/// This thread's CPU time in µs.
let private cpuMicros () =
    let mutable ts = Timespec()
    clockGettime (3 (* CLOCK_THREAD_CPUTIME_ID *) , &ts) |> ignore
    float ts.Seconds * 1e6 + float ts.Nanoseconds / 1e3

/// One chain's costs, µs: (starting values, per warm-up sweep, per sampling sweep, per sweep of the first 100
/// warm-up sweeps, wall µs per warm-up sweep, wall µs per sampling sweep).
let private chainCost (plan: GibbsPlan) (warmup: int) (draws: int) (seed: int) =
    let rng = Chains.generator seed 0 :> Random
    let monitor = Layout.compileMonitored plan.Bound
    let monitored = Array.zeroCreate plan.Bound.Layout.Monitored.Length
    let w0, c0 = Stopwatch.GetTimestamp(), cpuMicros ()

    let state =
        Gibbs.initialStateFor plan 0 0 (StartValues.start StartScheme.Typical rng plan.Bound plan.Density.Joint [])

    let c1 = cpuMicros ()
    let mutable c100 = c1

    for it in 1..warmup do
        state.Adapting <- true
        Gibbs.sweep plan rng state

        if it = 100 then
            c100 <- cpuMicros ()

    let w2, c2 = Stopwatch.GetTimestamp(), cpuMicros ()

    for _ in 1..draws do
        state.Adapting <- false
        Gibbs.sweep plan rng state
        monitor state.Values monitored

    let w3, c3 = Stopwatch.GetTimestamp(), cpuMicros ()

    let wall (t: int64) =
        float t * 1e6 / float Stopwatch.Frequency

    c1 - c0,
    (c2 - c0) / float warmup,
    (c3 - c2) / float draws,
    (c100 - c1) / 100.0,
    wall (w2 - w0) / float warmup,
    wall (w3 - w2) / float draws

/// (CPU µs per sweep adapting, not adapting) from one warmed-up state, in alternating blocks (median of blocks).
let private adaptCost (plan: GibbsPlan) (blocks: int) (sweeps: int) =
    let rng, state = Sweeps.warmState plan 3 1000

    let block adapting =
        state.Adapting <- adapting
        let c0 = cpuMicros ()

        for _ in 1..sweeps do
            Gibbs.sweep plan rng state

        (cpuMicros () - c0) / float sweeps

    let pairs = Array.init blocks (fun _ -> block true, block false)
    let median (xs: float[]) = (Array.sort xs).[xs.Length / 2]
    median (Array.map fst pairs), median (Array.map snd pairs)

let private median (xs: float[]) = (Array.sort xs).[xs.Length / 2]

let private range (xs: float[]) = $"{Array.min xs:F1}–{Array.max xs:F1}"

let private medianRange (xs: float[]) = $"{median xs:F1} ({range xs})"

/// Prints and writes bench/results[/quick]/warmup-LABEL.md.
let run (quick: bool) (reps: int) (label: string) =
    let warmup, draws = 1000, 1000
    let models = Models.all ()

    // costs.[rep].[model]; rep 0 is each model's first chain in this process (its code still at the JIT's tier 0)
    let costs =
        Array.init reps (fun rep ->
            models
            |> List.map (fun m ->
                let plan = compile m.Model m.Data
                let (s, w, d, w100, ww, wd) as c = chainCost plan warmup draws (rep + 1)

                printfn
                    "rep %d %-26s start %7.0f µs  warm-up %7.2f µs/it (first 100: %7.2f)  sampling %7.2f µs/it  (wall %7.2f / %7.2f)"
                    (rep + 1)
                    m.Name
                    s
                    w
                    w100
                    d
                    ww
                    wd

                c)
            |> Array.ofList)

    let rows =
        models
        |> List.mapi (fun i m ->
            let col f =
                costs.[1..] |> Array.map (fun r -> f r.[i])

            let _, coldW, coldD, _, _, _ = costs.[0].[i]
            let plan = compile m.Model m.Data
            let on, off = adaptCost plan (if quick then 3 else 9) (if quick then 200 else 1000)

            [
                m.Name
                $"{coldW:F1} / {coldD:F1}"
                medianRange (col (fun (_, w, _, _, _, _) -> w))
                medianRange (col (fun (_, _, _, w100, _, _) -> w100))
                medianRange (col (fun (_, _, d, _, _, _) -> d))
                (col (fun (_, w, d, _, _, _) -> w / d)
                 |> fun xs -> $"{median xs:F2} ({Array.min xs:F2}–{Array.max xs:F2})")
                medianRange (col (fun (s, _, _, _, _, _) -> s))
                $"{on:F2} / {off:F2}"
            ])

    let md =
        $"# Warm-up against sampling, µs per iteration ({label})\n\n{machine ()}\n\n"
        + $"One chain as `Chains.run` runs it: typical starting values, {warmup} adapting sweeps, {draws} kept sweeps. "
        + "CPU time of the sampling thread. \"first chain\": the model's first chain in the process (warm-up / "
        + $"sampling); then {reps - 1} more chains of each model in the same process: median (range). Warm-up "
        + "includes the starting values. Last column: CPU µs per sweep with adaptation on / off from the same "
        + "warmed-up state, in alternating blocks (median).\n\n"
        + markdownTable
            [
                "model"
                "first chain"
                "warm-up"
                "first 100 warm-up sweeps"
                "sampling"
                "warm-up / sampling"
                "starting values (µs)"
                "adapting on / off"
            ]
            rows
        + "\n"

    writeResult quick $"warmup-{label}.md" md
