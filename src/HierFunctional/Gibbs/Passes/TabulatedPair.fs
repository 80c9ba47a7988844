namespace HierFunctional

open System
open HierFunctional.Inference

/// The step the tabulated hyperparameter passes share: two scalar hyperparameters whose marginal posterior, with the
/// group values integrated out, is fixed by the data move by one independence Metropolis–Hastings step per sweep
/// from a table of that marginal (`GridProposal`), then the group values are drawn exactly given them. Each sweep
/// evaluates the marginal once, at the proposal; the current point's value is kept while the state still holds the
/// values it was computed for (nothing else in the plan moves the pair, but a checkpoint load or another update
/// would simply be noticed). Exact whatever the table's error (see `GridProposal`).
[<RequireQualifiedAccess>]
module internal TabulatedPair =

    /// What the step reads: the pair (names and state offsets), the log target on the pair's unconstrained scale
    /// (Jacobian included; it writes the pair into the state it is given), the state's point on that scale, where the
    /// mode search starts, and the exact draw of the group values given the pair.
    type Pair =
        {
            Name1: string
            Name2: string
            Off1: int
            Off2: int
            LogTarget: float[] -> float -> float -> float
            Current: float[] -> struct (float * float)
            Start: struct (float * float)
            /// Group terms of one evaluation of the marginal (its cost, for the budget).
            Terms: int
            Groups: int
            /// Group values lo .. hi − 1 given the state's pair (update index, group streams).
            DrawGroups: int -> GroupStream -> ChainState -> int -> int -> unit
        }

    /// Group terms times the tabulation's evaluations the table may cost at most (about a second of log-gammas): the
    /// finest grid within it is used (256² cells up to ~290 terms, 128² up to ~1,000, 64² up to ~3,000).
    let private budget = 2e7

    /// One chain's scratch: the last pair values evaluated, their scale point, log target and proposal log-density.
    [<AllowNullLiteral>]
    type private Scratch() =
        member val A = nan with get, set
        member val B = nan with get, set
        member val U1 = 0.0 with get, set
        member val U2 = 0.0 with get, set
        member val F = nan with get, set
        member val Q = nan with get, set

    /// The update (listed under `node`, with this method and kind), or why no table is built: over the budget, or
    /// `GridProposal`'s reason (no finite target near the start, no proper mode).
    let tryUpdate
        (layoutSize: int)
        (node: string)
        (kind: UpdateKind)
        (method: string)
        (p: Pair)
        : Result<Update, string> =
        let size =
            GridProposal.Sizes
            |> List.tryFind (fun n -> float (p.Terms + 1) * float (GridProposal.Evaluations n) <= budget)

        match size with
        | None -> Error $"{p.Terms} group terms make the table cost more than its budget"
        | Some n ->
            let struct (s1, s2) = p.Start

            GridProposal.TryCreate(p.LogTarget(Array.zeroCreate layoutSize), s1, s2, n)
            |> Result.map (fun table ->
                let remember (sc: Scratch) (s: float[]) u1 u2 f q =
                    sc.A <- s.[p.Off1]
                    sc.B <- s.[p.Off2]
                    sc.U1 <- u1
                    sc.U2 <- u2
                    sc.F <- f
                    sc.Q <- q

                let movePair (sc: Scratch) (rng: Random) (st: ChainState) =
                    let s = st.Values

                    if s.[p.Off1] <> sc.A || s.[p.Off2] <> sc.B then
                        let struct (u1, u2) = p.Current s
                        let f = p.LogTarget s u1 u2

                        if not (Double.IsFinite f) then
                            UpdateKit.fail p.Name1 method $"the log-density at the current value is {f}"

                        remember sc s u1 u2 f (table.LogDensity(u1, u2))

                    let struct (v1, v2, qv) = table.DrawScored rng
                    let fv = p.LogTarget s v1 v2

                    if Double.IsFinite fv && log (1.0 - rng.NextDouble()) < (fv - qv) - (sc.F - sc.Q) then
                        remember sc s v1 v2 fv qv
                    else
                        s.[p.Off1] <- sc.A
                        s.[p.Off2] <- sc.B

                {
                    Node = node
                    Method = method
                    Kind = kind
                    Exactness = Exactness.Markov
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun setup ->
                            let sc = Scratch()

                            UpdateStep.groupWise
                                {
                                    Count = p.Groups
                                    Prepare = movePair sc
                                    RunRange = p.DrawGroups setup.Index
                                }
                })
