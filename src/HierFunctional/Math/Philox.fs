namespace HierFunctional

open System
open System.Runtime.CompilerServices

/// Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011; Random123): a counter-based generator whose whole state is a key
/// (seed, stream) and a 128-bit counter, so it can be read, stored and set without reflection, and any stream can
/// be started at any counter. Each counter value gives a block of four 32-bit outputs; a double takes two.
/// The samplers' generator: a chain's sequential stream is key (seed, chain) from counter 0, and each group of a
/// group-wise update has its own stream (`ForGroup`); see docs/architecture.md, "The generator".
[<Sealed>]
type Philox4x32(key0: uint32, key1: uint32) =
    inherit Random()

    // Counter of the first buffered block.
    let mutable base0 = 0u
    let mutable base1 = 0u
    let mutable base2 = 0u
    let mutable base3 = 0u
    // Up to eight consecutive blocks from the base (layout of `PhiloxBlocks.Stride`): refilling several at once lets
    // their rounds overlap, where one block alone waits on each multiplication.
    let buffer = Array.zeroCreate<uint64>(4 * PhiloxBlocks.Stride)
    // Where the buffered outputs are read: output p at words.[first + (p % 4)·Stride + (p / 4)·2^blockShift]. The
    // stream's own buffer (first 0, shift 0), or a lane of a batch's blocks that `ResetWithBlocks` handed it (read
    // in place: a batch keeps block d of a lane 4·Stride words after block d − 1).
    let mutable words = buffer
    let mutable first = 0
    let mutable blockShift = 0
    // Next output: word pos % 4 of buffered block pos / 4; pos = limit (4 × the buffered blocks) means used up.
    let mutable pos = 0
    let mutable limit = 0
    // Whether the stream was just set (created, `Reset`, `FromState`): its first refill computes one block, as a
    // group's stream seldom needs a second; later refills compute eight.
    let mutable fresh = true
    // Blocks the last `ResetWithBlocks` handed this stream (0 once it refilled, or when it was not set that way), and
    // the tallies a `GroupStream` reads to size its batches: handed streams that needed more blocks, and fewer.
    let mutable handed = 0
    // the result of `NextBitsSlow`
    let mutable slowBits = 0L
    let mutable overflows = 0
    let mutable shortfalls = 0

    static let m0 = 0xD2511F53UL
    static let m1 = 0xCD9E8D57UL
    static let w0 = 0x9E3779B9u
    static let w1 = 0xBB67AE85u

    /// The ten-round bijection of one counter under one key (the Random123 reference function).
    static member Block(counter: uint32[], key: uint32[]) : uint32[] =
        let mutable c0, c1, c2, c3 = counter.[0], counter.[1], counter.[2], counter.[3]
        let mutable k0, k1 = key.[0], key.[1]

        for round in 0..9 do
            if round > 0 then
                k0 <- k0 + w0
                k1 <- k1 + w1

            let p0 = m0 * uint64 c0
            let p1 = m1 * uint64 c2
            let n0 = uint32 (p1 >>> 32) ^^^ c1 ^^^ k0
            let n2 = uint32 (p0 >>> 32) ^^^ c3 ^^^ k1
            c0 <- n0
            c1 <- uint32 p1
            c2 <- n2
            c3 <- uint32 p0

        [| c0; c1; c2; c3 |]

    /// The 128-bit counter (c0, c1, c2, c3) + n.
    static member private Add(c0: uint32, c1: uint32, c2: uint32, c3: uint32, n: uint32) =
        let s0 = c0 + n

        if s0 >= c0 then
            struct (s0, c1, c2, c3)
        else
            let s1 = c1 + 1u

            if s1 <> 0u then
                struct (s0, s1, c2, c3)
            else
                let s2 = c2 + 1u
                struct (s0, s1, s2, (if s2 = 0u then c3 + 1u else c3))

    /// The 128-bit counter (c0, c1, c2, c3) − 1.
    static member private Back(c0: uint32, c1: uint32, c2: uint32, c3: uint32) =
        if c0 <> 0u then
            struct (c0 - 1u, c1, c2, c3)
        elif c1 <> 0u then
            struct (UInt32.MaxValue, c1 - 1u, c2, c3)
        elif c2 <> 0u then
            struct (UInt32.MaxValue, UInt32.MaxValue, c2 - 1u, c3)
        else
            struct (UInt32.MaxValue, UInt32.MaxValue, UInt32.MaxValue, c3 - 1u)

    member private _.Refill() =
        // a stream that used up the blocks a batch handed it is one of the few that draw many variates
        let overflow = handed > 0

        if overflow then
            overflows <- overflows + 1
            handed <- 0

        if limit > 0 then
            let struct (c0, c1, c2, c3) =
                Philox4x32.Add(base0, base1, base2, base3, uint32 (limit >>> 2))

            base0 <- c0
            base1 <- c1
            base2 <- c2
            base3 <- c3

        let c0, c1, c2, c3 = base0, base1, base2, base3

        if fresh && not overflow then
            // a lone block costs less than a batch's latency, and most group streams need no second one
            PhiloxBlocks.one key0 key1 c0 c1 c2 c3 buffer 0
            limit <- 4
        elif c0 <= UInt32.MaxValue - uint32 (PhiloxBlocks.Stride - 1) then
            PhiloxBlocks.blocks (PhiloxBlocks.simd ()) key0 key1 c0 c1 c2 c3 1u 0u buffer 0
            limit <- 4 * PhiloxBlocks.Stride
        else
            // word 0 wraps inside the buffer: one block at a time, carrying into the higher words
            for i in 0 .. PhiloxBlocks.Stride - 1 do
                let struct (d0, d1, d2, d3) = Philox4x32.Add(c0, c1, c2, c3, uint32 i)
                PhiloxBlocks.one key0 key1 d0 d1 d2 d3 buffer i

            limit <- 4 * PhiloxBlocks.Stride

        fresh <- false
        pos <- 0
        words <- buffer
        first <- 0
        blockShift <- 0

    /// The 53 bits of a double from two consecutive outputs (in the low 32 bits of each word): 27 of the first, 26
    /// of the second.
    [<MethodImpl(MethodImplOptions.AggressiveInlining)>]
    static member internal Bits53(first: uint64, second: uint64) : int64 =
        (int64 (uint32 first >>> 5) <<< 26) ||| int64 (uint32 second >>> 6)

    /// Where buffered output p is in `words`.
    [<MethodImpl(MethodImplOptions.AggressiveInlining)>]
    member private _.At(p: int) =
        first + (p &&& 3) * PhiloxBlocks.Stride + ((p >>> 2) <<< blockShift)

    /// The next 32-bit output.
    member g.NextUInt32() : uint32 =
        if pos = limit then
            g.Refill()

        let p = pos
        pos <- p + 1
        uint32 words.[g.At p]

    /// `NextBits53` when the buffer is used up or a single output was taken, into `slowBits`.
    member private g.NextBitsSlow() =
        if pos = limit then
            g.Refill()

        // after a single output the pair straddles two outputs (perhaps two blocks)
        let a = g.NextUInt32()
        let b = g.NextUInt32()
        slowBits <- Philox4x32.Bits53(uint64 a, uint64 b)

    /// The 53 random bits of the next double, an integer in [0, 2⁵³): the double is this times 2⁻⁵³; 27 bits of one
    /// output, 26 of the next. Unless single outputs were taken, doubles take outputs (0, 1) or (2, 3) of one block.
    [<MethodImpl(MethodImplOptions.AggressiveInlining)>]
    member internal g.NextBits53() : int64 =
        let p = pos

        if p < limit && p &&& 1 = 0 then
            pos <- p + 2
            let i = g.At p
            let w = words
            Philox4x32.Bits53(w.[i], w.[i + PhiloxBlocks.Stride])
        else
            // through a field rather than returned: a call in tail position would carry F#'s tail prefix, and a
            // method holding one is never inlined
            g.NextBitsSlow()
            slowBits

    /// `NextDouble` without the virtual call.
    [<MethodImpl(MethodImplOptions.AggressiveInlining)>]
    member internal g.NextDoubleDirect() : float =
        float (g.NextBits53()) * (1.0 / 9007199254740992.0)

    /// A double in [0, 1) with 53 random bits (two outputs).
    override g.NextDouble() = g.NextDoubleDirect()

    override g.Sample() = g.NextDouble()

    /// A non-negative int below Int32.MaxValue.
    override g.Next() =
        let mutable x = int (g.NextUInt32() >>> 1)

        while x = Int32.MaxValue do
            x <- int (g.NextUInt32() >>> 1)

        x

    override g.NextBytes(buffer: byte[]) =
        for i in 0 .. buffer.Length - 1 do
            buffer.[i] <- byte (g.NextUInt32())

    /// The whole state: key, counter of the next block, and the position in the current block, as four words
    /// (key1·2³² + key0, counter words 1·2³² + 0 and 3·2³² + 2, position). Position 4 means the current block is used
    /// up, so a stream that has taken a whole number of blocks reads (counter of its next block, 4).
    member _.State: uint64[] =
        let within = pos &&& 3
        let blocks = uint32 (pos >>> 2) + (if within = 0 then 0u else 1u)
        let struct (c0, c1, c2, c3) = Philox4x32.Add(base0, base1, base2, base3, blocks)

        [|
            (uint64 key1 <<< 32) ||| uint64 key0
            (uint64 c1 <<< 32) ||| uint64 c0
            (uint64 c3 <<< 32) ||| uint64 c2
            (if within = 0 then 4UL else uint64 within)
        |]

    /// Sets the stream to counter (c0, c1, c2, c3), nothing buffered.
    member private _.SetCounter(c0, c1, c2, c3) =
        base0 <- c0
        base1 <- c1
        base2 <- c2
        base3 <- c3
        pos <- 0
        limit <- 0
        fresh <- true
        handed <- 0
        words <- buffer
        first <- 0
        blockShift <- 0

    /// A generator continuing exactly where the one whose `State` this was stood.
    static member FromState(state: uint64[]) : Philox4x32 =
        if isNull state || state.Length <> 4 || state.[3] > 4UL then
            invalidArg "state" "a Philox4x32 state is four words (key, counter low, counter high, position 0..4)."

        let g = Philox4x32(uint32 state.[0], uint32 (state.[0] >>> 32))
        let c0, c1 = uint32 state.[1], uint32 (state.[1] >>> 32)
        let c2, c3 = uint32 state.[2], uint32 (state.[2] >>> 32)

        if state.[3] < 4UL then
            // the current block belongs to the counter before the stored one: start there and skip the used outputs
            let struct (b0, b1, b2, b3) = Philox4x32.Back(c0, c1, c2, c3)
            g.SetCounter(b0, b1, b2, b3)
            g.Skip(int state.[3])
        else
            g.SetCounter(c0, c1, c2, c3)

        g

    member private g.Skip(outputs: int) =
        g.Refill()
        pos <- outputs

    /// The generator of stream `stream` under `seed` (key = (seed, stream)), from counter 0.
    static member Create(seed: int, stream: int) = Philox4x32(uint32 seed, uint32 stream)

    /// Moves this generator, keeping its key, to the start of group `group`'s stream for update `update` in sweep
    /// `sweep`: counter (0, group, sweep, update ||| 2³¹). The high bit keeps these streams apart from the chain's
    /// sequential stream, which starts at counter 0. Allocates nothing, so a group-wise update can call it per group.
    member g.Reset(update: int, sweep: int, group: int) =
        g.SetCounter(0u, uint32 group, uint32 sweep, uint32 update ||| 0x80000000u)

    /// Blocks 0..depth−1 of the streams of groups group..group+7 of update `update` in sweep `sweep` (see `Reset`),
    /// computed together: block d of group + i at lane i of out.[4·d·Stride ..] (layout of `PhiloxBlocks.Stride`).
    member internal _.FirstBlocks(update: int, sweep: int, group: int, depth: int, out: uint64[]) =
        let c3 = uint32 update ||| 0x80000000u

        for d in 0 .. depth - 1 do
            PhiloxBlocks.blocks
                (PhiloxBlocks.simd ())
                key0
                key1
                (uint32 d)
                (uint32 group)
                (uint32 sweep)
                c3
                0u
                1u
                out
                (4 * d * PhiloxBlocks.Stride)

    /// `Reset(update, sweep, group)` with the stream's first `depth` blocks already computed (lane `lane` of `out`,
    /// from `FirstBlocks`, read in place until they are used up, so `out` must not change meanwhile): the generator
    /// then draws exactly what `Reset` would give.
    [<MethodImpl(MethodImplOptions.AggressiveInlining)>]
    member internal _.ResetWithBlocks(update: int, sweep: int, group: int, out: uint64[], lane: int, depth: int) =
        // the stream being left was handed blocks it never reached
        if handed > 0 && pos <= limit - 4 then
            shortfalls <- shortfalls + 1

        base0 <- 0u
        base1 <- uint32 group
        base2 <- uint32 sweep
        base3 <- uint32 update ||| 0x80000000u
        pos <- 0
        limit <- 4 * depth
        fresh <- true
        handed <- depth
        // read in place: block d of the lane is 4·Stride words after block d − 1
        words <- out
        first <- lane
        blockShift <- Numerics.BitOperations.Log2(uint32 (4 * PhiloxBlocks.Stride))

    /// Streams handed out by `ResetWithBlocks` since the last `ClearTallies` that needed more blocks than they were
    /// handed, and that needed fewer (the latter counted when the next one is handed out).
    member internal _.Tallies = struct (overflows, shortfalls)

    /// Restarts `Tallies`.
    member internal _.ClearTallies() =
        overflows <- 0
        shortfalls <- 0

    /// The stream of group `group` of update `update` in sweep `sweep` of chain `chain` under `seed`: key
    /// (seed, chain), counter (0, group, sweep, update ||| 2³¹). Its draws depend on nothing else, so they are the
    /// same however the groups are split across threads or machines.
    static member ForGroup(seed: int, chain: int, update: int, sweep: int, group: int) : Philox4x32 =
        let g = Philox4x32.Create(seed, chain)
        g.Reset(update, sweep, group)
        g
