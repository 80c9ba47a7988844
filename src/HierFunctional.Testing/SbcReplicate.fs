namespace HierFunctional.Testing

open System
open HierFunctional

/// One SBC replication of `Sbc.run`: draw the truth from the prior and data given it, fit, and rank the truth of
/// every quantity (monitored scalars and derived quantities) among L thinned posterior draws.
[<RequireQualifiedAccess>]
module internal SbcReplicate =

    /// What one replication produced: per quantity its rank, whether it was constant, and its ESS.
    type Replicate =
        {
            Ranks: int[]
            Constant: bool[]
            Ess: float[]
            Thin: int
            UnderMixed: bool
        }

    let private nodeOf (scalar: string) =
        match scalar.IndexOf '[' with
        | -1 -> scalar
        | i -> scalar.Substring(0, i)

    /// Maps monitored values to every quantity's value: monitored scalars, then derived quantities.
    let quantities (names: string[]) (derived: SbcDerived list) =
        let byNode =
            names
            |> Array.mapi (fun i n -> nodeOf n, i)
            |> Array.groupBy fst
            |> Array.map (fun (node, xs) -> node, Array.map snd xs)
            |> Map.ofArray

        let byName = names |> Array.mapi (fun i n -> n, [| i |]) |> Map.ofArray

        let indices (key: string) =
            match byName.TryFind key |> Option.orElse (byNode.TryFind key) with
            | Some ix -> ix
            | None ->
                invalidArg "Derived" $"a derived SBC quantity reads '{key}', which is not a monitored scalar or node."

        let all = Array.append names (derived |> List.map (fun d -> d.Name) |> Array.ofList)

        let compute (monitored: float[]) =
            let get key =
                indices key |> Array.map (fun i -> monitored.[i])

            Array.append monitored (derived |> List.map (fun d -> d.Compute get) |> Array.ofList)

        all, compute

    /// Rank of the truth among the draws, ties broken uniformly at random (so atoms such as a spike at 0 still
    /// give uniform ranks).
    let private rank (rng: Random) (truth: float) (draws: float[]) =
        let below = draws |> Array.sumBy (fun d -> if d < truth then 1 else 0)
        let ties = draws |> Array.sumBy (fun d -> if d = truth then 1 else 0)
        below + rng.Next(ties + 1)

    let private essOf (series: float[]) =
        if series |> Array.forall (fun x -> x = series.[0]) then
            Double.NaN
        else
            Diagnostics.essBulk [| series |]

    let private start (plan: GibbsPlan) (rng: Random) =
        let rec attempt k =
            let s = Forward.priorDraw rng plan.Bound

            if Double.IsFinite(plan.Density.Joint s) then
                Ok s
            elif k >= 100 then
                Error "100 starting points drawn from the prior all had a non-finite log-density"
            else
                attempt (k + 1)

        attempt 1

    /// One fit: warm-up, then sampling in doublings of L·thin sweeps until every non-constant quantity has a bulk
    /// ESS ≥ L (or thin reaches MaxThin), then every thin-th sweep is kept, L draws in all.
    let private fit
        (s: SbcSettings)
        (plan: GibbsPlan)
        (compute: float[] -> float[])
        (rep: int)
        (rng: Random)
        (init: float[])
        =
        let state = Gibbs.initialStateFor plan s.Seed rep init
        let monitor = Layout.compileMonitored plan.Bound
        let buffer = Array.zeroCreate plan.Bound.Layout.Monitored.Length
        // Sweeps mutate the chain state in place; the recorded values are fresh arrays.
        let recorded = Collections.Generic.List<float[]>()

        for _ in 1 .. s.Warmup do
            Gibbs.sweep plan rng state

        state.Adapting <- false

        let record n =
            for _ in 1..n do
                Gibbs.sweep plan rng state
                monitor state.Values buffer
                recorded.Add(compute buffer)

        let rec grow thin =
            let q = recorded.[0].Length

            let ess =
                Array.init q (fun j -> essOf (Array.init recorded.Count (fun t -> recorded.[t].[j])))

            let short = ess |> Array.exists (fun e -> e < float s.Draws)

            if short && thin < s.MaxThin then
                record recorded.Count
                grow (thin * 2)
            else
                thin, ess, short

        record s.Draws
        let thin, ess, short = grow 1
        let kept = Array.init s.Draws (fun k -> recorded.[(k + 1) * thin - 1])
        kept, thin, ess, short

    let replicate (s: SbcSettings) (st: SbcStructure) (template: Bound) (rep: int) =
        let rng = Chains.generator s.Seed rep :> Random
        let truth = Forward.priorDraw rng template
        let data = Forward.simulateData rng template truth

        match Bind.bind st.Model data |> Result.bind (Gibbs.compileUsing st.Compile) with
        | Error errors -> Error(errors |> List.map ModelError.describe |> String.concat " ")
        | Ok plan ->
            let _, compute = quantities (plan.Bound.Layout.Monitored.ToArray()) st.Derived
            let truthValues = compute (Layout.monitored template truth)

            match start plan rng with
            | Error why -> Error why
            | Ok init ->
                try
                    let kept, thin, ess, short = fit s plan compute rep rng init

                    let column j = kept |> Array.map (fun d -> d.[j])

                    Ok
                        {
                            Ranks = truthValues |> Array.mapi (fun j t -> rank rng t (column j))
                            Constant = truthValues |> Array.mapi (fun j t -> column j |> Array.forall ((=) t))
                            Ess = ess
                            Thin = thin
                            UnderMixed = short
                        }
                with :? ModelException as e ->
                    Error e.Message
