namespace HierFunctional

open System
open System.Collections.Generic

[<AutoOpen>]
module internal PosteriorText =
    /// Separator for name lists in error messages (a literal cannot appear inside an interpolated hole).
    let ListSeparator = ", "

/// Posterior draws: chains × draws × named scalars (`mu`, `theta[3]`), with optional group labels per scalar,
/// run status and an optional pointwise log-likelihood (chains × draws × observations) for WAIC / PSIS-LOO.
/// Storage is column-major per chain: one `float[]` per chain holding all draws of scalar 0, then all draws of
/// scalar 1, and so on. Every consumer (diagnostics, summaries, quantiles, WAIC per observation) reads one
/// scalar across draws, so a column is one contiguous slice; the sampler's row-per-iteration writes are
/// transposed once, at construction.
[<Sealed>]
type Posterior
    internal
    (
        names: string[],
        labels: string option[],
        chains: float[][],
        draws: int,
        cancelled: bool,
        requestedDraws: int,
        requestedChains: int,
        logLik: float[][] option,
        observations: int
    ) =
    let index =
        let d = Dictionary<string, int>(StringComparer.Ordinal)
        names |> Array.iteri (fun i n -> d[n] <- i)
        d

    member internal _.Columns = chains
    member internal _.NameArray = names
    member internal _.LabelArray = labels
    member internal _.LogLikColumns = logLik
    member internal _.Index = index

    /// Scalar names in column order, e.g. `mu`, `theta[1]`, `theta[2]`.
    member _.Names: string[] = Array.copy names
    /// Number of chains.
    member _.ChainCount = chains.Length
    /// Number of draws per chain (the draws made so far when the run was cancelled).
    member _.DrawCount = draws
    /// Total number of draws over all chains.
    member _.TotalDraws = draws * chains.Length
    /// True when the run was cancelled and the draws are those made before cancellation.
    member _.Cancelled = cancelled
    /// Draws per chain the run was asked for; equals `DrawCount` for a completed run.
    member _.RequestedDraws = requestedDraws
    /// Chains the run was asked for; more than `ChainCount` when a cancelled run left chains that never made a draw.
    member _.RequestedChains = requestedChains
    /// Number of observations in the pointwise log-likelihood (0 when there is none).
    member _.ObservationCount = observations
    /// True when a pointwise log-likelihood matrix is attached.
    member _.HasLogLikelihood = logLik.IsSome

    /// The group label of a scalar (e.g. "Hospital C" for `theta[3]`), if one was attached.
    member _.Label(name: string) =
        match index.TryGetValue name with
        | true, i -> labels[i]
        | _ -> invalidArg "name" $"No scalar named '{name}'; known scalars: {String.Join(ListSeparator, names)}."

    /// True when a scalar of this name exists.
    member _.Contains(name: string) = index.ContainsKey name

    override _.ToString() =
        let status =
            if cancelled then
                $", partial: run cancelled; {chains.Length} of {requestedChains} chains made draws, {draws} of {requestedDraws} draws each kept"
            else
                ""

        $"Posterior: {chains.Length} chains × {draws} draws × {names.Length} scalars{status}"

