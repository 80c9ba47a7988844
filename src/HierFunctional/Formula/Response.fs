namespace HierFunctional

/// The response side of a formula: the family's checks on the response and offsets, and the likelihood node with the
/// family's own parameters (sigma, shape, nu, phi, zi, cutpoints) and their brms default priors.
module internal FormulaResponse =

    let private collect rs = ResultList.collect rs

    let private one (r: Result<'T, FormulaError>) = Result.mapError List.singleton r

    let parameter name dist plate =
        {
            Name = name
            Kind = NodeKind.Parameter dist
            Plate = plate
        }

    /// The response's distribution given the linear predictor, and the family's own parameter node, if any.
    let likelihood (family: Family) (f: Formula) (scales: PriorScales) (y: float[]) (eta: Expr) exposure =
        match family, f.Info with
        | Family.Gaussian, ResponseInfo.Se s -> Dist.Normal(eta, Data s), []
        | Family.Gaussian, _ ->
            Dist.Normal(eta, Param "sigma"), [ parameter "sigma" (FormulaPriors.scaleParameter scales) Plate.Scalar ]
        | Family.Binomial, ResponseInfo.Trials n -> Dist.Binomial(Data n, invLogit eta), []
        | Family.Binomial, _ -> Dist.Bernoulli(invLogit eta), []
        | Family.Poisson, _ -> Dist.Poisson(exp eta, exposure), []
        | Family.NegativeBinomial, _ ->
            Dist.NegativeBinomial(exp eta, Param "shape"), [ parameter "shape" FormulaPriors.dispersion Plate.Scalar ]
        | Family.Student, _ ->
            Dist.StudentT(Param "nu", eta, Param "sigma"),
            [
                parameter "sigma" (FormulaPriors.scaleParameter scales) Plate.Scalar
                parameter "nu" FormulaPriors.studentDof Plate.Scalar
            ]
        | Family.LogNormal, _ ->
            Dist.LogNormal(eta, Param "sigma"), [ parameter "sigma" (FormulaPriors.scaleParameter scales) Plate.Scalar ]
        | Family.Gamma, _ ->
            Dist.Gamma(Param "shape", Param "shape" * exp -eta),
            [ parameter "shape" FormulaPriors.gammaShape Plate.Scalar ]
        | Family.Beta, _ ->
            let mu = invLogit eta

            Dist.Beta(mu * Param "phi", (Const 1.0 - mu) * Param "phi"),
            [ parameter "phi" FormulaPriors.betaPrecision Plate.Scalar ]
        | Family.ZeroInflatedPoisson, _ ->
            Dist.ZeroInflatedPoisson(exp eta, Param "zi"), [ parameter "zi" FormulaPriors.zeroInflation Plate.Scalar ]
        | Family.ZeroInflatedNegativeBinomial, _ ->
            Dist.ZeroInflatedNegativeBinomial(exp eta, Param "shape", Param "zi"),
            [
                parameter "shape" FormulaPriors.dispersion Plate.Scalar
                parameter "zi" FormulaPriors.zeroInflation Plate.Scalar
            ]
        | Family.Cumulative, _ ->
            // K is the largest category seen, as brms takes it; the cutpoints replace the intercept
            let k = int (Array.max y)

            Dist.OrderedLogistic(eta, Param "b_Intercept"),
            [
                parameter "b_Intercept" (Dist.Ordered(FormulaPriors.intercept scales, k - 1)) Plate.Scalar
            ]

    /// Family/response-side agreement and the response's values.
    let response (family: Family) (f: Formula) (d: Dataset) : Result<float[], FormulaError list> =
        let y = FormulaDesign.numeric d f.Response "numbers (the response)" |> one

        let info =
            match family, f.Info with
            | _, ResponseInfo.Plain -> Ok()
            | Family.Binomial, ResponseInfo.Trials n
            | Family.Gaussian, ResponseInfo.Se n -> FormulaDesign.numeric d n "numbers" |> Result.map ignore |> one
            | _, ResponseInfo.Trials n ->
                Error
                    [
                        FormulaError.InvalidData(n, "trials(...) applies only to the binomial family")
                    ]
            | _, ResponseInfo.Se n ->
                Error [ FormulaError.InvalidData(n, "se(...) applies only to the gaussian family") ]

        match y, info, family, f.Info with
        | Ok ys, Ok(), Family.Binomial, ResponseInfo.Plain when ys |> Array.exists (fun v -> v <> 0.0 && v <> 1.0) ->
            Error
                [
                    FormulaError.InvalidData(
                        f.Response,
                        "the binomial family without trials needs a 0/1 response; write y | trials(n) ~ ... for counts of successes"
                    )
                ]
        | Ok ys, Ok(), (Family.LogNormal | Family.Gamma), _ when ys |> Array.exists (fun v -> not (v > 0.0)) ->
            let row = ys |> Array.findIndex (fun v -> not (v > 0.0))

            Error
                [
                    FormulaError.InvalidData(
                        f.Response,
                        $"row {row + 1} is {ys[row]}, but the {Family.name family} family needs a positive response"
                    )
                ]
        | Ok ys, Ok(), Family.Cumulative, _ when
            ys |> Array.exists (fun v -> not (v >= 1.0 && v = floor v))
            || not (Array.exists (fun v -> v >= 2.0) ys)
            ->
            let problem =
                match ys |> Array.tryFindIndex (fun v -> not (v >= 1.0 && v = floor v)) with
                | Some row -> $"row {row + 1} is {ys[row]}, but the cumulative family needs categories 1, 2, …, K"
                | None -> "the cumulative family needs at least two categories (1, 2, …, K), but every row is 1"

            Error [ FormulaError.InvalidData(f.Response, problem) ]
        | Ok ys, Ok(), Family.Beta, _ when ys |> Array.exists (fun v -> not (v > 0.0 && v < 1.0)) ->
            let row = ys |> Array.findIndex (fun v -> not (v > 0.0 && v < 1.0))

            Error
                [
                    FormulaError.InvalidData(
                        f.Response,
                        $"row {row + 1} is {ys[row]}, but the beta family needs a response strictly between 0 and 1"
                    )
                ]
        | Ok ys, Ok(), _, _ -> Ok ys
        | _ -> collect [ Result.map ignore y; info ] |> Result.bind (fun _ -> Error [])

    /// Offsets: a log offset is the Poisson exposure; any other offset adds a column (its log for `log`).
    let offsets (family: Family) (f: Formula) (d: Dataset) =
        f.Offsets
        |> List.mapi (fun i o ->
            FormulaDesign.numeric d o.Column "numbers (an offset)"
            |> one
            |> Result.bind (fun v ->
                match o.Log, v |> Array.tryFindIndex (fun x -> not (x > 0.0)) with
                | true, Some row ->
                    Error
                        [
                            FormulaError.InvalidData(
                                o.Column,
                                $"row {row + 1} is {v[row]}, but offset(log(...)) needs positive values (a row with no exposure can have no events: drop the row)"
                            )
                        ]
                | true, None when family = Family.Poisson && i = 0 -> Ok(Choice1Of2(Data o.Column), [])
                | true, None ->
                    let name = $"log({o.Column})"
                    Ok(Choice2Of2(Data name), [ name, Array.map log v ])
                | false, _ -> Ok(Choice2Of2(Data o.Column), [])))
        |> collect
