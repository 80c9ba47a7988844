/// Sums over groups in the fixed block order (`BlockSums`), which update four blocks side by side: the scale updates'
/// sums of squares equal block-by-block sums combined left to right (what a coordinator gets from its shards), to the
/// last bit, for group counts below, at and past four blocks.
module HierFunctional.Tests.Gibbs.BlockSumsTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference

/// θ_j ~ N(μ, τ), y ~ N(θ[g], σ).
let private hierarchy = FusedKernelTests.variant 0

/// Group counts below, at and past four blocks, and with a partial last block.
let private groupCounts =
    [ 1; 1023; 1024; 4095; 4096; 4097; 8192; 9000; 12 * BlockSums.Size + 511 ]

/// Values of mixed sign and magnitude, so that any change in the order of the additions shows in the last bits.
let private values (rng: Random) (n: int) =
    Array.init n (fun _ -> (rng.NextDouble() - 0.3) * Math.Pow(10.0, float (rng.Next 7 - 3)))

/// One group per row, a random state.
let private bound (j: int) =
    let rng = Random j

    let b =
        Bind.bindOrThrow
            hierarchy
            (Dataset.empty
             |> Dataset.integers "g" (Array.init j (fun k -> k + 1))
             |> Dataset.reals "y" (values rng j))

    let s = Array.init b.Layout.Size (fun _ -> 0.5 + rng.NextDouble())
    let theta = values rng j
    Array.blit theta 0 s b.Layout.Offsets.["theta"] j
    b, s, theta

/// Σ term(k) block by block (each block left to right from 0), the block sums added left to right.
let private blockSum (n: int) (term: int -> float) =
    let mutable total = 0.0

    for lo in 0 .. BlockSums.Size .. n - 1 do
        let mutable t = 0.0

        for k in lo .. min n (lo + BlockSums.Size) - 1 do
            t <- t + term k

        total <- total + t

    total

/// Σ (x − c)² from each block's Welford moments combined left to right by Chan et al.'s update.
let private blockSquaresAbout (x: float[]) (c: float) =
    let mutable count, mean, m2 = 0.0, 0.0, 0.0

    for lo in 0 .. BlockSums.Size .. x.Length - 1 do
        let mutable bn, bmean, bm2 = 0.0, 0.0, 0.0

        for k in lo .. min x.Length (lo + BlockSums.Size) - 1 do
            bn <- bn + 1.0
            let d = x.[k] - bmean
            bmean <- bmean + d / bn
            bm2 <- bm2 + d * (x.[k] - bmean)

        if bn > 0.0 then
            let n = count + bn
            let d = bmean - mean
            mean <- mean + d * (bn / n)
            m2 <- m2 + bm2 + d * d * (count * bn / n)
            count <- n

    let d = mean - c
    m2 + count * d * d

let private squaresOf (b: Bound) (scale: string) (s: float[]) =
    match NormalConjugacy.normalScale.Recognise (Graph.expand b.Model) (Bound.node b scale).Node with
    | RuleOutcome.Matched(_, _, [ c ]) -> snd (ScaleUpdates.sumOfSquares b c) s
    | other -> failwithf "expected one Normal-scale child of %s, got %A" scale other

let private sameBits (expected: float) (got: float) =
    Assert.Equal(BitConverter.DoubleToInt64Bits expected, BitConverter.DoubleToInt64Bits got)

let ``the sum of squares of the group effects about their mean equals the block moments combined in block order`` () =
    for j in groupCounts do
        let b, s, theta = bound j
        sameBits (blockSquaresAbout theta s.[b.Layout.Offsets.["mu"]]) (squaresOf b "tau" s)

let ``the residual sum of squares over groups equals the block sums combined in block order`` () =
    for j in groupCounts do
        let b, s, theta = bound j
        let y = b.Numeric.["y"]
        sameBits (blockSum j (fun k -> 0.0 + 1.0 * ((y.[k] - theta.[k]) * (y.[k] - theta.[k])))) (squaresOf b "sigma" s)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.Gibbs.BlockSumsTests"
        [
            Expecto.Tests.testCase
                "the sum of squares of the group effects about their mean equals the block moments combined in block order"
                (fun () ->
                    ``the sum of squares of the group effects about their mean equals the block moments combined in block order`` ())
            Expecto.Tests.testCase
                "the residual sum of squares over groups equals the block sums combined in block order"
                (fun () -> ``the residual sum of squares over groups equals the block sums combined in block order`` ())
        ]
