/// The MvNormalCholesky distribution: density and draws against MvNormal with the covariance written out, argument
/// checks, shapes, printing, and half-t scales declared as a `sized` vector.
module HierFunctional.Tests.Lkj.MvNormalCholeskyTests

open System
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open HierFunctional
open type Distributions
open HierFunctional.Tests.Gibbs.MonteCarlo

/// Σ = diag(s)·L·Lᵀ·diag(s).
let covarianceOf (s: float[]) (l: float[,]) =
    let k = s.Length
    Array2D.init k k (fun i j -> s.[i] * s.[j] * Seq.sum (seq { for m in 0 .. k - 1 -> l.[i, m] * l.[j, m] }))

let private case (r: Random) =
    let k = 2 + r.Next 3
    let l = Samplers.lkjCholesky r k (0.5 + 3.0 * r.NextDouble())
    let s = Array.init k (fun _ -> uniform r 0.2 5.0)
    let m = Array.init k (fun _ -> uniform r -3.0 3.0)
    let x = Array.init k (fun _ -> uniform r -6.0 6.0)
    k, l, s, m, x

let ``MvNormalCholesky log-density equals MvNormal with covariance diag(s) L L' diag(s)`` () =
    forAllSeeds (fun r ->
        let _, l, s, m, x = case r
        let d = Dist.MvNormalCholesky(Const 0.0, Const 0.0, Const 0.0)
        let args = [ Value.Vector m; Value.Vector s; Value.Matrix l ]
        let ours = Density.logPdf d args (Value.Vector x)
        let full = LogPdf.mvNormal m (covarianceOf s l) x
        abs (ours - full) <= 1e-9 * (1.0 + abs full))

let ``MvNormalCholesky draws have mean mu and covariance diag(s) L L' diag(s)`` () =
    let r = rng 5
    let l = Samplers.lkjCholesky r 3 1.0
    let s = [| 0.5; 2.0; 1.5 |]
    let m = [| 1.0; -1.0; 0.0 |]
    let d = Dist.MvNormalCholesky(Const 0.0, Const 0.0, Const 0.0)
    let args = [ Value.Vector m; Value.Vector s; Value.Matrix l ]
    let xs = Array.init 20000 (fun _ -> Value.vector (Density.draw r d args))
    let cov = covarianceOf s l

    for i in 0..2 do
        assertMean $"mean {i}" m.[i] (xs |> Array.map (fun x -> x.[i]))

        for j in i..2 do
            assertMean $"cov {i},{j}" cov.[i, j] (xs |> Array.map (fun x -> (x.[i] - m.[i]) * (x.[j] - m.[j])))

let ``MvNormalCholesky arguments are checked with the label of the wrong one`` () =
    let d = Dist.MvNormalCholesky(Const 0.0, Const 0.0, Const 0.0)
    let l = array2D [ [ 1.0; 0.0 ]; [ 0.6; 0.8 ] ]

    let good =
        [ Value.Vector [| 0.0; 0.0 |]; Value.Vector [| 1.0; 2.0 |]; Value.Matrix l ]

    Assert.Equal(Ok(), Density.validArgs d good)

    let label args =
        match Density.validArgs d args with
        | Error(l, _) -> l
        | Ok() -> "ok"

    Assert.Equal("scales", label [ Value.Vector [| 0.0; 0.0 |]; Value.Vector [| 1.0; -2.0 |]; Value.Matrix l ])
    Assert.Equal("scales", label [ Value.Vector [| 0.0; 0.0 |]; Value.Vector [| 1.0 |]; Value.Matrix l ])

    Assert.Equal(
        "corrCholesky",
        label
            [
                Value.Vector [| 0.0; 0.0 |]
                Value.Vector [| 1.0; 2.0 |]
                Value.Matrix(array2D [ [ 1.0; 0.0 ]; [ 0.6; 0.9 ] ])
            ]
    )

    Assert.Equal(
        Double.NegativeInfinity,
        Density.logPdf d [ good.[0]; Value.Vector [| 1.0; 0.0 |]; good.[2] ] (Value.Vector [| 0.0; 0.0 |])
    )

