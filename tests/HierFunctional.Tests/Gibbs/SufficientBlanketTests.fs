module HierFunctional.Tests.Gibbs.SufficientBlanketTests

open System
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.MonteCarlo
open type Distributions

// ---------------------------------------------------------------- O(1) blankets equal the generic blankets

/// The generic blanket of a set of moved nodes: their priors and every term that reads them, each once.
let private genericBlanket (d: CompiledDensity) (moved: string list) (s: float[]) =
    moved
    |> List.collect (fun n -> { Term.Node = n; Copy = 0 } :: List.ofArray d.Dependents.[n].[0])
    |> List.distinct
    |> List.sumBy (fun t -> d.Term t s)

/// A child family over a group, its two hyperparameters' priors, and a draw of a child value in its support.
type private Family =
    {
        Name: string
        Child: Expr -> Expr -> Dist
        /// A child value from a uniform in (0, 1) and a location offset (for families on the real line).
        Value: float -> float -> float
    }

let private families =
    [|
        {
            Name = "Gamma"
            Child = fun a b -> Gamma(a, b)
            Value = fun u _ -> 0.05 + 20.0 * u
        }
        {
            Name = "InverseGamma"
            Child = fun a b -> InverseGamma(a, b)
            Value = fun u _ -> 0.05 + 20.0 * u
        }
        {
            Name = "Beta"
            Child = fun a b -> Beta(a, b)
            Value = fun u _ -> 0.001 + 0.998 * u
        }
        {
            Name = "Normal"
            Child = fun a b -> Normal(a, b)
            Value = fun u offset -> offset + 10.0 * (u - 0.5)
        }
        {
            Name = "LogNormal"
            Child = fun a b -> LogNormal(a, b)
            Value = fun u _ -> 0.01 + 50.0 * u
        }
        {
            Name = "Exponential"
            Child = fun a _ -> Exponential a
            Value = fun u _ -> 30.0 * u
        }
    |]

/// a ~ Gamma(2, 1), b ~ Gamma(2, 1), theta[g] ~ family(a, b), y ~ Normal(theta[g], 1): theta's copies are iid
/// given (a, b) and are the children the O(1) blanket summarises.
let private familyModel (f: Family) (groups: int) =
    let m =
        model {
            let! a = sample "a" (Gamma(2.0, 1.0))
            let! b = sample "b" (Gamma(2.0, 1.0))
            let! theta = sample "theta" (f.Child a b) |> over "g"
            do! observe "y" (Normal(theta.[group "g"], 1.0))
        }

    let labels = Array.init groups (fun j -> $"g{j}")

    Dataset.empty
    |> Dataset.labels "g" labels
    |> Dataset.reals "y" (Array.init groups float)
    |> Bind.bindOrThrow m

let private relClose (tol: float) (expected: float) (actual: float) =
    let ok = abs (expected - actual) <= tol * max 1.0 (abs expected)

    if not ok then
        printfn $"expected {expected}, got {actual}"

    ok

let ``the O(1) blanket from sufficient statistics equals the generic blanket on random states`` () =
    let prop (seed: int) =
        let r = rng seed
        let f = families.[r.Next families.Length]
        let groups = 1 + r.Next 40
        let b = familyModel f groups
        let d = LogDensity.compile b
        // Far from zero for the Normal family, so the centred sums are what keeps 1e-10.
        let offset =
            if r.NextDouble() < 0.5 then
                0.0
            else
                1000.0 * (r.NextDouble() - 0.5)

        let theta = Array.init groups (fun _ -> f.Value (r.NextDouble()) offset)

        let s =
            Layout.ofValues
                b
                [
                    "a", Value.Scalar(0.05 + 10.0 * r.NextDouble())
                    "b", Value.Scalar(0.05 + 10.0 * r.NextDouble())
                    "theta", Value.Vector theta
                ]

        [ [ "a" ]; [ "b" ]; [ "a"; "b" ] ]
        |> List.forall (fun moved ->
            match SufficientBlanket.tryCreate d moved with
            | Some sb when sb.Summarised = [| "theta" |] ->
                let stats = Array.zeroCreate sb.Size
                sb.Fill s stats
                relClose 1e-10 (genericBlanket d moved s) (sb.Eval s stats)
            | Some _ -> false
            // Exponential(a) does not read b: b's blanket has no child to summarise.
            | None -> f.Name = "Exponential" && moved = [ "b" ])

    Prop.forAll (Arb.fromGen (Gen.choose (0, Int32.MaxValue))) prop
    |> fun p -> Check.One(HierFunctional.Tests.TestConfig.quick.WithMaxTest 200, p)

