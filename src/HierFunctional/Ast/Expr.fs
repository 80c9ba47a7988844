namespace HierFunctional

/// A scalar link or transform function applied inside an expression.
[<RequireQualifiedAccess>]
type Fn =
    /// e^x.
    | Exp
    /// Natural logarithm.
    | Log
    /// log(p / (1 − p)).
    | Logit
    /// 1 / (1 + e^(−x)), the inverse of Logit.
    | InvLogit
    /// Square root.
    | Sqrt
    /// x².
    | Square
    /// log(1 + x), accurate for small x.
    | Log1p
    /// |x|.
    | Abs
    /// The inverse of a square matrix (1/x for a scalar), e.g. a precision matrix used as a covariance.
    | Inverse

/// A symbolic expression in the model tree. `let!` in the `model` computation expression binds one of these,
/// never a number, so the whole graph is known before any data or sampling and can be compared structurally.
[<CustomEquality; NoComparison>]
type Expr =
    /// A numeric constant.
    | Const of float
    /// A reference to a parameter or derived node by name (scalar, vector over a group, or fixed-size vector).
    | Param of name: string
    /// A reference to a data column by name: the row's value in an observation, the level's value inside a group plate.
    | Data of column: string
    /// The level index of a group column: the row's level for an observation, the enclosing level for a nested plate.
    | Group of column: string
    /// Element selection `vector[index]` where the index is a group or an integer data column.
    | Index of vector: Expr * index: Expr
    /// A fixed element `vector[k]` (0-based) of a vector-valued expression.
    | Elem of vector: Expr * position: int
    /// A literal vector built from scalar expressions.
    | Vector of Expr list
    /// A literal matrix built from rows of scalar expressions.
    | Matrix of Expr list list
    /// Unary minus.
    | Neg of Expr
    /// Sum.
    | Add of Expr * Expr
    /// Difference.
    | Sub of Expr * Expr
    /// Product.
    | Mul of Expr * Expr
    /// Quotient.
    | Div of Expr * Expr
    /// Power x^y.
    | Power of Expr * Expr
    /// A scalar function application.
    | Apply of Fn * Expr
    /// Dot product of two vector-valued expressions (e.g. a design-matrix row and a coefficient vector).
    | Dot of Expr * Expr

    // Structural equality written out so that floats compare by value (NaN = NaN) and trees stay usable as keys.
    override this.Equals(other: obj) =
        match other with
        | :? Expr as o -> Expr.StructurallyEqual(this, o)
        | _ -> false

    override this.GetHashCode() = Expr.Hash this

    static member private StructurallyEqual(a: Expr, b: Expr) : bool =
        match a, b with
        | Const x, Const y -> x.Equals y
        | Param x, Param y
        | Data x, Data y
        | Group x, Group y -> x = y
        | Index(v1, i1), Index(v2, i2) -> Expr.StructurallyEqual(v1, v2) && Expr.StructurallyEqual(i1, i2)
        | Elem(v1, k1), Elem(v2, k2) -> k1 = k2 && Expr.StructurallyEqual(v1, v2)
        | Vector xs, Vector ys -> Expr.ListsEqual(xs, ys)
        | Matrix xs, Matrix ys ->
            List.length xs = List.length ys
            && List.forall2 (fun x y -> Expr.ListsEqual(x, y)) xs ys
        | Neg x, Neg y -> Expr.StructurallyEqual(x, y)
        | Add(a1, b1), Add(a2, b2)
        | Sub(a1, b1), Sub(a2, b2)
        | Mul(a1, b1), Mul(a2, b2)
        | Div(a1, b1), Div(a2, b2)
        | Power(a1, b1), Power(a2, b2)
        | Dot(a1, b1), Dot(a2, b2) -> Expr.StructurallyEqual(a1, a2) && Expr.StructurallyEqual(b1, b2)
        | Apply(f1, x1), Apply(f2, x2) -> f1 = f2 && Expr.StructurallyEqual(x1, x2)
        | _ -> false

    static member private ListsEqual(xs: Expr list, ys: Expr list) =
        List.length xs = List.length ys
        && List.forall2 (fun x y -> Expr.StructurallyEqual(x, y)) xs ys

    static member private Hash(e: Expr) : int =
        let combine (h: int) (x: int) = (h * 31) + x

        match e with
        | Const x -> combine 1 (x.GetHashCode())
        | Param n -> combine 2 (n.GetHashCode())
        | Data n -> combine 3 (n.GetHashCode())
        | Group n -> combine 4 (n.GetHashCode())
        | Index(v, i) -> combine (combine 5 (Expr.Hash v)) (Expr.Hash i)
        | Elem(v, k) -> combine (combine 6 (Expr.Hash v)) k
        | Vector xs -> xs |> List.fold (fun h x -> combine h (Expr.Hash x)) 7
        | Matrix rows -> rows |> List.concat |> List.fold (fun h x -> combine h (Expr.Hash x)) 8
        | Neg x -> combine 9 (Expr.Hash x)
        | Add(a, b) -> combine (combine 10 (Expr.Hash a)) (Expr.Hash b)
        | Sub(a, b) -> combine (combine 11 (Expr.Hash a)) (Expr.Hash b)
        | Mul(a, b) -> combine (combine 12 (Expr.Hash a)) (Expr.Hash b)
        | Div(a, b) -> combine (combine 13 (Expr.Hash a)) (Expr.Hash b)
        | Power(a, b) -> combine (combine 14 (Expr.Hash a)) (Expr.Hash b)
        | Apply(f, x) -> combine (combine 15 (f.GetHashCode())) (Expr.Hash x)
        | Dot(a, b) -> combine (combine 16 (Expr.Hash a)) (Expr.Hash b)

    /// Lets a float stand wherever an Expr is expected (method arguments in F#, implicit conversion in C#).
    static member op_Implicit(x: float) : Expr = Const x

    /// Lets an int stand wherever an Expr is expected.
    static member op_Implicit(x: int) : Expr = Const(float x)

    /// Symbolic sum.
    static member (+)(a: Expr, b: Expr) = Add(a, b)
    /// Symbolic sum with a constant.
    static member (+)(a: Expr, b: float) = Add(a, Const b)
    /// Symbolic sum with a constant.
    static member (+)(a: float, b: Expr) = Add(Const a, b)
    /// Symbolic difference.
    static member (-)(a: Expr, b: Expr) = Sub(a, b)
    /// Symbolic difference with a constant.
    static member (-)(a: Expr, b: float) = Sub(a, Const b)
    /// Symbolic difference with a constant.
    static member (-)(a: float, b: Expr) = Sub(Const a, b)
    /// Symbolic product.
    static member (*)(a: Expr, b: Expr) = Mul(a, b)
    /// Symbolic product with a constant.
    static member (*)(a: Expr, b: float) = Mul(a, Const b)
    /// Symbolic product with a constant.
    static member (*)(a: float, b: Expr) = Mul(Const a, b)
    /// Symbolic quotient.
    static member (/)(a: Expr, b: Expr) = Div(a, b)
    /// Symbolic quotient with a constant.
    static member (/)(a: Expr, b: float) = Div(a, Const b)
    /// Symbolic quotient with a constant.
    static member (/)(a: float, b: Expr) = Div(Const a, b)
    /// Symbolic negation.
    static member (~-)(a: Expr) = Neg a
    /// Symbolic power (F# `**`).
    static member Pow(a: Expr, b: Expr) = Power(a, b)
    /// Symbolic power with a constant exponent (F# `**`).
    static member Pow(a: Expr, b: float) = Power(a, Const b)
    /// Symbolic e^x, so that F#'s `exp` works on Expr.
    static member Exp(a: Expr) = Apply(Fn.Exp, a)
    /// Symbolic natural log, so that F#'s `log` works on Expr.
    static member Log(a: Expr) = Apply(Fn.Log, a)
    /// Symbolic square root, so that F#'s `sqrt` works on Expr.
    static member Sqrt(a: Expr) = Apply(Fn.Sqrt, a)
    /// Symbolic absolute value, so that F#'s `abs` works on Expr.
    static member Abs(a: Expr) = Apply(Fn.Abs, a)

    /// `theta.[group "school"]`: index a group-level vector by a group (or integer) column.
    member this.Item
        with get (index: Expr) = Index(this, index)

    /// `beta.[1]`: the fixed element at a 0-based position of a vector-valued expression.
    member this.Item
        with get (position: int) = Elem(this, position)

