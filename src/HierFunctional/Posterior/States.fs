namespace HierFunctional

/// Parameter states rebuilt from posterior draws: the bridge from named monitored scalars back to the flat
/// constrained state the interpreters (deviance, forward simulation) evaluate.
[<RequireQualifiedAccess>]
module PosteriorStates =

    // State index i holds the element named Layout.Names[i]; a missing one means the node was not monitored.
    let private columnsOf (b: Bound) (p: Posterior) =
        b.Layout.Names.ToArray()
        |> Array.map (fun n ->
            if not (p.Contains n) then
                invalidArg
                    "posterior"
                    $"the posterior has no draws of '{n}'; monitor every parameter node (the default) to rebuild states."

            Posterior.chains n p)

    /// Every kept draw's constrained state, indexed [chain][draw][state element] (`Layout.Names` order).
    let states (b: Bound) (p: Posterior) : float[][][] =
        let cols = columnsOf b p

        Array.init p.ChainCount (fun c ->
            Array.init p.DrawCount (fun d -> Array.init cols.Length (fun i -> cols.[i].[c].[d])))

    /// Every kept draw's state, chains concatenated in chain order.
    let allChainStates (b: Bound) (p: Posterior) : float[][] = states b p |> Array.concat

    /// The old name of `allChainStates` ("pooled" is the library's word for pooling across groups).
    [<System.Obsolete("Use PosteriorStates.allChainStates: every kept draw's state, chains concatenated.")>]
    let pooledStates (b: Bound) (p: Posterior) : float[][] = allChainStates b p

    /// The posterior mean of the parameter state, element by element: θ̄ as DIC's D(θ̄) needs it.
    let meanState (b: Bound) (p: Posterior) : float[] =
        columnsOf b p |> Array.map (Array.concat >> Array.average)
