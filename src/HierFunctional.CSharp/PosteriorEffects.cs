using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>Results in lme4/brms terms, highest-density intervals, model comparison and tidy draws.</summary>
public sealed partial class Posterior
{
    private F.FormulaTerms Terms =>
        Plan.Terms ?? throw new InvalidOperationException(
            "Fixed effects, random effects, coefficients and VarCorr need a model built from a formula: use "
            + "Formula.Build(...).Compile() rather than a hand-built model.");

    /// <summary>Population-level coefficients by term (brms's <c>fixef</c>), with 95% intervals.</summary>
    /// <exception cref="InvalidOperationException">The model was not built from a formula.</exception>
    public IReadOnlyList<F.EffectRow> FixedEffects() => F.Effects.fixef(Terms, Core);

    /// <summary>Each group's deviations from the population by level and term (lme4's <c>ranef</c>), computed
    /// draw by draw whatever the node's centring.</summary>
    /// <exception cref="InvalidOperationException">The model was not built from a formula.</exception>
    public IReadOnlyList<F.EffectRow> RandomEffects() => F.Effects.ranef(Terms, Core);

    /// <summary>Each group's coefficients by level and term: population coefficient plus deviation (brms's <c>coef</c>).</summary>
    /// <exception cref="InvalidOperationException">The model was not built from a formula.</exception>
    public IReadOnlyList<F.EffectRow> Coefficients() => F.Effects.coef(Terms, Core);

    /// <summary>Group-level standard deviations and correlations, then the residual sd (brms's <c>VarCorr</c>),
    /// computed draw by draw from the covariance draws.</summary>
    /// <exception cref="InvalidOperationException">The model was not built from a formula.</exception>
    public IReadOnlyList<F.EffectRow> VarCorr() => F.Effects.varCorr(Terms, Core);

    /// <summary>Per group of a binomial or Poisson formula model, the group intercepts on the response scale
    /// (probabilities or rates) with no, complete and partial pooling; empty for other families.</summary>
    /// <exception cref="InvalidOperationException">The model was not built from a formula.</exception>
    public IReadOnlyList<F.ShrinkageTable> ResponseScaleShrinkage() =>
        F.ResponseScale.shrinkage(Plan.Core.Bound, Terms, Core).ToArray();

    /// <summary>The highest-density interval of every scalar: the shortest interval holding the mass.</summary>
    /// <param name="mass">The share of the draws inside, in (0, 1]; 0.95 by default.</param>
    /// <exception cref="ArgumentException">The mass is outside (0, 1].</exception>
    public IReadOnlyList<F.HdiRow> Hdi(double mass = 0.95) => F.Hdi.compute(mass, Labelled(Core));

    /// <summary>Every draw as (chain, draw, name, value), chain by chain, draw by draw, scalars in column order.</summary>
    /// <param name="useLabels">Name each scalar by its group label where it has one (<c>r_Subject[308,Days]</c>).</param>
    public IReadOnlyList<F.TidyDraw> TidyDraws(bool useLabels = false) =>
        F.Tidy.draws(Core)
            .Select(d => useLabels && labelOf.TryGetValue(d.Name, out var l) ? new F.TidyDraw(d.Chain, d.Draw, l, d.Value) : d)
            .ToArray();

    /// <summary>Writes the draws as CSV in long form, header <c>chain,draw,name,value</c>.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="useLabels">Name each scalar by its group label where it has one.</param>
    public void WriteTidyCsv(string path, bool useLabels = false)
    {
        using var writer = new StreamWriter(Interop.Name(path, nameof(path)), false, new UTF8Encoding(false));
        F.Tidy.write(
            writer,
            TidyDraws(useLabels));
    }

    /// <summary>Compares fits of the same data by PSIS-LOO, as <c>loo::loo_compare</c>: best model first, each
    /// model's elpd difference from the best and its standard error from the pointwise differences.</summary>
    /// <param name="fits">The fits by name (each sampled with <see cref="F.SamplerOptions.WithLogLikelihood"/>).</param>
    /// <exception cref="ArgumentException">Fewer than two fits, or fits of different numbers of observations.</exception>
    /// <exception cref="InvalidOperationException">A fit has no pointwise log-likelihood.</exception>
    public static IReadOnlyList<F.LooComparisonRow> Compare(IReadOnlyDictionary<string, Posterior> fits)
    {
        ArgumentNullException.ThrowIfNull(fits);
        var named = fits.Select(kv => Tuple.Create(kv.Key, F.Criteria.looOf(kv.Value.WithLogLikelihood())));
        return F.LooCompare.compare(Interop.ToList(named));
    }
}
