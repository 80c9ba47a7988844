namespace HierFunctional

open HierFunctional.Inference

/// The recognisers of the rules for count and positive children: Beta-Binomial, Gamma-Poisson, Gamma-Exponential, the
/// Gamma rate of Gamma children, and Dirichlet-Multinomial.
[<RequireQualifiedAccess>]
module internal CountConjugacy =

    let private countChild (target: string) (c: Node) (family: string) (pick: Dist -> (Expr * Expr) option) =
        match RecogniserKit.childDist c |> Option.bind pick with
        | Some(size, p) when not (Expr.dependsOn target size) ->
            match Linear.tryAffine target p with
            | Some(Const 0.0, slot, coefficient) when not slot.IsWholeDot && not slot.IsIndexedDot ->
                Ok
                    {
                        Node = c
                        Slot = slot
                        Size =
                            (if coefficient = Const 1.0 then
                                 size
                             else
                                 Mul(size, coefficient))
                    }
            | _ -> Error $"child '{c.Name}' does not use '{target}' directly as its {family} parameter"
        | _ -> Error $"child '{c.Name}' is not {family} in '{target}'"

    // A two-argument prior (`priorArgs`) over count children whose (size, parameter) `pick` finds: the shape
    // Beta-Binomial and Gamma-Poisson share.
    let private countRule
        (name: string)
        (math: string)
        (priorArgs: Dist -> (Expr * Expr) option)
        (family: string)
        (pick: Dist -> (Expr * Expr) option)
        : Recogniser<Expr * Expr * CountChild list> =
        {
            Name = name
            Math = math
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter prior ->
                        match priorArgs prior with
                        | Some(a, b) ->
                            RecogniserKit.eachChild expanded target (fun c -> countChild target.Name c family pick)
                            |> Result.map (fun cs -> a, b, cs)
                            |> RuleOutcome.ofResult
                        | None -> RuleOutcome.NotApplicable
                    | _ -> RuleOutcome.NotApplicable
        }

    /// Beta(a, b) × Binomial(n_i, θ) / Bernoulli(θ) children → Beta(a + Σy_i, b + Σ(n_i − y_i)).
    let betaBinomial: Recogniser<Expr * Expr * CountChild list> =
        countRule
            "Beta-Binomial"
            "theta ~ Beta(a, b), y_i ~ Bin(n_i, theta) => Beta(a + sum y_i, b + sum (n_i - y_i))"
            (function
            | Dist.Beta(a, b) -> Some(a, b)
            | _ -> None)
            "Binomial/Bernoulli probability"
            (function
             | Dist.Binomial(n, p) -> Some(n, p)
             | Dist.Bernoulli p -> Some(Const 1.0, p)
             | _ -> None)

    /// Gamma(a, rate b) × Poisson(E_i c_i θ) children → Gamma(a + Σy_i, b + Σ E_i c_i).
    let gammaPoisson: Recogniser<Expr * Expr * CountChild list> =
        countRule
            "Gamma-Poisson"
            "theta ~ Gamma(a, b), y_i ~ Poisson(E_i theta) => Gamma(a + sum y_i, b + sum E_i)"
            (function
            | Dist.Gamma(a, b) -> Some(a, b)
            | _ -> None)
            "Poisson rate"
            (function
             | Dist.Poisson(rate, exposure) -> Some(exposure, rate)
             | _ -> None)

    /// Gamma(a, rate b) × Exponential(θ) children → Gamma(a + n, b + Σx_i).
    let gammaExponential: Recogniser<Expr * Expr * Node list> =
        {
            Name = "Gamma-Exponential"
            Math = "theta ~ Gamma(a, b), x_i ~ Exp(theta) => Gamma(a + n, b + sum x_i)"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Gamma(a, b)) when target.Plate = Plate.Scalar ->
                        RecogniserKit.eachChild expanded target (fun c ->
                            match RecogniserKit.childDist c with
                            | Some(Dist.Exponential(Param t)) when t = target.Name -> Ok c
                            | _ -> Error $"child '{c.Name}' is not Exponential with rate '{target.Name}'")
                        |> Result.map (fun cs -> a, b, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// Gamma(c, rate d) on the rate of Gamma(s_i, θ) children → Gamma(c + Σ s_i, d + Σ x_i) (BUGS pumps' beta).
    let gammaRateOfGamma: Recogniser<Expr * Expr * (Node * Expr) list> =
        {
            Name = "Gamma rate of Gamma"
            Math = "beta ~ Gamma(c, d), x_i ~ Gamma(s_i, beta) => Gamma(c + sum s_i, d + sum x_i)"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Gamma(c, d)) when target.Plate = Plate.Scalar ->
                        RecogniserKit.eachChild expanded target (fun ch ->
                            match RecogniserKit.childDist ch with
                            | Some(Dist.Gamma(s, Param t)) when t = target.Name && not (Expr.dependsOn t s) ->
                                Ok(ch, s)
                            | _ -> Error $"child '{ch.Name}' is not Gamma with rate '{target.Name}'")
                        |> Result.map (fun cs -> c, d, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// Dirichlet(α) × Categorical(θ) / Multinomial(n, θ) children → Dirichlet(α + category counts).
    let dirichletCounts: Recogniser<Expr * Node list> =
        {
            Name = "Dirichlet-Multinomial"
            Math = "p ~ Dirichlet(alpha), y_i ~ Categorical(p) => Dirichlet(alpha + counts)"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Dirichlet a) when target.Plate = Plate.Scalar ->
                        RecogniserKit.eachChild expanded target (fun c ->
                            match RecogniserKit.childDist c with
                            | Some(Dist.Categorical(Param t))
                            | Some(Dist.Multinomial(_, Param t)) when t = target.Name -> Ok c
                            | _ -> Error $"child '{c.Name}' is not Categorical/Multinomial in '{target.Name}'")
                        |> Result.map (fun cs -> a, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }
