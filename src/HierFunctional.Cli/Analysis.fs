namespace HierFunctional.Cli

open System
open System.Globalization
open System.IO
open System.Text
open HierFunctional
open HierFunctional.Cli.Report

/// A model and data set ready to fit, from a bundled example or a formula.
type FitJob =
    {
        /// Short name (used in the draws' header), e.g. `rats`.
        Name: string
        /// Where the data came from, for messages (a file path or `rats.csv (bundled)`).
        Source: string
        /// The model.
        Model: Model
        /// The data.
        Data: Dataset
        /// The names a formula gave its nodes (None for a bundled model): results are then reported in lme4/brms
        /// terms (sd and cor rows, coefficients by level and term, response-scale group estimates).
        Terms: FormulaTerms option
        /// 1-based rows of the CSV dropped for a missing cell (--drop-missing); empty otherwise.
        Dropped: int[]
        /// Which path the data took to the sampler (rows, or per-group sums) and why, one line per observed node
        /// (`AggregatePath.apply`); empty before the path is chosen.
        DataPath: string list
        /// Fitted from per-group sums: the rows of each level of each group column (level label → rows), which
        /// the one row per group no longer shows; empty for a row fit.
        GroupRows: Map<string, Map<string, float>>
    }

/// The analyses `hier fit` prints and reports: compiling, sampling, group and hyperparameter nodes, shrinkage,
/// predictive checks, criteria and the CmdStan columns.
[<RequireQualifiedAccess>]
module Analysis =

    let private inv = CultureInfo.InvariantCulture

    /// The generator of the CLI's predictive draws under `seed` (`Chains.predictiveGenerator`: the samplers'
    /// generator on a stream no chain uses).
    let predictiveGenerator (seed: int) : Random = Chains.predictiveGenerator seed

    /// Binds and compiles a job; data and model errors fail with the source named.
    let compile (job: FitJob) =
        match Bind.bind job.Model job.Data |> Result.bind Gibbs.compile with
        | Ok plan -> plan
        | Error errors -> DataFile.fail job.Source job.Data errors

    /// Runs the chains with progress on the terminal; a run cancelled (Ctrl-C) after some chain made draws gives a
    /// partial posterior, one cancelled before fails as interrupted. The pointwise log-likelihood is not recorded
    /// (rows × draws doubles): the criteria are computed from the draws afterwards (`FitCriteria`).
    let sample (t: Terminal) (o: SamplerOptions) (plan: GibbsPlan) =
        try
            Terminal.withProgress t o.Chains (fun sink -> Chains.run (o.WithProgress(sink)) plan)
        with
        | :? ModelException as e -> Fail.data $"sampling failed: {e.Message}"
        | :? OperationCanceledException ->
            raise (CliFailure("interrupted before any chain made a draw; nothing was written.", ExitCode.Interrupted))

    let private nodesIn (b: Bound) (wanted: Scope -> bool) =
        Bound.parameters b
        |> List.filter (fun i -> wanted i.Scope)
        |> List.map (fun i -> i.Node.Name)

    /// Group-level parameter nodes (declared `over` a group column).
    let groupNodes (b: Bound) =
        nodesIn b (function
            | Scope.Level _ -> true
            | _ -> false)

    /// Scalars of the hyperparameters (global parameters and derived nodes), at most `limit`.
    let hyperScalars (limit: int) (b: Bound) (p: Posterior) =
        let globals =
            b.Nodes
            |> List.filter (fun i ->
                i.Scope = Scope.Global
                && (match i.Node.Kind with
                    | NodeKind.Parameter _
                    | NodeKind.Derived _ -> true
                    | _ -> false))
            |> List.map (fun i -> i.Node.Name)

        p.Names
        |> Array.filter (fun n -> List.contains (Posterior.nodeOf n) globals)
        |> Array.truncate limit

    /// Shrinkage reports for every group node whose family the report knows (Normal, Beta-Binomial, Gamma-Poisson),
    /// and for a binomial or Poisson formula model the group intercepts on the response scale (`ResponseScale`).
    let shrinkageReports (terms: FormulaTerms option) (b: Bound) (p: Posterior) =
        let conjugate =
            groupNodes b
            |> List.choose (fun n ->
                try
                    Some(ShrinkageReport.report b n p)
                with :? ArgumentException ->
                    None)

        let responseScale =
            match terms with
            | Some t -> ResponseScale.shrinkage b t p
            | None -> []

        conjugate @ responseScale

    /// The posterior as the summary shows it: for a formula model, sd and cor rows in place of covariance matrices
    /// and coefficients labelled by level and term (`Effects.readable`).
    let readable (terms: FormulaTerms option) (p: Posterior) =
        match terms with
        | Some t -> Effects.readable t p
        | None -> p

    /// effects.csv of a formula model: fixef, ranef, coef and VarCorr rows with mean, sd and the 2.5% and 97.5%
    /// quantiles (brms's columns), values in round-trip precision.
    let effectsCsv (terms: FormulaTerms) (p: Posterior) =
        let sb = StringBuilder()
        sb.Append("kind,name,group,level,term,mean,sd,q2.5,q97.5\n") |> ignore

        let v (x: float) =
            if Double.IsNaN x then "NA" else x.ToString("R", inv)

        let quote (s: string) = "\"" + s.Replace("\"", "\"\"") + "\""

        for kind, rows in
            [
                "fixef", Effects.fixef terms p
                "ranef", Effects.ranef terms p
                "coef", Effects.coef terms p
                "varcorr", Effects.varCorr terms p
            ] do
            for r in rows do
                let cells =
                    [
                        kind
                        quote r.Name
                        quote r.Group
                        quote r.Level
                        quote r.Term
                        v r.Mean
                        v r.Sd
                        v r.Lower
                        v r.Upper
                    ]

                sb.Append(String.Join(",", cells)).Append('\n') |> ignore

        sb.ToString()

    /// hdi.csv: the 90% highest-density interval of every scalar the summary shows (its q5..q95 is the central one).
    let hdiCsv (p: Posterior) =
        let sb = StringBuilder()
        sb.Append("name,label,hdi90_lower,hdi90_upper\n") |> ignore
        let quote (s: string) = "\"" + s.Replace("\"", "\"\"") + "\""

        for r in Hdi.compute 0.9 p do
            sb
                .Append(quote r.Name)
                .Append(',')
                .Append(quote (string r.Label))
                .Append(',')
                .Append(r.Lower.ToString("R", inv))
                .Append(',')
                .Append(r.Upper.ToString("R", inv))
                .Append('\n')
            |> ignore

        sb.ToString()

    /// The posterior restricted to at most `limit` draws, taken evenly from each chain.
    let thin (limit: int) (p: Posterior) =
        let perChain = max 2 (limit / p.ChainCount)
        let k = max 1 (p.DrawCount / perChain)
        let arr = Posterior.toArray p

        Posterior.create
            p.Names
            (arr
             |> Array.map (fun chain -> [| for d in 0..k .. chain.Length - 1 -> chain.[d] |]))

    let private numbers (c: Column option) =
        match c with
        | Some(Column.Reals xs) -> xs
        | Some(Column.Integers xs) -> Array.map float xs
        | _ -> [||]

    let private sd (xs: float[]) =
        let m = Array.average xs
        sqrt ((xs |> Array.sumBy (fun x -> (x - m) * (x - m))) / float (max 1 (xs.Length - 1)))

    /// Posterior predictive checks of mean, sd and max of the first scalar observed node, over at most 400 draws:
    /// (observed node, [ statistic, T(y), T(y_rep) per draw, p ]).
    let predictiveChecks (seed: int) (b: Bound) (p: Posterior) =
        match
            Bound.observed b
            |> List.tryFind (fun i -> i.Event = Shape.Scalar && b.Numeric.ContainsKey i.Node.Name)
        with
        | None -> None
        | Some obs ->
            let name = obs.Node.Name
            let y = b.Numeric.[name]
            let statistics = [ "mean", Array.average; "sd", sd; "max", Array.max ]
            let rng = predictiveGenerator seed

            // Each replicated data set is reduced to its statistics at once, so only one is alive at a time.
            let reps =
                PosteriorStates.allChainStates b (thin 400 p)
                |> Array.map (fun s ->
                    let yRep = numbers (Dataset.tryColumn name (Forward.simulateData rng b s))
                    statistics |> List.map (fun (_, f) -> f yRep) |> Array.ofList)

            let stat k (label: string, f: float[] -> float) =
                let t = f y
                let tRep = reps |> Array.map (fun r -> r.[k])

                label,
                t,
                tRep,
                (tRep |> Array.filter (fun v -> v >= t) |> Array.length |> float)
                / float tRep.Length

            Some(name, statistics |> List.mapi stat)

    /// DIC, WAIC and PSIS-LOO as (name, value, detail) lines; a criterion that cannot be computed says why.
    let criteria (plan: GibbsPlan) (p: Posterior) =
        // The criteria refuse draws they cannot use (non-finite log-likelihood, too few draws) with an
        // ArgumentException, and the deviance at the posterior mean can fail to evaluate (ModelException); any
        // other exception is a bug and propagates.
        let f = Summary.formatSignificant 4

        let dicLine (d: Dic) =
            "DIC", f d.Dic, $"p_D = {f d.PD}, mean deviance {f d.MeanDeviance}"

        let waicLine (w: Waic) =
            "WAIC", f w.Waic.Estimate, $"SE {f w.Waic.SE}, p_waic = {f w.PWaic.Estimate}"

        let looLine (l: Loo) =
            let bad = l.ParetoK |> Array.filter (fun k -> k > 0.7) |> Array.length

            "LOOIC",
            f l.Looic.Estimate,
            $"SE {f l.Looic.SE}, p_loo = {f l.PLoo.Estimate}, {bad} of {l.ParetoK.Length} Pareto k > 0.7"

        let unavailable name (e: exn) =
            name, "NA", $"not available: {e.Message}"

        let computed =
            try
                let c = FitCriteria.all plan p
                Ok [ dicLine c.Dic; waicLine c.Waic; looLine c.Loo ]
            with
            | :? ArgumentException as e -> Error(e :> exn)
            | :? ModelException as e -> Error(e :> exn)

        match computed with
        | Ok lines -> lines
        | Error e ->
            // WAIC and LOO share the refusal; DIC needs only the deviance, so it may still be available.
            let dic =
                try
                    dicLine (FitCriteria.dic plan p)
                with
                | :? ArgumentException as d -> unavailable "DIC" d
                | :? ModelException as d -> unavailable "DIC" d

            [ dic; unavailable "WAIC" e; unavailable "LOOIC" e ]

    /// The draws with CmdStan's sampler columns in front: lp__ (log density on the unconstrained scale, with the
    /// Jacobian, as Stan defines it) and accept_stat__ (1: Gibbs and slice updates always move).
    let withSamplerColumns (plan: GibbsPlan) (p: Posterior) : string[] * float[][][] =
        let d = plan.Density
        let states = PosteriorStates.states plan.Bound p
        let draws = Posterior.toArray p

        let rows =
            draws
            |> Array.mapi (fun c chain ->
                chain
                |> Array.mapi (fun i row ->
                    Array.append [| d.JointUnconstrained(d.ToUnconstrained states.[c].[i]); 1.0 |] row))

        Array.append [| "lp__"; "accept_stat__" |] p.Names, rows

    /// summary.csv: one row per scalar, values in round-trip precision.
    let summaryCsv (s: Summary) =
        let sb = StringBuilder()
        let q = s.Probs |> Array.map (fun p -> "q" + (p * 100.0).ToString("0.##", inv))

        let header =
            [ "name"; "label"; "mean"; "sd"; "median"; "mad" ]
            @ List.ofArray q
            @ [ "mcse_mean"; "mcse_sd"; "ess_bulk"; "ess_tail"; "rhat" ]

        // A partial posterior says so first, as a comment line (CmdStan's convention for metadata in CSV).
        if s.Cancelled then
            sb.Append("# ").Append(s.Partial).Append('\n') |> ignore

        sb.Append(String.Join(",", header)).Append('\n') |> ignore

        let v (x: float) =
            if Double.IsNaN x then "NA" else x.ToString("R", inv)

        let quote (s: string) = "\"" + s.Replace("\"", "\"\"") + "\""

        for r in s.Rows do
            let cells =
                [ quote r.Name; quote (string r.Label); v r.Mean; v r.Sd; v r.Median; v r.Mad ]
                @ (r.Quantiles |> Array.map v |> List.ofArray)
                @ [ v r.McseMean; v r.McseSd; v r.EssBulk; v r.EssTail; v r.Rhat ]

            sb.Append(String.Join(",", cells)).Append('\n') |> ignore

        sb.ToString()
