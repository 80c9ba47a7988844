/// Running a Gibbs plan: the same seed gives the same draws at any thread count, the plan listing, monitoring a subset,
/// cancellation, and the refusals (an improper prior, an invalid argument, a numerical failure inside an update).
module HierFunctional.Tests.Gibbs.GibbsRunTests

open System
open HierFunctional.TestShim
open MathNet.Numerics
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests

let ``the same seed gives bit-identical draws with one and with four threads`` () =
    let plan = planOf Rules.builtIn eightSchools eightSchoolsData

    let o =
        SamplerOptions.Default.WithChains(4).WithWarmup(50).WithDraws(200).WithSeed(7)

    let one = Chains.run (o.WithThreads 1) plan
    let four = Chains.run (o.WithThreads 4) plan
    let again = Chains.run (o.WithThreads 4) plan
    Assert.Equal<float[][][]>(Posterior.toArray one, Posterior.toArray four)
    Assert.Equal<float[][][]>(Posterior.toArray four, Posterior.toArray again)

let ``different seeds give different draws`` () =
    let plan = planOf Rules.builtIn eightSchools eightSchoolsData
    let o = SamplerOptions.Default.WithChains(1).WithWarmup(10).WithDraws(20)

    Assert.NotEqual<float[][][]>(
        Posterior.toArray (Chains.run (o.WithSeed 1) plan),
        Posterior.toArray (Chains.run (o.WithSeed 2) plan)
    )

let ``the plan lists every node's update, whether it is exact, and why a node falls back to slice sampling`` () =
    let pumps = Examples.pumps

    let d =
        Dataset.empty
        |> Dataset.labels "pump" [| "1"; "2" |]
        |> Dataset.integers "x" [| 5; 1 |]
        |> Dataset.reals "t" [| 94.3; 15.7 |]

    // the one-node plan (the tabulated step would take all three nodes and leave no fallback to explain)
    let text =
        Gibbs.describe (planUsing (CompileSettings.Default.WithTabulatedHyperparameters false) pumps d)

    let lines = text.Split('\n')

    Assert.Equal(
        "alpha  markov       slice (collapsed beta)  (why: no conjugate rule covers its Exponential prior)",
        lines.[0]
    )

    Assert.Equal("beta   exact        Gamma rate of Gamma", lines.[1])
    Assert.Equal("theta  exact        Gamma-Poisson", lines.[2])

let ``monitoring a subset keeps only those nodes and derived quantities are recorded`` () =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfCauchy 5.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
            let! ratio = derived "tau2" (tau * tau)
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    let post =
        fit Rules.builtIn m eightSchoolsData (options.WithDraws(50).WithMonitor [ "tau"; "tau2" ])

    Assert.Equal<string[]>([| "tau"; "tau2" |], post.Names)
    let tau = Posterior.allChains "tau" post
    let tau2 = Posterior.allChains "tau2" post
    Assert.All(Array.zip tau tau2, fun (t, t2) -> Assert.Equal(t * t, t2, 12))

let ``options out of range are refused naming the parameter, when built and when run`` () =
    let thin =
        Assert.Throws<ArgumentOutOfRangeException>(fun () -> SamplerOptions.Default.WithThin 0 |> ignore)

    Assert.Equal("thin", thin.ParamName)
    Assert.Contains("thin must be at least 1, but was 0.", thin.Message)
    let plan = planOf Rules.builtIn eightSchools eightSchoolsData

    let chains =
        Assert.Throws<ArgumentOutOfRangeException>(fun () ->
            Chains.run
                { SamplerOptions.Default with
                    Chains = 0
                }
                plan
            |> ignore)

    Assert.Equal("Chains", chains.ParamName)

    Assert.Equal<string[]>(
        (SamplerOptions.Default.WithMonitor [ "tau"; "tau2" ]).Monitor,
        SamplerOptions.Default.WithMonitor("tau", "tau2").Monitor
    )

let ``a cancelled run returns the draws made so far, marked cancelled`` () =
    use cts = new Threading.CancellationTokenSource()

    let progress =
        { new IProgress<ChainProgress> with
            member _.Report p =
                if p.Iteration >= 300 then
                    cts.Cancel()
        }

    let o =
        SamplerOptions.Default
            .WithChains(1)
            .WithThreads(1)
            .WithWarmup(100)
            .WithDraws(100000)
            .WithProgress(progress)
            .WithCancellation(cts.Token)

    let post = Chains.run o (planOf Rules.builtIn eightSchools eightSchoolsData)
    Assert.True(post.Cancelled)
    Assert.InRange(post.DrawCount, 1, 100000 - 1)
    Assert.All(Posterior.allChains "tau" post, fun t -> Assert.True(t > 0.0 && Double.IsFinite t))

