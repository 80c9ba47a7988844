/// The pumps kernels: Marsaglia–Tsang Gamma variates on the ziggurat normal (KS and moments against the closed form),
/// Stirling ln Γ (against MathNet's GammaLn), the fixed-sum Gamma-Poisson element path (against the general per-row
/// sums, and its draws against the closed-form conditional) and the allocation-free pumps sweep.
module HierFunctional.Tests.Gibbs.PumpsKernelTests

open System
open HierFunctional.TestShim
open MathNet.Numerics
open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.MonteCarlo

/// Gamma(shape, rate)'s CDF; below z = 1e-6 the first two series terms z^a·(1 − a·z/(a+1))/Γ(a+1) (error O(z²)),
/// because MathNet's regularized incomplete gamma returns 0 there (it gives 0 at 1e-30 for shape 0.05, not 0.0325).
let private gammaCdf (shape: float) (rate: float) (x: float) =
    let z = rate * x

    if z <= 0.0 then
        0.0
    elif z < 1e-6 then
        exp (shape * log z - SpecialFunctions.GammaLn(shape + 1.0))
        * (1.0 - shape * z / (shape + 1.0))
    else
        Gamma.CDF(shape, rate, x)

/// KS against Gamma(shape, rate)'s CDF, and the mean a/r and second moment a(a+1)/r² within 4 MCSE.
let private checkGamma (r: Random) (shape: float) (rate: float) =
    let n = 100000
    let xs = Array.init n (fun _ -> GammaVariate.sample r shape rate)
    Assert.True(xs |> Array.forall (fun x -> x >= 0.0 && Double.IsFinite x), $"shape {shape}: a draw is not finite")
    let d = ksStatistic (gammaCdf shape rate) xs
    Assert.True(d < ksCritical001 n, $"shape {shape}, rate {rate}: KS statistic {d}, critical {ksCritical001 n}")
    assertMean $"shape {shape} mean" (shape / rate) xs
    assertMean $"shape {shape} second moment" (shape * (shape + 1.0) / (rate * rate)) (xs |> Array.map (fun x -> x * x))

let private shapes =
    [ 0.05, 1.0; 0.3, 2.0; 0.93, 0.5; 1.0, 1.0; 2.5, 3.0; 17.3, 1.0; 400.0, 40.0 ]

let ``Marsaglia-Tsang Gamma draws follow the Gamma distribution function for shapes below and above one`` () =
    for i, (a, b) in List.indexed shapes do
        checkGamma (rng (100 + i)) a b

let ``Marsaglia-Tsang Gamma draws stay Gamma with a generator of only 31 random bits per double`` () =
    for i, (a, b) in List.indexed shapes do
        checkGamma (Random(200 + i)) a b

let ``Gamma draws with an infinite or invalid parameter behave as MathNet's sampler`` () =
    let outcome (f: unit -> float) =
        try
            string (f ())
        with e ->
            e.GetType().Name

    for a, b in [ -1.0, 1.0; 1.0, 0.0; 2.0, infinity; infinity, 1.0; nan, 1.0; 0.0, 1.0 ] do
        Assert.Equal(outcome (fun () -> Gamma.Sample(rng 1, a, b)), outcome (fun () -> GammaVariate.sample (rng 1) a b))

let ``Stirling log-gamma agrees with MathNet's GammaLn to 1e-13 from 1e-8 to 1e12`` () =
    let xs =
        [
            for k in 0..20000 -> 1e-8 * exp (float k * 1e-3 * log 10.0)
            for k in 1..4000 -> float k * 0.005
        ]

    for x in xs do
        let want = SpecialFunctions.GammaLn x
        let got = LogGamma.value x
        Assert.True(abs (got - want) <= 1e-13 * max 1.0 (abs want), $"lnΓ({x}): {got} vs {want}")

    Assert.True(Double.IsNaN(LogGamma.value 0.0) && Double.IsNaN(LogGamma.value -1.5))

/// Count models whose θ update is Gamma-Poisson: sizes that are (constant) × data, a parameter-dependent size, and
/// a shape that varies by element.
let private countVariant (k: int) =
    match k with
    | 0 ->
        model {
            let! alpha = sample "alpha" (Exponential 1.0)
            let! beta = sample "beta" (Gamma(0.1, 1.0))
            let! theta = sample "theta" (Gamma(alpha, beta)) |> over "g"
            do! observe "x" (Poisson(theta.[group "g"], data "t"))
        }
    | 1 ->
        model {
            let! alpha = sample "alpha" (Exponential 1.0)
            let! beta = sample "beta" (Gamma(0.1, 1.0))
            let! theta = sample "theta" (Gamma(alpha, beta)) |> over "g"
            do! observe "x" (Poisson(2.5 * theta.[group "g"] * data "t"))
        }
    | _ ->
        model {
            let! alpha = sample "alpha" (Exponential 1.0)
            let! beta = sample "beta" (Gamma(0.1, 1.0))
            let! theta = sample "theta" (Gamma(alpha, beta)) |> over "g"
            do! observe "x" (Poisson(theta.[group "g"] * (beta * data "t")))
        }

