using System;
using System.Collections.Generic;
using System.Data;
using System.Data.Common;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>The kind of values a data column holds.</summary>
public enum ColumnKind
{
    /// <summary>Real numbers.</summary>
    Reals,

    /// <summary>Integers (counts, trials, integer group ids).</summary>
    Integers,

    /// <summary>Text labels naming groups, with declared levels.</summary>
    Labels,

    /// <summary>A rows × columns matrix (a design matrix).</summary>
    Matrix,
}

/// <summary>
/// An immutable set of named data columns, one value per row. Models refer to columns by name, so one model
/// serves many data sets. Every <c>With…</c> call returns a new data set.
/// </summary>
public sealed class DataSet
{
    internal DataSet(F.Dataset core) => Core = core;

    /// <summary>A data set with no columns.</summary>
    public static DataSet Empty { get; } = new(F.DatasetModule.empty);

    internal F.Dataset Core { get; }

    /// <summary>The column names, in the order they were added.</summary>
    public IReadOnlyList<string> ColumnNames => Core.Columns.Select(c => c.Item1).ToArray();

    /// <summary>The number of rows (the length of the first column; 0 when there are none).</summary>
    public int RowCount => Core.Columns.IsEmpty ? 0 : F.DatasetModule.columnLength(Core.Columns.Head.Item2);

    /// <summary>Rows given as records (or any objects): add columns with selector lambdas, then use it as a data set.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="rows">The rows, read once.</param>
    /// <example><code>
    /// DataSet data = DataSet.From(schools).Labels("school", s => s.Name).Reals("y", s => s.Effect).Reals("sigma", s => s.StdError);
    /// </code></example>
    public static RecordColumns<T> From<T>(IEnumerable<T> rows) => new(Interop.Array(rows, nameof(rows)), Empty);

    /// <summary>A data set from a <see cref="DataTable"/>, read as <see cref="FromReader(DbDataReader)"/> reads
    /// its rows.</summary>
    /// <param name="table">The table.</param>
    /// <exception cref="FormatException">A null label, or a column of an unsupported type; the message names the
    /// column and row.</exception>
    public static DataSet FromDataTable(DataTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        using var reader = table.CreateDataReader();
        return FromReader(reader, string.IsNullOrEmpty(table.TableName) ? "table" : table.TableName);
    }

    /// <summary>A data set from any ADO.NET reader (DuckDB, SQLite, Postgres, SQL Server): integer and boolean
    /// columns become integers, floating-point and decimal columns reals, text and date columns labels (levels in
    /// first-appearance order). A NULL number is a missing value (NaN), which fitting refuses by column and row if
    /// the model uses it.</summary>
    /// <param name="reader">The reader, read to its end.</param>
    /// <exception cref="FormatException">A null label, a repeated column name or a column of an unsupported type;
    /// the message names the column and row.</exception>
    public static DataSet FromReader(DbDataReader reader) => FromReader(reader, "reader");

