/// The Philox4x32-10 generator against the Random123 known-answer vectors, its state round trip and its uniforms.
module HierFunctional.Tests.PhiloxTests

open System
open HierFunctional.TestShim
open HierFunctional

// Random123's kat_vectors, the three "philox4x32 10" lines: counter (4 words), key (2 words), expected (4 words).
let private known =
    [
        [| 0u; 0u; 0u; 0u |], [| 0u; 0u |], [| 0x6627e8d5u; 0xe169c58du; 0xbc57ac4cu; 0x9b00dbd8u |]
        [| 0xffffffffu; 0xffffffffu; 0xffffffffu; 0xffffffffu |],
        [| 0xffffffffu; 0xffffffffu |],
        [| 0x408f276du; 0x41c83b0eu; 0xa20bc7c6u; 0x6d5451fdu |]
        [| 0x243f6a88u; 0x85a308d3u; 0x13198a2eu; 0x03707344u |],
        [| 0xa4093822u; 0x299f31d0u |],
        [| 0xd16cfe09u; 0x94fdccebu; 0x5001e420u; 0x24126ea1u |]
    ]

let ``Philox4x32-10 blocks match the Random123 known-answer vectors`` () =
    for counter, key, expected in known do
        Assert.Equal<uint32[]>(expected, Philox4x32.Block(counter, key))

let ``the generator's outputs are the blocks of counters 0, 1, 2 under its key`` () =
    let g = Philox4x32(0xa4093822u, 0x299f31d0u)
    let outputs = Array.init 12 (fun _ -> g.NextUInt32())

    let blocks =
        Array.init 3 (fun c -> Philox4x32.Block([| uint32 c; 0u; 0u; 0u |], [| 0xa4093822u; 0x299f31d0u |]))
        |> Array.concat

    Assert.Equal<uint32[]>(blocks, outputs)

let ``a generator made from a stored state continues exactly, at any position in a block`` () =
    // past several refills of the eight-block buffer
    for skip in 0..75 do
        let g = Philox4x32.Create(17, 3)

        for _ in 1..skip do
            g.NextUInt32() |> ignore

        let copy = Philox4x32.FromState g.State
        Assert.Equal<uint64[]>(g.State, copy.State)
        Assert.Equal<float[]>(Array.init 7 (fun _ -> g.NextDouble()), Array.init 7 (fun _ -> copy.NextDouble()))

let ``uniform doubles have mean 1/2 and variance 1/12 within 4 standard errors`` () =
    let g = Philox4x32.Create(1, 0)
    let n = 200000
    let xs = Array.init n (fun _ -> g.NextDouble())
    Assert.All(xs, fun x -> Assert.InRange(x, 0.0, 1.0 - 1e-17))
    let mean = Array.average xs
    // sd of the mean: sqrt(1/12 / n); of the mean square deviation: sqrt(1/180 / n) for U(0, 1)
    Assert.True(abs (mean - 0.5) < 4.0 * sqrt (1.0 / 12.0 / float n), $"mean {mean}")
    let var = xs |> Array.averageBy (fun x -> (x - 0.5) ** 2.0)
    Assert.True(abs (var - 1.0 / 12.0) < 4.0 * sqrt (1.0 / 180.0 / float n), $"variance {var}")

let ``a group's stream is the blocks of counter (i, group, sweep, update with the high bit) under (seed, chain)`` () =
    let g = Philox4x32.ForGroup(17, 3, 5, 1000, 123456)
    let outputs = Array.init 12 (fun _ -> g.NextUInt32())

    let blocks =
        Array.init 3 (fun i -> Philox4x32.Block([| uint32 i; 123456u; 1000u; 5u ||| 0x80000000u |], [| 17u; 3u |]))
        |> Array.concat

    Assert.Equal<uint32[]>(blocks, outputs)

let ``resetting a used generator to a group's stream gives exactly that group's stream`` () =
    let g = Philox4x32.Create(17, 3)

    for _ in 1..7 do
        g.NextUInt32() |> ignore

    for group in [ 0; 1; 99 ] do
        g.Reset(2, 40, group)
        let fresh = Philox4x32.ForGroup(17, 3, 2, 40, group)
        Assert.Equal<uint64[]>(fresh.State, g.State)
        Assert.Equal<float[]>(Array.init 5 (fun _ -> fresh.NextDouble()), Array.init 5 (fun _ -> g.NextDouble()))