let ``a Flat prior on a node nothing informs is refused as improper`` () =
    let m =
        model {
            let! a = sample "a" (Flat Support.Real)
            let! b = sample "b" (Normal(0.0, 1.0))
            do! observe "y" (Normal(b, 1.0))
        }

    match
        Bind.bind m (Dataset.empty |> Dataset.reals "y" [| 1.0 |])
        |> Result.bind Gibbs.compile
    with
    | Error [ ModelError.ImproperPosterior("a", why) as e ] ->
        Assert.Contains("Flat", why)
        Assert.Contains("'a'", ModelError.describe e)
    | other -> failwithf "expected an improper-posterior error, got %A" other

let ``an invalid constant prior argument is refused at compile time naming the node and argument`` () =
    let m =
        model {
            let! theta = sample "theta" (Gamma(2.0, -1.0))
            do! observe "x" (Poisson theta)
        }

    match
        Bind.bind m (Dataset.empty |> Dataset.integers "x" [| 1 |])
        |> Result.bind Gibbs.compile
    with
    | Error [ ModelError.InvalidArgument("theta", "rate", _) as e ] -> Assert.Contains("'theta'", ModelError.describe e)
    | other -> failwithf "expected an invalid-argument error, got %A" other

let ``an argument refusal inside an update surfaces as a numerical failure naming the node and the update, a bug as itself``
    ()
    =
    // the one-node-at-a-time plan, whose second update is tau's
    let plan =
        planUsing (CompileSettings.Default.WithCollapsedNormal false) eightSchools eightSchoolsData

    let withBroken (run: System.Random -> ChainState -> unit) =
        let broken =
            { plan.Updates.[1] with
                Init = fun _ -> UpdateStep.scratch run
            }

        { plan with
            Updates = [| plan.Updates.[0]; broken; plan.Updates.[2] |]
        }

    let ex =
        Assert.Throws<ModelException>(fun () ->
            Chains.run (options.WithDraws 5) (withBroken (fun _ _ -> invalidArg "x" "boom"))
            |> ignore)

    Assert.Equal(ErrorKind.NumericalFailure, ex.Kind)
    Assert.Contains("'tau'", ex.Message)
    Assert.Contains("boom", ex.Message)

    // a programming error is not a numerical problem: it reaches the caller as its own exception
    let bug =
        Assert.Throws<System.AggregateException>(fun () ->
            Chains.run (options.WithDraws 5) (withBroken (fun _ _ -> invalidOp "bug"))
            |> ignore)

    Assert.All(bug.InnerExceptions, (fun e -> Assert.IsType<System.InvalidOperationException>(e) |> ignore))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.GibbsRunTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.GibbsRunTests"
            [
                Expecto.Tests.testCase
                    "the same seed gives bit-identical draws with one and with four threads"
                    (fun () -> ``the same seed gives bit-identical draws with one and with four threads`` ())
                Expecto.Tests.testCase "different seeds give different draws" (fun () ->
                    ``different seeds give different draws`` ())
                Expecto.Tests.testCase
                    "the plan lists every node's update, whether it is exact, and why a node falls back to slice sampling"
                    (fun () ->
                        ``the plan lists every node's update, whether it is exact, and why a node falls back to slice sampling`` ())
                Expecto.Tests.testCase
                    "monitoring a subset keeps only those nodes and derived quantities are recorded"
                    (fun () -> ``monitoring a subset keeps only those nodes and derived quantities are recorded`` ())
                Expecto.Tests.testCase
                    "options out of range are refused naming the parameter, when built and when run"
                    (fun () -> ``options out of range are refused naming the parameter, when built and when run`` ())
                Expecto.Tests.testCase "a cancelled run returns the draws made so far, marked cancelled" (fun () ->
                    ``a cancelled run returns the draws made so far, marked cancelled`` ())
                Expecto.Tests.testCase "a Flat prior on a node nothing informs is refused as improper" (fun () ->
                    ``a Flat prior on a node nothing informs is refused as improper`` ())
                Expecto.Tests.testCase
                    "an invalid constant prior argument is refused at compile time naming the node and argument"
                    (fun () ->
                        ``an invalid constant prior argument is refused at compile time naming the node and argument`` ())
                Expecto.Tests.testCase
                    "an argument refusal inside an update surfaces as a numerical failure naming the node and the update, a bug as itself"
                    (fun () ->
                        ``an argument refusal inside an update surfaces as a numerical failure naming the node and the update, a bug as itself`` ())
            ])
