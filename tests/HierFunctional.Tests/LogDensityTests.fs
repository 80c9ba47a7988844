module HierFunctional.Tests.LogDensityTests

open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Testing
open type Distributions

let check prop =
    Check.One(TestConfig.quick.WithMaxTest 200, prop)

/// A property with its number of cases, for `property` below.
let private casesOf (n: int) (prop: Property) = n, prop

/// The Expecto test of a property function of this file, from the suite's fixed replay seed.
let private property (name: string) (f: unit -> int * Property) =
    let n, prop = f ()
    Expecto.ExpectoFsCheck.testPropertyWithConfig { TestConfig.fsCheck with maxTest = n } name prop

let close (tol: float) (expected: float) (actual: float) =
    abs (expected - actual) <= tol * max 1.0 (abs expected)

let assertClose (tol: float) (expected: float) (actual: float) =
    Assert.True(close tol expected actual, $"expected {expected}, got {actual} (relative tolerance {tol})")

let compiled (c: ModelCase) =
    let b = Bind.bindOrThrow (ModelGenerators.toModel c) (ModelGenerators.toData c)
    b, LogDensity.compile b, ModelGenerators.toState b c

let ``the compiled joint equals the sum of per-node log-pdfs computed by hand`` () =
    Prop.forAll (Arb.fromGen ModelGenerators.case) (fun c ->
        let _, d, s = compiled c
        close 1e-9 (ModelGenerators.oracleJoint c) (d.Joint s))
    |> casesOf 200

let ``pointwise log-likelihoods equal the per-row log-pdfs and the deviance is minus twice their sum`` () =
    Prop.forAll (Arb.fromGen ModelGenerators.case) (fun c ->
        let _, d, s = compiled c
        let expected = ModelGenerators.oracleLogLik c
        let actual = d.PointwiseLogLik s

        actual.Length = expected.Length
        && Array.forall2 (close 1e-9) expected actual
        && close 1e-9 (-2.0 * Array.sum expected) (d.Deviance s))
    |> casesOf 200

let ``the Markov blanket of a node differs from the joint by a term free of that node`` () =
    Prop.forAll (Arb.fromGen ModelGenerators.caseWithAlternative) (fun (c, alt) ->
        let b, d, s1 = compiled c

        c.Values
        |> Map.forall (fun name _ ->
            let s2 =
                ModelGenerators.toState
                    b
                    { c with
                        Values = c.Values.Add(name, alt.[name])
                    }

            let jointGap = d.Joint s1 - d.Joint s2
            let blanketGap = d.Blanket name s1 - d.Blanket name s2
            close 1e-9 jointGap blanketGap))
    |> casesOf 200

let ``the blanket of one element differs from the joint by a term free of that element`` () =
    Prop.forAll (Arb.fromGen ModelGenerators.caseWithAlternative) (fun (c, alt) ->
        let b, d, s1 = compiled c

        c.Values
        |> Map.forall (fun name values ->
            values
            |> Array.mapi (fun j _ ->
                let changed = Array.updateAt j alt.[name].[j] values

                let s2 =
                    ModelGenerators.toState
                        b
                        { c with
                            Values = c.Values.Add(name, changed)
                        }

                close 1e-9 (d.Joint s1 - d.Joint s2) (d.BlanketElement name j s1 - d.BlanketElement name j s2))
            |> Array.forall id))
    |> check

/// log|dx/du| of the standard transforms, written out per support: 0, log x, log x + log(1 − x).
let handLogJacobian (b: Bound) (s: float[]) =
    Bound.parameters b
    |> List.sumBy (fun info ->
        let off = b.Layout.Offsets.[info.Node.Name]
        let xs = Array.sub s off info.Copies

        match info.Node.Kind with
        | NodeKind.Parameter d ->
            match Dist.support d with
            | Support.Positive -> xs |> Array.sumBy log
            | Support.UnitInterval -> xs |> Array.sumBy (fun x -> log x + log (1.0 - x))
            | _ -> 0.0
        | _ -> 0.0)

let ``the unconstrained joint is the joint plus the log-Jacobians and the transforms round-trip`` () =
    Prop.forAll (Arb.fromGen ModelGenerators.case) (fun c ->
        let b, d, s = compiled c
        let u = d.ToUnconstrained s
        let back = d.FromUnconstrained u

        u.Length = b.Layout.UnconstrainedSize
        && Array.forall2 (close 1e-9) s back
        && close 1e-9 (d.Joint s + handLogJacobian b s) (d.JointUnconstrained u))
    |> casesOf 200

let ``the joint is minus infinity when a scale parameter is negative`` () =
    let b = Bind.bindOrThrow BindTests.eightSchools BindTests.schoolsData
    let d = LogDensity.compile b

    let s =
        Layout.ofValues
            b
            [
                "mu", Value.Scalar 0.0
                "tau", Value.Scalar -1.0
                "theta", Value.Vector(Array.zeroCreate 8)
            ]

    Assert.Equal(-infinity, d.Joint s)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.LogDensityTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.LogDensityTests"
            [
                property
                    "the compiled joint equals the sum of per-node log-pdfs computed by hand"
                    ``the compiled joint equals the sum of per-node log-pdfs computed by hand``
                property
                    "pointwise log-likelihoods equal the per-row log-pdfs and the deviance is minus twice their sum"
                    ``pointwise log-likelihoods equal the per-row log-pdfs and the deviance is minus twice their sum``
                property
                    "the Markov blanket of a node differs from the joint by a term free of that node"
                    ``the Markov blanket of a node differs from the joint by a term free of that node``
                Expecto.Tests.testCase
                    "the blanket of one element differs from the joint by a term free of that element"
                    (fun () -> ``the blanket of one element differs from the joint by a term free of that element`` ())
                property
                    "the unconstrained joint is the joint plus the log-Jacobians and the transforms round-trip"
                    ``the unconstrained joint is the joint plus the log-Jacobians and the transforms round-trip``
                Expecto.Tests.testCase "the joint is minus infinity when a scale parameter is negative" (fun () ->
                    ``the joint is minus infinity when a scale parameter is negative`` ())
            ])
