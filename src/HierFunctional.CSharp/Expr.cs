using System;
using System.Linq;
using F = HierFunctional;

namespace HierFunctional.CSharp;

/// <summary>
/// A symbolic expression in a model: a constant, a reference to a parameter, a data column or a group index, or
/// arithmetic and link functions of those. A query's range variable (<c>from mu in Model.Sample(...)</c>) is an
/// <see cref="Expr"/>, never a number, so the whole model is known before any data or sampling.
/// </summary>
/// <example><code>
/// using static HierFunctional.CSharp.Expr;
/// Expr eta = mu + tau * Data("x");          // doubles convert implicitly
/// Expr p = InvLogit(alpha[Group("county")]);
/// </code></example>
public sealed class Expr : IEquatable<Expr>
{
    internal Expr(F.Expr core) => Core = core;

    internal F.Expr Core { get; }

    /// <summary>A constant, so that numbers can stand wherever an expression is expected.</summary>
    /// <param name="value">The constant.</param>
    public static implicit operator Expr(double value) => new(F.Expr.NewConst(value));

    /// <summary>Symbolic sum.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static Expr operator +(Expr a, Expr b) => new(F.Expr.NewAdd(Of(a), Of(b)));

    /// <summary>Symbolic difference.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static Expr operator -(Expr a, Expr b) => new(F.Expr.NewSub(Of(a), Of(b)));

    /// <summary>Symbolic product.</summary>
    /// <param name="a">Left operand.</param>
    /// <param name="b">Right operand.</param>
    public static Expr operator *(Expr a, Expr b) => new(F.Expr.NewMul(Of(a), Of(b)));

    /// <summary>Symbolic quotient.</summary>
    /// <param name="a">Numerator.</param>
    /// <param name="b">Denominator.</param>
    public static Expr operator /(Expr a, Expr b) => new(F.Expr.NewDiv(Of(a), Of(b)));

    /// <summary>Symbolic negation.</summary>
    /// <param name="a">The operand.</param>
    public static Expr operator -(Expr a) => new(F.Expr.NewNeg(Of(a)));

    /// <summary>Element selection <c>theta[school]</c>: index a group-level vector by a group or integer column.</summary>
    /// <param name="index">Usually <see cref="Group"/>(column).</param>
    public Expr this[Expr index] => new(F.Expr.NewIndex(Core, Of(index)));

    /// <summary>The fixed element at a 0-based position of a vector-valued expression, e.g. <c>beta[1]</c>.</summary>
    /// <param name="position">0-based position.</param>
    public Expr this[int position] => new(F.Expr.NewElem(Core, position));

    /// <summary>A reference to a parameter or derived node by name (what a builder's <c>out</c> variable holds).</summary>
    /// <param name="name">The node's name.</param>
    public static Expr Param(string name) => new(F.Expr.NewParam(Interop.Name(name, nameof(name))));

    /// <summary>A data column: the row's value in an observation, the level's value inside a group plate.</summary>
    /// <param name="column">The column's name.</param>
    public static Expr Data(string column) => new(F.ExprFunctions.data(Interop.Name(column, nameof(column))));

    /// <summary>The level index of a group column, for indexing a group-level vector: <c>theta[Group("school")]</c>.</summary>
    /// <param name="column">The group column's name.</param>
    public static Expr Group(string column) => new(F.ExprFunctions.group(Interop.Name(column, nameof(column))));

    /// <summary>A numeric constant as an expression.</summary>
    /// <param name="value">The constant.</param>
    public static Expr Constant(double value) => value;

    /// <summary>e^x.</summary>
    /// <param name="x">The argument.</param>
    public static Expr Exp(Expr x) => new(F.Expr.Exp(Of(x)));

    /// <summary>Natural logarithm.</summary>
    /// <param name="x">The argument.</param>
    public static Expr Log(Expr x) => new(F.Expr.Log(Of(x)));

    /// <summary>Square root.</summary>
    /// <param name="x">The argument.</param>
    public static Expr Sqrt(Expr x) => new(F.Expr.Sqrt(Of(x)));

    /// <summary>|x|.</summary>
    /// <param name="x">The argument.</param>
    public static Expr Abs(Expr x) => new(F.Expr.Abs(Of(x)));

