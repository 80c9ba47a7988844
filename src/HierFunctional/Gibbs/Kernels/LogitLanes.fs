namespace HierFunctional

open System
open System.Runtime.Intrinsics

/// `LogitKernel`'s Laplace-t independence MH step for many one-child elements at once, and the sums of the τ
/// interweaving step, four lanes to a vector: the exponentials and logarithms, most of a step's time when taken one
/// at a time, come four to a call. Every lane's arithmetic reads only its own element, so an element's draw is the
/// same whichever range or lane it falls in. The proposal is `LogitKernel`'s (ν = 16 t at the one-Newton-step
/// Laplace centre and scale); each element always takes its acceptance uniform, so the step is exact as before.
[<RequireQualifiedAccess>]
module internal LogitLanes =

    /// Lanes per vector.
    [<Literal>]
    let Width = 4

    /// Degrees of freedom of the t proposal, `LogitKernel.ProposalDof`'s: for 16, w^(−2/ν) is three square roots.
    [<Literal>]
    let Dof = 16.0

    /// n rounded up to whole vectors.
    let padded (n: int) = (n + Width - 1) / Width * Width

    /// Four lanes of a from i.
    let inline load (a: float[]) (i: int) : Vector256<float> =
        Vector256.Create<float>(ReadOnlySpan<float>(a, i, Width))

    /// e^x lane by lane.
    let inline vexp (x: Vector256<float>) : Vector256<float> = Vector256.Exp x
    /// log x lane by lane.
    let inline vlog (x: Vector256<float>) : Vector256<float> = Vector256.Log x
    let inline private lane (v: Vector256<float>) (k: int) : float = v.GetElement k

    /// Writes four lanes to a from i.
    let inline store (v: Vector256<float>) (a: float[]) (i: int) = v.CopyTo(Span<float>(a, i, Width))

    /// x in every lane.
    let inline splat (x: float) = Vector256.Create x

    /// The per-element data of one-child informative elements (Σy, Σn, offset, coefficient) with the Newton start's
    /// parts that read no parameter: W = c²N p̂(1 − p̂) and V = W (logit p̂ − o)/c (see `LogitKernel.laplace`). Padded
    /// by one vector of a harmless element (y = 0, n = 1, o = 0, c = 1), so a vector may start at any element.
    type Cells =
        {
            Count: int
            Y: float[]
            N: float[]
            O: float[]
            C: float[]
            W: float[]
            V: float[]
        }

    /// The cells of elements with one informative child each (n > 0, c ≠ 0).
    let cells (y: float[]) (n: float[]) (o: float[]) (c: float[]) : Cells =
        let count = y.Length
        let struct (w0, ell) = LogitKernel.empirical y n

        let pad (fill: float) (f: int -> float) =
            Array.init (count + Width) (fun j -> if j < count then f j else fill)

        let w j = c.[j] * c.[j] * w0.[j]

        {
            Count = count
            Y = pad 0.0 (fun j -> y.[j])
            N = pad 1.0 (fun j -> n.[j])
            O = pad 0.0 (fun j -> o.[j])
            C = pad 1.0 (fun j -> c.[j])
            W = pad 0.25 w
            V = pad 0.0 (fun j -> w j * (ell.[j] - o.[j]) / c.[j])
        }

    /// Per-range working arrays, indexed from the range's first element, whole vectors long.
    type Scratch =
        {
            Theta0: float[]
            Mode: float[]
            SqrtH: float[]
            PolarU: float[]
            PolarW: float[]
            U: float[]
            Next: float[]
        }

    /// Working arrays for ranges of up to n elements.
    let scratch (n: int) : Scratch =
        let z () = Array.zeroCreate<float>(padded n)

        {
            Theta0 = z ()
            Mode = z ()
            SqrtH = z ()
            PolarU = z ()
            PolarW = z ()
            U = z ()
            Next = z ()
        }

    /// For elements lo..hi−1: the proposal centre after one Newton step from the precision-weighted start and
    /// √(curvature) there, into Mode and SqrtH (free of the current values).
    let centres (d: Cells) (m: float) (prec: float) (lo: int) (hi: int) (w: Scratch) =
        let vm, vprec, one = splat m, splat prec, Vector256<float>.One
        let mp = vm * vprec

        // vector loop over the range (local writes to this range's scratch)
        for r in 0..Width .. hi - lo - 1 do
            let j = lo + r
            let o, c, y, n = load d.O j, load d.C j, load d.Y j, load d.N j
            let ww = load d.W j
            let x = (mp + load d.V j) / (vprec + ww)
            let p = one / (one + vexp (-(o + c * x)))
            let g = (vm - x) * vprec + c * (y - n * p)
            let h = vprec + c * c * n * p * (one - p)
            store (x + g / h) w.Mode r
            store (Vector256.Sqrt h) w.SqrtH r

    /// The t draws with ν = `Dof` of polar points (u, w) (`LogitKernel.polarPoint`): u √(ν(w^(−2/ν) − 1)/w), with
    /// w^(−1/8) by three square roots.
    let inline studentT (u: Vector256<float>) (w: Vector256<float>) =
        let one = Vector256<float>.One

        u
        * Vector256.Sqrt(splat Dof * (one / Vector256.Sqrt(Vector256.Sqrt(Vector256.Sqrt w)) - one) / w)

    /// `studentT` over arrays of polar points, whole vectors long (for tests of the variate).
    let studentTs (u: float[]) (w: float[]) : float[] =
        let t = Array.zeroCreate<float> u.Length

        for i in 0..Width .. u.Length - 1 do
            store (studentT (load u i) (load w i)) t i

        t

    /// Blocks per group that `polarFromBlocks` reads: a polar point's first two tries and the uniform after either.
    [<Literal>]
    let PolarDepth = 3

    /// `Philox4x32.NextDoubleDirect` of four lanes from their outputs a and b (low 32 bits of each word), exactly:
    /// the 27 and 26 bits become doubles apart (exact below 2⁵², by the exponent trick) and are joined exactly.
    let inline private doubles (a: Vector256<uint64>) (b: Vector256<uint64>) =
        let low, magic =
            Vector256.Create 0xFFFFFFFFUL, Vector256.Create 0x4330000000000000UL

        let two52 = splat 4503599627370496.0
        let hi = Vector256.ShiftRightLogical(a &&& low, 5) ||| magic
        let lo = Vector256.ShiftRightLogical(b &&& low, 6) ||| magic

        ((hi.AsDouble() - two52) * splat 67108864.0 + (lo.AsDouble() - two52))
        * splat (1.0 / 9007199254740992.0)

    /// The doubles of outputs k and k + 1 of block `block` of lanes first .. first + 3 of `GroupStream.Blocks`' array.
    let inline private blockDouble (blocks: uint64[]) (block: int) (k: int) (first: int) =
        let at = 4 * block * PhiloxBlocks.Stride + k * PhiloxBlocks.Stride + first

        doubles
            (Vector256.Create<uint64>(ReadOnlySpan<uint64>(blocks, at, Width)))
            (Vector256.Create<uint64>(ReadOnlySpan<uint64>(blocks, at + PhiloxBlocks.Stride, Width)))

    /// What `LogitKernel.polarPoint` and then one `NextDoubleDirect` draw from each of the streams of `count` (≤ 8)
    /// consecutive groups, read from their first `PolarDepth` blocks (`GroupStream.Blocks`) into PolarU, PolarW and U
    /// from r: the first try is block 0 and, if inside the disc, the uniform block 1's first double; else the second
    /// try is block 1 and the uniform block 2's first double. Returns the bit mask of groups whose two tries both
    /// fail (about 1 in 22); their three values here are not the draws, and the caller takes those from the stream.
    let polarFromBlocks (blocks: uint64[]) (count: int) (w: Scratch) (r: int) : int =
        let one, two, zero = Vector256<float>.One, splat 2.0, Vector256<float>.Zero
        let mutable failed = 0

        // at most two vectors of lanes (writes to this range's scratch)
        for first in 0..Width .. count - 1 do
            let u1 = two * blockDouble blocks 0 0 first - one
            let v1 = two * blockDouble blocks 0 2 first - one
            let d10 = blockDouble blocks 1 0 first
            let u2, v2 = two * d10 - one, two * blockDouble blocks 1 2 first - one
            let w1, w2 = u1 * u1 + v1 * v1, u2 * u2 + v2 * v2
            let ok1 = Vector256.GreaterThan(w1, zero) &&& Vector256.LessThan(w1, one)
            let ok2 = Vector256.GreaterThan(w2, zero) &&& Vector256.LessThan(w2, one)
            store (Vector256.ConditionalSelect(ok1, u1, u2)) w.PolarU (r + first)
            store (Vector256.ConditionalSelect(ok1, w1, w2)) w.PolarW (r + first)
            store (Vector256.ConditionalSelect(ok1, d10, blockDouble blocks 2 0 first)) w.U (r + first)
            let both = Vector256.OnesComplement(ok1 ||| ok2).ExtractMostSignificantBits()
            failed <- failed ||| (int both <<< first)

        failed &&& ((1 <<< count) - 1)

    /// softplus(e1) − softplus(e0) by the stable form, for a lane whose η leaves ±30.
    let private farSoftplus (e1: float) (e0: float) =
        LogitKernel.softplus e1 - LogitKernel.softplus e0

    /// For elements lo..hi−1 with current values in Theta0, polar points (`LogitKernel.polarPoint`) in PolarU, PolarW and uniforms in U: the
    /// t proposal θ1 = mode + t/√h and the MH decision of each, into Next (θ1 when log u < log α, else the current
    /// value). log α = the Normal(m, s) prior's log ratio plus y Δη − n Δsoftplus plus the t proposal's log ratio.
    let decide (d: Cells) (m: float) (s: float) (lo: int) (hi: int) (w: Scratch) =
        let nu = Dof
        let vm, invS, one = splat m, splat (1.0 / s), Vector256<float>.One
        let invNu, half, tPow = splat (1.0 / nu), splat (-0.5), splat (0.5 * (nu + 1.0))
        let limit = splat 30.0

        // vector loop over the range (local writes to this range's scratch)
        for r in 0..Width .. hi - lo - 1 do
            let j = lo + r
            let o, c, y, n = load d.O j, load d.C j, load d.Y j, load d.N j
            let mode, sqrtH = load w.Mode r, load w.SqrtH r
            let t = studentT (load w.PolarU r) (load w.PolarW r)
            let theta0, theta1 = load w.Theta0 r, mode + t / sqrtH
            let e1, e0 = o + c * theta1, o + c * theta0
            let ratio = (one + vexp e1) / (one + vexp e0)
            let z1, z0 = (theta1 - mode) * sqrtH, (theta0 - mode) * sqrtH
            let q = (one + z1 * z1 * invNu) / (one + z0 * z0 * invNu)
            let p1, p0 = (theta1 - vm) * invS, (theta0 - vm) * invS
            let prior = half * (p1 * p1 - p0 * p0)
            let rest = prior + y * (e1 - e0)
            let logQ = tPow * vlog q
            let mutable logAlpha = rest - n * vlog ratio + logQ

            let far =
                Vector256.GreaterThanOrEqual(Vector256.Abs e1, limit)
                ||| Vector256.GreaterThanOrEqual(Vector256.Abs e0, limit)

            let farBits = far.ExtractMostSignificantBits()

            if farBits <> 0u then
                // the stable softplus for lanes whose η leave ±30 (rare; each lane from its own element, no allocation)
                for k in 0 .. Width - 1 do
                    if farBits &&& (1u <<< k) <> 0u then
                        let fixedLane =
                            lane rest k - lane n k * farSoftplus (lane e1 k) (lane e0 k) + lane logQ k

                        logAlpha <- logAlpha.WithElement(k, fixedLane)

            let accept = Vector256.LessThan(vlog (load w.U r), logAlpha)
            store (Vector256.ConditionalSelect(accept, theta1, theta0)) w.Next r

    /// Padding of the τ step's cells: a cell with n = c = 0 adds nothing to any sum below.
    let private padCells (a: float[]) =
        Array.init (padded a.Length) (fun i -> if i < a.Length then a.[i] else 0.0)

    /// The τ interweaving step's collapsed cells: Σy, Σn, and the Newton start's data part (see `LogitKernel.empirical`),
    /// padded to whole vectors with cells that add nothing.
    type TauCells =
        {
            Y: float[]
            N: float[]
            W0: float[]
            Ell: float[]
        }

    /// The τ step's cells from their Σy and Σn.
    let tauCells (y: float[]) (n: float[]) : TauCells =
        let struct (w0, ell) = LogitKernel.empirical y n

        {
            Y = padCells y
            N = padCells n
            W0 = padCells w0
            Ell = padCells ell
        }

    /// `LogitKernel.laplaceWithin 1` over the cells with per-cell offsets o and coefficients c (padded with zeros):
    /// the centre after one Newton step from the precision-weighted start, and the curvature there. `prec` is the
    /// prior precision about 0.
    let laplaceOneStep (d: TauCells) (prec: float) (o: float[]) (c: float[]) : struct (float * float) =
        let mutable num, den = Vector256<float>.Zero, Vector256<float>.Zero

        // vector sums (local accumulation); padded cells have c = 0, so they are masked out of the start
        for i in 0..Width .. o.Length - 1 do
            let ci = load c i

            let informative =
                Vector256.GreaterThan(load d.N i, Vector256<float>.Zero)
                &&& Vector256.OnesComplement(Vector256.Equals(ci, Vector256<float>.Zero))

            let w = ci * ci * load d.W0 i
            let safeC = Vector256.ConditionalSelect(informative, ci, Vector256<float>.One)

            num <-
                num
                + Vector256.ConditionalSelect(informative, w * (load d.Ell i - load o i) / safeC, Vector256<float>.Zero)

            den <- den + Vector256.ConditionalSelect(informative, w, Vector256<float>.Zero)

        let x = Vector256.Sum num / (prec + Vector256.Sum den)
        let vx, one = splat x, Vector256<float>.One
        let mutable g, h = Vector256<float>.Zero, Vector256<float>.Zero

        // the derivatives at the start (local accumulation)
        for i in 0..Width .. o.Length - 1 do
            let ci, n = load c i, load d.N i
            let p = one / (one + vexp (-(load o i + ci * vx)))
            g <- g + ci * (load d.Y i - n * p)
            h <- h + ci * ci * n * p * (one - p)

        let gs = -x * prec + Vector256.Sum g
        let hs = prec + Vector256.Sum h
        struct (x + gs / hs, hs)

    /// Σ_k y_k Δη_k − n_k Δsoftplus_k between θ1 and θ0 over the cells (`LogitKernel.logConditionalRatio` without
    /// its prior).
    let logLikelihoodRatio (d: TauCells) (o: float[]) (c: float[]) (theta1: float) (theta0: float) =
        let v1, v0, one, limit =
            splat theta1, splat theta0, Vector256<float>.One, splat 30.0

        let mutable acc = Vector256<float>.Zero
        let mutable far = 0.0

        // vector sums (local accumulation); lanes whose η leave ±30 take the stable form one by one
        for i in 0..Width .. o.Length - 1 do
            let oi, ci, y, n = load o i, load c i, load d.Y i, load d.N i
            let e1, e0 = oi + ci * v1, oi + ci * v0

            let outside =
                Vector256.GreaterThanOrEqual(Vector256.Abs e1, limit)
                ||| Vector256.GreaterThanOrEqual(Vector256.Abs e0, limit)

            let inside = Vector256.OnesComplement outside
            let ratio = (one + vexp e1) / (one + vexp e0)
            let term = y * (e1 - e0) - n * vlog ratio
            acc <- acc + Vector256.ConditionalSelect(inside, term, Vector256<float>.Zero)

            let outsideBits = outside.ExtractMostSignificantBits()

            if outsideBits <> 0u then
                for k in 0 .. Width - 1 do
                    if outsideBits &&& (1u <<< k) <> 0u then
                        far <-
                            far + lane y k * (lane e1 k - lane e0 k)
                            - lane n k * farSoftplus (lane e1 k) (lane e0 k)

        Vector256.Sum acc + far
