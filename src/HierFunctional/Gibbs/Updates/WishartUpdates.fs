namespace HierFunctional

open System
open HierFunctional.Inference

/// The executors of the inverse-Wishart covariance and Wishart precision rules: the children's scatter about their
/// means, then the conjugate draw.
[<RequireQualifiedAccess>]
module internal WishartUpdates =

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
        let k = MvUpdateKit.vectorLength target

        match MvUpdateKit.checkVectorChildren b k children with
        | Some why -> Error why
        | None ->
            let name = target.Node.Name
            let off = b.Layout.Offsets.[name]
            let parts = children |> List.map (scatterOf b k) |> Array.ofList

            let n = children |> List.sumBy (fun c -> float (Bound.node b c.Node.Name).Copies)

            let nuF = Eval.compileScalar b Scope.Global dof
            let readScale = MvUpdateKit.matrixInto b Scope.Global k scale
            let kk = k * k

            let notPd () =
                UpdateKit.fail name rule "the posterior scale is not positive definite"

            // Buffers: the current mean (k), the scatter (k×k, row-major), the scale (k×k), an inverse (k×k),
            // inversion work (k² + k), draw work, the draw (k×k).
            let lengths = [| k; kk; kk; kk; kk + k; SmallMv.wishartWorkLength k; kk |]

            MvUpdateKit.update name rule (fun () -> lengths |> Array.map Array.zeroCreate<float>) (fun bufs rng st ->
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
