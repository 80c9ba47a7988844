namespace HierFunctional.Testing

open System
open HierFunctional
open HierFunctional.Inference

/// How Geweke's joint-distribution test runs.
type GewekeSettings =
    {
        /// Iterations of the successive-conditional simulator (one Gibbs sweep, then fresh data).
        Iterations: int
        /// Independent prior draws (the marginal-conditional simulator) the chain is compared with.
        PriorDraws: int
        /// Sweeps at the start during which slice widths adapt (the chain is kept from the start: every state
        /// is a prior draw if the updates are right).
        Adapt: int
        /// Scalars compared at most (the first ones of the model's parameters, or the names given).
        MaxScalars: int
        /// Seed of both simulators.
        Seed: int
        /// Each comparison holds when |z| < Z.
        Z: float
    }

    /// 4,000 iterations against 4,000 prior draws, 200 adapting sweeps, up to 6 scalars, seed 1, |z| < 4.
    static member Default =
        {
            Iterations = 4000
            PriorDraws = 4000
            Adapt = 200
            MaxScalars = 6
            Seed = 1
            Z = 4.0
        }

/// Geweke (2004), "getting it right": alternating a Gibbs sweep θ ~ p(θ | y) with fresh data y ~ p(y | θ) leaves the
/// prior p(θ) invariant when every update leaves its full conditional invariant. The chain's marginal of each
/// scalar is compared with independent prior draws at the prior's quartiles: P(θ < q) must agree within MCSE.
[<RequireQualifiedAccess>]
module Geweke =

    let private fail msg = { Passed = false; Message = msg }

    /// Geweke's test of the plan compiled with `rules` for `model` on data shaped like `data` (its observed values are
    /// replaced by simulated ones), on the named scalars (`mu`, `theta[2]`; empty = the model's first parameters).
    let check
        (settings: GewekeSettings)
        (rules: ConjugacyRule list)
        (model: Model)
        (data: Dataset)
        (names: string list)
        =
        let compile d =
            Bind.bind model d
            |> Result.bind (Gibbs.compileWith rules)
            |> Result.mapError (List.map ModelError.describe >> String.concat "; ")

        match compile data with
        | Error e -> fail $"the model does not compile on the data: {e}"
        | Ok plan0 ->
            let b = plan0.Bound

            let names =
                if names.IsEmpty then
                    b.Layout.Names |> Seq.truncate settings.MaxScalars |> List.ofSeq
                else
                    names

            match names |> List.tryFind (Layout.tryIndexOf b >> Option.isNone) with
            | Some n -> fail $"'{n}' is not a parameter element of the model (names look like {b.Layout.Names.[0]})."
            | None ->
                let index = names |> List.map (Layout.indexOf b)
                let rng = Chains.generator settings.Seed 0 :> Random
                let prior = Array.init settings.PriorDraws (fun _ -> Forward.priorDraw rng b)
                let state = Gibbs.initialStateFor plan0 settings.Seed 0 (Forward.priorDraw rng b)
                let mutable data = Forward.simulateData rng b state.Values

                let chain =
                    Array.init settings.Iterations (fun _ -> Array.zeroCreate<float> index.Length)

                let mutable problem = None
                let mutable it = 0

                while problem.IsNone && it < settings.Iterations do
                    match compile data with
                    | Error e -> problem <- Some $"iteration {it}: simulated data do not compile: {e}"
                    | Ok plan ->
                        state.Adapting <- it < settings.Adapt
                        Gibbs.sweep plan rng state
                        data <- Forward.simulateData rng plan.Bound state.Values
                        index |> List.iteri (fun k i -> chain.[it].[k] <- state.Values.[i])
                        it <- it + 1

                match problem with
                | Some p -> fail p
                | None ->
                    let comparisons =
                        names
                        |> List.mapi (fun k name ->
                            let i = index.[k]
                            let p = prior |> Array.map (fun s -> s.[i]) |> Array.sort
                            let c = chain |> Array.map (fun s -> s.[k])

                            [ 0.25; 0.5; 0.75 ]
                            |> List.map (fun q ->
                                let cut = p.[int (q * float (p.Length - 1))]
                                let below = Array.map (fun x -> if x < cut then 1.0 else 0.0)
                                let pp = below p |> Array.average
                                let pc = below c
                                let mc = Diagnostics.mean [| pc |]
                                let mcseChain = Diagnostics.mcseMean [| pc |]
                                let mcsePrior = sqrt (pp * (1.0 - pp) / float p.Length)
                                let se = sqrt (mcseChain * mcseChain + mcsePrior * mcsePrior)
                                let z = if se > 0.0 then (mc - pp) / se else nan
                                $"P({name} < {cut:G4})", mc, pp, z))
                        |> List.concat

                    let badness (_, _, _, z: float) =
                        if Double.IsNaN z then infinity else abs z

                    let what, mc, pp, z = comparisons |> List.maxBy badness

                    {
                        Passed = comparisons |> List.forall (fun c -> badness c < settings.Z)
                        Message =
                            $"Geweke ({settings.Iterations} iterations, {comparisons.Length} comparisons): worst {what}: "
                            + $"chain {mc:F4} vs prior {pp:F4}, z = {z:F2} (|z| < {settings.Z} needed)."
                    }

    /// Geweke's test of a rule on its example: the plan with the rule first, on the example's node.
    let ofRule (settings: GewekeSettings) (ex: RuleExample) =
        match RuleChecks.planFor ex with
        | Error msg -> fail msg
        | Ok(plan, _) ->
            let start = plan.Bound.Layout.Offsets.[ex.Node]

            let count =
                (Bound.node plan.Bound ex.Node).Copies
                * Bound.shapeSize (Bound.node plan.Bound ex.Node).Event

            let names =
                plan.Bound.Layout.Names.[start .. start + min settings.MaxScalars count - 1]
                |> List.ofArray

            check settings (ex.Rule :: Rules.builtIn) ex.Model ex.Data names
