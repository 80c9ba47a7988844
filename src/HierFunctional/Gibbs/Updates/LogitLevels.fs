namespace HierFunctional

open System
open HierFunctional.Inference

/// The shared-ω pass's choice for a logistic block with no global elements and large trials: each level's q elements
/// (blocker's μ_j, δ_j) take one independence Metropolis–Hastings step on their exact joint conditional, proposed from a
/// multivariate Student-t at the Newton mode with the Laplace scale. The conditional is Normal prior × Π binomial-logit
/// rows of that level, O(rows of the level) per evaluation whatever the trials, where Pólya-Gamma would draw one
/// PG(n, η) per row at a cost growing with n (and only approximately for large n). The proposal's centre and scale are
/// a deterministic function of the non-members and the data, never of the current value, so the step is exact (it
/// leaves the conditional invariant); its t tails dominate the log-concave conditional's, so the weights are bounded.
[<RequireQualifiedAccess>]
module internal LogitLevels =

    /// Degrees of freedom of the t proposal (as `LogitKernel.ProposalDof`).
    [<Literal>]
    let ProposalDof = 16.0

    /// The most elements per level the step takes (q³ Newton solves per level).
    [<Literal>]
    let MaxPerLevel = 8

    /// The largest trial count at which the shared-ω block is kept: above it, Pólya-Gamma's series costs more than
    /// a few Newton steps and is approximate (`PolyaGammaN.ExactUpTo`).
    let chosen (globals: int) (perLevel: int) (maxTrials: int) =
        globals = 0
        && perLevel >= 1
        && perLevel <= MaxPerLevel
        && maxTrials > PolyaGammaN.ExactUpTo

    /// One chain's scratch: per row of the current level its offset, trials, successes, Newton-start weight and
    /// empirical logit, its q coefficients; per level the q-vectors and q×q matrices of the step.
    type private Scratch =
        {
            O: float[]
            N: float[]
            Y: float[]
            W0: float[]
            Ell: float[]
            C: float[]
            Mean: float[]
            Prec: float[]
            U: float[]
            Cur: float[]
            G: float[]
            H: float[]
            Step: float[]
            Trial: float[]
        }

    /// Solves L Lᵀ x = v in place (L the lower factor).
    let private solve (l: float[]) (k: int) (v: float[]) =
        SmallMv.solveLower k l 0 v 0
        SmallMv.solveLowerTransposed k l 0 v 0

    /// The log-conditional at u (up to a constant): Σ_i −½ prec_i (u_i − m_i)² + Σ_k y_k η_k − n_k log(1 + e^(η_k)),
    /// η_k = o_k + c_kᵀu over the level's `rows` rows.
    let private logTarget (sc: Scratch) (q: int) (rows: int) (u: float[]) =
        let mutable acc = 0.0

        for i in 0 .. q - 1 do
            let z = u.[i] - sc.Mean.[i]
            acc <- acc - 0.5 * sc.Prec.[i] * z * z

        for k in 0 .. rows - 1 do
            let mutable eta = sc.O.[k]

            for i in 0 .. q - 1 do
                eta <- eta + sc.C.[k * q + i] * u.[i]

            acc <- acc + sc.Y.[k] * eta - sc.N.[k] * LogitKernel.softplus eta

        acc

    /// The log-conditional at u, its gradient into G and its negative Hessian into H.
    let private derivatives (sc: Scratch) (q: int) (rows: int) (u: float[]) =
        let g, h = sc.G, sc.H
        let mutable acc = 0.0
        Array.Clear h

        for i in 0 .. q - 1 do
            let z = u.[i] - sc.Mean.[i]
            acc <- acc - 0.5 * sc.Prec.[i] * z * z
            g.[i] <- -sc.Prec.[i] * z
            h.[i * q + i] <- sc.Prec.[i]

        for k in 0 .. rows - 1 do
            let mutable eta = sc.O.[k]

            for i in 0 .. q - 1 do
                eta <- eta + sc.C.[k * q + i] * u.[i]

            let e = exp -(abs eta)
            // σ(η) and log(1 + e^η) from one exponential
            let p = if eta >= 0.0 then 1.0 / (1.0 + e) else e / (1.0 + e)
            let sp = (max eta 0.0) + log (1.0 + e)
            let n = sc.N.[k]
            acc <- acc + sc.Y.[k] * eta - n * sp
            let r = sc.Y.[k] - n * p
            let w = n * p * (1.0 - p)

            for i in 0 .. q - 1 do
                let ci = sc.C.[k * q + i]
                g.[i] <- g.[i] + ci * r

                for j in 0..i do
                    h.[i * q + j] <- h.[i * q + j] + w * ci * sc.C.[k * q + j]

        for i in 0 .. q - 1 do
            for j in i + 1 .. q - 1 do
                h.[i * q + j] <- h.[j * q + i]

        acc

    /// The Newton mode of the level's conditional from the weighted-least-squares start on the empirical logits,
    /// left in U, with the Cholesky factor of the negative Hessian there in H; false when a precision is not positive
    /// definite. Deterministic in the scratch's rows and prior (never reads the current value).
    let private mode (sc: Scratch) (q: int) (rows: int) =
        let u, h = sc.U, sc.H
        Array.Clear h

        for i in 0 .. q - 1 do
            h.[i * q + i] <- sc.Prec.[i]
            u.[i] <- sc.Prec.[i] * sc.Mean.[i]

        for k in 0 .. rows - 1 do
            let w = sc.W0.[k]
            let target = sc.Ell.[k] - sc.O.[k]

            for i in 0 .. q - 1 do
                let ci = sc.C.[k * q + i]
                u.[i] <- u.[i] + w * ci * target

                for j in 0 .. q - 1 do
                    h.[i * q + j] <- h.[i * q + j] + w * ci * sc.C.[k * q + j]

        let mutable ok = SmallMv.cholesky q h 0

        if ok then
            solve h q u

        let mutable iter = 0
        let mutable converged = false
        let mutable f = if ok then derivatives sc q rows u else nan

        // Newton with step halving (the conditional is concave, so a halved step eventually increases it)
        while ok && not converged do
            ok <- SmallMv.cholesky q h 0

            if ok then
                Array.blit sc.G 0 sc.Step 0 q
                solve h q sc.Step
                let mutable size = 0.0

                for i in 0 .. q - 1 do
                    size <- max size (abs sc.Step.[i] / (1.0 + abs u.[i]))

                if size < 1e-9 || iter >= 50 then
                    converged <- true
                else
                    let mutable t = 1.0
                    let mutable accepted = false

                    while not accepted do
                        for i in 0 .. q - 1 do
                            sc.Trial.[i] <- u.[i] + t * sc.Step.[i]

                        let ft = logTarget sc q rows sc.Trial

                        if ft >= f - 1e-12 * abs f || t < 1e-6 then
                            accepted <- true
                        else
                            t <- 0.5 * t

                    Array.blit sc.Trial 0 u 0 q
                    f <- derivatives sc q rows u
                    iter <- iter + 1

        ok

    /// The update over `members` (all grouped, q of them, slots 0…q − 1) on `levels` levels and the rows of `rows`.
    let create
        (name: string)
        (methodName: string)
        (members: LogitBlock.Member[])
        (q: int)
        (levels: int)
        (rows: LogitBlock.Rows[])
        : Update =
        let fail detail = UpdateKit.fail name methodName detail
        let bySlot = Array.init q (fun i -> members |> Array.find (fun m -> m.Slot = i))

        // every informative row (n > 0) by level: its child and row index, and its data part of the Newton start
        let flat =
            [|
                for ci in 0 .. rows.Length - 1 do
                    let ch = rows.[ci]
                    let t0 = ch.Terms.[0]

                    for r in 0 .. ch.Copies - 1 do
                        if ch.Trials.[r] > 0 then
                            yield t0.Element.[r], ci, r
            |]
            |> Array.sortBy (fun (level, _, _) -> level)

        let levelStart = Array.zeroCreate (levels + 1)

        for level, _, _ in flat do
            levelStart.[level + 1] <- levelStart.[level + 1] + 1

        for j in 0 .. levels - 1 do
            levelStart.[j + 1] <- levelStart.[j + 1] + levelStart.[j]

        let rowChild = flat |> Array.map (fun (_, c, _) -> c)
        let rowIndex = flat |> Array.map (fun (_, _, r) -> r)

        let rowN =
            Array.init flat.Length (fun k -> float rows.[rowChild.[k]].Trials.[rowIndex.[k]])

        let rowY =
            Array.init flat.Length (fun k -> rows.[rowChild.[k]].Kappa.[rowIndex.[k]] + 0.5 * rowN.[k])

        let struct (rowW0, rowEll) = LogitKernel.empirical rowY rowN

        let maxRows =
            Array.init levels (fun j -> levelStart.[j + 1] - levelStart.[j])
            |> Array.fold max 1

        let nu = ProposalDof

        let run (sc: Scratch) (rng: Random) (st: ChainState) =
            let s = st.Values

            for j in 0 .. levels - 1 do
                let first = levelStart.[j]
                let nr = levelStart.[j + 1] - first

                for i in 0 .. q - 1 do
                    let m = bySlot.[i]
                    let at = if m.Info.Scope = Scope.Global then 0 else j
                    let mean, sd = m.Mean s at, m.Sd s at

                    if not (sd > 0.0 && Double.IsFinite sd && Double.IsFinite mean) then
                        fail $"the prior of '{m.Info.Node.Name}' is Normal({mean}, {sd})"

                    sc.Mean.[i] <- mean
                    sc.Prec.[i] <- 1.0 / (sd * sd)
                    sc.Cur.[i] <- s.[m.StateOffset + j]

                // each row's coefficients on the level's elements and the offset η − Σ c·u read by no member
                Array.Clear(sc.C, 0, nr * q)

                for k in 0 .. nr - 1 do
                    let ch = rows.[rowChild.[first + k]]
                    let r = rowIndex.[first + k]
                    let mutable read = 0.0
                    let mutable c0 = 0.0

                    for t in 0 .. ch.Terms.Length - 1 do
                        let term = ch.Terms.[t]
                        let m = members.[term.Member]
                        let c = term.Coefficient s r
                        read <- read + c * s.[m.StateOffset + term.Element.[r]]
                        sc.C.[k * q + m.Slot] <- sc.C.[k * q + m.Slot] + c

                        if t = 0 then
                            c0 <- c

                    let t0 = ch.Terms.[0]

                    let eta =
                        ch.FirstOffset s r + c0 * s.[members.[t0.Member].StateOffset + t0.Element.[r]]

                    sc.O.[k] <- eta - read
                    sc.N.[k] <- rowN.[first + k]
                    sc.Y.[k] <- rowY.[first + k]
                    sc.W0.[k] <- rowW0.[first + k]
                    sc.Ell.[k] <- rowEll.[first + k]

                if nr = 0 then
                    // no rows: the conditional is the prior, drawn exactly
                    for i in 0 .. q - 1 do
                        let m = bySlot.[i]
                        s.[m.StateOffset + j] <- sc.Mean.[i] + StandardNormal.sample rng / sqrt sc.Prec.[i]
                else
                    if not (mode sc q nr) then
                        fail $"the precision of level {j + 1} is not positive definite"

                    // proposal x = mode + √(ν/χ²_ν) L⁻ᵀz; Q(x) = (x − mode)ᵀ H (x − mode)
                    let mutable zz = 0.0

                    for i in 0 .. q - 1 do
                        let z = StandardNormal.sample rng
                        sc.Step.[i] <- z
                        zz <- zz + z * z

                    let scale = sqrt (nu / (2.0 * GammaVariate.standard rng (0.5 * nu)))

                    SmallMv.solveLowerTransposed q sc.H 0 sc.Step 0

                    for i in 0 .. q - 1 do
                        sc.Trial.[i] <- sc.U.[i] + scale * sc.Step.[i]

                    let qx = scale * scale * zz
                    let mutable qc = 0.0

                    for i in 0 .. q - 1 do
                        // (Lᵀ(cur − mode))_i = Σ_{l ≥ i} L_{l,i} (cur − mode)_l
                        let mutable v = 0.0

                        for l in i .. q - 1 do
                            v <- v + sc.H.[l * q + i] * (sc.Cur.[l] - sc.U.[l])

                        qc <- qc + v * v

                    let logAlpha =
                        logTarget sc q nr sc.Trial - logTarget sc q nr sc.Cur
                        + 0.5 * (nu + float q) * (log (1.0 + qx / nu) - log (1.0 + qc / nu))

                    if logAlpha >= 0.0 || rng.NextDouble() < exp logAlpha then
                        for i in 0 .. q - 1 do
                            let m = bySlot.[i]
                            UpdateKit.checkFinite m.Info.Node.Name methodName sc.Trial.[i]
                            s.[m.StateOffset + j] <- sc.Trial.[i]

        {
            Node = name
            Method = methodName
            Kind = UpdateKind.LogitBlock
            Exactness = Exactness.Markov
            Reason = ""
            KeepsWeight = false
            Init =
                fun _ ->
                    let sc =
                        {
                            O = Array.zeroCreate maxRows
                            N = Array.zeroCreate maxRows
                            Y = Array.zeroCreate maxRows
                            W0 = Array.zeroCreate maxRows
                            Ell = Array.zeroCreate maxRows
                            C = Array.zeroCreate (maxRows * q)
                            Mean = Array.zeroCreate q
                            Prec = Array.zeroCreate q
                            U = Array.zeroCreate q
                            Cur = Array.zeroCreate q
                            G = Array.zeroCreate q
                            H = Array.zeroCreate (q * q)
                            Step = Array.zeroCreate q
                            Trial = Array.zeroCreate q
                        }

                    UpdateStep.scratch (run sc)
        }
