/// Per-level sums for means like radon's, a group parameter plus global coefficients × data (`LevelSums`): the
/// conditional of a global coefficient and the child's sum of squares computed from sums per level equal the
/// row-by-row ones at random data and states, and the plan takes that path for radon's coefficient only.
module HierFunctional.Tests.Gibbs.LevelSumsTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.MonteCarlo

/// Radon's shape (0), and one with a data offset, a data multiplier of the group parameter and two global
/// coefficients, with sd sigma (1) or sigma × data (2).
let private variant (k: int) =
    match k with
    | 0 ->
        model {
            let! mu = sample "mu" (Normal(0.0, 10.0))
            let! tau = sample "tau" (HalfNormal 5.0)
            let! sigma = sample "sigma" (HalfNormal 5.0)
            let! beta = sample "beta" (Normal(0.0, 10.0))
            let! a = sample "a" (Normal(mu, tau)) |> over "g"
            do! observe "y" (Normal(a.[group "g"] + beta * data "x", sigma))
        }
    | k ->
        model {
            let! mu = sample "mu" (Normal(0.0, 10.0))
            let! tau = sample "tau" (HalfNormal 5.0)
            let! sigma = sample "sigma" (HalfNormal 5.0)
            let! beta = sample "beta" (Normal(0.0, 10.0))
            let! gamma = sample "gamma" (Normal(0.0, 10.0))
            let! a = sample "a" (Normal(mu, tau)) |> over "g"

            do!
                observe
                    "y"
                    (Normal(
                        data "d" + a.[group "g"] * data "s" + beta * data "x" + gamma * data "s",
                        (if k = 1 then sigma else sigma * data "s")
                    ))
        }

/// The mean of row i in `variant k` at state s.
let private meanAt (k: int) (b: Bound) (s: float[]) (i: int) =
    let at name = s.[b.Layout.Offsets.[name]]
    let a = s.[b.Layout.Offsets.["a"] + b.Groups.["g"].RowLevel.[i]]
    let col name = b.Numeric.[name].[i]

    if k = 0 then
        a + at "beta" * col "x"
    else
        col "d" + a * col "s" + at "beta" * col "x" + at "gamma" * col "s"

/// J groups of 1..5 rows; responses centred at 0 or far from it (1e4), where expanding Σ(y − m)² about zero
/// would cancel.
let private randomData (r: Random) =
    let j = 1 + r.Next 6
    let sizes = Array.init j (fun _ -> 1 + r.Next 5)
    let g = [| for k in 0 .. j - 1 -> Array.create sizes.[k] (k + 1) |] |> Array.concat
    let n = g.Length
    let real lo hi = Array.init n (fun _ -> uniform r lo hi)
    let centre = if r.Next 2 = 0 then 0.0 else 1e4

    Dataset.empty
    |> Dataset.integers "g" g
    |> Dataset.reals "y" (real (centre - 5.0) (centre + 5.0))
    |> Dataset.reals "x" (real -2.0 2.0)
    |> Dataset.reals "d" (real -1.0 1.0)
    |> Dataset.reals "s" (real 0.5 2.0)

let private randomState (r: Random) (b: Bound) =
    Array.init b.Layout.Size (fun _ -> uniform r 0.3 2.0)

let private close (x: float) (y: float) =
    abs (x - y) <= 1e-9 * (1.0 + abs x + abs y)

let private normalChildren (b: Bound) (name: string) =
    match NormalConjugacy.normalMean.Recognise (Graph.expand b.Model) (Bound.node b name).Node with
    | RuleOutcome.Matched(_, _, children) -> children
    | other -> failwithf "expected a Normal-Normal match for %s, got %A" name other

let ``the conditional of a global coefficient beside a group parameter from per-level sums equals the row-by-row one``
    ()
    =
    forAllSeeds (fun r ->
        let k = r.Next 3
        let b = Bind.bindOrThrow (variant k) (randomData r)
        let s = randomState r b

        (if k = 0 then [ "beta" ] else [ "beta"; "gamma" ])
        |> List.forall (fun name ->
            let target, children = Bound.node b name, normalChildren b name

            let run f =
                let prec, shift = Array.zeroCreate 1, Array.zeroCreate 1
                f s prec shift (Array.zeroCreate 1)
                prec.[0], shift.[0]

            let (p1, s1), (p2, s2) =
                run (GaussianLikelihood.gaussianLikelihood b target children),
                run (GaussianLikelihood.gaussianLikelihoodRows b target children)

            close p1 p2 && close s1 s2))

let ``sums of squares of a group parameter plus global coefficients times data from per-level statistics equal the row-by-row sums``
    ()
    =
    forAllSeeds (fun r ->
        let k = r.Next 2
        let b = Bind.bindOrThrow (variant k) (randomData r)
        let s = randomState r b

        match NormalConjugacy.normalScale.Recognise (Graph.expand b.Model) (Bound.node b "sigma").Node with
        | RuleOutcome.Matched(_, _, [ c ]) ->
            let y = b.Numeric.["y"]

            let rows =
                Array.init y.Length (fun i -> (y.[i] - meanAt k b s i) ** 2.0) |> Array.sum

            close (snd (ScaleUpdates.sumOfSquares b c) s) rows
        | other -> failwithf "expected one Normal-scale child, got %A" other)

let ``radon's coefficient takes the per-level sums and the group's effects keep their sufficient statistics`` () =
    let b = Bind.bindOrThrow (variant 0) (randomData (rng 5))

    let pathOf name =
        normalChildren b name
        |> List.map (GaussianLikelihood.gaussianPath b (Bound.node b name))

    Assert.Equal<GaussianLikelihood.GaussianPath list>([ GaussianLikelihood.LevelSums ], pathOf "beta")
    Assert.Equal<GaussianLikelihood.GaussianPath list>([ GaussianLikelihood.PerSweep ], pathOf "a")

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.Gibbs.LevelSumsTests"
        [
            Expecto.Tests.testCase
                "the conditional of a global coefficient beside a group parameter from per-level sums equals the row-by-row one"
                (fun () ->
                    ``the conditional of a global coefficient beside a group parameter from per-level sums equals the row-by-row one`` ())
            Expecto.Tests.testCase
                "sums of squares of a group parameter plus global coefficients times data from per-level statistics equal the row-by-row sums"
                (fun () ->
                    ``sums of squares of a group parameter plus global coefficients times data from per-level statistics equal the row-by-row sums`` ())
            Expecto.Tests.testCase
                "radon's coefficient takes the per-level sums and the group's effects keep their sufficient statistics"
                (fun () ->
                    ``radon's coefficient takes the per-level sums and the group's effects keep their sufficient statistics`` ())
        ]
