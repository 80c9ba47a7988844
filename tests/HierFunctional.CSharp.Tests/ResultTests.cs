using System;
using System.Data;
using System.IO;
using System.Linq;
using Xunit;
using F = HierFunctional;
using FA = HierFunctional.Analytic;

namespace HierFunctional.CSharp.Tests;

/// <summary>Reading a fit from C#: every result equals what the F# core computes from the same draws.</summary>
public class ResultTests
{
    private static readonly DataSet Schools = DataSet.ReadCsv(Path.Combine(Reference.DataDir, "eight_schools.csv"));

    private static readonly Lazy<Posterior> Fit = new(() =>
        CanonicalModelTests.EightSchools.Fit(Schools, Reference.Options.WithLogLikelihood()));

    private static readonly Lazy<(F.GibbsPlan Plan, F.Posterior Post)> Core = new(() =>
    {
        var bound = F.Bind.bindOrThrow(F.Examples.eightSchools, Reference.CoreData("eight_schools.csv"));
        var plan = F.Gibbs.compile(bound).ResultValue;
        return (plan, F.Chains.run(Reference.CoreOptions.WithLogLikelihood(true), plan));
    });

    [Fact]
    public void Summary_rows_are_the_FSharp_summary_rows_with_labels()
    {
        var summary = Fit.Value.Summary();
        var core = F.SummaryModule.compute(Core.Value.Post);

        Assert.Equal(new[] { 0.05, 0.5, 0.95 }, summary.Probs);
        Assert.Equal(core.Rows.Select(r => r.Name), summary.Rows.Select(r => r.Name));
        Assert.Equal(core.Rows.Select(r => r.Mean), summary.Rows.Select(r => r.Mean));
        Assert.Equal(core.Rows.Select(r => r.EssBulk), summary.Rows.Select(r => r.EssBulk));
        Assert.Equal("theta[C]", summary["theta[3]"].Label);
        Assert.Same(summary["theta[3]"], summary["theta[C]"]);
        Assert.Equal(F.SummaryModule.format(core), summary.ToString());
        Assert.Equal(core, summary);
        Assert.Equal(Fit.Value.Mean("mu"), summary["mu"].Mean);
        Assert.Equal(summary["tau"].Quantiles[2], Fit.Value.Quantile("tau", 0.95));
    }

    [Fact]
    public void Mean_sd_and_quantile_by_label_are_those_of_the_labelled_scalar()
    {
        var post = Fit.Value;
        Assert.Equal(post.Mean("theta[1]"), post.Mean("theta", "A"));
        Assert.Equal(post.Quantile("theta[2]", 0.1), post.Quantile("theta", "B", 0.1));
        Assert.Equal(post.Draws("theta[1]").Average(), post.Mean("theta[1]"), 12);
        Assert.Equal(2 * 100, post.Draws("mu").Length);
        Assert.Equal(new[] { 100, 100 }, post.DrawsByChain("mu").Select(c => c.Length));
    }

    [Fact]
    public void Shrinkage_report_matches_the_FSharp_report_group_by_group()
    {
        var table = Fit.Value.Shrinkage();
        var core = F.ShrinkageReport.report(Core.Value.Plan.Bound, "theta", Core.Value.Post);

        Assert.Equal("theta", table.Spec.Node);
        Assert.Equal("school", table.Group);
        Assert.Equal(new[] { "A", "B", "C", "D", "E", "F", "G", "H" }, table.Rows.Select(r => r.Label));
        Assert.Equal(core.Rows.Select(r => r.PartialMean), table.Rows.Select(r => r.PartialMean));
        Assert.Equal(core.Rows.Select(r => r.Factor), table.Rows.Select(r => r.Factor));
        Assert.All(table.Rows, r => Assert.InRange(r.Factor, 0.0, 1.0));
    }

    [Fact]
    public void Dic_waic_and_loo_equal_the_FSharp_criteria()
    {
        var post = Fit.Value;
        var (plan, core) = Core.Value;

        Assert.Equal(F.Criteria.dicOf(plan, core).Dic, post.Dic().Dic);
        Assert.Equal(F.Criteria.waicOf(core).Waic.Estimate, post.Waic().Waic.Estimate);
        var loo = post.Loo();
        Assert.Equal(F.Criteria.looOf(core).ElpdLoo.Estimate, loo.ElpdLoo.Estimate);
        Assert.Equal(8, loo.ParetoK.Length);
    }

