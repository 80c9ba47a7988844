/// The multivariate conjugate rules in the Gibbs compiler: rule matching and plan reasons, and exact posteriors with
/// known hyperparameters (|mean − exact| < 4 MCSE), including sleepstudy given its lme4 variance components.
module HierFunctional.Tests.Gibbs.MvGibbsTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.GewekeTests

let c = constant
let vec (xs: float list) = vector (xs |> List.map c)
let mat (rows: float list list) = matrix (rows |> List.map (List.map c))
let private mb = MathNet.Numerics.LinearAlgebra.Matrix<float>.Build
let private vb = MathNet.Numerics.LinearAlgebra.Vector<float>.Build

let private dense (rows: float list list) =
    mb.DenseOfRows(rows |> List.map Seq.ofList)

let private inv (m: MathNet.Numerics.LinearAlgebra.Matrix<float>) = m.Inverse()

let xs =
    array2D
        [
            [ 1.2; 0.4 ]
            [ -0.3; 1.9 ]
            [ 0.8; 0.1 ]
            [ 2.1; 1.4 ]
            [ 0.5; -0.6 ]
            [ 1.0; 0.9 ]
        ]

let xsData = Dataset.empty |> Dataset.matrix "x" xs

let methodOf (plan: GibbsPlan) (node: string) =
    plan.Updates |> Array.find (fun u -> u.Node = node)

// ------------------------------------------------------------------ rule matching and plan reasons

let meanAndCovariance =
    model {
        let! mu =
            sample "mu" (MvNormal(vec [ 0.0; 1.0 ], mat [ [ 4.0; 1.0 ]; [ 1.0; 2.0 ] ]))

        let! sigma =
            sample "Sigma" (InverseWishart(c 6.0, mat [ [ 1.0; 0.2 ]; [ 0.2; 1.0 ] ]))

        do! observe "x" (MvNormal(mu, sigma))
    }

let ``the plan uses the MvNormal mean and InverseWishart covariance rules for a mean and covariance`` () =
    let plan = planOf Rules.builtIn meanAndCovariance xsData
    Assert.Equal("MvNormal mean", (methodOf plan "mu").Method)
    Assert.Equal("InverseWishart covariance", (methodOf plan "Sigma").Method)

let ``a child whose mean is not exactly the vector node makes the MvNormal mean rule give a reason`` () =
    let m =
        model {
            let! mu =
                sample "mu" (MvNormal(vec [ 0.0; 1.0 ], mat [ [ 4.0; 1.0 ]; [ 1.0; 2.0 ] ]))

            do! observe "x" (MvNormal(vector [ Elem(mu, 1); Elem(mu, 0) ], mat [ [ 1.0; 0.0 ]; [ 0.0; 1.0 ] ]))
        }

    let expanded = Graph.expand m

    match MvConjugacy.mvNormalMean.Recognise expanded (Model.tryFind "mu" expanded).Value with
    | RuleOutcome.Rejected why -> Assert.Contains("the mean of child 'x' is not exactly 'mu'", why)
    | other -> failwithf "unexpected %A" other

    let plan = planOf Rules.builtIn m xsData
    let u = methodOf plan "mu"
    Assert.Equal("slice", u.Method)
    Assert.Contains("MvNormal mean: the mean of child 'x' is not exactly 'mu'", u.Reason)

let ``a covariance node that is not the children's whole covariance makes the InverseWishart rule give a reason`` () =
    let m =
        model {
            let! sigma =
                sample "Sigma" (InverseWishart(c 6.0, mat [ [ 1.0; 0.2 ]; [ 0.2; 1.0 ] ]))

            let! mu = sample "mu" (MvNormal(vec [ 0.0; 0.0 ], sigma))
            do! observe "x" (MvNormal(mu, mat [ [ 1.0; 0.0 ]; [ 0.0; 1.0 ] ]))
            do! observe "y" (Normal(Elem(sigma, 0), 1.0))
        }

    let expanded = Graph.expand m

    match MvConjugacy.inverseWishartCovariance.Recognise expanded (Model.tryFind "Sigma" expanded).Value with
    | RuleOutcome.Rejected why -> Assert.Contains("child 'y' is Normal, not MvNormal", why)
    | other -> failwithf "unexpected %A" other

let ``a Wishart prior used directly as a covariance falls back and the plan says why`` () =
    let m =
        model {
            let! lam = sample "Lambda" (Wishart(c 4.0, mat [ [ 1.0; 0.0 ]; [ 0.0; 1.0 ] ]))
            do! observe "x" (MvNormal(vec [ 0.0; 0.0 ], lam))
        }

    let u = methodOf (planOf Rules.builtIn m xsData) "Lambda"
    Assert.Equal("slice", u.Method)

    Assert.Contains(
        "Wishart precision: the covariance (as inverse of it) of child 'x' is not exactly 'Lambda'",
        u.Reason
    )

