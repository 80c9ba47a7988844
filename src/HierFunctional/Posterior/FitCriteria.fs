namespace HierFunctional

open System
open System.Runtime.ExceptionServices

/// DIC, WAIC and PSIS-LOO of one fit, from one pass over its data rows.
type FitCriteriaSet =
    {
        /// DIC and p_D.
        Dic: Dic
        /// WAIC with standard errors.
        Waic: Waic
        /// PSIS-LOO with Pareto k̂ diagnostics (r_eff from the chains).
        Loo: Loo
    }

/// DIC, WAIC and PSIS-LOO of a fit computed after sampling from its parameter draws, one block of data rows at a
/// time, so no rows × draws matrix is ever held: memory is the rebuilt states (about the posterior's own size) plus
/// a few blocks. The same numbers as `Criteria.dicOf`/`waicOf`/`looOf` on a posterior sampled with
/// `WithLogLikelihood(true)`, without recording the pointwise log-likelihood (rows × draws doubles) while sampling.
[<RequireQualifiedAccess>]
module FitCriteria =

    /// The most log-likelihood values a block holds (2^24 doubles, 128 MB); blocks have at least one row.
    let defaultBlockValues = 1 <<< 24

    // The log-likelihood of rows [first, first + count) at every draw, indexed [draw][row in block].
    let private block (plan: GibbsPlan) (states: float[][]) (first: int) (count: int) =
        states
        |> Array.map (fun s -> Array.init count (fun i -> plan.Density.PointwiseLogLikRow s (first + i)))

    let private chainIds (posterior: Posterior) =
        Array.init posterior.TotalDraws (fun s -> s / posterior.DrawCount)

    // Every block's log-likelihood, handed to `visit` in row order. Blocks are evaluated a wave at a time, one per
    // core, and visited in order afterwards, so results do not depend on the number of cores.
    let private eachBlock (blockValues: int) (plan: GibbsPlan) (states: float[][]) (visit: float[][] -> unit) =
        let rows = plan.Bound.Rows

        if rows = 0 then
            invalidArg "plan" "the model has no observed rows, so it has no pointwise log-likelihood."

        let size = max 1 (blockValues / max 1 states.Length)
        let starts = [| 0..size .. rows - 1 |]

        for wave in Array.chunkBySize (max 1 Environment.ProcessorCount) starts do
            let blocks =
                try
                    wave
                    |> Array.Parallel.map (fun first -> block plan states first (min size (rows - first)))
                with :? AggregateException as ae ->
                    // the first block's refusal (ArgumentException, ModelException) as if evaluated in sequence
                    ExceptionDispatchInfo.Throw(ae.Flatten().InnerExceptions.[0])
                    [||]

            blocks |> Array.iter visit

    /// All three criteria with blocks of at most `blockValues` log-likelihood values.
    let internal allWith (blockValues: int) (plan: GibbsPlan) (posterior: Posterior) : FitCriteriaSet =
        let states = PosteriorStates.allChainStates plan.Bound posterior
        let ids = chainIds posterior
        // Σ_i log p(y_i | θ^s), accumulated row by row in row order, as `Density.Deviance` sums.
        let logLikSums = Array.zeroCreate states.Length
        let waicParts = ResizeArray()
        let looParts = ResizeArray()

        eachBlock blockValues plan states (fun m ->
            for s in 0 .. m.Length - 1 do
                let mutable acc = logLikSums.[s]

                for v in m.[s] do
                    acc <- acc + v

                logLikSums.[s] <- acc

            waicParts.Add(Criteria.waic m)
            looParts.Add(Criteria.looPointwise (RelativeEfficiency.relativeEff ids m) m))

        let cat (f: Waic -> float[]) = waicParts |> Seq.map f |> Array.concat
        let atMean = plan.Density.Deviance(PosteriorStates.meanState plan.Bound posterior)

        {
            Dic = Criteria.dic (logLikSums |> Array.map (fun v -> -2.0 * v)) atMean
            Waic = Criteria.waicOfPointwise (cat _.PointwiseElpd) (cat _.PointwiseP)
            Loo = looParts |> List.ofSeq |> Criteria.concatPointwise |> Criteria.looOfPointwise
        }

    /// DIC, WAIC and PSIS-LOO of a fit from its draws in one pass over its rows: each row block's log-likelihood is
    /// evaluated once and feeds all three.
    let all (plan: GibbsPlan) (posterior: Posterior) : FitCriteriaSet =
        allWith defaultBlockValues plan posterior

    /// WAIC of a fit from its draws (`Criteria.waic`), row block by row block.
    let waic (plan: GibbsPlan) (posterior: Posterior) : Waic = (all plan posterior).Waic

    /// PSIS-LOO of a fit from its draws, r_eff from its chains (`Criteria.looOfChains`), row block by row block.
    let loo (plan: GibbsPlan) (posterior: Posterior) : Loo = (all plan posterior).Loo

    /// DIC of a fit from its draws: each draw's deviance evaluated from its state (`Criteria.dic`).
    let dic (plan: GibbsPlan) (posterior: Posterior) : Dic =
        let deviance =
            PosteriorStates.allChainStates plan.Bound posterior
            |> Array.map plan.Density.Deviance

        Criteria.dic deviance (plan.Density.Deviance(PosteriorStates.meanState plan.Bound posterior))
