namespace HierFunctional

open HierFunctional.Inference

/// The Gaussian prior family of a target whose children are GLM rows, and how its copies meet the rows.
[<RequireQualifiedAccess>]
type internal GaussianPrior =
    /// Normal(mean, sd) prior on a scalar, a vector over a group or a fixed-length vector; each row reads one
    /// element (`theta`, `theta[g[i]]`, `beta[2]`).
    | Elementwise of priorMean: Expr * priorSd: Expr
    /// iid Normal(mean, sd) prior on a fixed-length coefficient vector read through `x_i · beta`.
    | Block of priorMean: Expr * priorSd: Expr
    /// MvNormal(mean, covariance) prior on one vector or one per group level, read through `x_i · b` or `x_i · b[g[i]]`.
    | MvLinear of priorMean: Expr * priorCovariance: Expr

/// The likelihood family of a GLM row and its non-linear-predictor arguments.
[<RequireQualifiedAccess>]
type internal GlmFamily =
    /// y ~ Binomial(trials, invLogit eta) (Bernoulli: trials = 1).
    | Logistic of trials: Expr
    /// y ~ Poisson(exp eta, exposure).
    | Poisson of exposure: Expr
    /// y ~ NegativeBinomial(exp eta, dispersion): variance μ + μ²/φ.
    | NegativeBinomial of dispersion: Expr

/// A GLM child whose linear predictor is linear in the target: eta = offset + coefficient · target[slot].
type internal LinkedChild =
    {
        /// The (observed) child node.
        Node: Node
        /// The part of eta free of the target.
        Offset: Expr
        /// Where the target enters eta.
        Slot: Slot
        /// The multiplier of the target in eta (a design vector for dot-product slots).
        Coefficient: Expr
        /// The row likelihood.
        Family: GlmFamily
    }

/// Recognition of Gaussian-prior targets whose children are GLM rows with a canonical-ish link (logit for
/// Binomial/Bernoulli, log for Poisson and Negative Binomial) and a linear predictor linear in the target.
[<RequireQualifiedAccess>]
module internal GlmChildren =

    let private linked (target: string) (c: Node) (family: GlmFamily) (eta: Expr) (link: string) =
        match Linear.tryAffine target eta with
        | _ when not c.Kind.IsObserved -> Error $"child '{c.Name}' is not observed data"
        | Some(offset, slot, coefficient) ->
            Ok
                {
                    Node = c
                    Offset = offset
                    Slot = slot
                    Coefficient = coefficient
                    Family = family
                }
        | None -> Error $"the {link} of child '{c.Name}' is not linear in '{target}'"

    /// A Binomial/Bernoulli child with probability invLogit(eta).
    let logisticChild (target: string) (c: Node) : Result<LinkedChild, string> =
        let free e = not (Expr.dependsOn target e)

        match c.Kind with
        | NodeKind.Observed(Dist.Bernoulli(Apply(Fn.InvLogit, eta))) ->
            linked target c (GlmFamily.Logistic(Const 1.0)) eta "logit"
        | NodeKind.Observed(Dist.Binomial(n, Apply(Fn.InvLogit, eta))) when free n ->
            linked target c (GlmFamily.Logistic n) eta "logit"
        | _ -> Error $"child '{c.Name}' is not Binomial/Bernoulli with probability invLogit(linear in '{target}')"

    /// A Poisson child with rate exp(eta) (any exposure free of the target) or a Negative Binomial child with mean
    /// exp(eta) and dispersion free of the target.
    let logLinearChild (target: string) (c: Node) : Result<LinkedChild, string> =
        let free e = not (Expr.dependsOn target e)

        match c.Kind with
        | NodeKind.Observed(Dist.Poisson(Apply(Fn.Exp, eta), exposure)) when free exposure ->
            linked target c (GlmFamily.Poisson exposure) eta "log rate"
        | NodeKind.Observed(Dist.NegativeBinomial(Apply(Fn.Exp, eta), phi)) when free phi ->
            linked target c (GlmFamily.NegativeBinomial phi) eta "log mean"
        | _ -> Error $"child '{c.Name}' is not Poisson/NegativeBinomial with log link linear in '{target}'"

    /// The prior family implied by the target's prior, plate and the children's slots, or why none fits.
    let private priorFor (target: Node) (children: LinkedChild list) : Result<GaussianPrior, string> =
        let all p =
            children |> List.forall (fun c -> p c.Slot)

        let elementSlot (s: Slot) =
            s.IsWhole || s.IsIndexed || s.IsPosition

        match target.Kind, target.Plate with
        | NodeKind.Parameter(Dist.Normal(m, s)), (Plate.Scalar | Plate.Over _ | Plate.Sized _) when all elementSlot ->
            Ok(GaussianPrior.Elementwise(m, s))
        | NodeKind.Parameter(Dist.Normal(m, s)), Plate.Sized _ when all (fun s -> s.IsWholeDot) ->
            Ok(GaussianPrior.Block(m, s))
        | NodeKind.Parameter(Dist.MvNormal(m, s)), (Plate.Scalar | Plate.Over _) when
            all (fun s -> s.IsWholeDot || s.IsIndexedDot)
            ->
            Ok(GaussianPrior.MvLinear(m, s))
        | NodeKind.Parameter(Dist.Normal _ | Dist.MvNormal _), _ ->
            Error "its children read it in different ways (element, dot product) or in a way no Gaussian update covers"
        | _ -> Error "its prior is not Normal or MvNormal"

    /// The target's prior family and its GLM children, each recognised by `child`; the first failure is the reason.
    let recognise
        (child: string -> Node -> Result<LinkedChild, string>)
        (expanded: Model)
        (target: Node)
        : Result<GaussianPrior * LinkedChild list, string> =
        match target.Kind with
        | NodeKind.Parameter(Dist.Normal _ | Dist.MvNormal _) ->
            match Graph.children expanded target.Name with
            | [] -> Error "it has no children (its update is a draw from the prior)"
            | cs ->
                let results = cs |> List.map (child target.Name)

                match results |> List.tryPick (fun r -> if r.IsError then Some r else None) with
                | Some(Error why) -> Error why
                | _ ->
                    let children = results |> List.map Result.toOption |> List.choose id
                    priorFor target children |> Result.map (fun p -> p, children)
        | _ -> Error "its prior is not Normal or MvNormal"
