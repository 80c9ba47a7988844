using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Xunit;
using F = HierFunctional;

namespace HierFunctional.CSharp.Tests;

/// <summary>Rows of the bundled data sets, as a C# user would hold them.</summary>
public sealed record School(string Name, double Effect, double StdError);

/// <summary>One pump of the BUGS pumps data.</summary>
public sealed record Pump(int Id, int Failures, double Hours);

/// <summary>One experiment of the BDA3 rat-tumour data.</summary>
public sealed record RatExperiment(int Id, int Tumours, int Rats);

/// <summary>One measurement of lme4's sleepstudy.</summary>
public sealed record Sleep(double Reaction, int Days, string Subject);

/// <summary>The bundled data (docs/data) and the F# core's results, computed by calling the F# API directly.</summary>
internal static class Reference
{
    public static readonly string DataDir = Path.Combine(RepoRoot(), "docs", "data");

    /// <summary>Small runs keep the suite fast; bit-identity does not depend on the run length.</summary>
    public static SamplerOptions Options { get; } =
        SamplerOptions.Default.WithChains(2).WithWarmup(60).WithDraws(100).WithSeed(11).WithThreads(2);

    public static F.SamplerOptions CoreOptions { get; } =
        F.SamplerOptions.Default.WithChains(2).WithWarmup(60).WithDraws(100).WithSeed(11).WithThreads(2);

    public static F.Dataset CoreData(string file) => F.Csv.readOrThrow(Path.Combine(DataDir, file));

    /// <summary>Fits with the F# core directly: Bind.bind, Gibbs.compile, Chains.run.</summary>
    public static F.Posterior CoreFit(F.Model model, F.Dataset data, F.SamplerOptions options)
    {
        var result = F.FitModule.run(options, model, data);
        Assert.True(result.IsOk, result.IsOk ? string.Empty : string.Join("; ", result.ErrorValue.Select(F.ModelErrorModule.describe)));
        return result.ResultValue.Posterior;
    }

    public static double[] CoreDraws(F.Posterior posterior, string name) => F.PosteriorModule.allChains(name, posterior);

    public static IReadOnlyList<School> Schools() =>
        Rows("eight_schools.csv", c => new School(c[0], Num(c[1]), Num(c[2])));

    public static IReadOnlyList<Pump> Pumps() =>
        Rows("pumps.csv", c => new Pump(int.Parse(c[0], CultureInfo.InvariantCulture), int.Parse(c[1], CultureInfo.InvariantCulture), Num(c[2])));

    public static IReadOnlyList<RatExperiment> Rats() =>
        Rows("rats.csv", c => new RatExperiment(
            int.Parse(c[0], CultureInfo.InvariantCulture), int.Parse(c[1], CultureInfo.InvariantCulture), int.Parse(c[2], CultureInfo.InvariantCulture)));

    public static IReadOnlyList<Sleep> Sleepstudy() =>
        Rows("sleepstudy.csv", c => new Sleep(Num(c[0]), int.Parse(c[1], CultureInfo.InvariantCulture), c[2]));

    private static double Num(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static T[] Rows<T>(string file, Func<string[], T> row) =>
        File.ReadLines(Path.Combine(DataDir, file))
            .Skip(1)
            .Where(l => l.Length > 0)
            .Select(l => row(l.Split(',').Select(c => c.Trim('"')).ToArray()))
            .ToArray();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HierFunctional.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("HierFunctional.sln not found above the test assembly.");
    }
}
