/// The vector form of the collapsed logistic kernel (`LogitLanes`): its step against exact 1-D grid conditionals
/// (mean and sd within 4 MCSE, fixed seeds), an element's draw independent of the range and lane it falls in, its
/// t variate against the closed-form t CDF, its uniforms read from eight groups' blocks against the groups' streams
/// bit for bit, and the τ interweaving step's vector sums against `LogitKernel`'s.
module HierFunctional.Tests.Gibbs.LogitLanesTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Tests.Gibbs.MonteCarlo
open HierFunctional.Tests.Gibbs.LogisticTests

/// One-child logistic conditionals as (label, m, s, Σy, Σn, offset, coefficient): sparse, none and all successes,
/// one trial, and one whose linear predictors pass |η| = 30 (the stable softplus lanes).
let private cases =
    [
        "moderate", -2.0, 0.7, 5.0, 20.0, 0.0, 1.0
        "no successes", -1.0, 1.5, 0.0, 34.0, 0.0, 1.0
        "all successes", 0.5, 2.0, 12.0, 12.0, 0.3, 1.0
        "one trial", 1.0, 0.4, 1.0, 1.0, 0.0, -1.0
        "far", 35.0, 1.0, 40.0, 40.0, 0.5, 1.0
    ]

/// `draws` sweeps of the vector step over elements lo..hi−1, uniforms from `rng` element by element, as
/// `LogitIntercepts` takes them from each element's stream.
let private sweep (rng: Philox4x32) (d: LogitLanes.Cells) (w: LogitLanes.Scratch) m s lo hi =
    LogitLanes.centres d m (1.0 / (s * s)) lo hi w

    for j in lo .. hi - 1 do
        let struct (u, v) = LogitKernel.polarPoint rng
        w.PolarU.[j - lo] <- u
        w.PolarW.[j - lo] <- v
        w.U.[j - lo] <- rng.NextDouble()

    LogitLanes.decide d m s lo hi w

let ``the vector Laplace-t step leaves one-child logistic conditionals invariant, by grid mean and sd within 4 MCSE``
    ()
    =
    cases
    |> List.iteri (fun i (label, m, s, y, n, o, c) ->
        // five copies of the conditional, one chain each: a whole vector and a lane of the next
        let copies, draws = 5, 20000

        let d =
            LogitLanes.cells
                (Array.create copies y)
                (Array.create copies n)
                (Array.create copies o)
                (Array.create copies c)

        let w = LogitLanes.scratch copies
        let rng = Philox4x32.Create(400 + i, 0)
        let chains = Array.init copies (fun _ -> Array.zeroCreate<float> draws)

        for j in 0 .. copies - 1 do
            w.Theta0.[j] <- m + float (j - 2) * 3.0 * s

        for t in 0 .. draws - 1 do
            sweep rng d w m s 0 copies

            for j in 0 .. copies - 1 do
                w.Theta0.[j] <- w.Next.[j]
                chains.[j].[t] <- w.Next.[j]

        let mean, sd =
            grid1 (m - 14.0 * s) (m + 14.0 * s) (LogitKernel.logConditional m s [| y |] [| n |] [| o |] [| c |])

        let mHat, mcse = Diagnostics.mean chains, Diagnostics.mcseMean chains
        let sdHat, mcseSd = Diagnostics.sd chains, Diagnostics.mcseSd chains
        Assert.True(abs (mHat - mean) < 4.0 * mcse, $"{label}: mean {mHat} vs grid {mean}, 4 MCSE = {4.0 * mcse}")
        Assert.True(abs (sdHat - sd) < 4.0 * mcseSd, $"{label}: sd {sdHat} vs grid {sd}, 4 MCSE = {4.0 * mcseSd}"))

