module HierFunctional.Tests.CriteriaTests

open System
open System.Globalization
open System.IO
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions
open MathNet.Numerics.Random
open HierFunctional

let private fixtureDir = Path.Combine(__SOURCE_DIRECTORY__, "fixtures", "criteria")

let private parse (s: string) =
    match s with
    | "Inf" -> Double.PositiveInfinity
    | "-Inf" -> Double.NegativeInfinity
    | _ -> Double.Parse(s, CultureInfo.InvariantCulture)

/// Reads a fixture written by make_fixtures.R: a header row, then rows of numbers.
let private table (file: string) : string[] * float[][] =
    let lines =
        File.ReadAllLines(Path.Combine(fixtureDir, file))
        |> Array.filter (fun l -> l <> "")

    lines.[0].Split ',', lines.[1..] |> Array.map (fun l -> l.Split ',' |> Array.map parse)

let private column (name: string) (header: string[], rows: float[][]) =
    let j = Array.IndexOf(header, name)

    if j < 0 then
        failwith $"fixture has no column {name}"

    rows |> Array.map (fun r -> r.[j])

let private row (header: string[], rows: float[][]) = Map.ofArray (Array.zip header rows.[0])

// R's loo is deterministic, so agreement is held to 1e-6 relative (1e-12 absolute floor for values at 0).
let private close (what: string) (expected: float) (actual: float) =
    let ok =
        (Double.IsInfinity expected && expected = actual)
        || abs (actual - expected) <= 1e-6 * abs expected + 1e-12

    if not ok then
        failwith $"{what}: expected {expected:R}, got {actual:R} (tolerance 1e-6 relative)"

let private closeAll what (expected: float[]) (actual: float[]) =
    Assert.Equal(expected.Length, actual.Length)
    Array.iteri2 (fun i e a -> close $"{what}[{i + 1}]" e a) expected actual

let private checkWaic (case: string) =
    let w = Criteria.waic (snd (table $"{case}_loglik.csv"))
    let pw = table $"{case}_waic_pointwise.csv"
    closeAll "elpd_waic" (column "elpd_waic" pw) w.PointwiseElpd
    closeAll "p_waic" (column "p_waic" pw) w.PointwiseP
    closeAll "waic" (column "waic" pw) w.PointwiseWaic

    let est, se =
        row (table $"{case}_waic_estimates.csv"), row (table $"{case}_waic_se.csv")

    for name, (e: CriterionEstimate) in [ "elpd_waic", w.ElpdWaic; "p_waic", w.PWaic; "waic", w.Waic ] do
        close name est.[name] e.Estimate
        close $"se_{name}" se.[name] e.SE

let private checkLoo (case: string) (tag: string) (result: Loo) =
    let pw = table $"{case}_loo{tag}_pointwise.csv"
    closeAll "elpd_loo" (column "elpd_loo" pw) result.PointwiseElpd
    closeAll "mcse_elpd_loo" (column "mcse_elpd_loo" pw) result.PointwiseMcse
    closeAll "p_loo" (column "p_loo" pw) result.PointwiseP
    closeAll "looic" (column "looic" pw) result.PointwiseLooic
    closeAll "pareto_k" (column "influence_pareto_k" pw) result.ParetoK
    closeAll "n_eff" (column "n_eff" pw) result.NEff

    let est, se =
        row (table $"{case}_loo{tag}_estimates.csv"), row (table $"{case}_loo{tag}_se.csv")

    for name, (e: CriterionEstimate) in [ "elpd_loo", result.ElpdLoo; "p_loo", result.PLoo; "looic", result.Looic ] do
        close name est.[name] e.Estimate
        close $"se_{name}" se.[name] e.SE

let private cases = [ "normal_outlier"; "poisson_chains"; "normal_small"; "tiny" ]

let ``WAIC matches loo waic pointwise and in total for every fixture`` () = cases |> List.iter checkWaic

let ``PSIS-LOO with r_eff one matches loo loo pointwise and in total for every fixture`` () =
    for case in cases do
        checkLoo case "" (Criteria.loo (snd (table $"{case}_loglik.csv")))

let ``relative efficiency from four autocorrelated chains matches loo relative_eff`` () =
    let ll = snd (table "poisson_chains_loglik.csv")
    let ids = column "chain_id" (table "poisson_chains_chain_id.csv") |> Array.map int
    closeAll "r_eff" (column "r_eff" (table "poisson_chains_r_eff.csv")) (RelativeEfficiency.relativeEff ids ll)

let ``PSIS-LOO with r_eff from chains matches loo loo with relative_eff`` () =
    let ll = snd (table "poisson_chains_loglik.csv")
    let ids = column "chain_id" (table "poisson_chains_chain_id.csv") |> Array.map int
    checkLoo "poisson_chains" "_reff" (Criteria.looOfChains ids ll)

