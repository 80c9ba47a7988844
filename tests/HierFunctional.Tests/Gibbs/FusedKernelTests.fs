/// The fused Normal-hierarchy kernels: the sufficient-statistic Normal-Normal accumulation (checked against the
/// general per-row path), the path choice, the closure-free element draws and ziggurat N(0, 1) variates (checked
/// against closed forms in MCSE), the Normal-scale sums of squares, and the joint log-density's per-node loop.
module HierFunctional.Tests.Gibbs.FusedKernelTests

open System
open HierFunctional.TestShim
open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.MonteCarlo

/// The model variants the property draws from: child means and sds that factor per sweep, per element, or not
/// (0: the Normal hierarchy θ_j ~ N(μ, τ), y ~ N(θ[g], σ), which other tests reuse).
let variant (k: int) =
    match k with
    | 0 ->
        model {
            let! mu = sample "mu" (Normal(0.0, 10.0))
            let! tau = sample "tau" (HalfNormal 5.0)
            let! sigma = sample "sigma" (HalfNormal 5.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
            do! observe "y" (Normal(theta.[group "g"], sigma))
        }
    | 1 ->
        model {
            let! mu = sample "mu" (Normal(0.0, 10.0))
            let! tau = sample "tau" (HalfNormal 5.0)
            let! sigma = sample "sigma" (HalfNormal 5.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
            do! observe "y" (Normal(data "d" + theta.[group "g"] * data "x", sigma * data "s"))
        }
    | 2 ->
        model {
            let! mu = sample "mu" (Normal(0.0, 10.0))
            let! tau = sample "tau" (HalfNormal 5.0)
            let! beta = sample "beta" (Normal(0.0, 1.0))
            let! sigma = sample "sigma" (HalfNormal 5.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
            do! observe "y" (Normal(beta * data "x" + theta.[group "g"], sigma))
        }
    | _ ->
        model {
            let! mu = sample "mu" (Normal(0.0, 10.0))
            let! tau = sample "tau" (HalfNormal 5.0)
            let! omega = sample "omega" (HalfNormal 2.0) |> over "g"
            let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
            do! observe "y" (Normal(theta.[group "g"], omega.[group "g"] * data "s"))
        }

/// A parameter-dependent slope: θ's coefficient β + x is not (invariant) × (data), so no sufficient statistics.
let private slopeModel =
    model {
        let! beta = sample "beta" (Normal(0.0, 1.0))
        let! sigma = sample "sigma" (HalfNormal 5.0)
        let! theta = sample "theta" (Normal(0.0, 2.0)) |> over "g"
        do! observe "y" (Normal(theta.[group "g"] * (beta + data "x"), sigma))
    }

/// A random data set: J groups of 1..5 rows, covariates and positive sd multipliers.
let private randomData (r: Random) =
    let j = 1 + r.Next 6
    let sizes = Array.init j (fun _ -> 1 + r.Next 5)

    let g =
        [|
            for k in 0 .. j - 1 do
                yield! Array.create sizes.[k] (k + 1)
        |]

    let n = g.Length
    let real lo hi = Array.init n (fun _ -> uniform r lo hi)

    Dataset.empty
    |> Dataset.integers "g" g
    |> Dataset.reals "y" (real -5.0 5.0)
    |> Dataset.reals "x" (real -2.0 2.0)
    |> Dataset.reals "d" (real -1.0 1.0)
    |> Dataset.reals "s" (real 0.5 2.0)

/// A state with every coordinate in (0.3, 2) (valid for means and sds alike).
let private randomState (r: Random) (b: Bound) =
    Array.init b.Layout.Size (fun _ -> uniform r 0.3 2.0)

/// θ's (or μ's) Normal-Normal match.
let private normalMeanOf (b: Bound) (name: string) =
    let expanded = Graph.expand b.Model

    match NormalConjugacy.normalMean.Recognise expanded (Bound.node b name).Node with
    | RuleOutcome.Matched(m0, s0, children) -> m0, s0, children
    | other -> failwithf "expected a Normal-Normal match for %s, got %A" name other

/// P and S from the fused (sufficient-statistic) path and from the general per-row path, at one state.
let private bothPaths (b: Bound) (name: string) (s: float[]) =
    let target = Bound.node b name
    let _, _, children = normalMeanOf b name
    let n = target.Copies

    let run f =
        let prec, shift = Array.zeroCreate n, Array.zeroCreate n
        f s prec shift (Array.zeroCreate n)
        prec, shift

    run (GaussianLikelihood.gaussianLikelihood b target children),
    run (GaussianLikelihood.gaussianLikelihoodRows b target children)

let private close (x: float) (y: float) =
    abs (x - y) <= 1e-10 * (1.0 + abs x + abs y)

let ``fused kernel precisions, shifts and conditional moments match the general Normal-Normal path`` () =
    forAllSeeds (fun r ->
        let b = Bind.bindOrThrow (variant (r.Next 4)) (randomData r)
        let s = randomState r b

        [ "theta"; "mu" ]
        |> List.forall (fun name ->
            let (p1, s1), (p2, s2) = bothPaths b name s
            let prior = { NormalParams.Mean = 0.7; Sd = 1.3 }

            let moments (p: float[]) (sh: float[]) =
                Array.map2 (fun p sh -> ConjugatePosterior.normal prior { Precision = p; Shift = sh }) p sh

            Array.forall2 close p1 p2
            && Array.forall2 close s1 s2
            && Array.forall2
                (fun (a: NormalParams) (c: NormalParams) -> close a.Mean c.Mean && close a.Sd c.Sd)
                (moments p1 s1)
                (moments p2 s2)))

let ``sufficient statistics are used only when offset, coefficient and sd factor into invariant times data`` () =
    let r = rng 11

    let pathOf m =
        let b = Bind.bindOrThrow m (randomData r)
        let _, _, children = normalMeanOf b "theta"
        children |> List.map (GaussianLikelihood.gaussianPath b (Bound.node b "theta"))

    Assert.Equal<GaussianLikelihood.GaussianPath list>([ GaussianLikelihood.PerSweep ], pathOf (variant 0))
    Assert.Equal<GaussianLikelihood.GaussianPath list>([ GaussianLikelihood.PerSweep ], pathOf (variant 1))
    Assert.Equal<GaussianLikelihood.GaussianPath list>([ GaussianLikelihood.PerSweep ], pathOf (variant 2))
    Assert.Equal<GaussianLikelihood.GaussianPath list>([ GaussianLikelihood.PerElement ], pathOf (variant 3))
    Assert.Equal<GaussianLikelihood.GaussianPath list>([ GaussianLikelihood.Rows ], pathOf slopeModel)

/// Runs the plan's update of `name` `draws` times from one fixed state, returning each draw of every element.
let private conditionalDraws (plan: GibbsPlan) (values: float[]) (name: string) (draws: int) (seed: int) =
    let i = plan.Updates |> Array.findIndex (fun u -> u.Node = name)
    let state = Gibbs.initialStateFor plan 0 0 (Array.copy values)
    let off = plan.Bound.Layout.Offsets.[name]
    let copies = (Bound.node plan.Bound name).Copies
    let r = rng seed

    Array.init draws (fun _ ->
        Gibbs.runUpdate i r state
        Array.sub state.Values off copies)

/// Draws of every element agree with the closed-form conditional N(mean_j, sd_j): mean within 4 MCSE and variance
/// within 4 standard errors (SE of a Normal sample variance: sd²·√(2/(n − 1))).
let private assertConditional (draws: float[][]) (truth: NormalParams[]) =
    truth
    |> Array.iteri (fun j t ->
        let xs = draws |> Array.map (fun d -> d.[j])
        assertMean $"element {j} mean" t.Mean xs
        let v = MathNet.Numerics.Statistics.Statistics.Variance xs
        let se = t.Sd * t.Sd * sqrt (2.0 / float (xs.Length - 1))
        Assert.True(abs (v - t.Sd * t.Sd) < 4.0 * se, $"element {j} variance {v}, truth {t.Sd * t.Sd}, SE {se}"))

let ``fused element draws have the closed-form Normal-Normal conditional mean and variance`` () =
    let r = rng 5
    let d = randomData r
    // θ's own update: the collapsed Normal hierarchy would draw μ, τ and θ together
    let plan =
        GibbsTests.planUsing (CompileSettings.Default.WithCollapsedNormal false) (variant 0) d

    let b = plan.Bound
    let s = randomState r b

    let mu, tau, sigma =
        s.[b.Layout.Offsets.["mu"]], s.[b.Layout.Offsets.["tau"]], s.[b.Layout.Offsets.["sigma"]]

    let y = b.Numeric.["y"]
    let level = b.Groups.["g"].RowLevel
    let j = b.Groups.["g"].Levels.Length

    let truth =
        Array.init j (fun k ->
            let rows =
                [|
                    for i in 0 .. y.Length - 1 do
                        if level.[i] = k then
                            yield y.[i]
                |]

            let p = 1.0 / (tau * tau) + float rows.Length / (sigma * sigma)

            {
                NormalParams.Mean = (mu / (tau * tau) + Array.sum rows / (sigma * sigma)) / p
                Sd = 1.0 / sqrt p
            })

    assertConditional (conditionalDraws plan s "theta" 20000 6) truth

let ``a child mean with a parameter-dependent slope still gets the exact conditional of the general path`` () =
    let r = rng 7
    let plan = GibbsTests.planOf Rules.builtIn slopeModel (randomData r)
    let b = plan.Bound
    let s = randomState r b
    let beta, sigma = s.[b.Layout.Offsets.["beta"]], s.[b.Layout.Offsets.["sigma"]]
    let y, x = b.Numeric.["y"], b.Numeric.["x"]
    let level = b.Groups.["g"].RowLevel

    let truth =
        Array.init b.Groups.["g"].Levels.Length (fun k ->
            let rows =
                [|
                    for i in 0 .. y.Length - 1 do
                        if level.[i] = k then
                            yield i
                |]

            let c i = beta + x.[i]
            let p = 1.0 / 4.0 + (rows |> Array.sumBy (fun i -> c i * c i)) / (sigma * sigma)

            {
                NormalParams.Mean = ((rows |> Array.sumBy (fun i -> c i * y.[i])) / (sigma * sigma)) / p
                Sd = 1.0 / sqrt p
            })

    assertConditional (conditionalDraws plan s "theta" 20000 8) truth

/// KS, tail and central probabilities, and the first two moments of ziggurat draws from one generator.
let private checkZiggurat (r: Random) =
    let n = 400000
    let z = Array.init n (fun _ -> StandardNormal.sample r)
    let d = ksStatistic (fun x -> Normal.CDF(0.0, 1.0, x)) z
    Assert.True(d < ksCritical001 n, $"KS statistic {d}, critical {ksCritical001 n}")
    // Tail and central probabilities (the tail method starts at 3.4426), each within 4 binomial SEs.
    for q in [ -4.0; -3.5; -3.0; -2.0; -1.0; -0.3; 0.0; 0.7; 1.5; 2.5; 3.44; 3.9 ] do
        let p = Normal.CDF(0.0, 1.0, q)
        let hat = float (z |> Array.filter (fun v -> v <= q) |> Array.length) / float n
        let se = sqrt (p * (1.0 - p) / float n)
        Assert.True(abs (hat - p) < 4.0 * se + 1e-12, $"P(Z <= {q}): {hat} vs {p}, SE {se}")

    assertMean "mean" 0.0 z
    assertMean "second moment" 1.0 (z |> Array.map (fun v -> v * v))

let ``ziggurat standard normal draws follow the N(0, 1) distribution function`` () = checkZiggurat (rng 3)

let ``ziggurat draws stay N(0, 1) with a generator of only 31 random bits per double`` () = checkZiggurat (Random 3)

let ``Normal-scale sums of squares from level statistics equal the row-by-row sums`` () =
    forAllSeeds (fun r ->
        let b = Bind.bindOrThrow (variant 0) (randomData r)
        let s = randomState r b
        let expanded = Graph.expand b.Model

        let ssOf name =
            match NormalConjugacy.normalScale.Recognise expanded (Bound.node b name).Node with
            | RuleOutcome.Matched(_, _, [ c ]) -> snd (ScaleUpdates.sumOfSquares b c) s
            | other -> failwithf "expected one Normal-scale child, got %A" other

        let theta = b.Layout.Offsets.["theta"]
        let mu = s.[b.Layout.Offsets.["mu"]]
        let y, level = b.Numeric.["y"], b.Groups.["g"].RowLevel

        let rowsSigma =
            Array.init y.Length (fun i -> (y.[i] - s.[theta + level.[i]]) ** 2.0)
            |> Array.sum

        let rowsTau =
            Array.init b.Groups.["g"].Levels.Length (fun k -> (s.[theta + k] - mu) ** 2.0)
            |> Array.sum

        close (ssOf "sigma") rowsSigma && close (ssOf "tau") rowsTau)

let ``the joint log-density equals the sum of every term in trace order`` () =
    forAllSeeds (fun r ->
        let b = Bind.bindOrThrow (variant (r.Next 4)) (randomData r)
        let density = LogDensity.compile b
        let s = randomState r b
        let mutable total = 0.0 // reference sum, term by term

        for t in Trace.terms b do
            total <- total + density.Term t s

        density.Joint s = total)

let ``a compiled plan keeps no per-row dependents table and its blankets still equal the full density's`` () =
    let r = rng 13
    let plan = GibbsTests.planOf Rules.builtIn (variant 0) (randomData r)
    let full = LogDensity.compile plan.Bound
    let s = randomState r plan.Bound
    Assert.True(plan.Density.Dependents.IsEmpty)
    Assert.False(full.Dependents.IsEmpty)

    for name in [ "mu"; "tau"; "sigma"; "theta" ] do
        Assert.Equal(full.Blanket name s, plan.Density.Blanket name s)
        Assert.Equal(full.BlanketElement name 0 s, plan.Density.BlanketElement name 0 s)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.FusedKernelTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.FusedKernelTests"
            [
                Expecto.Tests.testCase
                    "fused kernel precisions, shifts and conditional moments match the general Normal-Normal path"
                    (fun () ->
                        ``fused kernel precisions, shifts and conditional moments match the general Normal-Normal path`` ())
                Expecto.Tests.testCase
                    "sufficient statistics are used only when offset, coefficient and sd factor into invariant times data"
                    (fun () ->
                        ``sufficient statistics are used only when offset, coefficient and sd factor into invariant times data`` ())
                Expecto.Tests.testCase
                    "fused element draws have the closed-form Normal-Normal conditional mean and variance"
                    (fun () ->
                        ``fused element draws have the closed-form Normal-Normal conditional mean and variance`` ())
                Expecto.Tests.testCase
                    "a child mean with a parameter-dependent slope still gets the exact conditional of the general path"
                    (fun () ->
                        ``a child mean with a parameter-dependent slope still gets the exact conditional of the general path`` ())
                Expecto.Tests.testCase
                    "ziggurat standard normal draws follow the N(0, 1) distribution function"
                    (fun () -> ``ziggurat standard normal draws follow the N(0, 1) distribution function`` ())
                Expecto.Tests.testCase
                    "ziggurat draws stay N(0, 1) with a generator of only 31 random bits per double"
                    (fun () -> ``ziggurat draws stay N(0, 1) with a generator of only 31 random bits per double`` ())
                Expecto.Tests.testCase
                    "Normal-scale sums of squares from level statistics equal the row-by-row sums"
                    (fun () -> ``Normal-scale sums of squares from level statistics equal the row-by-row sums`` ())
                Expecto.Tests.testCase "the joint log-density equals the sum of every term in trace order" (fun () ->
                    ``the joint log-density equals the sum of every term in trace order`` ())
                Expecto.Tests.testCase
                    "a compiled plan keeps no per-row dependents table and its blankets still equal the full density's"
                    (fun () ->
                        ``a compiled plan keeps no per-row dependents table and its blankets still equal the full density's`` ())
            ])
