namespace HierFunctional

open System
open MathNet.Numerics.Distributions
open HierFunctional.Inference

/// One Pólya-Gamma block for every Normal-prior node of one logistic linear predictor: each sweep draws one
/// ω_r ~ PG(n_r, η_r) per row (`PolyaGammaN.draw`), shared by all the nodes, then draws all their elements jointly
/// from the Gaussian they have given ω (precision prior + Σ_r ω_r x_r x_rᵀ, linear term prior + Σ_r x_r(κ_r − ω_r a_r),
/// κ = y − n/2, a_r the part of η read by no member). Elements split into p "global" ones (a dense block) and q
/// per level of one grouping factor (block-diagonal), so the joint draw is the Schur complement: the globals from
/// their marginal, then each level's q given the globals, O(J(q³ + q²p + qp²) + p³) per sweep.
[<RequireQualifiedAccess>]
module internal LogitBlock =

    /// A member node of the block.
    type Member =
        {
            Info: NodeInfo
            /// Offset of its first element in the state.
            StateOffset: int
            /// True when it has one element per level of the block's grouping factor.
            Grouped: bool
            /// Its first element's index among the globals, or its position among the grouped members.
            Slot: int
            Mean: float[] -> int -> float
            Sd: float[] -> int -> float
        }

    /// How one member enters a child's rows: the element each row reads and its coefficient.
    type Term =
        {
            Member: int
            Element: int[]
            Coefficient: float[] -> int -> float
        }

    /// One logistic child node: its trials, κ = y − n/2, the offset of its first term's member (η without that
    /// member's contribution) and every member's term.
    type Rows =
        {
            Copies: int
            Trials: int[]
            Kappa: float[]
            FirstOffset: float[] -> int -> float
            Terms: Term[]
        }

    /// One chain's scratch.
    type private Scratch =
        {
            A: float[]
            Hg: float[]
            B: float[]
            D: float[]
            Hu: float[]
            W: float[]
            Y: float[]
            TermIndex: int[]
            TermCoef: float[]
            TermGrouped: bool[]
        }

    /// The update over `members` (p global elements, q grouped members over `levels` levels) and the rows of `rows`.
    let create
        (name: string)
        (methodName: string)
        (members: Member[])
        (p: int)
        (q: int)
        (levels: int)
        (rows: Rows[])
        : Update =
        let maxTerms = rows |> Array.map _.Terms.Length |> Array.fold max 1

        let fail detail = UpdateKit.fail name methodName detail

        let run (sc: Scratch) (rng: Random) (st: ChainState) =
            let s = st.Values
            let a, hg, bm, dm, hu, w, y = sc.A, sc.Hg, sc.B, sc.D, sc.Hu, sc.W, sc.Y
            Array.Clear a
            Array.Clear hg
            Array.Clear bm
            Array.Clear dm
            Array.Clear hu

            // the priors: precision on the diagonal, precision × mean in the linear term
            for m in members do
                let glob = m.Info.Scope = Scope.Global

                for e in 0 .. m.Info.Copies - 1 do
                    let i = if glob then 0 else e
                    let mean, sd = m.Mean s i, m.Sd s i

                    if not (sd > 0.0 && Double.IsFinite sd && Double.IsFinite mean) then
                        fail $"the prior of '{m.Info.Node.Name}' is Normal({mean}, {sd})"

                    let prec = 1.0 / (sd * sd)

                    if m.Grouped then
                        let u = e * q + m.Slot
                        dm.[u * q + m.Slot] <- dm.[u * q + m.Slot] + prec
                        hu.[u] <- hu.[u] + prec * mean
                    else
                        let g = m.Slot + e
                        a.[g * p + g] <- a.[g * p + g] + prec
                        hg.[g] <- hg.[g] + prec * mean

            // one ω per row, then its contribution to every pair of terms (hot loop)
            for ch in rows do
                let terms = ch.Terms
                let nt = terms.Length

                for r in 0 .. ch.Copies - 1 do
                    let n = ch.Trials.[r]

                    if n > 0 then
                        let mutable level = 0
                        let mutable read = 0.0

                        for t in 0 .. nt - 1 do
                            let term = terms.[t]
                            let m = members.[term.Member]
                            let e = term.Element.[r]
                            let c = term.Coefficient s r
                            read <- read + c * s.[m.StateOffset + e]
                            sc.TermCoef.[t] <- c
                            sc.TermGrouped.[t] <- m.Grouped

                            if m.Grouped then
                                level <- e
                                sc.TermIndex.[t] <- m.Slot
                            else
                                sc.TermIndex.[t] <- m.Slot + e

                        let t0 = terms.[0]

                        let eta =
                            ch.FirstOffset s r
                            + sc.TermCoef.[0] * s.[members.[t0.Member].StateOffset + t0.Element.[r]]

                        let omega = PolyaGammaN.draw rng n eta
                        let z = ch.Kappa.[r] - omega * (eta - read)
                        let du = level * q

                        for t in 0 .. nt - 1 do
                            let ct = sc.TermCoef.[t]
                            let it = sc.TermIndex.[t]

                            if sc.TermGrouped.[t] then
                                hu.[du + it] <- hu.[du + it] + ct * z

                                for v in 0 .. nt - 1 do
                                    let wv = omega * ct * sc.TermCoef.[v]
                                    let iv = sc.TermIndex.[v]

                                    if sc.TermGrouped.[v] then
                                        dm.[(du + it) * q + iv] <- dm.[(du + it) * q + iv] + wv
                                    else
                                        bm.[(du + it) * p + iv] <- bm.[(du + it) * p + iv] + wv
                            else
                                hg.[it] <- hg.[it] + ct * z

                                for v in 0 .. nt - 1 do
                                    if not sc.TermGrouped.[v] then
                                        let iv = sc.TermIndex.[v]
                                        a.[it * p + iv] <- a.[it * p + iv] + omega * ct * sc.TermCoef.[v]

            // per level: factor D_j, W_j = L_j⁻¹ B_j, y_j = L_j⁻¹ h_j; the Schur complement A − Σ W_jᵀW_j and hg − Σ W_jᵀy_j
            for j in 0 .. levels - 1 do
                if not (SmallMv.cholesky q dm (j * q * q)) then
                    fail $"the precision of level {j + 1} is not positive definite"

                SmallMv.solveLower q dm (j * q * q) hu (j * q)

                if p > 0 then
                    for c in 0 .. p - 1 do
                        for i in 0 .. q - 1 do
                            w.[i] <- bm.[(j * q + i) * p + c]

                        SmallMv.solveLower q dm (j * q * q) w 0

                        for i in 0 .. q - 1 do
                            bm.[(j * q + i) * p + c] <- w.[i]

                    for c in 0 .. p - 1 do
                        let mutable sh = 0.0

                        for i in 0 .. q - 1 do
                            sh <- sh + bm.[(j * q + i) * p + c] * hu.[j * q + i]

                        hg.[c] <- hg.[c] - sh

                        for c2 in 0..c do
                            let mutable sa = 0.0

                            for i in 0 .. q - 1 do
                                sa <- sa + bm.[(j * q + i) * p + c] * bm.[(j * q + i) * p + c2]

                            a.[c * p + c2] <- a.[c * p + c2] - sa

            // the globals from their marginal: S = L Lᵀ, β = L⁻ᵀ(L⁻¹h + z)
            if p > 0 then
                if not (SmallMv.cholesky p a 0) then
                    fail "the precision of the global coefficients is not positive definite"

                SmallMv.solveLower p a 0 hg 0

                for i in 0 .. p - 1 do
                    hg.[i] <- hg.[i] + Normal.Sample(rng, 0.0, 1.0)

                SmallMv.solveLowerTransposed p a 0 hg 0

            // each level given the globals: y_j − W_j β is L_j⁻¹ of its linear term
            for j in 0 .. levels - 1 do
                for i in 0 .. q - 1 do
                    let mutable v = hu.[j * q + i]

                    for c in 0 .. p - 1 do
                        v <- v - bm.[(j * q + i) * p + c] * hg.[c]

                    y.[i] <- v + Normal.Sample(rng, 0.0, 1.0)

                SmallMv.solveLowerTransposed q dm (j * q * q) y 0

                for i in 0 .. q - 1 do
                    hu.[j * q + i] <- y.[i]

            for m in members do
                for e in 0 .. m.Info.Copies - 1 do
                    let x = if m.Grouped then hu.[e * q + m.Slot] else hg.[m.Slot + e]
                    UpdateKit.checkFinite m.Info.Node.Name methodName x
                    s.[m.StateOffset + e] <- x

        {
            Node = name
            Method = methodName
            Kind = UpdateKind.LogitBlock
            Exactness = Exactness.Exact
            Reason = ""
            KeepsWeight = false
            Init =
                fun _ ->
                    let sc =
                        {
                            A = Array.zeroCreate (p * p)
                            Hg = Array.zeroCreate p
                            B = Array.zeroCreate (levels * q * p)
                            D = Array.zeroCreate (levels * q * q)
                            Hu = Array.zeroCreate (levels * q)
                            W = Array.zeroCreate (max q 1)
                            Y = Array.zeroCreate (max q 1)
                            TermIndex = Array.zeroCreate maxTerms
                            TermCoef = Array.zeroCreate maxTerms
                            TermGrouped = Array.zeroCreate maxTerms
                        }

                    UpdateStep.scratch (run sc)
        }
