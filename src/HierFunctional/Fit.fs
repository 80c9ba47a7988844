namespace HierFunctional

open System

/// What to do with rows that have a missing cell (NA, an empty cell, NaN) in a column the model uses.
[<RequireQualifiedAccess>]
type MissingRows =
    /// Refuse: binding fails with an error naming the column and row (the default).
    | Refuse
    /// Drop the incomplete rows before binding, as lme4 and brms do; the fit reports how many (`Fit.DroppedRows`).
    | Drop

/// The formula a fit was built from, kept so new data can be coded the way the fit's data was.
type FittedFormula =
    {
        /// The parsed formula.
        Formula: Formula
        /// How it became a model (family, priors, covariance prior).
        Options: FormulaOptions
    }

/// A fitted model: what was bound and sampled, so reports, checks, criteria and prediction need no second binding.
type Fit =
    {
        /// The model (for a formula, the model it built).
        Model: Model
        /// The model bound to the data (for a formula, the data with its derived columns).
        Bound: Bound
        /// The compiled Gibbs plan.
        Plan: GibbsPlan
        /// The draws.
        Posterior: Posterior
        /// The formula, when the model was built from one.
        Formula: FittedFormula option
        /// 1-based numbers (in the data as given) of the rows dropped for a missing cell (`MissingRows.Drop`).
        DroppedRows: int[]
    }

