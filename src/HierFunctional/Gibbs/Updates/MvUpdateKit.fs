namespace HierFunctional

open System
open HierFunctional.Inference

/// What the multivariate executors share: vector lengths and children checks, the update record, readers of vector
/// and matrix expressions into buffers, and the prior precision on per-chain scratch. Posteriors are formed and drawn
/// by the small-k array kernels of `SmallMv` (no MathNet matrix per sweep: MathNet objects cost more than the 2×2
/// arithmetic itself).
[<RequireQualifiedAccess>]
module internal MvUpdateKit =

    let vectorLength (target: NodeInfo) =
        match target.Event with
        | Shape.Vector k -> k
        | Shape.Matrix(k, _) -> k
        | Shape.Scalar -> 1

    let checkVectorChildren (b: Bound) (k: int) (children: MvNormalChild list) =
        children
        |> List.tryPick (fun c ->
            if (Bound.node b c.Node.Name).Event <> Shape.Vector k then
                Some $"child '{c.Node.Name}' is not a vector of length {k}"
            else
                None)

    /// The expression reads no data column or group and only global nodes: it has one value per sweep.
    let isGlobal (b: Bound) (e: Expr) =
        Expr.columnRefs e |> List.isEmpty
        && Expr.paramRefs e |> List.forall (fun p -> (Bound.node b p).Scope = Scope.Global)

    /// An update whose per-chain state is the scratch `make` allocates (rebuilt by every move, never checkpointed).
    let update (name: string) (rule: string) (make: unit -> 'scratch) (run: 'scratch -> Random -> ChainState -> unit) =
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
    let vectorInto (b: Bound) (scope: Scope) (k: int) (e: Expr) : float[] -> int -> float[] -> unit =
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

    /// The state offsets of s and L when `e` is `MvConjugacy.scaledCorrelation k (Param s) (Param L)` with s
    /// global scales and L a global k×k matrix parameter.
    let private scaledCorrelationOf (b: Bound) (k: int) (e: Expr) =
        let isGlobalParam (shape: Shape) p =
            match b.NodeMap.TryFind p with
            | Some info ->
                info.Node.Kind.IsParameter
                && info.Event = shape
                && info.Node.Plate = Plate.Scalar
            | None -> false

        // Scales are a k-vector node or k sized scalar copies (`sized k`): k consecutive values either way.
        let isScales p =
            isGlobalParam (Shape.Vector k) p
            || (match b.NodeMap.TryFind p with
                | Some info ->
                    info.Node.Kind.IsParameter
                    && info.Event = Shape.Scalar
                    && info.Node.Plate = Plate.Sized k
                | None -> false)

        match Expr.paramRefs e |> List.distinct with
        | [ sp; lp ] when
            isScales sp
            && isGlobalParam (Shape.Matrix(k, k)) lp
            && e = MvConjugacy.scaledCorrelation k (Param sp) (Param lp)
            ->
            Some(b.Layout.Offsets.[sp], b.Layout.Offsets.[lp])
        | _ -> None

    /// Writes a k×k matrix expression for copy r into a row-major buffer: a global matrix node, global data, an
    /// MvNormalCholesky's scaled correlation and literal matrices of scalars are read without allocating; anything
    /// else goes through the interpreter.
    let matrixInto (b: Bound) (scope: Scope) (k: int) (e: Expr) : float[] -> int -> float[] -> unit =
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
        | Matrix _ when (scaledCorrelationOf b k e).IsSome ->
            // diag(s)·L·Lᵀ·diag(s) of an MvNormalCholesky, from the state: the element-wise expressions would build
            // a row vector of L per element.
            let sOff, lOff = (scaledCorrelationOf b k e).Value

            fun s _ buf -> SmallMv.scaledCovariance k s sOff lOff buf
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

    let priorScratch (k: int) =
        {
            M0 = Array.zeroCreate k
            Cov = Array.zeroCreate (k * k)
            Work = Array.zeroCreate (k * k + k)
            Q0 = Array.zeroCreate (k * k)
            Q0m0 = Array.zeroCreate k
        }

    /// Writes Q0 = S0⁻¹ and Q0 m0 of a MvNormal(m0, S0) prior for copy r into the scratch's `Q0` and `Q0m0`.
    /// Stops the run when S0 is not positive definite.
    let priorPrecision name rule (k: int) (readMean: float[] -> int -> float[] -> unit) readCov =
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
