namespace HierFunctional

open System
open System.Globalization
open System.Text

/// One row of a posterior summary: location, spread, quantiles, Monte Carlo errors and convergence of a scalar.
type SummaryRow =
    {
        /// Scalar name, e.g. `theta[3]`.
        Name: string
        /// Group label of the scalar, e.g. `theta[Hospital C]`, or null when the posterior carries none.
        Label: string
        /// Posterior mean.
        Mean: float
        /// Posterior standard deviation (denominator S − 1).
        Sd: float
        /// Posterior median.
        Median: float
        /// Median absolute deviation, scaled by 1.4826.
        Mad: float
        /// Type-7 quantiles at the summary's `Probs`, in the same order.
        Quantiles: float[]
        /// Monte Carlo standard error of the mean.
        McseMean: float
        /// Monte Carlo standard error of the sd.
        McseSd: float
        /// Bulk effective sample size (rank-normalized).
        EssBulk: float
        /// Tail effective sample size (5% and 95% quantiles).
        EssTail: float
        /// Rank-normalized split R-hat (NaN when draws are constant or non-finite).
        Rhat: float
    }

/// Options of a summary: quantile probabilities and warning thresholds.
type SummaryOptions =
    {
        /// Probabilities of the quantile columns, each in [0, 1].
        Probs: float[]
        /// Rows with R-hat above this are flagged.
        MaxRhat: float
        /// Rows with bulk or tail ESS below this many per chain are flagged.
        MinEssPerChain: float
    }

/// The summary's text: number formats and the plain-text table (`Summary.format`, `Summary.ToString`).
module internal SummaryText =

    let private inv = CultureInfo.InvariantCulture

    /// Formats `x` to `digits` significant digits: fixed point for 1e-3 ≤ |x| < 1e6, otherwise scientific.
    let formatSignificant (digits: int) (x: float) =
        if Double.IsNaN x then
            "NA"
        elif Double.IsInfinity x then
            (if x > 0.0 then "Inf" else "-Inf")
        elif x = 0.0 then
            "0"
        else
            let decade (v: float) = int (floor (log10 (abs v)))
            let e0 = decade x
            // 0.99997 to 3 digits is 1.00, a decade up: take the exponent of the rounded value
            let e =
                if e0 < -3 || e0 >= 6 then
                    e0
                else
                    decade (Math.Round(x, min 15 (max 0 (digits - 1 - e0))))

            if e >= 6 || e < -3 then
                x.ToString("0." + String('0', max 0 (digits - 1)) + "e+0", inv)
            else
                x.ToString("F" + string (max 0 (digits - 1 - e)), inv)

    let formatEss (e: float) =
        if Double.IsNaN e then "NA" else Math.Round(e).ToString(inv)

    let labelText (r: SummaryRow) = if isNull r.Label then "" else r.Label

    let quantileHeader (p: float) = "q" + (p * 100.0).ToString("0.##", inv)

    let private columns (probs: float[]) (rows: SummaryRow[]) =
        let hasLabels = rows |> Array.exists (fun r -> not (isNull r.Label))
        let showMedian = not (probs |> Array.contains 0.5)

        [
            yield "name", (fun r -> r.Name), false
            if hasLabels then
                yield "label", labelText, false
            yield "mean", (fun r -> formatSignificant 3 r.Mean), true
            yield "sd", (fun r -> formatSignificant 3 r.Sd), true
            if showMedian then
                yield "median", (fun r -> formatSignificant 3 r.Median), true
            yield "mad", (fun r -> formatSignificant 3 r.Mad), true
            for i, p in Array.indexed probs do
                yield quantileHeader p, (fun (r: SummaryRow) -> formatSignificant 3 r.Quantiles[i]), true
            yield "mcse_mean", (fun r -> formatSignificant 2 r.McseMean), true
            yield "mcse_sd", (fun r -> formatSignificant 2 r.McseSd), true
            yield "ess_bulk", (fun r -> formatEss r.EssBulk), true
            yield "ess_tail", (fun r -> formatEss r.EssTail), true
            yield
                "rhat",
                (fun r ->
                    if Double.IsNaN r.Rhat then
                        "NA"
                    else
                        r.Rhat.ToString("F3", inv)),
                true
        ]

    /// A summary's fields as plain text: the warnings banner first (where readers look), a header line, then
    /// aligned columns (text left, numbers right).
    let table probs (rows: SummaryRow[]) (warnings: Warning[]) chains draws cancelled (partial: string) : string =
        let cells =
            columns probs rows
            |> List.map (fun (h, f, right) -> h, rows |> Array.map f, right)

        let widths =
            cells
            |> List.map (fun (h, vs, _) -> Array.fold (fun w (v: string) -> max w v.Length) h.Length vs)

        let pad (text: string) width right =
            if right then text.PadLeft width else text.PadRight width

        let line (texts: string list) =
            List.zip3 texts widths (cells |> List.map (fun (_, _, r) -> r))
            |> List.map (fun (t, w, r) -> pad t w r)
            |> String.concat "  "
            |> fun l -> l.TrimEnd()

        let sb = StringBuilder()

        let status = if cancelled then $" ({partial})" else ""

        sb.Append(Warnings.banner (List.ofArray warnings)) |> ignore
        sb.AppendLine($"{chains} chains × {draws} draws{status}") |> ignore
        sb.AppendLine(line (cells |> List.map (fun (h, _, _) -> h))) |> ignore

        for i in 0 .. rows.Length - 1 do
            sb.AppendLine(line (cells |> List.map (fun (_, vs, _) -> vs[i]))) |> ignore

        sb.ToString()

