using System;
using System.Linq;
using Microsoft.Data.Sqlite;
using Xunit;

namespace HierFunctional.CSharp.Tests;

/// <summary>Fitting a model to a query: per-group sums from one generated GROUP BY give the row fit's draws.</summary>
public class QueryFitTests
{
    [Fact]
    public void Pumps_from_SQLite_group_sums_draw_exactly_what_the_rows_draw()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE pumps (pump INTEGER, x INTEGER, t REAL)";
            create.ExecuteNonQuery();
        }

        // Each pump's failures and hours split over two rows; halving is exact, so the sums are the same in any order.
        foreach (var p in Reference.Pumps())
        {
            foreach (var (x, t) in new[] { (p.Failures / 2, p.Hours / 2), (p.Failures - p.Failures / 2, p.Hours / 2) })
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO pumps VALUES ($pump, $x, $t)";
                insert.Parameters.AddWithValue("$pump", p.Id);
                insert.Parameters.AddWithValue("$x", x);
                insert.Parameters.AddWithValue("$t", t);
                insert.ExecuteNonQuery();
            }
        }

        var options = Reference.Options.WithDraws(200).WithWarmup(100);
        var sums = CanonicalModelTests.Pumps.FitQuery(connection, "SELECT * FROM pumps", options, HierFunctional.DataAccess.Aggregate);
        var rows = CanonicalModelTests.Pumps.FitQuery(connection, "SELECT * FROM pumps", options, HierFunctional.DataAccess.Rows);

        Assert.True(sums.Aggregated);
        Assert.False(rows.Aggregated);
        Assert.Contains("GROUP BY \"pump\"", sums.Query);
        Assert.Contains("x: aggregate: sum x, sum t (exposure) per (pump)", sums.Description);
        foreach (var name in new[] { "alpha", "beta", "theta[1]", "theta[10]" })
        {
            Assert.Equal(rows.Posterior.Draws(name), sums.Posterior.Draws(name));
        }
    }

    [Fact]
    public void Asking_for_sums_of_a_model_that_needs_rows_names_the_node()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        var e = Assert.Throws<InvalidOperationException>(() =>
            CanonicalModelTests.EightSchools.FitQuery(connection, "SELECT 1", null, HierFunctional.DataAccess.Aggregate));
        Assert.Contains("y: ", e.Message);
    }
}
