using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>One estimate as brms's <c>fixef</c>, <c>ranef</c>, <c>coef</c> and <c>VarCorr</c> print it.</summary>
/// <param name="Name">The scalar's name, e.g. <c>b_Days</c>, <c>ranef_Subject[308,Days]</c>,
/// <c>coef_Subject[308,Days]</c>, <c>sd_Subject__Days</c>, <c>cor_Subject__Intercept__Days</c>.</param>
/// <param name="Group">The grouping column; empty for population coefficients and the residual sd.</param>
/// <param name="Level">The group level; empty unless the row is per level.</param>
/// <param name="Term">The coefficient, e.g. <c>Days</c>; <c>Intercept__Days</c> for a correlation.</param>
/// <param name="Mean">Posterior mean (brms's Estimate).</param>
/// <param name="Sd">Posterior sd (brms's Est.Error).</param>
/// <param name="Lower">2.5% posterior quantile.</param>
/// <param name="Upper">97.5% posterior quantile.</param>
public sealed record EffectRow(
    string Name, string Group, string Level, string Term, double Mean, double Sd, double Lower, double Upper)
{
    internal static EffectRow[] FromCore(IEnumerable<F.EffectRow> rows) =>
        rows.Select(r => new EffectRow(r.Name, r.Group, r.Level, r.Term, r.Mean, r.Sd, r.Lower, r.Upper)).ToArray();
}

/// <summary>The highest-density interval of one scalar: the shortest interval holding the mass.</summary>
/// <param name="Name">Scalar name.</param>
/// <param name="Label">Its group label, or null.</param>
/// <param name="Lower">Lower end.</param>
/// <param name="Upper">Upper end.</param>
public sealed record HdiRow(string Name, string? Label, double Lower, double Upper);

/// <summary>One model of a PSIS-LOO comparison, as <c>loo::loo_compare</c> prints it (best model first).</summary>
/// <param name="Model">The name the model was given.</param>
/// <param name="ElpdDiff">elpd_loo minus the best model's (0 for the best).</param>
/// <param name="SeDiff">Standard error of the difference: sqrt(n) × sd of the pointwise differences.</param>
/// <param name="ElpdLoo">The model's elpd_loo.</param>
/// <param name="SeElpdLoo">Its standard error.</param>
/// <param name="PLoo">Effective number of parameters.</param>
/// <param name="Looic">−2 · elpd_loo.</param>
public sealed record LooComparisonRow(
    string Model, double ElpdDiff, double SeDiff, double ElpdLoo, double SeElpdLoo, double PLoo, double Looic);

/// <summary>One draw of one scalar in long form.</summary>
/// <param name="Chain">1-based chain.</param>
/// <param name="Draw">1-based draw within the chain.</param>
/// <param name="Name">The scalar's name (its label when asked for labels).</param>
/// <param name="Value">The value.</param>
public sealed record TidyDraw(int Chain, int Draw, string Name, double Value);

/// <summary>Results in lme4/brms terms, highest-density intervals, model comparison and tidy draws.</summary>
public sealed partial class Posterior
{
    private F.FormulaTerms Terms =>
        Plan.Terms ?? throw new InvalidOperationException(
            "Fixed effects, random effects, coefficients and VarCorr need a model built from a formula: use "
            + "Formula.Build(...).Compile() rather than a hand-built model.");

    /// <summary>Population-level coefficients by term (brms's <c>fixef</c>), with 95% intervals.</summary>
    /// <exception cref="InvalidOperationException">The model was not built from a formula.</exception>
    public IReadOnlyList<EffectRow> FixedEffects() => EffectRow.FromCore(F.Effects.fixef(Terms, Core));

    /// <summary>Each group's deviations from the population by level and term (lme4's <c>ranef</c>), computed
    /// draw by draw whatever the node's centring.</summary>
    /// <exception cref="InvalidOperationException">The model was not built from a formula.</exception>
    public IReadOnlyList<EffectRow> RandomEffects() => EffectRow.FromCore(F.Effects.ranef(Terms, Core));

