using System;
using System.IO;
using System.Linq;
using HierFunctional.Plots;
using Plotly.NET;
using Xunit;

namespace HierFunctional.CSharp.Tests;

/// <summary>The charts from C#: every PosteriorCharts method draws from the facade's own results, with the
/// expected number of traces and group labels, and saves a self-contained page.</summary>
public class ChartTests
{
    private static readonly DataSet Schools = DataSet.ReadCsv(Path.Combine(Reference.DataDir, "eight_schools.csv"));

    private static readonly Lazy<Posterior> Fit = new(() =>
        CanonicalModelTests.EightSchools.Fit(Schools, Reference.Options.WithLogLikelihood()));

    [Fact]
    public void Every_chart_draws_from_a_CSharp_posterior_with_one_trace_per_chain_where_chains_are_drawn()
    {
        var post = Fit.Value;
        var check = post.PredictiveCheck(d => d.GetNumbers("y").Max(), seed: 3);
        var charts = new (string Name, GenericChart Chart, int Traces)[]
        {
            ("trace", PosteriorCharts.Trace(post, "tau"), post.Chains),
            ("rank", PosteriorCharts.Rank(post, "tau"), post.Chains),
            ("density", PosteriorCharts.Density(post, "mu"), post.Chains),
            ("autocorrelation", PosteriorCharts.Autocorrelation(post, "tau"), post.Chains),
            ("forest", PosteriorCharts.Forest(post, "theta"), 1),
            ("shrinkage", PosteriorCharts.Shrinkage(post, "theta"), 2),
            ("pair", PosteriorCharts.Pair(post, "mu", "tau"), post.Chains),
            ("funnel", PosteriorCharts.Funnel(post, "theta[1]", "tau"), post.Chains),
            ("prior", PosteriorCharts.PriorPosterior(post, "tau"), 2),
            ("ppc", PosteriorCharts.PredictiveDensities(post, "y"), 51),
            ("ppc-max", PosteriorCharts.PredictiveStatistic(check, "max y"), 1),
            ("rhat", PosteriorCharts.Rhat(post), 1),
            ("ess", PosteriorCharts.Ess(post), 2),
            ("compare", PosteriorCharts.Compare(new[] { "a", "b" }, new[] { post, post }), 2),
        };

        foreach (var (name, chart, traces) in charts)
        {
            Assert.True(traces == GenericChart.countTrace(chart), $"{name}: {GenericChart.countTrace(chart)} traces, expected {traces}");
        }

        var json = GenericChart.toJson(charts.Single(c => c.Name == "shrinkage").Chart);
        foreach (var school in Schools.GetLabels("school"))
        {
            Assert.Contains($"\"{school}<br>", json);
        }
    }

    [Fact]
    public void A_saved_chart_is_one_self_contained_page_with_plotly_inlined()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hier-chart-{Guid.NewGuid():N}.html");
        PosteriorCharts.SaveHtml(PosteriorCharts.Rank(Fit.Value, "tau"), path);
        var html = File.ReadAllText(path);
        // plotly.js itself names cdn.plot.ly (the default of geo charts' topojson, unused here); no script links it.
        Assert.DoesNotContain("src=\"http", html);
        Assert.DoesNotContain("<script src", html);
        Assert.Contains("Plotly.newPlot", html);
        Assert.True(html.Length > 3_000_000, "plotly.js is not inlined");
    }
}
