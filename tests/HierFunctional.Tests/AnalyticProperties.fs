module HierFunctional.Tests.AnalyticProperties

open System
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics
open MathNet.Numerics.Distributions
open HierFunctional.Analytic
open HierFunctional.Testing

/// A property of this file with its number of cases (200 unless given): run by Expecto's testPropertyWithConfig
/// from the suite's fixed replay seed (`property` below).
let private check (prop: Property) = 200, prop

let private checkN (n: int) (prop: Property) = n, prop

/// The Expecto test of a property function of this file.
let private property (name: string) (f: unit -> int * Property) =
    let n, prop = f ()
    Expecto.ExpectoFsCheck.testPropertyWithConfig { TestConfig.fsCheck with maxTest = n } name prop

let private forAll gen body = Prop.forAll (Arb.fromGen gen) body

let private normalCase =
    gen {
        let! mu = Generators.finiteFloat
        let! tau = Generators.positiveScale
        let! y = Generators.finiteFloat
        let! se = Generators.positiveScale
        return mu, tau, y, se
    }

let ``shrinkage factor lies in 0 to 1 and the posterior mean lies between the estimate and the population mean`` () =
    forAll normalCase (fun (mu, tau, y, se) ->
        let p = Shrinkage.normal mu tau y se
        let lo, hi = min y mu, max y mu
        let slack = 1e-12 * (1.0 + abs lo + abs hi)

        p.ShrinkageFactor >= 0.0
        && p.ShrinkageFactor <= 1.0
        && p.PosteriorMean >= lo - slack
        && p.PosteriorMean <= hi + slack
        // and it is the right point in between: B = se²/(se²+τ²)
        && abs ((p.PosteriorMean - y) - p.ShrinkageFactor * (mu - y)) <= slack * 10.0
        && abs (p.ShrinkageFactor - se * se / (se * se + tau * tau)) <= 1e-12)
    |> check

let ``shrinkage factor decreases as the group grows and tends to zero`` () =
    let g =
        Gen.zip3 Generators.positiveScale Generators.positiveScale (Gen.choose (1, 1000))

    forAll g (fun (tau, sigma, n) ->
        let b k =
            (Shrinkage.normalMean 0.0 tau sigma 1.0 k).ShrinkageFactor

        b (n + 1) < b n
        && b (10 * n) < b n
        && b 1_000_000_000 < 1e-4 * (1.0 + (sigma / tau) ** 2.0) * 1e-1)
    |> check

let ``tau to zero gives complete pooling and tau to infinity gives no pooling`` () =
    let g =
        Gen.zip (Gen.arrayOfLength 5 Generators.finiteFloat) (Gen.arrayOfLength 5 Generators.positiveScale)

    forAll g (fun (y, se) ->
        let zero = Pooling.normalWithTau 0.0 y se
        let huge = Pooling.normalWithTau 1e9 y se

        zero.Rows
        |> Array.forall (fun r ->
            abs (r.PartialPooling - r.CompletePooling)
            <= 1e-9 * (1.0 + abs r.CompletePooling))
        && huge.Rows
           |> Array.forall (fun r -> abs (r.PartialPooling - r.NoPooling) <= 1e-6 * (1.0 + abs r.NoPooling)))
    |> check

let ``permuting groups permutes the partially pooled estimates`` () =
    let g =
        gen {
            let! y = Gen.arrayOfLength 6 Generators.finiteFloat
            let! se = Gen.arrayOfLength 6 Generators.positiveScale
            let! perm = Gen.shuffle [| 0..5 |]
            return y, se, perm
        }

    forAll g (fun (y, se, perm) ->
        let a = Pooling.normal y se

        let b =
            Pooling.normal (perm |> Array.map (fun i -> y[i])) (perm |> Array.map (fun i -> se[i]))

        perm
        |> Array.mapi (fun k i ->
            abs (b.Rows[k].PartialPooling - a.Rows[i].PartialPooling)
            <= 1e-8 * (1.0 + abs a.Rows[i].PartialPooling))
        |> Array.forall id)
    |> check

let ``permuting hospitals permutes the empirical-Bayes Poisson estimates`` () =
    let g =
        gen {
            let! data = Gen.arrayOfLength 5 (Generators.countWithExposure 60)
            let! perm = Gen.shuffle [| 0..4 |]
            return data, perm
        }

    forAll g (fun (data, perm) ->
        let y, e = Array.unzip data
        let a = Pooling.poisson y e

        let b =
            Pooling.poisson (perm |> Array.map (fun i -> y[i])) (perm |> Array.map (fun i -> e[i]))

        perm
        |> Array.mapi (fun k i ->
            abs (b.Rows[k].PartialPooling - a.Rows[i].PartialPooling)
            <= 1e-5 * (1.0 + abs a.Rows[i].PartialPooling))
        |> Array.forall id)
    |> checkN 50