/// Functions that build and inspect expressions.
[<RequireQualifiedAccess>]
module Expr =

    /// The immediate sub-expressions of an expression.
    let children (e: Expr) : Expr list =
        match e with
        | Const _
        | Param _
        | Data _
        | Group _ -> []
        | Elem(v, _)
        | Neg v
        | Apply(_, v) -> [ v ]
        | Vector xs -> xs
        | Matrix rows -> List.concat rows
        | Index(a, b)
        | Add(a, b)
        | Sub(a, b)
        | Mul(a, b)
        | Div(a, b)
        | Power(a, b)
        | Dot(a, b) -> [ a; b ]

    /// The expression with `f` applied to each immediate sub-expression (leaves unchanged): the one place a
    /// rewrite walks the tree's shape, so it only says what it does at the nodes it changes.
    let mapChildren (f: Expr -> Expr) (e: Expr) : Expr =
        match e with
        | Const _
        | Param _
        | Data _
        | Group _ -> e
        | Index(a, b) -> Index(f a, f b)
        | Elem(v, i) -> Elem(f v, i)
        | Vector xs -> Vector(List.map f xs)
        | Matrix rows -> Matrix(rows |> List.map (List.map f))
        | Neg a -> Neg(f a)
        | Add(a, b) -> Add(f a, f b)
        | Sub(a, b) -> Sub(f a, f b)
        | Mul(a, b) -> Mul(f a, f b)
        | Div(a, b) -> Div(f a, f b)
        | Power(a, b) -> Power(f a, f b)
        | Apply(g, a) -> Apply(g, f a)
        | Dot(a, b) -> Dot(f a, f b)

    /// The names a tree mentions at its leaves, as picked by `leaf`, distinct and in first-use order.
    let private names (leaf: Expr -> string option) (e: Expr) : string list =
        let rec go e =
            match leaf e with
            | Some n -> [ n ]
            | None -> children e |> List.collect go

        go e |> List.distinct

    /// The names of parameters and derived nodes an expression refers to, in first-use order.
    let paramRefs (e: Expr) : string list =
        e
        |> names (function
            | Param n -> Some n
            | _ -> None)

    /// The data columns an expression reads, including group columns used as indices, in first-use order.
    let columnRefs (e: Expr) : string list =
        e
        |> names (function
            | Data c
            | Group c -> Some c
            | _ -> None)

    /// True when the expression mentions the named parameter anywhere.
    let dependsOn (name: string) (e: Expr) = paramRefs e |> List.contains name

    /// The constant value of an expression with no parameter or data references, if it has one.
    let rec tryConstant (e: Expr) : float option =
        let lift2 f a b =
            match tryConstant a, tryConstant b with
            | Some x, Some y -> Some(f x y)
            | _ -> None

        match e with
        | Const x -> Some x
        | Neg a -> tryConstant a |> Option.map (fun x -> -x)
        | Add(a, b) -> lift2 (+) a b
        | Sub(a, b) -> lift2 (-) a b
        | Mul(a, b) -> lift2 (*) a b
        | Div(a, b) -> lift2 (/) a b
        | Power(a, b) -> lift2 (fun x y -> x ** y) a b
        | Apply(f, a) ->
            tryConstant a
            |> Option.map (fun x ->
                match f with
                | Fn.Exp -> exp x
                | Fn.Log -> log x
                | Fn.Logit -> log (x / (1.0 - x))
                | Fn.InvLogit -> 1.0 / (1.0 + exp (-x))
                | Fn.Sqrt -> sqrt x
                | Fn.Square -> x * x
                | Fn.Log1p -> System.Math.Log(1.0 + x)
                | Fn.Abs -> abs x
                | Fn.Inverse -> 1.0 / x)
        | _ -> None

