namespace HierFunctional

/// Forward (ancestral) simulation: parameters from their priors, data from the likelihood. Seeded through the
/// `System.Random` passed in, so the same generator state gives the same draws.
[<RequireQualifiedAccess>]
module Forward =

    let internal argFns (b: Bound) (info: NodeInfo) (d: Dist) =
        let fs = Dist.arguments d |> List.map (snd >> Eval.compileValue b info.Scope)
        let argIndex = if info.Scope = Scope.Global then (fun _ -> 0) else id
        fun (s: float[]) (c: int) -> fs |> List.map (fun f -> f s (argIndex c))

    let internal writeCopy (b: Bound) (info: NodeInfo) (state: float[]) (copy: int) (v: Value) =
        let n = Bound.shapeSize info.Event
        let off = b.Layout.Offsets.[info.Node.Name] + copy * n

        match v with
        | Value.Scalar x -> state.[off] <- x
        | Value.Vector xs -> Array.blit xs 0 state off n
        | Value.Matrix m -> m |> Array2D.iteri (fun i j x -> state.[off + i * Array2D.length2 m + j] <- x)

    /// Draws every copy of one parameter node from its prior given the current values of the nodes it reads, in place
    /// (an ancestral draw). The argument evaluators are built once, so the returned function can run every sweep.
    let nodeDraw (b: Bound) (info: NodeInfo) : System.Random -> float[] -> unit =
        match info.Node.Kind with
        | NodeKind.Parameter d ->
            let args = argFns b info d

            fun rng state ->
                for c in 0 .. info.Copies - 1 do
                    writeCopy b info state c (Density.draw rng d (args state c))
        | _ -> invalidArg (nameof info) $"'{info.Node.Name}' is not a parameter node, so it has no prior to draw from"

    /// Draws every parameter from its prior, in declaration order, each given the earlier draws.
    /// Raises ModelException (ImproperPosterior) for a Flat prior, which has no distribution to draw from.
    let priorDraw (rng: System.Random) (b: Bound) : float[] =
        let state = Array.zeroCreate b.Layout.Size

        // The state is filled in place in declaration order (later priors read earlier draws); it escapes complete.
        for info in Bound.parameters b do
            match info.Node.Kind with
            | NodeKind.Parameter(Dist.Flat _) ->
                raise (
                    ModelException(
                        ModelError.ImproperPosterior(
                            info.Node.Name,
                            "its Flat prior is improper, so it cannot be simulated from; give it a proper prior to draw from the prior"
                        )
                    )
                )
            | NodeKind.Parameter _ -> nodeDraw b info rng state
            | _ -> ()

        state

    let private column (original: Column) (draws: Value[]) : Column =
        match original, draws with
        | _, [||] -> original
        | Column.Integers _, _ -> Column.Integers(draws |> Array.map (Value.scalar >> round >> int))
        | _, _ when
            (match draws.[0] with
             | Value.Vector _ -> true
             | _ -> false)
            ->
            let rows = draws |> Array.map Value.vector
            Column.Matrix(Array2D.init rows.Length rows.[0].Length (fun i j -> rows.[i].[j]))
        | _ -> Column.Reals(draws |> Array.map Value.scalar)

    /// The data set with every observed column replaced by a draw from its likelihood given the state; other
    /// columns (covariates, groups, trials) are kept as they are and in the same order.
    let simulateData (rng: System.Random) (b: Bound) (state: float[]) : Dataset =
        if state.Length <> b.Layout.Size then
            invalidArg "state" $"the state has {state.Length} elements but the layout needs {b.Layout.Size}."

        let simulated =
            Bound.observed b
            |> List.map (fun info ->
                match info.Node.Kind with
                | NodeKind.Observed d ->
                    let args = argFns b info d
                    info.Node.Name, Array.init b.Rows (fun r -> Density.draw rng d (args state r))
                | _ -> info.Node.Name, [||])
            |> Map.ofList

        { b.Data with
            Columns =
                b.Data.Columns
                |> List.map (fun (name, col) ->
                    match simulated.TryFind name with
                    | Some draws -> name, column col draws
                    | None -> name, col)
        }

    /// A draw of the parameters from the prior and of a data set given them.
    let priorPredictive (rng: System.Random) (b: Bound) : float[] * Dataset =
        let state = priorDraw rng b
        state, simulateData rng b state
