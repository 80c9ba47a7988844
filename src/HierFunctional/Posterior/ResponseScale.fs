namespace HierFunctional

/// Per-group estimates of a binomial or Poisson formula model on the response scale (probabilities, rates per unit
/// exposure), with no, complete and partial pooling side by side as a `ShrinkageTable`.
[<RequireQualifiedAccess>]
module ResponseScale =

    let private invLogit (x: float) = 1.0 / (1.0 + exp -x)

    /// The response-scale estimate of each group level of every group term with an intercept: θ_j = inv_logit or exp
    /// of the group's intercept (population intercept plus the group's deviation, at zero values of any other
    /// predictor), draw by draw; the data sizes and raw proportions (rates) from the bound data. Empty for other
    /// families. B_j is the Normal approximation on the link scale (see `ShrinkageFamily.BinomialLogit`).
    let shrinkage (b: Bound) (terms: FormulaTerms) (p: Posterior) : ShrinkageTable list =
        let observed = Bound.node b terms.Response

        let family, size =
            match terms.Family, observed.Node.Kind with
            | Family.Binomial, NodeKind.Observed(Dist.Binomial(n, _)) -> Some ShrinkageFamily.BinomialLogit, Some n
            | Family.Binomial, NodeKind.Observed(Dist.Bernoulli _) -> Some ShrinkageFamily.BinomialLogit, None
            | Family.Poisson, NodeKind.Observed(Dist.Poisson(_, e)) -> Some ShrinkageFamily.PoissonLog, Some e
            | _ -> None, None

        match family with
        | None -> []
        | Some fam ->
            let mean = PosteriorStates.meanState b p

            let n =
                match size with
                | Some e ->
                    let f = Eval.compileScalar b Scope.Row e
                    Array.init b.Rows (f mean)
                | None -> Array.create b.Rows 1.0

            let y = b.Numeric.[terms.Response]

            let inverse =
                if fam = ShrinkageFamily.BinomialLogit then
                    invLogit
                else
                    exp

            let coefs = Effects.coefDraws terms p
            let sds = Effects.varCorrDraws terms p

            terms.Groups
            |> Array.filter (fun g -> Array.contains "Intercept" g.Coefficients && b.Groups.ContainsKey g.Group)
            |> Array.map (fun g ->
                let info = b.Groups.[g.Group]
                let tau = Posterior.allChains $"sd_{g.Group}__Intercept" sds
                let total = Array.sum n

                let row j =
                    let rows = Array.init b.Rows id |> Array.filter (fun r -> info.RowLevel.[r] = j)
                    let nj = rows |> Array.sumBy (fun r -> n.[r])

                    let theta =
                        Posterior.chains $"coef_{g.Group}[{g.Levels.[j]},Intercept]" coefs
                        |> Array.map (Array.map inverse)

                    let factor =
                        Array.map2
                            (fun th (t: float) ->
                                let v =
                                    if fam = ShrinkageFamily.BinomialLogit then
                                        1.0 / (nj * th * (1.0 - th))
                                    else
                                        1.0 / (nj * th)

                                v / (v + t * t))
                            (Array.concat theta)
                            tau

                    {
                        Label = info.Levels.[j]
                        Size = nj
                        NoPooling = (rows |> Array.sumBy (fun r -> y.[r])) / nj
                        CompletePooling = Array.sum y / total
                        PartialMean = Diagnostics.mean theta
                        Lower = Diagnostics.quantile 0.05 theta
                        Upper = Diagnostics.quantile 0.95 theta
                        Factor = Array.average factor
                    }

                {
                    Spec =
                        {
                            Node = g.Node
                            Observed = terms.Response
                            Family = fam
                        }
                    Group = g.Group
                    Rows = Array.init info.Levels.Length row
                })
            |> List.ofArray