let private twoPoints (g: Gen<float>) = Gen.zip g g

let ``Normal-Normal posterior equals prior times likelihood up to a constant`` () =
    forAll (Gen.zip normalCase (twoPoints Generators.finiteFloat)) (fun ((mu, tau, y, se), (t1, t2)) ->
        let p = Shrinkage.normal mu tau y se

        (Checks.conjugatePosterior
            1e-9
            (fun t -> Normal.PDFLn(mu, tau, t))
            (fun t -> Normal.PDFLn(t, se, y))
            (fun t -> Normal.PDFLn(p.PosteriorMean, p.PosteriorSd, t))
            [ t1; t2; (t1 + t2) / 2.0 ])
            .Passed)
    |> check

let ``Beta-Binomial posterior equals prior times likelihood up to a constant`` () =
    let g =
        Gen.zip3
            (Gen.zip Generators.positiveScale Generators.positiveScale)
            (Generators.binomialGroup 200)
            (twoPoints Generators.probability)

    forAll g (fun ((a, b), d, (p1, p2)) ->
        let post = Shrinkage.betaBinomial a b d.Successes d.Trials

        (Checks.conjugatePosterior
            1e-9
            (fun p -> Beta.PDFLn(a, b, p))
            (fun p -> Binomial.PMFLn(p, d.Trials, d.Successes))
            (fun p -> Beta.PDFLn(post.Alpha, post.Beta, p))
            [ p1; p2 ])
            .Passed)
    |> check

let ``Gamma-Poisson posterior equals prior times likelihood up to a constant`` () =
    let g =
        Gen.zip3
            (Gen.zip Generators.positiveScale Generators.positiveScale)
            (Generators.countWithExposure 100)
            (twoPoints Generators.positiveScale)

    forAll g (fun ((a, b), (y, e), (l1, l2)) ->
        let post = Shrinkage.gammaPoisson a b y e

        (Checks.conjugatePosterior
            1e-9
            (fun l -> Gamma.PDFLn(a, b, l))
            (fun l -> Poisson.PMFLn(l * e, y))
            (fun l -> Gamma.PDFLn(post.Shape, post.Rate, l))
            [ l1; l2 ])
            .Passed)
    |> check

let ``sequential and batch updates agree`` () =
    let g =
        Gen.zip3
            (Gen.zip Generators.positiveScale Generators.positiveScale)
            (Generators.binomialGroup 50)
            (Generators.binomialGroup 50)

    forAll g (fun ((a, b), d1, d2) ->
        let first = Shrinkage.betaBinomial a b d1.Successes d1.Trials
        let seq = Shrinkage.betaBinomial first.Alpha first.Beta d2.Successes d2.Trials

        let batch =
            Shrinkage.betaBinomial a b (d1.Successes + d2.Successes) (d1.Trials + d2.Trials)

        let gp1 = Shrinkage.gammaPoisson a b d1.Successes (float d1.Trials)
        let gpSeq = Shrinkage.gammaPoisson gp1.Shape gp1.Rate d2.Successes (float d2.Trials)

        let gpBatch =
            Shrinkage.gammaPoisson a b (d1.Successes + d2.Successes) (float (d1.Trials + d2.Trials))
        // Normal: two noisy readings of θ, one at a time or as their precision-weighted mean
        let y1, y2, s1, s2 =
            float d1.Successes, float d2.Successes, float d1.Trials, float d2.Trials

        let n1 = Shrinkage.normal a b y1 s1
        let nSeq = Shrinkage.normal n1.PosteriorMean n1.PosteriorSd y2 s2
        let w1, w2 = 1.0 / (s1 * s1), 1.0 / (s2 * s2)

        let nBatch =
            Shrinkage.normal a b ((w1 * y1 + w2 * y2) / (w1 + w2)) (1.0 / sqrt (w1 + w2))

        let near x y = abs (x - y) <= 1e-9 * (1.0 + abs y)

        near seq.Alpha batch.Alpha
        && near seq.Beta batch.Beta
        && near gpSeq.Shape gpBatch.Shape
        && near gpSeq.Rate gpBatch.Rate
        && near nSeq.PosteriorMean nBatch.PosteriorMean
        && near nSeq.PosteriorSd nBatch.PosteriorSd)
    |> check