/// J groups of 1..5 rows with Poisson counts and positive exposures.
let private countData (r: Random) =
    let j = 1 + r.Next 6
    let sizes = Array.init j (fun _ -> 1 + r.Next 5)

    let g =
        [|
            for k in 0 .. j - 1 do
                yield! Array.create sizes.[k] (k + 1)
        |]

    Dataset.empty
    |> Dataset.integers "g" g
    |> Dataset.integers "x" (Array.init g.Length (fun _ -> r.Next 12))
    |> Dataset.reals "t" (Array.init g.Length (fun _ -> uniform r 0.2 20.0))

/// θ's Gamma-Poisson match in a bound model.
let private gammaPoissonOf (b: Bound) =
    match CountConjugacy.gammaPoisson.Recognise (Graph.expand b.Model) (Bound.node b "theta").Node with
    | RuleOutcome.Matched(a, rate, children) -> a, rate, children
    | other -> failwithf "expected a Gamma-Poisson match for theta, got %A" other

let ``fixed Gamma-Poisson sums equal the general per-row sums and give the same conditional parameters`` () =
    forAllSeeds (fun r ->
        let k = r.Next 2
        let b = Bind.bindOrThrow (countVariant k) (countData r)
        let target = Bound.node b "theta"
        let _, _, children = gammaPoissonOf b
        let s = Array.init b.Layout.Size (fun _ -> uniform r 0.3 2.0)
        let n = target.Copies
        let ys, sizes = Array.zeroCreate n, Array.zeroCreate n
        CountSums.countSums b target children s ys sizes

        match CountSums.staticCountSums b target children with
        | None -> false
        | Some(fixedYs, fixedSizes) ->
            let a, rate = s.[b.Layout.Offsets.["alpha"]], s.[b.Layout.Offsets.["beta"]]
            let close (x: float) (y: float) = abs (x - y) <= 1e-12 * (1.0 + abs y)

            Array.forall2 close fixedYs ys
            && Array.forall2 close fixedSizes sizes
            && Array.forall2
                (fun (p: GammaParams) (q: GammaParams) -> close p.Shape q.Shape && close p.Rate q.Rate)
                (Array.map2 (fun y e -> { Shape = a + y; Rate = rate + e }) fixedYs fixedSizes)
                (Array.map2 (ConjugatePosterior.gammaPoisson { Shape = a; Rate = rate }) ys sizes))

let ``Gamma-Poisson sums that depend on a parameter are not fixed at compile time`` () =
    let b = Bind.bindOrThrow (countVariant 2) (countData (rng 9))
    let _, _, children = gammaPoissonOf b
    Assert.True((CountSums.staticCountSums b (Bound.node b "theta") children).IsNone)

/// The BUGS pumps data: failures x and operating times t (1000s of hours) of 10 pumps.
let private pumpsData =
    Dataset.empty
    |> Dataset.labels "pump" (Array.init 10 string)
    |> Dataset.integers "x" [| 5; 1; 5; 14; 3; 19; 1; 1; 4; 22 |]
    |> Dataset.reals "t" [| 94.3; 15.7; 62.9; 126.0; 5.24; 31.4; 1.05; 1.05; 2.1; 10.5 |]

/// The pumps plan with α = 0.7, β = 0.9 and every θ = 1, and the θ update's index.
/// Pumps' plan under `settings` at α = 0.7, β = 0.9 (and every θ at 1).
let private pumpsAtUsing (settings: CompileSettings) =
    let plan = GibbsTests.planUsing settings Examples.pumps pumpsData
    let b = plan.Bound
    let values = Array.create b.Layout.Size 1.0
    values.[b.Layout.Offsets.["alpha"]] <- 0.7
    values.[b.Layout.Offsets.["beta"]] <- 0.9
    plan, Gibbs.initialStateFor plan 0 0 values

/// The one-node-at-a-time plan these kernel tests examine (α's collapsed slice, β, θ), without the tabulated step.
let private pumpsAt () =
    pumpsAtUsing (CompileSettings.Default.WithTabulatedHyperparameters false)

let ``pumps theta draws have the closed-form Gamma-Poisson conditional mean and variance`` () =
    let plan, state = pumpsAt ()
    let i = plan.Updates |> Array.findIndex (fun u -> u.Node = "theta")
    let off = plan.Bound.Layout.Offsets.["theta"]
    let r = rng 11
    let n = 40000

    let draws =
        Array.init n (fun _ ->
            Gibbs.runUpdate i r state
            Array.sub state.Values off 10)

    let xs = [| 5.0; 1.0; 5.0; 14.0; 3.0; 19.0; 1.0; 1.0; 4.0; 22.0 |]
    let ts = [| 94.3; 15.7; 62.9; 126.0; 5.24; 31.4; 1.05; 1.05; 2.1; 10.5 |]

    for j in 0..9 do
        let shape, rate = 0.7 + xs.[j], 0.9 + ts.[j]
        let v = draws |> Array.map (fun d -> d.[j])
        assertMean $"theta[{j}] mean" (shape / rate) v
        let m = shape / rate
        // E[(θ − m)²] = a/r² with draws independent: the squared deviations' mean within 4 MCSE.
        assertMean $"theta[{j}] variance" (shape / (rate * rate)) (v |> Array.map (fun t -> (t - m) * (t - m)))

