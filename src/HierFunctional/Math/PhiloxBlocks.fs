namespace HierFunctional

open System.Runtime.CompilerServices
open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.X86

/// Several Philox4x32-10 blocks at once (the rounds of `Philox4x32.Block`). One block's ten rounds each wait on a
/// multiplication, so a lone block is latency-bound; independent blocks computed together fill that wait. With AVX2
/// four blocks share each instruction (`vpmuludq` multiplies four 32-bit words into four 64-bit products) and two
/// such sets interleave; without it, four blocks interleave in scalar code. Both give the reference function's words.
[<RequireQualifiedAccess>]
module internal PhiloxBlocks =

    /// Lanes per output row: word w (0..3) of lane i is at out.[w * Stride + i], in the low 32 bits (the SIMD kernel
    /// leaves the high 32 bits unspecified, so readers truncate).
    [<Literal>]
    let Stride = 8

    /// Whether this machine computes blocks with AVX2 (a constant once the method is compiled).
    let simd () = Avx2.IsSupported

    // Every kernel keeps words 1 and 3 already xored with the next round's key (y = x ^ k): a round is then
    // multiply, shift, xor on its critical path, where x ^ k ^ hi would put two xors after the multiply (the JIT
    // does not reassociate them). The words come back as y ^ k after the last round.

    /// One block of counter (c0, c1, c2, c3) under key (k0, k1) into lane `lane` of `out`.
    [<MethodImpl(MethodImplOptions.AggressiveInlining)>]
    let one (k0: uint32) (k1: uint32) (c0: uint32) (c1: uint32) (c2: uint32) (c3: uint32) (out: uint64[]) (lane: int) =
        let mutable x0, x2 = c0, c2
        let mutable k0, k1 = k0, k1
        let mutable y1, y3 = c1 ^^^ k0, c3 ^^^ k1

        for _ in 0..9 do
            let p0 = 0xD2511F53UL * uint64 x0
            let p1 = 0xCD9E8D57UL * uint64 x2
            x0 <- uint32 (p1 >>> 32) ^^^ y1
            x2 <- uint32 (p0 >>> 32) ^^^ y3
            k0 <- k0 + 0x9E3779B9u
            k1 <- k1 + 0xBB67AE85u
            y1 <- uint32 p1 ^^^ k0
            y3 <- uint32 p0 ^^^ k1

        out.[lane] <- uint64 x0
        out.[Stride + lane] <- uint64 (y1 ^^^ k0)
        out.[2 * Stride + lane] <- uint64 x2
        out.[3 * Stride + lane] <- uint64 (y3 ^^^ k1)

    /// Four blocks in scalar code, lane i of counter (c0 + i·d0, c1 + i·d1, c2, c3), into lanes first..first+3.
    let private scalar4 k0 k1 (c0: uint32) (c1: uint32) c2 c3 (d0: uint32) (d1: uint32) (out: uint64[]) (first: int) =
        let mutable a0, a1, a2, a3 = c0, (c1 ^^^ k0), c2, (c3 ^^^ k1)
        let mutable b0, b1, b2, b3 = c0 + d0, ((c1 + d1) ^^^ k0), c2, (c3 ^^^ k1)
        let mutable e0, e1, e2, e3 = c0 + 2u * d0, ((c1 + 2u * d1) ^^^ k0), c2, (c3 ^^^ k1)
        let mutable f0, f1, f2, f3 = c0 + 3u * d0, ((c1 + 3u * d1) ^^^ k0), c2, (c3 ^^^ k1)
        let mutable k0, k1 = k0, k1

        for _ in 0..9 do
            // the round of `one` on each lane (words 1 and 3 pre-keyed)
            let pa0, pa1 = 0xD2511F53UL * uint64 a0, 0xCD9E8D57UL * uint64 a2
            let pb0, pb1 = 0xD2511F53UL * uint64 b0, 0xCD9E8D57UL * uint64 b2
            let pe0, pe1 = 0xD2511F53UL * uint64 e0, 0xCD9E8D57UL * uint64 e2
            let pf0, pf1 = 0xD2511F53UL * uint64 f0, 0xCD9E8D57UL * uint64 f2
            a0 <- uint32 (pa1 >>> 32) ^^^ a1
            a2 <- uint32 (pa0 >>> 32) ^^^ a3
            b0 <- uint32 (pb1 >>> 32) ^^^ b1
            b2 <- uint32 (pb0 >>> 32) ^^^ b3
            e0 <- uint32 (pe1 >>> 32) ^^^ e1
            e2 <- uint32 (pe0 >>> 32) ^^^ e3
            f0 <- uint32 (pf1 >>> 32) ^^^ f1
            f2 <- uint32 (pf0 >>> 32) ^^^ f3
            k0 <- k0 + 0x9E3779B9u
            k1 <- k1 + 0xBB67AE85u
            a1 <- uint32 pa1 ^^^ k0
            a3 <- uint32 pa0 ^^^ k1
            b1 <- uint32 pb1 ^^^ k0
            b3 <- uint32 pb0 ^^^ k1
            e1 <- uint32 pe1 ^^^ k0
            e3 <- uint32 pe0 ^^^ k1
            f1 <- uint32 pf1 ^^^ k0
            f3 <- uint32 pf0 ^^^ k1

        a1 <- a1 ^^^ k0
        b1 <- b1 ^^^ k0
        e1 <- e1 ^^^ k0
        f1 <- f1 ^^^ k0
        a3 <- a3 ^^^ k1
        b3 <- b3 ^^^ k1
        e3 <- e3 ^^^ k1
        f3 <- f3 ^^^ k1
        out.[first] <- uint64 a0
        out.[first + 1] <- uint64 b0
        out.[first + 2] <- uint64 e0
        out.[first + 3] <- uint64 f0
        out.[Stride + first] <- uint64 a1
        out.[Stride + first + 1] <- uint64 b1
        out.[Stride + first + 2] <- uint64 e1
        out.[Stride + first + 3] <- uint64 f1
        out.[2 * Stride + first] <- uint64 a2
        out.[2 * Stride + first + 1] <- uint64 b2
        out.[2 * Stride + first + 2] <- uint64 e2
        out.[2 * Stride + first + 3] <- uint64 f2
        out.[3 * Stride + first] <- uint64 a3
        out.[3 * Stride + first + 1] <- uint64 b3
        out.[3 * Stride + first + 2] <- uint64 e3
        out.[3 * Stride + first + 3] <- uint64 f3

    /// The lanes' counter words: (c + first·d, c + (first + 1)·d, ...), each in a 64-bit lane.
    let private laneWords (c: uint32) (d: uint32) (first: uint32) =
        Vector256.Create(
            uint64 (c + first * d),
            uint64 (c + (first + 1u) * d),
            uint64 (c + (first + 2u) * d),
            uint64 (c + (first + 3u) * d)
        )

    /// Eight blocks with AVX2: two sets of four lanes, interleaved so each waits on the other's multiplications. The
    /// words ride in the low halves of 64-bit lanes: `vpmuludq` reads only those, so the products' high halves left
    /// in words 1 and 3 (and carries in the key lanes) never reach a result.
    let private simd8 k0 k1 c0 c1 (c2: uint32) (c3: uint32) d0 d1 (out: uint64[]) (at: int) =
        let m0 = Vector256.Create 0xD2511F53u
        let m1 = Vector256.Create 0xCD9E8D57u
        let w0 = Vector256.Create 0x9E3779B9UL
        let w1 = Vector256.Create 0xBB67AE85UL
        let mutable k0 = Vector256.Create(uint64 k0)
        let mutable k1 = Vector256.Create(uint64 k1)
        let mutable a0 = laneWords c0 d0 0u
        let mutable a1 = Avx2.Xor(laneWords c1 d1 0u, k0)
        let mutable a2 = Vector256.Create(uint64 c2)
        let mutable a3 = Avx2.Xor(Vector256.Create(uint64 c3), k1)
        let mutable b0 = laneWords c0 d0 4u
        let mutable b1 = Avx2.Xor(laneWords c1 d1 4u, k0)
        let mutable b2 = a2
        let mutable b3 = a3

        for _ in 0..9 do
            let pa0 = Avx2.Multiply(a0.AsUInt32(), m0)
            let pa1 = Avx2.Multiply(a2.AsUInt32(), m1)
            let pb0 = Avx2.Multiply(b0.AsUInt32(), m0)
            let pb1 = Avx2.Multiply(b2.AsUInt32(), m1)
            a0 <- Avx2.Xor(Avx2.ShiftRightLogical(pa1, 32uy), a1)
            a2 <- Avx2.Xor(Avx2.ShiftRightLogical(pa0, 32uy), a3)
            b0 <- Avx2.Xor(Avx2.ShiftRightLogical(pb1, 32uy), b1)
            b2 <- Avx2.Xor(Avx2.ShiftRightLogical(pb0, 32uy), b3)
            k0 <- Avx2.Add(k0, w0)
            k1 <- Avx2.Add(k1, w1)
            a1 <- Avx2.Xor(pa1, k0)
            a3 <- Avx2.Xor(pa0, k1)
            b1 <- Avx2.Xor(pb1, k0)
            b3 <- Avx2.Xor(pb0, k1)

        a1 <- Avx2.Xor(a1, k0)
        a3 <- Avx2.Xor(a3, k1)
        b1 <- Avx2.Xor(b1, k0)
        b3 <- Avx2.Xor(b3, k1)
        a0.CopyTo(out, at)
        b0.CopyTo(out, at + 4)
        a1.CopyTo(out, at + Stride)
        b1.CopyTo(out, at + Stride + 4)
        a2.CopyTo(out, at + 2 * Stride)
        b2.CopyTo(out, at + 2 * Stride + 4)
        a3.CopyTo(out, at + 3 * Stride)
        b3.CopyTo(out, at + 3 * Stride + 4)

    /// Eight blocks under key (k0, k1), lane i of counter (c0 + i·d0, c1 + i·d1, c2, c3), into out.[at ..] (word w
    /// of lane i at at + w·Stride + i): d0 = 1 gives a stream's consecutive blocks, d1 = 1 the blocks of consecutive
    /// groups. The caller makes sure no lane's word 0 or 1 wraps (there is no carry between words). `simd` is
    /// `simd ()` except in tests, which check the scalar kernel on machines with AVX2 too.
    let blocks (simd: bool) k0 k1 c0 c1 c2 c3 d0 d1 (out: uint64[]) (at: int) =
        if simd && Avx2.IsSupported then
            simd8 k0 k1 c0 c1 c2 c3 d0 d1 out at
        else
            scalar4 k0 k1 c0 c1 c2 c3 d0 d1 out at
            scalar4 k0 k1 (c0 + 4u * d0) (c1 + 4u * d1) c2 c3 d0 d1 out (at + 4)
