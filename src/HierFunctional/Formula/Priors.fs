namespace HierFunctional

open MathNet.Numerics.Statistics

/// The prior on the covariance matrix of K ≥ 2 correlated group-level coefficients.
[<RequireQualifiedAccess>]
type CovariancePrior =
    /// Σ ~ InverseWishart(K + 1, diag(s_k²)): conjugate (closed-form Gibbs update), and with K + 1 degrees of
    /// freedom every correlation is marginally uniform on (−1, 1).
    | InverseWishart
    /// brms's choice: Σ = diag(sd)·L·Lᵀ·diag(sd) with L ~ LkjCholesky(K, eta) and each sd_k ~ HalfStudentT(3, s_k),
    /// so scales and correlations have separate priors; (sd, L) are slice-sampled from the scatter statistic.
    | Lkj of eta: float

/// What quantity of a scale node an override's prior is on: the node itself, or (BUGS style) its precision
/// 1/sd² or its variance sd².
[<RequireQualifiedAccess>]
type PriorOn =
    /// The node itself (`sigma ~ HalfNormal(10)`).
    | Itself
    /// The precision 1/sd² of an sd node (`sigma ~ Gamma(0.001, 0.001) on precision`).
    | Precision
    /// The variance sd² of an sd node (`sigma ~ InverseGamma(0.001, 0.001) on variance`).
    | Variance

/// A replacement prior for one parameter node, by the node's name (see docs/formula.md for the naming scheme).
[<StructuralEquality; NoComparison>]
type PriorOverride =
    {
        /// The parameter node's name, e.g. `b_Days`, `sigma`, `sd_Subject__Intercept`.
        Node: string
        /// Its new prior.
        Prior: Dist
        /// What the prior is on: the node, or the precision or variance of an sd node.
        On: PriorOn
    }

/// The data-derived scales the default priors use (brms's `def_scale_prior` and rstanarm's autoscaling).
[<StructuralEquality; NoComparison>]
type PriorScales =
    {
        /// Location of the intercept's prior: round(median(y), 1) for gaussian, 0 on a logit/log link.
        Location: float
        /// brms's scale: max(2.5, round(mad(y), 1)) for gaussian, 2.5 on a logit/log link.
        Scale: float
        /// The numerator of rstanarm's slope scale: 2.5·sd(y) for gaussian, 2.5 on a logit/log link.
        SlopeScale: float
    }

