namespace HierFunctional.Testing

open System
open System.Threading.Tasks
open HierFunctional

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
                let names, _ =
                    SbcReplicate.quantities (template.Layout.Monitored.ToArray()) structure.Derived

                let outcomes = Array.zeroCreate settings.Replications
                let po = ParallelOptions(MaxDegreeOfParallelism = settings.Threads)

                try
                    Parallel.For(
                        0,
                        settings.Replications,
                        po,
                        fun i -> outcomes.[i] <- SbcReplicate.replicate settings structure template i
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
