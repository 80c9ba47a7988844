namespace HierFunctional

open HierFunctional.Inference

/// What the collapsed Beta-Binomial recogniser found for the first of two hyperparameters: group rates
/// θ ~ Beta(A, B) whose arguments read exactly this node and `Partner`, with Binomial/Bernoulli children that use θ
/// directly as their probability.
type internal CollapsedBetaMatch =
    {
        /// The other hyperparameter the Beta arguments read (moved in the same update).
        Partner: string
        /// The Beta node (the group rates), drawn exactly after the hyperparameters move.
        Rates: string
        /// The Beta's first argument.
        A: Expr
        /// The Beta's second argument.
        B: Expr
        /// θ's children: the trials of each (1 for Bernoulli) and where it reads θ.
        Children: CountChild list
        /// Factor terms that read the hyperparameters (e.g. a hyperprior written as a factor).
        Factors: string list
    }

/// The recogniser of the collapsed Beta-Binomial rule (`CollapsedBetaBinomial` is its executor): two scalar
/// hyperparameters of Beta group rates whose children are Binomial/Bernoulli in them.
[<RequireQualifiedAccess>]
module internal CollapsedBetaConjugacy =

    /// The rule's name, shown in plans.
    let internal name = "collapsed Beta-Binomial"

    let private childDist (c: Node) =
        match c.Kind with
        | NodeKind.Parameter d
        | NodeKind.Observed d -> Some d
        | _ -> None

    let private betaArgs (n: Node) =
        match n.Kind with
        | NodeKind.Parameter(Dist.Beta(a, b)) -> Some(a, b)
        | _ -> None

    /// A Binomial/Bernoulli child whose probability is exactly θ or θ[group] (coefficient 1, no offset).
    let private countChild (rates: string) (c: Node) : Result<CountChild, string> =
        let size, p =
            match childDist c with
            | Some(Dist.Binomial(n, p)) -> Some n, Some p
            | Some(Dist.Bernoulli p) -> Some(Const 1.0), Some p
            | _ -> None, None

        match size, p |> Option.bind (Linear.tryAffine rates) with
        | Some n, Some(Const 0.0, (Slot.Whole | Slot.Indexed _ as slot), Const 1.0) when not (Expr.dependsOn rates n) ->
            Ok { Node = c; Slot = slot; Size = n }
        | Some _, _ -> Error $"child '{c.Name}' does not use '{rates}' directly as its probability"
        | None, _ -> Error $"child '{c.Name}' of '{rates}' is not Binomial or Bernoulli"

    let private allOk (results: Result<'a, string> list) =
        results
        |> List.fold
            (fun acc r ->
                match acc, r with
                | Ok xs, Ok x -> Ok(x :: xs)
                | Error e, _ -> Error e
                | _, Error e -> Error e)
            (Ok [])
        |> Result.map List.rev

    /// The match for `target` given its Beta child `rates`, or why the pattern does not hold.
    let private matchFor (expanded: Model) (target: Node) (rates: Node) : Result<CollapsedBetaMatch, string> =
        let a, b = (betaArgs rates).Value
        let hyper = Expr.paramRefs a @ Expr.paramRefs b |> List.distinct
        let order = expanded.Nodes |> List.map (fun n -> n.Name)

        let onlyRatesAndFactors (p: string) =
            Graph.children expanded p
            |> List.filter (fun c -> c.Name <> rates.Name)
            |> List.map (fun c ->
                if c.Kind.IsFactor then
                    Ok c.Name
                else
                    Error $"'{p}' also informs '{c.Name}', which the collapsed update would leave out")
            |> allOk

        if not (List.isEmpty (Expr.columnRefs a @ Expr.columnRefs b)) then
            Error $"the Beta arguments of '{rates.Name}' read data, so they differ between groups"
        else
            match hyper |> List.filter ((<>) target.Name) with
            | [ partner ] ->
                match expanded.Nodes |> List.tryFind (fun n -> n.Name = partner) with
                | Some({
                           Kind = NodeKind.Parameter _
                           Plate = Plate.Scalar
                       }) ->
                    if List.findIndex ((=) partner) order < List.findIndex ((=) target.Name) order then
                        Error
                            $"'{target.Name}' moves with '{partner}' in the collapsed update of '{partner}'; this is an extra slice step given '{rates.Name}'"
                    else
                        match
                            onlyRatesAndFactors target.Name,
                            onlyRatesAndFactors partner,
                            Graph.children expanded rates.Name
                        with
                        | Error e, _, _
                        | _, Error e, _ -> Error e
                        | _, _, [] -> Error $"'{rates.Name}' has no children, so there is nothing to integrate"
                        | Ok f1, Ok f2, children ->
                            children
                            |> List.map (countChild rates.Name)
                            |> allOk
                            |> Result.map (fun cs ->
                                {
                                    Partner = partner
                                    Rates = rates.Name
                                    A = a
                                    B = b
                                    Children = cs
                                    Factors = f1 @ f2 |> List.distinct
                                })
                | _ -> Error $"'{partner}' in the Beta arguments of '{rates.Name}' is not a scalar parameter"
            | others ->
                Error
                    $"the Beta arguments of '{rates.Name}' read {others.Length + 1} parameters; the collapsed update needs exactly two"

    /// Recognises the first (in declaration order) of two scalar hyperparameters of a Beta node whose children are
    /// Binomial/Bernoulli in it; not applicable to a node that no Beta prior reads.
    let recogniser: Recogniser<CollapsedBetaMatch> =
        {
            Name = name
            Math =
                [
                    RuleMath.case
                        "not conjugate"
                        "any prior on the first (in declaration order) of two scalar parameters that the Beta arguments of a group node θ read (`Beta(alpha, beta)`, `Beta(mu * kappa, (1 - mu) * kappa)`)"
                        "θ: Binomial(n_i, θ[slot]) or Bernoulli(θ[slot]) with data counts; the two hyperparameters: only θ and factors on scalar globals"
                        "(a, b) on p(a, b | y) ∝ p(a, b) Π_g B(a + Y_g, b + F_g)/B(a, b) (θ integrated out): by independence MH from its tabulated 2-D marginal (`TabulatedBetaBinomial`; sliced when tabulation is off or fails), then θ_g ~ Beta(a + Y_g, b + F_g) exactly; see \"Beta rates integrated out\" below"
                ]
            Recognise =
                fun expanded target ->
                    match target.Kind, target.Plate with
                    | NodeKind.Parameter _, Plate.Scalar ->
                        let betas =
                            Graph.children expanded target.Name
                            |> List.filter (fun c -> (betaArgs c).IsSome)

                        match betas with
                        | [] -> RuleOutcome.NotApplicable
                        | [ rates ] -> matchFor expanded target rates |> RuleOutcome.ofResult
                        | _ ->
                            RuleOutcome.Rejected
                                $"'{target.Name}' is a hyperparameter of {betas.Length} Beta nodes; the collapsed update covers one"
                    | _ -> RuleOutcome.NotApplicable
        }
