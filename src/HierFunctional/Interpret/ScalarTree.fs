namespace HierFunctional

/// A scalar expression compiled into a tree of evaluator objects (`Eval.compileNode` builds them): one virtual call
/// a node, where a tree of curried closures pays a type test and an indirect call a node (`InvokeFast`).
[<AbstractClass>]
type internal ScalarNode() =
    /// The value in state `state` at row or level `index` (0 in global scope).
    abstract Eval: state: float[] * index: int -> float

/// A compiled index: the 0-based position an `Index` expression reads at a row or level.
[<AbstractClass>]
type internal IndexNode() =
    /// The position in state `state` at row or level `index`.
    abstract At: state: float[] * index: int -> int

/// The node types of `ScalarNode` and `IndexNode` trees, and the scalar functions they apply.
[<RequireQualifiedAccess>]
module internal ScalarTree =

    let applyFn (f: Fn) (x: float) =
        match f with
        | Fn.Exp -> exp x
        | Fn.Log -> log x
        | Fn.Logit -> log (x / (1.0 - x))
        | Fn.InvLogit ->
            if x >= 0.0 then
                1.0 / (1.0 + exp (-x))
            else
                let e = exp x in e / (1.0 + e)
        | Fn.Sqrt -> sqrt x
        | Fn.Square -> x * x
        | Fn.Log1p -> MathNet.Numerics.SpecialFunctions.Log1p x
        | Fn.Abs -> abs x
        | Fn.Inverse -> 1.0 / x

    /// The index itself: a parameter over the scope's own group.
    [<Sealed>]
    type Same() =
        inherit IndexNode()
        override _.At(_, i) = i

    /// The level of an enclosing group at each row or level (`school` in row scope).
    [<Sealed>]
    type Mapped(levels: int[]) =
        inherit IndexNode()
        member _.Levels = levels
        override _.At(_, i) = levels.[i]

    /// A 1-based number computed from the state or data.
    [<Sealed>]
    type Numbered(f: ScalarNode) =
        inherit IndexNode()
        override _.At(s, i) = int (f.Eval(s, i)) - 1

    [<Sealed>]
    type Constant(x: float) =
        inherit ScalarNode()
        member _.Value = x
        override _.Eval(_, _) = x

    /// A value per row or level, fixed at compile time (a data column or a tabulated data expression).
    [<Sealed>]
    type Table(xs: float[]) =
        inherit ScalarNode()
        member _.Values = xs
        override _.Eval(_, i) = xs.[i]

    /// A group's level as a number (a `Group` expression read as a value).
    [<Sealed>]
    type LevelNumber(at: IndexNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = float (at.At(s, i))

    /// The copy of a parameter at the index (elementwise in its own scope).
    [<Sealed>]
    type StateAt(off: int) =
        inherit ScalarNode()
        member _.Offset = off
        override _.Eval(s, i) = s.[off + i]

    /// A single scalar parameter.
    [<Sealed>]
    type StateFixed(off: int) =
        inherit ScalarNode()
        member _.Offset = off
        override _.Eval(s, _) = s.[off]

    /// The copy of a parameter at the index's level of an enclosing group (`eta[school]` in row scope).
    [<Sealed>]
    type StateMapped(off: int, level: int[]) =
        inherit ScalarNode()
        override _.Eval(s, i) = s.[off + level.[i]]

    /// The copy of a parameter at a computed position.
    [<Sealed>]
    type StateIndexed(off: int, at: IndexNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = s.[off + at.At(s, i)]

    /// A global expression read from any scope.
    [<Sealed>]
    type AtZero(f: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, _) = f.Eval(s, 0)

    /// An expression evaluated at another index (a derived node over an enclosing group).
    [<Sealed>]
    type Remapped(f: ScalarNode, at: IndexNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = f.Eval(s, at.At(s, i))

    /// `x · β[g]` of K scalar expressions and the K coefficients of a vector parameter's copy, read in place, so a
    /// per-row linear predictor allocates nothing (the summation order of `Eval`'s dot product).
    [<Sealed>]
    type DotAt(xs: ScalarNode[], off: int, at: IndexNode) =
        inherit ScalarNode()

        override _.Eval(s, i) =
            let k = xs.Length
            let start = off + at.At(s, i) * k
            let mutable acc = 0.0

            for j in 0 .. k - 1 do
                acc <- acc + xs.[j].Eval(s, i) * s.[start + j]

            acc

    [<Sealed>]
    type Negate(f: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = -(f.Eval(s, i))

    [<Sealed>]
    type Applied(fn: Fn, f: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = applyFn fn (f.Eval(s, i))

    [<Sealed>]
    type Sum(x: ScalarNode, y: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = x.Eval(s, i) + y.Eval(s, i)

    [<Sealed>]
    type Difference(x: ScalarNode, y: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = x.Eval(s, i) - y.Eval(s, i)

    [<Sealed>]
    type Product(x: ScalarNode, y: ScalarNode) =
        inherit ScalarNode()
        member _.Operands = x, y
        override _.Eval(s, i) = x.Eval(s, i) * y.Eval(s, i)

    [<Sealed>]
    type Quotient(x: ScalarNode, y: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = x.Eval(s, i) / y.Eval(s, i)

    [<Sealed>]
    type Raised(x: ScalarNode, y: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = x.Eval(s, i) ** y.Eval(s, i)

    /// `a + b · c[i]` of a single a and b and a copy of c, the non-centred `mu + tau * eta[j]`, in one call (the
    /// same two operations as the tree of five it replaces).
    [<Sealed>]
    type Affine(a: int, b: int, c: int) =
        inherit ScalarNode()
        override _.Eval(s, i) = s.[a] + s.[b] * s.[c + i]

    /// The scalar value of an expression of another shape (`Value.scalar` of its compiled value).
    [<Sealed>]
    type Closure(f: float[] -> int -> float) =
        inherit ScalarNode()
        member _.Compiled = f
        override _.Eval(s, i) = f s i