let ``the Wishart precision update reproduces the exact posterior mean with a known mean`` () =
    let m =
        model {
            let! lam = sample "Lambda" (Wishart(c 4.0, mat [ [ 0.5; 0.1 ]; [ 0.1; 0.8 ] ]))
            do! observe "x" (MvNormal(vec [ 0.5; 0.5 ], inverse lam))
        }

    let plan = planOf Rules.builtIn m xsData
    Assert.Equal("Wishart precision", (methodOf plan "Lambda").Method)
    let post = Chains.run options plan
    // Exact: Λ | x ~ Wishart(ν + n, (V⁻¹ + S)⁻¹), mean (ν + n)(V⁻¹ + S)⁻¹.
    let n = Array2D.length1 xs

    let scatter =
        dense
            [
                for a in 0..1 ->
                    [
                        for d in 0..1 -> Seq.sum [ for r in 0 .. n - 1 -> (xs.[r, a] - 0.5) * (xs.[r, d] - 0.5) ]
                    ]
            ]

    let posteriorScale = inv (inv (dense [ [ 0.5; 0.1 ]; [ 0.1; 0.8 ] ]) + scatter)

    for a in 0..1 do
        for d in 0..1 do
            assertMean post $"Lambda[{a + 1},{d + 1}]" ((4.0 + float n) * posteriorScale.[a, d])

let ``a child that is not linear in the group vectors makes the MvNormal-linear rule give a reason`` () =
    let m =
        model {
            let! b =
                sample "b" (MvNormal(vec [ 0.0; 0.0 ], mat [ [ 1.0; 0.0 ]; [ 0.0; 1.0 ] ]))
                |> over "g"

            do! observe "y" (Normal(exp (dot (vector [ c 1.0; data "t" ]) b.[group "g"]), 1.0))
        }

    let expanded = Graph.expand m

    match MvConjugacy.mvNormalLinear.Recognise expanded (Model.tryFind "b" expanded).Value with
    | RuleOutcome.Rejected why -> Assert.Equal("the mean of child 'y' is not linear in 'b'", why)
    | other -> failwithf "unexpected %A" other

    let d =
        groups3
        |> Dataset.reals "t" [| 0.0; 1.0; -0.5; 0.3; 1.2; 2.0 |]
        |> Dataset.reals "y" (Array.zeroCreate 6)

    let u = methodOf (planOf Rules.builtIn m d) "b"
    Assert.Equal("slice", u.Method)
    Assert.Contains("MvNormal-linear (dot product): the mean of child 'y' is not linear in 'b'", u.Reason)

// ------------------------------------------------------------------ exact posteriors with known hyperparameters

let ``the MvNormal mean update reproduces the exact posterior with a known covariance`` () =
    let m =
        model {
            let! mu =
                sample "mu" (MvNormal(vec [ 0.0; 1.0 ], mat [ [ 4.0; 1.0 ]; [ 1.0; 2.0 ] ]))

            do! observe "x" (MvNormal(mu, mat [ [ 1.0; 0.3 ]; [ 0.3; 0.5 ] ]))
        }

    let plan = planOf Rules.builtIn m xsData
    Assert.Equal("MvNormal mean", (methodOf plan "mu").Method)
    let post = Chains.run options plan
    // Exact: Q = S0⁻¹ + nΣ⁻¹, mean Q⁻¹(S0⁻¹ m0 + Σ⁻¹ Σx).
    let s0 = dense [ [ 4.0; 1.0 ]; [ 1.0; 2.0 ] ]
    let sigma = dense [ [ 1.0; 0.3 ]; [ 0.3; 0.5 ] ]
    let n = float (Array2D.length1 xs)

    let sum =
        vb.Dense(2, fun j -> Seq.sum [ for r in 0 .. Array2D.length1 xs - 1 -> xs.[r, j] ])

    let cov = inv (inv s0 + n * inv sigma)
    let mean = cov * (inv s0 * vb.DenseOfArray [| 0.0; 1.0 |] + inv sigma * sum)

    for k in 0..1 do
        assertMean post $"mu[{k + 1}]" mean.[k]
        assertSd post $"mu[{k + 1}]" (sqrt cov.[k, k])

