/// The start of a chain (issue 16): BUGS semantics of given values, the default start of a vague precision near its
/// prior mean, refusal of degenerate or unsupported given values by name, and a property: the default and prior-draw
/// starts are finite for vague precision priors.
module HierFunctional.Tests.Gibbs.StartValueTests

open System
open HierFunctional.TestShim
open FsCheck.FSharp
open MathNet.Numerics.Random
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.InitialValueTests
open type Distributions

let private startOf (plan: GibbsPlan) (initial: Initial) (seed: int) =
    Chains.start plan (SamplerOptions.Default.WithInitial initial) (Xoshiro256StarStar(seed, false))

let private valuesOf (plan: GibbsPlan) (state: float[]) (name: string) =
    match Layout.get plan.Bound state name with
    | Value.Scalar x -> [| x |]
    | Value.Vector xs -> xs
    | Value.Matrix m -> Seq.cast<float> m |> Array.ofSeq

let ``given tau starts the unlisted random effects from Normal(0, 1/sqrt tau) around their typical value`` () =
    let plan = planOf Rules.builtIn seeds seedsData

    for tau, seed in [ 1.0, 1; 1.0, 2; 100.0, 3; 100.0, 4; 1e4, 5 ] do
        let s = startOf plan (Initial.given [ "tau", Value.Scalar tau ]) seed
        let b = valuesOf plan s "b"
        // typical value 0, jitter uniform(−2, 2) × min(1, sd) with sd = 1/√τ
        let bound = 2.0 * min 1.0 (1.0 / sqrt tau)
        Assert.Equal(tau, (valuesOf plan s "tau").[0])
        Assert.All(b, fun x -> Assert.True(Double.IsFinite x && abs x <= bound, $"b = {x} with tau = {tau}"))
        Assert.True(Double.IsFinite(plan.Density.Joint s))

let ``given values built from pairs or node by node start the chain alike, matrices flattened by rows`` () =
    let plan = planOf Rules.builtIn seeds seedsData

    let b =
        Array.init (valuesOf plan (startOf plan Initial.Typical 1) "b").Length (fun i -> 0.01 * float i)

    let fromPairs =
        Initial.given [ "tau", Value.Scalar 2.0; "b", Value.Vector b; "tau", Value.Scalar 4.0 ]

    let nodeByNode =
        SamplerOptions.Default.WithInitialValue("tau", 2.0).WithInitialValue("b", b).WithInitialValue("tau", 4.0)

    for seed in 1..3 do
        let viaOptions = Chains.start plan nodeByNode (Xoshiro256StarStar(seed, false))
        Assert.Equal<float[]>(startOf plan fromPairs seed, viaOptions)
        Assert.Equal(4.0, (valuesOf plan viaOptions "tau").[0])

    match Initial.given [ "S", Value.Matrix(array2D [ [ 1.0; 2.0; 3.0 ]; [ 4.0; 5.0; 6.0 ] ]) ] with
    | Initial.Given values -> Assert.Equal<float[]>([| 1.0; 2.0; 3.0; 4.0; 5.0; 6.0 |], values.["S"])
    | other -> failwithf "expected given values, got %A" other

let ``the default start of a Gamma(0.001, 0.001) precision is near its prior mean 1, not an underflowed draw`` () =
    let plan = planOf Rules.builtIn seeds seedsData

    for seed in 1..50 do
        let tau = (valuesOf plan (startOf plan Initial.Typical seed) "tau").[0]
        Assert.InRange(tau, exp -2.0, exp 2.0)

let ``a given value outside its node's support is refused by name with what to give instead`` () =
    let plan = planOf Rules.builtIn seeds seedsData

    for name, v, needs in
        [
            "tau", 0.0, "positive"
            "tau", infinity, "positive"
            "tau", 1e-320, "positive"
            "alpha0", nan, "finite"
            "alpha1", -infinity, "finite"
        ] do
        let ex =
            Assert.Throws<ModelException>(fun () -> startOf plan (Initial.given [ name, Value.Scalar v ]) 1 |> ignore)

        Assert.Equal(ErrorKind.InvalidInitialValue, ex.Kind)
        Assert.Contains($"'{name}'", ex.Message)
        Assert.Contains(needs, ex.Message)

    let probability =
        model {
            let! p = sample "p" (Beta(1.0, 1.0)) |> over "g"
            do! observe "k" (Binomial(data "n", p.[group "g"]))
        }

    let data =
        Dataset.empty
        |> Dataset.labels "g" [| "a"; "b" |]
        |> Dataset.integers "k" [| 1; 2 |]
        |> Dataset.integers "n" [| 3; 4 |]

    let plan2 = planOf Rules.builtIn probability data

    let ex =
        Assert.Throws<ModelException>(fun () ->
            startOf plan2 (Initial.given [ "p", Value.Vector [| 0.5; 1.0 |] ]) 1 |> ignore)

    Assert.Equal(
        ModelError.InvalidInitialValue("p[2]", 1.0, "a probability strictly between 0 and 1, e.g. 0.5"),
        ex.Error
    )

