using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using HierFunctional.Orleans;
using HierFunctional.Sharded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Hosting;

// Per-sweep cost of the sharded sampler on a localhost Orleans cluster (silos as processes, one shard per silo)
// against the single-process sweep, for a Normal hierarchy of J groups. Every cluster run is checked to give the
// single-process run's draws bit for bit.
//   dotnet run -c Release --project bench/HierFunctional.Orleans.Bench -- [groups ...] [--sweeps N] [--silos 1,2,4]
var groupsList = new List<int>();
var sweeps = 100;
var siloCounts = new[] { 1, 2, 4 };
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--sweeps": sweeps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--silos": siloCounts = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
        default: groupsList.Add(int.Parse(args[i], CultureInfo.InvariantCulture)); break;
    }
}

if (groupsList.Count == 0)
{
    groupsList.AddRange(new[] { 4_096, 100_000, 1_000_000 });
}

const int Block = 1024;
var model = ShardedModel.Normal(0.0, 10.0, 1.0, 1.0, 1.0, 1.0);
var start = new[] { 0.0, 1.0, 1.0 };
var silo = SiloProcesses.Assembly();
Console.WriteLine($"| groups J | silos (= shards) | sweep, single process (ms) | sweep on the cluster (ms) | overhead per sweep (ms) | identical draws |");
Console.WriteLine("|---:|---:|---:|---:|---:|---|");

foreach (var groups in groupsList)
{
    var stats = Statistics(groups);
    // shards are cut at whole sum blocks of 1,024 groups, so fewer blocks than silos cannot be split that far
    var block = Block;
    // the fastest of three timed runs after one untimed (JIT tiers, caches), on this shared machine
    var reference = ShardRun.inProcess(model.Model, 1, 0, start, stats, block, 1, sweeps, 0);
    var single = double.MaxValue;
    for (var r = 0; r < 3; r++)
    {
        var watch = Stopwatch.StartNew();
        ShardRun.inProcess(model.Model, 1, 0, start, stats, block, 1, sweeps, 0);
        single = Math.Min(single, watch.Elapsed.TotalMilliseconds / sweeps);
    }

    foreach (var silos in siloCounts.Where(s => s <= (groups + Block - 1) / Block))
    {
        var (perSweep, identical) = await OnCluster(silo, silos, stats, block, reference);
        Console.WriteLine(FormattableString.Invariant(
            $"| {groups:N0} | {silos} | {single:F2} | {perSweep:F2} | {perSweep - single:F2} | {(identical ? "yes" : "NO")} |"));
    }
}

return 0;

async Task<(double PerSweep, bool Identical)> OnCluster(string assembly, int silos, double[][] stats, int block, ShardedRunResult reference)
{
    var directory = Path.Combine(Path.GetTempPath(), "hier-orleans-bench-" + Guid.NewGuid().ToString("N"));
    var ports = Enumerable.Range(0, 2 * silos).Select(_ => SiloProcesses.FreePort()).ToArray();
    var processes = new List<Process>();
    try
    {
        processes.Add(await SiloProcesses.Start(assembly, ports[0], ports[1], ports[0], directory));
        processes.AddRange(await Task.WhenAll(Enumerable.Range(1, silos - 1)
            .Select(s => SiloProcesses.Start(assembly, ports[2 * s], ports[2 * s + 1], ports[0], directory))));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(c => c.UseLocalhostClustering(Enumerable.Range(0, silos).Select(s => ports[2 * s + 1]).ToArray()));
        using var client = builder.Build();
        await client.StartAsync();
        var sampler = new ShardedSampler(client.Services.GetRequiredService<IClusterClient>());
        var options = new ShardedRunOptions(silos, block, sweeps, 0, CheckpointEvery: sweeps, Seed: 1, Chain: 0);
        await sampler.RunAsync(model, stats, start, options); // JIT tiers on every silo
        var best = double.MaxValue;
        var identical = true;
        for (var r = 0; r < 3; r++)
        {
            double? firstSweepEnd = null;
            var watch = Stopwatch.StartNew();
            // timed from the end of sweep 0 to the end of the last sweep, so shipping the statistics is not counted
            var result = await sampler.RunAsync(model, stats, start, options, afterSweep: s =>
            {
                if (s == 0)
                {
                    firstSweepEnd = watch.Elapsed.TotalMilliseconds;
                }

                return Task.CompletedTask;
            });
            best = Math.Min(best, (watch.Elapsed.TotalMilliseconds - firstSweepEnd!.Value) / (sweeps - 1));
            identical &= ShardRun.fingerprint(result) == ShardRun.fingerprint(reference);
        }

        await client.StopAsync();
        return (best, identical);
    }
    finally
    {
        SiloProcesses.Stop(processes, directory);
    }
}

static double[][] Statistics(int groups)
{
    var rng = new Random(1);
    var count = new double[groups];
    var sum = new double[groups];
    var mean = new double[groups];
    var within = new double[groups];
    for (var j = 0; j < groups; j++)
    {
        count[j] = rng.Next(1, 20);
        mean[j] = 5.0 + 4.0 * (rng.NextDouble() - 0.5);
        sum[j] = count[j] * mean[j];
        within[j] = 9.0 * (count[j] - 1.0) * (0.5 + rng.NextDouble());
    }

    return new[] { count, sum, mean, within };
}