/// A posterior summary table as data, plus its warnings.
type Summary =
    {
        /// Quantile probabilities of the `Quantiles` columns.
        Probs: float[]
        /// One row per scalar, in the posterior's order.
        Rows: SummaryRow[]
        /// Convergence warnings (see `Warnings`), most severe first; `format` prints them above the table.
        Warnings: Warning[]
        /// Chains and draws per chain the summary was computed from.
        Chains: int
        /// Draws per chain.
        Draws: int
        /// True when the run was cancelled before all requested draws were made: the summary is of a partial
        /// posterior (see `Partial`).
        Cancelled: bool
        /// Empty for a complete run; for a cancelled one, what the partial posterior holds, e.g. "partial: run
        /// cancelled; 2 of 4 chains made draws, 300 of 1000 draws each kept".
        Partial: string
    }

    /// The row of a scalar by name (`theta[3]`) or label (`theta[C]`); KeyNotFoundException when there is none.
    member s.Item
        with get (name: string) =
            match s.Rows |> Array.tryFind (fun r -> r.Name = name || r.Label = name) with
            | Some r -> r
            | None -> raise (Collections.Generic.KeyNotFoundException $"The summary has no row named '{name}'.")

    /// True when no convergence warning fired.
    member s.Converged = s.Warnings.Length = 0

    /// The warnings banner (if any), then the summary as an aligned text table (`Summary.format`).
    override s.ToString() =
        SummaryText.table s.Probs s.Rows s.Warnings s.Chains s.Draws s.Cancelled s.Partial

