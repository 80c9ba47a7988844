namespace HierFunctional

open System
open HierFunctional.Inference

/// The collapsed Beta-Binomial update with its hyperparameter pair moved by one independence Metropolis–Hastings step
/// per sweep from a tabulated approximation of their marginal posterior (`GridProposal`), instead of two slice steps.
/// With the rates integrated out, p(a, b | y) ∝ p(a, b) Π_g B(a + Y_g, b + F_g)/B(a, b) is fixed by the data when the
/// priors' arguments are data and the factors read only a and b, so it is tabulated once at compile time on the
/// update's own scale (Jacobian included); each sweep evaluates it once, at the proposal (the current point's value
/// is kept while the state still holds the values it was computed for), then draws the rates exactly. The MH step
/// is exact whatever the table's error (see `GridProposal`); the table makes the pair's draws nearly independent.
[<RequireQualifiedAccess>]
module internal TabulatedBetaBinomial =

    /// Distinct group totals times the tabulation's evaluations the table may cost at most (about a second of
    /// log-gammas): the finest grid within it is used (256² cells up to ~290 distinct totals, 128² up to ~1,000,
    /// 64² up to ~3,000); above it, or when the marginal is not fixed, the slice update stays.
    let private budget = 2e7

    /// One chain's scratch: the last hyperparameter values evaluated, their scale point, log target and proposal
    /// log-density, so an accepted proposal's values are not recomputed.
    [<AllowNullLiteral>]
    type private Scratch() =
        member val Values: float[] = Array.empty with get, set
        member val A = nan with get, set
        member val B = nan with get, set
        member val U1 = 0.0 with get, set
        member val U2 = 0.0 with get, set
        member val F = nan with get, set
        member val Q = nan with get, set

    /// The tabulated update from the parts, or why it is not used.
    let private create (b: Bound) (p: CollapsedBetaBinomial.Parts) : Result<Update, string> =
        let distinct =
            Array.zip p.Successes p.Failures
            |> Array.filter (fun (y, f) -> y + f > 0.0)
            |> Array.distinct
            |> Array.length

        let size =
            GridProposal.Sizes
            |> List.tryFind (fun n -> float (distinct + 1) * float (GridProposal.Evaluations n) <= budget)

        match size with
        | _ when not p.Fixed ->
            Error "the hyperparameters' priors or factors read other parameters, so their marginal is not fixed"
        | None -> Error $"{distinct} distinct group totals make the table cost more than its budget"
        | Some n ->
            let work = Array.zeroCreate b.Layout.Size
            let struct (s1, s2) = p.Start

            GridProposal.TryCreate(p.LogTarget work, s1, s2, n)
            |> Result.map (fun table ->
                let off1, off2 = b.Layout.Offsets.[p.Name1], b.Layout.Offsets.[p.Name2]
                let nodes = $"{p.Name1}, {p.Name2}"

                let method =
                    $"{CollapsedBetaBinomial.name} ({nodes} with {p.Rates} integrated out: independence Metropolis-Hastings from their tabulated marginal; then {p.Rates})"

                let remember (sc: Scratch) (s: float[]) u1 u2 f q =
                    sc.A <- s.[off1]
                    sc.B <- s.[off2]
                    sc.U1 <- u1
                    sc.U2 <- u2
                    sc.F <- f
                    sc.Q <- q

                let moveHyper (sc: Scratch) (rng: Random) (st: ChainState) =
                    let s = st.Values
                    // the current point's target and proposal density: kept unless something else moved a, b
                    if s.[off1] <> sc.A || s.[off2] <> sc.B then
                        let struct (u1, u2) = p.Current s
                        let f = p.LogTarget s u1 u2

                        if not (Double.IsFinite f) then
                            UpdateKit.fail p.Name1 method $"the log-density at the current value is {f}"

                        remember sc s u1 u2 f (table.LogDensity(u1, u2))

                    let struct (v1, v2) = table.Draw rng
                    let fv = p.LogTarget s v1 v2
                    let qv = table.LogDensity(v1, v2)

                    if Double.IsFinite fv && log (1.0 - rng.NextDouble()) < (fv - qv) - (sc.F - sc.Q) then
                        remember sc s v1 v2 fv qv
                    else
                        s.[off1] <- sc.A
                        s.[off2] <- sc.B

                {
                    Node = p.Name1
                    Method = method
                    Kind = UpdateKind.Rule CollapsedBetaBinomial.name
                    Exactness = Exactness.Approximate
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun setup ->
                            let sc = Scratch()

                            UpdateStep.groupWise
                                {
                                    Count = p.Groups
                                    Prepare = moveHyper sc
                                    RunRange = p.DrawRates setup.Index
                                }
                })

    /// Replaces each collapsed Beta-Binomial update whose hyperparameters' marginal is fixed by the data with the
    /// tabulated one, before `CollapsedBetaBinomial.combine` lists it under its three nodes; where the table is not
    /// built the slice update stays and says why.
    let replace (b: Bound) (expanded: Model) (updates: Update[]) : Update[] =
        updates
        |> Array.map (fun u ->
            match u.Kind, Model.tryFind u.Node expanded with
            | UpdateKind.Rule r, Some node when r = CollapsedBetaBinomial.name ->
                match CollapsedBetaBinomial.recogniser.Recognise expanded node with
                | RuleOutcome.Matched m ->
                    match CollapsedBetaBinomial.parts b (Bound.node b u.Node) m |> Result.bind (create b) with
                    | Ok tabulated -> tabulated
                    | Error why ->
                        { u with
                            Reason = $"the pair is sliced, not drawn from a table: {why}"
                        }
                | _ -> u
            | _ -> u)