let ``smoothed log weights match loo psis draw by draw`` () =
    let ll = snd (table "normal_small_loglik.csv")
    let expected = snd (table "normal_small_psis_log_weights.csv")

    let p =
        ParetoSmoothing.psis (Array.create ll.[0].Length 1.0) (ll |> Array.map (Array.map (fun v -> -v)))

    Assert.Equal<int[]>(Array.create ll.[0].Length 10, p.TailLength)

    for i in 0 .. ll.[0].Length - 1 do
        closeAll $"log weight obs {i + 1}" (expected |> Array.map (fun r -> r.[i])) p.LogWeights.[i]

let ``the gross outlier gets k above 0.7 and a warning naming it`` () =
    let l = Criteria.loo (snd (table "normal_outlier_loglik.csv"))
    Assert.Equal(ParetoK.VeryBad, ParetoSmoothing.classifyParetoK l.ParetoK.[19])

    Assert.True(
        l.ParetoK.[..18]
        |> Array.forall (fun k -> ParetoSmoothing.classifyParetoK k = ParetoK.Good)
    )

    Assert.True(Double.IsNaN l.McseElpd)
    Assert.Contains(l.Warnings, fun w -> w.Contains "too high" && w.Contains "observations 20")

let ``too few draws for a tail fit leave weights unsmoothed with k infinite and a warning`` () =
    let l = Criteria.loo (snd (table "tiny_loglik.csv"))
    Assert.True(l.ParetoK |> Array.forall Double.IsPositiveInfinity)
    Assert.Contains(l.Warnings, fun w -> w.StartsWith "Not enough tail samples")

let ``DIC and its variance form follow their definitions on a hand example`` () =
    let d = Criteria.dic [| 10.0; 12.0; 11.0; 15.0 |] 9.5
    Assert.Equal(12.0, d.MeanDeviance)
    Assert.Equal(2.5, d.PD)
    Assert.Equal(14.5, d.Dic)
    Assert.Equal((4.0 + 0.0 + 1.0 + 9.0) / 3.0 / 2.0, d.PV, 12)
    Assert.Equal(12.0 + d.PV, d.DicV)

// Normal mean with known sd σ and flat prior: D(μ) = n(μ − ȳ)²/σ² + const, so p_D estimates 1 with
// sd ≈ √(2/S) (a scaled χ²_{S−1}/S), and p_V = var(χ²_1)/2 estimates 1 with sd ≈ √(56/S)/2.
let ``p_D and p_V are one for a Normal mean with known variance`` () =
    let rng = Xoshiro256StarStar(11)
    let y = Array.init 25 (fun _ -> Normal.Sample(rng, 3.0, 2.0))
    let sigma, n, s = 2.0, 25.0, 4000
    let ybar = Array.average y
    let mu = Array.init s (fun _ -> Normal.Sample(rng, ybar, sigma / sqrt n))

    let deviance m =
        y |> Array.sumBy (fun v -> -2.0 * Normal.PDFLn(m, sigma, v))

    let d = Criteria.dic (mu |> Array.map deviance) (deviance (Array.average mu))
    Assert.InRange(d.PD, 1.0 - 4.0 * sqrt (2.0 / float s), 1.0 + 4.0 * sqrt (2.0 / float s))
    Assert.InRange(d.PV, 1.0 - 4.0 * sqrt (56.0 / float s) / 2.0, 1.0 + 4.0 * sqrt (56.0 / float s) / 2.0)

// Conjugate Normal mean, known σ, prior N(m0, s0): p(y_i | y_-i) = N(y_i; m_-i, sqrt(v_-i + σ²)) exactly.
let ``PSIS-LOO elpd agrees with exact leave-one-out predictive densities within Monte Carlo error`` () =
    let rng = Xoshiro256StarStar(2026)
    let sigma, m0, s0 = 1.5, 0.0, 10.0
    let y = Array.init 20 (fun _ -> Normal.Sample(rng, 1.0, sigma))

    let posterior (ys: float[]) =
        let prec = 1.0 / (s0 * s0) + float ys.Length / (sigma * sigma)
        (m0 / (s0 * s0) + Array.sum ys / (sigma * sigma)) / prec, 1.0 / prec

    let exact =
        y
        |> Array.mapi (fun i yi ->
            let m, v = posterior (Array.removeAt i y)
            Normal.PDFLn(m, sqrt (v + sigma * sigma), yi))
        |> Array.sum

    let m, v = posterior y
    let mu = Array.init 4000 (fun _ -> Normal.Sample(rng, m, sqrt v))

    let ll =
        mu
        |> Array.map (fun mu -> y |> Array.map (fun yi -> Normal.PDFLn(mu, sigma, yi)))

    let l = Criteria.loo ll
    Assert.True(l.ParetoK |> Array.forall (fun k -> k < 0.5))
    Assert.InRange(l.ElpdLoo.Estimate, exact - 4.0 * l.McseElpd, exact + 4.0 * l.McseElpd)

