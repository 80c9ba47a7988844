// HierFunctional from C#, as a package consumer sees it: the tutorials' pooling comparison, eight schools and
// sleepstudy's varying intercepts and slopes. Run: dotnet fsi build.fsx samples (packs, then runs this).
using HierFunctional.CSharp;
using HierFunctional.Plots;
using static HierFunctional.CSharp.Dist;
using static HierFunctional.CSharp.Expr;
using F = HierFunctional;

var quick = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("HIER_QUICK"));
var options = F.SamplerOptions.Default.WithChains(4).WithWarmup(quick ? 300 : 1000).WithDraws(quick ? 500 : 2000).WithSeed(1);
var dataDir = Path.Combine(AppContext.BaseDirectory, "data");
var failures = new List<string>();

void Check(bool ok, string what)
{
    if (!ok)
    {
        failures.Add(what);
    }
}

// ---------------------------------------------------------------- 1. no, complete and partial pooling
// Eight schools report an effect y and its standard error sigma. No pooling takes each y as it is, complete
// pooling gives every school the precision-weighted mean, partial pooling shrinks each y towards it by
// B = sigma² / (sigma² + tau²) with tau estimated from the spread of the schools (REML).
DataSet schools = DataSet.ReadCsv(Path.Combine(dataDir, "eight_schools.csv"));
var y = schools.GetNumbers("y");
var sigma = schools.GetNumbers("sigma");
var names = schools.GetLabels("school");
var pooling = Analytic.NormalPooling(y, sigma);

Console.WriteLine("1. Pooling (empirical Bayes, tau by REML)");
Console.WriteLine($"   complete pooling: {pooling.Pooled:F2}; prior {pooling.Prior}");
// REML puts tau at 0 for these data, so empirical Bayes pools completely; the full Bayesian fit in part 2
// averages over tau instead and pools only partially. A tau of 10 shows the partial-pooling regime:
var tau10 = Analytic.NormalPooling(y, sigma, tau: 10);
Console.WriteLine("   school   no pooling   EB (REML)   tau = 10   weight on own y (tau = 10)");
foreach (var row in tau10.Rows)
{
    var eb = pooling.Rows[row.Group].PartialPooling;
    Console.WriteLine($"   {names[row.Group],-6} {row.NoPooling,12:F1} {eb,11:F2} {row.PartialPooling,10:F2} {row.DataWeight,12:F2}");
    Check(row.DataWeight is > 0 and < 1, $"with tau = 10 school {names[row.Group]} is pooled partially");
    Check(Math.Abs(eb - pooling.Pooled) < 1e-9, $"with tau = 0 school {names[row.Group]} is pooled completely");
}

// ---------------------------------------------------------------- 2. eight schools, fully Bayesian
// The model is a LINQ query: each `from` declares a node and binds a symbolic reference, never a number.
Model eightSchools =
    from mu in Model.Sample("mu", Normal(0, 5))
    from tau in Model.Sample("tau", HalfCauchy(5))
    from theta in Model.Sample("theta", Normal(mu, tau)).Over("school")
    from obs in Model.Observe("y", Normal(theta[Group("school")], Data("sigma")))
    select obs;

Console.WriteLine("\n2. Eight schools\n" + eightSchools);
Plan plan = eightSchools.Compile(schools);
Console.WriteLine("Gibbs plan:\n" + plan.Description);

var progress = new Progress<F.ChainProgress>(_ => { }); // a UI would update a progress bar here
Posterior post = await plan.SampleAsync(options.WithLogLikelihood(), progress);
Console.WriteLine(post.Summary());
Console.WriteLine(post.Shrinkage());
Console.WriteLine($"P(theta[A] > theta[C]) = {post.Draws("theta", "A").Zip(post.Draws("theta", "C")).Average(p => p.First > p.Second ? 1.0 : 0.0):F2}");
var loo = post.Loo();
Console.WriteLine($"elpd_loo = {loo.ElpdLoo.Estimate:F1} (SE {loo.ElpdLoo.SE:F1}), WAIC = {post.Waic().Waic.Estimate:F1}");
Check(post.Summary()["mu"].Rhat < 1.05, "mu's R-hat is below 1.05");
Check(post.Shrinkage().Rows.All(r => r.Factor is >= 0 and <= 1), "shrinkage factors lie in [0, 1]");

