namespace HierFunctional.Testing

open System
open System.Threading.Tasks
open HierFunctional

/// A quantity ranked by SBC besides the monitored scalars, e.g. the mean of a group vector: a function of one
/// state's monitored values, looked up by scalar name (`mu`, `theta[2]`) or by node name (all its elements).
type SbcDerived =
    {
        /// Name shown in the results.
        Name: string
        /// The quantity, given a lookup from a scalar or node name to its monitored values.
        Compute: (string -> float[]) -> float
    }

/// One model structure to calibrate: the model, the data shape it is simulated on, and how to compile it.
type SbcStructure =
    {
        /// Short name (used in file names: letters, digits and dashes read best).
        Name: string
        /// What the structure exercises (rules, updates), for the summary.
        Exercises: string
        /// The model; every prior must be proper, since truths are drawn from it.
        Model: Model
        /// The data shape: group columns, covariates and trials as they will be used; the observed columns must
        /// be present with valid placeholder values (they are replaced by simulated data in every replication).
        Data: Dataset
        /// Compiler settings (rules, interweaving, block slicing) the fits use.
        Compile: CompileSettings
        /// Extra quantities to rank, such as group means.
        Derived: SbcDerived list
    }

/// Building SBC structures.
[<RequireQualifiedAccess>]
module SbcStructure =

    /// A structure fitted with the default compiler settings and no derived quantities.
    let create (name: string) (exercises: string) (model: Model) (data: Dataset) : SbcStructure =
        {
            Name = name
            Exercises = exercises
            Model = model
            Data = data
            Compile = CompileSettings.Default
            Derived = []
        }

    /// The structure with these derived quantities ranked too.
    let withDerived (derived: SbcDerived list) (s: SbcStructure) = { s with Derived = derived }

/// How SBC is run.
type SbcSettings =
    {
        /// Number of replications (prior draw, simulated data, fit, rank).
        Replications: int
        /// Master seed; replication i uses a generator derived from (Seed, i), so results do not depend on Threads.
        Seed: int
        /// Warm-up sweeps per fit (slice widths and block directions adapt only here).
        Warmup: int
        /// L: posterior draws kept per fit after thinning, so ranks lie in 0..L.
        Draws: int
        /// Largest thinning factor tried (a power of two); a fit still short of L effective draws there is counted
        /// as under-mixed.
        MaxThin: int
        /// Family-wise level of each structure's test: each of its m tested quantities is tested at Alpha/m.
        Alpha: float
        /// K: ECDF evaluation points j/K (K must divide L + 1).
        EcdfPoints: int
        /// Rank histogram bins (must divide L + 1).
        HistogramBins: int
        /// Replications run at once.
        Threads: int
    }

    /// 1,000 replications, seed 1, 300 warm-up sweeps, L = 99, thinning up to 64, α = 0.01, K = 50, 20 bins, 1 thread.
    static member Default =
        {
            Replications = 1000
            Seed = 1
            Warmup = 300
            Draws = 99
            MaxThin = 64
            Alpha = 0.01
            EcdfPoints = 50
            HistogramBins = 20
            Threads = 1
        }

/// The SBC result of one quantity.
type SbcQuantity =
    {
        /// Scalar or derived quantity name.
        Name: string
        /// Rank of the true value among the L thinned draws, one per completed replication (0..L).
        Ranks: int[]
        /// Rank histogram: counts per bin of (L + 1)/bins consecutive ranks.
        Histogram: int[]
        /// The ECDF-difference test with its simultaneous band.
        Ecdf: EcdfTest
        /// Median over replications of the quantity's bulk ESS in the run it was thinned from.
        MedianEss: float
        /// True when the ECDF difference stays inside the band.
        Passed: bool
    }

/// A replication that did not produce ranks, and why.
type SbcFailure =
    {
        /// 0-based replication number.
        Replication: int
        /// The typed error's message.
        Message: string
    }