let private sweepsAllocateNothing (plan: GibbsPlan, state: ChainState) =
    let r = rng 12

    let sweep () =
        for i in 0 .. plan.Updates.Length - 1 do
            Gibbs.runUpdate i r state

    for _ in 1..1000 do
        sweep ()

    // Five windows of 1000 sweeps: an allocation per sweep shows in every window (≥ 24 KB each), while a one-off
    // allocation by the runtime on this thread (seen once in a full parallel run: 3,472 B in one window) does not.
    let windows =
        Array.init 5 (fun _ ->
            let before = GC.GetAllocatedBytesForCurrentThread()

            for _ in 1..1000 do
                sweep ()

            GC.GetAllocatedBytesForCurrentThread() - before)

    Assert.True(Array.min windows = 0L, $"every window of 1000 pumps sweeps allocated: %A{windows} bytes")

let ``a pumps sweep allocates nothing`` () = sweepsAllocateNothing (pumpsAt ())

let ``a pumps sweep of the tabulated step allocates nothing`` () =
    sweepsAllocateNothing (pumpsAtUsing CompileSettings.Default)

let ``pumps beta draws have the closed-form Gamma rate-of-Gamma conditional mean and variance`` () =
    let plan, state = pumpsAt ()
    let b = plan.Bound
    let i = plan.Updates |> Array.findIndex (fun u -> u.Node = "beta")
    let thetaOff = b.Layout.Offsets.["theta"]
    let theta = [| 0.06; 0.1; 0.09; 0.12; 0.6; 0.6; 0.9; 0.9; 1.6; 2.0 |]
    Array.blit theta 0 state.Values thetaOff 10
    let r = rng 13
    let betaOff = b.Layout.Offsets.["beta"]

    let draws =
        Array.init 40000 (fun _ ->
            Gibbs.runUpdate i r state
            state.Values.[betaOff])

    // Gamma(0.1 + 10·α, 1 + Σθ) with α = 0.7.
    let shape, rate = 0.1 + 10.0 * 0.7, 1.0 + Array.sum theta
    let m = shape / rate
    assertMean "beta mean" m draws
    assertMean "beta variance" (shape / (rate * rate)) (draws |> Array.map (fun v -> (v - m) * (v - m)))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.PumpsKernelTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.PumpsKernelTests"
            [
                Expecto.Tests.testCase
                    "Marsaglia-Tsang Gamma draws follow the Gamma distribution function for shapes below and above one"
                    (fun () ->
                        ``Marsaglia-Tsang Gamma draws follow the Gamma distribution function for shapes below and above one`` ())
                Expecto.Tests.testCase
                    "Marsaglia-Tsang Gamma draws stay Gamma with a generator of only 31 random bits per double"
                    (fun () ->
                        ``Marsaglia-Tsang Gamma draws stay Gamma with a generator of only 31 random bits per double`` ())
                Expecto.Tests.testCase
                    "Gamma draws with an infinite or invalid parameter behave as MathNet's sampler"
                    (fun () -> ``Gamma draws with an infinite or invalid parameter behave as MathNet's sampler`` ())
                Expecto.Tests.testCase
                    "Stirling log-gamma agrees with MathNet's GammaLn to 1e-13 from 1e-8 to 1e12"
                    (fun () -> ``Stirling log-gamma agrees with MathNet's GammaLn to 1e-13 from 1e-8 to 1e12`` ())
                Expecto.Tests.testCase
                    "fixed Gamma-Poisson sums equal the general per-row sums and give the same conditional parameters"
                    (fun () ->
                        ``fixed Gamma-Poisson sums equal the general per-row sums and give the same conditional parameters`` ())
                Expecto.Tests.testCase
                    "Gamma-Poisson sums that depend on a parameter are not fixed at compile time"
                    (fun () -> ``Gamma-Poisson sums that depend on a parameter are not fixed at compile time`` ())
                Expecto.Tests.testCase
                    "pumps theta draws have the closed-form Gamma-Poisson conditional mean and variance"
                    (fun () ->
                        ``pumps theta draws have the closed-form Gamma-Poisson conditional mean and variance`` ())
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase "a pumps sweep allocates nothing" (fun () ->
                        ``a pumps sweep allocates nothing`` ())
                )
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase "a pumps sweep of the tabulated step allocates nothing" (fun () ->
                        ``a pumps sweep of the tabulated step allocates nothing`` ())
                )
                Expecto.Tests.testCase
                    "pumps beta draws have the closed-form Gamma rate-of-Gamma conditional mean and variance"
                    (fun () ->
                        ``pumps beta draws have the closed-form Gamma rate-of-Gamma conditional mean and variance`` ())
            ])