    /// <summary>A data set from any ADO.NET reader, naming it in errors and reading the given columns as labels
    /// even when they hold numbers (integer group ids).</summary>
    /// <param name="reader">The reader, read to its end.</param>
    /// <param name="source">What errors call the source (a table or query).</param>
    /// <param name="categorical">Columns read as labels.</param>
    /// <exception cref="FormatException">A null label, a repeated column name or a column of an unsupported type;
    /// the message names the source, column and row.</exception>
    public static DataSet FromReader(DbDataReader reader, string source, params string[] categorical)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Source(F.DataReader.readWith(SourceOptions(categorical), Interop.Name(source, nameof(source)), reader));
    }

    /// <summary>Runs a SQL query on an open connection (e.g. a <c>DuckDBConnection</c>, which can read Parquet with
    /// <c>SELECT * FROM 'data.parquet'</c>) and reads its result as <see cref="FromReader(DbDataReader)"/> does.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="sql">The query; aggregate in it (GROUP BY) to bring back less than every row.</param>
    /// <param name="categorical">Columns read as labels.</param>
    /// <exception cref="FormatException">The result has a null label, a repeated column name or a column of an
    /// unsupported type; the message names the query, column and row.</exception>
    public static DataSet FromQuery(DbConnection connection, string sql, params string[] categorical)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Source(F.DataReader.queryWith(SourceOptions(categorical), connection, Interop.Name(sql, nameof(sql))));
    }

    /// <summary>Reads a CSV file with a header row: numeric columns become reals (or integers when every value
    /// is whole), other columns labels; empty or NA cells are missing (NaN). A column of numbers with a few text
    /// cells is refused (the message names the cells): fix them, or declare the column categorical with
    /// <see cref="ReadCsv(string, string[])"/>.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FormatException">The file is malformed; the message names the line and column.</exception>
    /// <exception cref="System.IO.FileNotFoundException">The file does not exist.</exception>
    public static DataSet ReadCsv(string path) => Csv(F.Csv.read(Interop.Name(path, nameof(path))));

    /// <summary>Reads a CSV file as <see cref="ReadCsv(string)"/> does, with the named columns read as labels
    /// (categorical) whatever their cells look like.</summary>
    /// <param name="path">The file.</param>
    /// <param name="categorical">Columns to read as labels, e.g. a numeric code that names groups.</param>
    /// <exception cref="FormatException">The file is malformed, or a categorical column is not in the header.</exception>
    /// <exception cref="System.IO.FileNotFoundException">The file does not exist.</exception>
    public static DataSet ReadCsv(string path, params string[] categorical) =>
        Csv(F.Csv.readWith(Options(categorical), Interop.Name(path, nameof(path))));

    /// <summary>Parses CSV text as <see cref="ReadCsv(string, string[])"/> does.</summary>
    /// <param name="text">The CSV text.</param>
    /// <param name="source">A name for the text used in error messages.</param>
    /// <param name="categorical">Columns to read as labels.</param>
    public static DataSet ParseCsv(string text, string source, params string[] categorical)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Csv(F.Csv.parseWith(Options(categorical), source, text));
    }

    /// <summary>Parses CSV text as <see cref="ReadCsv(string)"/> does.</summary>
    /// <param name="text">The CSV text.</param>
    /// <param name="source">A name for the text used in error messages.</param>
    public static DataSet ParseCsv(string text, string source = "text")
    {
        ArgumentNullException.ThrowIfNull(text);
        return Csv(F.Csv.parse(source, text));
    }

    /// <summary>With a named scalar, e.g. a count <c>N</c> or a prior scale (replacing any column or scalar of the
    /// same name); a model reads it as <c>Data("N")</c> anywhere, including in priors of global parameters.</summary>
    /// <param name="name">The scalar's name.</param>
    /// <param name="value">Its value.</param>
    public DataSet WithScalar(string name, double value) =>
        new(F.DatasetModule.scalar(Interop.Name(name, nameof(name)), value, Core));

    /// <summary>The named scalars (<see cref="WithScalar"/>), in the order they were added.</summary>
    public IReadOnlyDictionary<string, double> Scalars => Core.Scalars.ToDictionary(s => s.Item1, s => s.Item2);

    /// <summary>With a column of real numbers (replacing any column of the same name).</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="values">One value per row.</param>
    public DataSet With(string name, IEnumerable<double> values) =>
        new(F.DatasetModule.reals(Interop.Name(name, nameof(name)), Interop.Array(values, nameof(values)), Core));

    /// <summary>With a column of integers (counts, trials, integer group ids).</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="values">One value per row.</param>
    public DataSet With(string name, IEnumerable<int> values) =>
        new(F.DatasetModule.integers(Interop.Name(name, nameof(name)), Interop.Array(values, nameof(values)), Core));

    /// <summary>With a label column; its levels are the distinct labels in first-appearance order.</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="labels">One label per row.</param>
    public DataSet With(string name, IEnumerable<string> labels) =>
        new(F.DatasetModule.labels(Interop.Name(name, nameof(name)), Labels(labels, name), Core));

    /// <summary>With a label column and its declared levels (which may include levels with no rows).</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="labels">One label per row.</param>
    /// <param name="levels">The group's levels in output order.</param>
    public DataSet With(string name, IEnumerable<string> labels, IEnumerable<string> levels) =>
        new(F.DatasetModule.labelsWithLevels(
            Interop.Name(name, nameof(name)), Labels(labels, name), Labels(levels, name), Core));

    /// <summary>With a matrix column (rows × columns), e.g. a design matrix.</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="values">The matrix; one row per data row.</param>
    public DataSet With(string name, double[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new(F.DatasetModule.matrix(Interop.Name(name, nameof(name)), values, Core));
    }

    /// <summary>The kind of a column.</summary>
    /// <param name="name">The column's name.</param>
    /// <exception cref="KeyNotFoundException">No such column.</exception>
    public ColumnKind KindOf(string name) => Column(name) switch
    {
        F.Column.Reals => ColumnKind.Reals,
        F.Column.Integers => ColumnKind.Integers,
        F.Column.Labels => ColumnKind.Labels,
        _ => ColumnKind.Matrix,
    };

    /// <summary>A numeric column's values as doubles (integers converted).</summary>
    /// <param name="name">The column's name.</param>
    /// <exception cref="InvalidOperationException">The column holds labels or a matrix.</exception>
    public double[] GetNumbers(string name) => Column(name) switch
    {
        F.Column.Reals r => (double[])r.Item.Clone(),
        F.Column.Integers i => i.Item.Select(x => (double)x).ToArray(),
        _ => throw new InvalidOperationException($"Column '{name}' holds {KindOf(name)}, not numbers."),
    };

    /// <summary>A label column's labels.</summary>
    /// <param name="name">The column's name.</param>
    /// <exception cref="InvalidOperationException">The column is not a label column.</exception>
    public string[] GetLabels(string name) => Column(name) switch
    {
        F.Column.Labels l => (string[])l.values.Clone(),
        _ => throw new InvalidOperationException($"Column '{name}' holds {KindOf(name)}, not labels."),
    };

    /// <summary>A label column's declared levels, in output order.</summary>
    /// <param name="name">The column's name.</param>
    /// <exception cref="InvalidOperationException">The column is not a label column.</exception>
    public string[] GetLevels(string name) => Column(name) switch
    {
        F.Column.Labels l => (string[])l.levels.Clone(),
        _ => throw new InvalidOperationException($"Column '{name}' holds {KindOf(name)}, not labels."),
    };

    /// <summary>A one-line description: columns, their kinds and the row count.</summary>
    public override string ToString() =>
        $"DataSet: {RowCount} rows; " + string.Join(", ", ColumnNames.Select(n => $"{n} ({KindOf(n)})"));

    private static string[] Labels(IEnumerable<string> labels, string column)
    {
        var array = Interop.Array(labels, nameof(labels));
        var missing = Array.FindIndex(array, l => l is null);
        return missing < 0
            ? array
            : throw new ArgumentException($"Column '{column}' row {missing + 1} has a null label.", nameof(labels));
    }

    private static Microsoft.FSharp.Collections.FSharpList<string> Names(string[] categorical) =>
        Microsoft.FSharp.Collections.ListModule.OfArray(
            Interop.Array(categorical, nameof(categorical)).Select(c => Interop.Name(c, nameof(categorical))).ToArray());

    private static F.CsvOptions Options(string[] categorical) =>
        new(Names(categorical), Microsoft.FSharp.Core.FSharpOption<char>.None);

    private static F.SourceOptions SourceOptions(string[] categorical) => new(Names(categorical));

    private static DataSet Source(Microsoft.FSharp.Core.FSharpResult<F.Dataset, F.SourceError> result) =>
        result.IsOk ? new DataSet(result.ResultValue) : throw new FormatException(result.ErrorValue.Message);

    private static DataSet Csv(Microsoft.FSharp.Core.FSharpResult<F.Dataset, F.CsvError> result) =>
        result.IsOk ? new DataSet(result.ResultValue) : throw new FormatException(result.ErrorValue.Message);

    private F.Column Column(string name) =>
        Interop.ValueOrNull(F.DatasetModule.tryColumn(Interop.Name(name, nameof(name)), Core))
        ?? throw new KeyNotFoundException(
            $"The data set has no column '{name}'; its columns are {string.Join(", ", ColumnNames)}.");
}
