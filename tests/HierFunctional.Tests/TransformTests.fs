module HierFunctional.Tests.TransformTests

open System
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open HierFunctional

let private check prop =
    Check.One(TestConfig.quick.WithMaxTest 200, prop)

let private between (lo: float) (hi: float) =
    Gen.choose (0, 1_000_000) |> Gen.map (fun i -> lo + (hi - lo) * float i / 1e6)

let private close (tol: float) (a: float) (b: float) = abs (a - b) <= tol * max 1.0 (abs b)

let private vectorSupports =
    [
        Support.RealVector
        Support.Simplex
        Support.CorrelationCholesky
        Support.Covariance
    ]

let private scalarSupports =
    [
        Support.Real
        Support.Positive
        Support.UnitInterval
        Support.Interval(-2.0, 5.0)
    ]

/// The free constrained coordinates the log-Jacobian refers to: simplex without its last entry, the strictly
/// lower entries of a correlation Cholesky factor, the lower triangle of a covariance matrix.
let private free (support: Support) (k: int) (x: float[]) =
    match support with
    | Support.Simplex -> x.[0 .. k - 2]
    | Support.CorrelationCholesky ->
        [|
            for i in 0 .. k - 1 do
                for j in 0 .. i - 1 -> x.[i * k + j]
        |]
    | Support.Covariance ->
        [|
            for i in 0 .. k - 1 do
                for j in 0..i -> x.[i * k + j]
        |]
    | _ -> x

/// log |det| of the central-difference Jacobian of u ↦ free(x(u)), via MathNet's determinant.
let private numericLogJacobian (support: Support) (k: int) (u: float[]) =
    let h = 1e-5

    let f (v: float[]) =
        free support k (fst (Transform.fromUnconstrained support k v))

    let cols =
        Array.init u.Length (fun j ->
            let up = Array.copy u
            let dn = Array.copy u
            up.[j] <- up.[j] + h
            dn.[j] <- dn.[j] - h
            Array.map2 (fun a b -> (a - b) / (2.0 * h)) (f up) (f dn))

    let jac =
        MathNet.Numerics.LinearAlgebra.Double.DenseMatrix.OfArray(
            Array2D.init u.Length u.Length (fun i j -> cols.[j].[i])
        )

    log (abs (jac.Determinant()))

let private vectorCase =
    gen {
        let! support = Gen.elements vectorSupports
        let! k = Gen.choose (2, 5)
        // covariance coordinates beyond ±1.5 give condition numbers whose Cholesky round trip loses ~1e-9
        let width = if support = Support.Covariance then 1.5 else 3.0

        let! u =
            Gen.arrayOfLength (Transform.unconstrainedSize support k) (between -width width)

        return support, k, u
    }

let ``vector transforms round-trip to 1e-10`` () =
    Prop.forAll (Arb.fromGen vectorCase) (fun (support, k, u) ->
        let x, _ = Transform.fromUnconstrained support k u
        Assert.Equal(Transform.constrainedSize support k, x.Length)
        let back = Transform.toUnconstrained support k x

        Array.forall2 (close 1e-10) back u
        |> Prop.label $"{support} k={k}: max error {Array.map2 (fun a b -> abs (a - b)) back u |> Array.max}")
    |> check

let ``covariance values round-trip through the unconstrained scale to 1e-12 of their largest entry`` () =
    Prop.forAll
        (Arb.fromGen (
            gen {
                let! k = Gen.choose (2, 5) in
                let! u = Gen.arrayOfLength (k * (k + 1) / 2) (between -3.0 3.0) in
                return k, u
            }
        ))
        (fun (k, u) ->
            let x, _ = Transform.fromUnconstrained Support.Covariance k u

            let again, _ =
                Transform.fromUnconstrained Support.Covariance k (Transform.toUnconstrained Support.Covariance k x)

            let scale = x |> Array.map abs |> Array.max
            Array.forall2 (fun a b -> abs (a - b) <= 1e-12 * scale) again x)
    |> check

let ``vector log-Jacobians equal the log determinant of the finite-difference Jacobian`` () =
    Prop.forAll (Arb.fromGen vectorCase) (fun (support, k, u) ->
        let _, lj = Transform.fromUnconstrained support k u
        let numeric = numericLogJacobian support k u

        close 1e-5 lj numeric
        |> Prop.label $"{support} k={k}: analytic {lj}, numeric {numeric}")
    |> check