    /// <summary>Each group's coefficients by level and term: population coefficient plus deviation (brms's <c>coef</c>).</summary>
    /// <exception cref="InvalidOperationException">The model was not built from a formula.</exception>
    public IReadOnlyList<EffectRow> Coefficients() => EffectRow.FromCore(F.Effects.coef(Terms, Core));

    /// <summary>Group-level standard deviations and correlations, then the residual sd (brms's <c>VarCorr</c>),
    /// computed draw by draw from the covariance draws.</summary>
    /// <exception cref="InvalidOperationException">The model was not built from a formula.</exception>
    public IReadOnlyList<EffectRow> VarCorr() => EffectRow.FromCore(F.Effects.varCorr(Terms, Core));

    /// <summary>Per group of a binomial or Poisson formula model, the group intercepts on the response scale
    /// (probabilities or rates) with no, complete and partial pooling; empty for other families.</summary>
    /// <exception cref="InvalidOperationException">The model was not built from a formula.</exception>
    public IReadOnlyList<ShrinkageTable> ResponseScaleShrinkage() =>
        F.ResponseScale.shrinkage(Plan.Core.Bound, Terms, Core).Select(ShrinkageTable.FromCore).ToArray();

    /// <summary>The highest-density interval of every scalar: the shortest interval holding the mass.</summary>
    /// <param name="mass">The share of the draws inside, in (0, 1]; 0.95 by default.</param>
    /// <exception cref="ArgumentException">The mass is outside (0, 1].</exception>
    public IReadOnlyList<HdiRow> Hdi(double mass = 0.95) =>
        F.Hdi.compute(mass, Core)
            .Select(r => new HdiRow(r.Name, Interop.ValueOrNull(r.Label) ?? LabelOf(r.Name), r.Lower, r.Upper))
            .ToArray();

    /// <summary>Every draw as (chain, draw, name, value), chain by chain, draw by draw, scalars in column order.</summary>
    /// <param name="useLabels">Name each scalar by its group label where it has one (<c>r_Subject[308,Days]</c>).</param>
    public IReadOnlyList<TidyDraw> TidyDraws(bool useLabels = false) =>
        F.Tidy.draws(Core)
            .Select(d => new TidyDraw(
                d.Chain, d.Draw, useLabels && labelOf.TryGetValue(d.Name, out var l) ? l : d.Name, d.Value))
            .ToArray();

    /// <summary>Writes the draws as CSV in long form, header <c>chain,draw,name,value</c>.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="useLabels">Name each scalar by its group label where it has one.</param>
    public void WriteTidyCsv(string path, bool useLabels = false)
    {
        using var writer = new StreamWriter(Interop.Name(path, nameof(path)), false, new UTF8Encoding(false));
        F.Tidy.write(
            writer,
            TidyDraws(useLabels).Select(d => new F.TidyDraw(d.Chain, d.Draw, d.Name, d.Value)));
    }

    /// <summary>Compares fits of the same data by PSIS-LOO, as <c>loo::loo_compare</c>: best model first, each
    /// model's elpd difference from the best and its standard error from the pointwise differences.</summary>
    /// <param name="fits">The fits by name (each sampled with <see cref="SamplerOptions.WithLogLikelihood"/>).</param>
    /// <exception cref="ArgumentException">Fewer than two fits, or fits of different numbers of observations.</exception>
    /// <exception cref="InvalidOperationException">A fit has no pointwise log-likelihood.</exception>
    public static IReadOnlyList<LooComparisonRow> Compare(IReadOnlyDictionary<string, Posterior> fits)
    {
        ArgumentNullException.ThrowIfNull(fits);
        var named = fits.Select(kv => Tuple.Create(kv.Key, F.Criteria.looOf(kv.Value.WithLogLikelihood())));
        return F.LooCompare.compare(Interop.ToList(named))
            .Select(r => new LooComparisonRow(r.Model, r.ElpdDiff, r.SeDiff, r.ElpdLoo, r.SeElpdLoo, r.PLoo, r.Looic))
            .ToArray();
    }
}
