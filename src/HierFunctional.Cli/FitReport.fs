namespace HierFunctional.Cli

open System
open HierFunctional
open HierFunctional.Cli.Report
open HierFunctional.Plots

/// Everything a fit produced, for the console and the report.
type FitResult =
    {
        /// What was fitted.
        Job: FitJob
        /// The sampler options used.
        Options: SamplerOptions
        /// The compiled plan.
        Plan: GibbsPlan
        /// The draws.
        Posterior: Posterior
        /// The summary of every scalar.
        Summary: Summary
        /// Shrinkage reports of the group nodes that have one.
        Shrinkage: ShrinkageTable list
        /// Predictive checks: observed node and (statistic, T(y), T(y_rep), p) per statistic.
        Checks: (string * (string * float * float[] * float) list) option
        /// DIC, WAIC and LOOIC lines: (name, value, detail).
        Criteria: (string * string * string) list
    }

/// report.html of a fit: shrinkage, forest, trace and rank, R-hat/ESS and predictive-check charts (HierFunctional.Plots,
/// interactive, plotly.js inlined) and the tables, in one file that opens offline.
[<RequireQualifiedAccess>]
module FitReport =

    let private chart (id: string) (c: Plotly.NET.GenericChart) = ChartPage.fragment id c

    let private shrinkageSection (i: int) (t: ShrinkageTable) =
        {
            Heading = $"Shrinkage of {t.Spec.Node} over {t.Group}"
            Body =
                Html.note
                    "Each group's own estimate (top, area ∝ group size) moves towards the population (bottom): small groups borrow more strength. B is the shrinkage factor, the weight on the population. Hover a point for its group and numbers."
                + chart $"shrinkage-{i}" (Plot.shrinkage t)
                + Html.shrinkage t
        }

    let private forestSection (r: FitResult) =
        let plots =
            Analysis.groupNodes r.Plan.Bound
            |> List.filter (fun n -> r.Posterior.Names |> Array.exists (fun s -> Posterior.nodeOf s = n))
            |> List.mapi (fun i n -> chart $"forest-{i}" (Plot.forest n r.Posterior))

        {
            Heading = "Group estimates"
            Body = String.concat "" plots
        }

    let private hyperSection (r: FitResult) =
        let plots =
            Analysis.hyperScalars 8 r.Plan.Bound r.Posterior
            |> Array.mapi (fun i n ->
                chart $"trace-{i}" (Plot.trace n r.Posterior)
                + chart $"rank-{i}" (Plot.rank n r.Posterior))

        {
            Heading = "Hyperparameters: trace and rank plots"
            Body =
                Html.note "Chains that mix well overlap in the trace plot and have flat, overlapping rank histograms."
                + String.concat "" plots
        }

    let private diagnosticsSection (r: FitResult) =
        {
            Heading = "Convergence of every scalar"
            Body =
                Html.note
                    "R-hat above the red line, or ESS below it, means the draws of that scalar are not yet reliable."
                + chart "rhat" (Plot.rhat r.Posterior)
                + chart "ess" (Plot.ess r.Posterior)
        }

    let private checkSection (r: FitResult) =
        match r.Checks with
        | None ->
            {
                Heading = "Posterior predictive check"
                Body = Html.note "No scalar observed node to check."
            }
        | Some(node, stats) ->
            {
                Heading = $"Posterior predictive check of {node}"
                Body =
                    Html.note
                        "Statistics of data sets replicated from the posterior (bars) against the same statistic of the data (red line); p near 0 or 1 means the model does not reproduce that feature."
                    + (stats
                       |> List.mapi (fun i (name, t, reps, p) ->
                           chart
                               $"ppc-{i}"
                               (Plot.predictiveStatistic
                                   name
                                   {
                                       Observed = t
                                       Replicated = reps
                                       PValue = p
                                   }))
                       |> String.concat "")
            }

    let private effectsSection (terms: FormulaTerms) (r: FitResult) =
        let f = Summary.formatSignificant 3

        let table (rows: EffectRow[]) =
            Html.table
                [ "name"; "mean"; "sd"; "q2.5"; "q97.5" ]
                (rows
                 |> Array.map (fun e ->
                     [
                         e.Name, false
                         f e.Mean, false
                         f e.Sd, false
                         f e.Lower, false
                         f e.Upper, false
                     ])
                 |> List.ofArray)

        {
            Heading = "Population-level effects and group-level sd and correlations"
            Body =
                Html.note
                    "As brms's fixef and VarCorr: posterior mean, sd and the central 95% interval; sd and cor are computed draw by draw from the covariance draws. effects.csv also has ranef and coef per level."
                + table (Effects.fixef terms r.Posterior)
                + table (Effects.varCorr terms r.Posterior)
        }

    /// The report page of a fit.
    let page (r: FitResult) : string =
        let o = r.Options

        let subtitle =
            $"data: {r.Job.Source}; {o.Chains} chains × {o.Draws} draws after {o.Warmup} warm-up sweeps (thin {o.Thin}), seed {o.Seed}; generated by hier"
            + (if r.Summary.Cancelled then
                   $" ({r.Summary.Partial})"
               else
                   "")

        let criteria =
            Html.table
                [ "criterion"; "value"; "detail" ]
                (r.Criteria |> List.map (fun (n, v, d) -> [ n, false; v, false; d, false ]))

        Html.page
            $"hier fit: {r.Job.Name}"
            subtitle
            (Html.warnings r.Summary.Warnings)
            [
                {
                    Heading = "Model"
                    Body =
                        (if r.Job.DataPath.IsEmpty then
                             ""
                         else
                             Html.pre (String.concat "\n" r.Job.DataPath))
                        + Html.pre (Print.model r.Job.Model)
                        + Html.pre (Gibbs.describe r.Plan)
                }
                yield! r.Job.Terms |> Option.map (fun t -> effectsSection t r) |> Option.toList
                yield! r.Shrinkage |> List.mapi shrinkageSection
                forestSection r
                hyperSection r
                diagnosticsSection r
                checkSection r
                {
                    Heading = "Model criteria"
                    Body = criteria
                }
                {
                    Heading = "Posterior summary"
                    Body =
                        Html.summary r.Summary
                        + Html.note "Red cells: R-hat above 1.01 or ESS below 100 per chain (Vehtari et al. 2021)."
                }
            ]