let ``group streams differ between groups, sweeps, updates and chains`` () =
    let first (g: Philox4x32) = Array.init 4 (fun _ -> g.NextUInt32())
    let baseline = first (Philox4x32.ForGroup(1, 0, 0, 0, 0))

    for other in
        [
            Philox4x32.ForGroup(1, 0, 0, 0, 1)
            Philox4x32.ForGroup(1, 0, 0, 1, 0)
            Philox4x32.ForGroup(1, 0, 1, 0, 0)
            Philox4x32.ForGroup(1, 1, 0, 0, 0)
            Philox4x32.ForGroup(2, 0, 0, 0, 0)
            Philox4x32.Create(1, 0)
        ] do
        Assert.NotEqual<uint32[]>(baseline, first other)

let ``a group's stream state round-trips through State and FromState`` () =
    let g = Philox4x32.ForGroup(-4, 2, 7, 3, 11)
    g.NextDouble() |> ignore
    let copy = Philox4x32.FromState g.State
    Assert.Equal<float[]>(Array.init 5 (fun _ -> g.NextDouble()), Array.init 5 (fun _ -> copy.NextDouble()))

let ``groups drawn in order from eight-group batches get exactly their own streams`` () =
    let gs = HierFunctional.Inference.GroupStream(17, 3)
    // in order, across batch boundaries, a jump past a batch, a second update and sweep, then back to a lower group
    let visits =
        [ for g in 0..17 -> 2, 40, g ]
        @ [ 2, 40, 21; 2, 40, 30; 5, 40, 30; 5, 41, 30; 5, 41, 2; 2, 40, 3 ]

    for update, sweep, group in visits do
        let g = gs.PhiloxInOrder(update, sweep, group)
        let fresh = Philox4x32.ForGroup(17, 3, update, sweep, group)
        // 23 doubles: past the first block and the next refill, so the counters after the batched block are right too
        Assert.Equal<float[]>(Array.init 23 (fun _ -> fresh.NextDouble()), Array.init 23 (fun _ -> g.NextDouble()))

let ``the first normals of eight groups are each group's first N(0, 1) variate, also where the ziggurat's first try fails``
    ()
    =
    let gs = HierFunctional.Inference.GroupStream(23, 2)
    let mutable retried = 0

    for sweep in 0..2 do
        // runs of 8 and shorter runs at the end, from group 5 so the runs straddle multiples of eight
        let mutable first = 5

        while first < 1500 do
            let n = min 8 (1500 - first)
            let got = Array.copy (gs.FirstNormals(7, sweep, first, n)).[0 .. n - 1]

            let stream i =
                Philox4x32.ForGroup(23, 2, 7, sweep, first + i)

            for i in 0 .. n - 1 do
                if Double.IsNaN(StandardNormal.firstTry ((stream i).NextBits53())) then
                    retried <- retried + 1

            Assert.Equal<float[]>(Array.init n (fun i -> StandardNormal.fromPhilox (stream i)), got)
            first <- first + n

    // about 1 in 100 first tries fail: the streams drawn again were exercised
    Assert.True(retried > 10, $"only {retried} first tries failed")

let ``the block kernel gives the reference blocks, with and without SIMD, for consecutive counters and groups`` () =
    let key = [| 0xa4093822u; 0x299f31d0u |]
    let c = [| 0x243f6a88u; 0x85a308d3u; 0x13198a2eu; 0x03707344u |]

    for simd in [ false; true ] do
        for d0, d1 in [ 1u, 0u; 0u, 1u ] do
            let out = Array.zeroCreate<uint64>(4 * PhiloxBlocks.Stride + 3)
            PhiloxBlocks.blocks simd key.[0] key.[1] c.[0] c.[1] c.[2] c.[3] d0 d1 out 3

            for lane in 0 .. PhiloxBlocks.Stride - 1 do
                let counter = [| c.[0] + uint32 lane * d0; c.[1] + uint32 lane * d1; c.[2]; c.[3] |]
                let got = Array.init 4 (fun w -> uint32 out.[3 + w * PhiloxBlocks.Stride + lane])
                Assert.Equal<uint32[]>(Philox4x32.Block(counter, key), got)

let ``groups drawn in order get their own streams whatever the number of blocks each takes`` () =
    // 1, 3, 5 and 7 doubles per group take 1..4 blocks: the batches learn each depth, then see it change
    let gs = HierFunctional.Inference.GroupStream(5, 1)

    for doubles in [ 1; 3; 5; 7; 1; 7 ] do
        for sweep in 0..2 do
            for group in 0..40 do
                let g = gs.PhiloxInOrder(4, sweep, group)
                let fresh = Philox4x32.ForGroup(5, 1, 4, sweep, group)

                Assert.Equal<float[]>(
                    Array.init doubles (fun _ -> fresh.NextDouble()),
                    Array.init doubles (fun _ -> g.NextDouble())
                )