    /// <summary>x^y.</summary>
    /// <param name="x">The base.</param>
    /// <param name="y">The exponent.</param>
    public static Expr Pow(Expr x, Expr y) => new(F.Expr.Pow(Of(x), Of(y)));

    /// <summary>log(p / (1 − p)).</summary>
    /// <param name="p">The argument.</param>
    public static Expr Logit(Expr p) => new(F.ExprFunctions.logit(Of(p)));

    /// <summary>1 / (1 + e^(−x)), the inverse of <see cref="Logit"/>.</summary>
    /// <param name="x">The argument.</param>
    public static Expr InvLogit(Expr x) => new(F.ExprFunctions.invLogit(Of(x)));

    /// <summary>x².</summary>
    /// <param name="x">The argument.</param>
    public static Expr Square(Expr x) => new(F.ExprFunctions.square(Of(x)));

    /// <summary>log(1 + x), accurate for small x.</summary>
    /// <param name="x">The argument.</param>
    public static Expr Log1p(Expr x) => new(F.ExprFunctions.log1p(Of(x)));

    /// <summary>Dot product of two vector-valued expressions, e.g. a design row and a coefficient vector.</summary>
    /// <param name="a">First vector.</param>
    /// <param name="b">Second vector.</param>
    public static Expr Dot(Expr a, Expr b) => new(F.ExprFunctions.dot(Of(a), Of(b)));

    /// <summary>The inverse of a matrix-valued expression (1/x for a scalar), e.g. a precision used as a covariance.</summary>
    /// <param name="x">The matrix.</param>
    public static Expr Inverse(Expr x) => new(F.ExprFunctions.inverse(Of(x)));

    /// <summary>A literal vector of expressions, e.g. <c>Vector(1, Data("Days"))</c>.</summary>
    /// <param name="elements">The elements.</param>
    public static Expr Vector(params Expr[] elements) =>
        new(F.ExprFunctions.vector(Interop.ToList(Interop.Array(elements, nameof(elements)).Select(e => Of(e)))));

    /// <summary>A literal matrix given by rows, e.g. <c>Matrix(new Expr[] { 1, 0 }, new Expr[] { 0, 1 })</c>.</summary>
    /// <param name="rows">The rows, all of the same length.</param>
    public static Expr Matrix(params Expr[][] rows)
    {
        var checkedRows = Interop.Array(rows, nameof(rows));
        if (checkedRows.Select(r => r?.Length ?? -1).Distinct().Count() > 1 || checkedRows.Any(r => r is null))
        {
            throw new ArgumentException("Every row of a matrix must be non-null and of the same length.", nameof(rows));
        }

        return new(F.ExprFunctions.matrix(Interop.ToList(checkedRows.Select(r => Interop.ToList(r.Select(e => Of(e)))))));
    }

    /// <summary>A matrix of constants, e.g. a prior covariance.</summary>
    /// <param name="values">The constants.</param>
    public static Expr Matrix(double[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var rows = Enumerable.Range(0, values.GetLength(0))
            .Select(i => Enumerable.Range(0, values.GetLength(1)).Select(j => (Expr)values[i, j]).ToArray());
        return Matrix(rows.ToArray());
    }

    /// <summary>A vector of constants, e.g. a prior mean.</summary>
    /// <param name="values">The constants.</param>
    public static Expr Vector(double[] values) =>
        Vector(Interop.Array(values, nameof(values)).Select(v => (Expr)v).ToArray());

    /// <summary>Structural equality: two expressions are equal when their trees are.</summary>
    /// <param name="other">The other expression.</param>
    public bool Equals(Expr? other) => other is not null && Core.Equals(other.Core);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Expr e && Equals(e);

    /// <inheritdoc/>
    public override int GetHashCode() => Core.GetHashCode();

    /// <summary>The expression tree, as the F# core prints it.</summary>
    public override string ToString() => Core.ToString() ?? string.Empty;

    internal static F.Expr Of(Expr? e, string parameter = "expression")
    {
        ArgumentNullException.ThrowIfNull(e, parameter);
        return e.Core;
    }
}
