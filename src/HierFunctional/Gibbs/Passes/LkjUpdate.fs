namespace HierFunctional

open System
open HierFunctional.Inference

/// The scales s and correlation Cholesky factor L of MvNormalCholesky vectors β_j ~ MvNormal(μ_j, diag(s)·L·Lᵀ·diag(s)),
/// updated together. Given the β_j only the scatter S = Σ_j (β_j − μ_j)(β_j − μ_j)ᵀ and their number n matter:
/// log p(s, L | β) = −n Σ log s_k − n Σ log L_kk − ½ tr(Σ⁻¹ S) + log p(s) + log LKJ(L | η), so a log-density
/// evaluation costs O(K³), not O(n K²). The K + K(K − 1)/2 unconstrained coordinates (log s_k and L's canonical
/// partial correlations, atanh-transformed) are slice-sampled as one block along warm-up covariance directions
/// (`SliceBlock.directional`): a posteriori the scales and correlations are correlated, which defeats
/// coordinate-wise slicing. When there are more vectors than dimensions, each update first makes an independence
/// Metropolis-Hastings move proposing Σ from the inverse-Wishart that the scatter implies (`LkjInverseWishart`);
/// if warm-up accepted at least half of its proposals, the slice block is dropped for the sampling iterations and
/// the move runs alone (about a tenth of the block's cost).
[<RequireQualifiedAccess>]
module internal LkjUpdate =

    /// The method name shown by `Gibbs.describe`.
    let rule =
        "LKJ scales-correlation (scatter, inverse-Wishart independence MH + slice block)"

    /// −n Σ log s_k − n Σ log L_kk − ½ tr(Σ⁻¹ S) for Σ = diag(s)·L·Lᵀ·diag(s), with s and L (row-major) read from
    /// the state at their offsets and `inv` a k×k scratch buffer for L⁻¹: tr(Σ⁻¹ S) = Σ_r (M D⁻¹ S D⁻¹ Mᵀ)_rr with
    /// M = L⁻¹ and D = diag(s).
    let scatterLogLikelihood
        (k: int)
        (n: float)
        (values: float[])
        (sOff: int)
        (lOff: int)
        (scatter: float[])
        (inv: float[])
        =
        let l r c = values.[lOff + r * k + c]
        let mutable logDet = 0.0

        for d in 0 .. k - 1 do
            logDet <- logDet + log values.[sOff + d] + log (l d d)

        // Forward substitution, column by column, into the caller's scratch buffer.
        for c in 0 .. k - 1 do
            for r in 0 .. k - 1 do
                if r < c then
                    inv.[r * k + c] <- 0.0
                else
                    let mutable v = if r = c then 1.0 else 0.0

                    for t in c .. r - 1 do
                        v <- v - l r t * inv.[t * k + c]

                    inv.[r * k + c] <- v / l r r

        let mutable quad = 0.0

        for r in 0 .. k - 1 do
            for a in 0..r do
                for b in 0..r do
                    quad <-
                        quad
                        + inv.[r * k + a] * inv.[r * k + b] * scatter.[a * k + b]
                          / (values.[sOff + a] * values.[sOff + b])

        -n * logDet - 0.5 * quad

    /// The MvNormalCholesky children of L if every child of L and of s is one with scales exactly s, factor exactly
    /// L and a mean free of both, and s is a `sized` K-vector with a prior on (0, ∞).
    let internal pattern (expanded: Model) (l: Node) : (Node * MvNormalChild list) option =
        let childrenOf name = Graph.children expanded name

        let asChild (c: Node) =
            match c.Kind with
            | NodeKind.Parameter(Dist.MvNormalCholesky(mean, Param s, Param l') as d)
            | NodeKind.Observed(Dist.MvNormalCholesky(mean, Param s, Param l') as d) when
                l' = l.Name && not (Expr.dependsOn s mean || Expr.dependsOn l.Name mean)
                ->
                MvConjugacy.mvNormalForm expanded d
                |> Option.map (fun (_, cov) ->
                    s,
                    {
                        Node = c
                        Mean = mean
                        Covariance = cov
                    })
            | _ -> None

        match l.Kind, l.Plate, childrenOf l.Name with
        | NodeKind.Parameter(Dist.LkjCholesky(k, _)), Plate.Scalar, (_ :: _ as cs) ->
            let found = cs |> List.map asChild

            match found |> List.map (Option.map fst) |> List.distinct with
            | [ Some s ] ->
                match Model.tryFind s expanded with
                | Some({
                           Kind = NodeKind.Parameter sd
                           Plate = Plate.Sized k'
                       } as sNode) when
                    k' = k
                    && Dist.support sd = Support.Positive
                    && (childrenOf s |> List.map (fun c -> c.Name)) = (cs |> List.map (fun c -> c.Name))
                    ->
                    Some(sNode, found |> List.choose (Option.map snd))
                | _ -> None
            | _ -> None
        | _ -> None

    /// The warm-up acceptance rate of the inverse-Wishart move from which the slice block is dropped after warm-up:
    /// below it the move alone would mix slowly (e.g. a scale prior far from flat where the scatter puts Σ), so both run.
    let private minAcceptance = 0.5

    /// One chain's record of the inverse-Wishart move: its warm-up acceptances, and once warm-up ends, whether the
    /// move runs alone (the choice is fixed from then on, so the sampling kernel is fixed too).
    [<Sealed>]
    type private MoveState() =
        member val Proposed = 0.0 with get, set
        member val Accepted = 0.0 with get, set
        member val Decided = false with get, set
        member val MhOnly = false with get, set

        /// Values `Save` returns.
        static member Length = 4

        member this.Save() =
            [|
                this.Proposed
                this.Accepted
                (if this.Decided then 1.0 else 0.0)
                (if this.MhOnly then 1.0 else 0.0)
            |]

        member this.Load(xs: float[]) =
            this.Proposed <- xs.[0]
            this.Accepted <- xs.[1]
            this.Decided <- xs.[2] <> 0.0
            this.MhOnly <- xs.[3] <> 0.0

    /// One chain's scratch: the current mean (k), the scatter of the children about it (k×k) and an inverse (k×k).
    type private LkjScratch =
        {
            Mean: float[]
            Scatter: float[]
            Inverse: float[]
        }

    let private create (density: CompiledDensity) (sNode: Node) (lNode: Node) (children: MvNormalChild list) =
        let b = density.Bound
        let k = (Bound.node b sNode.Name).Copies
        let dims = k + k * (k - 1) / 2
        let sOff, lOff = b.Layout.Offsets.[sNode.Name], b.Layout.Offsets.[lNode.Name]
        let parts = children |> List.map (WishartUpdates.scatterOf b k) |> Array.ofList
        let n = children |> List.sumBy (fun c -> float (Bound.node b c.Node.Name).Copies)

        let priorTerms =
            Array.append
                (Array.init k (fun c -> density.Term { Node = sNode.Name; Copy = c }))
                [| density.Term { Node = lNode.Name; Copy = 0 } |]

        let load (_: LkjScratch) (st: ChainState) (u: float[]) =
            for d in 0 .. k - 1 do
                u.[d] <- log st.Values.[sOff + d]

            let cpc =
                Transform.toUnconstrained Support.CorrelationCholesky k (Array.sub st.Values lOff (k * k))

            Array.blit cpc 0 u k (dims - k)

        let logDensityAt (sc: LkjScratch) (st: ChainState) (u: float[]) =
            let s = st.Values

            for d in 0 .. k - 1 do
                s.[sOff + d] <- exp u.[d]

            let lx, logJ =
                Transform.fromUnconstrained Support.CorrelationCholesky k (Array.sub u k (dims - k))

            Array.blit lx 0 s lOff (k * k)
            let mutable total = logJ

            for d in 0 .. k - 1 do
                total <- total + u.[d]

            for t in priorTerms do
                total <- total + t s

            total + scatterLogLikelihood k n s sOff lOff sc.Scatter sc.Inverse

        let names =
            Array.append
                (Array.init k (fun d -> $"{sNode.Name}[{d + 1}]"))
                (Array.init (dims - k) (fun d -> $"{lNode.Name} (partial correlation {d + 1})"))

        // The scatter is summed once per update, before the block's slices read it.
        let init (_: ChainSetup) =
            let sc =
                {
                    Mean = Array.zeroCreate k
                    Scatter = Array.zeroCreate (k * k)
                    Inverse = Array.zeroCreate (k * k)
                }

            let block = SliceBlock.directional rule names load logDensityAt sc
            let work = Array.zeroCreate (SmallMv.wishartWorkLength k)
            let drawn = Array.zeroCreate (k * k)
            let saved = Array.zeroCreate (k * k + k)

            let logWeight (values: float[]) =
                let mutable total = LkjInverseWishart.correction k values sOff lOff

                for t in priorTerms do
                    total <- total + t values

                total

            let useMh = LkjInverseWishart.applies k n
            let ms = MoveState()

            { block with
                Run =
                    fun rng st ->
                        Array.Clear sc.Scatter

                        for p in parts do
                            p st.Values sc.Mean sc.Scatter

                        if useMh then
                            let accepted =
                                LkjInverseWishart.step rng k n sc.Scatter logWeight st.Values sOff lOff work drawn saved

                            if st.Adapting then
                                ms.Proposed <- ms.Proposed + 1.0

                                if accepted then
                                    ms.Accepted <- ms.Accepted + 1.0
                            elif not ms.Decided then
                                ms.Decided <- true
                                ms.MhOnly <- ms.Accepted >= minAcceptance * ms.Proposed && ms.Proposed > 0.0

                        if not ms.MhOnly then
                            block.Run rng st
                Save = fun () -> Array.append (block.Save()) (ms.Save())
                Load =
                    fun xs ->
                        let at = xs.Length - MoveState.Length
                        block.Load xs.[.. at - 1]
                        ms.Load xs.[at..]
            }

        {
            Node = $"{sNode.Name}, {lNode.Name}"
            Method = rule
            Kind = UpdateKind.LkjBlock
            Exactness = Exactness.Markov
            Reason = ""
            KeepsWeight = false
            Init = init
        }

    /// Replaces the slice updates of each (scales, LkjCholesky factor) pair read only by MvNormalCholesky nodes with
    /// one scatter-based block update, placed where the first of the two was.
    let internal combine (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        let isSlice name =
            updates |> Array.exists (fun u -> u.Node = name && u.Kind = UpdateKind.Slice)

        let pairs =
            expanded.Nodes
            |> List.choose (fun l ->
                pattern expanded l
                |> Option.filter (fun (s, _) -> isSlice s.Name && isSlice l.Name)
                |> Option.map (fun (s, cs) -> s, l, cs))

        pairs
        |> List.fold
            (fun (acc: Update[]) (s, l, cs) ->
                let block = create density s l cs
                let isMember (u: Update) = u.Node = s.Name || u.Node = l.Name
                let first = Array.findIndex isMember acc

                acc
                |> Array.mapi (fun i u ->
                    if i = first then Some block
                    elif isMember u then None
                    else Some u)
                |> Array.choose id)
            updates
