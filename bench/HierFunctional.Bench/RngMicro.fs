/// The generator on its own: thread CPU ns per double, per N(0, 1) and per Gamma variate of a chain's sequential
/// stream, and per group of a group-wise update (moving to the group's stream, then one N(0, 1)). Built from an older
/// commit (with its own generator in `sequential`), the same program prints the same rows for before/after runs.
module HierFunctional.Bench.RngMicro

open System
open HierFunctional
open HierFunctional.Inference

/// A chain's sequential generator, as the samplers make it.
let private sequential () : Random = Chains.generator 11 0 :> Random

/// Median and minimum over `blocks` blocks of this thread's CPU ns per operation, `ops` operations per call of `f`.
let private time (blocks: int) (calls: int) (ops: int) (f: unit -> float) =
    let mutable sink = 0.0

    for _ in 1..calls do
        sink <- sink + f ()

    let times =
        Array.init blocks (fun _ ->
            let c0 = Sweeps.threadCpuNanos ()

            for _ in 1..calls do
                sink <- sink + f ()

            (Sweeps.threadCpuNanos () - c0) / float (calls * ops))

    Array.sortInPlace times

    if sink = 42.0 then
        printfn "" // keeps the draws observable

    times.[blocks / 2], times.[0]

/// Rows (what, median ns, minimum ns).
let private rows () =
    let rng = sequential ()
    let n = 1000

    [
        yield
            "sequential double (Random.NextDouble, virtual call)",
            time 15 200 n (fun () ->
                let mutable s = 0.0

                for _ in 1..n do
                    s <- s + rng.NextDouble()

                s)
        yield
            "sequential N(0, 1) (StandardNormal.sample)",
            time 15 200 n (fun () ->
                let mutable s = 0.0

                for _ in 1..n do
                    s <- s + StandardNormal.sample rng

                s)
        yield
            "sequential Gamma(2.5, 1) (GammaVariate.sample)",
            time 15 100 n (fun () ->
                let mutable s = 0.0

                for _ in 1..n do
                    s <- s + GammaVariate.sample rng 2.5 1.0

                s)
        // GROUPS-BEGIN (group streams: the build before Philox drew groups from the sequential stream)
        let g = Philox4x32.Create(11, 0)
        let sweep = ref 0

        yield
            "group stream: Reset + one output (a block per reset)",
            time 15 200 n (fun () ->
                let mutable s = 0u
                sweep.Value <- sweep.Value + 1

                for j in 0 .. n - 1 do
                    g.Reset(3, sweep.Value, j)
                    s <- s + g.NextUInt32()

                float s)

        yield
            "group stream: Reset + one N(0, 1)",
            time 15 200 n (fun () ->
                let mutable s = 0.0
                sweep.Value <- sweep.Value + 1

                for j in 0 .. n - 1 do
                    g.Reset(3, sweep.Value, j)
                    s <- s + StandardNormal.fromPhilox g

                s)

        for groups in [ 8; 85; 1000 ] do
            let gs = GroupStream(11, 0)
            let reps = max 1 (1000 / groups)

            yield
                $"group stream in order (PhiloxInOrder), J = {groups}: one N(0, 1) per group",
                time 15 200 (reps * groups) (fun () ->
                    let mutable s = 0.0

                    for _ in 1..reps do
                        sweep.Value <- sweep.Value + 1

                        for j in 0 .. groups - 1 do
                            s <- s + StandardNormal.fromPhilox (gs.PhiloxInOrder(3, sweep.Value, j))

                    s)
    // GROUPS-END
    ]

/// Prints the rows and writes bench/results/rng-micro-<label>.md.
let run (label: string) =
    let rows =
        [
            for what, (median, minimum) in rows () do
                printfn "%-75s %8.2f ns (min %.2f)" what median minimum
                yield [ what; Measure.fmt median; Measure.fmt minimum ]
        ]

    let md =
        $"# Generator micro-benchmark ({label})\n\n{Measure.machine ()}\n\nThread CPU ns per operation, median and minimum of 15 blocks.\n\n"
        + Measure.markdownTable [ "operation"; "median ns"; "min ns" ] rows
        + "\n"

    Measure.writeResult false $"rng-micro-{label}.md" md
