namespace HierFunctional

/// A scalar expression compiled into a tree of evaluator objects: one virtual call a node, where `Eval`'s curried
/// closures pay a type test and an indirect call a node (`InvokeFast`). For code that evaluates the same
/// expression for every kept draw, as recording a derived node does.
[<AbstractClass>]
type internal ScalarNode() =
    /// The value in state `state` at row or level `index` (0 in global scope).
    abstract Eval: state: float[] * index: int -> float

/// Compiles scalar expressions into `ScalarNode` trees with the values `Eval.compileScalar` gives, bit for bit: the
/// same operations on the same operands in the same order, the same data tables. Shapes it does not handle are
/// evaluated by `Eval.compileScalar` inside the tree.
[<RequireQualifiedAccess>]
module internal ScalarTree =

    [<Sealed>]
    type private Constant(x: float) =
        inherit ScalarNode()
        override _.Eval(_, _) = x

    /// A value per row or level, fixed at compile time (a data column or a tabulated data expression).
    [<Sealed>]
    type private Table(xs: float[]) =
        inherit ScalarNode()
        override _.Eval(_, i) = xs.[i]

    /// The copy of a parameter at the index (elementwise in its own scope).
    [<Sealed>]
    type private StateAt(off: int) =
        inherit ScalarNode()
        member _.Offset = off
        override _.Eval(s, i) = s.[off + i]

    /// A single scalar parameter.
    [<Sealed>]
    type private StateFixed(off: int) =
        inherit ScalarNode()
        member _.Offset = off
        override _.Eval(s, _) = s.[off]

    /// The copy of a parameter at the index's level of an enclosing group (`eta[school]` in row scope).
    [<Sealed>]
    type private StateMapped(off: int, level: int[]) =
        inherit ScalarNode()
        override _.Eval(s, i) = s.[off + level.[i]]

    /// A global expression read from any scope.
    [<Sealed>]
    type private AtZero(f: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, _) = f.Eval(s, 0)

    /// An expression evaluated at another index (a derived node over an enclosing group).
    [<Sealed>]
    type private Remapped(f: ScalarNode, level: int[]) =
        inherit ScalarNode()
        override _.Eval(s, i) = f.Eval(s, level.[i])

    [<Sealed>]
    type private Negate(f: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = -(f.Eval(s, i))

    [<Sealed>]
    type private Applied(fn: Fn, f: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = Eval.applyFn fn (f.Eval(s, i))

    [<Sealed>]
    type private Sum(x: ScalarNode, y: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = x.Eval(s, i) + y.Eval(s, i)

    [<Sealed>]
    type private Difference(x: ScalarNode, y: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = x.Eval(s, i) - y.Eval(s, i)

    [<Sealed>]
    type private Product(x: ScalarNode, y: ScalarNode) =
        inherit ScalarNode()
        member _.Operands = x, y

        override _.Eval(s, i) = x.Eval(s, i) * y.Eval(s, i)

    [<Sealed>]
    type private Quotient(x: ScalarNode, y: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = x.Eval(s, i) / y.Eval(s, i)

    [<Sealed>]
    type private Raised(x: ScalarNode, y: ScalarNode) =
        inherit ScalarNode()
        override _.Eval(s, i) = x.Eval(s, i) ** y.Eval(s, i)

    /// `a + b · c[i]` of a single a and b and a copy of c, the non-centred `mu + tau * eta[j]`, in one call (the
    /// same two operations as the tree of five it replaces).
    [<Sealed>]
    type private Affine(a: int, b: int, c: int) =
        inherit ScalarNode()
        override _.Eval(s, i) = s.[a] + s.[b] * s.[c + i]

    /// Anything else, through `Eval`'s closure.
    [<Sealed>]
    type private Closure(f: Eval.Compiled<float>) =
        inherit ScalarNode()
        override _.Eval(s, i) = f s i

    /// The level of group g at each index of a scope as a map (None: the scope is g's own, the identity), as
    /// `Eval.groupLevel` reads it; ValueNone in global scope, where g has no level.
    let private levelMap (b: Bound) (scope: Scope) (g: string) : int[] option voption =
        match scope with
        | Scope.Row -> ValueSome(Some b.Groups.[g].RowLevel)
        | Scope.Level h when h = g -> ValueSome None
        | Scope.Level h -> ValueSome(Some b.Nesting.[(h, g)])
        | Scope.Global -> ValueNone

    let private fallback (b: Bound) (scope: Scope) (e: Expr) : ScalarNode = Closure(Eval.compileScalar b scope e)

    /// Compiles a scalar-valued expression in a scope (the cases of `Eval.compileScalar`, in its order).
    let rec compile (b: Bound) (scope: Scope) (e: Expr) : ScalarNode =
        match Eval.tableLength b scope e with
        | ValueSome n ->
            let f = Eval.compileScalar b scope e
            let noState: float[] = [||]
            Table(Array.init n (f noState))
        | ValueNone -> direct b scope e

    and private direct (b: Bound) (scope: Scope) (e: Expr) : ScalarNode =
        match e with
        | Const x -> Constant x
        | Data c ->
            match scope with
            | Scope.Row -> Table b.Numeric.[c]
            | Scope.Level g -> Table(Eval.levelColumn b c g)
            | Scope.Global -> fallback b scope e
        | Param p ->
            let info = Bound.node b p

            match info.Node.Kind, Shapes.isElementwise info scope, info.Event with
            | NodeKind.Parameter _, true, Shape.Scalar -> StateAt b.Layout.Offsets.[p]
            | NodeKind.Parameter _, false, Shape.Scalar when info.Node.Plate = Plate.Scalar ->
                StateFixed b.Layout.Offsets.[p]
            | NodeKind.Derived d, true, Shape.Scalar -> compile b scope d
            | NodeKind.Derived d, false, Shape.Scalar when info.Node.Plate = Plate.Scalar ->
                AtZero(compile b Scope.Global d)
            | _ -> fallback b scope e
        | Index(Param p, Group g) when (Bound.node b p).Event = Shape.Scalar ->
            let info = Bound.node b p

            match info.Node.Kind, info.Node.Plate, levelMap b scope g with
            | NodeKind.Parameter _, _, ValueSome None -> StateAt b.Layout.Offsets.[p]
            | NodeKind.Parameter _, _, ValueSome(Some level) -> StateMapped(b.Layout.Offsets.[p], level)
            | NodeKind.Derived d, (Plate.Over _ | Plate.Rows), ValueSome None -> compile b info.Scope d
            | NodeKind.Derived d, (Plate.Over _ | Plate.Rows), ValueSome(Some level) ->
                Remapped(compile b info.Scope d, level)
            | _ -> fallback b scope e
        | Neg a -> Negate(compile b scope a)
        | Apply(fn, a) -> Applied(fn, compile b scope a)
        | Add(x, y) when Eval.shapeIn b scope e = Shape.Scalar ->
            match compile b scope x, compile b scope y with
            | (:? StateFixed as a), (:? Product as p) ->
                match p.Operands with
                | (:? StateFixed as t), (:? StateAt as c) -> Affine(a.Offset, t.Offset, c.Offset)
                | _ -> Sum(a, p)
            | fx, fy -> Sum(fx, fy)
        | Sub(x, y) when Eval.shapeIn b scope e = Shape.Scalar -> Difference(compile b scope x, compile b scope y)
        | Mul(x, y) when Eval.shapeIn b scope e = Shape.Scalar -> Product(compile b scope x, compile b scope y)
        | Div(x, y) when Eval.shapeIn b scope e = Shape.Scalar -> Quotient(compile b scope x, compile b scope y)
        | Power(x, y) when Eval.shapeIn b scope e = Shape.Scalar -> Raised(compile b scope x, compile b scope y)
        | _ -> fallback b scope e