let ``vector transforms land in the support`` () =
    Prop.forAll (Arb.fromGen vectorCase) (fun (support, k, u) ->
        let x, _ = Transform.fromUnconstrained support k u

        let value =
            match support with
            | Support.CorrelationCholesky
            | Support.Covariance -> Value.Matrix(Array2D.init k k (fun i j -> x.[i * k + j]))
            | _ -> Value.Vector x

        let exact =
            match support with
            | Support.Simplex -> abs (Array.sum x - 1.0) < 1e-14 && Array.forall (fun v -> v > 0.0) x
            | Support.CorrelationCholesky ->
                Seq.forall
                    (fun i -> abs (Seq.sum (seq { for j in 0 .. k - 1 -> x.[i * k + j] ** 2.0 }) - 1.0) < 1e-14)
                    (seq { 0 .. k - 1 })
            | _ -> true

        Density.supportContains support value && exact)
    |> check

let ``scalar transforms round-trip and their log-Jacobians match finite differences`` () =
    Prop.forAll
        (Arb.fromGen (Gen.map2 (fun s u -> s, u) (Gen.elements scalarSupports) (between -8.0 8.0)))
        (fun (support, u) ->
            let x = Transform.fromUnconstrainedScalar support u
            let h = 1e-5

            let slope =
                (Transform.fromUnconstrainedScalar support (u + h)
                 - Transform.fromUnconstrainedScalar support (u - h))
                / (2.0 * h)

            let values, lj = Transform.fromUnconstrained support 1 [| u |]

            close 1e-10 (Transform.toUnconstrainedScalar support x) u
            && close 1e-5 (Transform.logJacobianScalar support u) (log slope)
            && values.[0] = x
            && lj = Transform.logJacobianScalar support u
            && Density.supportContains support (Value.Scalar x))
    |> check

let ``transforms give no NaN at |u| = 700`` () =
    for u in [ -700.0; 700.0 ] do
        for s in scalarSupports do
            Assert.False(Double.IsNaN(Transform.fromUnconstrainedScalar s u), $"{s}")
            Assert.True(Double.IsFinite(Transform.logJacobianScalar s u), $"{s}")

        for s in vectorSupports do
            for k in [ 2; 4 ] do
                let x, lj =
                    Transform.fromUnconstrained
                        s
                        k
                        (Array.init (Transform.unconstrainedSize s k) (fun i -> if i % 2 = 0 then u else -u))

                Assert.True(Array.forall (Double.IsNaN >> not) x && not (Double.IsNaN lj), $"{s} {k} {u}")

                if s <> Support.Covariance then
                    Assert.True(Double.IsFinite lj, $"{s} {k} {u}: {lj}")

let ``a far-out unconstrained value maps strictly inside a bounded support and back to a finite value`` () =
    // Regression: a slice from a poor start accepted u ≈ 40 for an sd truncated to [0.2, 2]; 0.2 + 1.8·σ(40) rounds
    // to 2.0, whose unconstrained image is +∞, and the next update failed with a -∞ log-density.
    let bounded =
        [
            Support.Positive
            Support.UnitInterval
            Support.Interval(0.2, 2.0)
            Support.Interval(-1.0, 2.0)
            Support.Interval(0.5, infinity)
            Support.Interval(-infinity, 3.0)
        ]

    for s in bounded do
        for u in [ -800.0; -40.0; 40.0; 800.0 ] do
            let x = Transform.fromUnconstrainedScalar s u
            let back = Transform.toUnconstrainedScalar s x
            Assert.True(Density.supportContains s (Value.Scalar x), $"{s} at u = {u}: x = {x}")
            Assert.True(Double.IsFinite back, $"{s} at u = {u}: x = {x} maps back to {back}")

let ``sizes follow the packing conventions`` () =
    Assert.Equal(4, Transform.unconstrainedSize Support.Simplex 5)
    Assert.Equal(6, Transform.unconstrainedSize Support.CorrelationCholesky 4)
    Assert.Equal(10, Transform.unconstrainedSize Support.Covariance 4)
    Assert.Equal(16, Transform.constrainedSize Support.Covariance 4)
    Assert.Equal(1, Transform.constrainedSize Support.Positive 7)

    Assert.Throws<ArgumentException>(fun () -> Transform.unconstrainedSize Support.Count 1 |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> Transform.toUnconstrainedScalar Support.Binary 1.0 |> ignore)
    |> ignore

