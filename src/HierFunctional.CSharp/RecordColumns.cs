using System;
using System.Collections.Generic;
using System.Linq;

namespace HierFunctional.CSharp;

/// <summary>
/// Rows of any type being turned into data columns by selector lambdas; immutable, and usable wherever a
/// <see cref="DataSet"/> is expected. Start with <see cref="DataSet.From{T}"/>.
/// </summary>
/// <typeparam name="T">The row type.</typeparam>
public sealed class RecordColumns<T>
{
    private readonly T[] rows;

    internal RecordColumns(T[] rows, DataSet data)
    {
        this.rows = rows;
        DataSet = data;
    }

    /// <summary>The columns added so far, as a data set.</summary>
    public DataSet DataSet { get; }

    /// <summary>The columns added so far, as a data set.</summary>
    /// <param name="columns">The record columns.</param>
    public static implicit operator DataSet(RecordColumns<T> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        return columns.DataSet;
    }

    /// <summary>Adds a column of real numbers.</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="selector">Reads the value from a row.</param>
    public RecordColumns<T> Reals(string name, Func<T, double> selector) => Next(d => d.With(name, Select(selector)));

    /// <summary>Adds a column of integers.</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="selector">Reads the value from a row.</param>
    public RecordColumns<T> Integers(string name, Func<T, int> selector) => Next(d => d.With(name, Select(selector)));

    /// <summary>Adds a label column (levels in first-appearance order).</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="selector">Reads the label from a row.</param>
    public RecordColumns<T> Labels(string name, Func<T, string> selector) => Next(d => d.With(name, Select(selector)));

    /// <summary>Adds a label column with declared levels (which may include levels with no rows).</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="selector">Reads the label from a row.</param>
    /// <param name="levels">The group's levels in output order.</param>
    public RecordColumns<T> Labels(string name, Func<T, string> selector, IEnumerable<string> levels) =>
        Next(d => d.With(name, Select(selector), levels));

    /// <summary>Adds a matrix column from a vector per row (e.g. a design row).</summary>
    /// <param name="name">The column's name.</param>
    /// <param name="selector">Reads the row's vector; all of the same length.</param>
    public RecordColumns<T> Matrix(string name, Func<T, double[]> selector)
    {
        var vectors = Select(selector);
        var width = vectors.Length == 0 ? 0 : vectors[0].Length;
        var bad = Array.FindIndex(vectors, v => v is null || v.Length != width);
        if (bad >= 0)
        {
            throw new ArgumentException(
                $"Column '{name}' row {bad + 1} has a vector of another length than row 1 ({width}).", nameof(selector));
        }

        var m = new double[vectors.Length, width];
        for (var r = 0; r < vectors.Length; r++)
        {
            for (var c = 0; c < width; c++)
            {
                m[r, c] = vectors[r][c];
            }
        }

        return Next(d => d.With(name, m));
    }

    /// <summary>The columns added so far, as a data set.</summary>
    public DataSet ToDataSet() => DataSet;

    /// <inheritdoc/>
    public override string ToString() => DataSet.ToString();

    private TValue[] Select<TValue>(Func<T, TValue> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return rows.Select(selector).ToArray();
    }

    private RecordColumns<T> Next(Func<DataSet, DataSet> add) => new(rows, add(DataSet));
}
