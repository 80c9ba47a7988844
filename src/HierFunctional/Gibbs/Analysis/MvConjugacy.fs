namespace HierFunctional

open HierFunctional.Inference

/// The recognisers of the multivariate rules: an MvNormal mean, an inverse-Wishart covariance, a Wishart precision,
/// and an MvNormal prior on coefficients of Normal children's dot products.
[<RequireQualifiedAccess>]
module internal MvConjugacy =

    /// The dimension K of an MvNormalCholesky: its LkjCholesky factor node's, its `sized` scale node's, or the length
    /// of a literal mean or scale vector.
    let private choleskyDim (expanded: Model) (mean: Expr) (scales: Expr) (corr: Expr) =
        let node e =
            match e with
            | Param p -> Model.tryFind p expanded
            | _ -> None

        match node corr, node scales, mean, scales with
        | Some {
                   Kind = NodeKind.Parameter(Dist.LkjCholesky(k, _))
               },
          _,
          _,
          _ -> Some k
        | _, Some { Plate = Plate.Sized k }, _, _ -> Some k
        | _, _, Vector xs, _
        | _, _, _, Vector xs -> Some xs.Length
        | _ -> None

    /// Σ = diag(s)·L·Lᵀ·diag(s) as a K×K matrix expression: entry (i, j) = s_i·s_j·(row i of L · row j of L).
    let scaledCorrelation (k: int) (scales: Expr) (corrCholesky: Expr) : Expr =
        Matrix
            [
                for i in 0 .. k - 1 ->
                    [
                        for j in 0 .. k - 1 ->
                            Elem(scales, i)
                            * Elem(scales, j)
                            * Dot(Elem(corrCholesky, i), Elem(corrCholesky, j))
                    ]
            ]

    /// The mean and covariance of an MvNormal, or of an MvNormalCholesky with its covariance written out (see
    /// `scaledCorrelation`), so the MvNormal rules apply to both.
    let mvNormalForm (expanded: Model) (d: Dist) : (Expr * Expr) option =
        match d with
        | Dist.MvNormal(m, cov) -> Some(m, cov)
        | Dist.MvNormalCholesky(m, sc, l) ->
            choleskyDim expanded m sc l |> Option.map (fun k -> m, scaledCorrelation k sc l)
        | _ -> None

    /// How an MvNormal child must use the target: exactly as its mean, exactly as its covariance, or as the
    /// inverse of its covariance (`inverse target`, a precision) — and not at all in the other argument.
    type private MvRole =
        | AsMean
        | AsCovariance
        | AsPrecision

    let private mvNormalChild (expanded: Model) (target: string) (role: MvRole) (c: Node) =
        let used, other =
            match role with
            | AsMean -> "mean", "covariance"
            | AsCovariance -> "covariance", "mean"
            | AsPrecision -> "covariance (as inverse of it)", "mean"

        match RecogniserKit.childDist c |> Option.map (fun d -> d, mvNormalForm expanded d) with
        | Some(Dist.MvNormalCholesky _, Some _) when role <> AsMean ->
            Error
                $"child '{c.Name}' is MvNormalCholesky, whose covariance is built from scales and a correlation factor"
        | Some(_, Some(mean, cov)) ->
            let exact, rest = if role = AsMean then mean, cov else cov, mean

            match role, exact with
            | _ when Expr.dependsOn target rest -> Error $"child '{c.Name}' has '{target}' in its {other}"
            | (AsMean | AsCovariance), Param p when p = target ->
                Ok
                    {
                        Node = c
                        Mean = mean
                        Covariance = cov
                    }
            | AsPrecision, Apply(Fn.Inverse, Param p) when p = target ->
                Ok
                    {
                        Node = c
                        Mean = mean
                        Covariance = cov
                    }
            | _ -> Error $"the {used} of child '{c.Name}' is not exactly '{target}'"
        | Some(d, _) -> Error $"child '{c.Name}' is {Dist.name d}, not MvNormal"
        | None -> Error $"'{c.Name}' is not a stochastic node"

    /// A rule for a single (Plate.Scalar) vector or matrix node whose MvNormal children use it in `role`:
    /// `prior` picks the prior's two arguments, `what` names the node's kind.
    let private mvRule
        name
        math
        (what: string)
        role
        (prior: Model -> Dist -> (Expr * Expr) option)
        : Recogniser<Expr * Expr * MvNormalChild list> =
        {
            Name = name
            Math = math
            Recognise =
                fun expanded target ->
                    match target.Kind with
                    | NodeKind.Parameter d ->
                        match prior expanded d, target.Plate with
                        | Some(a, b), Plate.Scalar ->
                            RecogniserKit.eachChild expanded target (mvNormalChild expanded target.Name role)
                            |> Result.map (fun cs -> a, b, cs)
                            |> RuleOutcome.ofResult
                        | Some _, _ ->
                            RuleOutcome.Rejected $"it is a {what} per group level; this rule covers a single {what}"
                        | None, _ -> RuleOutcome.NotApplicable
                    | _ -> RuleOutcome.NotApplicable
        }

    /// MvNormal prior on a vector × MvNormal children with it as their mean.
    let mvNormalMean: Recogniser<Expr * Expr * MvNormalChild list> =
        mvRule
            "MvNormal mean"
            (RuleMath.one
                "MvNormal(m0, S0) on a vector"
                "MvNormal(θ, Σ_c), Σ_c free of θ (data rows or group vectors)"
                "MvNormal with precision Q = S0⁻¹ + Σ n_c Σ_c⁻¹, mean Q⁻¹(S0⁻¹m0 + Σ Σ_c⁻¹ Σx)")
            "vector"
            AsMean
            mvNormalForm

    /// InverseWishart prior on a covariance × MvNormal children with it as their covariance.
    let inverseWishartCovariance: Recogniser<Expr * Expr * MvNormalChild list> =
        mvRule
            "InverseWishart covariance"
            (RuleMath.one
                "InverseWishart(ν, Ψ)"
                "MvNormal(m_i, θ), means free of θ"
                "InverseWishart(ν + n, Ψ + Σ (x_i − m_i)(x_i − m_i)ᵀ)")
            "covariance"
            AsCovariance
            (fun _ d ->
                match d with
                | Dist.InverseWishart(nu, psi) -> Some(nu, psi)
                | _ -> None)

    /// Wishart prior on a precision matrix × MvNormal children with its inverse as their covariance.
    let wishartPrecision: Recogniser<Expr * Expr * MvNormalChild list> =
        mvRule
            "Wishart precision"
            (RuleMath.one
                "Wishart(ν, V)"
                "MvNormal(m_i, `inverse θ`), means free of θ"
                "Wishart(ν + n, (V⁻¹ + Σ (x_i − m_i)(x_i − m_i)ᵀ)⁻¹)")
            "precision"
            AsPrecision
            (fun _ d ->
                match d with
                | Dist.Wishart(nu, v) -> Some(nu, v)
                | _ -> None)

    /// MvNormal prior on each copy of a vector node × Normal children whose means are a dot product with the whole
    /// node or with the copy their group index selects (varying intercepts and slopes).
    let mvNormalLinear: Recogniser<Expr * Expr * GaussianChild list> =
        {
            Name = "MvNormal-linear (dot product)"
            Math =
                RuleMath.one
                    "MvNormal(m0, S0) per group level"
                    "Normal with mean `a_i + x_i·θ[group]` (varying intercepts and slopes)"
                    "per level: precision S0⁻¹ + Σ x xᵀ/s², mean Q⁻¹(S0⁻¹m0 + Σ x (y − a)/s²)"
            Recognise =
                fun expanded target ->
                    let form =
                        match target.Kind with
                        | NodeKind.Parameter d -> mvNormalForm expanded d
                        | _ -> None

                    match form, target.Plate with
                    | Some(m0, s0), (Plate.Scalar | Plate.Over _) ->
                        let accept (slot: Slot) = slot.IsWholeDot || slot.IsIndexedDot

                        RecogniserKit.eachChild expanded target (RecogniserKit.gaussianChildWhere accept target.Name)
                        |> Result.map (fun cs -> m0, s0, cs)
                        |> RuleOutcome.ofResult
                    | Some _, _ ->
                        RuleOutcome.Rejected
                            "it is a fixed-size set of vectors; this rule covers one vector or one per group level"
                    | None, _ -> RuleOutcome.NotApplicable
        }