let ``a 2x2 correlation Cholesky factor is the tanh of its coordinate`` () =
    let x, lj = Transform.fromUnconstrained Support.CorrelationCholesky 2 [| 0.7 |]
    let r = tanh 0.7
    Array.iter2 (fun a b -> Assert.True(close 1e-14 a b, $"{a} vs {b}")) x [| 1.0; 0.0; r; sqrt (1.0 - r * r) |]
    Assert.True(close 1e-14 lj (log (1.0 - r * r)))

let ``the LKJ density pulled back through the correlation transform integrates to one`` () =
    // ∫ p(L(u))·|dL/du| du over ℝ must be 1 for K = 2 if density, transform and Jacobian agree
    for eta in [ 0.8; 1.0; 4.0 ] do
        let f u =
            let x, lj = Transform.fromUnconstrained Support.CorrelationCholesky 2 [| u |]

            exp (
                Density.logPdf
                    (Dist.LkjCholesky(2, Const 0.0))
                    [ Value.Scalar eta ]
                    (Value.Matrix(Array2D.init 2 2 (fun i j -> x.[i * 2 + j])))
                + lj
            )

        let total =
            MathNet.Numerics.Integrate.DoubleExponential(Func<_, _>(f), -40.0, 40.0, 1e-12)

        Assert.True(abs (total - 1.0) < 1e-8, $"eta {eta}: {total}")

let ``the Dirichlet density pulled back through the stick-breaking transform integrates to one`` () =
    // K = 2: Dirichlet(a, b) on (x, 1 − x) is Beta(a, b) in x
    let f u =
        let x, lj = Transform.fromUnconstrained Support.Simplex 2 [| u |]
        exp (LogPdf.dirichlet [| 2.5; 1.5 |] x + lj)

    let total =
        MathNet.Numerics.Integrate.DoubleExponential(Func<_, _>(f), -60.0, 60.0, 1e-12)

    Assert.True(abs (total - 1.0) < 1e-8, $"{total}")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.TransformTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.TransformTests"
            [
                Expecto.Tests.testCase "vector transforms round-trip to 1e-10" (fun () ->
                    ``vector transforms round-trip to 1e-10`` ())
                Expecto.Tests.testCase
                    "covariance values round-trip through the unconstrained scale to 1e-12 of their largest entry"
                    (fun () ->
                        ``covariance values round-trip through the unconstrained scale to 1e-12 of their largest entry`` ())
                Expecto.Tests.testCase
                    "vector log-Jacobians equal the log determinant of the finite-difference Jacobian"
                    (fun () -> ``vector log-Jacobians equal the log determinant of the finite-difference Jacobian`` ())
                Expecto.Tests.testCase "vector transforms land in the support" (fun () ->
                    ``vector transforms land in the support`` ())
                Expecto.Tests.testCase
                    "scalar transforms round-trip and their log-Jacobians match finite differences"
                    (fun () -> ``scalar transforms round-trip and their log-Jacobians match finite differences`` ())
                Expecto.Tests.testCase "transforms give no NaN at |u| = 700" (fun () ->
                    ``transforms give no NaN at |u| = 700`` ())
                Expecto.Tests.testCase
                    "a far-out unconstrained value maps strictly inside a bounded support and back to a finite value"
                    (fun () ->
                        ``a far-out unconstrained value maps strictly inside a bounded support and back to a finite value`` ())
                Expecto.Tests.testCase "sizes follow the packing conventions" (fun () ->
                    ``sizes follow the packing conventions`` ())
                Expecto.Tests.testCase "a 2x2 correlation Cholesky factor is the tanh of its coordinate" (fun () ->
                    ``a 2x2 correlation Cholesky factor is the tanh of its coordinate`` ())
                Expecto.Tests.testCase
                    "the LKJ density pulled back through the correlation transform integrates to one"
                    (fun () -> ``the LKJ density pulled back through the correlation transform integrates to one`` ())
                Expecto.Tests.testCase
                    "the Dirichlet density pulled back through the stick-breaking transform integrates to one"
                    (fun () ->
                        ``the Dirichlet density pulled back through the stick-breaking transform integrates to one`` ())
            ])
