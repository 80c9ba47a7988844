namespace HierFunctional

/// Where one evaluation happens: once globally, in one data row, or in one level of a group (indices 0-based).
[<RequireQualifiedAccess>]
type internal Context =
    /// The whole model (scalar and fixed-size nodes).
    | Global
    /// One data row.
    | Row of row: int
    /// One level of a group column.
    | Level of group: string * level: int

/// Evaluation of expressions against a bound model and a constrained state. Expressions are compiled once, scalar
/// ones into `ScalarNode` trees and others into closures `state -> index -> value` (index = the row or level,
/// ignored globally), so repeated evaluation in a sampler does no tree walking over `Expr` or name lookup.
[<RequireQualifiedAccess>]
module internal Eval =

    /// A compiled expression: state, then row/level index (0 in global scope).
    type Compiled<'T> = float[] -> int -> 'T

    let private binop (e: Expr) : (float -> float -> float) option =
        match e with
        | Add _ -> Some (+)
        | Sub _ -> Some (-)
        | Mul _ -> Some (*)
        | Div _ -> Some (/)
        | Power _ -> Some(fun a b -> a ** b)
        | _ -> None

    let private operands (e: Expr) =
        match e with
        | Add(a, b)
        | Sub(a, b)
        | Mul(a, b)
        | Div(a, b)
        | Power(a, b) -> a, b
        | _ -> invalidArg "e" "not a binary operation"

    /// The shape-inference environment of a bound model.
    let env (b: Bound) : Shapes.Env =
        {
            Nodes = b.NodeMap
            Columns =
                b.Data.Columns
                |> List.choose (fun (n, c) ->
                    match c with
                    | Column.Reals _
                    | Column.Integers _ -> Some(n, Shape.Scalar)
                    | Column.Matrix a -> Some(n, Shape.Vector(Array2D.length2 a))
                    | Column.Labels _ -> None)
                |> Map.ofList
            Rows = b.Rows
        }

    let shapeIn (b: Bound) (scope: Scope) (e: Expr) =
        match Shapes.infer (env b) scope e with
        | Ok s -> s
        | Error m -> invalidArg "e" $"expression {e} cannot be evaluated here: {m}"

    let private mapValue (f: float -> float) (v: Value) =
        match v with
        | Value.Scalar x -> Value.Scalar(f x)
        | Value.Vector xs -> Value.Vector(Array.map f xs)
        | Value.Matrix m -> Value.Matrix(Array2D.map f m)

    let private zipValue (f: float -> float -> float) (a: Value) (b: Value) =
        match a, b with
        | Value.Scalar x, v -> mapValue (f x) v
        | v, Value.Scalar y -> mapValue (fun x -> f x y) v
        | Value.Vector xs, Value.Vector ys -> Value.Vector(Array.map2 f xs ys)
        | Value.Matrix xs, Value.Matrix ys ->
            Value.Matrix(Array2D.init (Array2D.length1 xs) (Array2D.length2 xs) (fun i j -> f xs.[i, j] ys.[i, j]))
        | _ -> invalidArg "b" "operands of different shapes"

    let private dotValue (a: Value) (b: Value) =
        match a, b with
        | Value.Vector xs, Value.Vector ys ->
            // Local accumulation in a hot path.
            let mutable acc = 0.0

            for k in 0 .. xs.Length - 1 do
                acc <- acc + xs.[k] * ys.[k]

            Value.Scalar acc
        | Value.Matrix m, Value.Vector ys ->
            Value.Vector(
                Array.init (Array2D.length1 m) (fun i ->
                    Seq.sum (seq { for k in 0 .. ys.Length - 1 -> m.[i, k] * ys.[k] }))
            )
        | _ -> invalidArg "b" "dot of incompatible shapes"

    /// Packs copies of an event into one value: a vector of scalars or a copies × K matrix.
    let stackCopies (event: Shape) (copies: Value[]) : Value =
        match event with
        | Shape.Scalar -> Value.Vector(copies |> Array.map Value.scalar)
        | Shape.Vector k -> Value.Matrix(Array2D.init copies.Length k (fun i j -> (Value.vector copies.[i]).[j]))
        | Shape.Matrix _ -> invalidArg "event" "copies of matrices cannot be stacked"

    /// Reads one copy of a parameter from the constrained state.
    let readCopy (b: Bound) (info: NodeInfo) (state: float[]) (copy: int) : Value =
        let off = b.Layout.Offsets.[info.Node.Name] + copy * Bound.shapeSize info.Event

        match info.Event with
        | Shape.Scalar -> Value.Scalar state.[off]
        | Shape.Vector k -> Value.Vector(Array.sub state off k)
        | Shape.Matrix(r, c) -> Value.Matrix(Array2D.init r c (fun i j -> state.[off + i * c + j]))

    /// A column's value in each level of group g. Bind resolves it for every node over g; an expression that
    /// `Graph.expand` inlined from a derived node over an enclosing group h reads it at g too, and then it is the value
    /// of h's level containing each g level (constant within h, so within g, which is nested in h).
    let levelColumn (b: Bound) (column: string) (g: string) : float[] =
        match b.LevelValues.TryFind((column, g)) with
        | Some xs -> xs
        | None ->
            b.LevelValues
            |> Map.toSeq
            |> Seq.tryPick (fun ((c, h), xs) ->
                if c = column then
                    b.Nesting.TryFind((g, h)) |> Option.map (Array.map (fun l -> xs.[l]))
                else
                    None)
            |> Option.defaultWith (fun () ->
                invalidArg
                    (nameof column)
                    $"data \"{column}\" has no value per level of '{g}': it is not bound for '{g}' or a group enclosing it")

    /// The most copies a data-only expression is tabulated for; beyond it, evaluating per call saves the memory.
    [<Literal>]
    let private TabulateUpTo = 1048576

    /// An arithmetic expression of constants and data columns only: its value per row or level never changes.
    let rec private dataArithmetic (e: Expr) =
        match e with
        | Const _
        | Data _ -> true
        | Neg a
        | Apply(_, a) -> dataArithmetic a
        | Add(x, y)
        | Sub(x, y)
        | Mul(x, y)
        | Div(x, y)
        | Power(x, y) -> dataArithmetic x && dataArithmetic y
        | _ -> false

    let rec private firstColumn (e: Expr) =
        match e with
        | Data c -> Some c
        | Neg a
        | Apply(_, a) -> firstColumn a
        | Add(x, y)
        | Sub(x, y)
        | Mul(x, y)
        | Div(x, y)
        | Power(x, y) -> firstColumn x |> Option.orElse (firstColumn y)
        | _ -> None

    /// The number of copies to tabulate a composite data-only expression over (rows, or levels of the scope's
    /// group), or ValueNone: a linear predictor's `log(Base/4)` is then read from an array instead of recomputed
    /// through its closures on every call, with the same value bit for bit.
    let tableLength (b: Bound) (scope: Scope) (e: Expr) : int voption =
        match e with
        | Neg _
        | Apply _
        | Add _
        | Sub _
        | Mul _
        | Div _
        | Power _ when dataArithmetic e && shapeIn b scope e = Shape.Scalar ->
            let n =
                match scope, firstColumn e with
                | Scope.Row, Some c -> b.Numeric.[c].Length
                | Scope.Level g, Some c -> (levelColumn b c g).Length
                | _ -> 0

            if n > 0 && n <= TabulateUpTo then
                ValueSome n
            else
                ValueNone
        | _ -> ValueNone

    /// Compiles a scalar-valued expression in a scope into a tree of evaluator objects.
    let rec compileNode (b: Bound) (scope: Scope) (e: Expr) : ScalarNode =
        match tableLength b scope e with
        | ValueSome n ->
            let f = directNode b scope e
            let noState: float[] = [||]
            ScalarTree.Table(Array.init n (fun i -> f.Eval(noState, i)))
        | ValueNone -> directNode b scope e

    and private directNode (b: Bound) (scope: Scope) (e: Expr) : ScalarNode =
        match e with
        | Const x -> ScalarTree.Constant x
        | Data c ->
            match scope with
            | Scope.Row -> ScalarTree.Table b.Numeric.[c]
            | Scope.Level g -> ScalarTree.Table(levelColumn b c g)
            | Scope.Global -> invalidArg "e" $"data \"{c}\" is a whole column in global scope, not a scalar"
        | Group _ -> ScalarTree.LevelNumber(indexNode b scope e)
        | Param p ->
            let info = Bound.node b p

            match info.Node.Kind, Shapes.isElementwise info scope, info.Event with
            | NodeKind.Parameter _, true, Shape.Scalar -> ScalarTree.StateAt b.Layout.Offsets.[p]
            | NodeKind.Parameter _, false, Shape.Scalar when info.Node.Plate = Plate.Scalar ->
                ScalarTree.StateFixed b.Layout.Offsets.[p]
            | NodeKind.Derived d, true, Shape.Scalar -> compileNode b scope d
            | NodeKind.Derived d, false, Shape.Scalar when info.Node.Plate = Plate.Scalar ->
                ScalarTree.AtZero(compileNode b Scope.Global d)
            | _ -> viaValue b scope e
        | Index(Param p, idx) when (Bound.node b p).Event = Shape.Scalar ->
            let info = Bound.node b p

            match info.Node.Kind, info.Node.Plate, indexNode b scope idx with
            | NodeKind.Parameter _, _, :? ScalarTree.Same -> ScalarTree.StateAt b.Layout.Offsets.[p]
            | NodeKind.Parameter _, _, (:? ScalarTree.Mapped as m) ->
                ScalarTree.StateMapped(b.Layout.Offsets.[p], m.Levels)
            | NodeKind.Parameter _, _, at -> ScalarTree.StateIndexed(b.Layout.Offsets.[p], at)
            | NodeKind.Derived d, (Plate.Over _ | Plate.Rows), :? ScalarTree.Same -> compileNode b info.Scope d
            | NodeKind.Derived d, (Plate.Over _ | Plate.Rows), at -> ScalarTree.Remapped(compileNode b info.Scope d, at)
            | _ -> viaValue b scope e
        | Dot(Vector xs, Index(Param p, idx)) when
            (let info = Bound.node b p
             info.Node.Kind.IsParameter && info.Event = Shape.Vector xs.Length)
            ->
            let fs = xs |> List.map (compileNode b scope) |> Array.ofList
            ScalarTree.DotAt(fs, b.Layout.Offsets.[p], indexNode b scope idx)
        | Neg a -> ScalarTree.Negate(compileNode b scope a)
        | Apply(fn, a) -> ScalarTree.Applied(fn, compileNode b scope a)
        | Add(x, y) when shapeIn b scope e = Shape.Scalar ->
            match compileNode b scope x, compileNode b scope y with
            | (:? ScalarTree.StateFixed as a), (:? ScalarTree.Product as p) ->
                match p.Operands with
                | (:? ScalarTree.StateFixed as t), (:? ScalarTree.StateAt as c) ->
                    ScalarTree.Affine(a.Offset, t.Offset, c.Offset)
                | _ -> ScalarTree.Sum(a, p)
            | fx, fy -> ScalarTree.Sum(fx, fy)
        | Sub(x, y) when shapeIn b scope e = Shape.Scalar ->
            ScalarTree.Difference(compileNode b scope x, compileNode b scope y)
        | Mul(x, y) when shapeIn b scope e = Shape.Scalar ->
            ScalarTree.Product(compileNode b scope x, compileNode b scope y)
        | Div(x, y) when shapeIn b scope e = Shape.Scalar ->
            ScalarTree.Quotient(compileNode b scope x, compileNode b scope y)
        | Power(x, y) when shapeIn b scope e = Shape.Scalar ->
            ScalarTree.Raised(compileNode b scope x, compileNode b scope y)
        | _ -> viaValue b scope e

    and private viaValue b scope e =
        let f = compileValue b scope e
        ScalarTree.Closure(fun s i -> Value.scalar (f s i))

    /// Compiles an index expression to a 0-based position: group levels as they are, numbers as 1-based.
    and private indexNode (b: Bound) (scope: Scope) (idx: Expr) : IndexNode =
        match idx, scope with
        | Group g, Scope.Row -> ScalarTree.Mapped b.Groups.[g].RowLevel
        | Group g, Scope.Level h when h = g -> ScalarTree.Same()
        | Group g, Scope.Level h -> ScalarTree.Mapped b.Nesting.[(h, g)]
        | Group g, Scope.Global -> invalidArg "g" $"group '{g}' has no level in global scope"
        | _ -> ScalarTree.Numbered(compileNode b scope idx)

    /// Compiles a scalar-valued expression in a scope into a closure (a leaf directly, anything else through its
    /// tree).
    and compileScalar (b: Bound) (scope: Scope) (e: Expr) : Compiled<float> =
        match compileNode b scope e with
        | :? ScalarTree.Constant as c -> let x = c.Value in fun _ _ -> x
        | :? ScalarTree.Table as t -> let xs = t.Values in fun _ i -> xs.[i]
        | :? ScalarTree.StateAt as a -> let off = a.Offset in fun s i -> s.[off + i]
        | :? ScalarTree.StateFixed as a -> let off = a.Offset in fun s _ -> s.[off]
        | :? ScalarTree.Closure as f -> f.Compiled
        | n -> fun s i -> n.Eval(s, i)

    /// Compiles an index expression to a 0-based position: group levels as they are, numbers as 1-based.
    and compileIndex (b: Bound) (scope: Scope) (idx: Expr) : Compiled<int> =
        match indexNode b scope idx with
        | :? ScalarTree.Same -> fun _ i -> i
        | :? ScalarTree.Mapped as m -> let levels = m.Levels in fun _ i -> levels.[i]
        | at -> fun s i -> at.At(s, i)

    /// The value of all copies of a node taken together (see Shapes.stacked).
    and compileStacked (b: Bound) (p: string) : float[] -> Value =
        let info = Bound.node b p

        match info.Node.Kind, info.Node.Plate with
        | NodeKind.Parameter _, Plate.Scalar -> fun s -> readCopy b info s 0
        | NodeKind.Parameter _, _ -> fun s -> Array.init info.Copies (readCopy b info s) |> stackCopies info.Event
        | NodeKind.Derived d, (Plate.Scalar | Plate.Sized _) ->
            let f = compileValue b Scope.Global d
            fun s -> f s 0
        | NodeKind.Derived d, _ ->
            let f = compileValue b info.Scope d
            fun s -> Array.init info.Copies (f s) |> stackCopies info.Event
        | _ -> invalidArg "p" $"'{p}' is not a parameter or derived node"

    /// Compiles an expression of any shape in a scope.
    and compileValue (b: Bound) (scope: Scope) (e: Expr) : Compiled<Value> =
        let shape = shapeIn b scope e

        match e, shape with
        | _, Shape.Scalar when
            (match e with
             | Param _
             | Index _
             | Elem _
             | Dot _ -> false
             | _ -> true)
            ->
            let f = compileScalar b scope e
            fun s i -> Value.Scalar(f s i)
        | Param p, _ ->
            let info = Bound.node b p

            match info.Node.Kind, Shapes.isElementwise info scope with
            | NodeKind.Parameter _, true -> fun s i -> readCopy b info s i
            | NodeKind.Derived d, true -> compileValue b scope d
            | _ ->
                let f = compileStacked b p
                fun s _ -> f s
        | Data c, _ ->
            match scope, b.Numeric.TryFind c, b.Matrices.TryFind c with
            | Scope.Row, _, Some m -> fun _ i -> Value.Vector(Array.init (Array2D.length2 m) (fun j -> m.[i, j]))
            | Scope.Global, Some xs, _ -> fun _ _ -> Value.Vector xs
            | Scope.Global, _, Some m -> fun _ _ -> Value.Matrix m
            | _ -> invalidArg "e" $"data \"{c}\" cannot be evaluated as {shape} here"
        | Index(v, idx), _ ->
            let fv =
                match v with
                | Param p -> (let f = compileStacked b p in fun s _ -> f s)
                | _ -> compileValue b scope v

            let at = compileIndex b scope idx

            fun s i ->
                match fv s i with
                | Value.Vector xs -> Value.Scalar xs.[at s i]
                | Value.Matrix m -> let r = at s i in Value.Vector(Array.init (Array2D.length2 m) (fun j -> m.[r, j]))
                | Value.Scalar _ -> invalidArg "e" "indexing a scalar"
        | Elem(v, k), _ ->
            let fv = compileValue b scope v

            fun s i ->
                match fv s i with
                | Value.Vector xs -> Value.Scalar xs.[k]
                | Value.Matrix m -> Value.Vector(Array.init (Array2D.length2 m) (fun j -> m.[k, j]))
                | Value.Scalar _ -> invalidArg "e" "element of a scalar"
        | Vector xs, _ ->
            let fs = xs |> List.map (compileScalar b scope) |> Array.ofList
            fun s i -> Value.Vector(fs |> Array.map (fun f -> f s i))
        | Matrix rows, _ ->
            let fs =
                rows
                |> List.map (List.map (compileScalar b scope) >> Array.ofList)
                |> Array.ofList

            fun s i -> Value.Matrix(Array2D.init fs.Length fs.[0].Length (fun r c -> fs.[r].[c] s i))
        | Neg a, _ ->
            let f = compileValue b scope a
            fun s i -> mapValue (~-) (f s i)
        | Apply(Fn.Inverse, a), _ ->
            let f = compileValue b scope a

            fun s i ->
                match f s i with
                | Value.Matrix m ->
                    Value.Matrix(
                        (MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.DenseOfArray m).Inverse().ToArray()
                    )
                | v -> mapValue (fun x -> 1.0 / x) v
        | Apply(fn, a), _ ->
            let f = compileValue b scope a
            fun s i -> mapValue (ScalarTree.applyFn fn) (f s i)
        | Dot(x, y), _ ->
            let fx, fy = compileValue b scope x, compileValue b scope y
            fun s i -> dotValue (fx s i) (fy s i)
        | _, _ ->
            let x, y = operands e
            let op = (binop e).Value
            let fx, fy = compileValue b scope x, compileValue b scope y
            fun s i -> zipValue op (fx s i) (fy s i)

    /// The 0-based level of group `g` in a scope, as a function of the row/level index.
    let groupLevel (b: Bound) (scope: Scope) (g: string) : int -> int =
        match indexNode b scope (Group g) with
        | :? ScalarTree.Mapped as m -> let levels = m.Levels in fun i -> levels.[i]
        | _ -> id

    let private scopeAndIndex (ctx: Context) =
        match ctx with
        | Context.Global -> Scope.Global, 0
        | Context.Row r -> Scope.Row, r
        | Context.Level(g, l) -> Scope.Level g, l

    /// Evaluates an expression once in a context (compiles it first; compile once and reuse in loops).
    let eval (b: Bound) (state: float[]) (ctx: Context) (e: Expr) : Value =
        let scope, i = scopeAndIndex ctx
        compileValue b scope e state i

    /// Evaluates a scalar expression once in a context.
    let evalScalar (b: Bound) (state: float[]) (ctx: Context) (e: Expr) : float =
        let scope, i = scopeAndIndex ctx
        compileScalar b scope e state i

    /// The value of a parameter or derived node with all its copies together (vector over its group, etc.).
    let nodeValue (b: Bound) (state: float[]) (name: string) : Value = compileStacked b name state

    /// Compiles one copy of a parameter or derived node: `copy state index`.
    let compileCopy (b: Bound) (name: string) : Compiled<Value> =
        let info = Bound.node b name

        match info.Node.Kind, info.Node.Plate with
        | NodeKind.Parameter _, _ -> fun s i -> readCopy b info s i
        | NodeKind.Derived d, Plate.Sized _ ->
            let f = compileValue b Scope.Global d
            fun s i -> Value.Scalar((Value.vector (f s 0)).[i])
        | NodeKind.Derived d, _ -> compileValue b info.Scope d
        | _ -> invalidArg "name" $"'{name}' is not a parameter or derived node"
