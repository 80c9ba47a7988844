using System;
using System.Collections.Generic;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>A model built from a formula, with the data set it is bound to (the formula may add derived columns,
/// e.g. dummy codes of a categorical predictor).</summary>
/// <param name="Model">The model, the same tree the F# <c>model { }</c> expression builds.</param>
/// <param name="Data">The data set to compile it with.</param>
public sealed record FormulaModel(Model Model, DataSet Data)
{
    /// <summary>The names the formula gave the model's nodes (terms, levels, sd and covariance nodes).</summary>
    internal F.FormulaTerms? Terms { get; init; }

    /// <summary>The parsed formula and options, so that new data for prediction is coded as the fitted data.</summary>
    internal F.FittedFormula? Fitted { get; init; }

    /// <summary>Rows dropped by <see cref="F.MissingRows.Drop"/> before the model was built (1-based).</summary>
    internal int[] Dropped { get; init; } = Array.Empty<int>();

    /// <summary>Compiles the model with its data set into a Gibbs plan; its posteriors report results in lme4/brms
    /// terms (<see cref="Posterior.FixedEffects"/>, <see cref="Posterior.VarCorr"/>, sd and cor rows in
    /// <see cref="Posterior.Summary"/>).</summary>
    public Plan Compile()
    {
        var plan = Model.CompileWith(Data, null, Fitted);
        return (Dropped.Length == 0 ? plan : new Plan(plan.Core, Fitted, Dropped)).WithTerms(Terms);
    }

    /// <summary>Compiles and samples; the posterior keeps the formula for <c>Predict</c> and <c>Epred</c>.</summary>
    /// <param name="options">Sampler options; <see cref="F.SamplerOptions.Default"/> when null.</param>
    public Posterior Fit(F.SamplerOptions? options = null) => Compile().Sample(options);
}

/// <summary>A formula or prior override that cannot be used: the message names the 1-based column of the formula
/// (when the problem is in its text) or the data column, and says what was expected.</summary>
public sealed class FormulaException : Exception
{
    internal FormulaException(string message, int? position) : base(message) => Position = position;

    /// <summary>The 1-based column in the formula text where a syntax error was found, or null.</summary>
    public int? Position { get; }
}

/// <summary>The lme4/brms-style formula front end (docs/formula.md): <c>y ~ 1 + x + (1 + x | g)</c>,
/// <c>(1 | g1/g2)</c>, <c>offset(log(E))</c>, <c>y | trials(n) ~ ...</c>, <c>y | se(s) ~ ...</c>.</summary>
public static class Formula
{
    /// <summary>Builds the model a formula describes for a data set, with brms-style default priors scaled to the
    /// data (brms's LKJ(1) prior on correlated group terms) and optional overrides such as
    /// <c>"sigma ~ HalfNormal(10)"</c>.</summary>
    /// <param name="formula">The formula, e.g. <c>"Reaction ~ Days + (Days | Subject)"</c>.</param>
    /// <param name="data">The data set the formula's columns come from.</param>
    /// <param name="family">gaussian, binomial, poisson, negbinomial, student, lognormal, gamma, beta, zip, zinb or
    /// cumulative.</param>
    /// <param name="priors">Prior overrides, each <c>"NODE ~ DIST(args)"</c>.</param>
    /// <param name="missing">Refuse (the default, when null) or drop rows with a missing cell in a column the formula uses.</param>
    /// <exception cref="FormulaException">The formula, family, a prior or the data cannot be used.</exception>
    public static FormulaModel Build(
        string formula,
        DataSet data,
        string family = "gaussian",
        IEnumerable<string>? priors = null,
        F.MissingRows? missing = null) =>
        Build(formula, data, family, priors, lkjCovariance: true, missing);

    /// <summary>Builds the model a formula describes, choosing the covariance prior of correlated group terms.</summary>
    /// <param name="formula">The formula, e.g. <c>"Reaction ~ Days + (Days | Subject)"</c>.</param>
    /// <param name="data">The data set the formula's columns come from.</param>
    /// <param name="family">gaussian, binomial, poisson or negbinomial.</param>
    /// <param name="priors">Prior overrides, each <c>"NODE ~ DIST(args)"</c>.</param>
    /// <param name="lkjCovariance">True for brms's prior (LKJ(1) correlations, half-Student-t sds); false for the
    /// InverseWishart(K + 1) prior with its closed-form update.</param>
    /// <param name="missing">Refuse rows with a missing cell in a used column (the default, when null), or drop them.</param>
    /// <exception cref="FormulaException">The formula, family, a prior or the data cannot be used.</exception>
    public static FormulaModel Build(
        string formula,
        DataSet data,
        string family,
        IEnumerable<string>? priors,
        bool lkjCovariance,
        F.MissingRows? missing = null)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(family);
        var fam = F.FamilyModule.parse(family);
        if (fam.IsError) throw Fail(new[] { fam.ErrorValue });
        var overrides = Microsoft.FSharp.Collections.ListModule.OfSeq(priors ?? Array.Empty<string>());
        var parsedFormula = F.FormulaModule.parse(formula);
        var (kept, dropped) = missing is { IsDrop: true } && parsedFormula.IsOk
            ? F.DatasetModule.dropMissing(F.FitModule.formulaColumns(parsedFormula.ResultValue), data.Core).ToValueTuple()
            : (data.Core, Array.Empty<int>());
        var covariance = lkjCovariance ? F.CovariancePrior.NewLkj(1.0) : F.CovariancePrior.InverseWishart;
        var result = F.FormulaModule.buildWithTerms(
            new F.FormulaOptions(fam.ResultValue, F.FormulaOptions.Default.Overrides, covariance), overrides, formula, kept);
        if (result.IsError) throw Fail(result.ErrorValue);
        var (model, augmented, terms) = result.ResultValue;

        // build succeeded, so the formula and every override parse
        var options = new F.FormulaOptions(
            fam.ResultValue,
            Microsoft.FSharp.Collections.ListModule.OfSeq(
                (priors ?? Array.Empty<string>()).Select(p => F.FormulaPriors.parseOverride(p).ResultValue)),
            covariance);
        var fitted = new F.FittedFormula(parsedFormula.ResultValue, options);

        return new FormulaModel(Model.FromCore(model), new DataSet(augmented))
        {
            Terms = terms,
            Fitted = fitted,
            Dropped = dropped,
        };
    }

    private static FormulaException Fail(IEnumerable<F.FormulaError> errors)
    {
        var list = errors.ToArray();
        var position = list.OfType<F.FormulaError.Syntax>().Select(s => (int?)s.column).FirstOrDefault();
        return new FormulaException(
            string.Join(Environment.NewLine, list.Select(e => CSharpTerms.Rewrite(F.FormulaErrorModule.describe(e)))), position);
    }
}