let ``permuting observations permutes every pointwise value`` () =
    let ll = snd (table "normal_small_loglik.csv")
    let n = ll.[0].Length
    let gen = Gen.shuffle [| 0 .. n - 1 |]
    let base_ = Criteria.loo ll
    let waic = Criteria.waic ll

    Prop.forAll (Arb.fromGen gen) (fun perm ->
        let l = Criteria.loo (ll |> Array.map (fun r -> perm |> Array.map (fun j -> r.[j])))

        let w =
            Criteria.waic (ll |> Array.map (fun r -> perm |> Array.map (fun j -> r.[j])))

        perm
        |> Array.mapi (fun i j ->
            l.PointwiseElpd.[i] = base_.PointwiseElpd.[j]
            && l.ParetoK.[i] = base_.ParetoK.[j]
            && w.PointwiseElpd.[i] = waic.PointwiseElpd.[j])
        |> Array.forall id)
    |> fun p -> Check.One(TestConfig.quick.WithMaxTest(20), p)

let ``a ragged log-likelihood array is rejected with the offending row`` () =
    let ex =
        Assert.Throws<ArgumentException>(fun () -> Criteria.waic [| [| 1.0; 2.0 |]; [| 1.0 |] |] |> ignore)

    Assert.Contains("row 1", ex.Message)

let ``a non-positive relative efficiency is rejected naming the observation`` () =
    let ll = snd (table "tiny_loglik.csv")

    let ex =
        Assert.Throws<ArgumentException>(fun () -> Criteria.looWith [| 1.0; 1.0; 0.0; 1.0; 1.0 |] ll |> ignore)

    Assert.Contains("observation 3", ex.Message)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.CriteriaTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.CriteriaTests"
            [
                Expecto.Tests.testCase "WAIC matches loo waic pointwise and in total for every fixture" (fun () ->
                    ``WAIC matches loo waic pointwise and in total for every fixture`` ())
                Expecto.Tests.testCase
                    "PSIS-LOO with r_eff one matches loo loo pointwise and in total for every fixture"
                    (fun () -> ``PSIS-LOO with r_eff one matches loo loo pointwise and in total for every fixture`` ())
                Expecto.Tests.testCase
                    "relative efficiency from four autocorrelated chains matches loo relative_eff"
                    (fun () -> ``relative efficiency from four autocorrelated chains matches loo relative_eff`` ())
                Expecto.Tests.testCase "PSIS-LOO with r_eff from chains matches loo loo with relative_eff" (fun () ->
                    ``PSIS-LOO with r_eff from chains matches loo loo with relative_eff`` ())
                Expecto.Tests.testCase "smoothed log weights match loo psis draw by draw" (fun () ->
                    ``smoothed log weights match loo psis draw by draw`` ())
                Expecto.Tests.testCase "the gross outlier gets k above 0.7 and a warning naming it" (fun () ->
                    ``the gross outlier gets k above 0.7 and a warning naming it`` ())
                Expecto.Tests.testCase
                    "too few draws for a tail fit leave weights unsmoothed with k infinite and a warning"
                    (fun () ->
                        ``too few draws for a tail fit leave weights unsmoothed with k infinite and a warning`` ())
                Expecto.Tests.testCase "DIC and its variance form follow their definitions on a hand example" (fun () ->
                    ``DIC and its variance form follow their definitions on a hand example`` ())
                Expecto.Tests.testCase "p_D and p_V are one for a Normal mean with known variance" (fun () ->
                    ``p_D and p_V are one for a Normal mean with known variance`` ())
                Expecto.Tests.testCase
                    "PSIS-LOO elpd agrees with exact leave-one-out predictive densities within Monte Carlo error"
                    (fun () ->
                        ``PSIS-LOO elpd agrees with exact leave-one-out predictive densities within Monte Carlo error`` ())
                Expecto.Tests.testCase "permuting observations permutes every pointwise value" (fun () ->
                    ``permuting observations permutes every pointwise value`` ())
                Expecto.Tests.testCase "a ragged log-likelihood array is rejected with the offending row" (fun () ->
                    ``a ragged log-likelihood array is rejected with the offending row`` ())
                Expecto.Tests.testCase
                    "a non-positive relative efficiency is rejected naming the observation"
                    (fun () -> ``a non-positive relative efficiency is rejected naming the observation`` ())
            ])