let ``Negative Binomial marginal matches numerical integration of Gamma times Poisson`` () =
    let g =
        Gen.zip3 (Generators.floatIn 1.0 20.0) Generators.positiveScale (Generators.countWithExposure 30)

    forAll g (fun (a, b, (y, e)) ->
        let post = Shrinkage.gammaPoisson a b y e
        let upper = post.Mean + 60.0 * post.Sd

        let integral =
            Integrate.GaussKronrod(
                (fun l -> exp (Gamma.PDFLn(a, b, l) + Poisson.PMFLn(l * e, y))),
                0.0,
                upper,
                1e-12,
                20,
                61
            )

        (Checks.relativelyClose 1e-7 integral (Marginals.negativeBinomialPmf a b e y)).Passed)
    |> checkN 100

let ``Beta-Binomial marginal sums to one and has mean n alpha over alpha plus beta`` () =
    let g =
        Gen.zip3 Generators.positiveScale Generators.positiveScale (Gen.choose (0, 60))

    forAll g (fun (a, b, n) ->
        let p = Array.init (n + 1) (Marginals.betaBinomialPmf a b n)
        let mean = p |> Array.mapi (fun y py -> float y * py) |> Array.sum

        abs (Array.sum p - 1.0) < 1e-10
        && abs (mean - float n * a / (a + b)) < 1e-9 * (1.0 + float n))
    |> check

let ``law of total variance holds for simulated three-level data within 4 MCSE`` () =
    let rng = Random.Xoshiro256StarStar(20261121)

    for _ in 1..10 do
        let omega, tau, sigma =
            0.1 + 3.0 * rng.NextDouble(), 0.1 + 3.0 * rng.NextDouble(), 0.1 + 3.0 * rng.NextDouble()

        let draw () =
            Normal.Sample(rng, 0.0, omega)
            + Normal.Sample(rng, 0.0, tau)
            + Normal.Sample(rng, 0.0, sigma)

        Checks.varianceWithinMcse 4.0 (Marginals.threeLevel omega tau sigma).Total (Array.init 20000 (fun _ -> draw ()))
        |> Checks.orFail
        // a classroom mean of n pupils given its school mean: variance τ² + σ²/n
        let n = 1 + rng.Next 20

        let classMean () =
            Normal.Sample(rng, 0.0, tau)
            + (Array.init n (fun _ -> Normal.Sample(rng, 0.0, sigma)) |> Array.average)

        Checks.varianceWithinMcse
            4.0
            (Marginals.classroomGivenSchool 0.0 tau sigma n).Variance
            (Array.init 5000 (fun _ -> classMean ()))
        |> Checks.orFail

let ``Beta-Binomial grid posterior integrates to one`` () =
    let data =
        gen {
            let! groups = Gen.arrayOfLength 3 (Generators.binomialGroup 20)
            let! n = Gen.choose (2, 30)
            let! y = Gen.choose (1, n - 1) // one group with 0 < y < n keeps the posterior proper
            return Array.append groups [| { Successes = y; Trials = n } |]
        }

    forAll data (fun d ->
        let ys, ns =
            d |> Array.map (fun g -> g.Successes), d |> Array.map (fun g -> g.Trials)

        let g = GridPosterior.betaBinomial 40 ys ns
        let logq = GridPosterior.betaBinomialLogDensity ys ns

        let u1, u2, v1, v2 =
            g.LogRatioBounds.Lower, g.LogRatioBounds.Upper, g.LogSumBounds.Lower, g.LogSumBounds.Upper

        let total =
            Integrate.GaussKronrod(
                (fun v -> Integrate.GaussKronrod((fun u -> exp (logq u v - g.LogNormalizer)), u1, u2, 1e-6, 8, 15)),
                v1,
                v2,
                1e-6,
                8,
                15
            )

        abs (total - 1.0) <= 1e-3)
    |> checkN 6

let ``Normal hierarchy grid posterior of tau integrates to one`` () =
    let g =
        Gen.zip (Gen.arrayOfLength 5 Generators.finiteFloat) (Gen.arrayOfLength 5 Generators.positiveScale)

    forAll g (fun (y, s) ->
        let p = GridPosterior.normalHierarchy 100 MuPrior.Flat GridPosterior.uniformTau y s

        let q t =
            exp (
                GridPosterior.normalLogTauDensity MuPrior.Flat GridPosterior.uniformTau y s t
                - p.LogNormalizer
            )

        let total = Integrate.GaussKronrod(q, 0.0, p.TauBounds.Upper, 1e-10, 12, 31)
        abs (total - 1.0) <= 1e-5)
    |> checkN 50

