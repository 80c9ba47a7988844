namespace HierFunctional.Plots

open System
open HierFunctional

/// The data behind the group and model charts (forest, shrinkage, variance shares, R-hat and ESS overviews,
/// criteria comparison, predictive checks, prior vs posterior), as pure functions of the library's results.
[<RequireQualifiedAccess>]
module GroupData =

    // "theta[3]" → "Hospital C". A vector effect's label already names its column ("b[308,1]").
    let private labelOf (posterior: Posterior) (name: string) = defaultArg (posterior.Label name) name

    /// The column of a vector effect's scalar ("b[3,2]" → "2"); empty for a scalar effect ("theta[3]").
    let columnOf (name: string) =
        match name.IndexOf ',' with
        | -1 -> ""
        | i -> name.Substring(i + 1).TrimEnd ']'

    /// Every scalar of a node (e.g. all `theta[j]`), with its label, median and central `mass` interval.
    let forest (mass: float) (node: string) (posterior: Posterior) : ForestRow[] =
        if not (mass > 0.0 && mass < 1.0) then
            invalidArg "mass" $"the interval mass must be in (0, 1), got {mass}."

        let names = posterior.Names |> Array.filter (fun n -> Posterior.nodeOf n = node)

        if names.Length = 0 then
            let known =
                posterior.Names
                |> Array.map Posterior.nodeOf
                |> Array.distinct
                |> String.concat ", "

            invalidArg "node" $"the posterior has no scalars of node '{node}'; its nodes are {known}."

        let tail = (1.0 - mass) / 2.0

        names
        |> Array.map (fun n ->
            let x = Posterior.chains n posterior

            {
                Name = n
                Label = labelOf posterior n
                Median = Diagnostics.quantile 0.5 x
                Lower = Diagnostics.quantile tail x
                Upper = Diagnostics.quantile (1.0 - tail) x
            })

    /// The shrinkage plot's arrows: from each group's no-pooling estimate to its posterior mean.
    let shrinkage (table: ShrinkageTable) : ShrinkageChartData =
        {
            Title = $"{table.Spec.Node} over {table.Group}"
            Arrows =
                table.Rows
                |> Array.map (fun r ->
                    {
                        Label = r.Label
                        Size = r.Size
                        From = r.NoPooling
                        To = r.PartialMean
                        Lower = r.Lower
                        Upper = r.Upper
                        Factor = r.Factor
                    })
            CompletePooling =
                if table.Rows.Length = 0 then
                    nan
                else
                    table.Rows.[0].CompletePooling
        }

    let private valueOf (label: string) (x: float[][]) =
        {
            Label = label
            Value = Diagnostics.mean x
            Lower = Diagnostics.quantile 0.05 x
            Upper = Diagnostics.quantile 0.95 x
        }

    /// Each level's share of the total variance (`VarianceDecomposition.decompose` on sds listed top level
    /// first): posterior mean and 90% interval per level. The means sum to 1.
    let varianceShares (sds: string list) (posterior: Posterior) : BarData =
        let d = VarianceDecomposition.decompose sds posterior

        {
            Title = "Share of the variance per level"
            ValueTitle = "share of total variance"
            Groups =
                [|
                    {
                        Name = "share"
                        Values =
                            sds
                            |> List.map (fun s -> valueOf s (Posterior.chains $"share_{s}" d))
                            |> Array.ofList
                    }
                |]
            Threshold = nan
        }

    let private point (label: string) (v: float) =
        {
            Label = label
            Value = v
            Lower = nan
            Upper = nan
        }

    let private rowLabel (r: SummaryRow) =
        match r.Label with
        | null -> r.Name
        | l -> $"{r.Name} ({l})"

    /// R-hat of every scalar of a summary, with the 1.01 threshold.
    let rhat (summary: Summary) : BarData =
        {
            Title = "R-hat per scalar (above the line: the chains disagree)"
            ValueTitle = "R-hat (max of rank-normalised bulk and tail)"
            Groups =
                [|
                    {
                        Name = "R-hat"
                        Values = summary.Rows |> Array.map (fun r -> point (rowLabel r) r.Rhat)
                    }
                |]
            Threshold = Summary.rhatThreshold
        }

    /// Bulk and tail ESS of every scalar of a summary, with the threshold of 100 per chain.
    let ess (summary: Summary) : BarData =
        {
            Title = "Effective sample size per scalar (below the line: too few independent draws)"
            ValueTitle = "ESS"
            Groups =
                [|
                    {
                        Name = "ess_bulk"
                        Values = summary.Rows |> Array.map (fun r -> point (rowLabel r) r.EssBulk)
                    }
                    {
                        Name = "ess_tail"
                        Values = summary.Rows |> Array.map (fun r -> point (rowLabel r) r.EssTail)
                    }
                |]
            Threshold = Summary.essPerChainThreshold * float summary.Chains
        }

    /// Criteria rows on the deviance scale: DIC (no SE), WAIC and LOOIC with their SEs.
    [<RequireQualifiedAccess>]
    module Criterion =
        /// DIC of a model (Spiegelhalter et al. 2002); it has no standard error.
        let dic (model: string) (d: Dic) =
            {
                Model = model
                Criterion = "DIC"
                Value = d.Dic
                SE = nan
            }

        /// WAIC of a model with its SE.
        let waic (model: string) (w: Waic) =
            {
                Model = model
                Criterion = "WAIC"
                Value = w.Waic.Estimate
                SE = w.Waic.SE
            }

        /// LOOIC of a model with its SE.
        let loo (model: string) (l: Loo) =
            {
                Model = model
                Criterion = "LOOIC"
                Value = l.Looic.Estimate
                SE = l.Looic.SE
            }

    /// A comparison chart's bars: one group per criterion, one value per model, interval = ±1 SE.
    let comparison (rows: CriterionRow seq) : BarData =
        let rows = Array.ofSeq rows

        {
            Title = "Model comparison (deviance scale: lower is better; bars ±1 SE)"
            ValueTitle = "criterion"
            Groups =
                rows
                |> Array.groupBy (fun r -> r.Criterion)
                |> Array.map (fun (c, rs) ->
                    {
                        Name = c
                        Values =
                            rs
                            |> Array.map (fun r ->
                                {
                                    Label = r.Model
                                    Value = r.Value
                                    Lower = r.Value - r.SE
                                    Upper = r.Value + r.SE
                                })
                    })
            Threshold = nan
        }

    /// The histogram data of a posterior predictive check.
    let statistic (name: string) (check: PredictiveCheck) : StatisticData =
        {
            Statistic = name
            Observed = check.Observed
            Replicated = check.Replicated
            PValue = check.PValue
        }

    let private numbers (name: string) (d: Dataset) =
        match Dataset.tryColumn name d with
        | Some(Column.Reals xs) -> xs
        | Some(Column.Integers xs) -> Array.map float xs
        | _ -> invalidArg "observed" $"'{name}' is not a numeric column of the data, so it has no density to draw."

    /// Densities of the observed column (chain 0, named `observed`) and of `count` replicated data sets drawn
    /// from evenly spaced posterior draws, on one shared grid.
    let predictiveDensities (rng: Random) (count: int) (b: Bound) (observed: string) (posterior: Posterior) : Series[] =
        let arr = Posterior.toArray posterior |> Array.concat
        let count = min count arr.Length
        // Draws k·S/count for k = 0..count−1 over the pooled draws: exactly `count`, evenly spaced.
        let picked =
            Array.init count (fun k -> arr.[int (int64 k * int64 arr.Length / int64 count)])

        let thin = Posterior.create posterior.Names [| picked |]
        let reps = Predictive.replicate rng b thin

        Array.append
            [| "observed", 0, numbers observed b.Data |]
            (reps |> Array.mapi (fun k d -> $"replicate {k + 1}", -1, numbers observed d))
        |> ChainData.densities 128

    /// Prior and posterior densities of one scalar: `count` draws from the prior (`Forward.priorDraw`) against the
    /// posterior draws, on one grid spanning the posterior and the prior's central 90%.
    let priorPosterior (rng: Random) (count: int) (b: Bound) (name: string) (posterior: Posterior) : Series[] =
        let at = b.Layout.Names.IndexOf name

        if at < 0 then
            invalidArg "name" $"'{name}' is not a parameter element of the model, so it has no prior to draw."

        let prior = Array.init count (fun _ -> (Forward.priorDraw rng b).[at])
        let post = Posterior.allChains name posterior
        // A heavy-tailed prior (half-Cauchy) would stretch the grid over its far tail and flatten the posterior:
        // the grid spans the posterior and the central 90% of the prior draws; each density uses all its draws.
        let q p = Diagnostics.quantile p [| prior |]
        let lower = ChainData.lowerBound (Array.append prior post)
        let lo, hi = min (q 0.05) (Array.min post), max (q 0.95) (Array.max post)

        let lo =
            match lower with
            | Some b -> b
            | None -> lo

        let grid = Array.init 200 (fun i -> lo + (hi - lo) * float i / 199.0)

        [| "prior", prior; "posterior", post |]
        |> Array.map (fun (n, x) ->
            {
                Name = n
                Chain = 0
                X = grid
                Y = ChainData.kde lower (ChainData.bandwidth x) grid x
            })