let ``an element's vector step draws the same bits whichever range and lane it falls in`` () =
    let r = rng 41
    let copies = 11
    let n = Array.init copies (fun _ -> float (1 + r.Next 40))
    let y = n |> Array.map (fun t -> float (r.Next(int t + 1)))
    let o = Array.init copies (fun j -> if j = 6 then 40.0 else uniform r -2.0 2.0)
    let c = Array.init copies (fun _ -> uniform r 0.5 1.5)
    let d = LogitLanes.cells y n o c
    let theta0 = Array.init copies (fun _ -> uniform r -3.0 1.0)

    let whole, left, right =
        LogitLanes.scratch copies, LogitLanes.scratch 3, LogitLanes.scratch (copies - 3)

    for w, lo in [ whole, 0; left, 0; right, 3 ] do
        Array.blit theta0 lo w.Theta0 0 (min w.Theta0.Length (copies - lo))

    // the same uniforms for each element in both runs: one stream per element
    let draw (w: LogitLanes.Scratch) lo hi =
        LogitLanes.centres d (-0.5) (1.0 / 0.81) lo hi w

        for j in lo .. hi - 1 do
            let g = Philox4x32.Create(500, j)
            let struct (u, v) = LogitKernel.polarPoint g
            w.PolarU.[j - lo] <- u
            w.PolarW.[j - lo] <- v
            w.U.[j - lo] <- g.NextDouble()

        LogitLanes.decide d (-0.5) 0.9 lo hi w

    draw whole 0 copies
    draw left 0 3
    draw right 3 copies

    for j in 0 .. copies - 1 do
        let split = if j < 3 then left.Next.[j] else right.Next.[j - 3]

        if
            BitConverter.DoubleToInt64Bits whole.Next.[j]
            <> BitConverter.DoubleToInt64Bits split
        then
            failwith $"element {j}: {whole.Next.[j]} in one range, {split} split"

let ``the vector t variate of polar points follows the t CDF with the proposal's degrees of freedom, by KS`` () =
    let g = Philox4x32.Create(61, 0)
    let n = 40000
    let points = Array.init n (fun _ -> LogitKernel.polarPoint g)
    let u = points |> Array.map (fun (struct (u, _)) -> u)
    let w = points |> Array.map (fun (struct (_, w)) -> w)
    let t = LogitLanes.studentTs u w

    let d =
        ksStatistic (fun x -> MathNet.Numerics.Distributions.StudentT.CDF(0.0, 1.0, LogitLanes.Dof, x)) t

    Assert.True(d < ksCritical001 n, $"KS statistic {d}, critical {ksCritical001 n}")

let ``the tau step's vector Newton centre and likelihood ratio equal LogitKernel's scalar ones`` () =
    forAllSeeds (fun r ->
        let k = 1 + r.Next 11
        // cell 0 informative, so the Newton start is defined; others may have n = 0 or c = 0
        let n =
            Array.init k (fun i -> if i > 0 && r.Next 6 = 0 then 0.0 else float (1 + r.Next 40))

        let y = n |> Array.map (fun t -> float (r.Next(int t + 1)))
        // some η leave ±30 at the larger τ
        let o = Array.init k (fun _ -> uniform r -3.0 3.0)

        let c =
            Array.init k (fun i ->
                if i > 0 && r.Next 7 = 0 then
                    0.0
                else
                    uniform r 0.1 2.0 * float (1 - 2 * r.Next 2))

        let sd =
            if r.Next 2 = 0 then
                Double.PositiveInfinity
            else
                uniform r 0.3 3.0

        let t1, t0 = uniform r 0.01 20.0, uniform r 0.01 20.0
        let struct (w0, ell) = LogitKernel.empirical y n

        let pad (a: float[]) =
            Array.init (LogitLanes.padded k) (fun i -> if i < k then a.[i] else 0.0)

        let tc = LogitLanes.tauCells y n
        let struct (x1, h1) = LogitKernel.laplaceWithin 1 0.0 sd y n o c w0 ell
        let struct (x2, h2) = LogitLanes.laplaceOneStep tc (1.0 / (sd * sd)) (pad o) (pad c)

        let direct =
            LogitKernel.logConditionalRatio 0.0 Double.PositiveInfinity y n o c t1 t0

        let lanes = LogitLanes.logLikelihoodRatio tc (pad o) (pad c) t1 t0
        let close a b = abs (a - b) <= 1e-9 * (1.0 + abs a)
        close x1 x2 && close h1 h2 && close direct lanes)

