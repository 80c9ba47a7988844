using System.Linq;
using Xunit;
using static HierFunctional.CSharp.Dist;
using static HierFunctional.CSharp.Expr;

namespace HierFunctional.CSharp.Tests;

/// <summary>
/// The BUGS vocabulary from C#: <c>NormalPrecision</c> and the truncations build the same model values as F#, print
/// in BUGS notation, and get the same closed-form updates.
/// </summary>
public class BugsVocabularyTests
{
    [Fact]
    public void NormalPrecision_and_truncations_print_in_BUGS_notation_and_get_their_conjugate_updates()
    {
        var model = Model.Builder()
            .Sample("tau", Gamma(1, 1), out var tau)
            .Sample("mu", NormalPrecision(0, 1.0E-4), out var mu)
            .Sample("p", TruncatedAbove(Beta(1, 1), 0.9999), out var p)
            .Sample("s", Truncated(HalfNormal(1), 0.1, 2), out _)
            .Sample("lo", TruncatedBelow(Normal(0, 1), 0), out _)
            .Observe("y", NormalPrecision(mu, tau))
            .Observe("k", Binomial(Data("n"), p))
            .Build();

        var text = model.ToString();
        Assert.Contains("mu ~ NormalPrecision(0, 0.0001)", text);
        Assert.Contains("p ~ Beta(1, 1) T(, 0.9999)", text);
        Assert.Contains("s ~ HalfNormal(1) T(0.1, 2)", text);
        Assert.Contains("lo ~ Normal(0, 1) T(0, )", text);

        var data = DataSet.Empty
            .With("y", new[] { 0.3, -0.2, 1.1 })
            .With("k", new[] { 3, 4, 5 })
            .With("n", new[] { 5, 5, 5 });
        var plan = model.Compile(data);
        Assert.Equal("Normal scale (Gamma on a precision)", plan.Steps.Single(s => s.Node == "tau").Method);
        Assert.Equal("Normal-Normal", plan.Steps.Single(s => s.Node == "mu").Method);
        Assert.Equal("Beta-Binomial truncated to T(, 0.9999)", plan.Steps.Single(s => s.Node == "p").Method);
    }
}
