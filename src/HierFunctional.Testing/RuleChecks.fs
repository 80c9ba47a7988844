namespace HierFunctional.Testing

open System
open HierFunctional
open HierFunctional.Inference

/// How the kernel check runs.
type KernelSettings =
    {
        /// Draws of the rule's update from one fixed state of the other nodes.
        Draws: int
        /// Gibbs sweeps from a prior draw before the state is fixed (so the other nodes sit somewhere typical).
        Burnin: int
        /// Unconstrained coordinates of the node checked (the first ones).
        Coordinates: int
        /// Seed of the prior draw, the burn-in and the update's draws.
        Seed: int
        /// Each identity holds when |z| < Z (z in MCSE units).
        Z: float
    }

    /// 1,000 draws after 200 sweeps, up to 3 coordinates, seed 1, |z| < 4.
    static member Default =
        {
            Draws = 1000
            Burnin = 200
            Coordinates = 3
            Seed = 1
            Z = 4.0
        }

/// Checks of a conjugacy rule against the model's own log-density, whatever the rule's family.
[<RequireQualifiedAccess>]
module RuleChecks =

    let private fail msg = { Passed = false; Message = msg }

    let private describe (errors: ModelError list) =
        errors |> List.map ModelError.describe |> String.concat "; "

    /// The plan with the example's rule tried first, and the index of the update of its node; an error when the
    /// model does not bind or compile, or the rule does not claim the node.
    let internal planFor (ex: RuleExample) : Result<GibbsPlan * int, string> =
        let expanded = Graph.expand ex.Model

        match Model.tryFind ex.Node expanded with
        | None -> Error $"the model has no node '{ex.Node}'."
        | Some node ->
            match ex.Rule.Try expanded node with
            | RuleOutcome.NotApplicable ->
                Error
                    $"the rule '{ex.Rule.Name}' says it does not apply to '{ex.Node}' (its prior is outside the rule's family): pick a node the rule should claim."
            | RuleOutcome.Rejected why -> Error $"the rule '{ex.Rule.Name}' rejected '{ex.Node}': {why}"
            | RuleOutcome.Matched _ ->
                match
                    Bind.bind ex.Model ex.Data
                    |> Result.bind (Gibbs.compileWith (ex.Rule :: Rules.builtIn))
                with
                | Error e -> Error $"the example does not compile: {describe e}"
                | Ok plan ->
                    // an update that moves several nodes lists them separated by commas
                    match
                        plan.Updates
                        |> Array.tryFindIndex (fun u -> u.Node.Split(", ") |> Array.contains ex.Node)
                    with
                    | Some i -> Ok(plan, i)
                    | None -> Error $"the plan has no update for '{ex.Node}'."

    /// Whether `kernel` can check the example: an error saying why not (a point mass has no density to integrate).
    let kernelApplies (ex: RuleExample) : Result<unit, string> =
        match Model.tryFind ex.Node (Graph.expand ex.Model) with
        | Some {
                   Kind = NodeKind.Parameter(Dist.SpikeAndSlab _)
               } ->
            Error
                $"'{ex.Node}' has a spike-and-slab prior: its point mass at zero has no density to integrate, so the kernel identity is checked by Geweke's test instead."
        | _ -> Ok()

    /// The unconstrained coordinates of a parameter node: (first index, count).
    let internal unconstrained (b: Bound) (node: string) =
        let start = b.Layout.UnconstrainedOffsets.[node]

        let next =
            b.Layout.UnconstrainedOffsets
            |> Seq.map (fun kv -> kv.Value)
            |> Seq.filter (fun o -> o > start)
            |> Seq.fold min b.Layout.UnconstrainedSize

        start, next - start

    /// The constrained element that moves most when unconstrained coordinate j moves (the quantity checked for it).
    let private elementOf (density: CompiledDensity) (u: float[]) (j: int) =
        let x0 = density.FromUnconstrained u
        let u' = Array.copy u
        u'.[j] <- u'.[j] + 1e-3
        let x1 = density.FromUnconstrained u'

        Array.init x0.Length (fun i -> abs (x1.[i] - x0.[i]))
        |> Array.indexed
        |> Array.maxBy snd
        |> fst

    /// The rule's update draws from the node's full conditional p(node | rest) ∝ joint density. With the other
    /// nodes fixed, the update is applied `Draws` times; for each checked unconstrained coordinate j of the node
    /// and the element x it moves, E[x] and E[x²] over the draws must equal the average over the same draws of
    /// E[x | all but coordinate j], computed by quadrature of the model's log-density (the Rao–Blackwell identity:
    /// it holds for any exact or Markov update that leaves the conditional invariant, and for block updates).
    /// Node elements with a point mass (spike-and-slab) have no density to integrate: check those with Geweke.
    let kernel (settings: KernelSettings) (ex: RuleExample) : CheckResult =
        match planFor ex with
        | Error msg -> fail msg
        | Ok(plan, i) ->
            let b = plan.Bound
            let density = LogDensity.compile b
            let rng = Chains.generator settings.Seed 0 :> Random
            let state = Gibbs.initialStateFor plan settings.Seed 0 (Forward.priorDraw rng b)

            for _ in 1 .. settings.Burnin do
                Gibbs.sweep plan rng state

            state.Adapting <- false
            let start, count = unconstrained b ex.Node

            if count = 0 then
                fail $"'{ex.Node}' has no continuous coordinates, so its conditional has no density to integrate."
            else
                let coords = [ start .. start + min settings.Coordinates count - 1 ]
                let u0 = density.ToUnconstrained state.Values
                let elements = coords |> List.map (fun j -> j, elementOf density u0 j)
                // a pilot run gives each coordinate's spread, the first step of the quadrature's bracket
                let pilot =
                    Array.init 50 (fun _ ->
                        Gibbs.runUpdate i rng state
                        density.ToUnconstrained state.Values)

                let spread j =
                    let xs = pilot |> Array.map (fun u -> u.[j])
                    let m = Array.average xs
                    sqrt (xs |> Array.averageBy (fun x -> (x - m) * (x - m)))

                let steps = coords |> List.map (fun j -> j, spread j) |> Map.ofList

                let diffs =
                    elements
                    |> List.map (fun (j, _) -> j, (Array.zeroCreate settings.Draws, Array.zeroCreate settings.Draws))
                    |> Map.ofList

                let mutable problem = None
                let mutable k = 0

                while problem.IsNone && k < settings.Draws do
                    Gibbs.runUpdate i rng state
                    let x = state.Values
                    let u = density.ToUnconstrained x

                    for j, e in elements do
                        let at (v: float) =
                            let u' = Array.copy u
                            u'.[j] <- v
                            u'

                        match
                            Quadrature.moments
                                (at >> density.JointUnconstrained)
                                (fun v -> (density.FromUnconstrained(at v)).[e])
                                u.[j]
                                steps.[j]
                        with
                        | Error why -> problem <- Some $"{b.Layout.Names.[e]}: {why}"
                        | Ok(m1, m2) ->
                            let d1, d2 = diffs.[j]
                            d1.[k] <- x.[e] - m1
                            d2.[k] <- x.[e] * x.[e] - m2

                    k <- k + 1

                match problem with
                | Some why -> fail $"rule '{ex.Rule.Name}' on '{ex.Node}': {why}"
                | None ->
                    let zs =
                        elements
                        |> List.collect (fun (j, e) ->
                            let d1, d2 = diffs.[j]

                            [ $"E[{b.Layout.Names.[e]}]", d1; $"E[{b.Layout.Names.[e]}²]", d2 ]
                            |> List.map (fun (what, d) ->
                                let mean = Array.average d
                                let mcse = Diagnostics.mcseMean [| d |]
                                what, mean, mcse, (if mcse > 0.0 then mean / mcse else nan)))

                    let worst =
                        zs
                        |> List.maxBy (fun (_, _, _, z) -> if Double.IsNaN z then infinity else abs z)

                    let what, gap, mcse, z = worst
                    let ok = zs |> List.forall (fun (_, _, _, z) -> abs z < settings.Z)

                    {
                        Passed = ok
                        Message =
                            $"rule '{ex.Rule.Name}' on '{ex.Node}' ({settings.Draws} draws, {zs.Length} identities): "
                            + $"worst {what}: the update's draws minus the full conditional's value by quadrature = {gap:G4}, "
                            + $"MCSE {mcse:G3}, z = {z:F2} (|z| < {settings.Z} needed)."
                    }
