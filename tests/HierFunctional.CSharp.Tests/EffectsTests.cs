using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Xunit;
using F = HierFunctional;

namespace HierFunctional.CSharp.Tests;

/// <summary>Results in lme4/brms terms from C#: sd and cor rows, coefficients by level and term, fixef/ranef/coef/
/// VarCorr, highest-density intervals, tidy draws and loo_compare, each the same numbers as the F# core.</summary>
public class EffectsTests
{
    private static Posterior Sleepstudy(SamplerOptions? options = null) =>
        Formula.Build("Reaction ~ Days + (Days | Subject)", DataSet.ReadCsv(Path.Combine(Reference.DataDir, "sleepstudy.csv")))
            .Compile()
            .Sample(options ?? Reference.Options);

    [Fact]
    public void The_summary_of_a_formula_fit_has_sd_and_cor_rows_and_no_covariance_entries()
    {
        var summary = Sleepstudy().Summary();
        var names = summary.Rows.Select(r => r.Name).ToArray();
        Assert.Contains("sd_Subject__Intercept", names);
        Assert.Contains("sd_Subject__Days", names);
        Assert.Single(names, n => n == "cor_Subject__Intercept__Days");
        Assert.DoesNotContain(names, n => n.StartsWith("Sigma_Subject", StringComparison.Ordinal));
        Assert.Equal("r_Subject[308,Days]", summary["r_Subject[1,2]"].Label);
    }

    [Fact]
    public void Coefficients_can_be_named_by_level_and_term()
    {
        var post = Sleepstudy();
        Assert.Equal("r_Subject[308,Days]", post.LabelOf("r_Subject[1,2]"));
        Assert.Equal(post.Draws("r_Subject[1,2]"), post.Draws("r_Subject[308,Days]"));
    }

    [Fact]
    public void Coefficients_also_resolve_by_the_earlier_level_and_index_labels()
    {
        var post = Sleepstudy();
        Assert.Equal(post.Draws("r_Subject[335,Intercept]"), post.Draws("r_Subject[335,1]"));
        Assert.Equal(post.Draws("r_Subject[335,Days]"), post.Draws("r_Subject[335,2]"));
        Assert.Equal(post.Mean("r_Subject", "335,Days"), post.Mean("r_Subject", "335,2"));
        Assert.NotEqual(post.Draws("r_Subject[335,1]"), post.Draws("r_Subject[335,2]"));
        Assert.Throws<ArgumentException>(() => post.Draws("r_Subject[335,3]"));
    }

    [Fact]
    public void Fixef_ranef_coef_and_VarCorr_are_the_core_rows()
    {
        var post = Sleepstudy();
        var file = Path.Combine(Reference.DataDir, "sleepstudy.csv");
        var built = F.FormulaModule.buildWithTerms(
            F.FormulaOptions.Default, Microsoft.FSharp.Collections.FSharpList<string>.Empty,
            "Reaction ~ Days + (Days | Subject)", F.Csv.readOrThrow(file)).ResultValue;
        var core = Reference.CoreFit(built.Item1, built.Item2, Reference.CoreOptions);
        var terms = built.Item3;

        Assert.Equal(F.Effects.fixef(terms, core).Select(r => (r.Term, r.Mean)), post.FixedEffects().Select(r => (r.Term, r.Mean)));
        Assert.Equal(F.Effects.ranef(terms, core).Select(r => (r.Name, r.Mean)), post.RandomEffects().Select(r => (r.Name, r.Mean)));
        Assert.Equal(F.Effects.coef(terms, core).Select(r => (r.Name, r.Mean)), post.Coefficients().Select(r => (r.Name, r.Mean)));
        var vc = post.VarCorr();
        Assert.Equal(
            new[] { "sd_Subject__Intercept", "sd_Subject__Days", "cor_Subject__Intercept__Days", "sigma" },
            vc.Select(r => r.Name));
        Assert.Equal(F.Effects.varCorr(terms, core).Select(r => r.Mean), vc.Select(r => r.Mean));
        // ranef is the node value minus its centre b_Days, so its mean is the difference of the means
        var ranef = post.RandomEffects().Single(r => r.Name == "ranef_Subject[308,Days]");
        Assert.Equal(post.Draws("r_Subject[1,2]").Average() - post.Draws("b_Days").Average(), ranef.Mean, 9);
    }

