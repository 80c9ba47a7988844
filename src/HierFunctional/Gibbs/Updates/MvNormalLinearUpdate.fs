namespace HierFunctional

open System
open HierFunctional.Inference

/// The executor of the MvNormal-linear rule: an MvNormal prior on the copies of a coefficient vector × Normal children
/// whose means are dot products with it; per copy, XᵀWX and XᵀW(y − a) into per-chain buffers, then the MvNormal draw.
/// The Pólya-Gamma executor reuses its row accumulation and copy draws.
[<RequireQualifiedAccess>]
module internal MvNormalLinearUpdate =

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
    let copyLength (target: NodeInfo) = MvUpdateKit.vectorLength target

    /// One chain's scratch for `drawLinearCopies`.
    type LinearScratch =
        {
            Prior: MvUpdateKit.PriorScratch
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
        let k = MvUpdateKit.vectorLength target
        let kk = k * k
        let name = target.Node.Name
        let off = b.Layout.Offsets.[name]
        // A prior shared by all copies (e.g. a covariance built from scales and an LKJ factor) is factorised once
        // per sweep rather than once per copy.
        let sharedCov = MvUpdateKit.isGlobal b s0
        let sharedMean = MvUpdateKit.isGlobal b m0

        let prior =
            MvUpdateKit.priorPrecision
                name
                rule
                k
                (MvUpdateKit.vectorInto b target.Scope k m0)
                (MvUpdateKit.matrixInto b target.Scope k s0)

        let scratch () =
            {
                Prior = MvUpdateKit.priorScratch k
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

    /// A move made on the per-copy statistics before the copies are drawn (its chain scratch is made once per chain):
    /// it may change only parameters the statistics do not depend on, and the draw that follows reads them anew.
    type LinearMove = delegate of Random * ChainState * float[] -> unit

    /// `mvNormalLinear` with `before ()` (one per chain) run on the statistics before each draw, shown as `method`
    /// with the exactness given.
    let mvNormalLinearAfter
        (before: (unit -> LinearMove) option)
        (method: string)
        (exactness: Exactness)
        (b: Bound)
        (target: NodeInfo)
        (m0: Expr)
        (s0: Expr)
        (children: GaussianChild list)
        : Result<Update, string> =
        let k = MvUpdateKit.vectorLength target
        let elements = children |> List.map (fun c -> dotElements b target c.Node c.Slot)

        match
            elements
            |> List.tryPick (function
                | Error e -> Some e
                | Ok _ -> None)
        with
        | Some why -> Error why
        | None ->
            let rule = MvConjugacy.mvNormalLinear.Name
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
                Array.zeroCreate<float>(target.Copies * stride), scratch (), before |> Option.map (fun f -> f ())

            MvUpdateKit.update target.Node.Name rule make (fun (acc, sc, move) rng st ->
                let s = st.Values
                Array.Clear acc

                for p in parts do
                    p s acc

                match move with
                | Some m -> m.Invoke(rng, st, acc)
                | None -> ()

                draw.Invoke(rng, st, acc, sc))
            |> Result.map (fun u ->
                { u with
                    Method = method
                    Exactness = exactness
                })

    /// MvNormal prior on each copy of a vector node × Normal children linear through a dot product (see
    /// `MvConjugacy.mvNormalLinear`): one Cholesky solve and draw per copy.
    let mvNormalLinear b target m0 s0 children : Result<Update, string> =
        mvNormalLinearAfter None MvConjugacy.mvNormalLinear.Name Exactness.Exact b target m0 s0 children
