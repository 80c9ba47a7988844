namespace HierFunctional

/// What one row-level observed node needs from its rows, per group: the sums that replace them exactly.
[<RequireQualifiedAccess>]
type GroupSums =
    /// `y ~ Normal(mean, sd)`, the mean group-level and the sd global: per group n, the mean of y and the
    /// within-group sum of squares; the sd's part of the rows' likelihood is kept as a factor on the pooled sum.
    | Normal of node: string * sd: Expr
    /// `y ~ Poisson(rate, exposure)`, the rate group-level: per group Σ y and Σ exposure (a column, or a constant
    /// times n).
    | Poisson of node: string * exposure: Size
    /// `y ~ Binomial(trials, p)` or `y ~ Bernoulli(p)`, p group-level: per group Σ y and Σ trials.
    | Binomial of node: string * trials: Size

    /// The observed node.
    member s.Node =
        match s with
        | Normal(n, _)
        | Poisson(n, _)
        | Binomial(n, _) -> n

/// A Poisson exposure or Binomial trials: a data column (summed per group) or a constant (times n).
and [<RequireQualifiedAccess>] Size =
    /// A data column, summed per group.
    | Column of string
    /// The same value on every row: the group's sum is value × n.
    | Constant of float

/// The push-down of a model: the group columns the rows are summed over and the sums each observed node needs.
type PushdownPlan =
    {
        /// The model as written (row-level).
        Model: Model
        /// The GROUP BY columns: every group the model uses and every column a group-level node reads.
        Keys: string list
        /// One entry per row-level observed node.
        Sums: GroupSums list
    }

