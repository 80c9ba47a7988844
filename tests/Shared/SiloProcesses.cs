#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace HierFunctional.Orleans;

/// <summary>Silos of tests/HierFunctional.Orleans.Silo as processes on localhost, for the multi-process tests and the
/// Orleans bench (linked into both).</summary>
internal static class SiloProcesses
{
    /// <summary>The built silo next to the caller's build: <c>&lt;root&gt;/{tests|bench}/&lt;project&gt;/bin/&lt;configuration&gt;/&lt;tfm&gt;/</c>
    /// -> <c>&lt;root&gt;/tests/HierFunctional.Orleans.Silo/bin/&lt;configuration&gt;/&lt;tfm&gt;/</c>.</summary>
    public static string Assembly()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var root = here.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(root, "tests", "HierFunctional.Orleans.Silo", "bin", here.Parent.Name, here.Name, "HierFunctional.Orleans.Silo.dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException("build tests/HierFunctional.Orleans.Silo first (the test and bench projects reference it, so building them builds it)", path);
    }

    /// <summary>A port free on the loopback interface now.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Starts a silo and waits until it prints <c>ready</c> (at most two minutes).</summary>
    public static async Task<Process> Start(string assembly, int siloPort, int gatewayPort, int primaryPort, string directory)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { assembly, Invariant(siloPort), Invariant(gatewayPort), Invariant(primaryPort), directory })
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var ready = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "ready")
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(120))) != ready.Task)
        {
            process.Kill(true);
            throw new InvalidOperationException($"the silo on port {siloPort} did not report ready (exited: {process.HasExited}).");
        }

        return process;
    }

    /// <summary>Kills the silos still running and deletes their membership directory.</summary>
    public static void Stop(IEnumerable<Process> silos, string directory)
    {
        foreach (var p in silos)
        {
            if (!p.HasExited)
            {
                p.Kill(true);
            }

            p.Dispose();
        }

        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, true);
        }
    }

    private static string Invariant(int port) => port.ToString(CultureInfo.InvariantCulture);
}