/// The SBC result of one structure: everything needed to print and save its histograms and ECDF plots.
type SbcResult =
    {
        /// The structure's name.
        Structure: string
        /// What it exercises.
        Exercises: string
        /// The Gibbs plan of the first replication (`Gibbs.describe`), so the updates tested are on record.
        Plan: string
        /// The settings used.
        Settings: SbcSettings
        /// One entry per tested quantity.
        Quantities: SbcQuantity list
        /// Quantities left out because every draw equalled the truth in every replication (e.g. L[1,1] = 1).
        Constant: string list
        /// Replications that failed with a typed error (they count against the structure).
        Failures: SbcFailure list
        /// Replications that reached MaxThin with a quantity below L effective draws.
        UnderMixed: int
        /// Median thinning factor used.
        MedianThin: float
        /// Wall-clock seconds.
        Seconds: float
        /// True when every quantity passed and no replication failed.
        Passed: bool
    }

/// Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018) of the Gibbs sampler on a
/// model: draw θ from the prior, y from p(y | θ), fit, and rank θ among L posterior draws. If the sampler draws
/// from the exact posterior, each rank is uniform on 0..L. Uniformity is tested with the ECDF-difference band of
/// Säilynoja, Bürkner & Vehtari (2022) (`EcdfBand`).
[<RequireQualifiedAccess>]
module Sbc =

    /// The mean of a node's elements (e.g. the group mean of `theta`), as a derived quantity.
    let meanOf (name: string) (node: string) : SbcDerived =
        {
            Name = name
            Compute = fun get -> Array.average (get node)
        }

    /// A function of named scalars, as a derived quantity.
    let derived (name: string) (compute: (string -> float[]) -> float) : SbcDerived = { Name = name; Compute = compute }

    /// What one replication produced: per quantity its rank, whether it was constant, and its ESS.
    type private Replicate =
        {
            Ranks: int[]
            Constant: bool[]
            Ess: float[]
            Thin: int
            UnderMixed: bool
        }

    let private nodeOf (scalar: string) =
        match scalar.IndexOf '[' with
        | -1 -> scalar
        | i -> scalar.Substring(0, i)

    /// Maps monitored values to every quantity's value: monitored scalars, then derived quantities.
    let private quantities (names: string[]) (derived: SbcDerived list) =
        let byNode =
            names
            |> Array.mapi (fun i n -> nodeOf n, i)
            |> Array.groupBy fst
            |> Array.map (fun (node, xs) -> node, Array.map snd xs)
            |> Map.ofArray

        let byName = names |> Array.mapi (fun i n -> n, [| i |]) |> Map.ofArray

        let indices (key: string) =
            match byName.TryFind key |> Option.orElse (byNode.TryFind key) with
            | Some ix -> ix
            | None ->
                invalidArg "Derived" $"a derived SBC quantity reads '{key}', which is not a monitored scalar or node."

        let all = Array.append names (derived |> List.map (fun d -> d.Name) |> Array.ofList)

        let compute (monitored: float[]) =
            let get key =
                indices key |> Array.map (fun i -> monitored.[i])

            Array.append monitored (derived |> List.map (fun d -> d.Compute get) |> Array.ofList)

        all, compute

    /// Rank of the truth among the draws, ties broken uniformly at random (so atoms such as a spike at 0 still
    /// give uniform ranks).
    let private rank (rng: Random) (truth: float) (draws: float[]) =
        let below = draws |> Array.sumBy (fun d -> if d < truth then 1 else 0)
        let ties = draws |> Array.sumBy (fun d -> if d = truth then 1 else 0)
        below + rng.Next(ties + 1)

    let private essOf (series: float[]) =
        if series |> Array.forall (fun x -> x = series.[0]) then
            Double.NaN
        else
            Diagnostics.essBulk [| series |]

    let private start (plan: GibbsPlan) (rng: Random) =
        let rec attempt k =
            let s = Forward.priorDraw rng plan.Bound

            if Double.IsFinite(plan.Density.Joint s) then
                Ok s
            elif k >= 100 then
                Error "100 starting points drawn from the prior all had a non-finite log-density"
            else
                attempt (k + 1)

        attempt 1

    /// One fit: warm-up, then sampling in doublings of L·thin sweeps until every non-constant quantity has a bulk
    /// ESS ≥ L (or thin reaches MaxThin), then every thin-th sweep is kept, L draws in all.
    let private fit
        (s: SbcSettings)
        (plan: GibbsPlan)
        (compute: float[] -> float[])
        (rep: int)
        (rng: Random)
        (init: float[])
        =
        let state = Gibbs.initialStateFor plan s.Seed rep init
        let monitor = Layout.compileMonitored plan.Bound
        let buffer = Array.zeroCreate plan.Bound.Layout.Monitored.Length
        // Sweeps mutate the chain state in place; the recorded values are fresh arrays.
        let recorded = Collections.Generic.List<float[]>()

        for _ in 1 .. s.Warmup do
            Gibbs.sweep plan rng state

        state.Adapting <- false

        let record n =
            for _ in 1..n do
                Gibbs.sweep plan rng state
                monitor state.Values buffer
                recorded.Add(compute buffer)

        let rec grow thin =
            let q = recorded.[0].Length

            let ess =
                Array.init q (fun j -> essOf (Array.init recorded.Count (fun t -> recorded.[t].[j])))

            let short = ess |> Array.exists (fun e -> e < float s.Draws)

            if short && thin < s.MaxThin then
                record recorded.Count
                grow (thin * 2)
            else
                thin, ess, short

        record s.Draws
        let thin, ess, short = grow 1
        let kept = Array.init s.Draws (fun k -> recorded.[(k + 1) * thin - 1])
        kept, thin, ess, short

    let private replicate (s: SbcSettings) (st: SbcStructure) (template: Bound) (rep: int) =
        let rng = Chains.generator s.Seed rep :> Random
        let truth = Forward.priorDraw rng template
        let data = Forward.simulateData rng template truth

        match Bind.bind st.Model data |> Result.bind (Gibbs.compileUsing st.Compile) with
        | Error errors -> Error(errors |> List.map ModelError.describe |> String.concat " ")
        | Ok plan ->
            let _, compute = quantities plan.Bound.Layout.Monitored st.Derived
            let truthValues = compute (Layout.monitored template truth)

            match start plan rng with
            | Error why -> Error why
            | Ok init ->
                try
                    let kept, thin, ess, short = fit s plan compute rep rng init

                    let column j = kept |> Array.map (fun d -> d.[j])

                    Ok
                        {
                            Ranks = truthValues |> Array.mapi (fun j t -> rank rng t (column j))
                            Constant = truthValues |> Array.mapi (fun j t -> column j |> Array.forall ((=) t))
                            Ess = ess
                            Thin = thin
                            UnderMixed = short
                        }
                with :? ModelException as e ->
                    Error e.Message

    let private histogram (bins: int) (maxRank: int) (ranks: int[]) =
        let width = (maxRank + 1) / bins
        let h = Array.zeroCreate bins

        for r in ranks do
            h.[r / width] <- h.[r / width] + 1

        h

    let private median (xs: float[]) =
        let v = xs |> Array.filter Double.IsFinite |> Array.sort

        if v.Length = 0 then Double.NaN
        elif v.Length % 2 = 1 then v.[v.Length / 2]
        else 0.5 * (v.[v.Length / 2 - 1] + v.[v.Length / 2])

    let private validate (s: SbcSettings) =
        let require ok (what: string) =
            if not ok then
                invalidArg "settings" what

        require (s.Replications >= 2) $"Replications must be at least 2, but was {s.Replications}."
        require (s.Draws >= 1) $"Draws (L) must be at least 1, but was {s.Draws}."
        require (s.Warmup >= 0) $"Warmup must be 0 or more, but was {s.Warmup}."
        require (s.MaxThin >= 1) $"MaxThin must be at least 1, but was {s.MaxThin}."
        require (s.Threads >= 1) $"Threads must be at least 1, but was {s.Threads}."

        require
            ((s.Draws + 1) % s.EcdfPoints = 0)
            $"EcdfPoints ({s.EcdfPoints}) must divide Draws + 1 ({s.Draws + 1}); e.g. Draws = 99 with 50 or 100 points."

        require
            ((s.Draws + 1) % s.HistogramBins = 0)
            $"HistogramBins ({s.HistogramBins}) must divide Draws + 1 ({s.Draws + 1})."

    /// Runs SBC on one structure. Model and data errors of the template come back as Error; a replication whose
    /// simulated data cannot be fitted (a typed ModelError) is recorded in `Failures` and fails the structure.
    let run (settings: SbcSettings) (structure: SbcStructure) : Result<SbcResult, ModelError list> =
        validate settings
        let clock = System.Diagnostics.Stopwatch.StartNew()

        Bind.bind structure.Model structure.Data
        |> Result.bind (fun template ->
            Gibbs.compileUsing structure.Compile template
            |> Result.map (fun plan0 ->
                let names, _ = quantities template.Layout.Monitored structure.Derived
                let outcomes = Array.zeroCreate settings.Replications
                let po = ParallelOptions(MaxDegreeOfParallelism = settings.Threads)

                try
                    Parallel.For(
                        0,
                        settings.Replications,
                        po,
                        fun i -> outcomes.[i] <- replicate settings structure template i
                    )
                    |> ignore
                with :? AggregateException as ae when ae.InnerExceptions.Count = 1 ->
                    raise ae.InnerExceptions.[0]

                let done' = outcomes |> Array.choose Result.toOption

                let failures =
                    outcomes
                    |> Array.mapi (fun i o ->
                        match o with
                        | Error m -> Some { Replication = i; Message = m }
                        | Ok _ -> None)
                    |> Array.choose id
                    |> List.ofArray

                let constant j =
                    done'.Length > 0 && done' |> Array.forall (fun r -> r.Constant.[j])

                let tested = [ 0 .. names.Length - 1 ] |> List.filter (constant >> not)
                let perQuantity = settings.Alpha / float (max 1 tested.Length)

                let results =
                    if done'.Length < 2 then
                        []
                    else
                        tested
                        |> List.map (fun j ->
                            let ranks = done' |> Array.map (fun r -> r.Ranks.[j])
                            let ecdf = EcdfBand.test perQuantity settings.EcdfPoints settings.Draws ranks

                            {
                                Name = names.[j]
                                Ranks = ranks
                                Histogram = histogram settings.HistogramBins settings.Draws ranks
                                Ecdf = ecdf
                                MedianEss = median (done' |> Array.map (fun r -> r.Ess.[j]))
                                Passed = ecdf.Passed
                            })

                {
                    Structure = structure.Name
                    Exercises = structure.Exercises
                    Plan = Gibbs.describe plan0
                    Settings = settings
                    Quantities = results
                    Constant =
                        [
                            for j in 0 .. names.Length - 1 do
                                if constant j then
                                    names.[j]
                        ]
                    Failures = failures
                    UnderMixed = done' |> Array.sumBy (fun r -> if r.UnderMixed then 1 else 0)
                    MedianThin = median (done' |> Array.map (fun r -> float r.Thin))
                    Seconds = clock.Elapsed.TotalSeconds
                    Passed =
                        failures.IsEmpty
                        && not results.IsEmpty
                        && results |> List.forall (fun q -> q.Passed)
                }))

    /// The result as a check: passed, with a message naming every failing quantity and its ECDF statistic.
    let toCheck (r: SbcResult) : CheckResult =
        let failing =
            r.Quantities
            |> List.filter (fun q -> not q.Passed)
            |> List.map (fun q ->
                let worst = q.Ecdf.Difference |> Array.maxBy abs
                $"{q.Name} (min pointwise tail probability {q.Ecdf.Statistic:G3} < γ {q.Ecdf.Gamma:G3}, p = {q.Ecdf.PValue:G3}, max |ECDF − z| = {abs worst:G3})")

        let failed =
            if r.Failures.IsEmpty then
                []
            else
                [
                    $"{r.Failures.Length} replication(s) failed, first: {r.Failures.Head.Message}"
                ]

        let n =
            r.Quantities
            |> List.tryHead
            |> Option.map (fun q -> q.Ranks.Length)
            |> Option.defaultValue 0

        {
            Passed = r.Passed
            Message =
                if r.Passed then
                    $"SBC '{r.Structure}': {r.Quantities.Length} quantities calibrated over {n} replications (family level {1.0 - r.Settings.Alpha})."
                else
                    $"SBC '{r.Structure}' is miscalibrated: "
                    + String.concat "; " (failing @ failed)
                    + "."
        }
