/// The compiled monitor (used for every kept draw) against the element-by-element reading of `Layout.get`.
module HierFunctional.Tests.Gibbs.MonitorTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Tests.Gibbs.CanonicalModelTests
open HierFunctional.Tests.Gibbs.MvGibbsTests
open type Distributions

/// The monitored values as `Layout.get` stacks them, flattened row-major.
let private byName (b: Bound) (state: float[]) =
    b.Nodes
    |> List.filter (fun i -> i.Node.Kind.IsParameter || i.Node.Kind.IsDerived)
    |> List.collect (fun i ->
        match Layout.get b state i.Node.Name with
        | Value.Scalar x -> [ x ]
        | Value.Vector xs -> List.ofArray xs
        | Value.Matrix m ->
            [
                for r in 0 .. Array2D.length1 m - 1 do
                    for c in 0 .. Array2D.length2 m - 1 -> m.[r, c]
            ])
    |> Array.ofList

let private covariance =
    model {
        let! mu =
            sample "mu" (MvNormal(vec [ 0.0; 0.0 ], mat [ [ 10.0; 0.0 ]; [ 0.0; 10.0 ] ]))

        let! sigmaB =
            sample "SigmaB" (InverseWishart(c 4.0, mat [ [ 1.0; 0.0 ]; [ 0.0; 1.0 ] ]))

        let! b = sample "b" (MvNormal(mu, sigmaB)) |> over "Subject"
        do! observe "Reaction" (Normal(dot (vector [ c 1.0; data "Days" ]) b.[group "Subject"], c 1.0))
    }

let ``the compiled monitor writes the same values as reading every node by name`` () =
    let cases =
        [
            Examples.eightSchoolsNonCentred, csv "eight_schools.csv"
            Examples.rats, csv "rats.csv"
            covariance, slopesData
        ]

    let rng = MathNet.Numerics.Random.Xoshiro256StarStar(11, false)

    for m, d in cases do
        let b = Bind.bindOrThrow m d
        let monitor = Layout.compileMonitored b
        let out = Array.zeroCreate b.Layout.Monitored.Length

        for _ in 1..5 do
            let u =
                Array.init b.Layout.UnconstrainedSize (fun _ -> rng.NextDouble() * 2.0 - 1.0)

            let state = (LogDensity.compile b).FromUnconstrained u
            monitor state out
            Assert.Equal<float[]>(byName b state, out)
            Assert.Equal<float[]>(out, Layout.monitored b state)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.MonitorTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.MonitorTests"
            [
                Expecto.Tests.testCase
                    "the compiled monitor writes the same values as reading every node by name"
                    (fun () -> ``the compiled monitor writes the same values as reading every node by name`` ())
            ])