/// Fitting in one call (bind, compile, run) and everything read from a fit. Errors in the user's model or data
/// come back as `Error`; see docs/architecture.md for the rule on Result and exceptions.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Fit =

    /// The data columns a model reads: observed columns, columns in expressions, group columns.
    let modelColumns (m: Model) : string list =
        m.Nodes
        |> List.collect (fun n ->
            let own =
                match n.Kind, n.Plate with
                | NodeKind.Observed _, _ -> [ n.Name ]
                | _, Plate.Over g -> [ g ]
                | _ -> []

            own
            @ (Model.nodeExprs n
               |> List.collect (fun e -> Shapes.dataRefs e @ Shapes.groupRefs e)))
        |> List.distinct

    /// The data columns a formula reads: response, trials/se, predictors, grouping factors and offsets.
    let formulaColumns (f: Formula) : string list =
        let info =
            match f.Info with
            | ResponseInfo.Plain -> []
            | ResponseInfo.Trials c
            | ResponseInfo.Se c -> [ c ]

        [
            f.Response
            yield! info
            yield! f.Terms |> List.collect (fun t -> t.Variables)
            for g in f.Groups do
                yield! g.Factors
                yield! g.Terms |> List.collect (fun t -> t.Variables)
            yield! f.Offsets |> List.map (fun o -> o.Column)
        ]
        |> List.distinct

    let private drop (missing: MissingRows) (columns: string list) (data: Dataset) =
        match missing with
        | MissingRows.Refuse -> data, [||]
        | MissingRows.Drop -> Dataset.dropMissing columns data

    /// Compiles and runs a bound model. A sampler failure in the model (ModelException) comes back as Error.
    let private sample (options: SamplerOptions) (formula: FittedFormula option) (dropped: int[]) (b: Bound) =
        Gibbs.compile b
        |> Result.bind (fun plan ->
            try
                Ok
                    {
                        Model = b.Model
                        Bound = b
                        Plan = plan
                        Posterior = Chains.run options plan
                        Formula = formula
                        DroppedRows = dropped
                    }
            with :? ModelException as e ->
                Error [ e.Error ])

    /// `run`, with rows that miss a cell in a column the model uses refused or dropped.
    let runWith
        (missing: MissingRows)
        (options: SamplerOptions)
        (m: Model)
        (data: Dataset)
        : Result<Fit, ModelError list> =
        let data, dropped = drop missing (modelColumns m) data
        Bind.bind m data |> Result.bind (sample options None dropped)

    /// Binds the model to the data, compiles the Gibbs plan and runs it; model and data errors come back as Error.
    let run (options: SamplerOptions) (m: Model) (data: Dataset) : Result<Fit, ModelError list> =
        runWith MissingRows.Refuse options m data

    /// Fits a parsed formula (`Formula.toModelWith`, bind, compile, run), keeping the formula for prediction.
    let formulaWith
        (missing: MissingRows)
        (options: SamplerOptions)
        (formulaOptions: FormulaOptions)
        (f: Formula)
        (data: Dataset)
        : Result<Fit, FormulaError list> =
        let data, dropped = drop missing (formulaColumns f) data

        let fitted =
            Some
                {
                    Formula = f
                    Options = formulaOptions
                }

        Formula.toModelWith formulaOptions f data
        |> Result.bind (fun (m, d) ->
            Bind.bind m d
            |> Result.bind (sample options fitted dropped)
            |> Result.mapError (List.map FormulaError.Model))

    /// Fits a formula given as text with a family and "NAME ~ DIST(args)" prior overrides (as `Formula.build`).
    let formula
        (options: SamplerOptions)
        (family: Family)
        (priors: string list)
        (text: string)
        (data: Dataset)
        : Result<Fit, FormulaError list> =
        let overrides =
            priors
            |> List.map (FormulaPriors.parseOverride >> Result.mapError List.singleton)
            |> ResultList.collect

        match Formula.parse text, overrides with
        | Ok f, Ok os ->
            formulaWith
                MissingRows.Refuse
                options
                { FormulaOptions.Default with
                    Family = family
                    Overrides = os
                }
                f
                data
        | Error e, Ok _ -> Error [ e ]
        | Ok _, Error es -> Error es
        | Error e, Error es -> Error(e :: es)

    /// A fit of draws made elsewhere (e.g. read back from CmdStan CSV files) for a bound model.
    let ofPosterior (plan: GibbsPlan) (formula: FittedFormula option) (posterior: Posterior) : Fit =
        {
            Model = plan.Bound.Model
            Bound = plan.Bound
            Plan = plan
            Posterior = posterior
            Formula = formula
            DroppedRows = [||]
        }

    /// The summary table of the draws.
    let summary (fit: Fit) : Summary = Summary.compute fit.Posterior

    /// The shrinkage report of a group-level node (family detected from the model tree).
    let shrinkage (node: string) (fit: Fit) : ShrinkageTable =
        ShrinkageReport.report fit.Bound node fit.Posterior

    /// A posterior predictive check of a test statistic on the fitted data.
    let check (rng: Random) (statistic: Dataset -> float) (fit: Fit) : PredictiveCheck =
        Predictive.check rng fit.Bound statistic fit.Posterior

    /// One replicated data set per kept draw.
    let replicate (rng: Random) (fit: Fit) : Dataset[] =
        Predictive.replicate rng fit.Bound fit.Posterior

    /// Effects of a new group of a group-level node, one per draw.
    let newGroup (rng: Random) (node: string) (fit: Fit) : float[] =
        Predictive.newGroup rng fit.Bound node fit.Posterior

    /// DIC, WAIC and PSIS-LOO in one pass over the rows: from the recorded pointwise log-likelihood when the fit
    /// recorded it (`SamplerOptions.WithLogLikelihood true`), otherwise evaluated from the draws block by block.
    let criteria (fit: Fit) : FitCriteriaSet =
        if fit.Posterior.HasLogLikelihood then
            {
                Dic = Criteria.dicOf fit.Plan fit.Posterior
                Waic = Criteria.waicOf fit.Posterior
                Loo = Criteria.looOf fit.Posterior
            }
        else
            FitCriteria.all fit.Plan fit.Posterior

    /// DIC (from the recorded log-likelihood, or from the draws when none was recorded).
    let dic (fit: Fit) : Dic =
        if fit.Posterior.HasLogLikelihood then
            Criteria.dicOf fit.Plan fit.Posterior
        else
            FitCriteria.dic fit.Plan fit.Posterior

    /// WAIC (from the recorded log-likelihood, or from the draws when none was recorded).
    let waic (fit: Fit) : Waic =
        if fit.Posterior.HasLogLikelihood then
            Criteria.waicOf fit.Posterior
        else
            (FitCriteria.all fit.Plan fit.Posterior).Waic

    /// PSIS-LOO (from the recorded log-likelihood, or from the draws when none was recorded).
    let loo (fit: Fit) : Loo =
        if fit.Posterior.HasLogLikelihood then
            Criteria.looOf fit.Posterior
        else
            (FitCriteria.all fit.Plan fit.Posterior).Loo

    /// The new data bound to the fitted model: a formula fit's derived columns coded as in the fit, the response
    /// not needed.
    let bindNew (newData: Dataset) (fit: Fit) : Result<Bound, PredictionError list> =
        let prepared =
            match fit.Formula with
            | Some f -> FormulaNewData.prepare f.Formula f.Options.Family fit.Bound.Data newData
            | None -> Ok newData

        prepared |> Result.bind (Prediction.bindNew fit.Model)

    /// Posterior predictive draws of the response for new rows ([draw][row], chains concatenated), as brms's
    /// posterior_predict. A group level the fit never saw is an error unless `allowNewLevels`, which draws its
    /// effects from the population distribution per draw.
    let predict
        (rng: Random)
        (allowNewLevels: bool)
        (newData: Dataset)
        (fit: Fit)
        : Result<PredictionDraws, PredictionError list> =
        bindNew newData fit
        |> Result.bind (Prediction.predictBound rng allowNewLevels None fit.Bound fit.Posterior)

    /// The expected value of the response per draw and new row (brms's posterior_epred): the linear predictor
    /// through the inverse link, times the trials or exposure for counts. `rng` draws new levels' effects only.
    let epred
        (rng: Random)
        (allowNewLevels: bool)
        (newData: Dataset)
        (fit: Fit)
        : Result<PredictionDraws, PredictionError list> =
        bindNew newData fit
        |> Result.bind (Prediction.epredBound rng allowNewLevels None fit.Bound fit.Posterior)
