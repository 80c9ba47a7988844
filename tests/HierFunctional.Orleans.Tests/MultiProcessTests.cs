using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using HierFunctional.Sharded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace HierFunctional.Orleans.Tests;

/// <summary>Silos as separate processes on localhost (HierFunctional.Orleans.Silo), one of them killed mid-run
/// with <see cref="Process.Kill(bool)"/>: the draws are still the single-process run's.</summary>
[Trait("Category", "MultiProcess")]
public sealed class MultiProcessTests
{
    private readonly ITestOutputHelper output;

    public MultiProcessTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public async Task A_silo_process_killed_mid_run_is_recovered_with_the_draws_of_the_single_process_run()
    {
        var assembly = SiloProcesses.Assembly();
        var directory = Path.Combine(Path.GetTempPath(), "hier-orleans-mp-" + Guid.NewGuid().ToString("N"));
        var ports = Enumerable.Range(0, 6).Select(_ => SiloProcesses.FreePort()).ToArray();
        var silos = new List<Process>();
        var clock = Stopwatch.StartNew();
        try
        {
            silos.Add(await SiloProcesses.Start(assembly, ports[0], ports[1], ports[0], directory));
            silos.AddRange(await Task.WhenAll(
                SiloProcesses.Start(assembly, ports[2], ports[3], ports[0], directory),
                SiloProcesses.Start(assembly, ports[4], ports[5], ports[0], directory)));

            output.WriteLine($"silos ready after {clock.Elapsed.TotalSeconds:F1} s");
            var builder = Host.CreateApplicationBuilder();
            builder.UseOrleansClient(c => c.UseLocalhostClustering(new[] { ports[1], ports[3], ports[5] }));
            builder.Services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = FastFailureDetection.ResponseTimeout);
            using var client = builder.Build();
            await client.StartAsync();
            var grains = client.Services.GetRequiredService<IClusterClient>();

            var rows = SyntheticData.GammaPoissonRows(ClusterTests.Groups, 31);
            var stats = SyntheticData.Statistics(SyntheticData.GammaPoisson, rows);
            var expected = ClusterTests.Reference(SyntheticData.GammaPoisson, rows, SyntheticData.GammaPoissonStart);
            var sampler = new ShardedSampler(grains);
            var options = ClusterTests.Options(4) with { RunId = "multiprocess" };
            var killed = false;
            var actual = await sampler.RunAsync(
                SyntheticData.GammaPoisson,
                stats,
                SyntheticData.GammaPoissonStart,
                options,
                afterSweep: async sweep =>
                {
                    if (sweep == 33 && !killed)
                    {
                        // the third silo (never the primary, which holds the development membership table)
                        var hosts = await sampler.SilosAsync("multiprocess", 4);
                        Assert.Contains(hosts, h => h.Contains(":" + ports[4] + ":", StringComparison.Ordinal));
                        killed = true;
                        silos[2].Kill(true);
                        output.WriteLine($"silo killed after {clock.Elapsed.TotalSeconds:F1} s");
                    }
                });
            output.WriteLine($"run finished after {clock.Elapsed.TotalSeconds:F1} s");
            Assert.True(killed);
            Assert.True(actual.Recoveries >= 1, $"expected a recovery, got {actual.Recoveries}");
            Assert.Equal(ShardRun.fingerprint(expected), ClusterTests.Fingerprint(actual));
            await client.StopAsync();
        }
        finally
        {
            SiloProcesses.Stop(silos, directory);
        }
    }
}