let ``the InverseWishart covariance update reproduces the exact posterior mean with a known mean`` () =
    let m =
        model {
            let! sigma =
                sample "Sigma" (InverseWishart(c 6.0, mat [ [ 1.0; 0.2 ]; [ 0.2; 1.0 ] ]))

            do! observe "x" (MvNormal(vec [ 0.5; 0.5 ], sigma))
        }

    let plan = planOf Rules.builtIn m xsData
    Assert.Equal("InverseWishart covariance", (methodOf plan "Sigma").Method)
    let post = Chains.run options plan
    // Exact: Σ | x ~ IW(ν + n, Ψ + S), mean (Ψ + S)/(ν + n − k − 1).
    let n = Array2D.length1 xs

    let scatter =
        Array2D.init 2 2 (fun a d -> Seq.sum [ for r in 0 .. n - 1 -> (xs.[r, a] - 0.5) * (xs.[r, d] - 0.5) ])

    let psi = array2D [ [ 1.0; 0.2 ]; [ 0.2; 1.0 ] ]

    for a in 0..1 do
        for d in 0..1 do
            assertMean post $"Sigma[{a + 1},{d + 1}]" ((psi.[a, d] + scatter.[a, d]) / (6.0 + float n - 3.0))

/// Varying intercepts and slopes on a small sleepstudy-like design: 4 subjects, 4 days each.
let slopesData =
    Dataset.empty
    |> Dataset.labels "Subject" (Array.init 16 (fun i -> $"s{i / 4}"))
    |> Dataset.reals "Days" (Array.init 16 (fun i -> float (i % 4)))
    |> Dataset.reals
        "Reaction"
        [|
            1.0
            2.1
            2.9
            4.2
            0.5
            0.7
            1.2
            1.1
            2.0
            3.5
            5.1
            6.4
            -0.2
            0.3
            1.0
            1.9
        |]

let slopes (mu: Expr) (sigma: Expr) (sd: Expr) =
    model {
        let! b = sample "b" (MvNormal(mu, sigma)) |> over "Subject"
        do! observe "Reaction" (Normal(dot (vector [ c 1.0; data "Days" ]) b.[group "Subject"], sd))
    }

let ``the MvNormal-linear update reproduces each subject's exact intercept and slope posterior`` () =
    let m = slopes (vec [ 1.0; 0.5 ]) (mat [ [ 1.0; 0.2 ]; [ 0.2; 0.5 ] ]) (c 0.6)
    let plan = planOf Rules.builtIn m slopesData
    Assert.Equal("MvNormal-linear (dot product)", (methodOf plan "b").Method)
    let post = Chains.run options plan
    let sigmaInv = inv (dense [ [ 1.0; 0.2 ]; [ 0.2; 0.5 ] ])

    let y =
        [|
            1.0
            2.1
            2.9
            4.2
            0.5
            0.7
            1.2
            1.1
            2.0
            3.5
            5.1
            6.4
            -0.2
            0.3
            1.0
            1.9
        |]

    for j in 0..3 do
        // Exact: Q_j = Σ⁻¹ + XᵀX/s², mean Q_j⁻¹(Σ⁻¹ μ + Xᵀy/s²).
        let x = dense [ for d in 0..3 -> [ 1.0; float d ] ]
        let yj = vb.Dense(4, fun d -> y.[4 * j + d])
        let cov = inv (sigmaInv + x.TransposeThisAndMultiply x / 0.36)

        let mean =
            cov
            * (sigmaInv * vb.DenseOfArray [| 1.0; 0.5 |] + x.TransposeThisAndMultiply yj / 0.36)

        for k in 0..1 do
            assertMean post $"b[{j + 1},{k + 1}]" mean.[k]
            assertSd post $"b[{j + 1},{k + 1}]" (sqrt cov.[k, k])

let ``the varying intercepts and slopes model gets closed-form updates for every node`` () =
    let m =
        model {
            let! mu =
                sample "mu" (MvNormal(vec [ 0.0; 0.0 ], mat [ [ 10.0; 0.0 ]; [ 0.0; 10.0 ] ]))

            let! sigmaB =
                sample "SigmaB" (InverseWishart(c 4.0, mat [ [ 1.0; 0.0 ]; [ 0.0; 1.0 ] ]))

            let! sigma = sample "sigma" (HalfNormal 2.0)
            let! b = sample "b" (MvNormal(mu, sigmaB)) |> over "Subject"
            do! observe "Reaction" (Normal(dot (vector [ c 1.0; data "Days" ]) b.[group "Subject"], sigma))
        }

    let plan = planOf Rules.builtIn m slopesData
    let text = Gibbs.describe plan
    Assert.Equal("MvNormal mean", (methodOf plan "mu").Method)
    Assert.Equal("InverseWishart covariance", (methodOf plan "SigmaB").Method)
    Assert.Equal("MvNormal-linear (dot product)", (methodOf plan "b").Method)
    Assert.DoesNotContain("slice", text)
    let post = Chains.run (options.WithDraws 500) plan
    Assert.True(Double.IsFinite(Diagnostics.mean (Posterior.chains "b[3,2]" post)))

