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

    /// MvNormal(m0, S0) prior on a vector μ × children x_i ~ MvNormal(μ, Σ_c) with Σ_c free of μ: posterior
    /// precision Q = S0⁻¹ + Σ_c n_c Σ_c⁻¹, mean Q⁻¹ (S0⁻¹ m0 + Σ_c Σ_c⁻¹ Σ_i x_i) (the MvNormal-MvNormal identity).
    let mvNormalMean: Recogniser<Expr * Expr * MvNormalChild list> =
        mvRule
            "MvNormal mean"
            "mu ~ MvN(m0, S0), x_i ~ MvN(mu, Sigma) => mu | x ~ MvN(Q^-1 (S0^-1 m0 + Sigma^-1 sum x_i), Q^-1), Q = S0^-1 + n Sigma^-1"
            "vector"
            AsMean
            mvNormalForm

    /// InverseWishart(ν, Ψ) prior on a covariance Σ × children x_i ~ MvNormal(m_i, Σ) with means free of Σ:
    /// InverseWishart(ν + n, Ψ + Σ_i (x_i − m_i)(x_i − m_i)ᵀ) (the inverse-Wishart–normal identity).
    let inverseWishartCovariance: Recogniser<Expr * Expr * MvNormalChild list> =
        mvRule
            "InverseWishart covariance"
            "Sigma ~ IW(nu, Psi), x_i ~ MvN(m_i, Sigma) => Sigma | x ~ IW(nu + n, Psi + sum (x_i - m_i)(x_i - m_i)')"
            "covariance"
            AsCovariance
            (fun _ d ->
                match d with
                | Dist.InverseWishart(nu, psi) -> Some(nu, psi)
                | _ -> None)

    /// Wishart(ν, V) prior on a precision matrix Λ × children x_i ~ MvNormal(m_i, inverse Λ) with means free of Λ:
    /// Wishart(ν + n, (V⁻¹ + Σ_i (x_i − m_i)(x_i − m_i)ᵀ)⁻¹) (the Wishart–normal identity).
    let wishartPrecision: Recogniser<Expr * Expr * MvNormalChild list> =
        mvRule
            "Wishart precision"
            "Lambda ~ Wishart(nu, V), x_i ~ MvN(m_i, inverse Lambda) => Lambda | x ~ Wishart(nu + n, (V^-1 + sum (x_i - m_i)(x_i - m_i)')^-1)"
            "precision"
            AsPrecision
            (fun _ d ->
                match d with
                | Dist.Wishart(nu, v) -> Some(nu, v)
                | _ -> None)

    /// MvNormal(m0, S0) prior on each copy b_j of a vector node × Normal children y_i ~ N(a_i + x_i·b_j, s_i)
    /// (a dot product with the whole node, or with the copy its group index selects): per copy, posterior
    /// precision Q_j = S0⁻¹ + Σ_{i in j} x_i x_iᵀ/s_i², mean Q_j⁻¹ (S0⁻¹ m0 + Σ_{i in j} x_i (y_i − a_i)/s_i²).
    let mvNormalLinear: Recogniser<Expr * Expr * GaussianChild list> =
        {
            Name = "MvNormal-linear (dot product)"
            Math =
                "b_j ~ MvN(m0, S0), y_i ~ N(a_i + x_i . b_j, s_i) => b_j | y ~ MvN(Q^-1 (S0^-1 m0 + sum x_i (y_i - a_i)/s_i^2), Q^-1), Q = S0^-1 + sum x_i x_i'/s_i^2"
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
