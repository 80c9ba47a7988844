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

    /// Beta(a, b) × Binomial(n_i, θ) / Bernoulli(θ) children → Beta(a + Σy_i, b + Σ(n_i − y_i)).
    let betaBinomial: Recogniser<Expr * Expr * CountChild list> =
        {
            Name = "Beta-Binomial"
            Math = "theta ~ Beta(a, b), y_i ~ Bin(n_i, theta) => Beta(a + sum y_i, b + sum (n_i - y_i))"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Beta(a, b)) ->
                        let pick d =
                            match d with
                            | Dist.Binomial(n, p) -> Some(n, p)
                            | Dist.Bernoulli p -> Some(Const 1.0, p)
                            | _ -> None

                        RecogniserKit.eachChild
                            expanded
                            target
                            ((fun c -> countChild target.Name c "Binomial/Bernoulli probability" pick))
                        |> Result.map (fun cs -> a, b, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

    /// Gamma(a, rate b) × Poisson(E_i c_i θ) children → Gamma(a + Σy_i, b + Σ E_i c_i).
    let gammaPoisson: Recogniser<Expr * Expr * CountChild list> =
        {
            Name = "Gamma-Poisson"
            Math = "theta ~ Gamma(a, b), y_i ~ Poisson(E_i theta) => Gamma(a + sum y_i, b + sum E_i)"
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Gamma(a, b)) ->
                        let pick d =
                            match d with
                            | Dist.Poisson(rate, exposure) -> Some(exposure, rate)
                            | _ -> None

                        RecogniserKit.eachChild
                            expanded
                            target
                            ((fun c -> countChild target.Name c "Poisson rate" pick))
                        |> Result.map (fun cs -> a, b, cs)
                        |> RuleOutcome.ofResult
                    | _ -> RuleOutcome.NotApplicable
        }

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