    [Fact]
    public void Criteria_without_a_recorded_log_likelihood_say_how_to_record_it()
    {
        var post = CanonicalModelTests.EightSchools.Fit(Schools, Reference.Options.WithDraws(20).WithWarmup(20));
        var e = Assert.Throws<InvalidOperationException>(() => post.Waic());
        Assert.Contains("WithLogLikelihood", e.Message);
    }

    [Fact]
    public void Predictive_checks_new_groups_and_variance_shares_equal_the_FSharp_ones_for_the_same_seed()
    {
        var post = Fit.Value;
        var (plan, core) = Core.Value;
        Func<DataSet, double> max = d => d.GetNumbers("y").Max();
        var check = post.PredictiveCheck(max, seed: 3);
        var coreCheck = F.Predictive.check(
            F.Chains.predictiveGenerator(3), plan.Bound,
            Microsoft.FSharp.Core.FuncConvert.FromFunc<F.Dataset, double>(MaxY), core);

        Assert.Equal(coreCheck.Replicated, check.Replicated);
        Assert.Equal(post.Draws("mu").Length, check.Replicated.Length);
        Assert.InRange(check.PValue, 0.0, 1.0);
        Assert.Equal(
            F.Predictive.newGroup(F.Chains.predictiveGenerator(4), plan.Bound, "theta", core),
            post.NewGroup("theta", seed: 4));
    }

    [Fact]
    public void The_variance_decomposition_gives_the_icc_draw_by_draw()
    {
        Model students =
            from mu in Model.Sample("mu", Dist.Normal(50, 20))
            from tau in Model.Sample("tau", Dist.HalfNormal(10))
            from sigma in Model.Sample("sigma", Dist.HalfNormal(20))
            from theta in Model.Sample("theta", Dist.Normal(mu, tau)).Over("school")
            from score in Model.Observe("score", Dist.Normal(theta[Expr.Group("school")], sigma))
            select score;
        var post = students.Fit(
            DataSet.ReadCsv(Path.Combine(Reference.DataDir, "students.csv")), Reference.Options.WithWarmup(30).WithDraws(50));
        var icc = post.Draws("tau").Zip(post.Draws("sigma"), (t, s) => t * t / (t * t + s * s)).Average();

        Assert.Equal(icc, post.VarianceDecomposition("tau", "sigma")["icc"].Mean, 12);
    }

    private static double MaxY(F.Dataset d) => F.DatasetModule.tryColumn("y", d).Value switch
    {
        F.Column.Reals r => r.Item.Max(),
        F.Column.Integers i => i.Item.Max(),
        _ => double.NaN,
    };

    [Fact]
    public void The_log_density_at_a_point_is_the_FSharp_joint_log_density()
    {
        var plan = CanonicalModelTests.EightSchools.Compile(Schools);
        var theta = new[] { 16.5, 6.5, 1, 6, 2, 3, 11.5, 8.5 };
        var logp = plan.LogDensity(new System.Collections.Generic.Dictionary<string, double[]>
        {
            ["mu"] = new[] { 5.0 },
            ["tau"] = new[] { 3.0 },
            ["theta"] = theta,
        });
        var bound = Core.Value.Plan.Bound;
        var point = F.LayoutModule.ofValues(bound, Microsoft.FSharp.Collections.ListModule.OfSeq(new[]
        {
            Tuple.Create("mu", F.Value.NewScalar(5.0)),
            Tuple.Create("tau", F.Value.NewScalar(3.0)),
            Tuple.Create("theta", F.Value.NewVector(theta)),
        }));

        Assert.Equal(F.LogDensity.compile(bound).Joint.Invoke(point), logp);
        var e = Assert.Throws<ArgumentException>(() => plan.LogDensity(new System.Collections.Generic.Dictionary<string, double[]> { ["mu"] = new[] { 5.0 } }));
        Assert.Contains("tau, theta", e.Message);
    }

    [Fact]
    public void CmdStan_CSV_files_read_back_with_the_same_draws()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hier-csharp-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = Fit.Value.WriteCmdStanCsv(dir, "schools");
            Assert.Equal(2, files.Count);
            Assert.EndsWith("schools_1.csv", files[0]);
            var back = F.CmdStanCsv.readPosterior(files.ToArray());
            Assert.Equal(Fit.Value.Draws("theta[4]"), F.PosteriorModule.allChains("theta[4]", back));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_data_table_binds_to_the_same_data_as_arrays()
    {
        var table = new DataTable();
        table.Columns.Add("school", typeof(string));
        table.Columns.Add("y", typeof(double));
        table.Columns.Add("sigma", typeof(int));
        foreach (var s in Reference.Schools())
        {
            table.Rows.Add(s.Name, s.Effect, (int)s.StdError);
        }

        var fromTable = DataSet.FromDataTable(table);
        Assert.Equal(ColumnKind.Integers, fromTable.KindOf("sigma"));
        Assert.Equal(Schools.GetNumbers("y"), fromTable.GetNumbers("y"));
        Assert.Equal(Schools.GetLabels("school"), fromTable.GetLabels("school"));
        var options = Reference.Options.WithDraws(50).WithWarmup(50);
        Assert.Equal(
            CanonicalModelTests.EightSchools.Fit(Schools, options).Draws("tau"),
            CanonicalModelTests.EightSchools.Fit(fromTable, options).Draws("tau"));
    }

