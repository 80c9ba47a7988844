using System;
using System.Data.Common;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>A fit from a database query and the path its data took.</summary>
/// <param name="Posterior">The draws. In aggregate mode, of the group-level model fitted to one row per group: the
/// parameters' draws are the row model's, but pointwise log-likelihood, LOO, WAIC and per-row prediction are not
/// available from it.</param>
/// <param name="Aggregated">True when the database computed per-group sums and no row was read.</param>
/// <param name="Query">The GROUP BY query sent in aggregate mode; empty otherwise.</param>
/// <param name="Description">The data path of each observed node (or why rows were read), then the Gibbs plan.</param>
public sealed record QueryFit(Posterior Posterior, bool Aggregated, string Query, string Description);

/// <summary>Fitting a model to a SQL query: with aggregate push-down the database (DuckDB over Parquet, Postgres,
/// SQL Server…) computes the per-group sums in one generated GROUP BY, so memory is O(groups) whatever the rows.</summary>
public static class QueryFitExtensions
{
    /// <summary>Fits the model to the result of <paramref name="query"/>, a SELECT the database runs (e.g.
    /// <c>SELECT * FROM read_parquet('big.parquet')</c> on a <c>DuckDBConnection</c>).</summary>
    /// <param name="model">The row-level model.</param>
    /// <param name="connection">An open connection.</param>
    /// <param name="query">The rows, as a SELECT.</param>
    /// <param name="options">Sampler options; <see cref="F.SamplerOptions.Default"/> when null.</param>
    /// <param name="access">Auto (the default, when null), Aggregate or Rows.</param>
    /// <exception cref="FormatException">A NULL, non-finite value or invalid count; the message names the column and
    /// the group (or row).</exception>
    /// <exception cref="ModelException">A model error.</exception>
    /// <exception cref="InvalidOperationException">Aggregate was asked for but a node needs rows; the message says which
    /// and why.</exception>
    public static QueryFit FitQuery(
        this Model model,
        DbConnection connection,
        string query,
        F.SamplerOptions? options = null,
        F.DataAccess? access = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(query);
        var chosen = options ?? F.SamplerOptions.Default;
        var result = F.FitSource.query(access ?? F.DataAccess.Auto, chosen, model.Core, connection, query);
        if (result.IsError)
        {
            var error = result.ErrorValue;
            if (error is F.SourceFitError.Source) throw new FormatException(error.Message);
            if (error is F.SourceFitError.Model m) throw ModelException.FromCore(m.Item);
            throw new InvalidOperationException(error.Message);
        }

        var fit = result.ResultValue;
        var posterior = new Posterior(fit.Fit.Posterior, new Plan(fit.Fit.Plan), chosen);
        var sql = fit.Path is F.DataPath.Aggregated a ? a.query : "";
        return new QueryFit(posterior, fit.Path.IsAggregated, sql, F.FitSource.describe(fit));
    }
}
