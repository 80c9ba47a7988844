namespace HierFunctional

open System
open System.Runtime.Intrinsics
open HierFunctional.Inference

/// Logistic random intercepts a_j ~ Normal(μ, τ) whose rows collapse to (Σy, Σn) per group (bench cbpp), where μ and
/// τ are scalar parameters with priors of data arguments that nothing but a reads. The pass replaces the updates of μ,
/// τ and a (and so their interweaving) by one independence Metropolis–Hastings step on (μ, log τ, a): (μ, log τ) from
/// a `GridProposal` table of their Laplace marginal with a integrated out, then each a_j from a `SplitT` about its
/// mode given the grid cell's centre. Exact whatever the table's error, since the proposal is positive everywhere and
/// the acceptance uses the exact joint density; the error only lowers acceptance. The step beats the Gibbs sweep only
/// while acceptance, a product of one proposal error per group, stays high: at most `MaxGroups` groups.
[<RequireQualifiedAccess>]
module internal TabulatedLogitNormal =

    let private rule = "joint logistic intercepts"

    /// Most groups the step takes (about 0.8 acceptance at 15 groups, falling geometrically with more).
    let MaxGroups = 40

    /// Cells per axis of the (μ, log τ) table: its cost is groups × cells², each a Newton search.
    let private gridSize = 64

    /// The collapsed groups, per group Σy, Σn and the data offset and coefficient of η = o + c·a, padded to whole
    /// vectors (`LogitLanes.Width`) with harmless groups that `Real` masks out.
    type private Groups =
        {
            Count: int
            Stride: int
            Y: float[]
            N: float[]
            O: float[]
            C: float[]
            Real: float[]
        }

    let private groupsOf (ys: float[]) (ns: float[]) (os: float[]) (cs: float[]) : Groups =
        let count = ys.Length
        let stride = LogitLanes.padded count

        let pad (fill: float) (xs: float[]) =
            Array.init stride (fun j -> if j < count then xs.[j] else fill)

        {
            Count = count
            Stride = stride
            Y = pad 0.0 ys
            N = pad 0.0 ns
            O = pad 0.0 os
            C = pad 1.0 cs
            Real = Array.init stride (fun j -> if j < count then 1.0 else 0.0)
        }

    /// Group j's data as the one-child arrays `LogitKernel` reads (made once).
    let private childOf (g: Groups) (j: int) =
        struct ([| g.Y.[j] |], [| g.N.[j] |], [| g.O.[j] |], [| g.C.[j] |])

    /// Each group's split-t proposal given (μ, τ), written into p from `at` (`SplitT` slots, `Stride` of them).
    let private fitAll (g: Groups) (children: struct (float[] * float[] * float[] * float[])[]) mu tau p at =
        for j in 0 .. g.Count - 1 do
            let struct (y, n, o, c) = children.[j]
            let struct (mode, curvature) = LogitKernel.laplace mu tau y n o c
            SplitT.fit (LogitKernel.logConditional mu tau y n o c) mode curvature p at g.Stride j

    /// Σ_j log N(x_j; μ, τ) + loglik_j(x_j) − log q_j(x_j) over the real groups, without the −log τ and −½ log 2π
    /// each prior term has, where t_j = `SplitT.standardised` x_j: the hot loop, four groups to a vector, with the
    /// softplus in its stable form max(η, 0) + log(1 + e^−|η|).
    let private weigh (g: Groups) (p: float[]) (at: int) (mu: float) (tau: float) (x: float[]) (t: float[]) =
        let vmu, invTau, one =
            LogitLanes.splat mu, LogitLanes.splat (1.0 / tau), Vector256<float>.One

        let half, invNu, power =
            LogitLanes.splat 0.5, LogitLanes.splat (1.0 / SplitT.Dof), LogitLanes.splat (0.5 * (SplitT.Dof + 1.0))

        let zero = Vector256<float>.Zero
        let mutable acc = zero

        // vector sums (local accumulation); padding lanes are selected out, never multiplied (they may hold NaN)
        for r in 0 .. LogitLanes.Width .. g.Stride - 1 do
            let xv, tv = LogitLanes.load x r, LogitLanes.load t r
            let eta = LogitLanes.load g.O r + LogitLanes.load g.C r * xv

            let softplus =
                Vector256.Max(eta, zero)
                + LogitLanes.vlog (one + LogitLanes.vexp (-(Vector256.Abs eta)))

            let z = (xv - vmu) * invTau

            let logQ =
                LogitLanes.load p (at + 4 * g.Stride + r)
                - power * LogitLanes.vlog (one + tv * tv * invNu)

            let term =
                LogitLanes.load g.Y r * eta
                - LogitLanes.load g.N r * softplus
                - half * z * z
                - logQ

            acc <-
                acc
                + Vector256.ConditionalSelect(Vector256.GreaterThan(LogitLanes.load g.Real r, zero), term, zero)

        Vector256.Sum acc

    /// For each of `count` groups, from one generator in turn: a polar point for its t draw (`LogitKernel.polarPoint`),
    /// then the uniform that picks its side, into w's PolarU, PolarW and U. The step moves every group at once, so
    /// the chain's own generator serves (no group streams: far fewer Philox blocks than `GroupStream.Blocks`' depth).
    let inline private polarPoints ([<InlineIfLambda>] uniform: unit -> float) (count: int) (w: LogitLanes.Scratch) =
        // writes the chain's scratch, group by group
        for j in 0 .. count - 1 do
            let struct (u, r) = LogitKernel.polarPointFrom uniform
            w.PolarU.[j] <- u
            w.PolarW.[j] <- r
            w.U.[j] <- uniform ()

    /// Draws every group's split-t value into x and its t value into t, from the polar points and uniforms in w
    /// (`polarPoints`): the uniform picks the side.
    let private drawAll (g: Groups) (p: float[]) (at: int) (w: LogitLanes.Scratch) (x: float[]) (t: float[]) =
        // vector loop over the groups (writes the caller's scratch)
        for r in 0 .. LogitLanes.Width .. g.Stride - 1 do
            let tv =
                Vector256.Abs(LogitLanes.studentT (LogitLanes.load w.PolarU r) (LogitLanes.load w.PolarW r))

            let m = LogitLanes.load p (at + r)

            let left =
                Vector256.LessThan(LogitLanes.load w.U r, LogitLanes.load p (at + 3 * g.Stride + r))

            let leftX = m - LogitLanes.load p (at + g.Stride + r) * tv
            let rightX = m + LogitLanes.load p (at + 2 * g.Stride + r) * tv
            LogitLanes.store (Vector256.ConditionalSelect(left, leftX, rightX)) x r
            LogitLanes.store tv t r

    /// One chain's scratch: the state the kept weight was computed for, that weight, the candidate intercepts and
    /// their t values, the polar points, and the proposals fitted at a point outside the grid.
    [<AllowNullLiteral>]
    type private Scratch(g: Groups) =
        member val Mu = nan with get, set
        member val Tau = nan with get, set
        member val A: float[] = Array.create g.Count nan
        member val W = nan with get, set
        member val Next: float[] = Array.zeroCreate g.Stride
        member val T: float[] = Array.zeroCreate g.Stride
        member val Lanes = LogitLanes.scratch g.Stride
        member val Outside: float[] = SplitT.blank g.Stride

    /// The step for intercepts node `a` (the logistic rule's node), or None when the pattern does not hold or no
    /// table is built.
    let private tryJoint
        (density: CompiledDensity)
        (expanded: Model)
        (a: NodeInfo)
        : (string * string * Update) option =
        let b = density.Bound

        match GlmConjugacy.polyaGammaLogistic.Recognise expanded a.Node with
        | RuleOutcome.Matched(GaussianPrior.Elementwise(Param mu, Param tau), children) when
            mu <> tau
            && a.Event = Shape.Scalar
            && a.Copies <= MaxGroups
            && UpdateKit.isPrivateHyperparameter density a.Node.Name Support.Real mu
            && UpdateKit.isPrivateHyperparameter density a.Node.Name Support.Positive tau
            ->
            match LogitIntercepts.collapsedFixed b a children with
            | Some(ys, ns, os, cs) when
                Array.forall Double.IsFinite (Array.concat [ ys; ns; os; cs ])
                && Array.forall (fun n -> n >= 0.0) ns
                ->
                let g = groupsOf ys ns os cs
                let children = Array.init g.Count (childOf g)
                let groups = g.Count
                let name = a.Node.Name

                let offMu, offTau, off =
                    b.Layout.Offsets.[mu], b.Layout.Offsets.[tau], b.Layout.Offsets.[name]

                let ownMu = density.Term { Node = mu; Copy = 0 }
                let ownTau = density.Term { Node = tau; Copy = 0 }

                let method =
                    $"{rule} ({mu}, {tau}, {name} by one independence Metropolis-Hastings step: ({mu}, log {tau}) from their tabulated Laplace marginal, each {name} from a split-t about its mode)"

                // log p(μ, log τ | y) with a integrated out by Laplace's method per group: the priors, the Jacobian
                // τ, and per group max_a [log N(a; μ, τ) + loglik] + ½ log(2π/h) (the 2π cancelling the prior's)
                let logMarginal (s: float[]) (u1: float) (u2: float) =
                    let tau = exp u2
                    s.[offMu] <- u1
                    s.[offTau] <- tau

                    if tau > 0.0 && Double.IsFinite(u1 + tau) then
                        let mutable sum = ownMu s + ownTau s + u2 - float groups * u2 // accumulator

                        for j in 0 .. groups - 1 do
                            let struct (y, n, o, c) = children.[j]
                            let struct (mode, h) = LogitKernel.laplaceConverged u1 tau y n o c
                            sum <- sum + LogitKernel.logConditional u1 tau y n o c mode - 0.5 * log h

                        sum
                    else
                        Double.NegativeInfinity

                // the climb starts at the empirical logits' mean and log sd
                let struct (_, ell) = LogitKernel.empirical ys ns

                let logits =
                    Array.init groups (fun j -> (ell.[j] - os.[j]) / (if cs.[j] <> 0.0 then cs.[j] else 1.0))

                let m0 = Array.average logits
                let sd0 = sqrt (Array.averageBy (fun x -> (x - m0) * (x - m0)) logits)

                match
                    GridProposal.TryCreate(
                        logMarginal (Array.zeroCreate b.Layout.Size),
                        m0,
                        log (max sd0 0.1),
                        gridSize
                    )
                with
                | Error _ -> None
                | Ok table ->
                    // the proposals fitted at each cell's centre, once at compile time and shared by the chains
                    let width = SplitT.Fields * g.Stride
                    let memo = Array.zeroCreate (table.Cells * width)
                    let blank = SplitT.blank g.Stride

                    for cell in 0 .. table.Cells - 1 do
                        Array.blit blank 0 memo (cell * width) width
                        let struct (c1, c2) = table.CellCentre cell
                        fitAll g children c1 (exp c2) memo (cell * width)

                    // the proposals' array and where they start: a cell's, or the chain's own at a point outside
                    let proposals (sc: Scratch) (u1: float) (u2: float) (cell: int) : struct (float[] * int) =
                        if cell >= 0 then
                            struct (memo, cell * width)
                        else
                            fitAll g children u1 (exp u2) sc.Outside 0
                            struct (sc.Outside, 0)

                    // log π(μ, log τ, a) − Σ_j log q_j(a_j), μ and τ already written to s (the grid's part is the
                    // caller's)
                    let logRatio (s: float[]) (u1: float) (u2: float) (p: float[]) (at: int) (x: float[]) (t: float[]) =
                        ownMu s + ownTau s + u2 - float groups * u2 + weigh g p at u1 s.[offTau] x t

                    let remember (sc: Scratch) (s: float[]) (w: float) =
                        sc.Mu <- s.[offMu]
                        sc.Tau <- s.[offTau]
                        Array.blit s off sc.A 0 groups
                        sc.W <- w

                    let stale (sc: Scratch) (s: float[]) =
                        let mutable differs = s.[offMu] <> sc.Mu || s.[offTau] <> sc.Tau

                        for j in 0 .. groups - 1 do
                            differs <- differs || s.[off + j] <> sc.A.[j]

                        differs

                    let run (sc: Scratch) (rng: Random) (st: ChainState) =
                        let s = st.Values

                        if stale sc s then
                            let u1, u2 = s.[offMu], log s.[offTau]
                            let struct (p, at) = proposals sc u1 u2 (table.CellAt(u1, u2))

                            for j in 0 .. groups - 1 do
                                sc.Next.[j] <- s.[off + j]
                                sc.T.[j] <- SplitT.standardised p at g.Stride j s.[off + j]

                            let w = logRatio s u1 u2 p at sc.Next sc.T - table.LogDensity(u1, u2)

                            if not (Double.IsFinite w) then
                                UpdateKit.fail name method $"the log-density at the current value is {w}"

                            remember sc s w

                        let struct (u1, u2, qv, cell) = table.DrawLocated rng
                        let struct (p, at) = proposals sc u1 u2 cell

                        match rng with
                        | :? Philox4x32 as philox -> polarPoints (fun () -> philox.NextDoubleDirect()) groups sc.Lanes
                        | _ -> polarPoints (fun () -> rng.NextDouble()) groups sc.Lanes

                        drawAll g p at sc.Lanes sc.Next sc.T
                        s.[offMu] <- u1
                        s.[offTau] <- exp u2
                        let w = logRatio s u1 u2 p at sc.Next sc.T - qv

                        if Double.IsFinite w && log (1.0 - rng.NextDouble()) < w - sc.W then
                            Array.blit sc.Next 0 s off groups
                            remember sc s w
                        else
                            s.[offMu] <- sc.Mu
                            s.[offTau] <- sc.Tau

                    Some(
                        mu,
                        tau,
                        {
                            Node = $"{mu}, {tau}, {name}"
                            Method = method
                            Kind = UpdateKind.JointLogitNormal
                            Exactness = Exactness.Markov
                            Reason = ""
                            KeepsWeight = false
                            Init =
                                fun _ ->
                                    let sc = Scratch g
                                    UpdateStep.scratch (run sc)
                        }
                    )
            | _ -> None
        | _ -> None

    /// Replaces the updates of μ, τ and a of each matched hierarchy by the one joint step, at the place of the first
    /// of them, when each has its own update and the table is built; otherwise the plan is left as it is.
    let combine (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        let find (u: Update) =
            match u.Kind with
            | UpdateKind.LogisticIntercepts -> tryJoint density expanded (Bound.node density.Bound u.Node)
            | _ -> None

        UpdateKit.replaceHierarchies find (fun _ _ _ joint -> Some joint) updates