    [Fact]
    public void Analytic_methods_return_the_FSharp_closed_forms_as_records()
    {
        var y = Schools.GetNumbers("y");
        var sigma = Schools.GetNumbers("sigma");
        var grid = Analytic.NormalHierarchyGrid(y, sigma, muMean: 0, muSd: 5, tauScale: 5, gridPoints: 100);
        var core = FA.GridPosterior.normalHierarchy(
            100, FA.MuPrior.NewNormal(0, 5), Microsoft.FSharp.Core.FuncConvert.FromFunc<double, double>(t => FA.GridPosterior.halfCauchyTau(5, t)), y, sigma);
        Assert.Equal(core.Mu.Mean, grid.Mu.Mean);
        Assert.Equal(core.Theta[0].Sd, grid.Theta[0].Sd);

        var beta = Analytic.BetaBinomialPosterior(2, 3, 4, 10);
        Assert.Equal((2.0 + 4) / (2 + 3 + 10), beta.Mean, 14);
        Assert.Equal(10.0 / 15, beta.DataWeight, 14);

        var s = Analytic.NormalShrinkage(mu: 1, tau: 2, estimate: 5, stdError: 2);
        Assert.Equal(0.5, s.ShrinkageFactor, 14);
        Assert.Equal(3.0, s.PosteriorMean, 14);

        var pooling = Analytic.NormalPooling(y, sigma, tau: 0);
        Assert.All(pooling.Rows, r => Assert.Equal(pooling.Pooled, r.PartialPooling, 10));

        var rats = Reference.Rats();
        var eb = Analytic.BetaBinomialPrior(rats.Select(r => r.Tumours).ToArray(), rats.Select(r => r.Rats).ToArray());
        Assert.Equal(FA.EstimationMethod.MarginalML, eb.Method);
        Assert.InRange(eb.PriorMean, 0.1, 0.2);
    }

    [Fact]
    public void Convergence_warnings_lead_the_summary_and_equal_the_FSharp_warnings()
    {
        var summary = Fit.Value.Summary();
        var core = F.SummaryModule.compute(Core.Value.Post);

        // 2 chains of 100 draws cannot reach 100 effective draws per chain on every scalar.
        Assert.NotEmpty(summary.Warnings);
        Assert.False(summary.Converged);
        Assert.Equal(core.Warnings.Select(F.Warnings.describe), summary.Warnings.Select(w => w.ToString()));
        Assert.Equal(core.Warnings.Select(w => w.Kind), summary.Warnings.Select(w => w.Kind));
        Assert.All(summary.Warnings, w => Assert.NotEmpty(w.Chains));
        Assert.StartsWith($"{summary.Warnings.Length} WARNING", summary.ToString());
        Assert.Equal(summary.Warnings.Select(w => w.ToString()), Fit.Value.Warnings.Select(w => w.ToString()));
        Assert.StartsWith($"{summary.Warnings.Length} WARNING", Fit.Value.ToString());
    }

    [Fact]
    public void A_numeric_csv_column_with_a_text_cell_is_refused_unless_declared_categorical()
    {
        var text = "y,x\n1,0.5\n2,1.5\n3,abc\n4,2.5\n";
        var e = Assert.Throws<FormatException>(() => DataSet.ParseCsv(text));
        Assert.Contains("column 'x'", e.Message);
        Assert.Contains("line 4 'abc'", e.Message);
        var data = DataSet.ParseCsv(text, "text", "x");
        Assert.Equal("abc", data.GetLabels("x")[2]);
    }

    [Fact]
    public void A_missing_csv_file_throws_FileNotFoundException_naming_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "hier-no-such-dir", "no-such-file.csv");
        var e = Assert.Throws<FileNotFoundException>(() => DataSet.ReadCsv(path));
        Assert.Equal(path, e.FileName);
        Assert.Contains(path, e.Message);
    }
}
