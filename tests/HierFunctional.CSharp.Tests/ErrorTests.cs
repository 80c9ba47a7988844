using System;
using System.Linq;
using Xunit;
using static HierFunctional.CSharp.Dist;
using static HierFunctional.CSharp.Expr;

namespace HierFunctional.CSharp.Tests;

/// <summary>Mistakes surface as exceptions with a kind, a location and a message that names it.</summary>
public class ErrorTests
{
    private static readonly string[] Names = { "A", "B", "C" };

    private static DataSet Schools(string[] labels) =>
        DataSet.Empty.With("school", labels, Names).With("y", new[] { 1.0, 2, 3 }).With("sigma", new[] { 1.0, 1, 1 });

    [Fact]
    public void A_missing_data_column_is_reported_with_its_node_and_column()
    {
        var data = DataSet.Empty.With("school", Names).With("y", new[] { 1.0, 2, 3 });
        var e = Assert.Throws<ModelException>(() => CanonicalModelTests.EightSchools.Compile(data));

        Assert.Equal(ErrorKind.MissingColumn, e.Kind);
        Assert.Equal("y", e.Node);
        Assert.Equal("sigma", e.Column);
        Assert.Contains("'sigma'", e.Message);
    }

    [Fact]
    public void A_label_outside_the_declared_levels_is_reported_with_its_column_and_row()
    {
        var e = Assert.Throws<ModelException>(() => CanonicalModelTests.EightSchools.Compile(Schools(new[] { "A", "Z", "C" })));

        Assert.Equal(ErrorKind.UnknownLabel, e.Kind);
        Assert.Equal("school", e.Column);
        Assert.Equal(2, e.Row);
        Assert.Contains("'Z'", e.Message);
    }

    [Fact]
    public void Asking_for_an_unknown_group_label_names_it_and_lists_the_known_ones()
    {
        var post = CanonicalModelTests.EightSchools.Fit(Schools(Names), Reference.Options.WithDraws(10).WithWarmup(10));
        var e = Assert.Throws<ArgumentException>(() => post.Draws("theta", "Hospital Z"));

        Assert.Equal("label", e.ParamName);
        Assert.Contains("'Hospital Z'", e.Message);
        Assert.Contains("theta[A], theta[B], theta[C]", e.Message);
        Assert.Contains("'nu'", Assert.Throws<ArgumentException>(() => post.Mean("nu")).Message);
    }

    [Fact]
    public void A_zero_initial_value_for_a_positive_node_is_refused_with_its_name()
    {
        var options = Reference.Options.WithDraws(10).WithWarmup(10).WithInitialValue("tau", 0.0);
        var e = Assert.Throws<ModelException>(() => CanonicalModelTests.EightSchools.Fit(Schools(Names), options));

        Assert.Equal(ErrorKind.InvalidInitialValue, e.Kind);
        Assert.Equal("tau", e.Node);
        Assert.Contains("positive", e.Message);
    }

    [Fact]
    public void Chains_start_at_typical_values_of_the_priors_by_default()
    {
        Assert.Equal(HierFunctional.Initial.Typical, SamplerOptions.Default.Initial);
        var post = CanonicalModelTests.EightSchools.Fit(Schools(Names), Reference.Options.WithDraws(10).WithWarmup(10));
        Assert.True(double.IsFinite(post.Mean("tau")));
    }

    [Fact]
    public void Non_constant_uniform_bounds_are_an_invalid_argument_of_their_node()
    {
        Model m =
            from a in Model.Sample("a", HalfNormal(1))
            from b in Model.Sample("b", Uniform(0, a))
            select b;

        var e = Assert.Throws<ModelException>(() => m.Validate());
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal("b", e.Node);
        Assert.Contains("node 'b'", e.Message);
    }

    [Fact]
    public void Every_error_found_is_kept_and_the_first_gives_the_kind()
    {
        Model m =
            from a in Model.Sample("a", Normal(Param("later"), 1))
            from again in Model.Sample("a", Normal(0, 1))
            select a;

        var e = Assert.Throws<ModelException>(() => m.Validate());
        Assert.Equal(ErrorKind.DuplicateNode, e.Kind);
        Assert.Contains(e.Errors, x => x is HierFunctional.ModelError.UndefinedReference { node: "a" });
        Assert.Equal("a", e.Node);
        Assert.Equal(e.Errors.Count, e.Message.Split(Environment.NewLine).Length);
    }

    [Fact]
    public void Invalid_sampler_options_are_refused_with_the_parameter_named()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SamplerOptions.Default.WithChains(0));
        Assert.Equal("chains", e.ParamName);
        Assert.Contains("at least 1, but was 0", e.Message);

        var monitor = Assert.Throws<ArgumentException>(() =>
            CanonicalModelTests.EightSchools.Fit(Schools(Names), Reference.Options.WithMonitor("nu")));
        Assert.Contains("'nu'", monitor.Message);
    }

    [Fact]
    public void Null_arguments_are_refused_at_the_facade()
    {
        Assert.Throws<ArgumentNullException>(() => Normal(null!, 1));
        Assert.Throws<ArgumentException>(() => Model.Sample("", Normal(0, 1)));
        Assert.Throws<ArgumentNullException>(() => DataSet.Empty.With("y", (double[])null!));
    }
}
