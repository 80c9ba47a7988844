namespace HierFunctional

open HierFunctional.Inference

/// Which coefficients and rows a GLM block covers: scalar global coefficients with Normal or Flat priors whose every
/// child is an observed Poisson-log, NegativeBinomial-log or Binomial-logit row, and each row's design and offset in the block's members.
[<RequireQualifiedAccess>]
module internal GlmBlockMembers =

    /// The link, linear predictor and exposure (Poisson), trials (Binomial) or dispersion (NegativeBinomial) of a GLM
    /// child the block covers.
    let glmRow (c: Node) : (GlmProposal.Link * Expr * Expr) option =
        match c.Kind with
        | NodeKind.Observed(Dist.Poisson(Apply(Fn.Exp, eta), exposure)) -> Some(GlmProposal.Link.Log, eta, exposure)
        | NodeKind.Observed(Dist.Bernoulli(Apply(Fn.InvLogit, eta))) -> Some(GlmProposal.Link.Logit, eta, Const 1.0)
        | NodeKind.Observed(Dist.Binomial(n, Apply(Fn.InvLogit, eta))) -> Some(GlmProposal.Link.Logit, eta, n)
        | NodeKind.Observed(Dist.NegativeBinomial(Apply(Fn.Exp, eta), phi)) ->
            Some(GlmProposal.Link.NegBinLog, eta, phi)
        | _ -> None

    /// The prior of a block member the block can take.
    [<RequireQualifiedAccess>]
    type Prior =
        | Gaussian of mean: Expr * sd: Expr
        | Flat
        /// Uniform(lower, upper) with constant bounds (Stan's bounded coefficients): flat inside, so the proposal
        /// is the likelihood's IWLS step and a proposal outside the bounds is rejected.
        | Uniform of lower: float * upper: float

    /// Normal(mean, sd), Flat-on-the-real-line or constant-bounded Uniform prior of a block member.
    let priorOf (info: NodeInfo) =
        match info.Node.Kind with
        | NodeKind.Parameter(Dist.Normal(m, s)) -> Some(Prior.Gaussian(m, s))
        | NodeKind.Parameter(Dist.Flat Support.Real) -> Some Prior.Flat
        | NodeKind.Parameter(Dist.Uniform(Const lo, Const hi)) when lo < hi -> Some(Prior.Uniform(lo, hi))
        | _ -> None

    /// The GLM child nodes of a candidate member (sorted names), when it is a scalar global Normal/Flat parameter that
    /// every child reads once, linearly, with a data-only multiplier, inside a Poisson-log or Binomial-logit row.
    let childrenOf (b: Bound) (expanded: Model) (name: string) : string list option =
        let info = b.NodeMap.[name]

        if not (Factor.isScalarGlobalParameter b name) || (priorOf info).IsNone then
            None
        else
            match Graph.children expanded name with
            | [] -> None
            | cs ->
                let fits (c: Node) =
                    match glmRow c with
                    | Some(_, eta, extra) when not (Expr.dependsOn name extra) ->
                        match Linear.tryAffine name eta with
                        | Some(_, Slot.Whole, coefficient) -> Factor.isDataOnly coefficient
                        | _ -> false
                    | _ -> false

                if List.forall fits cs then
                    Some(cs |> List.map _.Name |> List.sort)
                else
                    None

    /// The design and offset of one child in all members, or None when the members do not enter it as
    /// offset + Σ x_j β_j with data-only x_j and an offset, exposure and trials free of every member.
    let childFor (b: Bound) (expanded: Model) (members: string[]) (childName: string) : GlmProposal.Child option =
        let node = (Model.tryFind childName expanded).Value
        let info = Bound.node b childName

        let free e =
            members |> Array.forall (fun m -> not (Expr.dependsOn m e))

        match glmRow node with
        | Some(link, eta, extra) when free extra ->
            let step (acc: (Expr * Expr list) option) (m: string) =
                acc
                |> Option.bind (fun (offset, coefs) ->
                    match Linear.tryAffine m offset with
                    | Some(rest, Slot.Whole, c) when Factor.isDataOnly c -> Some(rest, coefs @ [ c ])
                    | _ -> None)

            match Array.fold step (Some(eta, [])) members with
            | Some(offset, coefs) when free offset ->
                let k = members.Length
                let zero = UpdateKit.zeroState b
                let cols = coefs |> List.map (Eval.compileScalar b info.Scope) |> Array.ofList
                let x = Array.zeroCreate (info.Copies * k)

                for r in 0 .. info.Copies - 1 do
                    for j in 0 .. k - 1 do
                        x.[r * k + j] <- cols.[j] zero r

                let offsetExpr, trials =
                    match link with
                    | GlmProposal.Link.Log -> Add(offset, Apply(Fn.Log, extra)), Const 1.0
                    | GlmProposal.Link.Logit
                    | GlmProposal.Link.NegBinLog -> offset, extra

                Some
                    {
                        Rows = info.Copies
                        Link = link
                        X = x
                        Offset = PolyaGammaUpdate.perRow b info offsetExpr
                        Trials = PolyaGammaUpdate.perRow b info trials
                        Y = b.Numeric.[childName]
                        Info = info
                        FreeOffset = offset
                    }
            | _ -> None
        | _ -> None
