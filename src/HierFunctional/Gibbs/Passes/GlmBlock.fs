namespace HierFunctional

open System
open HierFunctional.Inference

/// Block Metropolis–Hastings update of the scalar coefficients of one linear predictor under a log link (Poisson,
/// NegativeBinomial) or a logit link (Binomial/Bernoulli), after Gamerman (1997). Damped IWLS (Newton) steps from
/// the current β reach the mode m(β) of the full conditional; the proposal is a mixture of N(m, P(m)⁻¹) and a
/// multivariate t with the same centre and scale, P = Xᵀ W X + prior precision. The reverse proposal is built the
/// same way from the proposed point, so the step is exact MCMC for the coefficients' full conditional. Every other
/// term of the linear predictor (random effects, offsets, log exposures) is re-read per row each sweep as a fixed
/// offset. Coefficients slice-sampled one at a time crawl along the ridge that uncentred covariates make.
[<RequireQualifiedAccess>]
module internal GlmBlock =

    /// The method name shown by `Gibbs.describe`.
    let methodName =
        "GLM block (Newton climb, mode-centred Gaussian/t proposal, exact by MH)"

    /// One chain's state of a GLM block: scratch for the Newton climb and the proposal, and the acceptance counts of the sampling sweeps.
    type private BlockState =
        {
            /// β (k).
            Beta: float[]
            /// The proposal β* (k).
            Prop: float[]
            Grad: float[]
            /// Precision, then its Cholesky factor (k·k).
            Prec: float[]
            /// The proposal mean (k).
            Mean: float[]
            Work: float[]
            PriorMean: float[]
            PriorPrec: float[]
            /// Each child's per-row offsets (the linear predictor without the block).
            ChildOffsets: float[][]
            /// The proposal's centre, the mode the Newton climb reached (k).
            Centre: float[]
            /// A Newton candidate (k).
            Cand: float[]
            /// Accepted proposals while sampling.
            mutable Accepted: float
            /// Proposals while sampling.
            mutable Proposed: float
        }

    let private create
        (b: Bound)
        (members: NodeInfo[])
        (children: GlmProposal.Child[])
        (shifts: GlmCentring.Shift[])
        (translations: GlmTranslation.Translation[])
        : Update =
        let k = members.Length
        let names = members |> Array.map _.Node.Name
        let node = String.Join(", ", names)
        let offsets = names |> Array.map (fun n -> b.Layout.Offsets.[n])

        let priors = members |> Array.map (fun i -> (GlmBlockMembers.priorOf i).Value)

        let compiled =
            priors
            |> Array.map (fun p ->
                match p with
                | GlmBlockMembers.Prior.Gaussian(m, s) ->
                    Some(Eval.compileScalar b Scope.Global m, Eval.compileScalar b Scope.Global s)
                | _ -> None)

        // lower, upper per member: fixed for the update's lifetime, shared read-only by every chain
        let bounds =
            priors
            |> Array.collect (fun p ->
                match p with
                | GlmBlockMembers.Prior.Uniform(lo, hi) -> [| lo; hi |]
                | _ -> [| -infinity; infinity |])

        let tConst = GlmProposal.tLogNormaliser k

        let run (bs: BlockState) (moves: GlmTranslation.Scratch[]) (rng: Random) (st: ChainState) =
            let s = st.Values
            let beta, prop, grad, prec = bs.Beta, bs.Prop, bs.Grad, bs.Prec
            let mean, work, pm, pp = bs.Mean, bs.Work, bs.PriorMean, bs.PriorPrec
            let offs = bs.ChildOffsets

            for j in 0 .. k - 1 do
                beta.[j] <- s.[offsets.[j]]

                match compiled.[j] with
                | Some(mf, sf) ->
                    let sd = sf s 0
                    pm.[j] <- mf s 0
                    pp.[j] <- 1.0 / (sd * sd)
                | None ->
                    // the centre of a Uniform prior is where a start that overflows is pulled toward
                    pm.[j] <-
                        if Double.IsFinite bounds.[2 * j] then
                            0.5 * (bounds.[2 * j] + bounds.[2 * j + 1])
                        else
                            0.0

                    pp.[j] <- 0.0

            for c in 0 .. children.Length - 1 do
                let ch = children.[c]
                let off = offs.[c]

                for r in 0 .. ch.Rows - 1 do
                    off.[r] <- ch.Offset s r

            let mutable lpCur =
                GlmProposal.prepare k children offs pm pp bounds s grad prec mean beta

            // Warm-up only: a start where exp(eta) overflows the IWLS weights (a coefficient started a few units
            // from 0 on a covariate in the hundreds) is pulled toward the prior mean until the expansion is finite.
            let mutable t = 0.5

            while Double.IsNaN lpCur && st.Adapting && t >= 1.0 / 1024.0 do
                for j in 0 .. k - 1 do
                    prop.[j] <- pm.[j] + t * (beta.[j] - pm.[j])

                lpCur <- GlmProposal.prepare k children offs pm pp bounds s grad prec mean prop

                if Double.IsNaN lpCur then
                    t <- 0.5 * t
                else
                    Array.blit prop 0 beta 0 k

                    for j in 0 .. k - 1 do
                        s.[offsets.[j]] <- beta.[j]

            if Double.IsNaN lpCur then
                UpdateKit.fail
                    node
                    methodName
                    "the log-density or the IWLS precision at the current value is not finite and positive definite (collinear design columns under Flat priors?)"

            // Warm-up only: from a start many proposal sds away from the Newton point, Gamerman proposals are
            // almost never accepted, so move toward the mode by Newton steps with step halving first.
            let mutable moved = false
            let mutable far = st.Adapting

            while far do
                for j in 0 .. k - 1 do
                    work.[j] <- mean.[j] - beta.[j]

                if GlmProposal.quadLt k prec work <= GlmProposal.farSteps * float k then
                    far <- false
                else
                    let mutable t = 1.0
                    let mutable found = false

                    while not found && t > 1e-6 do
                        for j in 0 .. k - 1 do
                            prop.[j] <- beta.[j] + t * work.[j]

                        let lp = GlmProposal.prepare k children offs pm pp bounds s grad prec mean prop

                        if lp > lpCur then
                            found <- true
                            lpCur <- lp
                            moved <- true
                            Array.blit prop 0 beta 0 k
                        else
                            t <- 0.5 * t

                    if not found then
                        lpCur <- GlmProposal.prepare k children offs pm pp bounds s grad prec mean beta
                        far <- false

            let accept =
                GlmProposal.step
                    k
                    tConst
                    children
                    offs
                    pm
                    pp
                    bounds
                    s
                    grad
                    prec
                    mean
                    work
                    bs.Cand
                    bs.Centre
                    prop
                    beta
                    lpCur
                    rng

            if accept then
                for j in 0 .. k - 1 do
                    s.[offsets.[j]] <- prop.[j]
            elif moved then
                for j in 0 .. k - 1 do
                    s.[offsets.[j]] <- beta.[j]

            for sh in shifts do
                GlmCentring.centre methodName rng sh s offsets bounds pm pp prec grad work

            for i in 0 .. translations.Length - 1 do
                GlmTranslation.move methodName rng translations.[i] moves.[i] children s offsets pm pp st.Adapting
                |> ignore

            if not st.Adapting then
                bs.Proposed <- bs.Proposed + 1.0

                if accept then
                    bs.Accepted <- bs.Accepted + 1.0

        {
            Node = node
            Method =
                let centring =
                    if shifts.Length = 0 then
                        ""
                    else
                        let name (sh: GlmCentring.Shift) =
                            match sh.Mean with
                            | Some(mean, _, _, _) -> $"{sh.Name} (with {mean})"
                            | None -> sh.Name

                        let names = String.Join(", ", shifts |> Array.map name)
                        $"; exact centring of {names}"

                let translation (tr: GlmTranslation.Translation) =
                    let cols = String.Join(", ", tr.Cols |> Array.map (fun j -> names.[j]))
                    $"; translation of {tr.Name} along {cols} (exact by MH)"

                methodName + centring + String.Join("", translations |> Array.map translation)
            Kind = UpdateKind.GlmBlock
            Exactness = Exactness.Markov
            Reason = ""
            KeepsWeight = false
            Init =
                fun _ ->
                    // gradient, precision and work hold a centring step's k + 1 coordinates (with the effect's mean)
                    let bs =
                        {
                            Beta = Array.zeroCreate k
                            Prop = Array.zeroCreate k
                            Grad = Array.zeroCreate (k + 1)
                            Prec = Array.zeroCreate ((k + 1) * (k + 1))
                            Mean = Array.zeroCreate k
                            Work = Array.zeroCreate (k + 1)
                            PriorMean = Array.zeroCreate k
                            PriorPrec = Array.zeroCreate k
                            ChildOffsets = children |> Array.map (fun c -> Array.zeroCreate c.Rows)
                            Centre = Array.zeroCreate k
                            Cand = Array.zeroCreate k
                            Accepted = 0.0
                            Proposed = 0.0
                        }

                    {
                        Run = run bs (translations |> Array.map (fun tr -> GlmTranslation.scratch tr children))
                        // the acceptance counts, so a resumed chain reports the same rate
                        Save = fun () -> [| bs.Accepted; bs.Proposed |]
                        Load =
                            fun xs ->
                                if xs.Length <> 2 then
                                    invalidArg "state" $"expected two acceptance counts, got {xs.Length} values."

                                bs.Accepted <- xs.[0]
                                bs.Proposed <- xs.[1]
                        Weight = ValueNone
                        Groups = ValueNone
                    }
        }

    /// The acceptance rate of a GLM block update's step after sampling (NaN before any sampling sweep).
    let acceptance (step: UpdateStep) =
        let counts = step.Save()
        counts.[0] / counts.[1]

    /// Replaces the updates of two or more scalar Normal/Flat coefficients that enter the same Poisson-log,
    /// NegativeBinomial-log or Binomial-logit linear predictors by one block update, placed where the first of them was; with `centring`,
    /// the block also takes the exact centring step of each qualifying random effect (see `GlmCentring`).
    let combineWith (centring: bool) (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        let b = density.Bound

        let candidates =
            updates
            |> Array.choose (fun u ->
                if b.NodeMap.ContainsKey u.Node then
                    GlmBlockMembers.childrenOf b expanded u.Node
                    |> Option.map (fun cs -> u.Node, cs)
                else
                    None)

        let blocks =
            candidates
            |> Array.groupBy snd
            |> Array.choose (fun (childNames, group) ->
                let members = group |> Array.map fst

                let priorsFree =
                    members
                    |> Array.forall (fun m ->
                        match GlmBlockMembers.priorOf b.NodeMap.[m] with
                        | Some(GlmBlockMembers.Prior.Gaussian(mean, sd)) ->
                            Factor.readsOnlyScalarGlobals b mean
                            && Factor.readsOnlyScalarGlobals b sd
                            && members
                               |> Array.forall (fun o -> not (Expr.dependsOn o mean || Expr.dependsOn o sd))
                        | _ -> true)

                if members.Length < 2 || not priorsFree then
                    None
                else
                    let children = childNames |> List.map (GlmBlockMembers.childFor b expanded members)

                    if List.forall Option.isSome children then
                        let infos = members |> Array.map (fun m -> b.NodeMap.[m])
                        let children = children |> List.choose id |> Array.ofList

                        let rows = children |> Array.map GlmCentring.rowOf

                        let bounded =
                            infos
                            |> Array.map (fun i ->
                                match GlmBlockMembers.priorOf i with
                                | Some(GlmBlockMembers.Prior.Uniform _) -> true
                                | _ -> false)

                        let shifts, translations =
                            if centring then
                                GlmCentring.shiftsFor b expanded members rows,
                                GlmTranslation.translationsFor b expanded members bounded children rows
                            else
                                [||], [||]

                        Some(members, create b infos children shifts translations)
                    else
                        None)

        if blocks.Length = 0 then
            updates
        else
            let blockOf =
                blocks
                |> Array.collect (fun (ms, u) -> ms |> Array.map (fun m -> m, (ms.[0], u)))
                |> Map.ofArray

            updates
            |> Array.choose (fun u ->
                match blockOf.TryFind u.Node with
                | Some(first, block) when first = u.Node -> Some block
                | Some _ -> None
                | None -> Some u)

    /// `combineWith` with the centring steps of the random effects in the block's linear predictors.
    let combine (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        combineWith true density expanded updates
