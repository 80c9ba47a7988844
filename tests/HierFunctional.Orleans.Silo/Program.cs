using System;
using System.Globalization;
using System.Net;
using System.Threading.Tasks;
using HierFunctional.Orleans;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

// One silo of a localhost cluster for the multi-process tests and the benchmark:
//   HierFunctional.Orleans.Silo <silo port> <gateway port> <primary silo port> <checkpoint directory>
// Prints "ready" once the silo has joined, then runs until killed.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: HierFunctional.Orleans.Silo <silo port> <gateway port> <primary silo port> <checkpoint directory>");
    return 2;
}

var siloPort = int.Parse(args[0], CultureInfo.InvariantCulture);
var gatewayPort = int.Parse(args[1], CultureInfo.InvariantCulture);
var primaryPort = int.Parse(args[2], CultureInfo.InvariantCulture);
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, primaryPort));
    silo.AddShardedSampling(new DirectoryCheckpointStore(args[3]));
    // a killed silo is declared dead within about a second (the production default takes tens of seconds)
    // a message to a silo that died is never answered: fail it after 5 s, not the default 30 s
    silo.Services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
    silo.Services.Configure<ClusterMembershipOptions>(o =>
    {
        o.ProbeTimeout = TimeSpan.FromMilliseconds(500);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 1;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(1);
    });
});
using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("ready");
await host.WaitForShutdownAsync();
return 0;
