/// Argument validation and support checks of `Density`, and the refusal to draw from an improper prior.
module HierFunctional.Tests.DensityValidationTests

open HierFunctional.TestShim
open MathNet.Numerics
open HierFunctional
open HierFunctional.Tests.DensityGen

let ``validArgs names the offending argument`` () =
    let err d a =
        match Density.validArgs d a with
        | Error(label, _) -> label
        | Ok() -> "ok"

    Assert.Equal("sd", err (Dist.Normal(c0, c0)) [ sc 0.0; sc -1.0 ])
    Assert.Equal("ok", err (Dist.Normal(c0, c0)) [ sc 0.0; sc 1.0 ])
    Assert.Equal("probability", err (Dist.Binomial(c0, c0)) [ sc 10.0; sc 1.5 ])
    Assert.Equal("trials", err (Dist.Binomial(c0, c0)) [ sc 2.5; sc 0.5 ])
    Assert.Equal("probabilities", err (Dist.Categorical c0) [ Value.Vector [| 0.2; 0.2 |] ])

    Assert.Equal(
        "covariance",
        err
            (Dist.MvNormal(c0, c0))
            [
                Value.Vector [| 0.0; 0.0 |]
                Value.Matrix(array2D [ [ 1.0; 2.0 ]; [ 2.0; 1.0 ] ])
            ]
    )

    Assert.Equal(
        "covariance",
        err (Dist.MvNormal(c0, c0)) [ Value.Vector [| 0.0 |]; Value.Matrix(array2D [ [ 1.0; 0.0 ]; [ 0.0; 1.0 ] ]) ]
    )

    Assert.Equal("dof", err (Dist.Wishart(c0, c0)) [ sc 0.5; Value.Matrix(array2D [ [ 1.0; 0.0 ]; [ 0.0; 1.0 ] ]) ])
    Assert.Equal("eta", err (Dist.LkjCholesky(3, c0)) [ sc 0.0 ])
    Assert.Equal("arguments", err (Dist.Gamma(c0, c0)) [ sc 1.0 ])
    Assert.Equal("upper", err (Dist.Uniform(c0, c0)) [ sc 1.0; sc 0.0 ])

let ``inSupport respects argument-dependent supports`` () =
    Assert.True(Density.inSupport (Dist.Binomial(c0, c0)) [ sc 10.0; sc 0.5 ] (sc 10.0))
    Assert.False(Density.inSupport (Dist.Binomial(c0, c0)) [ sc 10.0; sc 0.5 ] (sc 11.0))
    Assert.False(Density.inSupport (Dist.Categorical c0) [ Value.Vector [| 0.5; 0.5 |] ] (sc 2.0))

    Assert.True(
        Density.inSupport
            (Dist.Multinomial(c0, c0))
            [ sc 3.0; Value.Vector [| 0.5; 0.5 |] ]
            (Value.Vector [| 1.0; 2.0 |])
    )

    Assert.False(
        Density.inSupport
            (Dist.Multinomial(c0, c0))
            [ sc 3.0; Value.Vector [| 0.5; 0.5 |] ]
            (Value.Vector [| 1.0; 1.0 |])
    )

    Assert.True(Density.inSupport (Dist.Gamma(c0, c0)) [ sc 1.0; sc 1.0 ] (sc 2.0))
    Assert.False(Density.inSupport (Dist.Gamma(c0, c0)) [ sc 1.0; sc 1.0 ] (sc -2.0))
    Assert.False(Density.inSupport (Dist.Dirichlet c0) [ Value.Vector [| 1.0; 1.0 |] ] (Value.Vector [| 0.5; 0.6 |]))

    Assert.False(
        Density.inSupport (Dist.LkjCholesky(2, c0)) [ sc 1.0 ] (Value.Matrix(array2D [ [ 1.0; 0.0 ]; [ 0.6; 0.6 ] ]))
    )

    Assert.True(
        Density.inSupport (Dist.LkjCholesky(2, c0)) [ sc 1.0 ] (Value.Matrix(array2D [ [ 1.0; 0.0 ]; [ 0.6; 0.8 ] ]))
    )

let ``drawing from a flat prior raises an unsupported model error`` () =
    let ex =
        Assert.Throws<ModelException>(fun () ->
            Density.draw (Random.Xoshiro256StarStar 1) (Dist.Flat Support.Real) [] |> ignore)

    Assert.Contains("improper", ex.Message)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.DensityValidationTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.DensityValidationTests"
            [
                Expecto.Tests.testCase "validArgs names the offending argument" (fun () ->
                    ``validArgs names the offending argument`` ())
                Expecto.Tests.testCase "inSupport respects argument-dependent supports" (fun () ->
                    ``inSupport respects argument-dependent supports`` ())
                Expecto.Tests.testCase "drawing from a flat prior raises an unsupported model error" (fun () ->
                    ``drawing from a flat prior raises an unsupported model error`` ())
            ])
