namespace HierFunctional

open System

/// One estimate of a population coefficient, group coefficient, sd or correlation, as brms's `fixef`, `ranef`,
/// `coef` and `VarCorr` print it: posterior mean, sd and the central 95% interval.
type EffectRow =
    {
        /// The scalar's name in the draws these functions return, e.g. `b_Days`, `ranef_Subject[308,Days]`,
        /// `sd_Subject__Days`, `cor_Subject__Intercept__Days`.
        Name: string
        /// The grouping column (empty for population coefficients and the residual sd).
        Group: string
        /// The group level (empty unless the row is per level).
        Level: string
        /// The coefficient, e.g. `Intercept`, `Days`; for a correlation `Intercept__Days`; `sigma` for the residual sd.
        Term: string
        /// Posterior mean (brms's Estimate).
        Mean: float
        /// Posterior sd (brms's Est.Error).
        Sd: float
        /// 2.5% posterior quantile.
        Lower: float
        /// 97.5% posterior quantile.
        Upper: float
    }

/// Draws and tables in lme4/brms terms for a formula model (`Formula.buildWithTerms` gives the `FormulaTerms`):
/// population coefficients by term, group deviations and coefficients by level and term, and group-level standard
/// deviations and correlations computed draw by draw from the covariance (or Cholesky) draws.
[<RequireQualifiedAccess>]
module Effects =

    // One derived scalar: name, label and draws [chain][draw].
    type private Entry = string * string option * float[][]

    let private assemble (p: Posterior) (entries: Entry[]) : Posterior =
        let cols =
            Array.init p.ChainCount (fun c -> entries |> Array.collect (fun (_, _, x) -> x.[c]))

        Posterior(
            entries |> Array.map (fun (n, _, _) -> n),
            entries |> Array.map (fun (_, l, _) -> l),
            cols,
            p.DrawCount,
            p.Cancelled,
            p.RequestedDraws,
            p.RequestedChains,
            p.LogLikColumns,
            p.ObservationCount
        )

    let private col (p: Posterior) (name: string) = Posterior.chains name p
    let private map1 f (a: float[][]) = a |> Array.map (Array.map f)
    let private map2 f (a: float[][]) (b: float[][]) = Array.map2 (Array.map2 f) a b

    let private zeros (p: Posterior) =
        Array.init p.ChainCount (fun _ -> Array.zeroCreate p.DrawCount)

    /// The scalar name of coefficient k (0-based) of level j (0-based) of a group node.
    let private scalar (g: FormulaGroup) (j: int) (k: int) =
        if g.Coefficients.Length = 1 then
            $"{g.Node}[{j + 1}]"
        else
            $"{g.Node}[{j + 1},{k + 1}]"

    let private meanDraws (p: Posterior) (g: FormulaGroup) (j: int) (k: int) =
        match g.Means.[k] with
        | TermMean.Zero -> zeros p
        | TermMean.Population b -> col p b
        | TermMean.Outer(n, pos, outer) ->
            match outer.[j], pos with
            | -1, _ -> map1 (fun _ -> nan) (zeros p)
            | o, None -> col p $"{n}[{o + 1}]"
            | o, Some q -> col p $"{n}[{o + 1},{q + 1}]"

    /// Draws of the deviation of coefficient k at level j from what it is centred on (lme4's `ranef`, brms's `r_`).
    let private deviation (p: Posterior) (g: FormulaGroup) (j: int) (k: int) =
        map2 (-) (col p (scalar g j k)) (meanDraws p g j k)

    let private named (g: FormulaGroup) (prefix: string) (j: int) (k: int) =
        $"{prefix}_{g.Group}[{g.Levels.[j]},{g.Coefficients.[k]}]"

    let private perLevel (terms: FormulaTerms) (f: FormulaGroup -> int -> int -> 'T) : 'T[] =
        terms.Groups
        |> Array.collect (fun g ->
            [|
                for j in 0 .. g.Levels.Length - 1 do
                    for k in 0 .. g.Coefficients.Length - 1 -> f g j k
            |])

    /// Draws of the population coefficients `b_<term>`.
    let fixefDraws (terms: FormulaTerms) (p: Posterior) : Posterior =
        terms.Fixed |> Array.map (fun t -> $"b_{t}") |> fun ns -> Posterior.select ns p

    /// Draws of each group's deviations from the population (lme4's `ranef`, brms's `r_`), named
    /// `ranef_<group>[<level>,<term>]`: a node centred on `b_t` (or an enclosing group) holds the group's whole
    /// coefficient, so the centre is subtracted draw by draw (the node's own scalars keep their `r_` names).
    let ranefDraws (terms: FormulaTerms) (p: Posterior) : Posterior =
        perLevel terms (fun g j k -> named g "ranef" j k, None, deviation p g j k)
        |> assemble p

    /// Draws of each group's coefficients (brms's `coef`): the population coefficient of the same term (0 when the
    /// formula has none) plus the group's deviation, named `coef_<group>[<level>,<term>]`.
    let coefDraws (terms: FormulaTerms) (p: Posterior) : Posterior =
        perLevel terms (fun g j k ->
            let t = g.Coefficients.[k]

            let fixedPart =
                if Array.contains t terms.Fixed then
                    col p $"b_{t}"
                else
                    zeros p

            named g "coef" j k, None, map2 (+) fixedPart (deviation p g j k))
        |> assemble p

    // Per group term: (term label, draws) of each sd and (a__b, draws) of each correlation.
    let private scales (p: Posterior) (g: FormulaGroup) =
        let k = g.Coefficients.Length

        let pairs =
            [|
                for a in 0 .. k - 1 do
                    for b in a + 1 .. k - 1 -> a, b
            |]

        let corName (a, b) =
            $"{g.Coefficients.[a]}__{g.Coefficients.[b]}"

        match g.Scale with
        | TermScale.Sd n -> [| g.Coefficients.[0], col p n |], [||]
        | TermScale.Covariance n ->
            let s a b = col p $"{n}[{a + 1},{b + 1}]"
            let sds = Array.init k (fun a -> g.Coefficients.[a], map1 sqrt (s a a))

            let cors =
                pairs
                |> Array.map (fun (a, b) ->
                    corName (a, b), map2 (/) (s a b) (map2 (fun x y -> sqrt (x * y)) (s a a) (s b b)))

            sds, cors
        | TermScale.Cholesky(sdNodes, l) ->
            let sds = Array.init k (fun a -> g.Coefficients.[a], col p sdNodes.[a])

            let cors =
                pairs
                |> Array.map (fun (a, b) ->
                    let terms =
                        [ 0 .. min a b ]
                        |> List.map (fun m -> map2 (*) (col p $"{l}[{a + 1},{m + 1}]") (col p $"{l}[{b + 1},{m + 1}]"))

                    corName (a, b), terms |> List.reduce (map2 (+)))

            sds, cors

    let private varCorrEntries (terms: FormulaTerms) (p: Posterior) : (FormulaGroup option * string * Entry)[] =
        [|
            for g in terms.Groups do
                let sds, cors = scales p g

                for t, x in sds -> Some g, t, ($"sd_{g.Group}__{t}", None, x)

                for t, x in cors -> Some g, t, ($"cor_{g.Group}__{t}", None, x)
            match terms.Sigma with
            | Some s when p.Contains s -> yield None, "sigma", (s, None, col p s)
            | _ -> ()
        |]

    /// Draws of the group-level standard deviations `sd_<group>__<term>` and correlations
    /// `cor_<group>__<a>__<b>` (computed per draw from the covariance or Cholesky draws), then the residual `sigma`.
    let varCorrDraws (terms: FormulaTerms) (p: Posterior) : Posterior =
        varCorrEntries terms p |> Array.map (fun (_, _, e) -> e) |> assemble p

    /// The posterior as lme4/brms users read it: covariance matrices (`Sigma_g[1,2]`, with its duplicate `[2,1]`)
    /// and Cholesky factors (`L_g`) replaced, where they stood, by `sd_g__<term>` and `cor_g__<a>__<b>` rows, and
    /// group coefficients labelled by level and term (`r_Subject[1,2]` labelled `r_Subject[308,Days]`). Names of
    /// the other scalars and their numeric indices are unchanged.
    let readable (terms: FormulaTerms) (p: Posterior) : Posterior =
        let replaced =
            terms.Groups
            |> Array.choose (fun g ->
                match g.Scale with
                | TermScale.Covariance n -> Some(n, g)
                | TermScale.Cholesky(_, l) -> Some(l, g)
                | TermScale.Sd _ -> None)
            |> Map.ofArray

        let derived (g: FormulaGroup) : Entry[] =
            let sds, cors = scales p g

            let sdRows =
                match g.Scale with
                | TermScale.Covariance _ -> sds |> Array.map (fun (t, x) -> $"sd_{g.Group}__{t}", None, x)
                | _ -> [||]

            Array.append sdRows (cors |> Array.map (fun (t, x) -> $"cor_{g.Group}__{t}", None, x))

        let labels =
            terms.Groups
            |> Array.collect (fun g ->
                [|
                    for j in 0 .. g.Levels.Length - 1 do
                        for k in 0 .. g.Coefficients.Length - 1 ->
                            let label =
                                if g.Coefficients.Length = 1 then
                                    $"{g.Node}[{g.Levels.[j]}]"
                                else
                                    $"{g.Node}[{g.Levels.[j]},{g.Coefficients.[k]}]"

                            scalar g j k, label
                |])
            |> Map.ofArray

        let entries =
            p.NameArray
            |> Array.mapi (fun i n -> i, n)
            |> Array.fold
                (fun (acc: Entry list, seen: Set<string>) (i, n) ->
                    let node = Posterior.nodeOf n

                    match replaced.TryFind node with
                    | Some _ when seen.Contains node -> acc, seen
                    | Some g -> List.rev (List.ofArray (derived g)) @ acc, seen.Add node
                    | None ->
                        let label =
                            match labels.TryFind n with
                            | Some l -> Some l
                            | None -> p.LabelArray.[i]

                        (n, label, col p n) :: acc, seen)
                ([], Set.empty)
            |> fst
            |> List.rev
            |> Array.ofList

        assemble p entries

    let private rows (p: Posterior) (meta: (string * string * string * string)[]) =
        meta
        |> Array.map (fun (name, group, level, term) ->
            let x = col p name

            {
                Name = name
                Group = group
                Level = level
                Term = term
                Mean = Diagnostics.mean x
                Sd = Diagnostics.sd x
                Lower = Diagnostics.quantile 0.025 x
                Upper = Diagnostics.quantile 0.975 x
            })

    /// The population coefficients by term (brms's `fixef`).
    let fixef (terms: FormulaTerms) (p: Posterior) : EffectRow[] =
        terms.Fixed |> Array.map (fun t -> $"b_{t}", "", "", t) |> rows p

    let private levelRows prefix (terms: FormulaTerms) (draws: Posterior) =
        perLevel terms (fun g j k -> named g prefix j k, g.Group, g.Levels.[j], g.Coefficients.[k])
        |> rows draws

    /// Each group's deviations from the population by level and term (lme4's and brms's `ranef`).
    let ranef (terms: FormulaTerms) (p: Posterior) : EffectRow[] =
        levelRows "ranef" terms (ranefDraws terms p)

    /// Each group's coefficients by level and term: population coefficient plus deviation (brms's `coef`).
    let coef (terms: FormulaTerms) (p: Posterior) : EffectRow[] =
        levelRows "coef" terms (coefDraws terms p)

    /// Group-level standard deviations and correlations, then the residual sd (brms's `VarCorr`), each computed
    /// draw by draw.
    let varCorr (terms: FormulaTerms) (p: Posterior) : EffectRow[] =
        let entries = varCorrEntries terms p
        let draws = entries |> Array.map (fun (_, _, e) -> e) |> assemble p

        entries
        |> Array.map (fun (g, t, (n, _, _)) -> n, (g |> Option.map (fun g -> g.Group) |> Option.defaultValue ""), "", t)
        |> rows draws

    /// The rows as an aligned text table (name, mean, sd, 2.5% and 97.5% quantiles).
    let format (rows: EffectRow[]) : string =
        let f = Summary.formatSignificant 3
        let header = [| "name"; "mean"; "sd"; "q2.5"; "q97.5" |]

        let cells =
            rows
            |> Array.map (fun r -> [| r.Name; f r.Mean; f r.Sd; f r.Lower; f r.Upper |])

        let layout = TextTable.lineFormatter header cells

        let line (c: string[]) = layout c |> fun l -> l.TrimEnd()

        String.Join(Environment.NewLine, Array.append [| line header |] (cells |> Array.map line))
        + Environment.NewLine