let ``the polar points and uniforms read from eight groups' first blocks are bit for bit those of each group's stream``
    ()
    =
    let gs = Inference.GroupStream(71, 2)
    let w = LogitLanes.scratch 40
    let bits (x: float) = BitConverter.DoubleToInt64Bits x
    let mutable thirdTries, secondTries = 0, 0

    // ranges of 40, 13 and 3 groups from several first groups, so vectors are whole, part-filled and offset
    for sweep in 0..59 do
        for lo, hi in [ 0, 40; 5, 18; 37, 40 ] do
            for first in lo .. PhiloxBlocks.Stride .. hi - 1 do
                let count = min PhiloxBlocks.Stride (hi - first)
                let blocks = gs.Blocks(3, sweep, first, LogitLanes.PolarDepth)
                let failed = LogitLanes.polarFromBlocks blocks count w (first - lo)

                for i in 0 .. count - 1 do
                    let g = Philox4x32.ForGroup(71, 2, 3, sweep, first + i)
                    let struct (u, v) = LogitKernel.polarPoint g
                    let uniform = g.NextDouble()

                    if failed &&& (1 <<< i) <> 0 then
                        thirdTries <- thirdTries + 1
                        // the stream the update falls back to, reading the blocks in place
                        let f = gs.PhiloxAfterBlocks(3, sweep, first + i, i, LogitLanes.PolarDepth)
                        let struct (fu, fv) = LogitKernel.polarPoint f

                        if bits fu <> bits u || bits fv <> bits v || bits (f.NextDouble()) <> bits uniform then
                            failwith $"sweep {sweep}, group {first + i}: the fallback stream differs"
                    else
                        let r = first + i - lo

                        if
                            bits w.PolarU.[r] <> bits u
                            || bits w.PolarW.[r] <> bits v
                            || bits w.U.[r] <> bits uniform
                        then
                            failwith
                                $"sweep {sweep}, group {first + i}: ({w.PolarU.[r]}, {w.PolarW.[r]}, {w.U.[r]}) from blocks, ({u}, {v}, {uniform}) from the stream"

                        if
                            bits w.PolarU.[r]
                            <> bits (2.0 * Philox4x32.ForGroup(71, 2, 3, sweep, first + i).NextDouble() - 1.0)
                        then
                            secondTries <- secondTries + 1

    // both tries and the fallback were exercised (about 21% and 4.6% of groups)
    Assert.True(secondTries > 100 && thirdTries > 20, $"second tries {secondTries}, third {thirdTries}")

// expecto: the list of the functions above, in the form xunit2expecto.py generates
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.LogitLanesTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.LogitLanesTests"
            [
                Expecto.Tests.testCase
                    "the vector Laplace-t step leaves one-child logistic conditionals invariant, by grid mean and sd within 4 MCSE"
                    (fun () ->
                        ``the vector Laplace-t step leaves one-child logistic conditionals invariant, by grid mean and sd within 4 MCSE`` ())
                Expecto.Tests.testCase
                    "an element's vector step draws the same bits whichever range and lane it falls in"
                    (fun () -> ``an element's vector step draws the same bits whichever range and lane it falls in`` ())
                Expecto.Tests.testCase
                    "the vector t variate of polar points follows the t CDF with the proposal's degrees of freedom, by KS"
                    (fun () ->
                        ``the vector t variate of polar points follows the t CDF with the proposal's degrees of freedom, by KS`` ())
                Expecto.Tests.testCase
                    "the polar points and uniforms read from eight groups' first blocks are bit for bit those of each group's stream"
                    (fun () ->
                        ``the polar points and uniforms read from eight groups' first blocks are bit for bit those of each group's stream`` ())
                Expecto.Tests.testCase
                    "the tau step's vector Newton centre and likelihood ratio equal LogitKernel's scalar ones"
                    (fun () ->
                        ``the tau step's vector Newton centre and likelihood ratio equal LogitKernel's scalar ones`` ())
            ])
