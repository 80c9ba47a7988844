using System.Linq;
using Xunit;
using static HierFunctional.CSharp.Dist;
using static HierFunctional.CSharp.Expr;
using F = HierFunctional;

namespace HierFunctional.CSharp.Tests;

/// <summary>
/// The canonical models written in C# (LINQ queries and the fluent builder) against the same models written with
/// the F# computation expression (HierFunctional.Examples) and fitted by the F# core directly: with the same
/// seed the draws must be bit-identical, so the facade adds no second engine and loses nothing on the way.
/// </summary>
public class CanonicalModelTests
{
    public static readonly Model EightSchools =
        from mu in Model.Sample("mu", Normal(0, 5))
        from tau in Model.Sample("tau", HalfCauchy(5))
        from theta in Model.Sample("theta", Normal(mu, tau)).Over("school")
        from y in Model.Observe("y", Normal(theta[Group("school")], Data("sigma")))
        select y;

    public static readonly Model Pumps =
        from alpha in Model.Sample("alpha", Exponential(1))
        from beta in Model.Sample("beta", Gamma(0.1, 1))
        from theta in Model.Sample("theta", Gamma(alpha, beta)).Over("pump")
        from x in Model.Observe("x", Poisson(theta[Group("pump")], Data("t")))
        select x;

    public static readonly Model Rats =
        from a in Model.Sample("alpha", Flat(HierFunctional.Support.Positive))
        from b in Model.Sample("beta", Flat(HierFunctional.Support.Positive))
        from prior in Model.Factor("hyperprior", -2.5 * Log(a + b))
        from theta in Model.Sample("theta", Beta(a, b)).Over("experiment")
        from popMean in Model.Derived("pop_mean", a / (a + b))
        from logRatio in Model.Derived("log_ratio", Log(a / b))
        from logSum in Model.Derived("log_sum", Log(a + b))
        from y in Model.Observe("y", Binomial(Data("n"), theta[Group("experiment")]))
        select y;

    public static readonly Model Sleepstudy = Model.Builder()
        .Sample("mu", MvNormal(Vector(250, 10), Matrix(new double[,] { { 2500, 0 }, { 0, 100 } })), out var mu)
        .Sample("SigmaB", InverseWishart(4, Matrix(new double[,] { { 600, 0 }, { 0, 35 } })), out var sigmaB)
        .Sample("sigma", HalfNormal(50), out var sigma)
        .Sample("b", MvNormal(mu, sigmaB), out var b, over: "Subject")
        .Observe("Reaction", Normal(Dot(Vector(1, Data("Days")), b[Group("Subject")]), sigma))
        .Build();

    [Fact]
    public void Eight_schools_written_as_a_LINQ_query_prints_as_the_FSharp_model_does()
    {
        Assert.Equal(F.Print.model(F.Examples.eightSchools), EightSchools.ToString());
        Assert.Equal(
            new[] { "mu", "tau", "theta", "y" },
            EightSchools.Nodes.Select(n => n.Name));
        Assert.Equal("over school", EightSchools.Nodes[2].Plate);
    }

    [Fact]
    public void The_fluent_builder_and_the_LINQ_query_build_equal_models()
    {
        var built = Model.Builder()
            .Sample("mu", Normal(0, 5), out var mu)
            .Sample("tau", HalfCauchy(5), out var tau)
            .Add(Model.Sample("theta", Normal(mu, tau)).Over("school"), out var theta)
            .Observe("y", Normal(theta[Group("school")], Data("sigma")))
            .Build();

        Assert.Equal(EightSchools, built);
        Assert.NotEqual(Pumps, built);
    }

