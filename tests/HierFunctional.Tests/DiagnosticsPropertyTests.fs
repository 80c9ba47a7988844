module HierFunctional.Tests.DiagnosticsPropertyTests

open System
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions
open MathNet.Numerics.Random
open HierFunctional

/// `chains` AR(1) chains of `draws` draws, x_t = ρ·x_{t−1} + N(0, 1), started from the stationary N(0, 1/(1 − ρ²)).
let private ar1 (seed: int) (rho: float) (chains: int) (draws: int) : float[][] =
    let rng = Xoshiro256StarStar(seed)

    Array.init chains (fun _ ->
        let x = Array.zeroCreate draws
        x[0] <- Normal.Sample(rng, 0.0, 1.0 / sqrt (1.0 - rho * rho))

        for i in 1 .. draws - 1 do
            x[i] <- rho * x[i - 1] + Normal.Sample(rng, 0.0, 1.0)

        x)

/// A property with its number of cases, for `property` below.
let private casesOf (n: int) (prop: Property) = n, prop

/// The Expecto test of a property function of this file, from the suite's fixed replay seed.
let private property (name: string) (f: unit -> int * Property) =
    let n, prop = f ()
    Expecto.ExpectoFsCheck.testPropertyWithConfig { TestConfig.fsCheck with maxTest = n } name prop

/// Mean and Monte Carlo standard error (sd / √n) of a statistic over replicate seeds.
let private meanAndMcse (values: float[]) =
    let m = Array.average values

    let sd =
        sqrt (Array.sumBy (fun v -> (v - m) ** 2.0) values / float (values.Length - 1))

    m, sd / sqrt (float values.Length)

let private seeds = [| 1..40 |]

let private assertWithin4Mcse (what: string) (truth: float) (values: float[]) =
    let m, mcse = meanAndMcse values

    Assert.True(
        abs (m - truth) < 4.0 * mcse,
        $"{what}: mean over {values.Length} seeds {m}, expected {truth} ± 4·MCSE = {4.0 * mcse}"
    )

let ``bulk and basic ESS of iid normal chains average the number of draws`` () =
    // 4 chains × 500 iid draws: ESS/S should be 1; the spread over seeds gives the tolerance.
    let s = 2000.0
    assertWithin4Mcse "ESS_bulk / S" 1.0 (seeds |> Array.map (fun k -> Diagnostics.essBulk (ar1 k 0.0 4 500) / s))
    assertWithin4Mcse "ESS_basic / S" 1.0 (seeds |> Array.map (fun k -> Diagnostics.essBasic (ar1 k 0.0 4 500) / s))

let ``bulk ESS of AR(1) chains averages S times (1 - rho) over (1 + rho)`` () =
    // The integrated autocorrelation time of AR(1) is (1 + ρ)/(1 − ρ); for ρ = 0.5 ESS/S = 1/3.
    assertWithin4Mcse
        "ESS_bulk / S"
        (1.0 / 3.0)
        (seeds
         |> Array.map (fun k -> Diagnostics.essBulk (ar1 (100 + k) 0.5 4 500) / 2000.0))

let ``MCSE of the mean of iid standard normal draws averages one over root S`` () =
    // The true sd of the mean of S iid N(0, 1) draws is 1/√S.
    assertWithin4Mcse
        "MCSE·√S"
        1.0
        (seeds
         |> Array.map (fun k -> Diagnostics.mcseMean (ar1 (200 + k) 0.0 4 500) * sqrt 2000.0))

let ``MCSE of the mean of AR(1) draws matches the AR(1) standard error`` () =
    // Var(mean) ≈ σ²/S · (1 + ρ)/(1 − ρ) with stationary σ² = 1/(1 − ρ²); for ρ = 0.5: √(4/3 · 3) / √S = 2/√S.
    assertWithin4Mcse
        "MCSE·√S"
        2.0
        (seeds
         |> Array.map (fun k -> Diagnostics.mcseMean (ar1 (300 + k) 0.5 4 500) * sqrt 2000.0))

let ``rhat of iid chains is below the 1.01 threshold`` () =
    // Over 400 seeds at 4 × 500 draws R-hat had mean 1.0006 and sd 0.0011, so 1.01 is about 9 sd away.
    Prop.forAll (Arb.fromGen (Gen.choose (0, 1_000_000))) (fun seed ->
        let r = Diagnostics.rhat (ar1 seed 0.0 4 500)
        r < Summary.rhatThreshold && r > 0.99)
    |> casesOf 30

let ``rhat is large when one chain is shifted by two or more sd`` () =
    let gen = Gen.zip (Gen.choose (0, 1_000_000)) (Gen.elements [ 2.0; 3.0; 5.0 ])

    Prop.forAll (Arb.fromGen gen) (fun (seed, shift) ->
        let x = ar1 seed 0.0 4 500
        let shifted = Array.append x[0..2] [| x[3] |> Array.map ((+) shift) |]
        Diagnostics.rhat shifted > 1.1 && Diagnostics.rhatBasic shifted > 1.1)
    |> casesOf 30

let ``rank-based diagnostics are unchanged by exp`` () =
    let gen =
        Gen.zip3
            (Gen.choose (0, 1_000_000))
            (Gen.elements [ 0.0; 0.5; 0.9 ])
            (Gen.zip (Gen.choose (1, 4)) (Gen.choose (10, 300)))

    Prop.forAll (Arb.fromGen gen) (fun (seed, rho, (chains, draws)) ->
        let x = ar1 seed rho chains draws
        let ex = x |> Array.map (Array.map exp)

        let same (f: float[][] -> float) =
            let a, b = f x, f ex
            (Double.IsNaN a && Double.IsNaN b) || abs (a - b) <= 1e-12 * abs a

        same Diagnostics.essBulk
        && same Diagnostics.rhatBulk
        && same Diagnostics.essTail
        && same Diagnostics.essMedian)
    |> casesOf 50

