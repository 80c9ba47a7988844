/// The push-down benchmark (issue 19 item 6): time to per-group sums from a Parquet file through DuckDB, sweep time
/// of the group-level model, and the aggregate fit against the row fit on a sample. Peak memory is measured from
/// outside (`/usr/bin/time -v`); see bench/pushdown/run.sh.
module HierFunctional.Bench.Pushdown

open System
open System.Diagnostics
open DuckDB.NET.Data
open HierFunctional

let normal key =
    model {
        let! m = sample "m" (Distributions.Normal(0.0, 10.0))
        let! tau = sample "tau" (Distributions.HalfCauchy 2.0)
        let! sigma = sample "sigma" (Distributions.HalfCauchy 2.0)
        let! mu = sample "mu" (Distributions.Normal(m, tau)) |> over key
        do! observe "y" (Distributions.Normal(mu.[group key], sigma))
    }

let gammaPoisson key =
    model {
        let! alpha = sample "alpha" (Distributions.Exponential 1.0)
        let! beta = sample "beta" (Distributions.Gamma(0.1, 1.0))
        let! theta = sample "theta" (Distributions.Gamma(alpha, beta)) |> over key
        do! observe "count" (Distributions.Poisson(theta.[group key], data "exposure"))
    }

let connection () =
    let c = new DuckDBConnection("DataSource=:memory:")
    c.Open()
    use cmd = c.CreateCommand()
    // DuckDB's own memory is bounded (it spills to disk beyond it), so the process peak is O(groups) + this.
    cmd.CommandText <- "SET threads = 2; SET memory_limit = '2GB'; SET preserve_insertion_order = false"
    cmd.ExecuteNonQuery() |> ignore
    c

/// With HF_ALLOC_PROFILE=1: the runtime's allocation samples (one per ~100 kB allocated) summed by type, printed
/// and reset at each phase, to find a phase's short-lived allocations.
type AllocationSampler() =
    inherit Tracing.EventListener()
    let byType = Collections.Concurrent.ConcurrentDictionary<string, int64>()

    override _.OnEventSourceCreated source =
        if source.Name = "Microsoft-Windows-DotNETRuntime" then
            base.EnableEvents(
                source,
                Tracing.EventLevel.Verbose,
                LanguagePrimitives.EnumOfValue<int64, Tracing.EventKeywords> 1L
            )

    override _.OnEventWritten e =
        if e.EventName <> null && e.EventName.StartsWith "GCAllocationTick" then
            let i = e.PayloadNames.IndexOf "TypeName"
            let a = e.PayloadNames.IndexOf "AllocationAmount64"

            if i >= 0 && a >= 0 then
                let t = string e.Payload.[i]
                let amount = Convert.ToInt64 e.Payload.[a]
                byType.AddOrUpdate(t, amount, (fun _ v -> v + amount)) |> ignore

    member _.Report(phase: string) =
        for KeyValue(t, v) in byType |> Seq.sortByDescending (fun kv -> kv.Value) |> Seq.truncate 15 do
            eprintfn "  alloc %s: %.0f MB %s" phase (float v / 1e6) t

        byType.Clear()

let sampler =
    if Environment.GetEnvironmentVariable "HF_ALLOC_PROFILE" = "1" then
        Some(new AllocationSampler())
    else
        None

/// Writes a phase's time and the process's peak resident memory so far to stderr.
let phase (name: string) (sw: Stopwatch) =
    use p = Process.GetCurrentProcess()

    eprintfn
        "phase=%s at_s=%.1f peak_rss_MB=%.0f live_managed_MB=%.0f allocated_MB=%.0f"
        name
        sw.Elapsed.TotalSeconds
        (float p.PeakWorkingSet64 / 1e6)
        (float (GC.GetTotalMemory true) / 1e6)
        (float (GC.GetTotalAllocatedBytes false) / 1e6)

    sampler |> Option.iter (fun s -> s.Report name)

let orFail =
    function
    | Ok x -> x
    | Error e -> failwithf "%A" e