    [Fact]
    public void Eight_schools_from_records_gives_bit_identical_draws_to_the_FSharp_core()
    {
        DataSet data = DataSet.From(Reference.Schools())
            .Labels("school", s => s.Name)
            .Reals("y", s => s.Effect)
            .Reals("sigma", s => s.StdError);
        var post = EightSchools.Fit(data, Reference.Options);
        var core = Reference.CoreFit(F.Examples.eightSchools, Reference.CoreData("eight_schools.csv"), Reference.CoreOptions);

        foreach (var name in new[] { "mu", "tau", "theta[1]", "theta[8]" })
        {
            Assert.Equal(Reference.CoreDraws(core, name), post.Draws(name));
        }

        Assert.Equal(post.Draws("theta[1]"), post.Draws("theta", "A"));
        Assert.Equal(post.Draws("theta[8]"), post.Draws("theta[H]"));
    }

    [Fact]
    public void Pumps_from_arrays_gives_bit_identical_draws_to_the_FSharp_core()
    {
        var pumps = Reference.Pumps();
        var data = DataSet.Empty
            .With("pump", pumps.Select(p => p.Id))
            .With("x", pumps.Select(p => p.Failures))
            .With("t", pumps.Select(p => p.Hours).ToArray());
        var plan = Pumps.Compile(data);
        var post = plan.Sample(Reference.Options);
        var core = Reference.CoreFit(F.Examples.pumps, Reference.CoreData("pumps.csv"), Reference.CoreOptions);

        // one step: alpha, beta from their tabulated marginal (theta integrated out), then theta drawn exactly
        var step = plan.Steps.Single();
        Assert.Equal("alpha, beta, theta", step.Node);
        Assert.StartsWith("collapsed Gamma-Poisson", step.Method);
        Assert.False(step.Exact);
        Assert.Equal(UpdateExactness.Markov, step.Exactness);
        foreach (var name in new[] { "alpha", "beta", "theta[1]", "theta[10]" })
        {
            Assert.Equal(Reference.CoreDraws(core, name), post.Draws(name));
        }
    }

    /// <summary>Rats and sleepstudy are the slowest sweeps; a few dozen draws already prove bit-identity.</summary>
    private static readonly SamplerOptions Short = Reference.Options.WithWarmup(30).WithDraws(50);

    private static readonly HierFunctional.SamplerOptions CoreShort = Reference.CoreOptions.WithWarmup(30).WithDraws(50);

    [Fact]
    public void Rat_tumours_from_CSV_gives_bit_identical_draws_to_the_FSharp_core()
    {
        var post = Rats.Fit(DataSet.ReadCsv(System.IO.Path.Combine(Reference.DataDir, "rats.csv")), Short);
        var core = Reference.CoreFit(F.Examples.rats, Reference.CoreData("rats.csv"), CoreShort);

        Assert.Equal(F.Print.model(F.Examples.rats), Rats.ToString());
        foreach (var name in new[] { "alpha", "beta", "theta[1]", "theta[71]", "pop_mean", "log_sum" })
        {
            Assert.Equal(Reference.CoreDraws(core, name), post.Draws(name));
        }
    }

    [Fact]
    public void Sleepstudy_varying_slopes_from_records_gives_bit_identical_draws_to_the_FSharp_core()
    {
        DataSet data = DataSet.From(Reference.Sleepstudy())
            .Reals("Reaction", s => s.Reaction)
            .Integers("Days", s => s.Days)
            .Labels("Subject", s => s.Subject);
        var plan = Sleepstudy.Compile(data);
        var post = plan.Sample(Short);
        var core = Reference.CoreFit(F.Examples.sleepstudy, Reference.CoreData("sleepstudy.csv"), CoreShort);

        Assert.Equal(F.Print.model(F.Examples.sleepstudy), Sleepstudy.ToString());
        Assert.DoesNotContain("slice", plan.Description);
        foreach (var name in new[] { "mu[1]", "mu[2]", "SigmaB[1,2]", "sigma", "b[1,1]", "b[18,2]" })
        {
            Assert.Equal(Reference.CoreDraws(core, name), post.Draws(name));
        }

        Assert.Equal(post.Draws("b[1,2]"), post.Draws("b[308,2]"));
        Assert.Equal("b[308,2]", post.LabelOf("b[1,2]"));
    }
}