let ``the O(1) blanket tracks the moved parameters without refilling the statistics`` () =
    let b = familyModel families.[2] 12
    let d = LogDensity.compile b
    let r = rng 5
    let theta = Array.init 12 (fun _ -> 0.05 + 0.9 * r.NextDouble())

    let s =
        Layout.ofValues b [ "a", Value.Scalar 2.0; "b", Value.Scalar 3.0; "theta", Value.Vector theta ]

    let sb = (SufficientBlanket.tryCreate d [ "a"; "b" ]).Value
    let stats = Array.zeroCreate sb.Size
    sb.Fill s stats
    let offA, offB = b.Layout.Offsets.["a"], b.Layout.Offsets.["b"]

    for _ in 1..50 do
        s.[offA] <- 0.01 + 20.0 * r.NextDouble()
        s.[offB] <- 0.01 + 20.0 * r.NextDouble()
        Assert.True(relClose 1e-10 (genericBlanket d [ "a"; "b" ] s) (sb.Eval s stats))

    // Outside the hyperparameters' support both give −∞.
    s.[offA] <- -1.0
    Assert.Equal(Double.NegativeInfinity, sb.Eval s stats)
    Assert.Equal(Double.NegativeInfinity, genericBlanket d [ "a"; "b" ] s)

let ``a child on the edge of its support falls back to the generic terms`` () =
    let b = familyModel families.[2] 4
    let d = LogDensity.compile b

    // theta = 0 with a = 1: the generic Beta term is finite (0·log 0 = 0), Σ log θ is not.
    let s =
        Layout.ofValues
            b
            [
                "a", Value.Scalar 1.0
                "b", Value.Scalar 3.0
                "theta", Value.Vector [| 0.0; 0.2; 0.5; 0.7 |]
            ]

    let sb = (SufficientBlanket.tryCreate d [ "b" ]).Value
    let stats = Array.zeroCreate sb.Size
    sb.Fill s stats
    let generic = genericBlanket d [ "b" ] s
    Assert.True(Double.IsFinite generic)
    Assert.True(relClose 1e-12 generic (sb.Eval s stats))

let ``children whose arguments read per-row data are not summarised`` () =
    let m =
        model {
            let! a = sample "a" (Gamma(2.0, 1.0))
            let! theta = sample "theta" (Gamma(a * data "w", 1.0)) |> over "g"
            do! observe "y" (Normal(theta.[group "g"], 1.0))
        }

    let b =
        Dataset.empty
        |> Dataset.labels "g" [| "p"; "q"; "r" |]
        |> Dataset.reals "y" [| 1.0; 2.0; 3.0 |]
        |> Dataset.reals "w" [| 1.0; 2.0; 3.0 |]
        |> Bind.bindOrThrow m

    Assert.True((SufficientBlanket.tryCreate (LogDensity.compile b) [ "a" ]).IsNone)

let ``pumps and rat tumours slice updates use the O(1) blanket`` () =
    let pumps =
        Dataset.empty
        |> Dataset.labels "pump" (Array.init 4 string)
        |> Dataset.integers "x" [| 5; 1; 5; 14 |]
        |> Dataset.reals "t" [| 94.3; 15.7; 62.9; 126.0 |]
        |> Bind.bindOrThrow Examples.pumps

    let rats =
        Dataset.empty
        |> Dataset.labels "experiment" (Array.init 3 string)
        |> Dataset.integers "y" [| 0; 2; 4 |]
        |> Dataset.integers "n" [| 20; 19; 18 |]
        |> Bind.bindOrThrow Examples.rats

    for b, moved in [ pumps, [ "alpha" ]; rats, [ "alpha"; "beta" ] ] do
        let sb = SufficientBlanket.tryCreate (LogDensity.compile b) moved
        Assert.Equal<string[]>([| "theta" |], sb.Value.Summarised)

// ---------------------------------------------------------------- collapsed Gamma rate (pumps)