/// Functions over `Posterior` values.
[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Posterior =

    /// The node part of a scalar name: `theta` for `theta[3]`, `mu` for `mu`.
    let nodeOf (name: string) =
        match name.IndexOf '[' with
        | -1 -> name
        | i -> name.Substring(0, i)

    let private checkNames (names: string[]) =
        if isNull names then
            nullArg "names"

        let dup = names |> Array.countBy id |> Array.tryFind (fun (_, c) -> c > 1)

        match dup with
        | Some(n, c) -> invalidArg "names" $"Scalar name '{n}' appears {c} times; names must be unique."
        | None -> ()

    /// Builds a posterior from per-chain packed columns (scalar p's draw d at p · draws + d), taking ownership of
    /// the arrays: a sampler's own columns, handed over without a copy.
    let internal ofPacked (names: string[]) (packed: float[][]) (draws: int) : Posterior =
        checkNames names

        if packed.Length = 0 then
            invalidArg "packed" "At least one chain is required."

        packed
        |> Array.iteri (fun c chain ->
            if chain.Length <> names.Length * draws then
                invalidArg "packed" $"Chain {c} has {chain.Length} values; expected {names.Length} × {draws}.")

        Posterior(Array.copy names, Array.create names.Length None, packed, draws, false, draws, packed.Length, None, 0)

    /// Builds a posterior from per-chain columns: `columns[chain][scalar][draw]`.
    let ofColumns (names: string[]) (columns: float[][][]) : Posterior =
        checkNames names

        if isNull columns || columns.Length = 0 then
            invalidArg "columns" "At least one chain is required."

        let draws = if columns[0].Length = 0 then 0 else columns.[0].[0].Length

        columns
        |> Array.iteri (fun c chain ->
            if chain.Length <> names.Length then
                invalidArg "columns" $"Chain {c} has {chain.Length} scalars but {names.Length} names were given."

            chain
            |> Array.iteri (fun p col ->
                if col.Length <> draws then
                    invalidArg "columns" $"Chain {c}, scalar '{names[p]}' has {col.Length} draws; expected {draws}."))

        ofPacked names (columns |> Array.map Array.concat) draws

    /// Builds a posterior from `draws[chain][draw][scalar]` (a row per iteration, as a sampler produces them).
    let create (names: string[]) (draws: float[][][]) : Posterior =
        checkNames names

        if isNull draws || draws.Length = 0 then
            invalidArg "draws" "At least one chain is required."

        let n = draws[0].Length

        draws
        |> Array.iteri (fun c chain ->
            if chain.Length <> n then
                invalidArg "draws" $"Chain {c} has {chain.Length} draws; chain 0 has {n}."

            chain
            |> Array.iteri (fun d row ->
                if row.Length <> names.Length then
                    invalidArg
                        "draws"
                        $"Chain {c}, draw {d} has {row.Length} values; expected {names.Length} (one per name)."))

        draws
        |> Array.map (fun chain -> Array.init names.Length (fun p -> Array.init n (fun d -> chain[d][p])))
        |> ofColumns names

    /// Attaches group labels by scalar name (e.g. `"theta[3]", "Hospital C"`); unlisted scalars keep theirs.
    let withLabels (labels: seq<string * string>) (p: Posterior) : Posterior =
        let ls = Array.copy p.LabelArray

        for (name, label) in labels do
            match p.Index.TryGetValue name with
            | true, i -> ls[i] <- Some label
            | _ -> invalidArg "labels" $"Cannot label '{name}': no such scalar."

        Posterior(
            p.NameArray,
            ls,
            p.Columns,
            p.DrawCount,
            p.Cancelled,
            p.RequestedDraws,
            p.RequestedChains,
            p.LogLikColumns,
            p.ObservationCount
        )

    /// Marks the run as cancelled (a partial posterior): `ChainCount` of `requestedChains` chains made draws, and
    /// each keeps `DrawCount` of its `requestedDraws`. Chains must be of equal length, so a sampler cancelled
    /// mid-sweep passes each started chain's first draws, up to the shortest started chain's count.
    let markPartial (requestedChains: int) (requestedDraws: int) (p: Posterior) : Posterior =
        if requestedDraws < p.DrawCount then
            invalidArg
                "requestedDraws"
                $"Requested draws ({requestedDraws}) cannot be fewer than the draws made ({p.DrawCount})."

        if requestedChains < p.ChainCount then
            invalidArg
                "requestedChains"
                $"Requested chains ({requestedChains}) cannot be fewer than the chains kept ({p.ChainCount})."

        Posterior(
            p.NameArray,
            p.LabelArray,
            p.Columns,
            p.DrawCount,
            true,
            requestedDraws,
            requestedChains,
            p.LogLikColumns,
            p.ObservationCount
        )

    /// Marks the run as cancelled after `DrawCount` of `requestedDraws` draws per chain, every chain kept
    /// (`markPartial` when some chains made no draw).
    let markCancelled (requestedDraws: int) (p: Posterior) : Posterior =
        markPartial p.ChainCount requestedDraws p

    /// Attaches the pointwise log-likelihood `logLik[chain][draw][observation]` (same chains and draws).
    let withLogLikelihood (logLik: float[][][]) (p: Posterior) : Posterior =
        if isNull logLik || logLik.Length <> p.ChainCount then
            invalidArg "logLik" $"Expected {p.ChainCount} chains of log-likelihood values."

        logLik
        |> Array.iteri (fun c chain ->
            if chain.Length <> p.DrawCount then
                invalidArg "logLik" $"Chain {c} has {chain.Length} log-likelihood rows; expected {p.DrawCount}.")

        let n = if p.DrawCount = 0 then 0 else logLik.[0].[0].Length

        logLik
        |> Array.iteri (fun c chain ->
            chain
            |> Array.iteri (fun d row ->
                if row.Length <> n then
                    invalidArg "logLik" $"Chain {c}, draw {d} has {row.Length} observations; expected {n}."))

        let cols =
            logLik
            |> Array.map (fun chain ->
                Array.init (n * chain.Length) (fun k -> chain[k % chain.Length][k / chain.Length]))

        Posterior(
            p.NameArray,
            p.LabelArray,
            p.Columns,
            p.DrawCount,
            p.Cancelled,
            p.RequestedDraws,
            p.RequestedChains,
            Some cols,
            n
        )

    let private indexOf (name: string) (p: Posterior) =
        match p.Index.TryGetValue name with
        | true, i -> i
        | _ -> invalidArg "name" $"No scalar named '{name}'; known scalars: {String.Join(ListSeparator, p.NameArray)}."

    /// The draws of one scalar as `float[chain][draw]` (a copy).
    let chains (name: string) (p: Posterior) : float[][] =
        let i = indexOf name p
        p.Columns |> Array.map (fun col -> Array.sub col (i * p.DrawCount) p.DrawCount)

    /// The draws of one scalar, all chains concatenated in chain order.
    let allChains (name: string) (p: Posterior) : float[] = chains name p |> Array.concat

    /// The old name of `allChains` ("pooled" is the library's word for pooling across groups).
    [<System.Obsolete("Use Posterior.allChains: all chains concatenated in chain order.")>]
    let pooled (name: string) (p: Posterior) : float[] = allChains name p

    /// The posterior restricted to the named scalars, in the order given.
    let select (names: seq<string>) (p: Posterior) : Posterior =
        let idx = names |> Seq.map (fun n -> indexOf n p) |> Array.ofSeq
        let n = p.DrawCount

        let cols =
            p.Columns
            |> Array.map (fun col -> idx |> Array.collect (fun i -> Array.sub col (i * n) n))

        Posterior(
            idx |> Array.map (fun i -> p.NameArray[i]),
            idx |> Array.map (fun i -> p.LabelArray[i]),
            cols,
            n,
            p.Cancelled,
            p.RequestedDraws,
            p.RequestedChains,
            p.LogLikColumns,
            p.ObservationCount
        )

    /// All scalars of a node: `selectNode "theta"` keeps `theta[1]`, `theta[2]`, ... (or `theta` if scalar).
    let selectNode (node: string) (p: Posterior) : Posterior =
        let names = p.NameArray |> Array.filter (fun n -> nodeOf n = node)

        if names.Length = 0 then
            invalidArg
                "node"
                $"No node named '{node}'; known nodes: {String.Join(ListSeparator, p.NameArray |> Array.map nodeOf |> Array.distinct)}."

        select names p

    /// All scalars carrying the given group label (e.g. every `[3]` element labelled "Hospital C").
    let selectLabel (label: string) (p: Posterior) : Posterior =
        let names = p.NameArray |> Array.filter (fun n -> p.Label n = Some label)

        if names.Length = 0 then
            invalidArg "label" $"No scalar is labelled '{label}'."

        select names p

    /// Adds a derived scalar computed draw by draw from the others, e.g.
    /// `derive "delta" (fun row -> row "theta[1]" - row "theta[2]")`.
    let derive (name: string) (f: (string -> float) -> float) (p: Posterior) : Posterior =
        if p.Contains name then
            invalidArg "name" $"A scalar named '{name}' already exists."

        let n = p.DrawCount

        let cols =
            p.Columns
            |> Array.map (fun col ->
                let derived = Array.init n (fun d -> f (fun s -> col[indexOf s p * n + d]))
                Array.append col derived)

        Posterior(
            Array.append p.NameArray [| name |],
            Array.append p.LabelArray [| None |],
            cols,
            n,
            p.Cancelled,
            p.RequestedDraws,
            p.RequestedChains,
            p.LogLikColumns,
            p.ObservationCount
        )

    /// All draws as `float[chain][draw][scalar]` (the layout `create` takes).
    let toArray (p: Posterior) : float[][][] =
        let n, k = p.DrawCount, p.Names.Length

        p.Columns
        |> Array.map (fun col -> Array.init n (fun d -> Array.init k (fun i -> col[i * n + d])))

    /// The pointwise log-likelihood of one observation as `float[chain][draw]`.
    let logLikelihoodOf (observation: int) (p: Posterior) : float[][] =
        match p.LogLikColumns with
        | None -> invalidArg "p" "This posterior has no pointwise log-likelihood; attach one with withLogLikelihood."
        | Some cols ->
            if observation < 0 || observation >= p.ObservationCount then
                invalidArg "observation" $"Observation {observation} is outside 0..{p.ObservationCount - 1}."

            cols
            |> Array.map (fun col -> Array.sub col (observation * p.DrawCount) p.DrawCount)

    /// The pointwise log-likelihood as an S × N matrix (draws of all chains in chain order × observations).
    let logLikelihoodMatrix (p: Posterior) : float[,] =
        match p.LogLikColumns with
        | None -> invalidArg "p" "This posterior has no pointwise log-likelihood; attach one with withLogLikelihood."
        | Some cols ->
            let n = p.DrawCount
            Array2D.init (n * p.ChainCount) p.ObservationCount (fun s i -> cols[s / n][i * n + s % n])
