using System.Linq;
using System.Threading.Tasks;
using HierFunctional.Sharded;
using Xunit;

namespace HierFunctional.Orleans.Tests;

/// <summary>A silo killed mid-run (no goodbye: its grains and memory are gone) costs a restore from the last
/// checkpoint and nothing else: the draws are those of the library's single-process sampler.</summary>
public sealed class KilledSiloTests
{
    [Fact]
    public async Task A_silo_killed_mid_run_is_recovered_from_the_last_checkpoint_with_identical_draws()
    {
        var cluster = FastFailureDetection.Deploy(3);
        try
        {
            var rows = SyntheticData.NormalRows(ClusterTests.Groups, 21);
            var stats = SyntheticData.Statistics(SyntheticData.Normal, rows);
            var expected = ClusterTests.Reference(SyntheticData.Normal, rows, SyntheticData.NormalStart);
            var sampler = new ShardedSampler(cluster.GrainFactory);
            var options = ClusterTests.Options(4) with { RunId = "killed" };
            var killed = false;
            var actual = await sampler.RunAsync(
                SyntheticData.Normal,
                stats,
                SyntheticData.NormalStart,
                options,
                afterSweep: async sweep =>
                {
                    // after sweep 25 (checkpoint at 19): kill a secondary silo that holds a shard
                    if (sweep == 25 && !killed)
                    {
                        killed = true;
                        var hosts = await sampler.SilosAsync("killed", 4);
                        var victim = cluster.SecondarySilos.First(s => hosts.Contains(s.SiloAddress.ToString()));
                        await cluster.KillSiloAsync(victim);
                    }
                });
            Assert.True(killed);
            Assert.True(actual.Recoveries >= 1, $"expected a recovery, got {actual.Recoveries}");
            Assert.Equal(ShardRun.fingerprint(expected), ClusterTests.Fingerprint(actual));
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }
}
