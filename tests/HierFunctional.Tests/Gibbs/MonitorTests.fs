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

/// Derived nodes of every shape the monitor's evaluator trees handle: global, per level (reading a parameter, a
/// derived node and data at the level), per row (reading levels of an enclosing group), functions, powers, and a
/// vector-valued node evaluated whole.
let private derivedKinds =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        let! tau = sample "tau" (HalfCauchy 5.0)
        let! eta = sample "eta" (Normal(0.0, 1.0)) |> over "school"
        let! theta = derived "theta" (mu + tau * eta.[group "school"]) |> over "school"
        let! _ = derived "logTau" (log tau - sqrt (c 2.0))
        let! _ = derived "pair" (vector [ mu; tau ])

        let! _ =
            derived "z" (exp ((theta.[group "school"] - mu) / data "sigma") ** c 2.0)
            |> over "school"

        let! _ =
            derived "resid" (-(data "y" - theta.[group "school"]) / (data "sigma" * c 2.0 + tau))
            |> perRow

        do! observe "y" (Normal(theta.[group "school"], data "sigma"))
    }

let private cases () =
    [
        Examples.eightSchoolsNonCentred, csv "eight_schools.csv"
        derivedKinds, csv "eight_schools.csv"
        Examples.rats, csv "rats.csv"
        covariance, slopesData
    ]

let private randomStates (b: Bound) (rng: Random) =
    List.init 5 (fun _ ->
        let u =
            Array.init b.Layout.UnconstrainedSize (fun _ -> rng.NextDouble() * 2.0 - 1.0)

        (LogDensity.compile b).FromUnconstrained u)

let ``the compiled monitor writes the same values as reading every node by name`` () =
    let rng = MathNet.Numerics.Random.Xoshiro256StarStar(11, false)

    for m, d in cases () do
        let b = Bind.bindOrThrow m d
        let monitor = Layout.compileMonitored b
        let out = Array.zeroCreate b.Layout.Monitored.Length

        for state in randomStates b rng do
            monitor state out
            Assert.Equal<float[]>(byName b state, out)
            Assert.Equal<float[]>(out, Layout.monitored b state)

let ``the recorder writes the monitored values of the kept elements into their columns at the draw`` () =
    let rng = MathNet.Numerics.Random.Xoshiro256StarStar(12, false)

    for m, d in cases () do
        let b = Bind.bindOrThrow m d
        let n = b.Layout.Monitored.Length
        // every element in order, and a shuffled half of them
        let subsets =
            [
                Array.init n id
                Array.init n id
                |> Array.sortBy (fun _ -> rng.Next())
                |> Array.truncate (max 1 (n / 2))
            ]

        for kept in subsets do
            let recorder = Layout.Recorder(b, kept)
            let states = randomStates b rng
            let packed = Array.create (kept.Length * states.Length) nan

            states
            |> List.iteri (fun draw state -> recorder.Record(state, packed, states.Length, draw))

            states
            |> List.iteri (fun draw state ->
                let all = Layout.monitored b state

                kept
                |> Array.iteri (fun k i -> Assert.Equal(all.[i], packed.[k * states.Length + draw])))

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
                Expecto.Tests.testCase
                    "the recorder writes the monitored values of the kept elements into their columns at the draw"
                    (fun () ->
                        ``the recorder writes the monitored values of the kept elements into their columns at the draw`` ())
            ])
