/// Where a sweep's time goes: nanoseconds and bytes allocated per sweep, for each update of each canonical model.
/// The same program built from an older commit prints the same table, so before/after runs can be interleaved.
module HierFunctional.Bench.Sweeps

open System
open System.Runtime.InteropServices
open HierFunctional
open HierFunctional.Bench.Measure

[<Struct; StructLayout(LayoutKind.Sequential)>]
type private Timespec =
    val mutable Seconds: int64
    val mutable Nanoseconds: int64

[<DllImport("libc", EntryPoint = "clock_gettime")>]
extern int private clockGettime(int clock, Timespec& ts)

/// This thread's CPU time in ns (CLOCK_THREAD_CPUTIME_ID): time spent descheduled on a loaded machine is not counted.
let threadCpuNanos () =
    let mutable ts = Timespec()
    clockGettime (3 (* CLOCK_THREAD_CPUTIME_ID *) , &ts) |> ignore
    float ts.Seconds * 1e9 + float ts.Nanoseconds

/// A chain state after `warmup` adapting sweeps from `start`'s values.
let private warmFrom (plan: GibbsPlan) (seed: int) (warmup: int) (start: Random -> float[]) =
    let rng = Chains.generator seed 0 :> Random
    let state = Gibbs.initialStateFor plan seed 0 (start rng)

    for _ in 1..warmup do
        Gibbs.sweep plan rng state

    state.Adapting <- false
    rng, state

/// A chain state after `warmup` adapting sweeps from a finite starting point.
let warmState (plan: GibbsPlan) (seed: int) (warmup: int) =
    let rng = Chains.generator seed 0 :> Random

    let rec start k =
        let s =
            try
                Forward.priorDraw rng plan.Bound
            with _ ->
                plan.Density.FromUnconstrained(
                    Array.init plan.Bound.Layout.UnconstrainedSize (fun _ -> -2.0 + 4.0 * rng.NextDouble())
                )

        if Double.IsFinite(plan.Density.Joint s) || k > 100 then
            s
        else
            start (k + 1)

    let state = Gibbs.initialStateFor plan seed 0 (start 0)

    for _ in 1..warmup do
        Gibbs.sweep plan rng state

    state.Adapting <- false
    rng, state

/// This thread's CPU ns per call of `step` over `blocks` blocks of `sweeps` calls, sorted, and the bytes allocated
/// per call over all blocks.
let inline private cpuBlocks (blocks: int) (sweeps: int) ([<InlineIfLambda>] step: unit -> unit) =
    let b0 = GC.GetAllocatedBytesForCurrentThread()

    let times =
        Array.init blocks (fun _ ->
            let c0 = threadCpuNanos ()

            for _ in 1..sweeps do
                step ()

            (threadCpuNanos () - c0) / float sweeps)

    let bytes =
        float (GC.GetAllocatedBytesForCurrentThread() - b0) / float (blocks * sweeps)

    Array.sortInPlace times
    times, bytes

/// Per-update (ns per run, bytes per run): each update run alone `sweeps` times in each of `blocks` blocks (the
/// other updates frozen) from `state`, the median over blocks of this thread's CPU ns per run. Processor time of whole
/// blocks, since a clock read per update costs as much as the smaller updates and wall time counts the waits for a core.
let profileCpuFrom
    (plan: GibbsPlan)
    (blocks: int)
    (sweeps: int)
    (rng: Random, state: HierFunctional.Inference.ChainState)
    =
    Array.init plan.Updates.Length (fun i ->
        let times, bytes = cpuBlocks blocks sweeps (fun () -> Gibbs.runUpdate i rng state)
        plan.Updates.[i].Node, plan.Updates.[i].Method, times.[blocks / 2], bytes)

/// `profileCpuFrom` one chain after 200 warm-up sweeps from a prior draw.
let profileCpu (plan: GibbsPlan) (blocks: int) (sweeps: int) =
    profileCpuFrom plan blocks sweeps (warmState plan 7 200)

/// Per-update processor ns and bytes per run, about `sweeps` runs each (5 blocks), one chain from a prior draw.
let profile (plan: GibbsPlan) (sweeps: int) = profileCpu plan 5 (max 1 (sweeps / 5))

/// As `profile`, from the starting values `start` draws (e.g. a model's BUGS inits, where a prior draw is far out).
let profileFrom (plan: GibbsPlan) (sweeps: int) (start: Random -> float[]) =
    profileCpuFrom plan 5 (max 1 (sweeps / 5)) (warmFrom plan 7 200 start)

/// Whole sweeps as `Chains.run` makes them (`Gibbs.sweep`, not adapting): over `blocks` blocks of `sweeps` sweeps,
/// the median and the minimum of this thread's CPU ns per sweep (on a loaded machine the minimum is the least
/// disturbed by other processes sharing the caches), and the bytes allocated per sweep over all blocks.
let wholeSweeps (plan: GibbsPlan) (blocks: int) (sweeps: int) =
    let rng, state = warmState plan 11 200
    let times, bytes = cpuBlocks blocks sweeps (fun () -> Gibbs.sweep plan rng state)
    times.[blocks / 2], times.[0], bytes

/// Prints and writes bench/results/sweeps.md: ns and bytes per sweep of every update of every canonical model.
let run (quick: bool) (label: string) =
    let sweeps = if quick then 300 else 3000

    let rows =
        [
            for m in Models.all () do
                let plan = compile m.Model m.Data
                profileCpu plan 2 (sweeps / 10) |> ignore // JIT warm-up
                let parts = profileCpu plan 9 (sweeps / 5)
                let total = parts |> Array.sumBy (fun (_, _, t, _) -> t)
                let alloc = parts |> Array.sumBy (fun (_, _, _, b) -> b)
                wholeSweeps plan 3 (sweeps / 10) |> ignore // JIT warm-up
                let cpu, cpuMin, cpuAlloc = wholeSweeps plan 15 (sweeps / 5)
                printfn "%-26s %12.0f ns/sweep %10.0f B/sweep (sum of updates run alone)" m.Name total alloc

                printfn "%-26s %12.0f cpu-ns/sweep (min %.0f) %6.0f B/sweep (whole sweeps)" m.Name cpu cpuMin cpuAlloc

                yield [ m.Name; "(sweep, thread CPU, whole sweeps, median)"; fmt cpu; fmt cpuAlloc ]
                yield [ ""; "(sweep, thread CPU, whole sweeps, minimum)"; fmt cpuMin; "" ]

                yield
                    [
                        ""
                        "(sum of updates, each run alone, thread CPU, medians)"
                        fmt total
                        fmt alloc
                    ]

                for node, meth, t, b in parts do
                    printfn "    %-30s %-40s %12.0f ns %10.0f B" node (meth.Split('(').[0]) t b
                    yield [ ""; $"{node}: {meth.Split('(').[0].Trim()}"; fmt t; fmt b ]
        ]

    let md =
        $"# ns per sweep ({label})\n\n{machine ()}\n\n"
        + markdownTable [ "model"; "update"; "ns/sweep"; "bytes/sweep" ] rows
        + "\n"

    writeResult quick $"sweeps-{label}.md" md
