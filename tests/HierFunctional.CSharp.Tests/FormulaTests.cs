using System.IO;
using System.Linq;
using Xunit;
using F = HierFunctional;

namespace HierFunctional.CSharp.Tests;

/// <summary>The formula front end from C#: the same model and draws as the F# front end, and errors that name the
/// position in the formula.</summary>
public class FormulaTests
{
    [Fact]
    public void A_formula_built_in_CSharp_gives_the_draws_of_the_same_formula_built_in_FSharp()
    {
        var file = Path.Combine(Reference.DataDir, "sleepstudy.csv");
        var built = Formula.Build("Reaction ~ Days + (Days | Subject)", DataSet.ReadCsv(file));
        var ours = built.Compile().Sample(Reference.Options);

        var core = F.FormulaModule.build(F.Family.Gaussian, Microsoft.FSharp.Collections.FSharpList<string>.Empty,
            "Reaction ~ Days + (Days | Subject)", Reference.CoreData("sleepstudy.csv")).ResultValue;
        var theirs = Reference.CoreFit(core.Item1, core.Item2, Reference.CoreOptions);

        Assert.Equal(F.Print.model(core.Item1), built.Model.ToString());
        Assert.Equal(Reference.CoreDraws(theirs, "b_Days"), ours.Draws("b_Days"));
    }

    [Fact]
    public void A_formula_syntax_error_reports_its_column()
    {
        var data = DataSet.Empty.With("y", new[] { 1.0, 2.0 }).With("g", new[] { "a", "b" });
        var e = Assert.Throws<FormulaException>(() => Formula.Build("y ~ 1 + (1 | g", data));
        Assert.Equal(15, e.Position);
        Assert.Contains("column 15", e.Message);
    }

    [Fact]
    public void An_unknown_family_is_refused_with_the_known_families()
    {
        var data = DataSet.Empty.With("y", new[] { 1.0, 2.0 });
        var e = Assert.Throws<FormulaException>(() => Formula.Build("y ~ 1", data, family: "weibull"));
        Assert.Contains("gaussian", e.Message);
        Assert.Contains("zinb", e.Message);
    }
}
