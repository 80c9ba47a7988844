namespace HierFunctional.Plots

/// One line or point set of a chart: x and y values with a name, and the chain it comes from (0 when it comes
/// from no chain, e.g. the observed data).
type Series =
    {
        /// Legend entry.
        Name: string
        /// Chain number, 1-based; 0 for a series that belongs to no chain.
        Chain: int
        /// x values.
        X: float[]
        /// y values, one per x.
        Y: float[]
    }

/// The rank histogram of one scalar (Vehtari et al. 2021): ranks of all draws pooled over chains, binned, counted
/// per chain. Well-mixed chains give flat, overlapping histograms at `Expected`.
type RankHistogram =
    {
        /// Scalar name.
        Scalar: string
        /// Number of equal-width rank bins.
        Bins: int
        /// Counts indexed [chain][bin].
        Counts: int[][]
        /// Count per chain and bin if the chains were exchangeable: draws per chain / bins.
        Expected: float
    }

/// A chain that a warning names, for highlighting.
type ChainFlag =
    {
        /// Chain number, 1-based.
        Chain: int
        /// What the warning says about it (e.g. `Stuck`).
        Reason: string
    }

/// The draws of two scalars against each other, per chain, with the chains the warnings name.
type PairData =
    {
        /// Scalar on the x axis.
        XName: string
        /// Scalar on the y axis.
        YName: string
        /// One series per chain (possibly thinned: see `Thinned`).
        Chains: Series[]
        /// Chains flagged by `Warnings.compute` on the two scalars (stuck, drifting, outlying, non-finite).
        Flags: ChainFlag[]
        /// True when only every k-th draw is shown.
        Thinned: bool
    }

/// One row of a forest plot: a group's posterior median and central interval.
type ForestRow =
    {
        /// Scalar name (e.g. `theta[3]`).
        Name: string
        /// Group label when the posterior has one, else the scalar name.
        Label: string
        /// Posterior median.
        Median: float
        /// Lower end of the central interval.
        Lower: float
        /// Upper end of the central interval.
        Upper: float
    }

/// One group of a shrinkage plot: an arrow from the no-pooling estimate to the partial-pooling posterior mean.
type ShrinkageArrow =
    {
        /// Group label.
        Label: string
        /// Data size (rows, trials or exposure); drawn as the point's area.
        Size: float
        /// Start: the group's own estimate.
        From: float
        /// End: the posterior mean of the group's parameter.
        To: float
        /// 5% posterior quantile.
        Lower: float
        /// 95% posterior quantile.
        Upper: float
        /// Shrinkage factor B (the weight on the population).
        Factor: float
    }

/// The data of a shrinkage plot.
type ShrinkageChartData =
    {
        /// Group-level node and its group column, e.g. `theta over school`.
        Title: string
        /// One arrow per group, in level order.
        Arrows: ShrinkageArrow[]
        /// The complete-pooling estimate (one number for all groups).
        CompletePooling: float
    }

/// A labelled value with an interval, for bars and dot plots (variance shares, criteria, diagnostics).
type LabelledValue =
    {
        /// Category label.
        Label: string
        /// Value (posterior mean of a share, criterion estimate, R-hat, ESS).
        Value: float
        /// Lower end of its interval or value − SE; NaN when there is none.
        Lower: float
        /// Upper end of its interval or value + SE; NaN when there is none.
        Upper: float
    }

/// One group of bars: a name (legend entry) and its values.
type BarGroup =
    {
        /// Legend entry, e.g. `ess_bulk`.
        Name: string
        /// One value per category.
        Values: LabelledValue[]
    }

/// A bar or dot chart of labelled values with an optional reference line.
type BarData =
    {
        /// Chart title.
        Title: string
        /// Axis title of the values.
        ValueTitle: string
        /// The groups of bars (e.g. `ess_bulk` and `ess_tail`).
        Groups: BarGroup[]
        /// A threshold line (R-hat 1.01, ESS 100 per chain); NaN for none.
        Threshold: float
    }

/// A model-comparison row: one criterion of one model on the deviance scale (lower is better).
type CriterionRow =
    {
        /// Model name.
        Model: string
        /// `DIC`, `WAIC` or `LOOIC`.
        Criterion: string
        /// Estimate on the deviance scale.
        Value: float
        /// Standard error; NaN for DIC, which has none.
        SE: float
    }

/// A posterior predictive check of a test statistic, for a histogram with the observed value marked.
type StatisticData =
    {
        /// Statistic name, e.g. `max`.
        Statistic: string
        /// T(y) on the data.
        Observed: float
        /// T(y_rep) per replicated data set.
        Replicated: float[]
        /// P(T(y_rep) ≥ T(y)).
        PValue: float
    }
