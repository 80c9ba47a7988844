namespace HierFunctional

open System

/// Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011; Random123): a counter-based generator whose whole state is a key
/// (seed, stream) and a 128-bit counter, so it can be read, stored and set without reflection, and any stream can
/// be started at any counter. Each counter value gives a block of four 32-bit outputs; a double takes two.
/// The samplers' generator: a chain's sequential stream is key (seed, chain) from counter 0, and each group of a
/// group-wise update has its own stream (`ForGroup`); see docs/architecture.md, "The generator".
[<Sealed>]
type Philox4x32(key0: uint32, key1: uint32) =
    inherit Random()

    let mutable ctr0 = 0u
    let mutable ctr1 = 0u
    let mutable ctr2 = 0u
    let mutable ctr3 = 0u
    // The current block's four outputs, in fields rather than an array (no bounds checks, no indirection).
    let mutable out0 = 0u
    let mutable out1 = 0u
    let mutable out2 = 0u
    let mutable out3 = 0u
    // Next output of the current block; 4 means the block is used up (the next output computes the block of the counter).
    let mutable index = 4

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

    member private _.Refill() =
        // the rounds of `Block`, on locals (no arrays per block); the constants are written out rather than read
        // from the static fields, so the loop has no static-initialisation checks
        let mutable c0, c1, c2, c3 = ctr0, ctr1, ctr2, ctr3
        let mutable k0, k1 = key0, key1

        for _ in 0..9 do
            let p0 = 0xD2511F53UL * uint64 c0
            let p1 = 0xCD9E8D57UL * uint64 c2
            let n0 = uint32 (p1 >>> 32) ^^^ c1 ^^^ k0
            let n2 = uint32 (p0 >>> 32) ^^^ c3 ^^^ k1
            c0 <- n0
            c1 <- uint32 p1
            c2 <- n2
            c3 <- uint32 p0
            // the key bump after the last round is never read
            k0 <- k0 + 0x9E3779B9u
            k1 <- k1 + 0xBB67AE85u

        out0 <- c0
        out1 <- c1
        out2 <- c2
        out3 <- c3
        // the 128-bit counter steps by one (carry through the words)
        ctr0 <- ctr0 + 1u

        if ctr0 = 0u then
            ctr1 <- ctr1 + 1u

            if ctr1 = 0u then
                ctr2 <- ctr2 + 1u

                if ctr2 = 0u then
                    ctr3 <- ctr3 + 1u

        index <- 0

    /// The next 32-bit output.
    member g.NextUInt32() : uint32 =
        if index = 4 then
            g.Refill()

        let x =
            match index with
            | 0 -> out0
            | 1 -> out1
            | 2 -> out2
            | _ -> out3

        index <- index + 1
        x

    /// A double in [0, 1) with 53 random bits (two outputs): 27 bits of the first, 26 of the second.
    static member inline private ToDouble(a: uint32, b: uint32) =
        (float (a >>> 5) * 67108864.0 + float (b >>> 6)) * (1.0 / 9007199254740992.0)

    /// `NextDouble` without the virtual call: doubles take outputs in pairs, so unless single outputs were taken
    /// the pair is (0, 1) or (2, 3) of one block.
    member internal g.NextDoubleDirect() : float =
        if index = 4 then
            g.Refill()

        if index = 0 then
            index <- 2
            Philox4x32.ToDouble(out0, out1)
        elif index = 2 then
            index <- 4
            Philox4x32.ToDouble(out2, out3)
        else
            let a = g.NextUInt32()
            Philox4x32.ToDouble(a, g.NextUInt32())

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
    /// (key1·2³² + key0, counter words 1·2³² + 0 and 3·2³² + 2, position).
    member _.State: uint64[] =
        [|
            (uint64 key1 <<< 32) ||| uint64 key0
            (uint64 ctr1 <<< 32) ||| uint64 ctr0
            (uint64 ctr3 <<< 32) ||| uint64 ctr2
            uint64 index
        |]

    /// A generator continuing exactly where the one whose `State` this was stood.
    static member FromState(state: uint64[]) : Philox4x32 =
        if isNull state || state.Length <> 4 || state.[3] > 4UL then
            invalidArg "state" "a Philox4x32 state is four words (key, counter low, counter high, position 0..4)."

        let g = Philox4x32(uint32 state.[0], uint32 (state.[0] >>> 32))
        g.SetCounter(uint32 state.[1], uint32 (state.[1] >>> 32), uint32 state.[2], uint32 (state.[2] >>> 32))

        if state.[3] < 4UL then
            // the current block belongs to the counter before the stored one: step back, recompute, step on
            g.StepBack()
            g.Refill()
            g.SetPosition(int state.[3])

        g

    member private _.SetCounter(a, b, c, d) =
        ctr0 <- a
        ctr1 <- b
        ctr2 <- c
        ctr3 <- d
        index <- 4

    member private _.StepBack() =
        if ctr0 = 0u then
            if ctr1 = 0u then
                if ctr2 = 0u then
                    ctr3 <- ctr3 - 1u

                ctr2 <- ctr2 - 1u

            ctr1 <- ctr1 - 1u

        ctr0 <- ctr0 - 1u

    member private _.SetPosition(i: int) = index <- i

    /// The generator of stream `stream` under `seed` (key = (seed, stream)), from counter 0.
    static member Create(seed: int, stream: int) = Philox4x32(uint32 seed, uint32 stream)

    /// Moves this generator, keeping its key, to the start of group `group`'s stream for update `update` in sweep
    /// `sweep`: counter (0, group, sweep, update ||| 2³¹). The high bit keeps these streams apart from the chain's
    /// sequential stream, which starts at counter 0. Allocates nothing, so a group-wise update can call it per group.
    member _.Reset(update: int, sweep: int, group: int) =
        ctr0 <- 0u
        ctr1 <- uint32 group
        ctr2 <- uint32 sweep
        ctr3 <- uint32 update ||| 0x80000000u
        index <- 4

    /// The first blocks (counter word 0 at 0) of the streams of groups group..group+3 of update `update` in sweep
    /// `sweep` (see `Reset`), into out.[4i .. 4i+3] for group + i. Computed together: one block's rounds wait on
    /// each other's multiplications, four independent blocks interleave in about the same time.
    member internal _.FirstBlocks4(update: int, sweep: int, group: int, out: uint32[]) =
        let c2 = uint32 sweep
        let c3 = uint32 update ||| 0x80000000u
        let mutable a0, a1, a2, a3 = 0u, uint32 group, c2, c3
        let mutable b0, b1, b2, b3 = 0u, uint32 (group + 1), c2, c3
        let mutable d0, d1, d2, d3 = 0u, uint32 (group + 2), c2, c3
        let mutable e0, e1, e2, e3 = 0u, uint32 (group + 3), c2, c3
        let mutable k0, k1 = key0, key1

        for _ in 0..9 do
            // the round of `Refill` on each lane: new word 1 and 3 are read after words 0 and 2 used the old ones
            let pa0, pa1 = 0xD2511F53UL * uint64 a0, 0xCD9E8D57UL * uint64 a2
            let pb0, pb1 = 0xD2511F53UL * uint64 b0, 0xCD9E8D57UL * uint64 b2
            let pd0, pd1 = 0xD2511F53UL * uint64 d0, 0xCD9E8D57UL * uint64 d2
            let pe0, pe1 = 0xD2511F53UL * uint64 e0, 0xCD9E8D57UL * uint64 e2
            a0 <- uint32 (pa1 >>> 32) ^^^ a1 ^^^ k0
            a2 <- uint32 (pa0 >>> 32) ^^^ a3 ^^^ k1
            a1 <- uint32 pa1
            a3 <- uint32 pa0
            b0 <- uint32 (pb1 >>> 32) ^^^ b1 ^^^ k0
            b2 <- uint32 (pb0 >>> 32) ^^^ b3 ^^^ k1
            b1 <- uint32 pb1
            b3 <- uint32 pb0
            d0 <- uint32 (pd1 >>> 32) ^^^ d1 ^^^ k0
            d2 <- uint32 (pd0 >>> 32) ^^^ d3 ^^^ k1
            d1 <- uint32 pd1
            d3 <- uint32 pd0
            e0 <- uint32 (pe1 >>> 32) ^^^ e1 ^^^ k0
            e2 <- uint32 (pe0 >>> 32) ^^^ e3 ^^^ k1
            e1 <- uint32 pe1
            e3 <- uint32 pe0
            k0 <- k0 + 0x9E3779B9u
            k1 <- k1 + 0xBB67AE85u

        out.[15] <- e3
        out.[0] <- a0
        out.[1] <- a1
        out.[2] <- a2
        out.[3] <- a3
        out.[4] <- b0
        out.[5] <- b1
        out.[6] <- b2
        out.[7] <- b3
        out.[8] <- d0
        out.[9] <- d1
        out.[10] <- d2
        out.[11] <- d3
        out.[12] <- e0
        out.[13] <- e1
        out.[14] <- e2

    /// `Reset(update, sweep, group)` with the first block already computed (out.[at .. at+3], from `FirstBlocks4`):
    /// the generator is then exactly where `Reset` and one refill would leave it.
    member internal _.ResetWithBlock(update: int, sweep: int, group: int, out: uint32[], at: int) =
        ctr0 <- 1u
        ctr1 <- uint32 group
        ctr2 <- uint32 sweep
        ctr3 <- uint32 update ||| 0x80000000u
        out0 <- out.[at]
        out1 <- out.[at + 1]
        out2 <- out.[at + 2]
        out3 <- out.[at + 3]
        index <- 0

    /// The stream of group `group` of update `update` in sweep `sweep` of chain `chain` under `seed`: key
    /// (seed, chain), counter (0, group, sweep, update ||| 2³¹). Its draws depend on nothing else, so they are the
    /// same however the groups are split across threads or machines.
    static member ForGroup(seed: int, chain: int, update: int, sweep: int, group: int) : Philox4x32 =
        let g = Philox4x32.Create(seed, chain)
        g.Reset(update, sweep, group)
        g