/// Varying intercepts and slopes with half-t scales and an LKJ(2) correlation.
let varyingSlopes =
    model {
        let! mu =
            sample
                "mu"
                (MvNormal(
                    vector [ constant 0.0; constant 0.0 ],
                    matrix [ [ constant 100.0; constant 0.0 ]; [ constant 0.0; constant 100.0 ] ]
                ))

        let! s = sample "s" (HalfStudentT(3.0, 2.5)) |> sized 2
        let! l = sample "L" (LkjCholesky(2, 2.0))
        let! b = sample "b" (MvNormalCholesky(mu, s, l)) |> over "g"
        let! sigma = sample "sigma" (HalfNormal 1.0)
        do! observe "y" (Normal(dot (vector [ constant 1.0; data "x" ]) b.[group "g"], sigma))
    }

let smallData =
    Dataset.empty
    |> Dataset.labels "g" [| "a"; "a"; "b"; "b"; "c"; "c" |]
    |> Dataset.reals "x" [| 0.0; 1.0; 0.0; 1.0; 0.0; 1.0 |]
    |> Dataset.reals "y" [| 0.1; 1.2; -0.5; 0.3; 2.0; 2.2 |]

let ``a sized half-t scale vector and an LKJ factor bind as the scales and correlation of group vectors`` () =
    match Bind.bind varyingSlopes smallData with
    | Error e -> failwithf "%A" e
    | Ok b ->
        Assert.Equal(Shape.Vector 2, (Bound.node b "b").Event)
        Assert.Equal(3, (Bound.node b "b").Copies)
        Assert.Equal(2, (Bound.node b "s").Copies)
        let state = Forward.priorDraw (rng 3) b
        Assert.True(state |> Array.forall Double.IsFinite)

let ``a scale vector of the wrong length is a shape error naming the distribution`` () =
    let m =
        model {
            let! s = sample "s" (HalfStudentT(3.0, 2.5)) |> sized 3
            let! l = sample "L" (LkjCholesky(2, 2.0))

            let! _ =
                sample "b" (MvNormalCholesky(vector [ constant 0.0; constant 0.0 ], s, l))
                |> over "g"

            return ()
        }

    match Bind.bind m smallData with
    | Error e -> Assert.Contains("MvNormalCholesky needs a mean and scales of length K", sprintf "%A" e)
    | Ok _ -> failwith "expected a shape error"

let ``the printer writes MvNormalCholesky with its three arguments`` () =
    let text = Print.model varyingSlopes
    Assert.Contains("MvNormalCholesky(", text)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Lkj.MvNormalCholeskyTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Lkj.MvNormalCholeskyTests"
            [
                Expecto.Tests.testCase
                    "MvNormalCholesky log-density equals MvNormal with covariance diag(s) L L' diag(s)"
                    (fun () -> ``MvNormalCholesky log-density equals MvNormal with covariance diag(s) L L' diag(s)`` ())
                Expecto.Tests.testCase
                    "MvNormalCholesky draws have mean mu and covariance diag(s) L L' diag(s)"
                    (fun () -> ``MvNormalCholesky draws have mean mu and covariance diag(s) L L' diag(s)`` ())
                Expecto.Tests.testCase
                    "MvNormalCholesky arguments are checked with the label of the wrong one"
                    (fun () -> ``MvNormalCholesky arguments are checked with the label of the wrong one`` ())
                Expecto.Tests.testCase
                    "a sized half-t scale vector and an LKJ factor bind as the scales and correlation of group vectors"
                    (fun () ->
                        ``a sized half-t scale vector and an LKJ factor bind as the scales and correlation of group vectors`` ())
                Expecto.Tests.testCase
                    "a scale vector of the wrong length is a shape error naming the distribution"
                    (fun () -> ``a scale vector of the wrong length is a shape error naming the distribution`` ())
                Expecto.Tests.testCase "the printer writes MvNormalCholesky with its three arguments" (fun () ->
                    ``the printer writes MvNormalCholesky with its three arguments`` ())
            ])
