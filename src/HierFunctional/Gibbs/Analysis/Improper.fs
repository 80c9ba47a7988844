namespace HierFunctional

/// Known improper posteriors of hierarchical models, refused before sampling (a sampler would still produce
/// plausible-looking draws from a posterior that does not exist).
///
/// Normal hierarchy θ_j ~ Normal(μ, τ), j = 1..J, with data informing θ: the marginal likelihood p(y | τ) tends to a
/// positive constant as τ → 0 and decays like τ^−(J − k) as τ → ∞, where k = 1 when μ has a flat prior (integrated
/// out) and 0 otherwise (BDA3 §5.4; Gelman 2006 §3). A prior p(τ) ∝ τ^c near 0 and ∞ therefore gives a proper
/// posterior iff c > −1 (at 0) and c − (J − k) < −1 (at ∞): flat on log τ (c = −1) never; flat on τ (c = 0) iff
/// J ≥ 2 + k; flat on τ² (c = 1) iff J ≥ 3 + k.
/// Beta hierarchy θ_j ~ Beta(α, β) with p(α, β) ∝ 1: improper (BDA3 §5.3: the marginal likelihood does not vanish as
/// α + β → ∞ at a fixed α/(α + β)).
[<RequireQualifiedAccess>]
module internal Improper =

    let private prior (m: Model) (name: string) =
        match Model.tryFind name m with
        | Some { Kind = NodeKind.Parameter d } -> Some d
        | _ -> None

    let private factorsOf (m: Model) (name: string) =
        m.Nodes
        |> List.choose (fun n ->
            match n.Kind with
            | NodeKind.Factor e when Expr.dependsOn name e -> Some e
            | _ -> None)

    let rec private substitute (name: string) (v: float) (e: Expr) : Expr =
        let go = substitute name v

        match e with
        | Param p when p = name -> Const v
        | Neg a -> Neg(go a)
        | Add(a, b) -> Add(go a, go b)
        | Sub(a, b) -> Sub(go a, go b)
        | Mul(a, b) -> Mul(go a, go b)
        | Div(a, b) -> Div(go a, go b)
        | Power(a, b) -> Power(go a, go b)
        | Apply(f, a) -> Apply(f, go a)
        | other -> other

    /// The sum of the factor terms at name = v; None when a factor reads anything else.
    let private factorSum (factors: Expr list) (name: string) (v: float) =
        factors
        |> List.map (fun e -> substitute name v e |> Expr.tryConstant)
        |> List.fold (fun acc x -> Option.map2 (+) acc x) (Some 0.0)
        |> Option.filter System.Double.IsFinite

    /// log p(τ) as a function of u = log τ for a scale expression over a flat-prior parameter, if recognised:
    /// τ = s (Flat Positive), τ = √v (Flat Positive, Jacobian 2τ) or τ = exp l (Flat Real, Jacobian 1/τ).
    let private logPriorOfLogTau (m: Model) (scale: Expr) : (string * (float -> float option)) option =
        let withFactors name (toParam: float -> float) (jacobian: float -> float) =
            let fs = factorsOf m name
            Some(name, (fun u -> factorSum fs name (toParam u) |> Option.map (fun f -> f + jacobian u)))

        match scale with
        | Param s when prior m s = Some(Dist.Flat Support.Positive) -> withFactors s exp (fun _ -> 0.0)
        | Apply(Fn.Sqrt, Param v) when prior m v = Some(Dist.Flat Support.Positive) ->
            withFactors v (fun u -> exp (2.0 * u)) id
        | Apply(Fn.Exp, Param l) when prior m l = Some(Dist.Flat Support.Real) -> withFactors l id (fun u -> -u)
        | _ -> None

    /// The exponent c of p(τ) ∝ τ^c around u = log τ, from a unit step in u.
    let private exponentAt (g: float -> float option) (u: float) = Option.map2 (-) (g (u + 1.0)) (g u)

    let private isFlatMean (m: Model) (mean: Expr) =
        match mean with
        | Param mu -> prior m mu = Some(Dist.Flat Support.Real)
        | _ -> false

    let private normalDataOnly (m: Model) (theta: string) =
        let children = Model.children theta m

        not children.IsEmpty
        && children
           |> List.forall (fun n ->
               match n.Kind with
               | NodeKind.Observed(Dist.Normal(_, sd)) -> not (Expr.dependsOn theta sd)
               | _ -> false)

    /// The scale parameter informs nothing but this one node (and factors), so p(y | τ) behaves as stated above.
    let private onlyScaleOf (m: Model) (name: string) (theta: string) =
        Model.children name m
        |> List.forall (fun n ->
            match n.Kind with
            | NodeKind.Factor _ -> true
            | _ -> n.Name = theta)

    let private normalScale (m: Model) (theta: NodeInfo) (mean: Expr) (scale: Expr) =
        match logPriorOfLogTau m scale with
        | Some(name, g) when onlyScaleOf m name theta.Node.Name && not (Expr.dependsOn name mean) ->
            let k = if isFlatMean m mean then 1 else 0
            let j = theta.Copies
            let tau = theta.Node.Name

            match exponentAt g -40.0, exponentAt g 40.0 with
            | Some c0, _ when c0 <= -1.0 + 1e-9 ->
                [
                    ModelError.ImproperPosterior(
                        name,
                        $"its prior makes p(τ) ∝ τ^{c0:G3} near τ = 0 for the scale of '{tau}', and the likelihood stays positive as τ → 0, so the posterior is not integrable there (a flat prior on log τ is the classic case, BDA3 §5.4); use Flat on τ itself with J ≥ 3 groups, or a proper prior such as HalfCauchy or HalfNormal"
                    )
                ]
            | _, Some cInf when normalDataOnly m tau && cInf - float (j - k) >= -1.0 - 1e-9 ->
                let need = int (ceil (cInf + 2.0 + float k - 1e-9))

                [
                    ModelError.ImproperPosterior(
                        name,
                        $"with {j} group(s) of '{tau}' and p(τ) ∝ τ^{cInf:G3} for large τ, the marginal likelihood decays only like τ^-{j - k}, so the posterior is not integrable as τ → ∞ (BDA3 §5.4); this prior needs at least {need} groups: use a proper prior such as HalfCauchy or HalfNormal"
                    )
                ]
            | _ -> []
        | _ -> []

    let private betaFlat (m: Model) (node: string) (alpha: Expr) (beta: Expr) =
        match alpha, beta with
        | Param a, Param b when
            prior m a = Some(Dist.Flat Support.Positive)
            && prior m b = Some(Dist.Flat Support.Positive)
            && (factorsOf m a @ factorsOf m b).IsEmpty
            ->
            [
                ModelError.ImproperPosterior(
                    a,
                    $"'{a}' and '{b}' have flat priors, p(α, β) ∝ 1, as the Beta parameters of '{node}'; the marginal likelihood does not vanish as α + β → ∞ with α/(α + β) fixed, so the posterior is improper (BDA3 §5.3); add factor \"hyperprior\" (-2.5 * log ({a} + {b})) (BDA3 eq. 5.9) or give them proper priors"
                )
            ]
        | _ -> []

    /// With no data rows nothing can make a flat prior proper (a factor might, but that cannot be checked).
    let private flatWithoutData (b: Bound) =
        if b.Rows > 0 then
            []
        else
            Bound.parameters b
            |> List.choose (fun info ->
                match info.Node.Kind with
                | NodeKind.Parameter(Dist.Flat _) ->
                    Some(
                        ModelError.ImproperPosterior(
                            info.Node.Name,
                            "it has a Flat prior and the data set has no rows, so the posterior is the improper prior itself; add data or give it a proper prior"
                        )
                    )
                | _ -> None)

    /// Every known improper configuration in the (derived-expanded) model.
    let check (b: Bound) (expanded: Model) : ModelError list =
        let structural =
            b.Nodes
            |> List.collect (fun info ->
                let node = (Model.tryFind info.Node.Name expanded).Value

                match node.Kind with
                | NodeKind.Parameter(Dist.Normal(mean, scale)) -> normalScale expanded info mean scale
                | NodeKind.Parameter(Dist.Beta(a, bb))
                | NodeKind.Observed(Dist.BetaBinomial(_, a, bb)) -> betaFlat expanded node.Name a bb
                | _ -> [])

        flatWithoutData b @ structural |> List.distinct
