namespace HierFunctional

open System
open HierFunctional.Inference

/// The update of a Normal-prior target whose logistic children have a linear predictor constant within each of the
/// target's elements (a random intercept with no row-varying term, or one row per element): rows collapse to (Σy, Σn) per element at
/// compile time, and each element takes one `LogitKernel.step`. Chosen over Pólya-Gamma augmentation, whose sweep
/// draws one PG(1, ·) per trial, whenever the rows collapse; other logistic targets keep Pólya-Gamma.
[<RequireQualifiedAccess>]
module internal LogitIntercepts =

    /// The method name shown by `Gibbs.describe`.
    let methodName = "logistic intercepts (Laplace-t independence MH)"

    /// One collapsed child: per element Σy and Σn, and how to evaluate its shared offset and coefficient.
    type private Part =
        {
            SumY: float[]
            SumN: float[]
            Repr: int[]
            Offset: float[] -> int -> float
            Coefficient: float[] -> int -> float
            /// Per-element offset and coefficient when both read no parameter (evaluated once, at compile time).
            Fixed: (float[] * float[]) option
        }

    /// The collapsed form of one child, or None when its rows do not share one linear predictor per element.
    let private part (b: Bound) (target: NodeInfo) (c: LinkedChild) : Part option =
        let child = Bound.node b c.Node.Name
        let slotGroup = Slots.group c.Slot

        // with at most one row per element (seeds' plates), any offset and coefficient are that row's: nothing varies
        let oneRowEach (element: int[]) =
            let rows = Array.zeroCreate<int> target.Copies

            for e in element do
                rows.[e] <- rows.[e] + 1

            rows |> Array.forall (fun n -> n <= 1)

        match c.Family with
        | GlmFamily.Logistic trials when child.Event = Shape.Scalar && Factor.isDataOnly trials ->
            match Slots.elementOf b target child c.Slot with
            | Ok element when
                (Factor.isInvariant b slotGroup c.Offset
                 && Factor.isInvariant b slotGroup c.Coefficient)
                || oneRowEach element
                ->
                let zero = UpdateKit.zeroState b
                let nf = PolyaGammaUpdate.perRow b child trials
                let ns = Array.init child.Copies (nf zero)

                if ns |> Array.forall (fun x -> Double.IsFinite x && x >= 0.0) then
                    let repr = Slots.representatives target.Copies element
                    let offset = PolyaGammaUpdate.perRow b child c.Offset
                    let coefficient = PolyaGammaUpdate.perRow b child c.Coefficient

                    let at (f: float[] -> int -> float) =
                        repr |> Array.map (fun r -> if r >= 0 then f zero r else 0.0)

                    Some
                        {
                            SumY = LogitKernel.collapse target.Copies element b.Numeric.[c.Node.Name]
                            SumN = LogitKernel.collapse target.Copies element ns
                            Repr = repr
                            Offset = offset
                            Coefficient = coefficient
                            Fixed =
                                if Factor.isDataOnly c.Offset && Factor.isDataOnly c.Coefficient then
                                    Some(at offset, at coefficient)
                                else
                                    None
                        }
                else
                    None
            | _ -> None
        | _ -> None

    /// Every child collapsed, or None when one does not collapse.
    let private allParts (b: Bound) (target: NodeInfo) (children: LinkedChild list) =
        let parts = children |> List.map (part b target)

        if parts |> List.forall Option.isSome then
            Some(parts |> List.map Option.get |> Array.ofList)
        else
            None

    /// Per element Σy, Σn, offset and coefficient, when the target has one logistic child whose rows share one
    /// linear predictor per element with data offset and coefficient; None otherwise.
    let collapsedFixed (b: Bound) (target: NodeInfo) (children: LinkedChild list) =
        match allParts b target children with
        | Some [| p |] when p.Fixed.IsSome ->
            let o, c = p.Fixed.Value
            Some(p.SumY, p.SumN, o, c)
        | _ -> None

    /// Fails unless Normal(m, sd) is a proper prior.
    let private checkPrior (name: string) (m: float) (sd: float) =
        if not (sd > 0.0 && Double.IsFinite sd && Double.IsFinite m) then
            UpdateKit.fail name methodName $"the prior is Normal({m}, {sd})"

    /// Elements lo..hi−1 of a target whose elements each have one informative child under one global Normal(m, sd)
    /// prior, four to a vector (`LogitLanes`): centres, then each element's current value, polar point and uniform
    /// from its own stream, then the proposals and decisions, written to s from `off`.
    let private stepLanes
        (gs: GroupStream)
        (update: int)
        (sweep: int)
        (name: string)
        (s: float[])
        (off: int)
        (d: LogitLanes.Cells)
        (w: LogitLanes.Scratch)
        (m: float)
        (sd: float)
        (lo: int)
        (hi: int)
        =
        checkPrior name m sd

        LogitLanes.centres d m (1.0 / (sd * sd)) lo hi w

        // this range's elements only (hot loops over the range's scratch): the current value, and from the element's
        // stream its polar point for the t draw, then its acceptance uniform, eight elements' first blocks at a time
        for j in lo .. hi - 1 do
            w.Theta0.[j - lo] <- s.[off + j]

        for first in lo .. PhiloxBlocks.Stride .. hi - 1 do
            let depth = LogitLanes.PolarDepth
            let count = min PhiloxBlocks.Stride (hi - first)
            let blocks = gs.Blocks(update, sweep, first, depth)
            let mutable failed = LogitLanes.polarFromBlocks blocks count w (first - lo)

            // the few elements whose point needs a third try: from their streams, the blocks read in place
            while failed <> 0 do
                let i = Numerics.BitOperations.TrailingZeroCount failed
                failed <- failed &&& (failed - 1)
                let philox = gs.PhiloxAfterBlocks(update, sweep, first + i, i, depth)
                let struct (u, v) = LogitKernel.polarPoint philox
                let r = first + i - lo
                w.PolarU.[r] <- u
                w.PolarW.[r] <- v
                w.U.[r] <- philox.NextDoubleDirect()

        LogitLanes.decide d m sd lo hi w

        for j in lo .. hi - 1 do
            let x = w.Next.[j - lo]
            UpdateKit.checkFinite name methodName x
            s.[off + j] <- x

    /// One element's `LogitKernel.stepOn` from its Normal(m, sd) prior, checked and written to s.[at]: the body the
    /// update's two loops (fixed, or per-sweep offsets and coefficients) share; a plain function, so no closure.
    let private stepElement
        (rng: Philox4x32)
        (name: string)
        (s: float[])
        (at: int)
        (m: float)
        (sd: float)
        (y: float[])
        (n: float[])
        (o: float[])
        (c: float[])
        (w0: float[])
        (ell: float[])
        (informative: bool)
        =
        checkPrior name m sd
        // writes only this element's value (hot loop body)
        let x = LogitKernel.stepOn rng m sd y n o c w0 ell informative s.[at]
        UpdateKit.checkFinite name methodName x
        s.[at] <- x

    /// The collapsed update, or None when some child's rows vary within an element (Pólya-Gamma handles those).
    let tryUpdate (b: Bound) (target: NodeInfo) (prior: GaussianPrior) (children: LinkedChild list) : Update option =
        match prior with
        | GaussianPrior.Elementwise(m0, s0) ->
            match allParts b target children with
            | Some parts ->
                let k = parts.Length
                let name = target.Node.Name
                let off = b.Layout.Offsets.[name]
                let mf = Eval.compileScalar b target.Scope m0
                let sf = Eval.compileScalar b target.Scope s0

                let ys =
                    Array.init target.Copies (fun j -> parts |> Array.map (fun p -> p.SumY.[j]))

                let ns =
                    Array.init target.Copies (fun j -> parts |> Array.map (fun p -> p.SumN.[j]))

                let starts = Array.init target.Copies (fun j -> LogitKernel.empirical ys.[j] ns.[j])
                let w0s = starts |> Array.map (fun (struct (w, _)) -> w)
                let ells = starts |> Array.map (fun (struct (_, e)) -> e)

                // with every offset and coefficient data, each element's are fixed arrays: no per-sweep copy
                let fixedAll =
                    if parts |> Array.forall (fun p -> p.Fixed.IsSome) then
                        let at (pick: float[] * float[] -> float[]) j =
                            parts
                            |> Array.map (fun p -> if p.Repr.[j] >= 0 then (pick p.Fixed.Value).[j] else 0.0)

                        let fo, fc = Array.init target.Copies (at fst), Array.init target.Copies (at snd)

                        let informative =
                            Array.init target.Copies (fun j ->
                                Array.exists2 (fun nn cc -> nn > 0.0 && cc <> 0.0) ns.[j] fc.[j])

                        Some(fo, fc, informative)
                    else
                        None

                // one informative child per element under a prior read once per sweep: the vector kernel (`LogitLanes`),
                // where vectors of four doubles are hardware ones
                let lanes =
                    match fixedAll, UpdateKit.perSweep b m0, UpdateKit.perSweep b s0 with
                    | Some(fo, fc, informative), Some mg, Some sg when
                        k = 1
                        && Array.forall id informative
                        && Runtime.Intrinsics.Vector256.IsHardwareAccelerated
                        ->
                        let one (a: float[][]) = a |> Array.map (fun v -> v.[0])
                        Some(LogitLanes.cells (one ys) (one ns) (one fo) (one fc), mg, sg)
                    | _ -> None

                Some
                    {
                        Node = name
                        Method = methodName
                        Kind = UpdateKind.LogisticIntercepts
                        Exactness = Exactness.Markov
                        Reason = ""
                        KeepsWeight = false
                        Init =
                            fun setup ->
                                let os, cs = Array.zeroCreate<float> k, Array.zeroCreate<float> k
                                let laneScratch = LogitLanes.scratch (if lanes.IsSome then target.Copies else 0)

                                // group-wise: element j steps on its own stream (the chain's scratch serves the range
                                // from group 0; any other range, on another thread, gets its own)
                                let runRange (gs: GroupStream) (st: ChainState) (lo: int) (hi: int) =
                                    let os, cs =
                                        if lo = 0 then
                                            os, cs
                                        else
                                            Array.zeroCreate<float> k, Array.zeroCreate<float> k

                                    let s = st.Values

                                    match lanes, fixedAll with
                                    | Some(d, mg, sg), _ ->
                                        let w = if lo = 0 then laneScratch else LogitLanes.scratch (hi - lo)
                                        stepLanes gs setup.Index st.Sweep name s off d w (mg s) (sg s) lo hi
                                    | None, Some(fo, fc, informative) ->
                                        let glob = target.Scope = Scope.Global
                                        // a global prior's (m, sd) read once: the elements' steps never write them
                                        let mg, sg = (if glob then mf s 0 else nan), (if glob then sf s 0 else nan)

                                        // one kernel step per element (hot loop; writes only this element's value)
                                        for j in lo .. hi - 1 do
                                            let philox = gs.PhiloxInOrder(setup.Index, st.Sweep, j)
                                            let m, sd = (if glob then mg else mf s j), (if glob then sg else sf s j)

                                            stepElement
                                                philox
                                                name
                                                s
                                                (off + j)
                                                m
                                                sd
                                                ys.[j]
                                                ns.[j]
                                                fo.[j]
                                                fc.[j]
                                                w0s.[j]
                                                ells.[j]
                                                informative.[j]
                                    | None, None ->
                                        // per-element offsets and coefficients into this chain's scratch (hot loop)
                                        for j in lo .. hi - 1 do
                                            let philox = gs.PhiloxInOrder(setup.Index, st.Sweep, j)
                                            let mutable informative = false

                                            for q in 0 .. k - 1 do
                                                let r = parts.[q].Repr.[j]

                                                if r >= 0 then
                                                    os.[q] <- parts.[q].Offset s r
                                                    cs.[q] <- parts.[q].Coefficient s r
                                                else
                                                    os.[q] <- 0.0
                                                    cs.[q] <- 0.0

                                                if ns.[j].[q] > 0.0 && cs.[q] <> 0.0 then
                                                    informative <- true

                                            let i = if target.Scope = Scope.Global then 0 else j
                                            let m, sd = mf s i, sf s i

                                            stepElement
                                                philox
                                                name
                                                s
                                                (off + j)
                                                m
                                                sd
                                                ys.[j]
                                                ns.[j]
                                                os
                                                cs
                                                w0s.[j]
                                                ells.[j]
                                                informative

                                UpdateStep.groupWise
                                    {
                                        Count = target.Copies
                                        Prepare = fun _ _ -> ()
                                        RunRange = runRange
                                    }
                    }
            | None -> None
        | _ -> None

    /// The τ half of interweaving for θ_j ~ Normal(μ, τ) with collapsed logistic children: with η = (θ − μ)/τ held
    /// fixed, τ's conditional is p(τ) Π_k L_k(μ + τ η_k) (the Normal densities of θ become those of η, free of τ), a
    /// binomial-logit conditional in τ with offsets o + cμ and coefficients cη. One Laplace-t independence MH step
    /// on it costs three passes over the collapsed sums, against ~18 for a slice step on (μ, τ); proposals outside
    /// τ > 0 are rejected. `centreSd` (the HalfNormal scale, else ∞) only centres the proposal; `tauRest` is the exact
    /// log prior of τ plus its dependents other than θ and θ's children. None unless every child's offset and
    /// coefficient are data (so they are fixed per element).
    let tryTauInterweave
        (b: Bound)
        (theta: NodeInfo)
        (mu: NodeInfo)
        (tau: NodeInfo)
        (centreSd: float)
        (tauRest: float[] -> float)
        (children: LinkedChild list)
        : Update option =
        match allParts b theta children with
        | Some parts when parts |> Array.forall (fun p -> p.Fixed.IsSome) ->
            let cells =
                [|
                    for j in 0 .. theta.Copies - 1 do
                        for p in parts do
                            let fo, fc = p.Fixed.Value

                            if p.Repr.[j] >= 0 && p.SumN.[j] > 0.0 && fc.[j] <> 0.0 then
                                yield j, p.SumY.[j], p.SumN.[j], fo.[j], fc.[j]
                |]

            if cells.Length = 0 then
                None
            else
                let elem = cells |> Array.map (fun (j, _, _, _, _) -> j)
                let y = cells |> Array.map (fun (_, v, _, _, _) -> v)
                let n = cells |> Array.map (fun (_, _, v, _, _) -> v)
                let o0 = cells |> Array.map (fun (_, _, _, v, _) -> v)
                let c0 = cells |> Array.map (fun (_, _, _, _, v) -> v)
                let tc = LogitLanes.tauCells y n
                let prec = 1.0 / (centreSd * centreSd)
                let thetaOff = b.Layout.Offsets.[theta.Node.Name]

                let muOff, tauOff =
                    b.Layout.Offsets.[mu.Node.Name], b.Layout.Offsets.[tau.Node.Name]

                let jn, m = theta.Copies, cells.Length

                Some
                    {
                        Node = $"{tau.Node.Name} | {theta.Node.Name}"
                        Method =
                            $"interweaving (moves {tau.Node.Name} with ({theta.Node.Name} - {mu.Node.Name})/{tau.Node.Name} fixed; Laplace-t MH)"
                        Kind = UpdateKind.Interweaving
                        Exactness = Exactness.Markov
                        Reason = ""
                        KeepsWeight = false
                        Init =
                            fun _ ->
                                let eta = Array.zeroCreate<float> jn
                                // whole vectors long; the cells past m stay o = c = 0 and add nothing
                                let os, cs =
                                    Array.zeroCreate<float>(LogitLanes.padded m),
                                    Array.zeroCreate<float>(LogitLanes.padded m)

                                UpdateStep.scratch (fun rng st ->
                                    let s = st.Values

                                    let mu0, t0 = s.[muOff], s.[tauOff]

                                    // η and the per-cell offsets and coefficients of τ into scratch (hot loop)
                                    for j in 0 .. jn - 1 do
                                        eta.[j] <- (s.[thetaOff + j] - mu0) / t0

                                    for i in 0 .. m - 1 do
                                        os.[i] <- o0.[i] + c0.[i] * mu0
                                        cs.[i] <- c0.[i] * eta.[elem.[i]]

                                    let struct (mode, h) = LogitLanes.laplaceOneStep tc prec os cs
                                    let scale = 1.0 / sqrt h
                                    let t1 = mode + scale * LogitKernel.studentT rng LogitKernel.ProposalDof

                                    if t1 > 0.0 && Double.IsFinite t1 then
                                        let p0 = tauRest s
                                        s.[tauOff] <- t1
                                        let p1 = tauRest s

                                        let logAlpha =
                                            LogitLanes.logLikelihoodRatio tc os cs t1 t0
                                            + (p1 - p0)
                                            + LogitKernel.logProposalRatio mode scale t1 t0

                                        if logAlpha >= 0.0 || rng.NextDouble() < exp logAlpha then
                                            for j in 0 .. jn - 1 do
                                                s.[thetaOff + j] <- mu0 + t1 * eta.[j]
                                        else
                                            s.[tauOff] <- t0)
                    }
        | _ -> None
