namespace HierFunctional

open System
open HierFunctional.Inference

/// The Gaussian children's part of every Normal-Normal update: for each target element, the precision P_j and
/// shift S_j of Σ children log-density = −½ P_j θ_j² + S_j θ_j + const. Data-only parts of every child are summed once,
/// at compile time, where the child's offset, coefficient and sd factor into (invariant) × (data).
[<RequireQualifiedAccess>]
module internal GaussianLikelihood =

    /// The general per-row accumulation (no sufficient statistics): every row's offset, coefficient and sd are
    /// evaluated each sweep. Used when the child's coefficient or sd does not factor into an element-invariant part
    /// times data (e.g. a slope that reads a parameter); also the reference the sufficient-statistic path is tested
    /// against.
    let internal rowAccumulator (b: Bound) (target: NodeInfo) (c: GaussianChild) =
        let child = Bound.node b c.Node.Name
        let elementOf = Slots.elementOf b target child c.Slot |> Result.defaultWith failwith
        let value = Slots.childValues b child
        let af = Eval.compileScalar b child.Scope c.Offset
        let cf = Eval.compileScalar b child.Scope c.Coefficient
        let sf = Eval.compileScalar b child.Scope c.Sd

        fun (s: float[]) (prec: float[]) (shift: float[]) (_: float[]) ->
            for r in 0 .. child.Copies - 1 do
                let e = elementOf.[r]
                let cv = cf s r
                let sv = sf s r
                let iv = 1.0 / (sv * sv)
                prec.[e] <- prec.[e] + cv * cv * iv
                shift.[e] <- shift.[e] + cv * iv * (value s r - af s r)

    /// How a Gaussian child's contribution to an element-wise Normal-Normal update is computed each sweep.
    type internal GaussianPath =
        /// Sufficient statistics with the invariant factors read once per sweep: one flat loop over the elements.
        | PerSweep
        /// Sufficient statistics with factors that vary by element (e.g. read a group-level sd): one evaluation
        /// per element.
        | PerElement
        /// A scalar global target whose child's offset is a group parameter plus global coefficients × data
        /// (radon's beta): sums per level of the group, formed once (`LevelSums`).
        | LevelSums
        /// No sufficient statistics (offset, coefficient or sd does not factor into invariant × data): every row
        /// is evaluated each sweep.
        | Rows

    /// Which path `gaussianAccumulator` takes for a child: sufficient statistics only when offset, coefficient and
    /// sd each factor into (element-invariant part) × (data), which is when the per-element sums are exact.
    let internal gaussianPath (b: Bound) (target: NodeInfo) (c: GaussianChild) =
        let slotGroup = Slots.group c.Slot

        match
            Factor.split b slotGroup c.Offset, Factor.split b slotGroup c.Coefficient, Factor.split b slotGroup c.Sd
        with
        | Some(aInv, _), Some(cInv, _), Some(sInv, _) ->
            let child = Bound.node b c.Node.Name
            let elementOf = Slots.elementOf b target child c.Slot |> Result.defaultWith failwith

            let allPresent =
                Slots.representatives target.Copies elementOf |> Array.forall (fun r -> r >= 0)

            if allPresent && [ aInv; cInv; sInv ] |> List.forall (Factor.isInvariant b None) then
                PerSweep
            else
                PerElement
        | _ when (LevelSums.gaussianSplit b target c).IsSome -> LevelSums
        | _ -> Rows

    /// Per-child accumulation into (precision, shift) scratch arrays for the Normal-Normal update.
    let private gaussianAccumulator (b: Bound) (target: NodeInfo) (c: GaussianChild) =
        let child = Bound.node b c.Node.Name
        let elementOf = Slots.elementOf b target child c.Slot |> Result.defaultWith failwith
        let value = Slots.childValues b child
        let slotGroup = Slots.group c.Slot
        let observed = c.Node.Kind.IsObserved

        match
            Factor.split b slotGroup c.Offset, Factor.split b slotGroup c.Coefficient, Factor.split b slotGroup c.Sd
        with
        | Some(aInv, aData), Some(cInv, cData), Some(sInv, sData) ->
            // Sufficient statistics: with c_r = ci·cd_r, s_r = si·sd_r, a_r = ai·ad_r, the element sums are
            // P = Σ cd²/sd², A = Σ cd·ad/sd², Y = Σ cd·y/sd²; then precision += ci²/si²·P, shift += ci/si²·(Y − ai·A).
            // Only the element-sized sums are kept (and a latent child's row weights w, read every sweep).
            let n = target.Copies
            let p = Array.zeroCreate n
            let a = Array.zeroCreate n
            let y = Array.zeroCreate n

            // w_r = cd_r / sd_r², row by row (no row-sized arrays of ad, cd and sd); kept for a latent child only
            let w =
                let ad = UpdateKit.evaluator b child.Scope aData
                let cd = UpdateKit.evaluator b child.Scope cData
                let sd = UpdateKit.evaluator b child.Scope sData

                let kept =
                    if observed then
                        Array.empty
                    else
                        Array.zeroCreate child.Copies

                for r in 0 .. child.Copies - 1 do
                    let e = elementOf.[r]
                    let cdr, sdr = cd r, sd r
                    let wr = cdr / (sdr * sdr)
                    p.[e] <- p.[e] + cdr * wr
                    a.[e] <- a.[e] + ad r * wr

                    if observed then
                        y.[e] <- y.[e] + wr * value Array.empty r // an observed value is data: no state read
                    else
                        kept.[r] <- wr

                kept

            let repr = Slots.representatives n elementOf

            // A latent child's weighted element sums Y_e = Σ w_r·x_r, re-formed every sweep (rows kept: O(copies)).
            let latentSums =
                if observed then
                    None
                else
                    let off = (UpdateKit.stateOffset b child).Value

                    if n = 1 then
                        // A scalar target (μ of θ_j ~ N(μ, τ)): Σ w·θ in the fixed block order (`BlockSums`), so
                        // shards of the groups can return block sums that add up to the same value.
                        let copies = child.Copies

                        Some(fun (s: float[]) (ys: float[]) ->
                            ys.[0] <- BlockSums.total (fun r -> w.[r] * s.[off + r]) copies)
                    else
                        Some(fun (s: float[]) (ys: float[]) ->
                            Array.Clear(ys, 0, n)

                            for r in 0 .. child.Copies - 1 do
                                let e = elementOf.[r]
                                ys.[e] <- ys.[e] + w.[r] * s.[off + r])

            match
                gaussianPath b target c, UpdateKit.perSweep b aInv, UpdateKit.perSweep b cInv, UpdateKit.perSweep b sInv
            with
            | PerSweep, Some ai, Some ci, Some si ->
                // Fused kernel: the invariant factors are read once per sweep; the loop is closure-free.
                fun (s: float[]) (prec: float[]) (shift: float[]) (yScratch: float[]) ->
                    let ys =
                        match latentSums with
                        | Some fill ->
                            fill s yScratch
                            yScratch
                        | None -> y

                    let cv = ci s
                    let sv = si s
                    let av = ai s
                    let iv = 1.0 / (sv * sv)
                    let k1 = cv * cv * iv
                    let k2 = cv * iv

                    for e in 0 .. n - 1 do
                        prec.[e] <- prec.[e] + k1 * p.[e]
                        shift.[e] <- shift.[e] + k2 * (ys.[e] - av * a.[e])
            | _ ->
                let ai = Eval.compileScalar b child.Scope aInv
                let ci = Eval.compileScalar b child.Scope cInv
                let si = Eval.compileScalar b child.Scope sInv

                fun (s: float[]) (prec: float[]) (shift: float[]) (yScratch: float[]) ->
                    let ys =
                        match latentSums with
                        | Some fill ->
                            fill s yScratch
                            yScratch
                        | None -> y

                    for e in 0 .. n - 1 do
                        let r = repr.[e]

                        if r >= 0 then
                            let cv = ci s r
                            let sv = si s r
                            let iv = 1.0 / (sv * sv)
                            prec.[e] <- prec.[e] + cv * cv * iv * p.[e]
                            shift.[e] <- shift.[e] + cv * iv * (ys.[e] - ai s r * a.[e])
        | _ ->
            match LevelSums.gaussian b target c with
            | Some levelSums -> levelSums
            | None -> rowAccumulator b target c

    /// The children's part of the Normal-Normal update: fills, for every target element j, the precision P_j and
    /// shift S_j with Σ children log-density = −½ P_j θ_j² + S_j θ_j + const (from sufficient statistics where
    /// they apply). Arguments: state, P, S, and a scratch array of the target's length.
    let gaussianLikelihood (b: Bound) (target: NodeInfo) (children: GaussianChild list) =
        let accumulators =
            children |> List.map (gaussianAccumulator b target) |> Array.ofList

        fun (s: float[]) (prec: float[]) (shift: float[]) (scratch: float[]) ->
            Array.Clear prec
            Array.Clear shift

            for acc in accumulators do
                acc s prec shift scratch

    /// `gaussianLikelihood` by the general per-row path only (no sufficient statistics): the reference the
    /// sufficient-statistic kernels are checked against in the tests.
    let internal gaussianLikelihoodRows (b: Bound) (target: NodeInfo) (children: GaussianChild list) =
        let accumulators = children |> List.map (rowAccumulator b target) |> Array.ofList

        fun (s: float[]) (prec: float[]) (shift: float[]) (scratch: float[]) ->
            Array.Clear prec
            Array.Clear shift

            for acc in accumulators do
                acc s prec shift scratch
