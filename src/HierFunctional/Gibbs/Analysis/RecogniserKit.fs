namespace HierFunctional

open HierFunctional.Inference

/// Checks the built-in recognisers share: the target's children (no factors among them), each child's distribution,
/// and a Normal child whose mean is linear in the target.
[<RequireQualifiedAccess>]
module internal RecogniserKit =

    let allOk (results: Result<'a, string> list) : Result<'a list, string> =
        results
        |> List.fold
            (fun acc r ->
                match acc, r with
                | Ok xs, Ok x -> Ok(xs @ [ x ])
                | Error e, _ -> Error e
                | _, Error e -> Error e)
            (Ok [])

    let childrenOf (expanded: Model) (target: Node) =
        match Graph.children expanded target.Name with
        | [] -> Error "it has no children (its update is a draw from the prior)"
        | cs -> Ok cs

    let factorFree (children: Node list) =
        match children |> List.tryFind (fun c -> c.Kind.IsFactor) with
        | Some f -> Error $"factor '{f.Name}' adds a non-standard term"
        | None -> Ok children

    let private (>>=) r f = Result.bind f r

    /// The target's children (no factors among them), each checked by `child`; the first failure is the reason.
    let eachChild (expanded: Model) (target: Node) (child: Node -> Result<'a, string>) =
        childrenOf expanded target >>= factorFree >>= (List.map child >> allOk)

    let childDist (c: Node) =
        match c.Kind with
        | NodeKind.Parameter d
        | NodeKind.Observed d -> Some d
        | _ -> None

    let gaussianChildWhere (accept: Slot -> bool) (target: string) (c: Node) : Result<GaussianChild, string> =
        match childDist c with
        | Some(Dist.Normal(mean, sd)) when not (Expr.dependsOn target sd) ->
            match Linear.tryAffine target mean with
            | Some(offset, slot, coefficient) ->
                if accept slot then
                    Ok
                        {
                            Node = c
                            Offset = offset
                            Slot = slot
                            Coefficient = coefficient
                            Sd = sd
                        }
                else
                    Error $"child '{c.Name}' uses '{target}' in a way this rule does not cover"
            | None -> Error $"the mean of child '{c.Name}' is not linear in '{target}'"
        | Some(Dist.Normal _) -> Error $"child '{c.Name}' has '{target}' in its sd"
        | Some d -> Error $"child '{c.Name}' is {Dist.name d}, not Normal"
        | None -> Error $"'{c.Name}' is not a stochastic node"

    let gaussianChild (target: string) (blockOnly: bool) (c: Node) =
        gaussianChildWhere (fun slot -> slot.IsWholeDot = blockOnly) target c
