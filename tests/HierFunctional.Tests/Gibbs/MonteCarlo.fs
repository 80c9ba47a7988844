/// Monte Carlo yardsticks for the kernel tests: MCSE-based mean checks, KS tests and property plumbing.
module HierFunctional.Tests.Gibbs.MonteCarlo

open System
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Random
open MathNet.Numerics.Statistics

/// A seeded generator for reproducible tests.
let rng (seed: int) : Random = Xoshiro256StarStar(seed)

/// Runs a property over 200 random seeds; each case builds its random parameters from its own seeded generator.
let forAllSeeds (prop: Random -> bool) =
    let p =
        Prop.forAll (Arb.fromGen (Gen.choose (0, Int32.MaxValue))) (fun seed -> prop (rng seed))

    Check.One(HierFunctional.Tests.TestConfig.quick.WithMaxTest 200, p)

/// Uniform on (lo, hi).
let uniform (r: Random) lo hi = lo + (hi - lo) * r.NextDouble()

/// log q(a) − log q(b) = log j(a) − log j(b) up to 1e-8 relative to the size of the terms.
let sameUpToConstant (logQ: 'a -> float) (logJoint: 'a -> float) (a: 'a) (b: 'a) =
    let qa, qb, ja, jb = logQ a, logQ b, logJoint a, logJoint b
    let gap = abs ((qa - qb) - (ja - jb))
    let ok = gap <= 1e-8 * (1.0 + abs qa + abs qb + abs ja + abs jb)

    if not ok then
        printfn $"identity fails: q(a)-q(b)={qa - qb}, j(a)-j(b)={ja - jb}, gap={gap}"

    ok

/// Sample mean and its Monte Carlo standard error for independent draws.
let meanMcse (xs: float[]) =
    let m = Statistics.Mean xs
    m, Statistics.StandardDeviation xs / sqrt (float xs.Length)

/// Batch-means MCSE of the mean of an autocorrelated chain (50 batches).
let batchMeanMcse (xs: float[]) =
    let b = 50
    let size = xs.Length / b
    let means = Array.init b (fun i -> Statistics.Mean(Array.sub xs (i * size) size))
    Statistics.Mean xs, Statistics.StandardDeviation means / sqrt (float b)

/// Asserts |estimate − truth| < 4·MCSE with a message giving all three numbers.
let assertWithin4Mcse (what: string) (truth: float) (estimate: float, mcse: float) =
    let ok = abs (estimate - truth) < 4.0 * mcse

    HierFunctional.TestShim.Assert.True(
        ok,
        $"{what}: estimate {estimate}, truth {truth}, MCSE {mcse}, |diff|/MCSE {abs (estimate - truth) / mcse}"
    )

/// Asserts the mean of independent draws is within 4 MCSE of the truth.
let assertMean what truth (xs: float[]) =
    assertWithin4Mcse what truth (meanMcse xs)

/// Kolmogorov–Smirnov statistic of a sample against a continuous CDF.
let ksStatistic (cdf: float -> float) (xs: float[]) =
    let s = Array.sort xs
    let n = float s.Length

    s
    |> Array.mapi (fun i x ->
        let f = cdf x
        max (float (i + 1) / n - f) (f - float i / n))
    |> Array.max

/// Asymptotic KS critical value at false-alarm rate α, from P(√n·D > k) ≈ 2·exp(−2k²): k = √(ln(2/α)/2) / √n.
let ksCritical (alpha: float) (n: int) =
    sqrt (log (2.0 / alpha) / 2.0) / sqrt (float n)

/// KS critical value at α = 0.001 (K = 1.9495).
let ksCritical001 (n: int) = ksCritical 0.001 n