let ``after k outputs the state is the counter of the next block and the position in the current one`` () =
    let g = Philox4x32.Create(17, 3)

    for k in 0..90 do
        let expected =
            if k % 4 = 0 then
                [| uint64 (k / 4); 0UL; 4UL |]
            else
                [| uint64 (k / 4 + 1); 0UL; uint64 (k % 4) |]

        Assert.Equal<uint64[]>(expected, g.State.[1..])
        g.NextUInt32() |> ignore

let ``a stream carries its counter from word 0 into the higher words inside the buffer`` () =
    // counter 2³² − 3: the buffered blocks run through the wrap of word 0 into word 1 (and 2⁶⁴ − 3 into word 2)
    for low, high in [ 0xFFFFFFFDUL, 0UL; 0xFFFFFFFFFFFFFFFDUL, 0UL ] do
        let g = Philox4x32.FromState [| (3UL <<< 32) ||| 17UL; low; high; 4UL |]
        let outputs = Array.init 48 (fun _ -> g.NextUInt32())

        let blocks =
            Array.init 12 (fun i ->
                let c = System.Numerics.BigInteger low + System.Numerics.BigInteger i

                let word (k: int) =
                    uint32 ((c >>> (32 * k)) &&& System.Numerics.BigInteger 0xFFFFFFFFu)

                Philox4x32.Block([| word 0; word 1; word 2; 0u |], [| 17u; 3u |]))
            |> Array.concat

        Assert.Equal<uint32[]>(blocks, outputs)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.PhiloxTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.PhiloxTests"
            [
                Expecto.Tests.testCase "Philox4x32-10 blocks match the Random123 known-answer vectors" (fun () ->
                    ``Philox4x32-10 blocks match the Random123 known-answer vectors`` ())
                Expecto.Tests.testCase
                    "the generator's outputs are the blocks of counters 0, 1, 2 under its key"
                    (fun () -> ``the generator's outputs are the blocks of counters 0, 1, 2 under its key`` ())
                Expecto.Tests.testCase
                    "a generator made from a stored state continues exactly, at any position in a block"
                    (fun () ->
                        ``a generator made from a stored state continues exactly, at any position in a block`` ())
                Expecto.Tests.testCase
                    "uniform doubles have mean 1/2 and variance 1/12 within 4 standard errors"
                    (fun () -> ``uniform doubles have mean 1/2 and variance 1/12 within 4 standard errors`` ())
                Expecto.Tests.testCase
                    "a group's stream is the blocks of counter (i, group, sweep, update with the high bit) under (seed, chain)"
                    (fun () ->
                        ``a group's stream is the blocks of counter (i, group, sweep, update with the high bit) under (seed, chain)`` ())
                Expecto.Tests.testCase
                    "resetting a used generator to a group's stream gives exactly that group's stream"
                    (fun () -> ``resetting a used generator to a group's stream gives exactly that group's stream`` ())
                Expecto.Tests.testCase "group streams differ between groups, sweeps, updates and chains" (fun () ->
                    ``group streams differ between groups, sweeps, updates and chains`` ())
                Expecto.Tests.testCase "a group's stream state round-trips through State and FromState" (fun () ->
                    ``a group's stream state round-trips through State and FromState`` ())
                Expecto.Tests.testCase
                    "groups drawn in order from eight-group batches get exactly their own streams"
                    (fun () -> ``groups drawn in order from eight-group batches get exactly their own streams`` ())
                Expecto.Tests.testCase
                    "the first normals of eight groups are each group's first N(0, 1) variate, also where the ziggurat's first try fails"
                    (fun () ->
                        ``the first normals of eight groups are each group's first N(0, 1) variate, also where the ziggurat's first try fails`` ())
                Expecto.Tests.testCase
                    "the block kernel gives the reference blocks, with and without SIMD, for consecutive counters and groups"
                    (fun () ->
                        ``the block kernel gives the reference blocks, with and without SIMD, for consecutive counters and groups`` ())
                Expecto.Tests.testCase
                    "groups drawn in order get their own streams whatever the number of blocks each takes"
                    (fun () ->
                        ``groups drawn in order get their own streams whatever the number of blocks each takes`` ())
                Expecto.Tests.testCase
                    "after k outputs the state is the counter of the next block and the position in the current one"
                    (fun () ->
                        ``after k outputs the state is the counter of the next block and the position in the current one`` ())
                Expecto.Tests.testCase
                    "a stream carries its counter from word 0 into the higher words inside the buffer"
                    (fun () -> ``a stream carries its counter from word 0 into the higher words inside the buffer`` ())
            ])