    [Fact]
    public void Effects_of_a_hand_built_model_say_a_formula_is_needed()
    {
        var post = CanonicalModelTests.Sleepstudy.Fit(DataSet.ReadCsv(Path.Combine(Reference.DataDir, "sleepstudy.csv")), Reference.Options);
        var e = Assert.Throws<InvalidOperationException>(() => post.FixedEffects());
        Assert.Contains("Formula.Build", e.Message);
    }

    [Fact]
    public void The_HDI_of_each_scalar_is_the_shortest_interval_holding_the_mass()
    {
        var post = Sleepstudy();
        var hdi = post.Hdi(0.9).Single(r => r.Name == "b_Days");
        var draws = post.Draws("b_Days").OrderBy(x => x).ToArray();
        var k = (int)Math.Ceiling(0.9 * draws.Length);
        var shortest = Enumerable.Range(0, draws.Length - k + 1).Min(i => draws[i + k - 1] - draws[i]);
        Assert.Equal(shortest, hdi.Upper - hdi.Lower, 12);
        Assert.True(draws.Count(x => x >= hdi.Lower && x <= hdi.Upper) >= k);
    }

    [Fact]
    public void Tidy_draws_have_one_row_per_chain_draw_and_scalar_and_a_csv_header()
    {
        var post = Sleepstudy();
        var tidy = post.TidyDraws();
        Assert.Equal(post.Chains * post.DrawsPerChain * post.Names.Count, tidy.Count);
        Assert.Equal(post.DrawsByChain("b_Days")[1][4], tidy.Single(t => t.Chain == 2 && t.Draw == 5 && t.Name == "b_Days").Value);
        Assert.Contains(post.TidyDraws(useLabels: true), t => t.Name == "r_Subject[308,Days]");

        var path = Path.Combine(Path.GetTempPath(), $"tidy-{Guid.NewGuid():N}.csv");
        post.WriteTidyCsv(path);
        var lines = File.ReadAllLines(path);
        File.Delete(path);
        Assert.Equal("chain,draw,name,value", lines[0]);
        Assert.Equal(tidy.Count + 1, lines.Length);
    }

    [Fact]
    public void Compare_ranks_fits_by_elpd_loo_with_the_standard_error_of_the_paired_differences()
    {
        var options = Reference.Options.WithLogLikelihood();
        var data = DataSet.ReadCsv(Path.Combine(Reference.DataDir, "sleepstudy.csv"));
        var slopes = Formula.Build("Reaction ~ Days + (Days | Subject)", data).Compile().Sample(options);
        var intercepts = Formula.Build("Reaction ~ Days + (1 | Subject)", data).Compile().Sample(options);
        var rows = Posterior.Compare(new Dictionary<string, Posterior> { ["intercepts"] = intercepts, ["slopes"] = slopes });

        Assert.Equal(0.0, rows[0].ElpdDiff);
        Assert.Equal(0.0, rows[0].SeDiff);
        Assert.True(rows[1].ElpdDiff < 0);
        var loos = new Dictionary<string, HierFunctional.Loo> { ["intercepts"] = intercepts.Loo(), ["slopes"] = slopes.Loo() };
        var best = loos[rows[0].Model].PointwiseElpd;
        var other = loos[rows[1].Model].PointwiseElpd;
        var d = other.Zip(best, (a, b) => a - b).ToArray();
        var mean = d.Average();
        var sd = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (d.Length - 1));
        Assert.Equal(d.Sum(), rows[1].ElpdDiff, 9);
        Assert.Equal(Math.Sqrt(d.Length) * sd, rows[1].SeDiff, 9);
    }

    [Fact]
    public void A_binomial_formula_reports_group_probabilities_on_the_response_scale()
    {
        var data = DataSet.ReadCsv(Path.Combine(Reference.DataDir, "surgical.csv"));
        var post = Formula.Build("r | trials(n) ~ 1 + (1 | hospital)", data, family: "binomial").Compile().Sample(Reference.Options);
        var table = Assert.Single(post.ResponseScaleShrinkage());
        Assert.Equal(HierFunctional.ShrinkageFamily.BinomialLogit, table.Spec.Family);
        Assert.All(table.Rows, r => Assert.InRange(r.PartialMean, 0.0, 1.0));
        Assert.Equal(0.0, table.Rows.Single(r => r.Label == "A").NoPooling);
    }
}
