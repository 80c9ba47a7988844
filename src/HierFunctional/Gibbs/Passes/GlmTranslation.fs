namespace HierFunctional

open System
open HierFunctional.Inference

/// A translation move for the GLM block, after Liu & Sabatti (2000): a Normal random effect re[g] that every row of the
/// block's children reads as + re[g[row]] (and nothing else reads), and block columns with one non-zero value c_l in
/// the rows of each level l and 0 in the level's other rows (a case indicator times stratum covariates, as Oxford's
/// α, β1, β2 given the stratum intercepts μ). Given re the coefficients β can only move as far as the rows with the
/// non-zero value allow, and re as far as the others allow: re's mean and β are strongly correlated. The move draws δ
/// in (β + δ, re_l − c_l·δ), a translation (Jacobian 1), from its conditional ∝ π(β + δ, re − Cδ): the coefficient
/// priors, re's prior and the rows with the value 0, whose linear predictors move by −c_l·δ (the rows with c_l are
/// unchanged). That is the generalised Gibbs step of the translation group, exact as an MH step with the GLM block's
/// mode-centred Gaussian/t proposal. When every column is constant within levels (no row moves), `GlmCentring` draws
/// the same move in closed form.
[<RequireQualifiedAccess>]
module internal GlmTranslation =

    /// The rows of one block child that the move changes (c_l ≠ X_r on some column): their indices and designs in δ.
    type Part =
        {
            /// The child's index among the block's children.
            Child: int
            Rows: int[]
            /// Rows × p, row-major: X_r − c_l(r) on the move's columns.
            D: float[]
        }

    /// A translation of re along some block columns.
    type Translation =
        {
            Name: string
            Offset: int
            Levels: int
            /// Indices (into the block) of the moved columns.
            Cols: int[]
            /// Per level, c_l on the moved columns (levels × p).
            C: float[]
            /// Σ_l c_l c_lᵀ (p × p, row-major).
            CtC: float[]
            Parts: Part[]
            PriorMean: Eval.Compiled<float>
            PriorSd: Eval.Compiled<float>
            /// The proposal's t normaliser for p coordinates.
            TConst: float
        }

    /// The rows' information about re from the data alone, split by whether the move changes them: per level and side,
    /// Y(N − Y)/N for logit rows (Y successes of N trials pooled, so Bernoulli rows count too) and Y for log-link rows,
    /// summed over levels.
    let private information
        (b: Bound)
        (g: string)
        (levels: int)
        (children: GlmProposal.Child[])
        (changed: int -> int -> bool)
        =
        let zero = UpdateKit.zeroState b
        // per level and side (0 unchanged, 1 changed): logit Y, logit N, log-link Y
        let sums = Array.zeroCreate (levels * 6)

        children
        |> Array.iteri (fun ci ch ->
            let level = Eval.groupLevel b ch.Info.Scope g

            for r in 0 .. ch.Rows - 1 do
                let at = 6 * level r + (if changed ci r then 3 else 0)

                match ch.Link with
                | GlmProposal.Link.Logit ->
                    sums.[at] <- sums.[at] + ch.Y.[r]
                    sums.[at + 1] <- sums.[at + 1] + ch.Trials zero r
                | GlmProposal.Link.Log
                | GlmProposal.Link.NegBinLog -> sums.[at + 2] <- sums.[at + 2] + ch.Y.[r])

        let side at =
            Seq.sum (
                seq {
                    for l in 0 .. levels - 1 do
                        let y, n = sums.[6 * l + at], sums.[6 * l + at + 1]
                        yield (if n > 0.0 then y * (n - y) / n else 0.0) + sums.[6 * l + at + 2]
                }
            )

        side 0, side 3

    /// The share of re's data information in the rows a translation leaves unchanged, at or above which it is added.
    /// Given re, a moved coefficient learns only from those rows, so (Normal approximation, vague prior on re) the
    /// coefficient's lag-1 autocorrelation under the block and re's own update is about that share; at 1/3 the move
    /// doubles the coefficient's ESS per sweep, which pays for its cost (about 15% of Oxford's sweep). Epil's V4 rows
    /// hold 0.22 of b1's information (the move cost 10% of its sweep and its slowest scalar is sigma_b1); Oxford's
    /// case rows 0.59 (alpha's lag-1 autocorrelation 0.67 without the move, 0.12 with it).
    let worthwhile = 1.0 / 3.0

    /// The translation of `re` over the block's columns that are constant where non-zero within re's levels (and not
    /// constant: those `GlmCentring` moves exactly), leaving out members with a Uniform prior (`bounded`).
    let private translationFor
        (b: Bound)
        (expanded: Model)
        (members: string[])
        (bounded: bool[])
        (glm: GlmProposal.Child[])
        (children: GlmCentring.Row[])
        (re: string)
        =
        let k = members.Length

        match GlmCentring.effectFor b expanded members children re with
        | Some(info, g, m, sd) ->
            let levels = info.Copies

            let cols, c, ctc =
                GlmCentring.columnsWhere b children g levels k (fun j kind ->
                    kind = GlmCentring.Column.ConstantWhereNonZero && not bounded.[j])

            let p = cols.Length

            let designs =
                children
                |> Array.map (fun ch ->
                    let level = Eval.groupLevel b ch.Info.Scope g
                    fun r -> Array.init p (fun i -> ch.X.[r * k + cols.[i]] - c.[level r * p + i]))

            let changed ci r =
                designs.[ci]r |> Array.exists ((<>) 0.0)

            let parts =
                children
                |> Array.mapi (fun ci ch ->
                    let rows = Array.init ch.Rows id |> Array.filter (changed ci)

                    {
                        Child = ci
                        Rows = rows
                        D = rows |> Array.collect designs.[ci]
                    })
                |> Array.filter (fun part -> part.Rows.Length > 0)

            let unchanged, moved = information b g levels glm changed

            // Σ c cᵀ singular (collinear moved columns) leaves a direction of δ that only the rows pin
            if
                p = 0
                || parts.Length = 0
                || not (unchanged >= worthwhile * (unchanged + moved) && unchanged > 0.0)
                || not (SmallMv.cholesky p (Array.copy ctc) 0)
            then
                None
            else
                Some
                    {
                        Name = re
                        Offset = b.Layout.Offsets.[re]
                        Levels = levels
                        Cols = cols
                        C = c
                        CtC = ctc
                        Parts = parts
                        PriorMean = Eval.compileScalar b Scope.Global m
                        PriorSd = Eval.compileScalar b Scope.Global sd
                        TConst = GlmProposal.tLogNormaliser p
                    }
        | None -> None

    /// The translations of every qualifying random effect in the block's linear predictors.
    let translationsFor
        (b: Bound)
        (expanded: Model)
        (members: string[])
        (bounded: bool[])
        (glm: GlmProposal.Child[])
        (children: GlmCentring.Row[])
        =
        GlmCentring.forEachEffect b children (translationFor b expanded members bounded glm children)

    /// One chain's buffers for a translation: the moved rows as GLM children of δ's whitened coordinates γ, and the
    /// proposal's scratch.
    type Scratch =
        {
            Children: GlmProposal.Child[]
            Offs: float[][]
            /// The Gaussian part's precision, then its Cholesky factor L (p × p).
            L: float[]
            Delta0: float[]
            Gamma: float[]
            Prop: float[]
            Grad: float[]
            Prec: float[]
            Mean: float[]
            Work: float[]
            Cand: float[]
            Centre: float[]
            Zero: float[]
            One: float[]
            Unbounded: float[]
        }

    /// A chain's buffers for translation `tr` of a block with children `children`.
    let scratch (tr: Translation) (children: GlmProposal.Child[]) : Scratch =
        let p = tr.Cols.Length

        let subs =
            tr.Parts
            |> Array.map (fun part ->
                let ch = children.[part.Child]
                let rows = part.Rows

                { ch with
                    Rows = rows.Length
                    X = Array.zeroCreate (rows.Length * p)
                    Offset = fun s i -> ch.Offset s rows.[i]
                    Trials = fun s i -> ch.Trials s rows.[i]
                    Y = rows |> Array.map (fun r -> ch.Y.[r])
                })

        {
            Children = subs
            Offs = subs |> Array.map (fun c -> Array.zeroCreate c.Rows)
            L = Array.zeroCreate (p * p)
            Delta0 = Array.zeroCreate p
            Gamma = Array.zeroCreate p
            Prop = Array.zeroCreate p
            Grad = Array.zeroCreate p
            Prec = Array.zeroCreate (p * p)
            Mean = Array.zeroCreate p
            Work = Array.zeroCreate p
            Cand = Array.zeroCreate p
            Centre = Array.zeroCreate p
            Zero = Array.zeroCreate p
            One = Array.create p 1.0
            Unbounded = Array.init (2 * p) (fun i -> if i % 2 = 0 then -infinity else infinity)
        }

    /// One translation step. The Gaussian part of δ's conditional (coefficient priors pm, pp of the block's members;
    /// re's prior) has precision A = diag(pp) + CᵀC/σ² = L Lᵀ and mean δ₀; in γ = Lᵀ(δ − δ₀) it is standard Normal,
    /// so the moved rows (design L⁻¹(X_r − c_l), offset η_r + (X_r − c_l)·δ₀) and a unit prior make a GLM block that
    /// `GlmProposal.step` moves exactly. The map δ ↔ γ is fixed during the step (A reads neither β nor re), so its
    /// Jacobian cancels. Returns whether the proposal was accepted.
    let move
        (update: string)
        (rng: Random)
        (tr: Translation)
        (sc: Scratch)
        (children: GlmProposal.Child[])
        (s: float[])
        (memberOffsets: int[])
        (pm: float[])
        (pp: float[])
        (adapting: bool)
        =
        let p = tr.Cols.Length
        let k = memberOffsets.Length
        let l, h = sc.L, sc.Delta0
        let sd = tr.PriorSd s 0
        let w = 1.0 / (sd * sd)
        let mu = tr.PriorMean s 0

        for i in 0 .. p - 1 do
            let j = tr.Cols.[i]
            h.[i] <- -pp.[j] * (s.[memberOffsets.[j]] - pm.[j])

            for q in 0..i do
                l.[i * p + q] <- w * tr.CtC.[i * p + q]

            l.[i * p + i] <- l.[i * p + i] + pp.[j]

        for lv in 0 .. tr.Levels - 1 do
            let r = w * (s.[tr.Offset + lv] - mu)

            for i in 0 .. p - 1 do
                h.[i] <- h.[i] + r * tr.C.[lv * p + i]

        if not (SmallMv.cholesky p l 0) then
            UpdateKit.fail tr.Name update "the translation's Gaussian precision is not positive definite"

        SmallMv.solveLower p l 0 h 0
        SmallMv.solveLowerTransposed p l 0 h 0

        // δ = 0 (the current state) is γ = −Lᵀδ₀
        for i in 0 .. p - 1 do
            let mutable v = 0.0

            for q in i .. p - 1 do
                v <- v + l.[q * p + i] * h.[q]

            sc.Gamma.[i] <- -v

        // hot loop: the moved rows' offsets and whitened designs
        for pi in 0 .. tr.Parts.Length - 1 do
            let part = tr.Parts.[pi]
            let ch = children.[part.Child]
            let sub, offs = sc.Children.[pi], sc.Offs.[pi]

            for i in 0 .. part.Rows.Length - 1 do
                let r = part.Rows.[i]
                let mutable eta = ch.Offset s r

                for j in 0 .. k - 1 do
                    eta <- eta + ch.X.[r * k + j] * s.[memberOffsets.[j]]

                for q in 0 .. p - 1 do
                    let d = part.D.[i * p + q]
                    eta <- eta + d * h.[q]
                    sub.X.[i * p + q] <- d

                SmallMv.solveLower p l 0 sub.X (i * p)
                offs.[i] <- eta

        let prepare =
            GlmProposal.prepare p sc.Children sc.Offs sc.Zero sc.One sc.Unbounded s sc.Grad sc.Prec sc.Mean

        let lpCur = prepare sc.Gamma

        if Double.IsNaN lpCur then
            if not adapting then
                UpdateKit.fail
                    tr.Name
                    update
                    "the translation's log-density or IWLS precision at the current value is not finite and positive definite"

            false
        else
            let accept =
                GlmProposal.step
                    p
                    tr.TConst
                    sc.Children
                    sc.Offs
                    sc.Zero
                    sc.One
                    sc.Unbounded
                    s
                    sc.Grad
                    sc.Prec
                    sc.Mean
                    sc.Work
                    sc.Cand
                    sc.Centre
                    sc.Prop
                    sc.Gamma
                    lpCur
                    rng

            if accept then
                // δ = δ₀ + L⁻ᵀγ*
                let delta = sc.Work
                Array.blit sc.Prop 0 delta 0 p
                SmallMv.solveLowerTransposed p l 0 delta 0

                for i in 0 .. p - 1 do
                    delta.[i] <- delta.[i] + h.[i]
                    let off = memberOffsets.[tr.Cols.[i]]
                    s.[off] <- s.[off] + delta.[i]

                for lv in 0 .. tr.Levels - 1 do
                    let mutable acc = 0.0

                    for i in 0 .. p - 1 do
                        acc <- acc + tr.C.[lv * p + i] * delta.[i]

                    s.[tr.Offset + lv] <- s.[tr.Offset + lv] - acc

            accept
