using System;
using System.IO;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace HierFunctional.Orleans.Tests;

/// <summary>Silo set-up of the in-process test clusters: sharded sampling with a checkpoint directory shared by the
/// silos, and failure detection in about a second instead of the production default of tens of seconds.</summary>
public sealed class TestSiloConfigurator : ISiloConfigurator
{
    // the in-process silos of every test cluster share one process, so one directory per test run serves them all
    internal static readonly string CheckpointDirectory =
        Path.Combine(Path.GetTempPath(), "hier-orleans-tests-" + Environment.ProcessId);

    /// <inheritdoc/>
    public void Configure(ISiloBuilder siloBuilder)
    {
        siloBuilder.AddShardedSampling(new DirectoryCheckpointStore(CheckpointDirectory));
        FastFailureDetection.Configure(siloBuilder.Services);
    }
}

/// <summary>The test clusters' client: a call to a killed silo fails after 5 s instead of the default 30 s.</summary>
public sealed class TestClientConfigurator : IClientBuilderConfigurator
{
    /// <inheritdoc/>
    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
        clientBuilder.Services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = FastFailureDetection.ResponseTimeout);
}

/// <summary>Membership options that declare a killed silo dead within about a second (tests only).</summary>
public static class FastFailureDetection
{
    /// <summary>How long a call waits for its answer: a message to a silo that died is never answered.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Applies them to a silo's services.</summary>
    public static void Configure(IServiceCollection services) =>
        services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout)
            .Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromMilliseconds(500);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(1);
        });

    /// <summary>A three-silo in-process cluster with <see cref="TestSiloConfigurator"/>.</summary>
    public static TestCluster Deploy(short silos)
    {
        var builder = new TestClusterBuilder(silos);
        builder.AddSiloBuilderConfigurator<TestSiloConfigurator>();
        builder.AddClientBuilderConfigurator<TestClientConfigurator>();
        var cluster = builder.Build();
        cluster.Deploy();
        return cluster;
    }
}