let ``a start whose likelihood is not finite names the observed node, its row and the values it reads`` () =
    let m =
        model {
            let! eta = sample "eta" (Normal(0.0, vagueSd))
            do! observe "y" (Poisson(exp eta))
        }

    let plan = planOf Rules.builtIn m (Dataset.empty |> Dataset.integers "y" [| 3; 1 |])

    let ex =
        Assert.Throws<ModelException>(fun () -> startOf plan (Initial.given [ "eta", Value.Scalar 800.0 ]) 1 |> ignore)

    Assert.Equal(ErrorKind.NumericalFailure, ex.Kind)
    Assert.Contains("node 'y'", ex.Message)
    Assert.Contains("row 1", ex.Message)
    Assert.Contains("eta = 800", ex.Message)
    Assert.DoesNotContain("(initial values)", ex.Message)

let ``prior draws that are all degenerate are refused by name and point to the typical start`` () =
    let m =
        model {
            let! tau = sample "tau" (Gamma(1e-8, 1e-8))
            do! observe "y" (Normal(0.0, 1.0 / sqrt tau))
        }

    let plan =
        planOf Rules.builtIn m (Dataset.empty |> Dataset.reals "y" [| 0.3; -1.2 |])

    let ex =
        Assert.Throws<ModelException>(fun () -> startOf plan Initial.FromPrior 1 |> ignore)

    Assert.Equal(ErrorKind.NumericalFailure, ex.Kind)
    Assert.Contains("'tau'", ex.Message)
    Assert.Contains("Initial.Typical", ex.Message)
    Assert.InRange((valuesOf plan (startOf plan Initial.Typical 1) "tau").[0], exp -2.0, exp 2.0)

/// A seeds-like logistic random-effects model with precision prior Gamma(shape, rate) and coefficients Normal(0, sd).
let private vagueModel (shape: float) (rate: float) (sd: float) =
    model {
        let! a0 = sample "alpha0" (Normal(0.0, sd))
        let! tau = sample "tau" (Gamma(shape, rate))
        let! b = sample "b" (Normal(a0, 1.0 / sqrt tau)) |> over "plate"
        do! observe "r" (Binomial(data "n", invLogit b.[group "plate"]))
    }

let ``the default and the prior-draw starts are finite and never degenerate for vague precision priors`` () =
    let small = Gen.elements [ 1e-6; 1e-4; 1e-3; 1e-2; 0.1; 1.0 ]
    let sds = Gen.elements [ 1.0; 100.0; 1000.0; 1e5 ]
    let seeds = Gen.choose (0, 1_000_000)

    Prop.forAll (Arb.fromGen (Gen.zip (Gen.zip small small) (Gen.zip sds seeds))) (fun ((shape, rate), (sd, seed)) ->
        let plan = planOf Rules.builtIn (vagueModel shape rate sd) seedsData
        let typical = startOf plan Initial.Typical seed
        let tau = (valuesOf plan typical "tau").[0]
        let b = valuesOf plan typical "b"

        let typicalOk =
            Double.IsFinite(plan.Density.Joint typical)
            && tau >= exp -StartValues.MaxLogPositive
            && tau <= exp StartValues.MaxLogPositive
            && Array.forall Double.IsFinite b

        // a prior draw either starts at a non-degenerate value or is refused with a typed error naming tau
        let priorOk =
            try
                let s = startOf plan Initial.FromPrior seed
                let t = (valuesOf plan s "tau").[0]
                Double.IsFinite(plan.Density.Joint s) && t >= StartValues.DegenerateBelow
            with :? ModelException as e ->
                e.Kind = ErrorKind.NumericalFailure && e.Message.Contains "'tau'"

        typicalOk && priorOk)
    |> fun prop -> FsCheck.Check.One(HierFunctional.Tests.TestConfig.quick.WithMaxTest 100, prop)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.StartValueTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.StartValueTests"
            [
                Expecto.Tests.testCase
                    "given values built from pairs or node by node start the chain alike, matrices flattened by rows"
                    (fun () ->
                        ``given values built from pairs or node by node start the chain alike, matrices flattened by rows`` ())
                Expecto.Tests.testCase
                    "given tau starts the unlisted random effects from Normal(0, 1/sqrt tau) around their typical value"
                    (fun () ->
                        ``given tau starts the unlisted random effects from Normal(0, 1/sqrt tau) around their typical value`` ())
                Expecto.Tests.testCase
                    "the default start of a Gamma(0.001, 0.001) precision is near its prior mean 1, not an underflowed draw"
                    (fun () ->
                        ``the default start of a Gamma(0.001, 0.001) precision is near its prior mean 1, not an underflowed draw`` ())
                Expecto.Tests.testCase
                    "a given value outside its node's support is refused by name with what to give instead"
                    (fun () ->
                        ``a given value outside its node's support is refused by name with what to give instead`` ())
                Expecto.Tests.testCase
                    "a start whose likelihood is not finite names the observed node, its row and the values it reads"
                    (fun () ->
                        ``a start whose likelihood is not finite names the observed node, its row and the values it reads`` ())
                Expecto.Tests.testCase
                    "prior draws that are all degenerate are refused by name and point to the typical start"
                    (fun () ->
                        ``prior draws that are all degenerate are refused by name and point to the typical start`` ())
                Expecto.Tests.testCase
                    "the default and the prior-draw starts are finite and never degenerate for vague precision priors"
                    (fun () ->
                        ``the default and the prior-draw starts are finite and never degenerate for vague precision priors`` ())
            ])