/// The default weakly-informative priors of the formula front end, and prior overrides.
[<RequireQualifiedAccess>]
module FormulaPriors =

    /// Rounds to three significant digits so that printed models stay readable.
    let round3 (x: float) =
        if x = 0.0 || not (System.Double.IsFinite x) then
            x
        else
            let digits = 2 - int (floor (log10 (abs x)))

            if digits >= 0 then
                System.Math.Round(x, min digits 15)
            else
                let unit = 10.0 ** float -digits
                System.Math.Round(x / unit) * unit

    /// R's mad: 1.4826 · median(|y − median(y)|), the normal-consistent median absolute deviation.
    let mad (y: float[]) =
        let m = Statistics.Median y
        1.4826 * Statistics.Median(y |> Array.map (fun v -> abs (v - m)))

    /// The scales for a response on the scale of its linear predictor: gaussian and student use the data (brms:
    /// median and mad rounded to one decimal; rstanarm: 2.5·sd(y)), lognormal and Gamma the same of log y (as brms
    /// does for a log scale or log link), the other families the unit scale of their link.
    let scales (family: Family) (y: float[]) : PriorScales =
        let fromData (v: float[]) =
            {
                Location = System.Math.Round(Statistics.Median v, 1)
                Scale = max 2.5 (System.Math.Round(mad v, 1))
                SlopeScale = 2.5 * Statistics.StandardDeviation v
            }

        match family with
        | Family.Gaussian
        | Family.Student -> fromData y
        | Family.LogNormal -> fromData (Array.map log y)
        | Family.Gamma ->
            let s = fromData (Array.map log y)
            { s with SlopeScale = 2.5 }
        | _ ->
            {
                Location = 0.0
                Scale = 2.5
                SlopeScale = 2.5
            }

    /// brms's intercept prior StudentT(3, location, scale).
    let intercept (s: PriorScales) : Dist =
        Dist.StudentT(Const 3.0, Const s.Location, Const s.Scale)

    /// rstanarm's slope prior Normal(0, 2.5·sd(y)/sd(x)) (2.5/sd(x) on a link scale), to three digits.
    let slope (s: PriorScales) (sdX: float) : Dist =
        Dist.Normal(Const 0.0, Const(round3 (s.SlopeScale / sdX)))

    /// brms's prior on a group-level sd and on the residual sd: HalfStudentT(3, scale).
    let scaleParameter (s: PriorScales) : Dist =
        Dist.HalfStudentT(Const 3.0, Const s.Scale)

    /// brms's prior on the negative binomial dispersion (its `shape`): Gamma(0.01, 0.01).
    let dispersion: Dist = Dist.Gamma(Const 0.01, Const 0.01)

    /// brms's prior on the Gamma family's shape: Gamma(0.01, 0.01).
    let gammaShape: Dist = Dist.Gamma(Const 0.01, Const 0.01)

    /// brms's prior on the beta family's precision phi: Gamma(0.01, 0.01).
    let betaPrecision: Dist = Dist.Gamma(Const 0.01, Const 0.01)

    /// brms's prior on the student family's degrees of freedom nu: Gamma(2, 0.1).
    let studentDof: Dist = Dist.Gamma(Const 2.0, Const 0.1)

    /// brms's prior on a zero-inflation probability zi: Beta(1, 1).
    let zeroInflation: Dist = Dist.Beta(Const 1.0, Const 1.0)

    /// The covariance prior of a K-coefficient group term, given each coefficient's label and scale s_k (already
    /// rounded by the caller): the nodes to declare and the group's distribution as a function of its mean vector.
    /// The one place a covariance prior is emitted.
    let covariance
        (choice: CovariancePrior)
        (group: string)
        (coefs: (string * float) list)
        : Node list * (Expr -> Dist) =
        let k = coefs.Length

        let node name dist =
            {
                Name = name
                Kind = NodeKind.Parameter dist
                Plate = Plate.Scalar
            }

        match choice with
        | CovariancePrior.InverseWishart ->
            let name = $"Sigma_{group}"

            let psi =
                coefs
                |> List.mapi (fun i (_, si) -> List.init k (fun j -> if i = j then Const(si * si) else Const 0.0))

            [ node name (Dist.InverseWishart(Const(float (k + 1)), Expr.Matrix psi)) ],
            fun mean -> Dist.MvNormal(mean, Param name)
        | CovariancePrior.Lkj eta ->
            let sds =
                coefs
                |> List.map (fun (label, si) -> node $"sd_{group}__{label}" (Dist.HalfStudentT(Const 3.0, Const si)))

            let l = $"L_{group}"
            let scales = Expr.Vector(sds |> List.map (fun n -> Param n.Name))
            sds @ [ node l (Dist.LkjCholesky(k, Const eta)) ], fun mean -> Dist.MvNormalCholesky(mean, scales, Param l)

    // Families an override string may name (case and '_' are ignored): the continuous scalar families of the
    // catalogue, the precision form of the Normal, and InverseWishart, whose scalar second argument is scaled to the
    // replaced prior's dimension (see fitTo).
    let private families: (string * string list * (Expr list -> Dist)) list =
        let scalarContinuous (f: DistFamily) =
            f.Scalar.IsSome && not (DistFamily.isDiscreteSupport (f.Support []))

        let fromCatalogue =
            Dist.catalogue
            |> List.filter (fun (f, _) -> scalarContinuous f)
            |> List.map (fun (f, make) -> f.Name, f.Arguments, make)

        let inverseWishart =
            "InverseWishart", [ "dof"; "variance" ], (fun (xs: Expr list) -> Dist.InverseWishart(xs.[0], xs.[1]))

        let normalPrecision =
            "NormalPrecision",
            [ "mean"; "precision" ],
            (fun (xs: Expr list) -> Distributions.NormalPrecision(xs.[0], xs.[1]))

        normalPrecision :: fromCatalogue @ [ inverseWishart ]

    let private key (s: string) = s.Replace("_", "").ToLowerInvariant()

    /// Parses "NAME ~ DIST(args)" (e.g. "sigma ~ HalfNormal(10)"), optionally followed by "on precision" or
    /// "on variance" for a prior on 1/sd² or sd² of an sd node (BUGS's `tau ~ dgamma(0.001, 0.001)`); errors point
    /// at the column of the text. `InverseWishart(dof, v)` means scale matrix v·I of the node's dimension.
    let parseOverride (text: string) : Result<PriorOverride, FormulaError> =
        FormulaParser.parsePrior text
        |> Result.bind (fun p ->
            match families |> List.tryFind (fun (n, _, _) -> key n = key p.Dist) with
            | None ->
                let names = families |> List.map (fun (n, _, _) -> n) |> String.concat ", "
                Error(FormulaError.Syntax(p.DistColumn, $"'{p.Dist}'", $"a distribution ({names})"))
            | Some(n, labels, make) when labels.Length <> p.Args.Length ->
                let args = labels |> String.concat ", "
                Error(FormulaError.Syntax(p.DistColumn, $"{n} with {p.Args.Length} argument(s)", $"{n}({args})"))
            | Some(_, _, make) ->
                let on =
                    match p.On with
                    | None -> Ok PriorOn.Itself
                    | Some(word, column) ->
                        match word.ToLowerInvariant() with
                        | "precision" -> Ok PriorOn.Precision
                        | "variance" -> Ok PriorOn.Variance
                        | "sd" -> Ok PriorOn.Itself
                        | _ ->
                            Error(
                                FormulaError.Syntax(column, $"'{word}'", "'precision', 'variance' or 'sd' after 'on'")
                            )

                on
                |> Result.map (fun on ->
                    {
                        Node = p.Name
                        Prior = make (p.Args |> List.map Const)
                        On = on
                    }))

    /// The name of the parameter node that carries a prior on an sd node's precision or variance.
    let transformedName (on: PriorOn) (node: string) =
        match on with
        | PriorOn.Itself -> node
        | PriorOn.Precision -> $"tau_{node}"
        | PriorOn.Variance -> $"var_{node}"


    /// An InverseWishart override with a scalar scale v becomes v·I of the replaced prior's dimension; a prior on
    /// ordered cutpoints applies to each cutpoint, keeping the order.
    let private fitTo (old: Dist) (prior: Dist) =
        match old, prior with
        | Dist.Ordered(_, k), p when Dist.support p = Support.Real -> Dist.Ordered(p, k)
        | Dist.InverseWishart(_, Expr.Matrix rows), Dist.InverseWishart(nu, (Const v)) ->
            let k = rows.Length

            Dist.InverseWishart(
                nu,
                Expr.Matrix(List.init k (fun i -> List.init k (fun j -> Const(if i = j then v else 0.0))))
            )
        | _ -> prior

    /// Replaces the priors of the named parameter nodes; an unknown name is an error listing the valid names. A
    /// prior on the precision (variance) of an sd node `s` adds a parameter `tau_s` (`var_s`) with that prior and
    /// makes `s` derived, s = tau_s^-0.5 (s = sqrt(var_s)), the forms the Normal scale rules read as a precision
    /// (variance); only scalar nodes with a positive prior can be given one.
    let apply (overrides: PriorOverride list) (m: Model) : Result<Model, FormulaError list> =
        let names = Model.parameters m |> List.map (fun n -> n.Name)

        let onProblem (o: PriorOverride) =
            match o.On, m.Nodes |> List.tryFind (fun n -> n.Name = o.Node) with
            | PriorOn.Itself, _ -> None
            | _, Some n ->
                match n.Kind, n.Plate with
                | NodeKind.Parameter old, Plate.Scalar when Dist.support old = Support.Positive ->
                    if Dist.support o.Prior = Support.Positive then
                        None
                    else
                        Some(
                            FormulaError.Model(
                                ModelError.InvalidArgument(
                                    o.Node,
                                    "prior",
                                    $"a prior on a precision or variance must be on (0, ∞), but {Dist.name o.Prior} is not; use e.g. Gamma(0.001, 0.001)"
                                )
                            )
                        )
                | _ ->
                    Some(
                        FormulaError.Model(
                            ModelError.InvalidArgument(
                                o.Node,
                                "prior",
                                "'on precision' and 'on variance' apply to a scalar sd node (sigma, sd_...), not to this one"
                            )
                        )
                    )
            | _, None -> None

        match overrides |> List.filter (fun o -> not (List.contains o.Node names)) with
        | [] ->
            match overrides |> List.choose onProblem with
            | [] ->
                let replace (n: Node) =
                    match n.Kind, overrides |> List.tryFindBack (fun o -> o.Node = n.Name) with
                    | NodeKind.Parameter old, Some o when o.On = PriorOn.Itself ->
                        [
                            { n with
                                Kind = NodeKind.Parameter(fitTo old o.Prior)
                            }
                        ]
                    | NodeKind.Parameter _, Some o ->
                        let carrier = transformedName o.On n.Name

                        let sd =
                            match o.On with
                            | PriorOn.Precision -> Power(Param carrier, Const -0.5)
                            | _ -> Apply(Fn.Sqrt, Param carrier)

                        [
                            { n with
                                Name = carrier
                                Kind = NodeKind.Parameter o.Prior
                            }
                            { n with Kind = NodeKind.Derived sd }
                        ]
                    | _ -> [ n ]

                Ok
                    {
                        Nodes = m.Nodes |> List.collect replace
                    }
            | problems -> Error problems
        | unknown -> Error(unknown |> List.map (fun o -> FormulaError.UnknownPrior(o.Node, names)))
