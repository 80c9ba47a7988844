namespace HierFunctional

open System

/// One model in a PSIS-LOO comparison, as `loo::loo_compare` prints it.
type LooComparisonRow =
    {
        /// The name the model was given.
        Model: string
        /// elpd_loo of this model minus that of the best model (0 for the best, negative for the others).
        ElpdDiff: float
        /// Standard error of the difference: sqrt(n) × sd of the pointwise differences (0 for the best).
        SeDiff: float
        /// This model's elpd_loo.
        ElpdLoo: float
        /// Its standard error.
        SeElpdLoo: float
        /// Effective number of parameters p_loo.
        PLoo: float
        /// LOO information criterion −2·elpd_loo.
        Looic: float
    }

/// Comparing fitted models by expected log predictive density (PSIS-LOO), as `loo::loo_compare`: the models sorted
/// best first, each model's elpd difference from the best summed over observations, with the standard error of the
/// paired pointwise differences (Vehtari, Gelman & Gabry 2017, §5.2).
[<RequireQualifiedAccess>]
module LooCompare =

    /// Compares named PSIS-LOO results of the same observations (best model first).
    let compare (fits: (string * Loo) list) : LooComparisonRow[] =
        match fits with
        | []
        | [ _ ] -> invalidArg "fits" "Comparing models needs at least two fits."
        | (_, first) :: _ ->
            let n = first.PointwiseElpd.Length

            for name, l in fits do
                if l.PointwiseElpd.Length <> n then
                    invalidArg
                        "fits"
                        $"Model '{name}' has {l.PointwiseElpd.Length} observations but the first has {n}; models can be compared only on the same data."

            match fits |> List.countBy fst |> List.tryFind (fun (_, c) -> c > 1) with
            | Some(name, _) -> invalidArg "fits" $"Two models are named '{name}'; give each a different name."
            | None -> ()

            let best = fits |> List.maxBy (fun (_, l) -> l.ElpdLoo.Estimate) |> snd

            fits
            |> List.map (fun (name, l) ->
                let diffs = Array.map2 (-) l.PointwiseElpd best.PointwiseElpd
                let m = Array.average diffs

                let sd =
                    if n < 2 then
                        nan
                    else
                        sqrt ((diffs |> Array.sumBy (fun d -> (d - m) * (d - m))) / float (n - 1))

                {
                    Model = name
                    ElpdDiff = Array.sum diffs
                    SeDiff = sqrt (float n) * sd
                    ElpdLoo = l.ElpdLoo.Estimate
                    SeElpdLoo = l.ElpdLoo.SE
                    PLoo = l.PLoo.Estimate
                    Looic = l.Looic.Estimate
                })
            |> List.sortByDescending (fun r -> r.ElpdDiff)
            |> Array.ofList

    /// Compares named fits by PSIS-LOO from their recorded pointwise log-likelihood (`Criteria.looOf`).
    let ofPosteriors (fits: (string * Posterior) list) : LooComparisonRow[] =
        fits |> List.map (fun (n, p) -> n, Criteria.looOf p) |> compare

    /// The comparison as an aligned text table, as `print(loo_compare(...))` shows it with its simplify = FALSE columns.
    let format (rows: LooComparisonRow[]) : string =
        let f = Summary.formatSignificant 4

        let header =
            [|
                "model"
                "elpd_diff"
                "se_diff"
                "elpd_loo"
                "se_elpd_loo"
                "p_loo"
                "looic"
            |]

        let cells =
            rows
            |> Array.map (fun r ->
                [|
                    r.Model
                    f r.ElpdDiff
                    f r.SeDiff
                    f r.ElpdLoo
                    f r.SeElpdLoo
                    f r.PLoo
                    f r.Looic
                |])

        let line = TextTable.lineFormatter header cells

        String.Join(Environment.NewLine, Array.append [| line header |] (cells |> Array.map line))
        + Environment.NewLine
