module HierFunctional.Tests.DiagnosticsFixtureTests

open System
open System.Globalization
open System.IO
open HierFunctional.TestShim
open HierFunctional

/// Fixture folder, found next to this source file so the tests need no copy step (see fixtures/diagnostics/README.md).
let private folder = Path.Combine(__SOURCE_DIRECTORY__, "fixtures", "diagnostics")

let private parse (s: string) =
    match s with
    | "NA"
    | "NaN" -> nan
    | "Inf" -> infinity
    | "-Inf" -> -infinity
    | _ -> Double.Parse(s, CultureInfo.InvariantCulture)

/// Draws of one fixture set as float[chain][draw] (the CSV has one column per chain).
let private readDraws (set: string) : float[][] =
    let lines = File.ReadAllLines(Path.Combine(folder, set + ".csv"))

    let rows =
        lines |> Array.skip 1 |> Array.map (fun l -> l.Split ',' |> Array.map parse)

    Array.init (lines[0].Split(',').Length) (fun c -> rows |> Array.map (fun r -> r[c]))

let private cache =
    System.Collections.Concurrent.ConcurrentDictionary<string, float[][]>()

let private draws (set: string) = cache.GetOrAdd(set, readDraws)

/// R's values keyed by (set, measure).
let private reference =
    lazy
        (File.ReadAllLines(Path.Combine(folder, "reference.csv"))
         |> Array.skip 1
         |> Array.map (fun l -> let f = l.Split ',' in (f[0], f[1]), parse f[2])
         |> dict)

let private sets =
    lazy (reference.Value.Keys |> Seq.map fst |> Seq.distinct |> Array.ofSeq)

/// Relative tolerance against R: both are double-precision implementations of the same formulas.
let private tolerance = 1e-6

/// Compares one measure on every fixture set and fails listing every mismatch (NaN must match R's NA).
let private agrees (measure: string) (f: float[][] -> float) =
    let failures =
        [
            for set in sets.Value do
                let expected = reference.Value[(set, measure)]
                let actual = f (draws set)

                let ok =
                    if Double.IsNaN expected then
                        Double.IsNaN actual
                    elif Double.IsInfinity expected then
                        actual = expected
                    else
                        abs (actual - expected) <= tolerance * max (abs expected) 1e-300

                if not ok then
                    yield $"{set}/{measure}: R {expected:R}, ours {actual:R}"
        ]

    Assert.True(failures.IsEmpty, String.Join("\n", failures))

let ``rank-normalized rhat matches R posterior`` () = agrees "rhat" Diagnostics.rhat

let ``basic split rhat matches R posterior`` () =
    agrees "rhat_basic" Diagnostics.rhatBasic

let ``bulk ESS matches R posterior`` () = agrees "ess_bulk" Diagnostics.essBulk

let ``tail ESS matches R posterior`` () = agrees "ess_tail" Diagnostics.essTail

let ``basic and mean ESS match R posterior`` () =
    agrees "ess_basic" Diagnostics.essBasic
    agrees "ess_mean" Diagnostics.essMean

let ``ESS of the sd, the median and the 5 and 95 percent quantiles match R posterior`` () =
    agrees "ess_sd" Diagnostics.essSd
    agrees "ess_median" Diagnostics.essMedian
    agrees "ess_q5" (Diagnostics.essQuantile 0.05)
    agrees "ess_q95" (Diagnostics.essQuantile 0.95)

let ``MCSE of the mean and the sd match R posterior`` () =
    agrees "mcse_mean" Diagnostics.mcseMean
    agrees "mcse_sd" Diagnostics.mcseSd

let ``MCSE of the 5, 50 and 95 percent quantiles match R posterior`` () =
    agrees "mcse_q5" (Diagnostics.mcseQuantile 0.05)
    agrees "mcse_q50" (Diagnostics.mcseQuantile 0.5)
    agrees "mcse_q95" (Diagnostics.mcseQuantile 0.95)

let ``quantiles, mean, sd, median and mad match R`` () =
    agrees "q5" (Diagnostics.quantile 0.05)
    agrees "q50" (Diagnostics.quantile 0.5)
    agrees "q95" (Diagnostics.quantile 0.95)
    agrees "mean" Diagnostics.mean
    agrees "sd" Diagnostics.sd
    agrees "median" Diagnostics.median
    agrees "mad" Diagnostics.mad

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.DiagnosticsFixtureTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.DiagnosticsFixtureTests"
            [
                Expecto.Tests.testCase "rank-normalized rhat matches R posterior" (fun () ->
                    ``rank-normalized rhat matches R posterior`` ())
                Expecto.Tests.testCase "basic split rhat matches R posterior" (fun () ->
                    ``basic split rhat matches R posterior`` ())
                Expecto.Tests.testCase "bulk ESS matches R posterior" (fun () -> ``bulk ESS matches R posterior`` ())
                Expecto.Tests.testCase "tail ESS matches R posterior" (fun () -> ``tail ESS matches R posterior`` ())
                Expecto.Tests.testCase "basic and mean ESS match R posterior" (fun () ->
                    ``basic and mean ESS match R posterior`` ())
                Expecto.Tests.testCase
                    "ESS of the sd, the median and the 5 and 95 percent quantiles match R posterior"
                    (fun () -> ``ESS of the sd, the median and the 5 and 95 percent quantiles match R posterior`` ())
                Expecto.Tests.testCase "MCSE of the mean and the sd match R posterior" (fun () ->
                    ``MCSE of the mean and the sd match R posterior`` ())
                Expecto.Tests.testCase "MCSE of the 5, 50 and 95 percent quantiles match R posterior" (fun () ->
                    ``MCSE of the 5, 50 and 95 percent quantiles match R posterior`` ())
                Expecto.Tests.testCase "quantiles, mean, sd, median and mad match R" (fun () ->
                    ``quantiles, mean, sd, median and mad match R`` ())
            ])
