namespace HierFunctional

/// DIC, WAIC and PSIS-LOO of a fit computed after sampling from its parameter draws, one block of data rows at a
/// time, so no rows × draws matrix is ever held: memory is the rebuilt states (about the posterior's own size) plus
/// one block. The same numbers as `Criteria.dicOf`/`waicOf`/`looOf` on a posterior sampled with
/// `WithLogLikelihood(true)`, without recording the pointwise log-likelihood (rows × draws doubles) while sampling.
[<RequireQualifiedAccess>]
module FitCriteria =

    /// The most log-likelihood values a block holds (2^24 doubles, 128 MB); blocks have at least one row.
    let defaultBlockValues = 1 <<< 24

    // The log-likelihood of rows [first, first + count) at every draw, indexed [draw][row in block].
    let private block (plan: GibbsPlan) (states: float[][]) (first: int) (count: int) =
        states
        |> Array.map (fun s -> Array.init count (fun i -> plan.Density.PointwiseLogLikRow s (first + i)))

    let private blocks (blockValues: int) (plan: GibbsPlan) (posterior: Posterior) =
        let states = PosteriorStates.allChainStates plan.Bound posterior
        let rows = plan.Bound.Rows
        let size = max 1 (blockValues / max 1 states.Length)

        // Lazy, so only one block is alive at a time.
        seq { for first in 0..size .. rows - 1 -> block plan states first (min size (rows - first)) }

    /// WAIC with blocks of at most `blockValues` log-likelihood values.
    let internal waicWith (blockValues: int) (plan: GibbsPlan) (posterior: Posterior) : Waic =
        let parts = blocks blockValues plan posterior |> Seq.map Criteria.waic |> List.ofSeq
        let cat f = parts |> List.map f |> Array.concat
        Criteria.waicOfPointwise (cat _.PointwiseElpd) (cat _.PointwiseP)

    /// PSIS-LOO (r_eff from the chains) with blocks of at most `blockValues` log-likelihood values.
    let internal looWith (blockValues: int) (plan: GibbsPlan) (posterior: Posterior) : Loo =
        let ids = Array.init posterior.TotalDraws (fun s -> s / posterior.DrawCount)

        blocks blockValues plan posterior
        |> Seq.map (fun m -> Criteria.looPointwise (Criteria.relativeEff ids m) m)
        |> List.ofSeq
        |> Criteria.concatPointwise
        |> Criteria.looOfPointwise

    /// WAIC of a fit from its draws (`Criteria.waic`), row block by row block.
    let waic (plan: GibbsPlan) (posterior: Posterior) : Waic =
        waicWith defaultBlockValues plan posterior

    /// PSIS-LOO of a fit from its draws, r_eff from its chains (`Criteria.looOfChains`), row block by row block.
    let loo (plan: GibbsPlan) (posterior: Posterior) : Loo =
        looWith defaultBlockValues plan posterior

    /// DIC of a fit from its draws: each draw's deviance evaluated from its state (`Criteria.dic`).
    let dic (plan: GibbsPlan) (posterior: Posterior) : Dic =
        let deviance =
            PosteriorStates.allChainStates plan.Bound posterior |> Array.map plan.Density.Deviance

        Criteria.dic deviance (plan.Density.Deviance(PosteriorStates.meanState plan.Bound posterior))