let ``the Testing checkers reject false identities and accept true ones`` () =
    Assert.False((Checks.differByConstant 1e-9 (fun x -> -x * x) (fun x -> -x * x / 2.0) [ 0.0; 1.0 ]).Passed)
    Assert.True((Checks.differByConstant 1e-9 (fun x -> -x * x + 3.0) (fun x -> -x * x) [ 0.0; 1.0; 5.0 ]).Passed)
    Assert.False((Checks.withinMcse 4.0 0.1 0.0 0.5).Passed)
    Assert.True((Checks.withinMcse 4.0 0.1 0.0 0.35).Passed)
    let rng = Random.Xoshiro256StarStar(11)
    let draws = Array.init 4000 (fun _ -> Normal.Sample(rng, 1.0, 2.0))
    Assert.True((Checks.meanWithinMcse 4.0 1.0 draws).Passed)
    Assert.False((Checks.meanWithinMcse 4.0 1.5 draws).Passed)
    Assert.True((Checks.varianceWithinMcse 4.0 4.0 draws).Passed)
    Assert.False((Checks.varianceWithinMcse 4.0 5.0 draws).Passed)

let ``Testing generators produce valid probabilities, counts within trials and non-empty groups`` () =
    let g =
        Gen.zip3 Generators.probability (Generators.binomialGroup 40) (Generators.groupedData 6 5)

    forAll g (fun (p, b, d) ->
        p > 0.0
        && p < 1.0
        && b.Trials >= 1
        && b.Successes >= 0
        && b.Successes <= b.Trials
        && d.Groups.Length >= 2
        && d.Groups
           |> Array.forall (fun grp -> grp.Length >= 1 && grp |> Array.forall Double.IsFinite))
    |> check

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.AnalyticProperties"
        (Expecto.Tests.testList
            "HierFunctional.Tests.AnalyticProperties"
            [
                property
                    "shrinkage factor lies in 0 to 1 and the posterior mean lies between the estimate and the population mean"
                    ``shrinkage factor lies in 0 to 1 and the posterior mean lies between the estimate and the population mean``
                property
                    "shrinkage factor decreases as the group grows and tends to zero"
                    ``shrinkage factor decreases as the group grows and tends to zero``
                property
                    "tau to zero gives complete pooling and tau to infinity gives no pooling"
                    ``tau to zero gives complete pooling and tau to infinity gives no pooling``
                property
                    "permuting groups permutes the partially pooled estimates"
                    ``permuting groups permutes the partially pooled estimates``
                property
                    "permuting hospitals permutes the empirical-Bayes Poisson estimates"
                    ``permuting hospitals permutes the empirical-Bayes Poisson estimates``
                property
                    "Normal-Normal posterior equals prior times likelihood up to a constant"
                    ``Normal-Normal posterior equals prior times likelihood up to a constant``
                property
                    "Beta-Binomial posterior equals prior times likelihood up to a constant"
                    ``Beta-Binomial posterior equals prior times likelihood up to a constant``
                property
                    "Gamma-Poisson posterior equals prior times likelihood up to a constant"
                    ``Gamma-Poisson posterior equals prior times likelihood up to a constant``
                property "sequential and batch updates agree" ``sequential and batch updates agree``
                property
                    "Negative Binomial marginal matches numerical integration of Gamma times Poisson"
                    ``Negative Binomial marginal matches numerical integration of Gamma times Poisson``
                property
                    "Beta-Binomial marginal sums to one and has mean n alpha over alpha plus beta"
                    ``Beta-Binomial marginal sums to one and has mean n alpha over alpha plus beta``
                Expecto.Tests.testCase
                    "law of total variance holds for simulated three-level data within 4 MCSE"
                    (fun () -> ``law of total variance holds for simulated three-level data within 4 MCSE`` ())
                property
                    "Beta-Binomial grid posterior integrates to one"
                    ``Beta-Binomial grid posterior integrates to one``
                property
                    "Normal hierarchy grid posterior of tau integrates to one"
                    ``Normal hierarchy grid posterior of tau integrates to one``
                Expecto.Tests.testCase "the Testing checkers reject false identities and accept true ones" (fun () ->
                    ``the Testing checkers reject false identities and accept true ones`` ())
                property
                    "Testing generators produce valid probabilities, counts within trials and non-empty groups"
                    ``Testing generators produce valid probabilities, counts within trials and non-empty groups``
            ])
