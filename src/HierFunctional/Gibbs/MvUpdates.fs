namespace HierFunctional

open System
open MathNet.Numerics.LinearAlgebra
open HierFunctional.Inference

/// Executors of the multivariate closed-form updates: MvNormal mean, inverse-Wishart covariance and MvNormal
/// coefficients of dot-product children. Sufficient statistics of observed children are summed once at compile
/// time; per-sweep sums go into per-chain buffers (no per-row allocation for the common mean and design shapes).
[<RequireQualifiedAccess>]
module internal MvUpdates =

    let private matrixValue (v: Value) =
        Matrix<float>.Build.DenseOfArray(Value.matrix v)

    let private vectorLength (target: NodeInfo) =
        match target.Event with
        | Shape.Vector k -> k
        | Shape.Matrix(k, _) -> k
        | Shape.Scalar -> 1

    /// Element j of copy r of a vector-valued child: its data-matrix row, or its slots in the state.
    let private vectorChild (b: Bound) (child: NodeInfo) (k: int) : float[] -> int -> int -> float =
        match child.Node.Kind with
        | NodeKind.Observed _ ->
            let m = b.Matrices.[child.Node.Name]
            fun _ r j -> m.[r, j]
        | _ ->
            let off = b.Layout.Offsets.[child.Node.Name]
            fun s r j -> s.[off + r * k + j]

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

    let private update (name: string) (rule: string) (buffers: int list) run =
        Ok
            {
                Node = name
                Method = rule
                Reason = ""
                Needs =
                    {
                        Aux = [||]
                        Widths = 0
                        Buffers = buffers
                    }
                Run = run
            }

    // ---------------------------------------------------------------- MvNormal mean

    /// MvNormal prior × MvNormal(target, Σ_c) children (see `Conjugacy.mvNormalMean`). Observed children
    /// contribute n_c and Σx once (summed at compile time); parameter children are summed per sweep, O(n k).
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
            let rule = Conjugacy.mvNormalMean.Name
            let off = b.Layout.Offsets.[name]

            let parts =
                children
                |> List.map (fun c ->
                    let child = Bound.node b c.Node.Name
                    let value = vectorChild b child k

                    // Local accumulation into the caller's buffer.
                    let sumInto (s: float[]) (acc: float[]) =
                        Array.Clear acc

                        for r in 0 .. child.Copies - 1 do
                            for j in 0 .. k - 1 do
                                acc.[j] <- acc.[j] + value s r j

                    let fixedSum =
                        if c.Node.Kind.IsObserved then
                            let a = Array.zeroCreate k
                            sumInto (UpdateKit.zeroState b) a
                            Some a
                        else
                            None

                    float child.Copies, Eval.compileValue b Scope.Global c.Covariance, fixedSum, sumInto)
                |> Array.ofList

            let mf = Eval.compileValue b Scope.Global m0
            let sf = Eval.compileValue b Scope.Global s0
            let eye = Matrix<float>.Build.DenseIdentity k

            update name rule [ k ] (fun o rng st ->
                let s = st.Values
                let scratch = st.Buffers.[o.Buffer]
                let mutable xtwx = Matrix<float>.Build.Dense(k, k)
                let mutable xtwr = Vector<float>.Build.Dense k

                for (n, cov, fixedSum, sumInto) in parts do
                    let sum =
                        match fixedSum with
                        | Some a -> a
                        | None ->
                            sumInto s scratch
                            scratch

                    let sigmaInv = (matrixValue (cov s 0)).Cholesky().Solve eye
                    xtwx <- xtwx + sigmaInv * n
                    xtwr <- xtwr + sigmaInv * Vector<float>.Build.DenseOfArray sum

                let post =
                    Conjugate.regression
                        (Value.vector (mf s 0))
                        (matrixValue (sf s 0))
                        { XtWX = xtwx; XtWr = xtwr.ToArray() }

                let x = Conjugate.drawMvNormal rng post

                for j in 0 .. k - 1 do
                    UpdateKit.checkFinite name rule x.[j]
                    s.[off + j] <- x.[j])

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
        let value = vectorChild b child k
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

    /// A (Wishart or InverseWishart) prior on a k×k matrix × MvNormal children whose update needs only the number
    /// of children and their scatter about the current means; `draw` is the closed-form kernel.
    let private scatterUpdate
        (rule: string)
        (draw: Random -> WishartParams -> float -> Matrix<float> -> Matrix<float>)
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
            let psiF = Eval.compileValue b Scope.Global scale

            // Buffers: the current mean (k) and the scatter (k×k, row-major).
            update name rule [ k; k * k ] (fun o rng st ->
                let s = st.Values
                let m, acc = st.Buffers.[o.Buffer], st.Buffers.[o.Buffer + 1]
                Array.Clear acc

                for p in parts do
                    p s m acc

                let prior =
                    {
                        Dof = nuF s 0
                        Scale = matrixValue (psiF s 0)
                    }

                let drawn = draw rng prior n (Matrix<float>.Build.DenseOfRowMajor(k, k, acc))

                for i in 0 .. k - 1 do
                    for j in 0 .. k - 1 do
                        let x = 0.5 * (drawn.[i, j] + drawn.[j, i])
                        UpdateKit.checkFinite name rule x
                        s.[off + i * k + j] <- x)

    /// InverseWishart prior × MvNormal(m_i, target) children (see `Conjugacy.inverseWishartCovariance`).
    let inverseWishartCovariance b target dof scale children =
        scatterUpdate
            Conjugacy.inverseWishartCovariance.Name
            Conjugate.drawInverseWishartCovariance
            b
            target
            dof
            scale
            children

    /// Wishart prior × MvNormal(m_i, inverse target) children (see `Conjugacy.wishartPrecision`).
    let wishartPrecision b target dof scale children =
        scatterUpdate Conjugacy.wishartPrecision.Name Conjugate.drawWishartPrecision b target dof scale children

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

    /// Draws every copy j of an MvNormal(m0, S0)-prior vector target from its conditional given the statistics in
    /// `acc` (copies × (k² + k), as `accumulateRow` lays them out): precision S0⁻¹ + XᵀWX, Cholesky solve.
    let drawLinearCopies (b: Bound) (target: NodeInfo) (m0: Expr) (s0: Expr) (rule: string) =
        let k = vectorLength target
        let name = target.Node.Name
        let off = b.Layout.Offsets.[name]
        let mf = Eval.compileValue b target.Scope m0
        let sf = Eval.compileValue b target.Scope s0
        // A prior covariance shared by all copies (e.g. one built from scales and an LKJ factor) is evaluated
        // once per sweep rather than once per copy.
        let sharedCov = isGlobal b s0

        let precisionOf (cov: Matrix<float>) =
            cov.Cholesky().Solve(Matrix<float>.Build.DenseIdentity k)

        fun (rng: Random) (s: float[]) (acc: float[]) ->
            // The prior precision is the costly part (a Cholesky inverse); with a shared covariance, once per sweep.
            let q0Shared =
                if sharedCov then
                    precisionOf (matrixValue (sf s 0))
                else
                    null

            for j in 0 .. target.Copies - 1 do
                let i = if target.Scope = Scope.Global then 0 else j
                let at = j * (k * k + k)

                let stats =
                    {
                        XtWX = Matrix<float>.Build.DenseOfRowMajor(k, k, Array.sub acc at (k * k))
                        XtWr = Array.sub acc (at + k * k) k
                    }

                let q0 =
                    if sharedCov then
                        q0Shared
                    else
                        precisionOf (matrixValue (sf s i))

                let post = Conjugate.mvNormalFromPrecision (Value.vector (mf s i)) q0 stats
                let x = Conjugate.drawMvNormal rng post

                for d in 0 .. k - 1 do
                    UpdateKit.checkFinite name rule x.[d]
                    s.[off + j * k + d] <- x.[d]

    /// MvNormal prior on each copy of a vector node × Normal children linear through a dot product (see
    /// `Conjugacy.mvNormalLinear`): one Cholesky solve and draw per copy.
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
            let rule = Conjugacy.mvNormalLinear.Name
            let off = b.Layout.Offsets.[name]
            let stride = k * k + k

            let parts =
                List.zip children elements
                |> List.map (fun (c, e) ->
                    match e with
                    | Ok(child, elem) -> linearStats b target k c child elem
                    | Error why -> failwith why)
                |> Array.ofList

            let draw = drawLinearCopies b target m0 s0 rule

            update name rule [ target.Copies * stride ] (fun o rng st ->
                let s = st.Values
                let acc = st.Buffers.[o.Buffer]
                Array.Clear acc

                for p in parts do
                    p s acc

                draw rng s acc)
