namespace HierFunctional

open System
open HierFunctional.Inference

/// The truncated-conjugate rule (its recogniser is at the end, after the executors): a conjugate prior truncated to constant bounds [lower, upper] has as its
/// conditional the untruncated posterior restricted to the same bounds, so each update forms the untruncated
/// rule's posterior arguments from the same sufficient statistics and draws by inversion (`Truncation.draw`).
/// The untruncated conjugate rules whose posterior `TruncatedConjugate` can restrict to the prior's bounds: the match
/// of each, as its recogniser found it.
[<RequireQualifiedAccess>]
type internal TruncatedInner =
    | NormalMean of priorMean: Expr * priorSd: Expr * children: GaussianChild list
    | BetaBinomial of alpha: Expr * beta: Expr * children: CountChild list
    | GammaPoisson of shape: Expr * rate: Expr * children: CountChild list
    | GammaExponential of shape: Expr * rate: Expr * children: Node list
    | NormalScale of link: ScaleLink * prior: Dist * children: ScaleChild list

[<RequireQualifiedAccess>]
module internal TruncatedConjugate =

    let private targetIndex (target: NodeInfo) (j: int) =
        if target.Scope = Scope.Global then 0 else j

    let private methodName (inner: string) (lower: float) (upper: float) =
        let show (x: float) =
            if Double.IsInfinity x then
                ""
            else
                x.ToString("G6", Globalization.CultureInfo.InvariantCulture)

        $"{inner} truncated to T({show lower}, {show upper})"

    /// An element-wise update: `prepare` fills the per-element statistics into the buffers, `posterior` gives
    /// element j's posterior family and its evaluated arguments (`Truncation` reads only the family's case, so the
    /// Dist carries placeholder arguments), drawn within the bounds.
    let private elementwise
        (target: NodeInfo)
        (b: Bound)
        (name: string)
        (buffers: int list)
        (prepare: float[] -> float[][] -> unit)
        (posterior: float[] -> float[][] -> int -> int -> Dist * float[])
        (lower: float)
        (upper: float)
        : Result<Update, string> =
        let node = target.Node.Name
        let off = b.Layout.Offsets.[node]

        Ok
            {
                Node = node
                Method = methodName name lower upper
                Kind = UpdateKind.Rule "truncated conjugate"
                Exactness = Exactness.Exact
                Reason = ""
                KeepsWeight = false
                Init =
                    fun _ ->
                        // the per-element statistics, one array per buffer length, owned by this chain's step
                        let stats = buffers |> List.map Array.zeroCreate<float> |> Array.ofList

                        UpdateStep.scratch (fun rng st ->
                            let s = st.Values
                            prepare s stats

                            for j in 0 .. target.Copies - 1 do
                                let family, args = posterior s stats j (targetIndex target j)
                                let x = Truncation.draw rng family args lower upper
                                UpdateKit.checkFinite node name x
                                s.[off + j] <- x)
            }

    let private compile (b: Bound) (target: NodeInfo) (e: Expr) = Eval.compileScalar b target.Scope e

    /// Normal(m0, s0) T(l, u) × Gaussian children: Normal(m, 1/√P) T(l, u), P = 1/s0² + P_j, m = (m0/s0² + S_j)/P.
    let private normalMean b (target: NodeInfo) m0 s0 (children: GaussianChild list) lower upper =
        let bad =
            children
            |> List.tryPick (fun c ->
                match Slots.elementOf b target (Bound.node b c.Node.Name) c.Slot with
                | Error why -> Some why
                | Ok _ when (Bound.node b c.Node.Name).Event <> Shape.Scalar ->
                    Some $"child '{c.Node.Name}' is not scalar"
                | Ok _ -> None)

        match bad with
        | Some why -> Error why
        | None ->
            let likelihood = GaussianLikelihood.gaussianLikelihood b target children
            let mf, sf = compile b target m0, compile b target s0
            let n = target.Copies

            elementwise
                target
                b
                NormalConjugacy.normalMean.Name
                [ n; n; n ]
                (fun s bufs -> likelihood s bufs.[0] bufs.[1] bufs.[2])
                (fun s bufs j i ->
                    let sd0 = sf s i
                    let p = 1.0 / (sd0 * sd0) + bufs.[0].[j]

                    Dist.Normal(Const 0.0, Const 1.0), [| (mf s i / (sd0 * sd0) + bufs.[1].[j]) / p; 1.0 / sqrt p |])
                lower
                upper

    /// Count children: per element (Σ y, Σ size), then the posterior family from the prior's two arguments.
    let private counts b (target: NodeInfo) (rule: string) (children: CountChild list) post lower upper =
        let bad =
            children
            |> List.tryPick (fun c ->
                match Slots.elementOf b target (Bound.node b c.Node.Name) c.Slot with
                | Error why -> Some why
                | Ok _ -> None)

        match bad with
        | Some why -> Error why
        | None ->
            let sums = CountSums.countSums b target children
            let n = target.Copies

            elementwise
                target
                b
                rule
                [ n; n ]
                (fun s bufs -> sums s bufs.[0] bufs.[1])
                (fun s bufs j i -> post s i bufs.[0].[j] bufs.[1].[j])
                lower
                upper

    /// Σ of the Exponential children's values and their number.
    let private exponentialTotals (b: Bound) (children: Node list) =
        let parts =
            children
            |> List.map (fun node ->
                let child = Bound.node b node.Name
                child.Copies, Slots.childValues b child)

        float (parts |> List.sumBy fst),
        fun (s: float[]) ->
            let mutable t = 0.0

            for (copies, value) in parts do
                for r in 0 .. copies - 1 do
                    t <- t + value s r

            t

    /// The update for a truncated conjugate prior (see `recogniser`).
    let update
        (b: Bound)
        (target: NodeInfo)
        (lower: float)
        (upper: float)
        (c: TruncatedInner)
        : Result<Update, string> =
        let gamma = Dist.Gamma(Const 1.0, Const 1.0)

        match c with
        | TruncatedInner.NormalMean(m0, s0, children) -> normalMean b target m0 s0 children lower upper
        | TruncatedInner.BetaBinomial(a, bb, children) ->
            let af, bf = compile b target a, compile b target bb

            counts
                b
                target
                CountConjugacy.betaBinomial.Name
                children
                (fun s i y trials -> Dist.Beta(Const 1.0, Const 1.0), [| af s i + y; bf s i + trials - y |])
                lower
                upper
        | TruncatedInner.GammaPoisson(a, r, children) ->
            let af, rf = compile b target a, compile b target r

            counts
                b
                target
                CountConjugacy.gammaPoisson.Name
                children
                (fun s i y exposure -> gamma, [| af s i + y; rf s i + exposure |])
                lower
                upper
        | TruncatedInner.GammaExponential(a, r, children) ->
            let af, rf = compile b target a, compile b target r
            let n, total = exponentialTotals b children

            elementwise
                target
                b
                CountConjugacy.gammaExponential.Name
                []
                (fun _ _ -> ())
                (fun s _ _ i -> gamma, [| af s i + n; rf s i + total s |])
                lower
                upper
        | TruncatedInner.NormalScale(link, prior, children) ->
            let parts = children |> List.map (ScaleUpdates.sumOfSquares b) |> Array.ofList
            let n = parts |> Array.sumBy fst

            let ss (s: float[]) =
                parts |> Array.sumBy (fun (_, f) -> f s)

            match prior, link with
            | Dist.Gamma(a, r), ScaleLink.Precision ->
                let af, rf = compile b target a, compile b target r

                elementwise
                    target
                    b
                    $"{NormalConjugacy.normalScale.Name} (Gamma on a precision)"
                    []
                    (fun _ _ -> ())
                    (fun s _ _ i -> gamma, [| af s i + 0.5 * n; rf s i + 0.5 * ss s |])
                    lower
                    upper
            | Dist.InverseGamma(a, sc), ScaleLink.Variance ->
                let af, sf = compile b target a, compile b target sc

                elementwise
                    target
                    b
                    $"{NormalConjugacy.normalScale.Name} (InverseGamma on a variance)"
                    []
                    (fun _ _ -> ())
                    (fun s _ _ i ->
                        Dist.InverseGamma(Const 1.0, Const 1.0), [| af s i + 0.5 * n; sf s i + 0.5 * ss s |])
                    lower
                    upper
            | _ -> Error $"no truncated form of the {Dist.name prior} prior on a {link}"


    /// A prior truncated to constant bounds whose untruncated family is conjugate: the conditional is that rule's
    /// posterior truncated to the same bounds, drawn by inversion. Covers Normal-Normal, Beta-Binomial,
    /// Gamma-Poisson, Gamma-Exponential, Gamma on a precision and InverseGamma on a variance.
    let recogniser: Recogniser<float * float * TruncatedInner> =
        {
            Name = "truncated conjugate"
            Math =
                [
                    RuleMath.case
                        "`<rule> truncated to T(l, u)`"
                        "a Normal, Beta, Gamma or InverseGamma prior of one of the rules above, `Truncated(prior, l, u)` with constant bounds (either may be open)"
                        "as the untruncated rule (Normal-Normal, Beta-Binomial, Gamma-Poisson, Gamma-Exponential, Gamma on a precision, InverseGamma on a variance)"
                        "the untruncated rule's posterior truncated to [l, u], drawn by inversion: u uniform between F(l) and F(u) of the posterior, taken in log space on the smaller tail (log-CDF, or log-survival when the interval lies in the upper tail; `Math/LogTails.fs`), so a mass that underflows a double (a Beta(1e7, 5) below 0.9999, a Normal beyond 40 sd) is still drawn from, θ = F⁻¹(u) (bisection on the log-CDF where the probability is not representable). The same log-mass normalises the truncated log-density. Other truncated priors (e.g. a truncated HalfNormal sd, or a truncated Normal prior with a block or Pólya-Gamma update) are sliced, and the plan says `the truncated form of the … update is not implemented`."
                ]
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter(Dist.Truncated(inner, lo, hi)) ->
                        let bound (b: Expr option) (open': float) =
                            match b with
                            | None -> Some open'
                            | Some e -> Expr.tryConstant e

                        match bound lo -infinity, bound hi infinity with
                        | Some l, Some u ->
                            let untruncated =
                                { target with
                                    Kind = NodeKind.Parameter inner
                                }

                            let model =
                                {
                                    Nodes =
                                        expanded.Nodes
                                        |> List.map (fun n -> if n.Name = target.Name then untruncated else n)
                                }

                            let attempt (r: Recogniser<'m>) (wrap: 'm -> Result<TruncatedInner, string>) =
                                r.Name,
                                match r.Recognise model untruncated with
                                | RuleOutcome.Matched m -> RuleOutcome.ofResult (wrap m)
                                | RuleOutcome.Rejected why -> RuleOutcome.Rejected why
                                | RuleOutcome.NotApplicable -> RuleOutcome.NotApplicable

                            let notImplemented (name: string) =
                                Error $"the truncated form of the {name} update is not implemented"

                            let attempts =
                                [
                                    attempt NormalConjugacy.normalMean (TruncatedInner.NormalMean >> Ok)
                                    attempt CountConjugacy.betaBinomial (TruncatedInner.BetaBinomial >> Ok)
                                    attempt CountConjugacy.gammaPoisson (TruncatedInner.GammaPoisson >> Ok)
                                    attempt CountConjugacy.gammaExponential (TruncatedInner.GammaExponential >> Ok)
                                    attempt NormalConjugacy.normalScale (fun (link, prior, cs) ->
                                        match prior, link with
                                        | Dist.Gamma _, ScaleLink.Precision
                                        | Dist.InverseGamma _, ScaleLink.Variance ->
                                            Ok(TruncatedInner.NormalScale(link, prior, cs))
                                        | _ -> notImplemented NormalConjugacy.normalScale.Name)
                                ]

                            match attempts |> List.tryPick (snd >> RuleOutcome.toOption) with
                            | Some c -> RuleOutcome.Matched(l, u, c)
                            | None ->
                                let reasons =
                                    attempts
                                    |> List.choose (fun (name, o) ->
                                        match o with
                                        | RuleOutcome.Rejected why -> Some $"{name}: {why}"
                                        | _ -> None)

                                match reasons with
                                | [] ->
                                    RuleOutcome.Rejected
                                        $"its untruncated {Dist.name inner} prior has no conjugate rule"
                                | rs -> RuleOutcome.Rejected(String.Join("; ", rs))
                        | _ -> RuleOutcome.Rejected "its truncation bounds are not constants"
                    | _ -> RuleOutcome.NotApplicable
        }
