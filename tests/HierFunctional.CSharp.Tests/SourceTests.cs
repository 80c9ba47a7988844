using System;
using System.Data;
using System.Linq;
using Microsoft.Data.Sqlite;
using Xunit;

namespace HierFunctional.CSharp.Tests;

/// <summary>Any ADO.NET reader or connection is a data source, with errors that name the column and row.</summary>
public class SourceTests
{
    [Fact]
    public void A_SQLite_query_fits_exactly_as_the_same_data_given_as_arrays()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE schools (school TEXT, y REAL, sigma INTEGER)";
            create.ExecuteNonQuery();
        }

        foreach (var s in Reference.Schools())
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO schools VALUES ($school, $y, $sigma)";
            insert.Parameters.AddWithValue("$school", s.Name);
            insert.Parameters.AddWithValue("$y", s.Effect);
            insert.Parameters.AddWithValue("$sigma", (int)s.StdError);
            insert.ExecuteNonQuery();
        }

        var fromQuery = DataSet.FromQuery(connection, "SELECT school, y, sigma FROM schools");
        Assert.Equal(ColumnKind.Integers, fromQuery.KindOf("sigma"));
        var options = Reference.Options.WithDraws(50).WithWarmup(50);
        var fromArrays = DataSet.Empty
            .With("school", Reference.Schools().Select(s => s.Name))
            .With("y", Reference.Schools().Select(s => s.Effect))
            .With("sigma", Reference.Schools().Select(s => (int)s.StdError));
        Assert.Equal(
            CanonicalModelTests.EightSchools.Fit(fromArrays, options).Draws("tau"),
            CanonicalModelTests.EightSchools.Fit(fromQuery, options).Draws("tau"));
    }

    [Fact]
    public void A_null_label_in_a_reader_is_a_format_error_naming_the_source_column_and_row()
    {
        var table = new DataTable("visits");
        table.Columns.Add("clinic", typeof(string));
        table.Columns.Add("y", typeof(double));
        table.Rows.Add("a", 1.0);
        table.Rows.Add(DBNull.Value, 2.0);

        var e = Assert.Throws<FormatException>(() => DataSet.FromReader(table.CreateDataReader(), "visits"));
        Assert.Contains("visits: row 2, column 'clinic'", e.Message);
    }

    [Fact]
    public void Integer_ids_declared_categorical_read_as_labels()
    {
        var table = new DataTable();
        table.Columns.Add("patient", typeof(long));
        table.Rows.Add(17L);
        table.Rows.Add(4L);

        var data = DataSet.FromReader(table.CreateDataReader(), "patients", "patient");
        Assert.Equal(ColumnKind.Labels, data.KindOf("patient"));
        Assert.Equal(new[] { "17", "4" }, data.GetLabels("patient"));
    }
}
