namespace HierFunctional

open System

/// A posterior predictive p-value with the draws of the test statistic behind it.
type PredictiveCheck =
    {
        /// T(y) on the observed data.
        Observed: float
        /// T(y_rep) per draw, chains concatenated.
        Replicated: float[]
        /// P(T(y_rep) ≥ T(y)) estimated as the share of draws with T(y_rep) ≥ T(y) (Gelman, Meng & Stern 1996).
        PValue: float
    }

/// Posterior predictive simulation: replicated data, new groups and predictive checks. Every function takes the
/// generator explicitly and visits draws in chain order, so a seeded generator gives the same result.
[<RequireQualifiedAccess>]
module Predictive =

    /// One replicated data set per kept draw (chains concatenated): the observed columns drawn from the
    /// likelihood given that draw's state (`Forward.simulateData`), the other columns as observed.
    let replicate (rng: Random) (b: Bound) (posterior: Posterior) : Dataset[] =
        PosteriorStates.allChainStates b posterior
        |> Array.map (Forward.simulateData rng b)

    let private levelNode (b: Bound) (node: string) =
        let info = Bound.node b node

        match info.Scope, info.Node.Kind with
        | Scope.Level _, NodeKind.Parameter d when
            Dist.arguments d |> List.exists (snd >> Expr.columnRefs >> List.isEmpty >> not)
            ->
            invalidArg
                "node"
                $"'{node}' has a prior that reads data columns (a group-level covariate), so a new group's prior is not defined by the hyperparameters alone."
        | Scope.Level _, NodeKind.Parameter d -> info, d
        | _ ->
            invalidArg
                "node"
                $"'{node}' is not a parameter declared `over` a group, so it has no population to draw a new group from."

    /// Effects of a new, unseen group, one per draw: θ_new ~ p(θ | hyperparameters of that draw), the node's prior
    /// evaluated with the draw's hyperparameters (its arguments must not depend on the level, e.g. no group covariate).
    let newGroup (rng: Random) (b: Bound) (node: string) (posterior: Posterior) : float[] =
        let info, d = levelNode b node
        let args = Dist.arguments d |> List.map (snd >> Eval.compileValue b info.Scope)

        PosteriorStates.allChainStates b posterior
        |> Array.map (fun s -> Density.draw rng d (args |> List.map (fun f -> f s 0)) |> Value.scalar)

    /// Data for a new group, one value per draw: a new effect (`newGroup`) put in place of the effect of `row`'s
    /// group, then the row's observed node drawn given it, so the new group shares the row's covariates (e.g. its
    /// known sd). Returns (new effect, new observation) per draw.
    let newGroupData (rng: Random) (b: Bound) (node: string) (observed: string) (row: int) (posterior: Posterior) =
        let info, _ = levelNode b node

        let g =
            match info.Scope with
            | Scope.Level g -> g
            | _ -> ""

        if row < 0 || row >= b.Rows then
            invalidArg "row" $"row {row} is outside 0..{b.Rows - 1}."

        let obs = Bound.node b observed

        let od =
            match obs.Node.Kind with
            | NodeKind.Observed d -> d
            | _ -> invalidArg "observed" $"'{observed}' is not an observed node."

        let args = Dist.arguments od |> List.map (snd >> Eval.compileValue b Scope.Row)
        let at = b.Layout.Offsets.[node] + b.Groups.[g].RowLevel.[row]
        let effects = newGroup rng b node posterior

        PosteriorStates.allChainStates b posterior
        |> Array.mapi (fun k s ->
            let s = Array.copy s
            s.[at] <- effects.[k]
            effects.[k], Density.draw rng od (args |> List.map (fun f -> f s row)) |> Value.scalar)

    /// Posterior predictive check of a test statistic T: T(y) against T(y_rep) over the replicated data sets,
    /// p = P(T(y_rep) ≥ T(y)); p near 0 or 1 says the model does not reproduce that feature of the data.
    let check (rng: Random) (b: Bound) (statistic: Dataset -> float) (posterior: Posterior) : PredictiveCheck =
        let t = statistic b.Data
        // One replicated data set alive at a time (rows × draws values would not fit for large data); the
        // generator is used in the same order as `replicate`.
        let reps =
            PosteriorStates.allChainStates b posterior
            |> Array.map (Forward.simulateData rng b >> statistic)

        {
            Observed = t
            Replicated = reps
            PValue =
                (reps |> Array.filter (fun r -> r >= t) |> Array.length |> float)
                / float reps.Length
        }

    /// The posterior predictive p-value P(T(y_rep) ≥ T(y)) of a test statistic (see `check`).
    let pValue (rng: Random) (b: Bound) (statistic: Dataset -> float) (posterior: Posterior) : float =
        (check rng b statistic posterior).PValue