/// Aggregate push-down: when every row-level term of a model reduces to per-group sums, the rows are replaced by
/// one row per group (n, Σ y, mean and within-group sum of squares, Σ exposure, Σ trials) and the model by the
/// equivalent group-level model, whose posterior is the same. The sums come from a database (`PushdownSql`, one
/// generated GROUP BY) or from one pass over a reader (`PushdownRead.stream`); the rows are never held.
[<RequireQualifiedAccess>]
module Pushdown =

    /// Names of the columns and scalars the aggregated data set adds for a node (prefixed so they do not clash
    /// with the user's columns).
    let internal seColumn node = $"__{node}_se"

    let internal sizeColumn node = $"__{node}_size"
    let internal ssScalar node = $"__{node}_ss"
    let internal dfScalar node = $"__{node}_df"

    /// The Normal log-likelihood in an sd of `count` observations with sum of squares `squares` about their means,
    /// up to a constant: −count·log sd − squares/(2 sd²). The Normal scale rule reads this shape back
    /// (`PooledSquares`), so the pooled within-group part of a push-down stays conjugate.
    let internal pooledSquares (count: Expr) (squares: Expr) (sd: Expr) : Expr =
        Expr.Sub(
            Expr.Neg(Expr.Mul(count, Expr.Apply(Fn.Log, sd))),
            Expr.Div(squares, Expr.Mul(Expr.Const 2.0, Expr.Apply(Fn.Square, sd)))
        )

    /// (count, squares, sd) of a `pooledSquares` expression.
    let internal (|PooledSquares|_|) (e: Expr) : (Expr * Expr * Expr) option =
        match e with
        | Expr.Sub(Expr.Neg(Expr.Mul(count, Expr.Apply(Fn.Log, sd))),
                   Expr.Div(squares, Expr.Mul(Expr.Const 2.0, Expr.Apply(Fn.Square, sd2)))) when sd = sd2 ->
            Some(count, squares, sd)
        | _ -> None

    let private isGroupLevel (e: Expr) = List.isEmpty (Shapes.dataRefs e)

    let private size (what: string) (e: Expr) =
        match e with
        | Expr.Data c -> Ok(Size.Column c)
        | Expr.Const c -> Ok(Size.Constant c)
        | _ -> Error $"its {what} is an expression, not a column or a constant; compute it as a column in the query"

    let private groupLevel (what: string) (e: Expr) next =
        if isGroupLevel e then
            next ()
        else
            let cols = Shapes.dataRefs e |> String.concat ", "
            Error $"its {what} reads the row column(s) {cols}, so it has no per-group sums"

    let private sumsOf (n: Node) (d: Dist) =
        match d with
        | Dist.Normal(mean, sd) ->
            groupLevel "mean" mean (fun () ->
                if not (isGroupLevel sd) || not (List.isEmpty (Shapes.groupRefs sd)) then
                    Error "its sd varies by row or by group; only a global sd is summed (n, mean, sum of squares)"
                else
                    Ok(GroupSums.Normal(n.Name, sd)))
        | Dist.Poisson(rate, exposure) ->
            groupLevel "rate" rate (fun () ->
                size "exposure" exposure |> Result.map (fun s -> GroupSums.Poisson(n.Name, s)))
        | Dist.Binomial(trials, p) ->
            groupLevel "probability" p (fun () ->
                size "trials" trials |> Result.map (fun s -> GroupSums.Binomial(n.Name, s)))
        | Dist.Bernoulli p -> groupLevel "probability" p (fun () -> Ok(GroupSums.Binomial(n.Name, Size.Constant 1.0)))
        | other ->
            let name = (sprintf "%A" other).Split([| ' '; '(' |]).[0]
            Error $"{name} has no per-group sufficient statistics here (Normal, Poisson, Binomial and Bernoulli do)"

    /// The push-down of a model, or for each node that needs its rows the reason (node, why).
    let plan (m: Model) : Result<PushdownPlan, (string * string) list> =
        let checks =
            m.Nodes
            |> List.map (fun n ->
                match n.Kind, n.Plate with
                | NodeKind.Observed d, Plate.Rows ->
                    sumsOf n d |> Result.map Some |> Result.mapError (fun why -> n.Name, why)
                | NodeKind.Observed _, _ -> Error(n.Name, "an observed node that is not per row")
                | (NodeKind.Parameter _ | NodeKind.Derived _), Plate.Rows ->
                    Error(n.Name, "a per-row parameter or derived node needs the rows")
                | _, (Plate.Scalar | Plate.Sized _) when
                    not (List.isEmpty (Model.nodeExprs n |> List.collect Shapes.dataRefs))
                    ->
                    Error(n.Name, "it reads a data scalar, which a source query does not provide")
                | _ -> Ok None)

        let reasons =
            checks
            |> List.choose (function
                | Error e -> Some e
                | Ok _ -> None)

        match reasons with
        | _ :: _ -> Error reasons
        | [] ->
            let sums =
                checks
                |> List.choose (function
                    | Ok s -> s
                    | Error _ -> None)

            let keys =
                m.Nodes
                |> List.collect (fun n ->
                    let own =
                        match n.Plate with
                        | Plate.Over g -> g :: (Model.nodeExprs n |> List.collect Shapes.dataRefs)
                        | _ -> []

                    own @ (Model.nodeExprs n |> List.collect Shapes.groupRefs))
                |> List.distinct

            let usedTwice =
                sums
                |> List.collect (fun s ->
                    match s with
                    | GroupSums.Poisson(_, Size.Column c)
                    | GroupSums.Binomial(_, Size.Column c) -> [ s.Node; c ]
                    | _ -> [ s.Node ])
                |> List.filter (fun c -> List.contains c keys)

            match usedTwice, sums with
            | c :: _, _ -> Error [ c, $"the column '{c}' is both summed and a group key" ]
            | [], [] -> Error [ "(model)", "no row-level observed node: nothing to sum" ]
            | [], _ -> Ok { Model = m; Keys = keys; Sums = sums }

    /// The row columns the sums read: the group keys, each summed node and its exposure or trials column.
    let columns (plan: PushdownPlan) : string list =
        plan.Keys
        @ (plan.Sums
           |> List.collect (fun s ->
               match s with
               | GroupSums.Poisson(_, Size.Column c)
               | GroupSums.Binomial(_, Size.Column c) -> [ s.Node; c ]
               | _ -> [ s.Node ]))
        |> List.distinct

    let private sizeText =
        function
        | Size.Column c -> $"sum {c}"
        | Size.Constant c when c = 1.0 -> "n"
        | Size.Constant c -> $"{c:R} x n"

    /// One line per observed node: the sums it takes from the source, per which groups.
    let describe (plan: PushdownPlan) : string list =
        let per = plan.Keys |> String.concat ", "

        plan.Sums
        |> List.map (fun s ->
            match s with
            | GroupSums.Normal(n, _) -> $"{n}: aggregate: n, mean {n}, within-group sum of squares of {n} per ({per})"
            | GroupSums.Poisson(n, e) -> $"{n}: aggregate: sum {n}, {sizeText e} (exposure) per ({per})"
            | GroupSums.Binomial(n, t) -> $"{n}: aggregate: sum {n}, {sizeText t} (trials) per ({per})")

    let private rewriteNode (sums: GroupSums list) (n: Node) =
        match n.Kind, sums |> List.tryFind (fun s -> s.Node = n.Name) with
        | NodeKind.Observed(Dist.Normal(mean, sd)), Some(GroupSums.Normal _) ->
            // The group mean of n rows is Normal(mean, sd / √n): the column holds 1/√n.
            { n with
                Kind = NodeKind.Observed(Dist.Normal(mean, Expr.Mul(sd, Expr.Data(seColumn n.Name))))
            }
        | NodeKind.Observed(Dist.Poisson(rate, _)), Some(GroupSums.Poisson _) ->
            { n with
                Kind = NodeKind.Observed(Dist.Poisson(rate, Expr.Data(sizeColumn n.Name)))
            }
        | NodeKind.Observed(Dist.Binomial(_, p)), Some(GroupSums.Binomial _)
        | NodeKind.Observed(Dist.Bernoulli p), Some(GroupSums.Binomial _) ->
            { n with
                Kind = NodeKind.Observed(Dist.Binomial(Expr.Data(sizeColumn n.Name), p))
            }
        | _ -> n

    /// The group-level model the sums are fitted with: each observed node reads its group's sums, and a Normal
    /// node whose sd is unknown gets a factor −(N − G)·log sd − SS/(2 sd²) for the within-group sum of squares
    /// SS (the rest of the rows' likelihood in sd). Its posterior is the row model's.
    let rewrite (plan: PushdownPlan) : Model =
        let within =
            plan.Sums
            |> List.choose (fun s ->
                match s with
                | GroupSums.Normal(n, sd) when not (List.isEmpty (Expr.paramRefs sd)) ->
                    let logDensity = pooledSquares (Expr.Data(dfScalar n)) (Expr.Data(ssScalar n)) sd

                    Some
                        {
                            Name = $"__{n}_within"
                            Kind = NodeKind.Factor logDensity
                            Plate = Plate.Scalar
                        }
                | _ -> None)

        {
            Nodes = (plan.Model.Nodes |> List.map (rewriteNode plan.Sums)) @ within
        }
