using System;
using System.Collections.Generic;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>New data that cannot be predicted: a missing column, a level the fit never saw (without
/// <c>allowNewLevels</c>), a value of the wrong kind. <see cref="Errors"/> lists every problem found.</summary>
public sealed class PredictionException : Exception
{
    internal PredictionException(IReadOnlyList<F.PredictionError> errors)
        : base(string.Join(Environment.NewLine, errors.Select(Describe))) => Errors = errors;

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<F.PredictionError> Errors { get; }

    /// <summary>The first problem's column, if it names one.</summary>
    public string? Column => Errors[0] switch
    {
        F.PredictionError.MissingColumn x => x.column,
        F.PredictionError.UnseenLevel x => x.column,
        F.PredictionError.UnseenFactorLevel x => x.column,
        F.PredictionError.WrongColumnType x => x.column,
        F.PredictionError.Data d => ModelException.ColumnOf(d.Item),
        _ => null,
    };

    /// <summary>The first problem's unseen level, if it is one.</summary>
    public string? Level => Errors[0] switch
    {
        F.PredictionError.UnseenLevel x => x.level,
        F.PredictionError.UnseenFactorLevel x => x.level,
        _ => null,
    };

    private static string Describe(F.PredictionError e) =>
        CSharpTerms.Rewrite(F.PredictionErrorModule.describe(e))
            .Replace("allow new levels", "pass allowNewLevels: true", StringComparison.Ordinal);
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
    public static F.PredictionDraws Predict(this Posterior posterior, DataSet newData, bool allowNewLevels = false, int seed = 1) =>
        Run(posterior, newData, allowNewLevels, seed, predictive: true);

    /// <summary>The expected value of the response per posterior draw and new row: the linear predictor through the
    /// inverse link, times the trials or exposure for counts (see <see cref="Predict"/> for the arguments).</summary>
    /// <param name="posterior">The fit.</param>
    /// <param name="newData">The new rows.</param>
    /// <param name="allowNewLevels">Draw effects of unseen group levels instead of refusing them.</param>
    /// <param name="seed">Seed of the generator (used for new levels only).</param>
    /// <exception cref="PredictionException">A column is missing, a level unseen, or a value of the wrong kind.</exception>
    public static F.PredictionDraws Epred(this Posterior posterior, DataSet newData, bool allowNewLevels = false, int seed = 1) =>
        Run(posterior, newData, allowNewLevels, seed, predictive: false);

    private static F.PredictionDraws Run(Posterior posterior, DataSet newData, bool allowNewLevels, int seed, bool predictive)
    {
        ArgumentNullException.ThrowIfNull(posterior);
        ArgumentNullException.ThrowIfNull(newData);
        var plan = posterior.Plan;
        var fit = F.FitModule.ofPosterior(
            plan.Core,
            plan.Formula is null ? null : Microsoft.FSharp.Core.FSharpOption<F.FittedFormula>.Some(plan.Formula),
            posterior.Core);
        var rng = F.Chains.predictiveGenerator(seed);
        var result = predictive
            ? F.FitModule.predict(rng, allowNewLevels, newData.Core, fit)
            : F.FitModule.epred(rng, allowNewLevels, newData.Core, fit);
        if (result.IsError)
        {
            throw new PredictionException(result.ErrorValue.ToArray());
        }

        return result.ResultValue;
    }
}
