using System;
using System.Collections.Generic;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>One row of a posterior summary (the columns R's <c>posterior::summarise_draws</c> prints).</summary>
/// <param name="Name">Scalar name, e.g. <c>theta[3]</c>.</param>
/// <param name="Label">Group label of the scalar, e.g. <c>theta[C]</c>, if it has one.</param>
/// <param name="Mean">Posterior mean.</param>
/// <param name="Sd">Posterior standard deviation.</param>
/// <param name="Median">Posterior median.</param>
/// <param name="Mad">Median absolute deviation, scaled by 1.4826.</param>
/// <param name="Quantiles">Quantiles at the summary's probabilities, in the same order.</param>
/// <param name="McseMean">Monte Carlo standard error of the mean.</param>
/// <param name="McseSd">Monte Carlo standard error of the sd.</param>
/// <param name="EssBulk">Bulk effective sample size (rank-normalized).</param>
/// <param name="EssTail">Tail effective sample size.</param>
/// <param name="Rhat">Rank-normalized split R-hat (NaN when not computable).</param>
public sealed record SummaryRow(
    string Name,
    string? Label,
    double Mean,
    double Sd,
    double Median,
    double Mad,
    IReadOnlyList<double> Quantiles,
    double McseMean,
    double McseSd,
    double EssBulk,
    double EssTail,
    double Rhat);

/// <summary>A posterior summary: one row per scalar, the quantile probabilities, and convergence warnings.</summary>
/// <param name="Probabilities">Probabilities of each row's <see cref="SummaryRow.Quantiles"/>.</param>
/// <param name="Rows">One row per scalar, in the posterior's order.</param>
/// <param name="Warnings">Convergence warnings, most severe first: each names the node, scalars and chains and
/// says what to try. <see cref="ToString"/> prints them above the table.</param>
/// <param name="Chains">Chains the summary was computed from.</param>
/// <param name="Draws">Draws per chain.</param>
/// <param name="Cancelled">True when the run was cancelled before all requested draws were made.</param>
/// <param name="Partial">Empty for a complete run; for a cancelled one, what the partial posterior holds (chains
/// that made draws, draws kept per chain).</param>
public sealed record PosteriorSummary(
    IReadOnlyList<double> Probabilities,
    IReadOnlyList<SummaryRow> Rows,
    IReadOnlyList<F.Warning> Warnings,
    int Chains,
    int Draws,
    bool Cancelled,
    string Partial)
{
    private string Text { get; init; } = string.Empty;

    /// <summary>The row of a scalar by name (<c>theta[3]</c>) or labelled name (<c>theta[C]</c>).</summary>
    /// <param name="name">The scalar's name or label.</param>
    /// <exception cref="KeyNotFoundException">No such row.</exception>
    public SummaryRow this[string name] =>
        Rows.FirstOrDefault(r => r.Name == name || r.Label == name)
        ?? throw new KeyNotFoundException($"The summary has no row named '{name}'.");

    /// <summary>True when no convergence warning fired.</summary>
    public bool Converged => Warnings.Count == 0;

    /// <summary>The warnings banner (if any), then the summary as an aligned text table.</summary>
    public override string ToString() => Text;

    internal static PosteriorSummary FromCore(F.Summary s, Func<string, string?> label) =>
        new(
            s.Probs,
            s.Rows.Select(r => new SummaryRow(
                r.Name, label(r.Name), r.Mean, r.Sd, r.Median, r.Mad, r.Quantiles, r.McseMean, r.McseSd, r.EssBulk,
                r.EssTail, r.Rhat)).ToArray(),
            s.Warnings.ToArray(),
            s.Chains,
            s.Draws,
            s.Cancelled,
            s.Partial)
        {
            Text = F.SummaryModule.format(s),
        };
}
