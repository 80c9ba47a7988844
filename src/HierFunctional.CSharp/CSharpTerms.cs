using System.Text.RegularExpressions;

namespace HierFunctional.CSharp;

/// <summary>Messages of the F# core rewritten in the facade's terms, so a C# user reads the code they would write:
/// <c>theta[Group("g")]</c> for <c>theta.[group "g"]</c>, <c>Data("x")</c> for <c>data "x"</c>,
/// <c>Model.Sample</c> for <c>sample</c>.</summary>
internal static partial class CSharpTerms
{
    /// <summary>The message with F# model syntax replaced by the C# facade's.</summary>
    public static string Rewrite(string message) =>
        DataRef().Replace(
            GroupRef().Replace(
                IndexRef().Replace(message, "$1[Group(\"$2\")]"),
                "Group(\"$1\")"),
            "Data(\"$1\")")
        .Replace("with sample/derived first", "with Model.Sample/Model.Derived first", System.StringComparison.Ordinal)
        .Replace(
            "pass a ShrinkageSpec to ShrinkageReport.compute",
            "name a parameter over a group with a Normal, Binomial or Poisson child in Shrinkage(node)",
            System.StringComparison.Ordinal);

    [GeneratedRegex(@"(\w+)\.\[group ""([^""]*)""\]")]
    private static partial Regex IndexRef();

    [GeneratedRegex(@"\bgroup ""([^""]*)""")]
    private static partial Regex GroupRef();

    [GeneratedRegex(@"\bdata ""([^""]*)""")]
    private static partial Regex DataRef();
}
