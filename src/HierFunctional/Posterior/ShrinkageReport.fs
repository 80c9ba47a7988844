namespace HierFunctional

open System
open System.Text

/// The conjugate family whose shrinkage factor a report computes.
[<RequireQualifiedAccess>]
type ShrinkageFamily =
    /// θ_j ~ Normal(μ, τ), y ~ Normal(θ_j, sd): B_j = σ_j²/(σ_j²+τ²) with σ_j² = 1/Σ_{rows of j} sd⁻².
    | Normal
    /// θ_j ~ Beta(α, β), y ~ Binomial(n, θ_j): B_j = (α+β)/(n_j+α+β) with n_j the group's trials.
    | BetaBinomial
    /// θ_j ~ Gamma(α, β), y ~ Poisson(θ_j, exposure): B_j = β/(E_j+β) with E_j the group's exposure.
    | GammaPoisson
    /// A logit-link binomial GLMM's group intercepts (θ_j = inv_logit(Intercept_j), a probability): B_j from the
    /// Normal approximation on the logit scale, v_j/(v_j+τ²) with v_j = 1/(n_j θ_j (1−θ_j)), so approximate.
    | BinomialLogit
    /// A log-link Poisson GLMM's group intercepts (θ_j = exp(Intercept_j), a rate per unit exposure): B_j from the
    /// Normal approximation on the log scale, v_j/(v_j+τ²) with v_j = 1/(E_j θ_j), so approximate.
    | PoissonLog

/// Which nodes a shrinkage report reads: the group-level node, its observed child and the family.
type ShrinkageSpec =
    {
        /// The group-level parameter node (e.g. `theta`), declared `over` a group column.
        Node: string
        /// The observed node whose distribution uses it (e.g. `y`).
        Observed: string
        /// The conjugate family.
        Family: ShrinkageFamily
    }

/// One group of a shrinkage report.
type ShrinkageRow =
    {
        /// The group's level label.
        Label: string
        /// Data size n_j: rows (Normal), trials (Beta-Binomial) or exposure E_j (Gamma-Poisson).
        Size: float
        /// The group's own estimate: the sd⁻²-weighted mean (Normal), y_j/n_j or x_j/E_j.
        NoPooling: float
        /// The estimate from all groups pooled, the same formula over every row.
        CompletePooling: float
        /// Posterior mean of θ_j (partial pooling).
        PartialMean: float
        /// 5% posterior quantile of θ_j.
        Lower: float
        /// 95% posterior quantile of θ_j.
        Upper: float
        /// Realised shrinkage factor: the posterior mean of B_j over the draws.
        Factor: float
    }

/// A shrinkage report: no, complete and partial pooling side by side, with the shrinkage factor per group.
type ShrinkageTable =
    {
        /// What was read.
        Spec: ShrinkageSpec
        /// The group column.
        Group: string
        /// One row per level, in level order.
        Rows: ShrinkageRow[]
    }

    /// The report as a console table, one line per group, so C# and notebook users see the report, not the record.
    override t.ToString() =
        let sb = StringBuilder()
        let f (x: float) = Summary.formatSignificant 3 x

        sb.AppendLine(
            $"Shrinkage of {t.Spec.Node} over {t.Group} ({t.Spec.Family}, observed {t.Spec.Observed}); B = shrinkage factor"
        )
        |> ignore

        match t.Spec.Family with
        | ShrinkageFamily.BinomialLogit ->
            sb.AppendLine(
                "on the probability scale: inv_logit of each group's intercept; B approximate (Normal approximation on the logit scale)"
            )
            |> ignore
        | ShrinkageFamily.PoissonLog ->
            sb.AppendLine(
                "on the rate scale (per unit exposure): exp of each group's intercept; B approximate (Normal approximation on the log scale)"
            )
            |> ignore
        | _ -> ()

        let header = [| "group"; "n"; "no pool"; "pooled"; "partial"; "q5"; "q95"; "B" |]

        let cells =
            t.Rows
            |> Array.map (fun r ->
                [|
                    r.Label
                    f r.Size
                    f r.NoPooling
                    f r.CompletePooling
                    f r.PartialMean
                    f r.Lower
                    f r.Upper
                    f r.Factor
                |])

        let line = TextTable.lineFormatter header cells

        sb.AppendLine(line header) |> ignore
        cells |> Array.iter (fun c -> sb.AppendLine(line c) |> ignore)
        sb.ToString()

