namespace HierFunctional

/// Shape inference for expressions and distributions in a scope, used when binding a model to data.
[<RequireQualifiedAccess>]
module internal Shapes =

    /// All sub-expressions of an expression, the expression itself first.
    let rec subExprs (e: Expr) : Expr list =
        e
        :: (match e with
            | Const _
            | Param _
            | Data _
            | Group _ -> []
            | Index(a, b)
            | Add(a, b)
            | Sub(a, b)
            | Mul(a, b)
            | Div(a, b)
            | Power(a, b)
            | Dot(a, b) -> subExprs a @ subExprs b
            | Elem(a, _)
            | Neg a
            | Apply(_, a) -> subExprs a
            | Vector xs -> List.collect subExprs xs
            | Matrix rows -> rows |> List.concat |> List.collect subExprs)

    /// The group columns an expression uses through `group "g"`.
    let groupRefs (e: Expr) =
        subExprs e
        |> List.choose (function
            | Group g -> Some g
            | _ -> None)
        |> List.distinct

    /// The data columns an expression reads through `data "c"`.
    let dataRefs (e: Expr) =
        subExprs e
        |> List.choose (function
            | Data c -> Some c
            | _ -> None)
        |> List.distinct

    /// The scope a node's expressions are evaluated in.
    let scopeOf (n: Node) : Scope =
        match n.Kind, n.Plate with
        | NodeKind.Observed _, _
        | _, Plate.Rows -> Scope.Row
        | _, Plate.Over g -> Scope.Level g
        | _ -> Scope.Global

    /// The value a reference to a node has when all its copies are taken together: the event itself for a
    /// single-copy node, else a vector (scalar events) or a copies × K matrix (vector events).
    let stacked (n: NodeInfo) : Result<Shape, string> =
        match n.Node.Plate, n.Event with
        | Plate.Scalar, ev -> Ok ev
        | _, Shape.Scalar -> Ok(Shape.Vector n.Copies)
        | _, Shape.Vector k -> Ok(Shape.Matrix(n.Copies, k))
        | _, Shape.Matrix _ ->
            Error $"'{n.Node.Name}' is a matrix per copy, which cannot be referenced as a whole; index it"

    /// True when a bare reference to the node inside the scope means the node's own copy (same group or row).
    let isElementwise (n: NodeInfo) (scope: Scope) =
        match n.Node.Plate, scope with
        | Plate.Over g, Scope.Level h -> g = h
        | Plate.Rows, Scope.Row -> true
        | _ -> false

    /// What the shape inference needs to know about columns and nodes declared so far.
    type Env =
        {
            /// Nodes resolved so far.
            Nodes: Map<string, NodeInfo>
            /// Column shapes in a row: scalars for numeric columns, vectors for matrix columns.
            Columns: Map<string, Shape>
            /// The number of data rows.
            Rows: int
        }

    let private show (s: Shape) =
        match s with
        | Shape.Scalar -> "a scalar"
        | Shape.Vector k -> $"a vector of length {k}"
        | Shape.Matrix(r, c) -> $"a {r}×{c} matrix"

    let private broadcast (op: string) (a: Shape) (b: Shape) =
        match a, b with
        | Shape.Scalar, s
        | s, Shape.Scalar -> Ok s
        | x, y when x = y -> Ok x
        | x, y -> Error $"'{op}' combines {show x} with {show y}"

    let private dataShape (env: Env) (scope: Scope) (c: string) =
        match env.Columns.TryFind c, scope with
        | None, _ -> Error $"data column '{c}' is not in the data set"
        | Some Shape.Scalar, Scope.Global -> Ok(Shape.Vector env.Rows)
        | Some(Shape.Vector k), Scope.Global -> Ok(Shape.Matrix(env.Rows, k))
        | Some s, Scope.Row -> Ok s
        | Some Shape.Scalar, Scope.Level _ -> Ok Shape.Scalar
        | Some _, Scope.Level g -> Error $"matrix column '{c}' cannot be used as a value of a level of '{g}'"
        | Some s, Scope.Global -> Error $"column '{c}' of {show s} per row cannot be used whole"

    /// The shape of an expression evaluated in a scope, or a sentence saying what is wrong with it.
    let rec infer (env: Env) (scope: Scope) (e: Expr) : Result<Shape, string> =
        let bind f r = Result.bind f r

        let inferBoth op a b =
            infer env scope a |> bind (fun x -> infer env scope b |> bind (broadcast op x))

        match e with
        | Const _ -> Ok Shape.Scalar
        | Param p ->
            match env.Nodes.TryFind p with
            | None -> Error $"'{p}' is not a parameter or derived node declared before this one"
            | Some n when isElementwise n scope -> Ok n.Event
            | Some n -> stacked n
        | Data c -> dataShape env scope c
        | Group g ->
            match scope with
            | Scope.Global ->
                Error $"group '{g}' has no single level here; use it inside an observed node or a node over a group"
            | _ -> Ok Shape.Scalar
        | Index(v, idx) -> inferIndex env scope v idx
        | Elem(v, k) ->
            match infer env scope v with
            | Ok(Shape.Vector n) when k >= 0 && k < n -> Ok Shape.Scalar
            | Ok(Shape.Matrix(r, c)) when k >= 0 && k < r -> Ok(Shape.Vector c)
            | Ok s -> Error $"element {k} (0-based) of {show s} does not exist"
            | Error m -> Error m
        | Vector xs ->
            xs
            |> List.map (infer env scope)
            |> List.fold
                (fun acc r ->
                    match acc, r with
                    | Error m, _
                    | _, Error m -> Error m
                    | Ok(), Ok Shape.Scalar -> Ok()
                    | Ok(), Ok s -> Error $"a literal vector element is {show s}, not a scalar")
                (Ok())
            |> Result.map (fun () -> Shape.Vector xs.Length)
        | Matrix rows ->
            let widths = rows |> List.map List.length |> List.distinct

            match widths with
            | [ w ] ->
                infer env scope (Vector(List.concat rows))
                |> Result.map (fun _ -> Shape.Matrix(rows.Length, w))
            | _ -> Error "the rows of a literal matrix have different lengths"
        | Neg a
        | Apply(_, a) -> infer env scope a
        | Add(a, b) -> inferBoth "+" a b
        | Sub(a, b) -> inferBoth "-" a b
        | Mul(a, b) -> inferBoth "*" a b
        | Div(a, b) -> inferBoth "/" a b
        | Power(a, b) -> inferBoth "**" a b
        | Dot(a, b) ->
            match infer env scope a, infer env scope b with
            | Ok(Shape.Vector n), Ok(Shape.Vector m) when n = m -> Ok Shape.Scalar
            | Ok(Shape.Matrix(r, c)), Ok(Shape.Vector m) when c = m -> Ok(Shape.Vector r)
            | Ok x, Ok y -> Error $"dot of mismatched lengths: {show x} and {show y}"
            | Error m, _
            | _, Error m -> Error m

    and private inferIndex env scope v idx =
        // An indexed node is always taken whole, even inside its own plate.
        let vShape =
            match v with
            | Param p ->
                match env.Nodes.TryFind p with
                | Some n -> stacked n
                | None -> Error $"'{p}' is not a parameter or derived node declared before this one"
            | _ -> infer env scope v

        let groupClash =
            match v, idx with
            | Param p, Group g ->
                match env.Nodes.TryFind p |> Option.map (fun n -> n.Node.Plate) with
                | Some(Plate.Over h) when h <> g ->
                    Some $"'{p}' is a vector over group '{h}' but is indexed by group '{g}'"
                | Some(Plate.Sized k) ->
                    Some
                        $"'{p}' is a fixed-size vector (length {k}) but is indexed by group '{g}'; declare it `over \"{g}\"`"
                | Some Plate.Rows -> Some $"'{p}' is one value per row but is indexed by group '{g}'"
                | _ -> None
            | _ -> None

        match groupClash, vShape, infer env scope idx with
        | Some m, _, _ -> Error m
        | _, Error m, _
        | _, _, Error m -> Error m
        | _, Ok Shape.Scalar, _ -> Error "indexing a scalar: only vectors (nodes over a group or sized) can be indexed"
        | _, Ok _, Ok s when s <> Shape.Scalar -> Error $"an index must be a scalar, got {show s}"
        | _, Ok(Shape.Vector _), _ -> Ok Shape.Scalar
        | _, Ok(Shape.Matrix(_, c)), _ -> Ok(Shape.Vector c)

    /// The event shape and dimension K of a distribution in a scope, checking its arguments' shapes.
    let event (env: Env) (scope: Scope) (d: Dist) : Result<Shape * int, string> =
        let args = Dist.arguments d |> List.map (fun (label, e) -> label, infer env scope e)

        match
            args
            |> List.tryPick (fun (l, r) ->
                match r with
                | Error m -> Some(l, m)
                | Ok _ -> None)
        with
        | Some(l, m) -> Error $"argument '{l}': {m}"
        | None ->
            let shapeOf label =
                args
                |> List.find (fun (l, _) -> l = label)
                |> snd
                |> Result.defaultValue Shape.Scalar

            let allScalar () =
                match args |> List.tryFind (fun (_, r) -> r <> Ok Shape.Scalar) with
                | None -> Ok(Shape.Scalar, 1)
                | Some(l, Ok s) ->
                    Error $"argument '{l}' is {show s} here but must be a scalar; index it, e.g. theta.[group \"g\"]"
                | Some(l, _) -> Error $"argument '{l}' is invalid"

            match d with
            | Dist.Dirichlet _ ->
                match shapeOf "concentration" with
                | Shape.Vector k -> Ok(Shape.Vector k, k)
                | s -> Error $"argument 'concentration' must be a vector, got {show s}"
            | Dist.Categorical _ ->
                match shapeOf "probabilities" with
                | Shape.Vector k -> Ok(Shape.Scalar, k)
                | s -> Error $"argument 'probabilities' must be a vector, got {show s}"
            | Dist.OrderedLogistic _ ->
                match shapeOf "eta", shapeOf "cutpoints" with
                | Shape.Scalar, Shape.Vector k -> Ok(Shape.Scalar, k + 1)
                | e, c ->
                    Error $"OrderedLogistic needs a scalar eta and a vector of cutpoints, got {show e} and {show c}"
            | Dist.Ordered(inner, size) ->
                match allScalar (), Dist.support inner with
                | _, s when s <> Support.Real ->
                    Error $"Ordered needs a real-valued distribution (e.g. StudentT or Normal), not {Dist.name inner}"
                | _ when size < 1 -> Error $"Ordered needs a size of at least 1, got {size}"
                | Ok _, _ -> Ok(Shape.Vector size, size)
                | Error m, _ -> Error m
            | Dist.Multinomial _ ->
                match shapeOf "trials", shapeOf "probabilities" with
                | Shape.Scalar, Shape.Vector k -> Ok(Shape.Vector k, k)
                | n, p -> Error $"Multinomial needs scalar trials and a probability vector, got {show n} and {show p}"
            | Dist.MvNormal _ ->
                match shapeOf "mean", shapeOf "covariance" with
                | Shape.Vector k, Shape.Matrix(r, c) when r = k && c = k -> Ok(Shape.Vector k, k)
                | m, s -> Error $"MvNormal needs a mean of length K and a K×K covariance, got {show m} and {show s}"
            | Dist.MvNormalCholesky _ ->
                match shapeOf "mean", shapeOf "scales", shapeOf "corrCholesky" with
                | Shape.Vector k, Shape.Vector k', Shape.Matrix(r, c) when k' = k && r = k && c = k ->
                    Ok(Shape.Vector k, k)
                | m, s, l ->
                    Error
                        $"MvNormalCholesky needs a mean and scales of length K and a K×K correlation Cholesky factor, got {show m}, {show s} and {show l}"
            | Dist.LkjCholesky(dim, _) when dim >= 2 ->
                match shapeOf "eta" with
                | Shape.Scalar -> Ok(Shape.Matrix(dim, dim), dim)
                | s -> Error $"argument 'eta' must be a scalar, got {show s}"
            | Dist.LkjCholesky(dim, _) -> Error $"LkjCholesky needs dimension ≥ 2, got {dim}"
            | Dist.Wishart _
            | Dist.InverseWishart _ ->
                match shapeOf "dof", shapeOf "scale" with
                | Shape.Scalar, Shape.Matrix(r, c) when r = c -> Ok(Shape.Matrix(r, r), r)
                | n, s -> Error $"needs scalar dof and a square scale matrix, got {show n} and {show s}"
            | _ -> allScalar ()
