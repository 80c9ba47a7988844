using System;
using System.IO;
using System.Linq;
using Xunit;
using static HierFunctional.CSharp.Dist;
using static HierFunctional.CSharp.Expr;

namespace HierFunctional.CSharp.Tests;

/// <summary>Prediction for new rows from C# (Predict, Epred), dropping incomplete rows, and messages in C# terms.</summary>
public class PredictionTests
{
    private static Posterior Sleepstudy() =>
        Formula.Build("Reaction ~ Days + (Days | Subject)", DataSet.ReadCsv(Path.Combine(Reference.DataDir, "sleepstudy.csv")))
            .Fit(Reference.Options);

    [Fact]
    public void Epred_of_an_observed_subject_is_its_intercept_plus_slope_times_Days_draw_by_draw()
    {
        var post = Sleepstudy();
        var rows = DataSet.Empty.With("Subject", new[] { "335", "308" }).With("Days", new[] { 4.0, 0.0 });
        var p = post.Epred(rows);

        Assert.Equal(2, p.Rows);
        Assert.Equal(post.Chains * post.DrawsPerChain, p.Values.Length);
        var a = post.Draws("r_Subject[335,Intercept]");
        var b = post.Draws("r_Subject[335,Days]");
        var got = p.Row(0);
        for (var s = 0; s < got.Length; s++)
        {
            Assert.Equal(a[s] + 4.0 * b[s], got[s], 9);
        }

        Assert.Equal(post.Draws("r_Subject[308,Intercept]"), p.Row(1));
    }

    [Fact]
    public void An_unseen_subject_is_refused_naming_the_column_and_level_unless_new_levels_are_allowed()
    {
        var post = Sleepstudy();
        var rows = DataSet.Empty.With("Subject", new[] { "999" }).With("Days", new[] { 2.0 });
        var e = Assert.Throws<PredictionException>(() => post.Predict(rows));

        Assert.Equal("Subject", e.Column);
        Assert.Equal("999", e.Level);
        Assert.Contains("allowNewLevels: true", e.Message);
        Assert.All(post.Predict(rows, allowNewLevels: true, seed: 3).Row(0), x => Assert.True(double.IsFinite(x)));
    }

    [Fact]
    public void A_missing_predictor_column_is_refused_naming_it()
    {
        var rows = DataSet.Empty.With("Subject", new[] { "308" });
        var e = Assert.Throws<PredictionException>(() => Sleepstudy().Epred(rows));
        Assert.Equal("Days", e.Column);
    }

    [Fact]
    public void Epred_of_a_seen_school_is_that_school_s_theta_draw()
    {
        var data = DataSet.ReadCsv(Path.Combine(Reference.DataDir, "eight_schools.csv"));
        var post = CanonicalModelTests.EightSchools.Fit(data, Reference.Options);
        var rows = DataSet.Empty.With("school", new[] { "C" }).With("sigma", new[] { 1.0 });
        Assert.Equal(post.Draws("theta", "C"), post.Epred(rows).Row(0));
    }

    [Fact]
    public void Dropping_missing_rows_reports_the_dropped_row_numbers_and_refusing_names_the_row()
    {
        var data = DataSet.Empty
            .With("school", new[] { "A", "B", "C", "D" })
            .With("y", new[] { 1.0, double.NaN, 3, 4 })
            .With("sigma", new[] { 1.0, 1, 1, 1 });

        var post = CanonicalModelTests.EightSchools.Fit(data, Reference.Options, HierFunctional.MissingRows.Drop);
        Assert.Equal(new[] { 2 }, post.Plan.DroppedRows);

        var e = Assert.Throws<ModelException>(() => CanonicalModelTests.EightSchools.Fit(data, Reference.Options));
        Assert.Equal("y", e.Column);
        Assert.Equal(2, e.Row);
    }

    [Fact]
    public void A_formula_fit_with_missing_cells_dropped_reports_them()
    {
        var data = DataSet.Empty
            .With("y", new[] { 1.0, 2, double.NaN, 4, 5, 3 })
            .With("g", new[] { "a", "b", "a", "b", "a", "b" });
        var built = Formula.Build("y ~ 1 + (1 | g)", data, missing: HierFunctional.MissingRows.Drop);
        Assert.Equal(new[] { 3 }, built.Compile().DroppedRows);
    }

    [Fact]
    public void A_model_error_shows_the_CSharp_way_to_index_a_group_parameter()
    {
        Model unindexed =
            from mu in Model.Sample("mu", Normal(0, 5))
            from theta in Model.Sample("theta", Normal(mu, 1)).Over("school")
            from y in Model.Observe("y", Normal(theta, Data("sigma")))
            select y;
        var data = DataSet.Empty.With("school", new[] { "A", "B" }).With("y", new[] { 1.0, 2 }).With("sigma", new[] { 1.0, 1 });

        var e = Assert.Throws<ModelException>(() => unindexed.Compile(data));
        Assert.Contains("theta[Group(\"g\")]", e.Message);
        Assert.DoesNotContain(".[group", e.Message);
    }

    [Fact]
    public void A_shrinkage_request_for_a_node_without_a_report_gives_the_CSharp_remedy()
    {
        var data = DataSet.ReadCsv(Path.Combine(Reference.DataDir, "eight_schools.csv"));
        var post = CanonicalModelTests.EightSchools.Fit(data, Reference.Options.WithDraws(10).WithWarmup(10));
        var e = Assert.Throws<ArgumentException>(() => post.Shrinkage("mu"));
        Assert.DoesNotContain("ShrinkageSpec", e.Message);
        Assert.Contains("Shrinkage(node)", e.Message);
    }
}

/// <summary>Scalar data: a named constant read by <c>Data("name")</c> in any scope.</summary>
public class ScalarDataTests
{
    [Fact]
    public void A_scalar_prior_scale_binds_as_the_number_written_into_the_model()
    {
        Model withScale =
            from mu in Model.Sample("mu", Normal(0, Data("priorSd")))
            from y in Model.Observe("y", Normal(mu, 1))
            select y;
        Model written =
            from mu in Model.Sample("mu", Normal(0, 2.5))
            from y in Model.Observe("y", Normal(mu, 1))
            select y;
        var data = DataSet.Empty.With("y", new[] { 1.0, 2, 3 }).WithScalar("priorSd", 2.5);

        Assert.Equal(2.5, data.Scalars["priorSd"]);
        Assert.Equal(written.Fit(data, Reference.Options).Draws("mu"), withScale.Fit(data, Reference.Options).Draws("mu"));
        Assert.Equal(ErrorKind.MissingColumn,
            Assert.Throws<ModelException>(() => withScale.Compile(DataSet.Empty.With("y", new[] { 1.0 }))).Kind);
    }
}
