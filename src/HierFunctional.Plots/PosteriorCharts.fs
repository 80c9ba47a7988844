namespace HierFunctional.Plots

open System
open Plotly.NET

type private CsPosterior = HierFunctional.CSharp.Posterior

/// The charts for C#: the same charts as the F# `Plot` module, as static methods on the C# facade's results
/// (`HierFunctional.CSharp.Posterior`, `PredictiveCheck`). Save with `SaveHtml` (self-contained, opens offline)
/// or show with `Show`.
[<AbstractClass; Sealed>]
type PosteriorCharts =

    /// Trace plot of a scalar, one colour per chain.
    static member Trace(posterior: CsPosterior, name: string) : GenericChart = Plot.trace name posterior.Core

    /// Rank plot of a scalar (Vehtari et al. 2021).
    static member Rank(posterior: CsPosterior, name: string) : GenericChart = Plot.rank name posterior.Core

    /// Density of a scalar, one curve per chain.
    static member Density(posterior: CsPosterior, name: string) : GenericChart = Plot.density name posterior.Core

    /// Autocorrelation of a scalar per chain.
    static member Autocorrelation(posterior: CsPosterior, name: string) : GenericChart =
        Plot.autocorrelation name posterior.Core

    /// Forest plot of every scalar of a node, by group label.
    static member Forest(posterior: CsPosterior, node: string) : GenericChart = Plot.forest node posterior.Core

    /// Shrinkage plot of a group-level node (no pooling → partial pooling, point area = group size); the node's
    /// family is read from the model as `Posterior.Shrinkage` does.
    static member Shrinkage(posterior: CsPosterior, node: string) : GenericChart =
        HierFunctional.ShrinkageReport.report posterior.Plan.Core.Bound node posterior.Core
        |> Plot.shrinkage

    /// Pair plot of two scalars with flagged chains in red.
    static member Pair(posterior: CsPosterior, x: string, y: string) : GenericChart = Plot.pair x y posterior.Core

    /// Funnel view: a location against a scale on a log axis.
    static member Funnel(posterior: CsPosterior, location: string, scale: string) : GenericChart =
        Plot.funnel location scale posterior.Core

    /// Prior against posterior density of one parameter element of the model.
    static member PriorPosterior(posterior: CsPosterior, name: string) : GenericChart =
        Plot.priorPosterior posterior.Plan.Core.Bound name posterior.Core

    /// Observed against replicated densities of an observed column.
    static member PredictiveDensities(posterior: CsPosterior, observed: string) : GenericChart =
        Plot.predictiveDensities posterior.Plan.Core.Bound observed posterior.Core

    /// Histogram of a test statistic over replicated data, the observed value marked.
    static member PredictiveStatistic(check: HierFunctional.PredictiveCheck, statistic: string) : GenericChart =
        Plot.predictiveStatistic statistic check

    /// R-hat of every scalar.
    static member Rhat(posterior: CsPosterior) : GenericChart = Plot.rhat posterior.Core

    /// Bulk and tail ESS of every scalar.
    static member Ess(posterior: CsPosterior) : GenericChart = Plot.ess posterior.Core

    /// Variance shares per level, sds listed top level first (e.g. "tau", "sigma").
    static member VarianceShares(posterior: CsPosterior, [<ParamArray>] sds: string[]) : GenericChart =
        Plot.varianceShares (List.ofArray sds) posterior.Core

    /// WAIC and LOOIC of named fits, ±1 SE (names and posteriors pair up by position; each needs its
    /// log-likelihood, `SamplerOptions.WithLogLikelihood`).
    static member Compare(names: string[], posteriors: CsPosterior[]) : GenericChart =
        if names.Length <> posteriors.Length then
            invalidArg "names" $"{names.Length} names for {posteriors.Length} posteriors; give one name per posterior."

        Plot.compare (Array.zip names (posteriors |> Array.map (fun p -> p.Core)))

    /// The chart as a self-contained HTML page.
    static member ToHtml(chart: GenericChart) : string = Plot.toHtml chart

    /// Saves the chart as a self-contained HTML page.
    static member SaveHtml(chart: GenericChart, path: string) : unit = Plot.saveHtml path chart

    /// Writes the chart to a temporary page and opens it (only writes it when CI is set); returns the path.
    static member Show(chart: GenericChart) : string = Plot.show chart
