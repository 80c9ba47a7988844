namespace HierFunctional

/// How a formula becomes a model: the family, prior overrides and the covariance prior of correlated terms.
[<StructuralEquality; NoComparison>]
type FormulaOptions =
    {
        /// The response family and link.
        Family: Family
        /// Replacement priors by node name, applied after the defaults.
        Overrides: PriorOverride list
        /// The prior on the covariance of K ≥ 2 correlated group-level coefficients.
        Covariance: CovariancePrior
    }

    /// Gaussian, no overrides, brms's LKJ(1) covariance prior (half-Student-t sds, LKJ(1) correlations).
    static member Default =
        {
            Family = Family.Gaussian
            Overrides = []
            Covariance = CovariancePrior.Lkj 1.0
        }

/// The lme4/brms-style formula front end: `Formula.parse`, then `Formula.toModel` builds the same `Model` tree the
/// `model { }` expression builds (node naming and default priors in docs/formula.md), ready for `Bind.bind`.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Formula =

    /// One group-level node: a scalar (one coefficient) or a vector (correlated coefficients) over a group column.
    type private Spec =
        {
            Group: string
            Factors: string list
            Coefs: Coef list
            Name: string
        }

    /// Who currently carries a coefficient: the population-level node, or position p of group spec i.
    type private Holder =
        | Fixed of string
        | InSpec of int * int

    /// Parses a formula, e.g. `Reaction ~ Days + (Days | Subject)`; errors carry the 1-based column.
    let parse (text: string) : Result<Formula, FormulaError> = FormulaParser.parse text

    /// The formula in canonical text form (`parse (print f) = Ok f`).
    let print (f: Formula) : string = FormulaText.print f

    let private specs (groups: (string * string list * Coef list * bool) list) : Spec list =
        let split =
            groups
            |> List.collect (fun (g, fs, coefs, correlated) ->
                if correlated then
                    [ g, fs, coefs ]
                else
                    coefs |> List.map (fun c -> g, fs, [ c ]))

        let count g =
            split |> List.filter (fun (h, _, _) -> h = g) |> List.length

        split
        |> List.mapi (fun i (g, fs, coefs) ->
            let name =
                match coefs with
                | _ when count g = 1 -> $"r_{g}"
                | [ c ] -> $"r_{g}__{c.Label}"
                | _ -> $"r_{g}__{i + 1}"

            {
                Group = g
                Factors = fs
                Coefs = coefs
                Name = name
            })

    let private element (specs: Spec[]) (h: Holder) =
        match h with
        | Fixed b -> Param b
        | InSpec(i, p) ->
            let s = specs.[i]
            let level = Index(Param s.Name, Group s.Group)
            if s.Coefs.Length = 1 then level else Elem(level, p)

    let private isProperPrefix (outer: string list) (inner: string list) =
        outer.Length < inner.Length && List.truncate outer.Length inner = outer

    /// Hierarchical centring: a group coefficient's mean is the coefficient that carries the same term at the
    /// enclosing level (the population-level b_k, or the outer group of a nesting), else 0 (crossed terms).
    /// Returns each spec's means and the set of holders whose term moved down to a deeper level.
    let private centre (fixedLabels: string list) (specs: Spec[]) =
        let start =
            fixedLabels |> List.map (fun l -> l, (Fixed $"b_{l}", [])) |> Map.ofList, Set.empty, []

        let holders, taken, means =
            specs
            |> Array.indexed
            |> Array.fold
                (fun (holders: Map<string, Holder * string list>, taken: Set<Holder>, means) (i, s) ->
                    let step (holders: Map<_, _>, taken: Set<_>, acc) (p, c: Coef) =
                        let mine = InSpec(i, p)

                        match holders.TryFind c.Label with
                        | Some(h, outer) when isProperPrefix outer s.Factors ->
                            holders.Add(c.Label, (mine, s.Factors)), taken.Add h, acc @ [ element specs h ]
                        | Some _ -> holders, taken, acc @ [ Const 0.0 ]
                        | None -> holders.Add(c.Label, (mine, s.Factors)), taken, acc @ [ Const 0.0 ]

                    let holders, taken, ms =
                        s.Coefs |> List.indexed |> List.fold step (holders, taken, [])

                    holders, taken, means @ [ ms ])
                start

        ignore holders
        Array.ofList means, taken

    /// The whole vector of an outer group when every mean is its matching element, for a readable tree.
    let private vectorMean (ms: Expr list) =
        match ms with
        | Elem(v, 0) :: _ when ms |> List.mapi (fun p m -> m = Elem(v, p)) |> List.forall id -> v
        | _ -> Expr.Vector ms

    let private sumOf (terms: Expr list) =
        match terms with
        | [] -> Const 0.0
        | t :: rest -> rest |> List.fold (fun acc x -> Add(acc, x)) t

    let private times (coef: Expr) (c: Coef) =
        if c.X = Const 1.0 then coef else Mul(coef, c.X)

    /// The linear predictor: population terms no group carries, then each group node's contribution.
    let private linearPredictor (fixedCoefs: Coef list) (specs: Spec[]) (taken: Set<Holder>) =
        let fixedPart =
            fixedCoefs
            |> List.filter (fun c -> not (taken.Contains(Fixed $"b_{c.Label}")))
            |> List.map (fun c -> times (Param $"b_{c.Label}") c)

        let groupPart =
            specs
            |> Array.toList
            |> List.indexed
            |> List.choose (fun (i, s) ->
                let live p = not (taken.Contains(InSpec(i, p)))
                let level = Index(Param s.Name, Group s.Group)

                match s.Coefs with
                | [ c ] -> if live 0 then Some(times level c) else None
                | cs when List.exists live [ 0 .. cs.Length - 1 ] ->
                    let xs = cs |> List.mapi (fun p c -> if live p then c.X else Const 0.0)
                    Some(Dot(Expr.Vector xs, level))
                | _ -> None)

        sumOf (fixedPart @ groupPart)

    let private groupNodes (o: FormulaOptions) (scales: PriorScales) (s: Spec) (means: Expr list) =
        match s.Coefs with
        | [ c ] ->
            let sd = $"sd_{s.Group}__{c.Label}"

            [
                FormulaResponse.parameter sd (FormulaPriors.scaleParameter scales) Plate.Scalar
                FormulaResponse.parameter s.Name (Dist.Normal(means.Head, Param sd)) (Plate.Over s.Group)
            ]
        | cs ->
            let covNodes, dist =
                FormulaPriors.covariance
                    o.Covariance
                    s.Group
                    (cs |> List.map (fun c -> c.Label, FormulaPriors.round3 (scales.Scale / c.SdX)))

            covNodes
            @ [
                FormulaResponse.parameter s.Name (dist (vectorMean means)) (Plate.Over s.Group)
            ]

    let private collect rs = ResultList.collect rs

    let private one (r: Result<'T, FormulaError>) = Result.mapError List.singleton r

    /// The population coefficients, and per group term its column, coefficients and correlation flag.
    let private design (f: Formula) (d: Dataset) (rows: int) =
        let fixedPart = FormulaDesign.coefs d rows f.Intercept f.Terms

        let groupParts =
            f.Groups
            |> List.map (fun g ->
                match FormulaDesign.groupColumn d g.Factors, FormulaDesign.coefs d rows g.Intercept g.Terms with
                | Ok(name, col), Ok(coefs, cols) -> Ok((name, g.Factors, coefs, g.Correlated), col, cols)
                | a, b ->
                    collect [ Result.map ignore a; Result.map ignore b ]
                    |> Result.bind (fun _ -> Error []))
            |> collect

        match fixedPart, groupParts with
        | Ok fx, Ok gs -> Ok(fx, gs)
        | a, b ->
            collect [ Result.map ignore a; Result.map ignore b ]
            |> Result.bind (fun _ -> Error [])

    /// The nodes of the model: b_*, then per group node its scale/covariance and r_*, then sigma/shape, then y.
    /// Group nodes come in order of increasing number of levels (stable, so an outer group precedes the groups
    /// nested in it): the first group with a term carries the population coefficient, and centring it on the
    /// factor with the fewest levels (whose mean is least determined) makes the crossed-effects Gibbs sampler mix.
    let private nodes
        (o: FormulaOptions)
        (f: Formula)
        (y: float[])
        (levels: string -> int)
        fixedCoefs
        groupTerms
        exposure
        extra
        =
        let scales = FormulaPriors.scales o.Family y

        let specs =
            specs groupTerms |> List.sortBy (fun s -> levels s.Group) |> Array.ofList

        // the cumulative family's cutpoints are its intercepts: no population intercept, group intercepts centred at 0
        let fixedCoefs =
            if o.Family = Family.Cumulative then
                fixedCoefs |> List.filter (fun (c: Coef) -> c.X <> Const 1.0)
            else
                fixedCoefs

        let means, taken = centre (fixedCoefs |> List.map (fun (c: Coef) -> c.Label)) specs

        let fixedNodes =
            fixedCoefs
            |> List.map (fun c ->
                let prior =
                    if c.X = Const 1.0 then
                        FormulaPriors.intercept scales
                    else
                        FormulaPriors.slope scales c.SdX

                FormulaResponse.parameter $"b_{c.Label}" prior Plate.Scalar)

        let groupNodes = Array.map2 (groupNodes o scales) specs means |> List.concat

        let eta = sumOf (linearPredictor fixedCoefs specs taken :: extra)
        let dist, familyNodes = FormulaResponse.likelihood o.Family f scales y eta exposure

        let observed =
            {
                Name = f.Response
                Kind = NodeKind.Observed dist
                Plate = Plate.Rows
            }

        Model.ofNodes (fixedNodes @ groupNodes @ familyNodes @ [ observed ]), specs, means, fixedCoefs

    let private termsOf (o: FormulaOptions) (f: Formula) (fixedCoefs: Coef list) (specs: Spec[]) means data =
        FormulaTermNames.create
            o.Family
            o.Covariance
            f
            (fixedCoefs |> List.map (fun c -> c.Label))
            (specs
             |> Array.map (fun s -> s.Name, s.Group, s.Coefs |> List.map (fun c -> c.Label)))
            means
            data

    /// Builds the model a formula describes for a data set, as `toModelWith`, with the names its nodes got
    /// (`FormulaTerms`), which `Effects` and `ResponseScale` read to report draws in lme4/brms terms.
    let toModelAndTermsWith
        (o: FormulaOptions)
        (f: Formula)
        (d: Dataset)
        : Result<Model * Dataset * FormulaTerms, FormulaError list> =
        FormulaResponse.response o.Family f d
        |> Result.bind (fun y ->
            match design f d y.Length, FormulaResponse.offsets o.Family f d with
            | Ok((fixedCoefs, fixedCols), groups), Ok offs ->
                let exposure =
                    offs
                    |> List.tryPick (fun (c, _) ->
                        match c with
                        | Choice1Of2 e -> Some e
                        | _ -> None)

                let extra =
                    offs
                    |> List.choose (fun (c, _) ->
                        match c with
                        | Choice2Of2 e -> Some e
                        | _ -> None)

                let columns =
                    fixedCols
                    @ (groups |> List.collect (fun (_, _, cols) -> cols))
                    @ (offs |> List.collect snd)

                let groupCols =
                    groups
                    |> List.choose (fun ((name, _, _, _), col, _) -> col |> Option.map (fun c -> name, c))

                let data =
                    (columns |> List.fold (fun acc (n, v) -> Dataset.reals n v acc) d)
                    |> fun d0 -> groupCols |> List.fold (fun acc (n, c) -> Dataset.add n c acc) d0

                let groupTerms = groups |> List.map (fun (g, _, _) -> g)

                let levels g =
                    match Dataset.tryColumn g data with
                    | Some(Column.Labels(v, _)) -> (Array.distinct v).Length
                    | Some(Column.Integers v) -> (Array.distinct v).Length
                    | _ -> 0

                let m, specs, means, fixedCoefs =
                    nodes o f y levels fixedCoefs groupTerms (Option.defaultValue (Const 1.0) exposure) extra

                FormulaPriors.apply o.Overrides m
                |> Result.bind (fun m -> Model.check m |> Result.mapError (List.map FormulaError.Model))
                |> Result.map (fun m -> m, data, termsOf o f fixedCoefs specs means data)
            | a, b ->
                collect [ Result.map ignore a; Result.map ignore b ]
                |> Result.bind (fun _ -> Error []))

    /// Builds the model a formula describes for a data set, with the options' family, covariance prior and prior
    /// overrides. Returns the model and the data set with any derived columns added (dummies, products,
    /// combined groups `g1:g2`, `log(E)`), ready for `Bind.bind`; or every problem found.
    let toModelWith (o: FormulaOptions) (f: Formula) (d: Dataset) : Result<Model * Dataset, FormulaError list> =
        toModelAndTermsWith o f d |> Result.map (fun (m, data, _) -> m, data)

    /// `toModelWith` for a family and prior overrides, with the default (LKJ) covariance prior.
    let toModel
        (family: Family)
        (overrides: PriorOverride list)
        (f: Formula)
        (d: Dataset)
        : Result<Model * Dataset, FormulaError list> =
        toModelWith
            { FormulaOptions.Default with
                Family = family
                Overrides = overrides
            }
            f
            d

    /// One call from text: parses the formula and each "NAME ~ DIST(args)" prior, then builds the model and data
    /// (pass them to `Bind.bind`, or to `Gibbs.compile` after binding).
    let build (family: Family) (priors: string list) (formula: string) (d: Dataset) =
        let overrides = priors |> List.map (FormulaPriors.parseOverride >> one) |> collect

        match parse formula |> one, overrides with
        | Ok f, Ok os -> toModel family os f d
        | a, b ->
            collect [ Result.map ignore a; Result.map ignore b ]
            |> Result.bind (fun _ -> Error [])

    /// `build` with every formula option (family, covariance prior, overrides, to which the parsed `priors` are
    /// added), returning also the names the model's nodes got (`FormulaTerms`) for `Effects` and `ResponseScale`.
    let buildWithTerms
        (options: FormulaOptions)
        (priors: string list)
        (formula: string)
        (d: Dataset)
        : Result<Model * Dataset * FormulaTerms, FormulaError list> =
        let overrides = priors |> List.map (FormulaPriors.parseOverride >> one) |> collect

        match parse formula |> one, overrides with
        | Ok f, Ok os ->
            toModelAndTermsWith
                { options with
                    Overrides = options.Overrides @ os
                }
                f
                d
        | a, b ->
            collect [ Result.map ignore a; Result.map ignore b ]
            |> Result.bind (fun _ -> Error [])

    /// `build`, then `Bind.bind` of the model to the augmented data (model errors become FormulaError.Model).
    let bind (family: Family) (priors: string list) (formula: string) (d: Dataset) : Result<Bound, FormulaError list> =
        build family priors formula d
        |> Result.bind (fun (m, data) -> Bind.bind m data |> Result.mapError (List.map FormulaError.Model))

    /// Every error on its own line.
    let describeErrors (errors: FormulaError list) : string =
        errors
        |> List.map FormulaError.describe
        |> String.concat System.Environment.NewLine
