namespace HierFunctional

/// Scalar data (`Dataset.scalar "N" 8.0`): named constants a model reads as `data "N"` in any scope.
[<RequireQualifiedAccess>]
module internal ScalarData =

    /// The model with every `data "name"` of a scalar of the data set (`Dataset.scalar`) written as its value.
    let substitute (d: Dataset) (m: Model) : Model =
        if List.isEmpty d.Scalars then
            m
        else
            let values = Map.ofList d.Scalars

            let rec sub (e: Expr) =
                match e with
                | Data c when values.ContainsKey c -> Const values.[c]
                | _ -> Expr.mapChildren sub e

            let node (n: Node) =
                let kind =
                    match n.Kind with
                    | NodeKind.Parameter dist -> NodeKind.Parameter(Dist.mapArgs sub dist)
                    | NodeKind.Observed dist -> NodeKind.Observed(Dist.mapArgs sub dist)
                    | NodeKind.Derived e -> NodeKind.Derived(sub e)
                    | NodeKind.Factor e -> NodeKind.Factor(sub e)

                { n with Kind = kind }

            { m with Nodes = List.map node m.Nodes }
