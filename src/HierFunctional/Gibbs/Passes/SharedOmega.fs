namespace HierFunctional

open System
open HierFunctional.Inference

/// The shared-ω pass: Normal-prior nodes that read the same logistic rows (each one's Pólya-Gamma match, whatever
/// update it got: Pólya-Gamma, collapsed logistic intercepts or a GLM block) become one `LogitBlock` update, with one
/// ω per row per sweep and one joint Gaussian draw. The rule: two or more such nodes share a Binomial/Bernoulli-logit
/// child, η is jointly linear in them (no node's coefficient or prior reads another), trials are whole data, and at
/// most `MaxGlobal` elements lie outside the grouping factor (the factor with the most levels among the nodes indexed
/// by it). With no global elements and trials above `PolyaGammaN.ExactUpTo` the block is `LogitLevels` instead (one
/// exact Laplace-t MH step per level, no ω); with trials that large and every global element already in a GLM block,
/// the globals keep that block and only the grouped members are combined (no large-n ω at all). A single node keeps its own update: the collapsed Laplace-t step when its rows collapse per element, else
/// Pólya-Gamma (`Rules.polyaGammaLogistic`).
[<RequireQualifiedAccess>]
module internal SharedOmega =

    /// The most elements drawn as one dense block (p³ per sweep).
    [<Literal>]
    let MaxGlobal = 64

    /// A candidate: its info, its prior and its logistic children.
    type private Candidate =
        {
            Info: NodeInfo
            Mean: Expr
            Sd: Expr
            Children: LinkedChild list
        }

    let private candidate (b: Bound) (expanded: Model) (info: NodeInfo) : Candidate option =
        match GlmConjugacy.polyaGammaLogistic.Recognise expanded info.Node with
        | RuleOutcome.Matched(GaussianPrior.Elementwise(m, s), children) when
            children
            |> List.forall (fun c -> (Bound.node b c.Node.Name).Event = Shape.Scalar)
            ->
            Some
                {
                    Info = info
                    Mean = m
                    Sd = s
                    Children = children
                }
        | _ -> None

    /// Candidates connected through shared children (union by child name), in declaration order.
    let private clusters (cands: Candidate list) : Candidate list list =
        let rec grow (cluster: Candidate list) (rest: Candidate list) =
            let names =
                cluster
                |> List.collect (fun c -> c.Children |> List.map _.Node.Name)
                |> Set.ofList

            let joining, staying =
                rest
                |> List.partition (fun c -> c.Children |> List.exists (fun ch -> names.Contains ch.Node.Name))

            if joining.IsEmpty then
                cluster, rest
            else
                grow (cluster @ joining) staying

        let rec split (cands: Candidate list) =
            match cands with
            | [] -> []
            | c :: rest ->
                let cluster, others = grow [ c ] rest
                cluster :: split others

        split cands

    /// Whole, non-negative data trials per row, or None.
    let private trialsOf (b: Bound) (child: NodeInfo) (n: Expr) : int[] option =
        if Factor.isDataOnly n then
            let f = PolyaGammaUpdate.perRow b child n
            let zero = UpdateKit.zeroState b
            let xs = Array.init child.Copies (f zero)

            if xs |> Array.forall (fun x -> x >= 0.0 && x = round x && x < 1e9) then
                Some(xs |> Array.map int)
            else
                None
        else
            None

    /// The block for one cluster, or None when the rule does not take it. `inGlmBlock` holds the nodes a GLM block
    /// update already moves: when every global element is among them and trials exceed `PolyaGammaN.ExactUpTo`, the
    /// globals keep that block (Newton-centred exact MH, with its exact centring step) and only the grouped members
    /// form a block (`LogitLevels`, even a lone one unless `collapsed`, the nodes with the collapsed logistic-intercepts
    /// step, holds it), so no row needs a large-n ω. `lone` lets a one-member cluster form a block.
    let rec private build
        (b: Bound)
        (inGlmBlock: Set<string>)
        (collapsed: Set<string>)
        (lone: bool)
        (cluster: Candidate list)
        : (string list * Update) option =
        let cs = Array.ofList cluster
        let names = cs |> Array.map _.Info.Node.Name

        let readsMember (e: Expr) =
            names |> Array.exists (fun n -> Expr.dependsOn n e)

        let independent =
            cs
            |> Array.forall (fun c ->
                not (readsMember c.Mean || readsMember c.Sd)
                && c.Children |> List.forall (fun ch -> not (readsMember ch.Coefficient)))

        // the grouping factor: the one with the most levels among members indexed only by it
        let groupOf (c: Candidate) =
            match c.Info.Node.Plate with
            | Plate.Over g when
                c.Children
                |> List.forall (fun ch ->
                    match ch.Slot with
                    | Slot.Indexed(Group g') -> g' = g
                    | _ -> false)
                ->
                Some g
            | _ -> None

        let factor =
            cs
            |> Array.choose (fun c -> groupOf c |> Option.map (fun g -> g, c.Info.Copies))
            |> Array.sortByDescending snd
            |> Array.tryHead

        let grouped (c: Candidate) =
            match factor, groupOf c with
            | Some(g, _), Some g' -> g = g'
            | _ -> false

        let p = cs |> Array.filter (grouped >> not) |> Array.sumBy _.Info.Copies

        if cs.Length < (if lone then 1 else 2) || not independent || p > MaxGlobal then
            None
        else
            let q = cs |> Array.filter grouped |> Array.length
            let levels = if q = 0 then 0 else snd factor.Value

            let members =
                let mutable g, u = 0, 0

                cs
                |> Array.map (fun c ->
                    let isG = grouped c

                    let slot =
                        if isG then
                            u <- u + 1
                            u - 1
                        else
                            g <- g + c.Info.Copies
                            g - c.Info.Copies

                    ({
                        Info = c.Info
                        StateOffset = b.Layout.Offsets.[c.Info.Node.Name]
                        Grouped = isG
                        Slot = slot
                        Mean = Eval.compileScalar b c.Info.Scope c.Mean
                        Sd = Eval.compileScalar b c.Info.Scope c.Sd
                    }
                    : LogitBlock.Member))

            let childNames =
                cs
                |> Array.collect (fun c -> c.Children |> List.map _.Node.Name |> Array.ofList)
                |> Array.distinct

            let rowsOf (childName: string) =
                let child = Bound.node b childName

                let links =
                    cs
                    |> Array.mapi (fun i c -> i, c.Children |> List.filter (fun ch -> ch.Node.Name = childName))
                    |> Array.collect (fun (i, chs) -> chs |> List.map (fun ch -> i, ch) |> Array.ofList)

                let first = snd links.[0]

                let trials =
                    match first.Family with
                    | GlmFamily.Logistic n -> trialsOf b child n
                    | _ -> None

                let terms =
                    links
                    |> Array.map (fun (i, ch) ->
                        Slots.elementOf b cs.[i].Info child ch.Slot
                        |> Result.toOption
                        |> Option.map (fun element ->
                            ({
                                Member = i
                                Element = element
                                Coefficient = PolyaGammaUpdate.perRow b child ch.Coefficient
                            }
                            : LogitBlock.Term)))

                match trials with
                | Some ns when terms |> Array.forall Option.isSome ->
                    let y = b.Numeric.[childName]

                    Some(
                        ({
                            Copies = child.Copies
                            Trials = ns
                            Kappa = Array.init child.Copies (fun r -> y.[r] - 0.5 * float ns.[r])
                            FirstOffset = PolyaGammaUpdate.perRow b child first.Offset
                            Terms = terms |> Array.map Option.get
                        }
                        : LogitBlock.Rows),
                        ns |> Array.fold max 0
                    )
                | _ -> None

            let rows = childNames |> Array.map rowsOf

            if rows |> Array.forall Option.isSome then
                let rows = rows |> Array.map Option.get
                let maxTrials = rows |> Array.map snd |> Array.fold max 0

                let layout =
                    match factor with
                    | Some(g, _) when q > 0 ->
                        let per =
                            String.Join(", ", cs |> Array.filter grouped |> Array.map _.Info.Node.Name)

                        $"{p} global elements dense, {per} per level of {g} ({levels} levels, Schur complement)"
                    | _ -> $"{p} elements dense"

                let approximateOmega = PolyaGammaN.mayApproximate maxTrials

                let omega =
                    if approximateOmega then
                        $"; ω: {PolyaGammaN.describe}"
                    else
                        "; ω: PG(n, c) exact (sums of PG(1, c))"

                let method =
                    $"logistic block (one shared Pólya-Gamma ω per row, joint Gaussian draw given ω: {layout}{omega})"

                let node = String.Join(", ", names)

                let globalsInGlmBlock =
                    cs |> Array.forall (fun c -> grouped c || inGlmBlock.Contains c.Info.Node.Name)

                match factor with
                | Some _ when p > 0 && q > 0 && maxTrials > PolyaGammaN.ExactUpTo && globalsInGlmBlock ->
                    match cluster |> List.filter grouped with
                    | [ one ] when collapsed.Contains one.Info.Node.Name -> None
                    | levelMembers -> build b inGlmBlock collapsed true levelMembers
                | Some(g, _) when LogitLevels.chosen p q maxTrials ->
                    let per = String.Join(", ", names)

                    let method =
                        $"logistic levels ({per} jointly per level of {g}: independence MH from a Laplace-t proposal on the exact conditional, {levels} levels; no Pólya-Gamma)"

                    Some(List.ofArray names, LogitLevels.create node method members q levels (rows |> Array.map fst))
                | _ ->
                    let u = LogitBlock.create node method members p q levels (rows |> Array.map fst)

                    let u =
                        if approximateOmega then
                            { u with
                                Exactness = Exactness.Approximate PolyaGammaN.bound
                            }
                        else
                            u

                    Some(List.ofArray names, u)
            else
                None

    /// The names an update moves (a block's node is its members joined by ", ").
    let private movedBy (u: Update) = u.Node.Split(", ") |> Set.ofArray

    /// Replaces the updates of each cluster the rule takes by its `LogitBlock` update, at the first one's position.
    let combine (density: CompiledDensity) (expanded: Model) (updates: Update[]) : Update[] =
        let b = density.Bound

        let cands = Bound.parameters b |> List.choose (candidate b expanded)

        let inGlmBlock =
            updates
            |> Array.filter (fun u -> u.Method.StartsWith GlmBlock.methodName)
            |> Array.map movedBy
            |> Set.unionMany

        let collapsed =
            updates
            |> Array.filter (fun u -> u.Kind = UpdateKind.LogisticIntercepts)
            |> Array.map _.Node
            |> Set.ofArray

        let blocks =
            clusters cands
            |> List.choose (build b inGlmBlock collapsed false)
            |> List.filter (fun (names, _) ->
                let set = Set.ofList names

                // every update touching a member must move members only, or the block would leave a node behind
                updates
                |> Array.forall (fun u ->
                    let moved = movedBy u
                    Set.intersect moved set |> Set.isEmpty || Set.isSubset moved set))

        blocks
        |> List.fold
            (fun (us: Update[]) (names, block) ->
                let set = Set.ofList names

                let touches (u: Update) =
                    not (Set.intersect (movedBy u) set).IsEmpty

                match us |> Array.tryFindIndex touches with
                | Some first ->
                    us
                    |> Array.mapi (fun i u ->
                        if i = first then Some block
                        elif touches u then None
                        else Some u)
                    |> Array.choose id
                | None -> us)
            updates
