/// The benchmark program: `micro` (BenchmarkDotNet), `ess` (ESS per second beside JAGS), `scale` (scaling study),
/// `sweeps` (ns per sweep of each canonical model, for before/after comparisons), `peers-ours` (our side of
/// bench/peers/run.sh, the side-by-side run with Stan and JAGS).
module HierFunctional.Bench.Program

open System

let private usage () =
    eprintfn
        """usage: HierFunctional.Bench <mode> [options]
  ess    [--quick] [--install-jags] [--no-jags] [--models a,b]   ESS/s of the canonical models, ours vs JAGS
  scale  [--quick] [--no-jags] [--jags-max-j N] [--max-j N] [--out NAME]  scaling study (-> NAME.md/.csv)
  scale-cpu [--j N] [--profile]                                   thread CPU ns per group per sweep at J = N (and per update)
  sweeps [--quick] [--label L]                                    ns per sweep of each canonical model
  rng    [--label L]                                              ns per draw of the generator (sequential, per group)
  warmup [--quick] [--reps K] [--label L]                         µs per warm-up and sampling iteration
  micro  [BenchmarkDotNet arguments, e.g. --filter '*']         micro-benchmarks of the hot paths
  peers-ours <bench:name|conformance:case> <warmup> <draws> <seed> <node,node,...> <out.csv>
                                                                  one of our runs for bench/peers/run.sh
  peers-profile <bench:name|conformance:case> <sweeps>            ns per sweep of each update of that plan
  peers-phases <bench:name|conformance:case> <warmup> <draws> <reps>
                                                                  where a peers-ours timed run's time goes"""

    2

let private has (flag: string) (args: string list) = List.contains flag args

let private value (flag: string) (args: string list) =
    args |> List.pairwise |> List.tryFind (fun (a, _) -> a = flag) |> Option.map snd

[<EntryPoint>]
let main argv =
    match List.ofArray argv with
    | "ess" :: rest ->
        Ess.run
            {
                Quick = has "--quick" rest
                InstallJags = has "--install-jags" rest
                NoJags = has "--no-jags" rest
                Only =
                    value "--models" rest
                    |> Option.map (fun s -> s.Split(',') |> List.ofArray)
                    |> Option.defaultValue []
            }

        0
    | "scale" :: rest ->
        let quick = has "--quick" rest

        let intOf flag fallback =
            value flag rest |> Option.map int |> Option.defaultValue fallback

        Scale.run
            quick
            (has "--no-jags" rest)
            (intOf "--jags-max-j" 10000)
            (intOf "--max-j" (if quick then 10000 else 1000000))
            (value "--out" rest |> Option.defaultValue "scaling")

        0
    | "scale-cpu" :: rest ->
        Scale.cpuPerGroup (value "--j" rest |> Option.map int |> Option.defaultValue 1000000) (has "--profile" rest)
        |> ignore

        0
    | "sweeps" :: rest ->
        Sweeps.run (has "--quick" rest) (value "--label" rest |> Option.defaultValue "current")
        0
    | "rng" :: rest ->
        RngMicro.run (value "--label" rest |> Option.defaultValue "current")
        0
    | "warmup" :: rest ->
        Warmup.run
            (has "--quick" rest)
            (value "--reps" rest |> Option.map int |> Option.defaultValue 6)
            (value "--label" rest |> Option.defaultValue "current")

        0
    | [ "peers-ours"; source; warmup; draws; seed; monitor; out ] ->
        Peers.run
            {
                Source = source
                Warmup = int warmup
                Draws = int draws
                Seed = int seed
                Monitor = monitor.Split(',') |> List.ofArray
                Out = out
            }

        0
    | [ "peers-phases"; source; warmup; draws; reps ] ->
        Peers.phases source (int warmup) (int draws) (int reps)
        0
    | [ "peers-profile"; source; sweeps ] ->
        Peers.profile source (int sweeps)
        0
    | "micro" :: rest ->
        Micro.run (Array.ofList rest)
        0
    | _ -> usage ()