/// Expression builders that read like the math; open this (or `open HierFunctional`) in model code.
[<AutoOpen>]
module ExprFunctions =
    /// A reference to a data column (a row's value, or a level's value inside a group plate).
    let data (column: string) = Data column
    /// The level index of a group column, for indexing a group-level vector: `theta.[group "school"]`.
    let group (column: string) = Group column
    /// A numeric constant as an expression.
    let constant (x: float) = Const x
    /// log(p / (1 − p)).
    let logit (e: Expr) = Apply(Fn.Logit, e)
    /// 1 / (1 + e^(−x)).
    let invLogit (e: Expr) = Apply(Fn.InvLogit, e)
    /// x².
    let square (e: Expr) = Apply(Fn.Square, e)
    /// log(1 + x).
    let log1p (e: Expr) = Apply(Fn.Log1p, e)
    /// Dot product of two vector-valued expressions, e.g. `dot (data "X") beta` for a regression.
    let dot (a: Expr) (b: Expr) = Dot(a, b)
    /// The inverse of a matrix-valued expression (1/x for a scalar): `MvNormal(mu, inverse lambda)` gives an
    /// MvNormal with precision matrix lambda, which a Wishart prior on lambda updates in closed form.
    let inverse (e: Expr) = Apply(Fn.Inverse, e)

    /// A literal vector of expressions, e.g. `vector [ constant 1.0; data "Days" ]`.
    let vector (xs: Expr list) = Vector xs
    /// A literal matrix of expressions given by rows.
    let matrix (rows: Expr list list) = Matrix rows
