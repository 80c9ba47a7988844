namespace HierFunctional

/// Scalar data (`Dataset.scalar "N" 8.0`): named constants a model reads as `data "N"` in any scope.
[<RequireQualifiedAccess>]
module ScalarData =

    /// The model with every `data "name"` of a scalar of the data set (`Dataset.scalar`) written as its value.
    let substitute (d: Dataset) (m: Model) : Model =
        if List.isEmpty d.Scalars then
            m
        else
            let values = Map.ofList d.Scalars

            let rec sub (e: Expr) =
                match e with
                | Data c when values.ContainsKey c -> Const values.[c]
                | Const _
                | Param _
                | Data _
                | Group _ -> e
                | Index(a, b) -> Index(sub a, sub b)
                | Elem(v, i) -> Elem(sub v, i)
                | Vector xs -> Vector(List.map sub xs)
                | Matrix rows -> Matrix(rows |> List.map (List.map sub))
                | Neg a -> Neg(sub a)
                | Add(a, b) -> Add(sub a, sub b)
                | Sub(a, b) -> Sub(sub a, sub b)
                | Mul(a, b) -> Mul(sub a, sub b)
                | Div(a, b) -> Div(sub a, sub b)
                | Power(a, b) -> Power(sub a, sub b)
                | Apply(f, a) -> Apply(f, sub a)
                | Dot(a, b) -> Dot(sub a, sub b)

            let node (n: Node) =
                let kind =
                    match n.Kind with
                    | NodeKind.Parameter dist -> NodeKind.Parameter(Dist.mapArgs sub dist)
                    | NodeKind.Observed dist -> NodeKind.Observed(Dist.mapArgs sub dist)
                    | NodeKind.Derived e -> NodeKind.Derived(sub e)
                    | NodeKind.Factor e -> NodeKind.Factor(sub e)

                { n with Kind = kind }

            { m with Nodes = List.map node m.Nodes }
