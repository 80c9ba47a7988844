namespace HierFunctional.Plots

open Plotly.NET
open HierFunctional

/// The charts for C#: the same charts as the F# `Plot` module, as static methods taking the result first.
/// Save with `SaveHtml` (self-contained, opens offline) or show with `Show`.
[<AbstractClass; Sealed>]
type PosteriorCharts =

    /// Trace plot of a scalar, one colour per chain.
    static member Trace(posterior: Posterior, name: string) : GenericChart = Plot.trace name posterior

    /// Rank plot of a scalar (Vehtari et al. 2021).
    static member Rank(posterior: Posterior, name: string) : GenericChart = Plot.rank name posterior

    /// Density of a scalar, one curve per chain.
    static member Density(posterior: Posterior, name: string) : GenericChart = Plot.density name posterior

    /// Autocorrelation of a scalar per chain.
    static member Autocorrelation(posterior: Posterior, name: string) : GenericChart =
        Plot.autocorrelation name posterior

    /// Forest plot of every scalar of a node, by group label.
    static member Forest(posterior: Posterior, node: string) : GenericChart = Plot.forest node posterior

    /// Shrinkage plot of a shrinkage report: no pooling → partial pooling, point area = group size.
    static member Shrinkage(report: ShrinkageTable) : GenericChart = Plot.shrinkage report

    /// Pair plot of two scalars with flagged chains in red.
    static member Pair(posterior: Posterior, x: string, y: string) : GenericChart = Plot.pair x y posterior

    /// Funnel view: a location against a scale on a log axis.
    static member Funnel(posterior: Posterior, location: string, scale: string) : GenericChart =
        Plot.funnel location scale posterior

    /// Prior against posterior density of one parameter element of the plan's model.
    static member PriorPosterior(posterior: Posterior, plan: GibbsPlan, name: string) : GenericChart =
        Plot.priorPosterior plan.Bound name posterior

    /// Observed against replicated densities of an observed column.
    static member PredictiveDensities(posterior: Posterior, plan: GibbsPlan, observed: string) : GenericChart =
        Plot.predictiveDensities plan.Bound observed posterior

    /// Histogram of a test statistic over replicated data, the observed value marked.
    static member PredictiveStatistic(check: PredictiveCheck, statistic: string) : GenericChart =
        Plot.predictiveStatistic statistic check

    /// R-hat of every scalar.
    static member Rhat(posterior: Posterior) : GenericChart = Plot.rhat posterior

    /// Bulk and tail ESS of every scalar.
    static member Ess(posterior: Posterior) : GenericChart = Plot.ess posterior

    /// Variance shares per level, sds listed top level first.
    static member VarianceShares(posterior: Posterior, sds: string[]) : GenericChart =
        Plot.varianceShares (List.ofArray sds) posterior

    /// WAIC and LOOIC of named fits, ±1 SE (names and posteriors pair up by position).
    static member Compare(names: string[], posteriors: Posterior[]) : GenericChart =
        if names.Length <> posteriors.Length then
            invalidArg "names" $"{names.Length} names for {posteriors.Length} posteriors; give one name per posterior."

        Plot.compare (Array.zip names posteriors)

    /// The chart as a self-contained HTML page.
    static member ToHtml(chart: GenericChart) : string = Plot.toHtml chart

    /// Saves the chart as a self-contained HTML page.
    static member SaveHtml(chart: GenericChart, path: string) : unit = Plot.saveHtml path chart

    /// Writes the chart to a temporary page and opens it (only writes it when CI is set); returns the path.
    static member Show(chart: GenericChart) : string = Plot.show chart