// ------------------------------------------------------------------ sleepstudy (lme4) with known hyperparameters

let ``sleepstudy subject intercepts and slopes match their exact posterior given the lme4 variance components`` () =
    let d =
        Csv.readOrThrow (IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "..", "docs", "data", "sleepstudy.csv"))

    // lme4::lmer(Reaction ~ Days + (Days | Subject)) estimates, used as known hyperparameters.
    let mu = [ 251.405; 10.467 ]
    let sigmaB = [ [ 612.1; 9.6 ]; [ 9.6; 35.07 ] ]
    let sigma = 25.59
    let plan = planOf Rules.builtIn (slopes (vec mu) (mat sigmaB) (c sigma)) d
    Assert.Equal("MvNormal-linear (dot product)", (methodOf plan "b").Method)
    let post = Chains.run options plan
    let levels = plan.Bound.Groups.["Subject"]
    let days = plan.Bound.Numeric.["Days"]
    let reaction = plan.Bound.Numeric.["Reaction"]
    let sInv = inv (dense sigmaB)

    for j in [ 0; 8; 17 ] do
        // Exact: Q_j = Σ⁻¹ + X_jᵀX_j/σ², mean Q_j⁻¹(Σ⁻¹ μ + X_jᵀy_j/σ²).
        let rows =
            [
                for r in 0 .. days.Length - 1 do
                    if levels.RowLevel.[r] = j then
                        yield r
            ]

        let x = dense [ for r in rows -> [ 1.0; days.[r] ] ]
        let y = vb.DenseOfArray [| for r in rows -> reaction.[r] |]
        let cov = inv (sInv + x.TransposeThisAndMultiply x / (sigma * sigma))

        let mean =
            cov
            * (sInv * vb.DenseOfArray(Array.ofList mu)
               + x.TransposeThisAndMultiply y / (sigma * sigma))

        for k in 0..1 do
            assertMean post $"b[{j + 1},{k + 1}]" mean.[k]
            assertSd post $"b[{j + 1},{k + 1}]" (sqrt cov.[k, k])

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.MvGibbsTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.MvGibbsTests"
            [
                Expecto.Tests.testCase
                    "the plan uses the MvNormal mean and InverseWishart covariance rules for a mean and covariance"
                    (fun () ->
                        ``the plan uses the MvNormal mean and InverseWishart covariance rules for a mean and covariance`` ())
                Expecto.Tests.testCase
                    "a child whose mean is not exactly the vector node makes the MvNormal mean rule give a reason"
                    (fun () ->
                        ``a child whose mean is not exactly the vector node makes the MvNormal mean rule give a reason`` ())
                Expecto.Tests.testCase
                    "a covariance node that is not the children's whole covariance makes the InverseWishart rule give a reason"
                    (fun () ->
                        ``a covariance node that is not the children's whole covariance makes the InverseWishart rule give a reason`` ())
                Expecto.Tests.testCase
                    "a Wishart prior used directly as a covariance falls back and the plan says why"
                    (fun () -> ``a Wishart prior used directly as a covariance falls back and the plan says why`` ())
                Expecto.Tests.testCase
                    "the Wishart precision update reproduces the exact posterior mean with a known mean"
                    (fun () ->
                        ``the Wishart precision update reproduces the exact posterior mean with a known mean`` ())
                Expecto.Tests.testCase
                    "a child that is not linear in the group vectors makes the MvNormal-linear rule give a reason"
                    (fun () ->
                        ``a child that is not linear in the group vectors makes the MvNormal-linear rule give a reason`` ())
                Expecto.Tests.testCase
                    "the MvNormal mean update reproduces the exact posterior with a known covariance"
                    (fun () -> ``the MvNormal mean update reproduces the exact posterior with a known covariance`` ())
                Expecto.Tests.testCase
                    "the InverseWishart covariance update reproduces the exact posterior mean with a known mean"
                    (fun () ->
                        ``the InverseWishart covariance update reproduces the exact posterior mean with a known mean`` ())
                Expecto.Tests.testCase
                    "the MvNormal-linear update reproduces each subject's exact intercept and slope posterior"
                    (fun () ->
                        ``the MvNormal-linear update reproduces each subject's exact intercept and slope posterior`` ())
                Expecto.Tests.testCase
                    "the varying intercepts and slopes model gets closed-form updates for every node"
                    (fun () -> ``the varying intercepts and slopes model gets closed-form updates for every node`` ())
                Expecto.Tests.testCase
                    "sleepstudy subject intercepts and slopes match their exact posterior given the lme4 variance components"
                    (fun () ->
                        ``sleepstudy subject intercepts and slopes match their exact posterior given the lme4 variance components`` ())
            ])
