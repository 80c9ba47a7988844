using System;
using System.Collections.Generic;
using System.Data;
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

    /// <summary>A data set from a <see cref="DataTable"/>: floating-point and decimal columns become reals,
    /// integer and boolean columns integers, text columns labels (levels in first-appearance order).</summary>
    /// <param name="table">The table.</param>
    /// <exception cref="ArgumentException">A column of another type, or a missing label.</exception>
    public static DataSet FromDataTable(DataTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var data = Empty;
        foreach (DataColumn column in table.Columns)
        {
            var cells = table.Rows.Cast<DataRow>().Select(r => r[column]).ToArray();
            data = data.WithCells(column.ColumnName, column.DataType, cells);
        }

        return data;
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

    internal DataSet WithCells(string name, Type type, object[] cells)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string))
        {
            return With(name, cells.Select((c, row) => c as string ?? throw new ArgumentException(
                $"Column '{name}' row {row + 1} has no label; every row of a label column needs one.", nameof(cells))));
        }

        if (t == typeof(int) || t == typeof(short) || t == typeof(byte) || t == typeof(long) || t == typeof(bool))
        {
            return With(name, cells.Select((c, row) => c is DBNull or null
                ? throw new ArgumentException($"Column '{name}' row {row + 1} is missing; integer columns need a value in every row.", nameof(cells))
                : Convert.ToInt32(c, System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal))
        {
            return With(name, cells.Select(c => c is DBNull or null
                ? double.NaN
                : Convert.ToDouble(c, System.Globalization.CultureInfo.InvariantCulture)));
        }

        throw new ArgumentException(
            $"Column '{name}' has type {type.Name}; use double, float, decimal, int, long, short, byte, bool or string.",
            nameof(type));
    }

    private static string[] Labels(IEnumerable<string> labels, string column)
    {
        var array = Interop.Array(labels, nameof(labels));
        var missing = Array.FindIndex(array, l => l is null);
        return missing < 0
            ? array
            : throw new ArgumentException($"Column '{column}' row {missing + 1} has a null label.", nameof(labels));
    }

    private static F.CsvOptions Options(string[] categorical) =>
        new(Microsoft.FSharp.Collections.ListModule.OfArray(
            Interop.Array(categorical, nameof(categorical)).Select(c => Interop.Name(c, nameof(categorical))).ToArray()),
            Microsoft.FSharp.Core.FSharpOption<char>.None);

    private static DataSet Csv(Microsoft.FSharp.Core.FSharpResult<F.Dataset, F.CsvError> result) =>
        result.IsOk ? new DataSet(result.ResultValue) : throw new FormatException(result.ErrorValue.Message);

    private F.Column Column(string name) =>
        Interop.ValueOrNull(F.DatasetModule.tryColumn(Interop.Name(name, nameof(name)), Core))
        ?? throw new KeyNotFoundException(
            $"The data set has no column '{name}'; its columns are {string.Join(", ", ColumnNames)}.");
}
