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
        (math: RuleMath list)
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

    /// Beta prior × Binomial/Bernoulli children.
    let betaBinomial: Recogniser<Expr * Expr * CountChild list> =
        countRule
            "Beta-Binomial"
            (RuleMath.one
                "Beta(a, b)"
                "Binomial(n_i, θ[slot]) or Bernoulli(θ[slot])"
                "Beta(a + Σ y_i, b + Σ (n_i − y_i))")
            (function
            | Dist.Beta(a, b) -> Some(a, b)
            | _ -> None)
            "Binomial/Bernoulli probability"
            (function
             | Dist.Binomial(n, p) -> Some(n, p)
             | Dist.Bernoulli p -> Some(Const 1.0, p)
             | _ -> None)

    /// Gamma prior × Poisson children.
    let gammaPoisson: Recogniser<Expr * Expr * CountChild list> =
        countRule
            "Gamma-Poisson"
            (RuleMath.one "Gamma(a, rate b)" "Poisson(rate c_i·θ[slot], exposure E_i)" "Gamma(a + Σ y_i, b + Σ E_i c_i)")
            (function
            | Dist.Gamma(a, b) -> Some(a, b)
            | _ -> None)
            "Poisson rate"
            (function
             | Dist.Poisson(rate, exposure) -> Some(exposure, rate)
             | _ -> None)

    /// Gamma prior × Exponential children.
    let gammaExponential: Recogniser<Expr * Expr * Node list> =
        {
            Name = "Gamma-Exponential"
            Math = RuleMath.one "Gamma(a, rate b), scalar" "Exponential(θ)" "Gamma(a + n, b + Σ x_i)"
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

    /// Gamma prior on the rate of Gamma children (BUGS pumps' beta).
    let gammaRateOfGamma: Recogniser<Expr * Expr * (Node * Expr) list> =
        {
            Name = "Gamma rate of Gamma"
            Math =
                RuleMath.one
                    "Gamma(c, rate d), scalar"
                    "Gamma(s_i, rate θ) (e.g. BUGS pumps' β)"
                    "Gamma(c + Σ s_i, d + Σ x_i)"
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

    /// Dirichlet prior × Categorical/Multinomial children.
    let dirichletCounts: Recogniser<Expr * Node list> =
        {
            Name = "Dirichlet-Multinomial"
            Math =
                RuleMath.one
                    "Dirichlet(α)"
                    "Categorical(θ) or Multinomial(n, θ), observed"
                    "Dirichlet(α + category counts)"
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