[<EntryPoint>]
let main argv =
    let file, family, key = argv.[0], argv.[1], argv.[2]
    let m = if family = "normal" then normal key else gammaPoisson key
    // "FILE*10" reads the file ten times over (a list of ten paths): 10x the rows, the same groups.
    let files =
        match file.Split '*' with
        | [| f; times |] when fst (Int32.TryParse times) ->
            Array.replicate (int times) $"'{f}'" |> String.concat ", " |> sprintf "[%s]"
        | _ -> $"'{file}'"

    // "range:ROWS:GROUPS": synthetic rows from DuckDB's range (no file), for profiling the phases after the sums.
    let relation =
        match file.Split ':', argv |> Array.tryItem 4 with
        | [| "range"; rows; groups |], _ ->
            $"SELECT (i %% {groups})::INTEGER AS {key}, (i %% 5)::INTEGER AS count, (1 + i %% 4)::DOUBLE / 2 AS exposure, (i %% 7)::DOUBLE AS y FROM range({rows}) t(i)"
        | _, w ->
            match w with
            | Some where -> $"SELECT * FROM read_parquet({files}) WHERE {where}"
            | None -> $"SELECT * FROM read_parquet({files})"

    match argv.[3] with
    | "sums"
    | "stream" as mode ->
        let plan = Pushdown.plan m |> orFail
        use c = connection ()
        let sw = Stopwatch.StartNew()

        let data =
            if mode = "sums" then
                FitSource.aggregate plan c relation |> orFail
            else
                // One pass over the needed columns, streamed (not materialised) by DuckDB, summed in .NET.
                let columns =
                    if family = "normal" then
                        $"{key}, y"
                    else
                        $"{key}, count, exposure"

                use cmd = c.CreateCommand()
                cmd.CommandText <- $"SELECT {columns} FROM ({relation}) AS hf_rows"
                cmd.UseStreamingMode <- true
                use reader = cmd.ExecuteReader()
                FitSource.aggregateReader plan file reader |> orFail

        let sumsSeconds = sw.Elapsed.TotalSeconds
        phase "sums" sw
        let groups = (Dataset.tryColumn key data).Value |> Dataset.columnLength

        let rows =
            Dataset.tryScalar "__y_df" data |> Option.map (fun df -> df + float groups)

        let bound = Bind.bind (Pushdown.rewrite plan) data |> orFail
        phase "bind" sw
        let compiled = Gibbs.compile bound |> orFail
        phase "compile" sw
        // SWEEPS (default 100) shortens a run whose point is memory at J = 10^7 (seconds per sweep there).
        let sweeps =
            match Environment.GetEnvironmentVariable "SWEEPS" with
            | null
            | "" -> 100
            | n -> int n

        sw.Restart()

        let hyper =
            if family = "normal" then
                [ "m"; "tau"; "sigma" ]
            else
                [ "alpha"; "beta" ]

        // The hyperparameters' draws only, as `FitSource` keeps by default above its large-group count.
        let post =
            Chains.run
                (SamplerOptions.Default
                    .WithChains(1)
                    .WithWarmup(sweeps / 2)
                    .WithDraws(sweeps / 2)
                    .WithSeed(1)
                    .WithMonitor(hyper))
                compiled

        let sweepMs = sw.Elapsed.TotalMilliseconds / float sweeps
        phase "sampled" sw

        let means =
            hyper
            |> List.map (fun h -> $"{h}={Array.average (Array.concat (Posterior.chains h post)):G4}")
            |> String.concat " "

        printfn
            "mode=%s family=%s key=%s groups=%d rows=%s sums_s=%.1f sweep_ms=%.1f managed_peak_MB=%.0f %s"
            mode
            family
            key
            groups
            (rows |> Option.map (sprintf "%.0f") |> Option.defaultValue "-")
            sumsSeconds
            sweepMs
            (float (GC.GetGCMemoryInfo().HeapSizeBytes) / 1e6)
            means

        0
    | "compare" ->
        use c = connection ()

        let options =
            SamplerOptions.Default.WithChains(2).WithWarmup(500).WithDraws(1000).WithSeed(7)

        let sw = Stopwatch.StartNew()

        let rows =
            FitSource.query DataAccess.Rows options m c relation
            |> Result.mapError (fun e -> e.Message)
            |> orFail

        let rowSeconds = sw.Elapsed.TotalSeconds
        sw.Restart()

        let sums =
            FitSource.query DataAccess.Aggregate options m c relation
            |> Result.mapError (fun e -> e.Message)
            |> orFail

        let sumSeconds = sw.Elapsed.TotalSeconds
        // Hyperparameters and the first 200 group effects against MCSE; every element for identical draws.
        let names = rows.Fit.Posterior.Names
        let compared = names |> Array.truncate 202

        let worst =
            compared
            |> Array.map (fun n ->
                let x, y =
                    Posterior.chains n rows.Fit.Posterior, Posterior.chains n sums.Fit.Posterior

                let mx, my = Diagnostics.mcseMean x, Diagnostics.mcseMean y
                abs (Diagnostics.mean x - Diagnostics.mean y) / sqrt (mx * mx + my * my), n)
            |> Array.max

        let identical =
            names
            |> Array.forall (fun n -> Posterior.chains n rows.Fit.Posterior = Posterior.chains n sums.Fit.Posterior)

        printfn
            "family=%s rows=%d groups=%d rows_fit_s=%.1f sums_fit_s=%.1f identical_draws=%b max_|diff|/MCSE=%.2f (%s)"
            family
            rows.Fit.Bound.Rows
            sums.Fit.Bound.Rows
            rowSeconds
            sumSeconds
            identical
            (fst worst)
            (snd worst)

        printfn "%s" (FitSource.describe sums)
        0
    | other -> failwithf "unknown mode %s (sums or compare)" other
