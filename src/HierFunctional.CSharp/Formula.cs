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
    /// <summary>Compiles the model with its data set into a Gibbs plan.</summary>
    public Plan Compile() => Model.Compile(Data);
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
    /// data and optional overrides such as <c>"sigma ~ HalfNormal(10)"</c>.</summary>
    /// <param name="formula">The formula, e.g. <c>"Reaction ~ Days + (Days | Subject)"</c>.</param>
    /// <param name="data">The data set the formula's columns come from.</param>
    /// <param name="family">gaussian, binomial, poisson, negbinomial, student, lognormal, gamma, beta, zip or zinb.</param>
    /// <param name="priors">Prior overrides, each <c>"NODE ~ DIST(args)"</c>.</param>
    /// <exception cref="FormulaException">The formula, family, a prior or the data cannot be used.</exception>
    public static FormulaModel Build(string formula, DataSet data, string family = "gaussian", IEnumerable<string>? priors = null)
    {
        ArgumentNullException.ThrowIfNull(formula);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(family);
        var fam = F.FamilyModule.parse(family);
        if (fam.IsError) throw Fail(new[] { fam.ErrorValue });
        var overrides = Microsoft.FSharp.Collections.ListModule.OfSeq(priors ?? Array.Empty<string>());
        var result = F.FormulaModule.build(fam.ResultValue, overrides, formula, data.Core);
        if (result.IsError) throw Fail(result.ErrorValue);
        return new FormulaModel(Model.FromCore(result.ResultValue.Item1), new DataSet(result.ResultValue.Item2));
    }

    private static FormulaException Fail(IEnumerable<F.FormulaError> errors)
    {
        var list = errors.ToArray();
        var position = list.OfType<F.FormulaError.Syntax>().Select(s => (int?)s.column).FirstOrDefault();
        return new FormulaException(string.Join(Environment.NewLine, list.Select(F.FormulaErrorModule.describe)), position);
    }
}
