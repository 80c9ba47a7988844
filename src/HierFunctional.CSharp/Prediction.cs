using System;
using System.Collections.Generic;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>Predictions for new rows: one value per posterior draw (chains concatenated in chain order) and row.</summary>
/// <param name="Node">The response predicted.</param>
/// <param name="Values">The values as <c>[draw][row]</c>.</param>
/// <param name="Chains">Chains of the posterior the draws came from.</param>
/// <param name="DrawsPerChain">Draws per chain.</param>
/// <param name="Rows">Rows of the new data.</param>
public sealed record Prediction(string Node, double[][] Values, int Chains, int DrawsPerChain, int Rows)
{
    /// <summary>The draws of one new row (0-based), one per posterior draw.</summary>
    /// <param name="row">The 0-based row of the new data.</param>
    public double[] Row(int row)
    {
        if (row < 0 || row >= Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"The new data has rows 0..{Rows - 1}.");
        }

        return Values.Select(v => v[row]).ToArray();
    }

    /// <summary>The mean over draws of each row.</summary>
    public double[] Means() => Enumerable.Range(0, Rows).Select(r => Values.Average(v => v[r])).ToArray();
}

/// <summary>One reason new data cannot be predicted.</summary>
/// <param name="Column">The data column involved, if any.</param>
/// <param name="Level">The unseen level, if the problem is one.</param>
/// <param name="Message">What is wrong and what to do.</param>
public sealed record PredictionError(string? Column, string? Level, string Message);

/// <summary>New data that cannot be predicted: a missing column, a level the fit never saw (without
/// <c>allowNewLevels</c>), a value of the wrong kind. <see cref="Errors"/> lists every problem found.</summary>
public sealed class PredictionException : Exception
{
    internal PredictionException(IReadOnlyList<PredictionError> errors)
        : base(string.Join(Environment.NewLine, errors.Select(e => e.Message))) => Errors = errors;

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<PredictionError> Errors { get; }

    /// <summary>The first problem's column, if it names one.</summary>
    public string? Column => Errors[0].Column;

    /// <summary>The first problem's unseen level, if it is one.</summary>
    public string? Level => Errors[0].Level;

    internal static PredictionException FromCore(IEnumerable<F.PredictionError> errors) =>
        new(errors.Select(e =>
        {
            var message = CSharpTerms.Rewrite(F.PredictionErrorModule.describe(e));
            return e switch
            {
                F.PredictionError.MissingColumn x => new PredictionError(x.column, null, message),
                F.PredictionError.UnseenLevel x => new PredictionError(x.column, x.level, message.Replace(
                    "allow new levels", "pass allowNewLevels: true", StringComparison.Ordinal)),
                F.PredictionError.UnseenFactorLevel x => new PredictionError(x.column, x.level, message),
                F.PredictionError.WrongColumnType x => new PredictionError(x.column, null, message),
                F.PredictionError.Data { Item: var d } => new PredictionError(
                    ModelError.FromCore(d).Column, null, message),
                _ => new PredictionError(null, null, message),
            };
        }).ToArray());
}

/// <summary>Prediction for new data from a fit (brms's posterior_predict and posterior_epred).</summary>
public static class PosteriorPrediction
{
    /// <summary>Posterior predictive draws of the response for each row of <paramref name="newData"/>: per posterior
    /// draw, one draw from the response distribution at that draw's parameters. The new data needs every column the
    /// model reads except the response. A group level the fit never saw is an error unless
    /// <paramref name="allowNewLevels"/>, which draws its effects from the population distribution per draw.</summary>
    /// <param name="posterior">The fit.</param>
    /// <param name="newData">The new rows.</param>
    /// <param name="allowNewLevels">Draw effects of unseen group levels instead of refusing them.</param>
    /// <param name="seed">Seed of the generator.</param>
    /// <exception cref="PredictionException">A column is missing, a level unseen, or a value of the wrong kind.</exception>
    public static Prediction Predict(this Posterior posterior, DataSet newData, bool allowNewLevels = false, int seed = 1) =>
        Run(posterior, newData, allowNewLevels, seed, predictive: true);

    /// <summary>The expected value of the response per posterior draw and new row: the linear predictor through the
    /// inverse link, times the trials or exposure for counts (see <see cref="Predict"/> for the arguments).</summary>
    /// <param name="posterior">The fit.</param>
    /// <param name="newData">The new rows.</param>
    /// <param name="allowNewLevels">Draw effects of unseen group levels instead of refusing them.</param>
    /// <param name="seed">Seed of the generator (used for new levels only).</param>
    /// <exception cref="PredictionException">A column is missing, a level unseen, or a value of the wrong kind.</exception>
    public static Prediction Epred(this Posterior posterior, DataSet newData, bool allowNewLevels = false, int seed = 1) =>
        Run(posterior, newData, allowNewLevels, seed, predictive: false);

    private static Prediction Run(Posterior posterior, DataSet newData, bool allowNewLevels, int seed, bool predictive)
    {
        ArgumentNullException.ThrowIfNull(posterior);
        ArgumentNullException.ThrowIfNull(newData);
        var plan = posterior.Plan;
        var fit = F.FitModule.ofPosterior(
            plan.Core,
            plan.Formula is null ? null : Microsoft.FSharp.Core.FSharpOption<F.FittedFormula>.Some(plan.Formula),
            posterior.Core);
        var rng = new MathNet.Numerics.Random.Xoshiro256StarStar(seed, false);
        var result = predictive
            ? F.FitModule.predict(rng, allowNewLevels, newData.Core, fit)
            : F.FitModule.epred(rng, allowNewLevels, newData.Core, fit);
        if (result.IsError)
        {
            throw PredictionException.FromCore(result.ErrorValue);
        }

        var p = result.ResultValue;
        return new Prediction(p.Node, p.Values, p.Chains, p.DrawsPerChain, p.Rows);
    }
}