/// Shrinkage reports from a fit (the detection and computation behind `Shrinkage.report`).
[<RequireQualifiedAccess>]
module ShrinkageReport =

    let private fail (node: string) (why: string) =
        invalidArg
            "node"
            $"cannot report shrinkage of '{node}': {why}; pass a ShrinkageSpec to ShrinkageReport.compute."

    let private groupOf (b: Bound) (node: string) =
        match (Bound.node b node).Scope with
        | Scope.Level g -> g
        | _ -> fail node "it is not declared `over` a group column"

    /// The spec read from the model tree: the family from the node's prior and its first observed child.
    let detect (b: Bound) (node: string) : ShrinkageSpec =
        groupOf b node |> ignore

        let child =
            Bound.observed b
            |> List.tryFind (fun i ->
                match i.Node.Kind with
                | NodeKind.Observed d -> Dist.arguments d |> List.exists (snd >> Expr.dependsOn node)
                | _ -> false)

        match child with
        | None -> fail node "no observed node depends on it"
        | Some c ->
            let family =
                match (Bound.node b node).Node.Kind, c.Node.Kind with
                | NodeKind.Parameter(Dist.Normal _), NodeKind.Observed(Dist.Normal _) -> ShrinkageFamily.Normal
                | NodeKind.Parameter(Dist.Beta _), NodeKind.Observed(Dist.Binomial _) -> ShrinkageFamily.BetaBinomial
                | NodeKind.Parameter(Dist.Gamma _), NodeKind.Observed(Dist.Poisson _) -> ShrinkageFamily.GammaPoisson
                | _ -> fail node "its prior and observed child are not Normal-Normal, Beta-Binomial or Gamma-Poisson"

            {
                Node = node
                Observed = c.Node.Name
                Family = family
            }

    let private distOf (b: Bound) (name: string) =
        match (Bound.node b name).Node.Kind with
        | NodeKind.Parameter d
        | NodeKind.Observed d -> d
        | _ -> invalidArg "spec" $"'{name}' is neither a parameter nor an observed node."

    // Per row: the weight (sd⁻², trials or exposure) as a function of the state; per level: B_j given the level's
    // summed weight. Both come from the spec's family.
    let private parts (b: Bound) (spec: ShrinkageSpec) =
        let scalar scope e = Eval.compileScalar b scope e
        let level = Scope.Level(groupOf b spec.Node)

        match spec.Family, distOf b spec.Node, distOf b spec.Observed with
        | ShrinkageFamily.Normal, Dist.Normal(_, tau), Dist.Normal(_, sd) ->
            let sd, tau = scalar Scope.Row sd, scalar level tau
            (fun s r -> 1.0 / (sd s r * sd s r)), (fun s j (w: float) -> let v = 1.0 / w in v / (v + tau s j * tau s j))
        | ShrinkageFamily.BetaBinomial, Dist.Beta(a, bt), Dist.Binomial(n, _) ->
            let n, a, bt = scalar Scope.Row n, scalar level a, scalar level bt
            n, (fun s j w -> (a s j + bt s j) / (w + a s j + bt s j))
        | ShrinkageFamily.GammaPoisson, Dist.Gamma(_, rate), Dist.Poisson(_, e) ->
            let e, rate = scalar Scope.Row e, scalar level rate
            e, (fun s j w -> rate s j / (w + rate s j))
        | f, _, _ ->
            invalidArg
                "spec"
                $"the nodes '{spec.Node}' and '{spec.Observed}' do not have the {f} family's distributions."

    // Normal: the weighted mean Σ w y / Σ w; the counts families: Σ y / Σ (trials or exposure), the same form.
    let private estimate (spec: ShrinkageSpec) (w: float[]) (y: float[]) (rows: int[]) =
        let sw = rows |> Array.sumBy (fun r -> w.[r])

        match spec.Family with
        | ShrinkageFamily.Normal -> (rows |> Array.sumBy (fun r -> w.[r] * y.[r])) / sw
        | _ -> (rows |> Array.sumBy (fun r -> y.[r])) / sw

    /// The report for an explicit spec. Data sizes and pooled estimates use the weights at the posterior mean
    /// state (they depend on parameters only through a Normal likelihood's sd); B_j is averaged over every draw.
    let compute (b: Bound) (spec: ShrinkageSpec) (posterior: Posterior) : ShrinkageTable =
        let g = groupOf b spec.Node
        let info = b.Groups.[g]
        let weight, factor = parts b spec
        let y = b.Numeric.[spec.Observed]
        let states = PosteriorStates.allChainStates b posterior
        let mean = PosteriorStates.meanState b posterior
        let w = Array.init b.Rows (weight mean)
        let all = Array.init b.Rows id

        let rowsOf j =
            all |> Array.filter (fun r -> info.RowLevel.[r] = j)

        let row j =
            let rows = rowsOf j
            let theta = Posterior.chains $"{spec.Node}[{j + 1}]" posterior

            let bj =
                states
                |> Array.averageBy (fun s -> factor s j (rows |> Array.sumBy (fun r -> weight s r)))

            {
                Label = info.Levels.[j]
                Size =
                    (match spec.Family with
                     | ShrinkageFamily.Normal -> float rows.Length
                     | _ -> rows |> Array.sumBy (fun r -> w.[r]))
                NoPooling = estimate spec w y rows
                CompletePooling = estimate spec w y all
                PartialMean = Array.concat theta |> Array.average
                Lower = Diagnostics.quantile 0.05 theta
                Upper = Diagnostics.quantile 0.95 theta
                Factor = bj
            }

        {
            Spec = spec
            Group = g
            Rows = Array.init info.Levels.Length row
        }

    /// The report for a group-level node, with the family detected from the model tree (`detect`).
    let report (b: Bound) (node: string) (posterior: Posterior) : ShrinkageTable = compute b (detect b node) posterior

    /// The report as a console table, one line per group.
    let format (t: ShrinkageTable) : string = t.ToString()
