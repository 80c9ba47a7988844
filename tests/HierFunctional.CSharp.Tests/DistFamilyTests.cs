using System;
using Xunit;
using static HierFunctional.CSharp.Dist;

namespace HierFunctional.CSharp.Tests;

/// <summary>
/// Distributions from C# read their family record: the argument labels, and <c>Dist.Of</c> builds any catalogue
/// family by name, equal to its typed constructor.
/// </summary>
public class DistFamilyTests
{
    [Fact]
    public void A_distribution_lists_its_argument_labels_from_its_family_record()
    {
        Assert.Equal(new[] { "mean", "dispersion", "zeroInflation" }, ZeroInflatedNegativeBinomial(2, 1, 0.3).Arguments);
        Assert.Equal(new[] { "logMean", "logSd" }, LogNormal(0, 1).Arguments);
        Assert.Equal("ZeroInflatedPoisson", ZeroInflatedPoisson(3, 0.2).Family);
    }

    [Fact]
    public void Dist_Of_builds_a_catalogue_family_by_name_equal_to_its_typed_constructor()
    {
        Assert.Equal(ZeroInflatedPoisson(3, 0.2), Of("ZeroInflatedPoisson", 3, 0.2));
        Assert.Equal(StudentT(3, 0, 2.5), Of("StudentT", 3, 0, 2.5));
    }

    [Fact]
    public void Dist_Of_refuses_an_unknown_name_and_a_wrong_number_of_arguments()
    {
        Assert.Contains("LogNormal", Assert.Throws<ArgumentException>(() => Of("Lognormal", 0, 1)).Message);
        Assert.Contains("(rate, zeroInflation)", Assert.Throws<ArgumentException>(() => Of("ZeroInflatedPoisson", 1)).Message);
    }
}