// ---------------------------------------------------------------- 3. sleepstudy: varying intercepts and slopes
// lme4's Reaction ~ Days + (Days | Subject) with priors, written with the fluent builder; records bind the data.
var rows = File.ReadLines(Path.Combine(dataDir, "sleepstudy.csv")).Skip(1)
    .Select(l => l.Split(',').Select(c => c.Trim('"')).ToArray())
    .Select(c => new Sleep(double.Parse(c[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(c[1]), c[2]))
    .ToArray();
DataSet sleep = DataSet.From(rows).Reals("Reaction", r => r.Reaction).Integers("Days", r => r.Days).Labels("Subject", r => r.Subject);

Model slopes = Model.Builder()
    .Sample("mu", MvNormal(Vector(250, 10), Matrix(new double[,] { { 2500, 0 }, { 0, 100 } })), out var muB)
    .Sample("SigmaB", InverseWishart(4, Matrix(new double[,] { { 600, 0 }, { 0, 35 } })), out var sigmaB)
    .Sample("sigma", HalfNormal(50), out var sigmaY)
    .Sample("b", MvNormal(muB, sigmaB), out var b, over: "Subject")
    .Observe("Reaction", Normal(Dot(Vector(1, Data("Days")), b[Group("Subject")]), sigmaY))
    .Build();

Console.WriteLine("\n3. Sleepstudy\n" + slopes);
var slopesPlan = slopes.Compile(sleep);
Console.WriteLine(slopesPlan.Description);
var fit = slopesPlan.Sample(options.WithMonitor("mu", "SigmaB", "sigma", "b"));
var fixedEffects = fit.Summary();
foreach (var name in new[] { "mu[1]", "mu[2]", "sigma" })
{
    var r = fixedEffects[name];
    Console.WriteLine($"   {name,-6} mean {r.Mean,8:F2}  90% [{r.Quantiles[0],7:F2}, {r.Quantiles[2],7:F2}]  R-hat {r.Rhat:F3}");
}

Console.WriteLine($"   subject 308: intercept {fit.Mean("b[308,1]"):F1}, slope {fit.Mean("b[308,2]"):F2} ms/day");
Check(fit.Mean("mu[2]") is > 5 and < 16, "the average slope lies near lme4's 10.5 ms/day");
Check(!slopesPlan.Description.Contains("slice"), "every sleepstudy node gets a closed-form update");

// ---------------------------------------------------------------- 4. charts
// HierFunctional.Plots draws from the same results, one line per chart; each page is self-contained (plotly.js
// inlined), so it opens offline. PosteriorCharts.Show(chart) opens one in the browser instead.
var charts = Path.Combine(Path.GetTempPath(), "hier-quickstart-charts");
Directory.CreateDirectory(charts);
PosteriorCharts.SaveHtml(PosteriorCharts.Shrinkage(post, "theta"), Path.Combine(charts, "shrinkage.html"));
PosteriorCharts.SaveHtml(PosteriorCharts.Rank(post, "tau"), Path.Combine(charts, "rank.html"));
PosteriorCharts.SaveHtml(PosteriorCharts.Forest(fit, "b"), Path.Combine(charts, "forest.html"));
PosteriorCharts.SaveHtml(PosteriorCharts.Funnel(post, "theta[1]", "tau"), Path.Combine(charts, "funnel.html"));
Console.WriteLine($"\n4. Charts written to {charts}");
Check(Directory.GetFiles(charts, "*.html").Length >= 4, "the four chart pages are written");

if (failures.Count > 0)
{
    Console.Error.WriteLine("FAILED: " + string.Join("; ", failures));
    return 1;
}

Console.WriteLine("\nall sample checks passed");
return 0;

/// <summary>One sleepstudy measurement.</summary>
internal sealed record Sleep(double Reaction, int Days, string Subject);