let ``ESS never exceeds S log10 S`` () =
    // Antithetic chains (ρ < 0) have ESS > S; the cap bounds it as R's posterior does.
    Prop.forAll
        (Arb.fromGen (Gen.zip (Gen.choose (0, 1_000_000)) (Gen.elements [ -0.95; -0.9; -0.5; 0.0 ])))
        (fun (seed, rho) ->
            let x = ar1 seed rho 4 100
            let cap = 400.0 * log10 400.0

            Diagnostics.essBasic x <= cap * (1.0 + 1e-12)
            && Diagnostics.essBulk x <= cap * (1.0 + 1e-12))
    |> casesOf 50

let ``constant, non-finite and too-short draws give NaN`` () =
    let constant = Array.init 4 (fun _ -> Array.create 100 1.5)
    Assert.True(Double.IsNaN(Diagnostics.rhat constant))
    Assert.True(Double.IsNaN(Diagnostics.essBulk constant))
    Assert.True(Double.IsNaN(Diagnostics.mcseMean constant))

    let withNaN =
        ar1 7 0.0 4 50
        |> Array.mapi (fun c x -> if c = 1 then Array.updateAt 3 nan x else x)

    Assert.True(Double.IsNaN(Diagnostics.rhat withNaN))
    Assert.True(Double.IsNaN(Diagnostics.mean withNaN))
    let short = ar1 7 0.0 4 5 // split chains of 2 draws: ESS needs at least 3
    Assert.True(Double.IsNaN(Diagnostics.essBulk short))
    Assert.False(Double.IsNaN(Diagnostics.rhat short))

let ``autocovariance by FFT equals the direct sum`` () =
    Prop.forAll (Arb.fromGen (Gen.zip (Gen.choose (0, 1_000_000)) (Gen.choose (2, 200)))) (fun (seed, n) ->
        let x = (ar1 seed 0.7 1 n)[0]
        let m = Array.average x

        let direct k =
            (Array.sum [| for t in 0 .. n - 1 - k -> (x[t] - m) * (x[t + k] - m) |])
            / float n

        let fft = Diagnostics.autocovariance x
        Array.forall (fun k -> abs (fft[k] - direct k) <= 1e-10 * (1.0 + abs (direct 0))) [| 0 .. n - 1 |])
    |> casesOf 100

let ``splitting drops the middle draw of odd-length chains`` () =
    let split =
        Diagnostics.splitChains [| [| 1.0; 2.0; 3.0; 4.0; 5.0 |]; [| 6.0; 7.0; 8.0; 9.0; 10.0 |] |]

    Assert.Equal<float[][]>([| [| 1.0; 2.0 |]; [| 6.0; 7.0 |]; [| 4.0; 5.0 |]; [| 9.0; 10.0 |] |], split)

let ``rank normalization averages tied ranks`` () =
    // Ranks of (1, 2, 2, 3) are (1, 2.5, 2.5, 4); z = Φ⁻¹((r − 3/8)/(S + 1/4)).
    let z = Diagnostics.zScale [| [| 1.0; 2.0; 2.0; 3.0 |] |]

    let expected =
        [| 1.0; 2.5; 2.5; 4.0 |]
        |> Array.map (fun r -> Normal.InvCDF(0.0, 1.0, (r - 0.375) / 4.25))

    Assert.Equal<float[]>(expected, z[0])

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.DiagnosticsPropertyTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.DiagnosticsPropertyTests"
            [
                Expecto.Tests.testCase "bulk and basic ESS of iid normal chains average the number of draws" (fun () ->
                    ``bulk and basic ESS of iid normal chains average the number of draws`` ())
                Expecto.Tests.testCase "bulk ESS of AR(1) chains averages S times (1 - rho) over (1 + rho)" (fun () ->
                    ``bulk ESS of AR(1) chains averages S times (1 - rho) over (1 + rho)`` ())
                Expecto.Tests.testCase
                    "MCSE of the mean of iid standard normal draws averages one over root S"
                    (fun () -> ``MCSE of the mean of iid standard normal draws averages one over root S`` ())
                Expecto.Tests.testCase "MCSE of the mean of AR(1) draws matches the AR(1) standard error" (fun () ->
                    ``MCSE of the mean of AR(1) draws matches the AR(1) standard error`` ())
                property
                    "rhat of iid chains is below the 1.01 threshold"
                    ``rhat of iid chains is below the 1.01 threshold``
                property
                    "rhat is large when one chain is shifted by two or more sd"
                    ``rhat is large when one chain is shifted by two or more sd``
                property "rank-based diagnostics are unchanged by exp" ``rank-based diagnostics are unchanged by exp``
                property "ESS never exceeds S log10 S" ``ESS never exceeds S log10 S``
                Expecto.Tests.testCase "constant, non-finite and too-short draws give NaN" (fun () ->
                    ``constant, non-finite and too-short draws give NaN`` ())
                property "autocovariance by FFT equals the direct sum" ``autocovariance by FFT equals the direct sum``
                Expecto.Tests.testCase "splitting drops the middle draw of odd-length chains" (fun () ->
                    ``splitting drops the middle draw of odd-length chains`` ())
                Expecto.Tests.testCase "rank normalization averages tied ranks" (fun () ->
                    ``rank normalization averages tied ranks`` ())
            ])