let ``the pumps shape update with the rate integrated out leaves the exact joint conditional of shape and rate invariant``
    ()
    =
    let m =
        model {
            let! alpha = sample "alpha" (Exponential 1.0)
            let! beta = sample "beta" (Gamma(2.0, 1.0))
            let! theta = sample "theta" (Gamma(alpha, beta)) |> over "pump"
            do! observe "x" (Poisson(theta.[group "pump"], data "t"))
        }

    let theta = [| 0.3; 1.1; 0.7; 2.4; 0.05 |]

    let b =
        Dataset.empty
        |> Dataset.labels "pump" (Array.init 5 string)
        |> Dataset.integers "x" [| 1; 2; 0; 5; 0 |]
        |> Dataset.reals "t" [| 2.0; 3.0; 1.0; 2.0; 1.5 |]
        |> Bind.bindOrThrow m

    // the one-node plan: the tabulated Gamma-Poisson step would move alpha, beta and theta together
    let plan =
        match Gibbs.compileUsing (CompileSettings.Default.WithTabulatedHyperparameters false) b with
        | Ok p -> p
        | Error e -> failwith $"%A{e}"

    let i = plan.Updates |> Array.findIndex (fun u -> u.Node = "alpha")
    Assert.Equal("slice (collapsed beta)", plan.Updates.[i].Method)

    let state =
        Gibbs.initialStateFor
            plan
            0
            0
            (Layout.ofValues
                b
                [
                    "alpha", Value.Scalar 1.0
                    "beta", Value.Scalar 1.0
                    "theta", Value.Vector theta
                ])

    // The exact joint conditional p(α, β | θ) on a grid (generic log-densities, no sufficient statistics).
    let logJoint a be =
        MathNet.Numerics.Distributions.Exponential.PDFLn(1.0, a)
        + MathNet.Numerics.Distributions.Gamma.PDFLn(2.0, 1.0, be)
        + (theta
           |> Array.sumBy (fun t -> MathNet.Numerics.Distributions.Gamma.PDFLn(a, be, t)))

    let na, nb, amax, bmax = 600, 600, 12.0, 20.0
    let ha, hb = amax / float na, bmax / float nb

    let grid =
        Array2D.init na nb (fun p q -> logJoint ((float p + 0.5) * ha) ((float q + 0.5) * hb))

    let top = grid |> Seq.cast<float> |> Seq.max
    let w = grid |> Array2D.map (fun l -> exp (l - top))
    let z = w |> Seq.cast<float> |> Seq.sum

    let expect (g: float -> float -> float) =
        let mutable acc = 0.0

        for p in 0 .. na - 1 do
            for q in 0 .. nb - 1 do
                acc <- acc + w.[p, q] * g ((float p + 0.5) * ha) ((float q + 0.5) * hb)

        acc / z

    let ea, eb = expect (fun a _ -> a), expect (fun _ be -> be)
    let va = expect (fun a _ -> (a - ea) * (a - ea))
    let r = rng 41
    let offA, offB = b.Layout.Offsets.["alpha"], b.Layout.Offsets.["beta"]
    let n = 60000
    let alphas = Array.zeroCreate n
    let betas = Array.zeroCreate n

    for k in 0 .. n - 1 do
        Gibbs.runUpdate i r state
        alphas.[k] <- state.Values.[offA]
        betas.[k] <- state.Values.[offB]

    assertWithin4Mcse "alpha mean" ea (batchMeanMcse alphas)
    assertWithin4Mcse "beta mean" eb (batchMeanMcse betas)
    assertWithin4Mcse "alpha variance" va (batchMeanMcse (alphas |> Array.map (fun a -> (a - ea) * (a - ea))))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.SufficientBlanketTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.SufficientBlanketTests"
            [
                Expecto.Tests.testCase
                    "the O(1) blanket from sufficient statistics equals the generic blanket on random states"
                    (fun () ->
                        ``the O(1) blanket from sufficient statistics equals the generic blanket on random states`` ())
                Expecto.Tests.testCase
                    "the O(1) blanket tracks the moved parameters without refilling the statistics"
                    (fun () -> ``the O(1) blanket tracks the moved parameters without refilling the statistics`` ())
                Expecto.Tests.testCase "a child on the edge of its support falls back to the generic terms" (fun () ->
                    ``a child on the edge of its support falls back to the generic terms`` ())
                Expecto.Tests.testCase "children whose arguments read per-row data are not summarised" (fun () ->
                    ``children whose arguments read per-row data are not summarised`` ())
                Expecto.Tests.testCase "pumps and rat tumours slice updates use the O(1) blanket" (fun () ->
                    ``pumps and rat tumours slice updates use the O(1) blanket`` ())
                Expecto.Tests.testCase
                    "the pumps shape update with the rate integrated out leaves the exact joint conditional of shape and rate invariant"
                    (fun () ->
                        ``the pumps shape update with the rate integrated out leaves the exact joint conditional of shape and rate invariant`` ())
            ])
