namespace HierFunctional

open System
open HierFunctional.Inference

/// Executors of the multivariate closed-form updates: MvNormal mean, inverse-Wishart covariance and MvNormal
/// coefficients of dot-product children. Sufficient statistics of observed children are summed once at compile
/// time; per-sweep sums go into per-chain buffers, and the posteriors are formed and drawn by the small-k array
/// kernels of `SmallMv` (no MathNet matrix per sweep: MathNet objects cost more than the 2×2 arithmetic itself).
[<RequireQualifiedAccess>]
module internal MvUpdates =

    let private vectorLength (target: NodeInfo) =
        match target.Event with
        | Shape.Vector k -> k
        | Shape.Matrix(k, _) -> k
        | Shape.Scalar -> 1

    let private checkVectorChildren (b: Bound) (k: int) (children: MvNormalChild list) =
        children
        |> List.tryPick (fun c ->
            if (Bound.node b c.Node.Name).Event <> Shape.Vector k then
                Some $"child '{c.Node.Name}' is not a vector of length {k}"
            else
                None)

    /// The expression reads no data column or group and only global nodes: it has one value per sweep.
    let private isGlobal (b: Bound) (e: Expr) =
        Expr.columnRefs e |> List.isEmpty
        && Expr.paramRefs e |> List.forall (fun p -> (Bound.node b p).Scope = Scope.Global)

    /// An update whose per-chain state is the scratch `make` allocates (rebuilt by every move, never checkpointed).
    let private update
        (name: string)
        (rule: string)
        (make: unit -> 'scratch)
        (run: 'scratch -> Random -> ChainState -> unit)
        =
        Ok
            {
                Node = name
                Method = rule
                Kind = UpdateKind.Rule rule
                Exactness = Exactness.Exact
                Reason = ""
                KeepsWeight = false
                Init = fun _ -> UpdateStep.scratch (run (make ()))
            }

    /// Writes a length-k vector expression for copy r into a buffer: a global vector node, a literal vector of
    /// scalars and global data are read without allocating; anything else goes through the interpreter.
    let private vectorInto (b: Bound) (scope: Scope) (k: int) (e: Expr) : float[] -> int -> float[] -> unit =
        match e with
        | Param p when
            (match b.NodeMap.TryFind p with
             | Some info ->
                 info.Node.Kind.IsParameter
                 && info.Event = Shape.Vector k
                 && info.Node.Plate = Plate.Scalar
             | None -> false)
            ->
            let off = b.Layout.Offsets.[p]
            fun s _ buf -> Array.blit s off buf 0 k
        | _ when Factor.isDataOnly e && isGlobal b e ->
            let v =
                Array.copy (Value.vector (Eval.compileValue b scope e (UpdateKit.zeroState b) 0))

            fun _ _ buf -> Array.blit v 0 buf 0 k
        | Vector es when es.Length = k ->
            let fs = es |> List.map (Eval.compileScalar b scope) |> Array.ofList

            fun s r buf ->
                for j in 0 .. k - 1 do
                    buf.[j] <- fs.[j] s r
        | _ ->
            let f = Eval.compileValue b scope e
            fun s r buf -> Array.blit (Value.vector (f s r)) 0 buf 0 k

    /// Writes a k×k matrix expression for copy r into a row-major buffer: a global matrix node, global data and
    /// literal matrices of scalars are read without allocating; anything else goes through the interpreter.
    let private matrixInto (b: Bound) (scope: Scope) (k: int) (e: Expr) : float[] -> int -> float[] -> unit =
        let copyOf (m: float[,]) (buf: float[]) =
            for i in 0 .. k - 1 do
                for j in 0 .. k - 1 do
                    buf.[i * k + j] <- m.[i, j]

        match e with
        | Param p when
            (match b.NodeMap.TryFind p with
             | Some info ->
                 info.Node.Kind.IsParameter
                 && info.Event = Shape.Matrix(k, k)
                 && info.Node.Plate = Plate.Scalar
             | None -> false)
            ->
            let off = b.Layout.Offsets.[p]
            fun s _ buf -> Array.blit s off buf 0 (k * k)
        | _ when Factor.isDataOnly e && isGlobal b e ->
            let v = Array.zeroCreate (k * k)
            copyOf (Value.matrix (Eval.compileValue b scope e (UpdateKit.zeroState b) 0)) v
            fun _ _ buf -> Array.blit v 0 buf 0 (k * k)
        | Matrix rows when rows.Length = k && rows |> List.forall (fun r -> r.Length = k) ->
            let fs =
                rows |> List.concat |> List.map (Eval.compileScalar b scope) |> Array.ofList

            fun s r buf ->
                for i in 0 .. k * k - 1 do
                    buf.[i] <- fs.[i] s r
        | _ ->
            let f = Eval.compileValue b scope e
            fun s r buf -> copyOf (Value.matrix (f s r)) buf

    /// One chain's scratch for `priorPrecision`.
    type PriorScratch =
        {
            M0: float[]
            Cov: float[]
            /// Inversion work (k² + k).
            Work: float[]
            /// Q0 = S0⁻¹ (k×k).
            Q0: float[]
            /// Q0 m0.
            Q0m0: float[]
        }

    let private priorScratch (k: int) =
        {
            M0 = Array.zeroCreate k
            Cov = Array.zeroCreate (k * k)
            Work = Array.zeroCreate (k * k + k)
            Q0 = Array.zeroCreate (k * k)
            Q0m0 = Array.zeroCreate k
        }

    /// Writes Q0 = S0⁻¹ and Q0 m0 of a MvNormal(m0, S0) prior for copy r into the scratch's `Q0` and `Q0m0`.
    /// Stops the run when S0 is not positive definite.
    let private priorPrecision name rule (k: int) (readMean: float[] -> int -> float[] -> unit) readCov =
        fun (s: float[]) (r: int) (p: PriorScratch) ->
            let m0, cov, work, q0, q0m0 = p.M0, p.Cov, p.Work, p.Q0, p.Q0m0

            readCov s r cov

            if not (SmallMv.invertSpd k cov work q0) then
                UpdateKit.fail name rule "the prior covariance is not positive definite"

            readMean s r m0

            for i in 0 .. k - 1 do // Q0 m0 into scratch (hot loop)
                let mutable v = 0.0

                for j in 0 .. k - 1 do
                    v <- v + q0.[i * k + j] * m0.[j]

                q0m0.[i] <- v

    // ---------------------------------------------------------------- MvNormal mean

    /// MvNormal prior × MvNormal(target, Σ_c) children (see `MvConjugacy.mvNormalMean`). Observed children
    /// contribute n_c and Σx once (summed at compile time); parameter children are summed per sweep, O(n k).
    /// The posterior is formed and drawn on the chain's scratch arrays (`SmallMv`), without allocating.
    let mvNormalMean
        (b: Bound)
        (target: NodeInfo)
        (m0: Expr)
        (s0: Expr)
        (children: MvNormalChild list)
        : Result<Update, string> =
        let k = vectorLength target

        match
            checkVectorChildren b k children
            |> Option.orElse (
                children
                |> List.tryFind (fun c -> not (isGlobal b c.Covariance))
                |> Option.map (fun c -> $"the covariance of child '{c.Node.Name}' varies across its copies")
            )
        with
        | Some why -> Error why
        | None ->
            let name = target.Node.Name
            let rule = MvConjugacy.mvNormalMean.Name
            let off = b.Layout.Offsets.[name]

            let parts =
                children
                |> List.map (fun c ->
                    let child = Bound.node b c.Node.Name

                    // Local accumulation into the caller's buffer.
                    let sumInto: float[] -> float[] -> unit =
                        match child.Node.Kind with
                        | NodeKind.Observed _ ->
                            let value = Bound.vectorElement b child k

                            fun s acc ->
                                Array.Clear acc

                                for r in 0 .. child.Copies - 1 do
                                    for j in 0 .. k - 1 do
                                        acc.[j] <- acc.[j] + value s r j
                        | _ ->
                            let at = b.Layout.Offsets.[child.Node.Name]

                            fun s acc ->
                                Array.Clear acc

                                for r in 0 .. child.Copies - 1 do
                                    for j in 0 .. k - 1 do
                                        acc.[j] <- acc.[j] + s.[at + r * k + j]

                    let fixedSum =
                        if c.Node.Kind.IsObserved then
                            let a = Array.zeroCreate k
                            sumInto (UpdateKit.zeroState b) a
                            Some a
                        else
                            None

                    float child.Copies, matrixInto b Scope.Global k c.Covariance, fixedSum, sumInto)
                |> Array.ofList

            let prior =
                priorPrecision name rule k (vectorInto b Scope.Global k m0) (matrixInto b Scope.Global k s0)

            let kk = k * k
            let work = SmallMv.gaussianWorkLength k

            // Buffers: the prior's (`priorBuffers`), then sum (k), covariance (k²), its inverse (k²),
            // stats (k² + k), z (k), work.
            let make () =
                priorScratch k, Array.init 6 (fun i -> Array.zeroCreate<float> [| k; kk; kk; kk + k; k; work |].[i])

            update name rule make (fun (pr, bufs) rng st ->
                let s = st.Values
                let q0, q0m0 = pr.Q0, pr.Q0m0
                let scratch, cov, covInv = bufs.[0], bufs.[1], bufs.[2]
                let stats, z, work = bufs.[3], bufs.[4], bufs.[5]
                Array.Clear stats

                for (n, readCov, fixedSum, sumInto) in parts do
                    let sum =
                        match fixedSum with
                        | Some a -> a
                        | None ->
                            sumInto s scratch
                            scratch

                    readCov s 0 cov

                    if not (SmallMv.invertSpd k cov work covInv) then
                        UpdateKit.fail name rule "a child covariance is not positive definite"

                    for i in 0 .. k - 1 do // stats accumulate in scratch (hot loop)
                        let mutable v = 0.0

                        for j in 0 .. k - 1 do
                            stats.[i * k + j] <- stats.[i * k + j] + n * covInv.[i * k + j]
                            v <- v + covInv.[i * k + j] * sum.[j]

                        stats.[kk + i] <- stats.[kk + i] + v

                prior s 0 pr

                if not (SmallMv.drawGaussian rng k q0 q0m0 stats 0 z work s off) then
                    UpdateKit.fail name rule "the posterior precision is not positive definite"

                for j in 0 .. k - 1 do
                    UpdateKit.checkFinite name rule s.[off + j])

    // ---------------------------------------------------------------- InverseWishart covariance

    /// Writes the mean of copy r of a child into a buffer; a global vector node, a group-indexed copy of one or
    /// data (precomputed) are read without allocating.
    let private meanWriter (b: Bound) (child: NodeInfo) (k: int) (mean: Expr) : float[] -> int -> float[] -> unit =
        let vectorParam p =
            match b.NodeMap.TryFind p with
            | Some info -> info.Node.Kind.IsParameter && info.Event = Shape.Vector k
            | None -> false

        let fromState (p: string) (copyOf: int -> int) =
            let off = b.Layout.Offsets.[p]
            fun (s: float[]) r (buf: float[]) -> Array.blit s (off + copyOf r * k) buf 0 k

        match mean with
        | Param p when vectorParam p && (Bound.node b p).Node.Plate = Plate.Scalar -> fromState p (fun _ -> 0)
        | Index(Param p, Group g) when
            vectorParam p
            && (Bound.node b p).Node.Plate = Plate.Over g
            && child.Scope <> Scope.Global
            ->
            fromState p (Eval.groupLevel b child.Scope g)
        | _ when Factor.isDataOnly mean ->
            let f = Eval.compileValue b child.Scope mean
            let zero = UpdateKit.zeroState b
            let rows = Array.init child.Copies (fun r -> Value.vector (f zero r))
            fun _ r buf -> Array.blit rows.[r] 0 buf 0 k
        | Vector es when es.Length = k ->
            // A literal vector of scalars (e.g. a formula's population coefficients): element by element.
            let fs = es |> List.map (Eval.compileScalar b child.Scope) |> Array.ofList

            fun s r buf ->
                for j in 0 .. k - 1 do
                    buf.[j] <- fs.[j] s r
        | _ ->
            // Other means go through the interpreter (one small allocation per copy).
            let f = Eval.compileValue b child.Scope mean
            fun s r buf -> Array.blit (Value.vector (f s r)) 0 buf 0 k

    /// The levels on which a child's mean is constant (one level for a global mean vector), if any.
    let private meanLevels (b: Bound) (child: NodeInfo) (mean: Expr) =
        match mean with
        | Param p when (Bound.node b p).Scope = Scope.Global -> Some((fun (_: int) -> 0), 1)
        | Index(Param p, Group g) when (Bound.node b p).Node.Plate = Plate.Over g && child.Scope <> Scope.Global ->
            Some(Eval.groupLevel b child.Scope g, b.Groups.[g].Levels.Length)
        | _ -> None

    /// Adds Σ (x_r − m_r)(x_r − m_r)ᵀ of one child to a row-major k×k buffer. Observed children with a mean
    /// constant within levels use S = Σ_l [W_l + n_l (x̄_l − m_l)(x̄_l − m_l)ᵀ], W_l and x̄_l precomputed, so a
    /// sweep costs O(levels k²); otherwise O(n k²).
    let scatterOf (b: Bound) (k: int) (c: MvNormalChild) =
        let child = Bound.node b c.Node.Name
        let value = Bound.vectorElement b child k
        let writeMean = meanWriter b child k c.Mean

        match meanLevels b child c.Mean with
        | Some(level, levels) when c.Node.Kind.IsObserved ->
            let zero = UpdateKit.zeroState b
            let count = Array.zeroCreate levels
            let xbar = Array.zeroCreate (levels * k)
            let within = Array.zeroCreate (levels * k * k)

            for r in 0 .. child.Copies - 1 do
                let l = level r
                count.[l] <- count.[l] + 1.0

                for a in 0 .. k - 1 do
                    xbar.[l * k + a] <- xbar.[l * k + a] + value zero r a

            for l in 0 .. levels - 1 do
                for a in 0 .. k - 1 do
                    if count.[l] > 0.0 then
                        xbar.[l * k + a] <- xbar.[l * k + a] / count.[l]

            // Scatter about the level means (two-pass, no Σxxᵀ − n x̄x̄ᵀ cancellation).
            for r in 0 .. child.Copies - 1 do
                let l = level r

                for a in 0 .. k - 1 do
                    for d in 0 .. k - 1 do
                        let i = l * k * k + a * k + d

                        within.[i] <-
                            within.[i]
                            + (value zero r a - xbar.[l * k + a]) * (value zero r d - xbar.[l * k + d])

            let repr = Slots.representatives levels (Array.init child.Copies level)

            fun (s: float[]) (m: float[]) (acc: float[]) ->
                for l in 0 .. levels - 1 do
                    if repr.[l] >= 0 then
                        writeMean s repr.[l] m

                        for a in 0 .. k - 1 do
                            m.[a] <- xbar.[l * k + a] - m.[a]

                        for a in 0 .. k - 1 do
                            for d in 0 .. k - 1 do
                                acc.[a * k + d] <-
                                    acc.[a * k + d] + within.[l * k * k + a * k + d] + count.[l] * m.[a] * m.[d]
        | _ ->
            fun s m acc ->
                for r in 0 .. child.Copies - 1 do
                    writeMean s r m

                    for a in 0 .. k - 1 do
                        m.[a] <- value s r a - m.[a]

                    for a in 0 .. k - 1 do
                        for d in 0 .. k - 1 do
                            acc.[a * k + d] <- acc.[a * k + d] + m.[a] * m.[d]

    /// Which closed-form kernel a scatter update draws with.
    [<RequireQualifiedAccess>]
    type private ScatterKind =
        /// Σ ~ InverseWishart(ν + n, Ψ + S).
        | InverseWishart
        /// Λ ~ Wishart(ν + n, (V⁻¹ + S)⁻¹).
        | Wishart

    /// A (Wishart or InverseWishart) prior on a k×k matrix × MvNormal children whose update needs only the number
    /// of children and their scatter about the current means; the posterior is drawn by Bartlett's decomposition
    /// on the chain's scratch arrays (`SmallMv`), without allocating.
    let private scatterUpdate
        (rule: string)
        (kind: ScatterKind)
        (b: Bound)
        (target: NodeInfo)
        (dof: Expr)
        (scale: Expr)
        (children: MvNormalChild list)
        : Result<Update, string> =
        let k = vectorLength target

        match checkVectorChildren b k children with
        | Some why -> Error why
        | None ->
            let name = target.Node.Name
            let off = b.Layout.Offsets.[name]
            let parts = children |> List.map (scatterOf b k) |> Array.ofList

            let n = children |> List.sumBy (fun c -> float (Bound.node b c.Node.Name).Copies)

            let nuF = Eval.compileScalar b Scope.Global dof
            let readScale = matrixInto b Scope.Global k scale
            let kk = k * k

            let notPd () =
                UpdateKit.fail name rule "the posterior scale is not positive definite"

            // Buffers: the current mean (k), the scatter (k×k, row-major), the scale (k×k), an inverse (k×k),
            // inversion work (k² + k), draw work, the draw (k×k).
            let lengths = [| k; kk; kk; kk; kk + k; SmallMv.wishartWorkLength k; kk |]

            update name rule (fun () -> lengths |> Array.map Array.zeroCreate<float>) (fun bufs rng st ->
                let s = st.Values
                let m, acc, scaleBuf, inv = bufs.[0], bufs.[1], bufs.[2], bufs.[3]
                let invWork, work, drawn = bufs.[4], bufs.[5], bufs.[6]

                Array.Clear acc

                for p in parts do
                    p s m acc

                readScale s 0 scaleBuf

                match kind with
                | ScatterKind.InverseWishart ->
                    for i in 0 .. kk - 1 do // posterior scale Ψ + S in scratch
                        scaleBuf.[i] <- scaleBuf.[i] + acc.[i]

                    if not (SmallMv.drawInverseWishart rng k (nuF s 0 + n) scaleBuf work drawn) then
                        notPd ()
                | ScatterKind.Wishart ->
                    if not (SmallMv.invertSpd k scaleBuf invWork inv) then
                        notPd ()

                    for i in 0 .. kk - 1 do // V⁻¹ + S in scratch
                        inv.[i] <- inv.[i] + acc.[i]

                    if not (SmallMv.invertSpd k inv invWork scaleBuf) then
                        notPd ()

                    if not (SmallMv.drawWishart rng k (nuF s 0 + n) scaleBuf work drawn) then
                        notPd ()

                for i in 0 .. kk - 1 do
                    UpdateKit.checkFinite name rule drawn.[i]
                    s.[off + i] <- drawn.[i])

    /// InverseWishart prior × MvNormal(m_i, target) children (see `MvConjugacy.inverseWishartCovariance`).
    let inverseWishartCovariance b target dof scale children =
        scatterUpdate MvConjugacy.inverseWishartCovariance.Name ScatterKind.InverseWishart b target dof scale children

    /// Wishart prior × MvNormal(m_i, inverse target) children (see `MvConjugacy.wishartPrecision`).
    let wishartPrecision b target dof scale children =
        scatterUpdate MvConjugacy.wishartPrecision.Name ScatterKind.Wishart b target dof scale children

    // ---------------------------------------------------------------- MvNormal coefficients of dot-product children

    /// The copy of the target each row of a dot-product child reads, or why the slot is not covered.
    let dotElements (b: Bound) (target: NodeInfo) (node: Node) (slot: Slot) =
        let child = Bound.node b node.Name

        match slot, target.Node.Plate with
        | _ when child.Event <> Shape.Scalar -> Error $"child '{node.Name}' is not scalar"
        | Slot.WholeDot, Plate.Scalar -> Ok(child, Array.zeroCreate child.Copies)
        | Slot.IndexedDot(Group g), Plate.Over g' when g = g' ->
            Ok(child, Array.init child.Copies (Eval.groupLevel b child.Scope g))
        | _ -> Error $"'{node.Name}' reads '{target.Node.Name}' in a way the closed-form update does not cover"

    /// Adds one row's w·x xᵀ and w·x·res into copy e of a buffer laid out as copies × (k² + k) (k×k, then k).
    let accumulateRow (k: int) (acc: float[]) (e: int) (x: float[]) (w: float) (res: float) =
        let at = e * (k * k + k)

        for a in 0 .. k - 1 do
            let xa = x.[a] * w
            acc.[at + k * k + a] <- acc.[at + k * k + a] + xa * res

            for d in 0 .. k - 1 do
                acc.[at + a * k + d] <- acc.[at + a * k + d] + xa * x.[d]

    /// Per target copy j, adds Σ x xᵀ/s² (k×k) and Σ x (y − a)/s² (k) of one child into a buffer laid out as
    /// copies × (k² + k). With observed values and data-only offset and design, and an sd of the form
    /// (invariant within the copy) × (data), the sums are precomputed and a sweep costs O(copies k²).
    let private linearStats (b: Bound) (target: NodeInfo) (k: int) (c: GaussianChild) (child: NodeInfo) (elem: int[]) =
        let stride = k * k + k
        let value = Slots.childValues b child
        let zero = UpdateKit.zeroState b

        let design =
            if Factor.isDataOnly c.Coefficient then
                let f = Eval.compileValue b child.Scope c.Coefficient
                let rows = Array.init child.Copies (fun r -> Value.vector (f zero r))
                fun (_: float[]) r -> rows.[r]
            else
                let f = Eval.compileValue b child.Scope c.Coefficient
                fun s r -> Value.vector (f s r)

        let accumulate = accumulateRow k

        match Factor.split b (Slots.group c.Slot) c.Sd with
        | Some(sInv, sData) when
            c.Node.Kind.IsObserved
            && Factor.isDataOnly c.Offset
            && Factor.isDataOnly c.Coefficient
            ->
            let a = Eval.compileScalar b child.Scope c.Offset
            let sd = Eval.compileScalar b child.Scope sData
            let fixedStats = Array.zeroCreate (target.Copies * stride)

            for r in 0 .. child.Copies - 1 do
                let v = sd zero r
                accumulate fixedStats elem.[r] (design zero r) (1.0 / (v * v)) (value zero r - a zero r)

            let repr = Slots.representatives target.Copies elem
            let si = Eval.compileScalar b child.Scope sInv

            fun (s: float[]) (acc: float[]) ->
                for e in 0 .. target.Copies - 1 do
                    if repr.[e] >= 0 then
                        let v = si s repr.[e]
                        let w = 1.0 / (v * v)

                        for i in e * stride .. (e + 1) * stride - 1 do
                            acc.[i] <- acc.[i] + w * fixedStats.[i]
        | _ ->
            let a = Eval.compileScalar b child.Scope c.Offset
            let sd = Eval.compileScalar b child.Scope c.Sd

            fun s acc ->
                for r in 0 .. child.Copies - 1 do
                    let v = sd s r
                    accumulate acc elem.[r] (design s r) (1.0 / (v * v)) (value s r - a s r)

    /// The length k of each copy of a vector target.
    let copyLength (target: NodeInfo) = vectorLength target

    /// One chain's scratch for `drawLinearCopies`.
    type LinearScratch =
        {
            Prior: PriorScratch
            Z: float[]
            Work: float[]
        }

    /// The per-sweep draw of `drawLinearCopies`: generator, chain state, the statistics buffer and the scratch.
    type LinearDraw = delegate of Random * ChainState * float[] * LinearScratch -> unit

    /// Draws every copy j of an MvNormal(m0, S0)-prior vector target from its conditional given the statistics in
    /// `acc` (copies × (k² + k), as `accumulateRow` lays them out): precision S0⁻¹ + XᵀWX, Cholesky solve, on
    /// scratch arrays. Returns the lengths of the scratch buffers it needs and the draw, which takes the chain
    /// state and the index of the first of those buffers (four arguments: no partial applications per call).
    let drawLinearCopies (b: Bound) (target: NodeInfo) (m0: Expr) (s0: Expr) (rule: string) =
        let k = vectorLength target
        let kk = k * k
        let name = target.Node.Name
        let off = b.Layout.Offsets.[name]
        // A prior shared by all copies (e.g. a covariance built from scales and an LKJ factor) is factorised once
        // per sweep rather than once per copy.
        let sharedCov = isGlobal b s0
        let sharedMean = isGlobal b m0

        let prior =
            priorPrecision name rule k (vectorInto b target.Scope k m0) (matrixInto b target.Scope k s0)

        let scratch () =
            {
                Prior = priorScratch k
                Z = Array.zeroCreate k
                Work = Array.zeroCreate (SmallMv.gaussianWorkLength k)
            }

        let copies = target.Copies
        let globalScope = (target.Scope = Scope.Global)

        // A delegate: invoking a curried closure value here allocated partial applications on every call.
        let draw =
            LinearDraw(fun rng st acc sc ->
                let s = st.Values
                let q0, q0m0 = sc.Prior.Q0, sc.Prior.Q0m0
                let z, work = sc.Z, sc.Work

                if sharedCov && sharedMean then
                    prior s 0 sc.Prior

                for j in 0 .. copies - 1 do
                    let i = if globalScope then 0 else j

                    if not (sharedCov && sharedMean) then
                        prior s i sc.Prior

                    if not (SmallMv.drawGaussian rng k q0 q0m0 acc (j * (kk + k)) z work s (off + j * k)) then
                        UpdateKit.fail name rule "the posterior precision is not positive definite"

                    for d in 0 .. k - 1 do
                        UpdateKit.checkFinite name rule s.[off + j * k + d])

        scratch, draw

    /// MvNormal prior on each copy of a vector node × Normal children linear through a dot product (see
    /// `MvConjugacy.mvNormalLinear`): one Cholesky solve and draw per copy.
    let mvNormalLinear
        (b: Bound)
        (target: NodeInfo)
        (m0: Expr)
        (s0: Expr)
        (children: GaussianChild list)
        : Result<Update, string> =
        let k = vectorLength target
        let elements = children |> List.map (fun c -> dotElements b target c.Node c.Slot)

        match
            elements
            |> List.tryPick (function
                | Error e -> Some e
                | Ok _ -> None)
        with
        | Some why -> Error why
        | None ->
            let name = target.Node.Name
            let rule = MvConjugacy.mvNormalLinear.Name
            let off = b.Layout.Offsets.[name]
            let stride = k * k + k

            let parts =
                List.zip children elements
                |> List.map (fun (c, e) ->
                    match e with
                    | Ok(child, elem) -> linearStats b target k c child elem
                    | Error why -> failwith why)
                |> Array.ofList

            let scratch, draw = drawLinearCopies b target m0 s0 rule

            let make () =
                Array.zeroCreate<float>(target.Copies * stride), scratch ()

            update name rule make (fun (acc, sc) rng st ->
                let s = st.Values
                Array.Clear acc

                for p in parts do
                    p s acc

                draw.Invoke(rng, st, acc, sc))
