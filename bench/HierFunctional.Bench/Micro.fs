/// BenchmarkDotNet micro-benchmarks of the hot paths: one run of each kind of update (on a canonical model whose
/// plan uses it), the slice sampler, and log-density evaluation; MemoryDiagnoser reports allocations.
module HierFunctional.Bench.Micro

open System
open BenchmarkDotNet.Attributes
open BenchmarkDotNet.Running
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Bench.Measure

/// A model's plan with a warmed-up chain state, and one of its updates picked by method name.
type private Fixture(m: Models.BenchModel, methodPrefix: string) =
    let plan = compile m.Model m.Data
    let rng, state = Sweeps.warmState plan 1 200

    let index =
        plan.Updates |> Array.findIndex (fun u -> u.Method.StartsWith methodPrefix)

    member _.Plan = plan
    member _.State = state
    member _.Rng = rng

    member _.RunUpdate() = Gibbs.runUpdate index rng state

    member _.Sweep() = Gibbs.sweep plan rng state

let private model name =
    Models.all () |> List.find (fun m -> m.Name = name)

/// One update of each conjugate kind, one slice update, one full sweep.
[<MemoryDiagnoser>]
type Updates() =
    let mutable normalMean = Unchecked.defaultof<Fixture>
    let mutable normalScale = Unchecked.defaultof<Fixture>
    let mutable betaBinomial = Unchecked.defaultof<Fixture>
    let mutable gammaPoisson = Unchecked.defaultof<Fixture>
    let mutable mvLinear = Unchecked.defaultof<Fixture>
    let mutable slice = Unchecked.defaultof<Fixture>
    let mutable interweave = Unchecked.defaultof<Fixture>
    let mutable radon = Unchecked.defaultof<Fixture>

    [<GlobalSetup>]
    member _.Setup() =
        normalMean <- Fixture(model "radon", "Normal-Normal")
        normalScale <- Fixture(model "radon", "Normal scale")
        betaBinomial <- Fixture(model "rats", "Beta-Binomial")
        gammaPoisson <- Fixture(model "pumps", "Gamma-Poisson")
        mvLinear <- Fixture(model "sleepstudy", "MvNormal-linear")
        slice <- Fixture(model "pumps", "slice")
        interweave <- Fixture(model "radon", "interweaving")
        radon <- Fixture(model "radon", "Normal-Normal")

    /// Normal-Normal update of radon's first Normal-mean node (mu).
    [<Benchmark>]
    member _.NormalMean() = normalMean.RunUpdate()

    /// Normal scale update of radon's tau (from sufficient statistics over the counties).
    [<Benchmark>]
    member _.NormalScale() = normalScale.RunUpdate()

    /// Beta-Binomial update of the 71 rat-tumour rates.
    [<Benchmark>]
    member _.BetaBinomial() = betaBinomial.RunUpdate()

    /// Gamma-Poisson update of the 10 pump failure rates.
    [<Benchmark>]
    member _.GammaPoisson() = gammaPoisson.RunUpdate()

    /// MvNormal-linear update of sleepstudy's 18 intercept-slope pairs.
    [<Benchmark>]
    member _.MvNormalLinear() = mvLinear.RunUpdate()

    /// Slice update of pumps' alpha (Markov blanket: its prior and 10 Gamma terms).
    [<Benchmark>]
    member _.SliceAlpha() = slice.RunUpdate()

    /// The interweaving (ASIS) step of radon.
    [<Benchmark>]
    member _.Interweave() = interweave.RunUpdate()

    /// A whole radon sweep (85 counties, 919 rows).
    [<Benchmark>]
    member _.RadonSweep() = radon.Sweep()

/// The slice sampler on a standard normal, and log-density evaluation.
[<MemoryDiagnoser>]
type Densities() =
    let mutable pumps = Unchecked.defaultof<Fixture>
    let mutable blanket = Unchecked.defaultof<float[] -> float>
    let rng = MathNet.Numerics.Random.Xoshiro256StarStar(1, false) :> Random
    let logDensity = Func<float, float>(fun x -> -0.5 * x * x)
    let mutable x = 0.3

    [<GlobalSetup>]
    member _.Setup() =
        pumps <- Fixture(model "pumps", "slice")
        blanket <- pumps.Plan.Density.Blanket "alpha"

    /// One slice step (stepping out, shrinkage) on N(0, 1).
    [<Benchmark>]
    member _.SliceStep() =
        x <- (Slice.step rng logDensity.Invoke 1.0 50 x).Value
        x

    /// The joint log-density of pumps.
    [<Benchmark>]
    member _.PumpsJoint() =
        pumps.Plan.Density.Joint pumps.State.Values

    /// The Markov blanket of pumps' alpha (11 terms).
    [<Benchmark>]
    member _.PumpsAlphaBlanket() = blanket pumps.State.Values

/// Runs BenchmarkDotNet with the given arguments (e.g. --filter '*').
let run (args: string[]) =
    BenchmarkSwitcher.FromTypes([| typeof<Updates>; typeof<Densities> |]).Run(args)
    |> ignore
