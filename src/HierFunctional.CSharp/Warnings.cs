using System.Collections.Generic;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>What a <see cref="Warning"/> reports (the F# core's <c>WarningKind</c>, case by case).</summary>
public enum WarningKind
{
    /// <summary>A draw is NaN or ±infinity.</summary>
    NonFinite,

    /// <summary>Draws beyond 1e10 in magnitude, or a chain whose magnitude keeps growing over the run.</summary>
    UnboundedGrowth,

    /// <summary>A chain whose draws never change.</summary>
    Stuck,

    /// <summary>A chain sitting at 0 (a non-negative scalar) or at 1 (a probability).</summary>
    AtBoundary,

    /// <summary>R-hat above its threshold: the chains disagree.</summary>
    HighRhat,

    /// <summary>Bulk ESS below its threshold: the mean and sd are imprecise.</summary>
    LowBulkEss,

    /// <summary>Tail ESS below its threshold: the outer quantiles are imprecise.</summary>
    LowTailEss,

    /// <summary>R-hat could not be computed (too few draws per chain).</summary>
    NotComputable,

    /// <summary>A problem in the model found before sampling.</summary>
    ModelCheck,
}

/// <summary>A problem to read before the results: its kind, where it is, what was found and what to try.</summary>
/// <param name="Kind">The kind of problem.</param>
/// <param name="Node">The node it is about, e.g. <c>theta</c>.</param>
/// <param name="Scalars">The scalars affected, e.g. <c>theta[2]</c>.</param>
/// <param name="Chains">The 1-based chains that show it (empty for a model check).</param>
/// <param name="Problem">What was found, with the numbers.</param>
/// <param name="Advice">What to try (see docs/errors.md).</param>
public sealed record Warning(
    WarningKind Kind,
    string Node,
    IReadOnlyList<string> Scalars,
    IReadOnlyList<int> Chains,
    string Problem,
    string Advice)
{
    private string Text { get; init; } = string.Empty;

    /// <summary>One line: the scalars and chains, what was found, what to try.</summary>
    public override string ToString() => Text;

    internal static Warning FromCore(F.Warning w) =>
        new((WarningKind)w.Kind.Tag, w.Node, w.Scalars.ToArray(), w.Chains.ToArray(), w.Problem, w.Advice)
        {
            Text = F.Warnings.describe(w),
        };

    internal static IReadOnlyList<Warning> FromCore(IEnumerable<F.Warning> ws) => ws.Select(FromCore).ToArray();
}