/// Builds and prints posterior summary tables.
[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Summary =

    /// R-hat above which a scalar is flagged (`Warnings.rhatThreshold`, 1.01 as Vehtari et al. 2021 recommend).
    let rhatThreshold = Warnings.rhatThreshold

    /// Bulk and tail ESS per chain below which a scalar is flagged (`Warnings.essPerChainThreshold`, 100).
    let essPerChainThreshold = Warnings.essPerChainThreshold

    /// Default quantile probabilities: 5%, 50% and 95%.
    let defaultProbs = [| 0.05; 0.5; 0.95 |]

    /// Default options: `defaultProbs`, `rhatThreshold`, `essPerChainThreshold`.
    let defaultOptions: SummaryOptions =
        {
            Probs = defaultProbs
            MaxRhat = rhatThreshold
            MinEssPerChain = essPerChainThreshold
        }

    /// Summarises the draws `float[chain][draw]` of one scalar.
    let row (probs: float[]) (name: string) (label: string option) (x: float[][]) : SummaryRow =
        let essBulk, rhat = Diagnostics.essBulkAndRhat x

        {
            Name = name
            Label = Option.toObj label
            Mean = Diagnostics.mean x
            Sd = Diagnostics.sd x
            Median = Diagnostics.median x
            Mad = Diagnostics.mad x
            Quantiles = probs |> Array.map (fun p -> Diagnostics.quantile p x)
            McseMean = Diagnostics.mcseMean x
            McseSd = Diagnostics.mcseSd x
            EssBulk = essBulk
            EssTail = Diagnostics.essTail x
            Rhat = rhat
        }

    /// Summarises every scalar of a posterior with the given options.
    let computeWith (options: SummaryOptions) (p: Posterior) : Summary =
        options.Probs
        |> Array.iter (fun q ->
            if not (q >= 0.0 && q <= 1.0) then
                invalidArg "options" $"Quantile probability {q} is outside [0, 1].")

        let thresholds: WarningOptions =
            {
                MaxRhat = options.MaxRhat
                MinEssPerChain = options.MinEssPerChain
            }

        let rowsAndFindings =
            p.Names
            |> Array.map (fun n ->
                let x = Posterior.chains n p
                let r = row options.Probs n (p.Label n) x
                r, Warnings.findings thresholds n r.Rhat r.EssBulk r.EssTail x)

        {
            Probs = Array.copy options.Probs
            Rows = rowsAndFindings |> Array.map fst
            Warnings =
                rowsAndFindings
                |> List.ofArray
                |> List.collect snd
                |> Warnings.group thresholds p.ChainCount
                |> Array.ofList
            Chains = p.ChainCount
            Draws = p.DrawCount
            Cancelled = p.Cancelled
            Partial =
                if p.Cancelled then
                    $"partial: run cancelled; {p.ChainCount} of {p.RequestedChains} chains made draws, {p.DrawCount} of {p.RequestedDraws} draws each kept"
                else
                    ""
        }

    /// Summarises every scalar of a posterior with `defaultOptions`.
    let compute (p: Posterior) : Summary = computeWith defaultOptions p


    /// Formats `x` to `digits` significant digits: fixed point for 1e-3 ≤ |x| < 1e6, otherwise scientific.
    let formatSignificant (digits: int) (x: float) = SummaryText.formatSignificant digits x

    /// One line describing a warning and what to do about it (`Warnings.describe`).
    let describe (w: Warning) = Warnings.describe w

    /// The summary as a highlighted table (the HTML report and the notebook formatter share it): the headers, and
    /// per row its cells, each flagged when it should stand out (ESS below, R-hat above its threshold).
    let highlightedTable (s: Summary) : string list * (string * bool) list list =
        let f = formatSignificant 3
        let minEss = essPerChainThreshold * float s.Chains

        let headers =
            [ "name"; "label"; "mean"; "sd" ]
            @ (s.Probs |> Array.map SummaryText.quantileHeader |> List.ofArray)
            @ [ "mcse_mean"; "ess_bulk"; "ess_tail"; "rhat" ]

        let rows =
            s.Rows
            |> Array.map (fun r ->
                [
                    yield r.Name, false
                    yield SummaryText.labelText r, false
                    yield f r.Mean, false
                    yield f r.Sd, false
                    for v in r.Quantiles -> f v, false
                    yield formatSignificant 2 r.McseMean, false
                    yield $"{r.EssBulk:F0}", r.EssBulk < minEss
                    yield $"{r.EssTail:F0}", r.EssTail < minEss
                    yield (if Double.IsNaN r.Rhat then "NA" else $"{r.Rhat:F3}"), not (r.Rhat <= rhatThreshold)
                ])
            |> List.ofArray

        headers, rows

    /// The summary as plain text: the warnings banner first (where readers look), a header line, then aligned
    /// columns (text left, numbers right).
    let format (s: Summary) : string = s.ToString()
