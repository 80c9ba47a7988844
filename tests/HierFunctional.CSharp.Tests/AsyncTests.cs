using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using F = HierFunctional;

namespace HierFunctional.CSharp.Tests;

/// <summary>Asynchronous sampling: the same draws as the synchronous run, progress per chain, and cancellation
/// that keeps the draws made so far.</summary>
public class AsyncTests
{
    private static readonly Plan Plan =
        CanonicalModelTests.EightSchools.Compile(DataSet.ReadCsv(Path.Combine(Reference.DataDir, "eight_schools.csv")));

    [Fact]
    public async Task Sampling_asynchronously_gives_the_same_draws_and_reports_each_chain_to_its_end()
    {
        var progress = new Recorder();
        var post = await Plan.SampleAsync(Reference.Options, progress);

        Assert.Equal(Plan.Sample(Reference.Options).Draws("tau"), post.Draws("tau"));
        Assert.False(post.IsCancelled);
        var reports = progress.Reports.ToArray();
        Assert.Equal(new[] { 0, 1 }, reports.Select(r => r.Chain).Distinct().OrderBy(c => c));
        var total = Reference.Options.Warmup + Reference.Options.Draws;
        Assert.All(reports, r => Assert.Equal(total, r.Total));
        Assert.All(reports, r => Assert.Equal(r.Iteration <= Reference.Options.Warmup, r.Warmup));
        Assert.Equal(2, reports.Count(r => r.Iteration == total));
    }

    [Fact]
    public async Task Cancelling_returns_the_draws_made_so_far_marked_cancelled()
    {
        using var cts = new CancellationTokenSource();
        var long_ = Reference.Options.WithWarmup(10).WithDraws(100_000);
        // Cancel once every chain has made draws: chains start at different times on a loaded machine, and the
        // posterior keeps the draws all chains have (the shortest chain), so cancelling on the first chain's report
        // alone could leave none.
        var reached = new ConcurrentDictionary<int, int>();
        var stopAfterSome = new Recorder(r =>
        {
            reached.AddOrUpdate(r.Chain, r.Iteration, (_, old) => Math.Max(old, r.Iteration));
            if (reached.Count == long_.Chains && reached.Values.All(i => i >= 2_000))
            {
                cts.Cancel();
            }
        });

        var post = await Plan.SampleAsync(long_, stopAfterSome, cts.Token).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(post.IsCancelled);
        Assert.Equal(100_000, post.RequestedDraws);
        Assert.InRange(post.DrawsPerChain, 1, 99_999);
        Assert.Equal(post.Chains * post.DrawsPerChain, post.Draws("mu").Length);
        Assert.Contains("cancelled", post.ToString());
        Assert.True(post.Summary().Cancelled);
    }

    [Fact]
    public async Task A_token_cancelled_before_the_call_throws_OperationCanceledException()
    {
        var task = Plan.SampleAsync(Reference.Options, null, new CancellationToken(canceled: true));

        Assert.True(task.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
    }

    [Fact]
    public async Task A_progress_sink_and_token_set_on_the_options_are_used_when_none_is_passed()
    {
        var progress = new Recorder();
        var post = Plan.Sample(Reference.Options.WithProgress(progress));

        Assert.Equal(Plan.Sample(Reference.Options).Draws("tau"), post.Draws("tau"));
        Assert.Equal(2, progress.Reports.Count(r => r.Iteration == r.Total));

        var task = Plan.SampleAsync(Reference.Options.WithCancellation(new CancellationToken(canceled: true)));
        Assert.True(task.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
    }

    [Fact]
    public async Task FitAsync_cancelled_after_two_seconds_with_more_chains_than_threads_keeps_a_partial_posterior()
    {
        // 4 chains on 2 threads, far longer than 2 s: chains 3 and 4 wait for a thread when the token fires.
        var options = Reference.Options.WithChains(4).WithThreads(2).WithWarmup(100).WithDraws(20_000).WithThin(1_000);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var data = DataSet.ReadCsv(Path.Combine(Reference.DataDir, "eight_schools.csv"));

        var post = await CanonicalModelTests.EightSchools.FitAsync(data, options, null, cts.Token)
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(post.IsCancelled);
        Assert.Equal(4, post.RequestedChains);
        Assert.InRange(post.Chains, 1, 4);
        Assert.InRange(post.DrawsPerChain, 1, 19_999);
        Assert.Equal(post.Chains * post.DrawsPerChain, post.Draws("mu").Length);

        var summary = post.Summary();
        Assert.True(summary.Cancelled);
        Assert.Contains($"{post.Chains} of 4 chains made draws", summary.Partial);
        Assert.Contains("partial", summary.ToString());
        Assert.All(summary.Rows, r => Assert.True(double.IsFinite(r.Mean), $"{r.Name}: mean {r.Mean}"));
    }

    /// <summary>Records reports synchronously on the reporting thread (Progress&lt;T&gt; would post them later).</summary>
    private sealed class Recorder(Action<F.ChainProgress>? onReport = null) : IProgress<F.ChainProgress>
    {
        public ConcurrentQueue<F.ChainProgress> Reports { get; } = new();

        public void Report(F.ChainProgress value)
        {
            Reports.Enqueue(value);
            onReport?.Invoke(value);
        }
    }
}
