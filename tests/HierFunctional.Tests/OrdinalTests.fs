/// The cumulative-logit ordinal family (issue 22): OrderedLogistic's mass is the difference of logistic CDFs at the
/// cutpoints and sums to 1, its draws have those frequencies, the Ordered prior (order statistics) integrates to 1 on
/// Stan's ordered transform with the right Jacobian, a posterior over two cutpoints sampled by the Gibbs plan
/// matches 2-D quadrature, and the formula's `cumulative` family builds brms's model.
module HierFunctional.Tests.OrdinalTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Families
open type Distributions

let private s = Value.Scalar
let private v (xs: float list) = Value.Vector(Array.ofList xs)
let private logistic (x: float) = 1.0 / (1.0 + exp -x)

let ``OrderedLogistic's mass is the difference of logistic CDFs at the cutpoints and sums to 1`` () =
    let eta, cut = 0.4, [ -1.2; 0.1; 2.0 ]
    let d = OrderedLogistic(eta, Expr.Vector(cut |> List.map Const))
    let c = Array.ofList cut
    // P(y ≤ k) = σ(c_k − η), so P(y = k) = σ(c_k − η) − σ(c_(k−1) − η) with σ(−∞) = 0 and σ(∞) = 1
    let cdf k =
        if k = 0 then 0.0
        elif k = 4 then 1.0
        else logistic (c.[k - 1] - eta)

    let masses =
        [ 1..4 ]
        |> List.map (fun k ->
            let lp = Density.logPdf d [ s eta; v cut ] (s (float k))
            Assert.True(abs (exp lp - (cdf k - cdf (k - 1))) < 1e-14, $"P(y = {k}) = {exp lp}")
            exp lp)

    Assert.True(abs (List.sum masses - 1.0) < 1e-14)
    Assert.Equal(Double.NegativeInfinity, Density.logPdf d [ s eta; v cut ] (s 0.0))
    Assert.Equal(Double.NegativeInfinity, Density.logPdf d [ s eta; v cut ] (s 5.0))
    // unordered cutpoints have no mass anywhere: the ordering is part of the model
    Assert.Equal(Double.NegativeInfinity, Density.logPdf d [ s eta; v [ 0.5; 0.1; 2.0 ] ] (s 2.0))

let ``OrderedLogistic's middle categories keep their digits far in the tails`` () =
    // σ(a) − σ(b) for a, b far out: 1 − σ(b) − (1 − σ(a)) ≈ e^(−b) − e^(−a) would round to 0 in double precision
    let lp = Ordinal.orderedLogisticLogPdf 0.0 [| 40.0; 41.0 |] 2.0 |> fun x -> x

    let closedForm = -40.0 + log (1.0 - exp -1.0)
    Assert.True(abs (lp - closedForm) < 1e-9, $"{lp} vs {closedForm}")

let ``OrderedLogistic draws fall in each category with its probability within 4 sd`` () =
    let rng = Random 3
    let cut = [ -1.0; 0.3; 1.5 ]
    let d = OrderedLogistic(0.2, Expr.Vector(cut |> List.map Const))
    let n = 40000
    let xs = Array.init n (fun _ -> Density.draw rng d [ s 0.2; v cut ] |> Value.scalar)

    for k in 1..4 do
        let p = exp (Density.logPdf d [ s 0.2; v cut ] (s (float k)))
        let share = (xs |> Array.filter ((=) (float k)) |> Array.length |> float) / float n
        Assert.True(abs (share - p) < 4.0 * sqrt (p * (1.0 - p) / float n), $"category {k}: {share} vs {p}")

let ``the Ordered prior integrates to 1 over increasing pairs and draws increasing vectors`` () =
    let d = Ordered(Normal(0.5, 1.5), 2)
    let h = 0.02
    let grid = [| for i in 0..999 -> -10.0 + (float i + 0.5) * h |]

    let total =
        Seq.sum (
            seq {
                for a in grid do
                    for b in grid -> exp (Density.logPdf d [ s 0.5; s 1.5 ] (v [ a; b ])) * h * h
            }
        )

    // the midpoint rule leaves out the diagonal cells (a = b has no ordered mass), whose iid mass is Σ f(a)²·h²
    let diagonal =
        grid
        |> Array.sumBy (fun a -> exp (2.0 * Density.logPdf (Normal(0.5, 1.5)) [ s 0.5; s 1.5 ] (s a)) * h * h)

    Assert.True(abs (total + diagonal - 1.0) < 1e-6, $"∫ = {total} + diagonal {diagonal}")
    let rng = Random 4

    for _ in 1..200 do
        match Density.draw rng (Ordered(Normal(0.0, 1.0), 4)) [ s 0.0; s 1.0 ] with
        | Value.Vector c -> Assert.True(Seq.forall (fun i -> c.[i] > c.[i - 1]) [ 1..3 ], $"%A{c}")
        | other -> failwithf "not a vector: %A" other

let ``the ordered transform round-trips and its log-Jacobian is the log-determinant of its derivative`` () =
    let u = [| 0.3; -0.7; 1.1 |]
    let x, logJ = Transform.fromUnconstrained Support.Ordered 3 u
    Assert.True(x.[0] < x.[1] && x.[1] < x.[2])
    let back = Transform.toUnconstrained Support.Ordered 3 x
    Assert.True(Array.forall2 (fun a b -> abs (a - b) < 1e-12) u back, $"%A{back}")
    let eps = 1e-6

    let jac =
        MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.Dense(
            3,
            3,
            fun i j ->
                let up = Array.copy u
                let dn = Array.copy u
                up.[j] <- up.[j] + eps
                dn.[j] <- dn.[j] - eps
                let xu, _ = Transform.fromUnconstrained Support.Ordered 3 up
                let xd, _ = Transform.fromUnconstrained Support.Ordered 3 dn
                (xu.[i] - xd.[i]) / (2.0 * eps)
        )

    let numeric = log (abs (jac.Determinant()))
    Assert.True(abs (numeric - logJ) < 1e-6, $"{logJ} vs numerical {numeric}")

let private within4Mcse (name: string) (post: Posterior) (truth: float) =
    let x = Posterior.chains name post
    let mean = Array.average (Array.concat x)
    let mcse = Diagnostics.mcseMean x
    Assert.True(abs (mean - truth) < 4.0 * mcse, $"{name}: {mean} vs quadrature {truth} (4 MCSE = {4.0 * mcse})")

let private categories = [| 1; 1; 2; 3; 3; 3; 2; 1; 3; 2; 3; 3; 1; 2; 3; 3; 2; 3 |]

let ``two ordered cutpoints sampled through the Gibbs plan match 2-D quadrature within 4 MCSE`` () =
    let prior = Ordered(StudentT(3.0, 0.0, 2.5), 2)

    let m =
        model {
            let! c = sample "c" prior
            do! observe "y" (OrderedLogistic(0.0, c))
        }

    let post =
        match
            Bind.bind m (Dataset.empty |> Dataset.integers "y" categories)
            |> Result.bind Gibbs.compile
        with
        | Error e -> failwithf "%A" e
        | Ok plan -> Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(4000).WithSeed(7)) plan

    let logPost (c1: float) (c2: float) =
        Density.logPdf prior [ s 3.0; s 0.0; s 2.5 ] (v [ c1; c2 ])
        + (categories
           |> Array.sumBy (fun k -> Ordinal.orderedLogisticLogPdf 0.0 [| c1; c2 |] (float k)))

    let n = 600
    let lo, hi = -8.0, 6.0
    let h = (hi - lo) / float n
    let pts = [| for i in 0 .. n - 1 -> lo + (float i + 0.5) * h |]
    let lp = Array2D.init n n (fun i j -> logPost pts.[i] pts.[j])
    let top = lp |> Seq.cast<float> |> Seq.max
    let w = lp |> Array2D.map (fun x -> exp (x - top))
    let z = w |> Seq.cast<float> |> Seq.sum

    let mean f =
        Seq.sum (
            seq {
                for i in 0 .. n - 1 do
                    for j in 0 .. n - 1 -> w.[i, j] * f i j
            }
        )
        / z

    within4Mcse "c[1]" post (mean (fun i _ -> pts.[i]))
    within4Mcse "c[2]" post (mean (fun _ j -> pts.[j]))

let private ordinalData =
    Dataset.empty
    |> Dataset.integers "y" [| 1; 3; 2; 2; 3; 1; 2; 3 |]
    |> Dataset.reals "x" [| -1.0; 0.5; 1.2; -0.3; 0.8; 0.0; -0.6; 1.5 |]
    |> Dataset.labels "g" [| "a"; "a"; "b"; "b"; "c"; "c"; "d"; "d" |]

let ``the cumulative formula family has ordered StudentT(3, 0, 2.5) cutpoints and no intercept in the predictor`` () =
    Assert.Equal(Ok Family.Cumulative, Family.parse "cumulative")
    Assert.Equal("cumulative", Family.name Family.Cumulative)

    match Formula.build Family.Cumulative [] "y ~ x + (1 | g)" ordinalData with
    | Error es -> failwith (Formula.describeErrors es)
    | Ok(m, _) ->
        let kind name = (Model.tryFind name m).Value.Kind
        let eta = Add(Mul(Param "b_x", Data "x"), Index(Param "r_g", Group "g"))
        Assert.Equal(NodeKind.Observed(Dist.OrderedLogistic(eta, Param "b_Intercept")), kind "y")

        Assert.Equal(
            NodeKind.Parameter(Dist.Ordered(Dist.StudentT(Const 3.0, Const 0.0, Const 2.5), 2)),
            kind "b_Intercept"
        )
        // no population intercept: the group intercepts are centred at 0
        Assert.Equal(NodeKind.Parameter(Dist.Normal(Const 0.0, Param "sd_g__Intercept")), kind "r_g")

    match Formula.build Family.Cumulative [ "b_Intercept ~ Normal(0, 5)" ] "y ~ x" ordinalData with
    | Ok(m, _) ->
        Assert.Equal(
            NodeKind.Parameter(Dist.Ordered(Dist.Normal(Const 0.0, Const 5.0), 2)),
            (Model.tryFind "b_Intercept" m).Value.Kind
        )
    | Error es -> failwith (Formula.describeErrors es)

let ``the cumulative family refuses a response that is not a category 1..K, naming the row`` () =
    let bad = ordinalData |> Dataset.integers "y" [| 1; 3; 0; 2; 3; 1; 2; 3 |]

    match Formula.build Family.Cumulative [] "y ~ x" bad with
    | Error [ FormulaError.InvalidData("y", problem) ] -> Assert.Contains("row 3", problem)
    | other -> failwithf "expected the row named, got %A" other

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "OrdinalTests"
        (Expecto.Tests.testList
            "OrdinalTests"
            [
                Expecto.Tests.testCase
                    "OrderedLogistic's mass is the difference of logistic CDFs at the cutpoints and sums to 1"
                    (fun () ->
                        ``OrderedLogistic's mass is the difference of logistic CDFs at the cutpoints and sums to 1`` ())
                Expecto.Tests.testCase
                    "OrderedLogistic's middle categories keep their digits far in the tails"
                    (fun () -> ``OrderedLogistic's middle categories keep their digits far in the tails`` ())
                Expecto.Tests.testCase
                    "OrderedLogistic draws fall in each category with its probability within 4 sd"
                    (fun () -> ``OrderedLogistic draws fall in each category with its probability within 4 sd`` ())
                Expecto.Tests.testCase
                    "the Ordered prior integrates to 1 over increasing pairs and draws increasing vectors"
                    (fun () ->
                        ``the Ordered prior integrates to 1 over increasing pairs and draws increasing vectors`` ())
                Expecto.Tests.testCase
                    "the ordered transform round-trips and its log-Jacobian is the log-determinant of its derivative"
                    (fun () ->
                        ``the ordered transform round-trips and its log-Jacobian is the log-determinant of its derivative`` ())
                Expecto.Tests.testCase
                    "two ordered cutpoints sampled through the Gibbs plan match 2-D quadrature within 4 MCSE"
                    (fun () ->
                        ``two ordered cutpoints sampled through the Gibbs plan match 2-D quadrature within 4 MCSE`` ())
                Expecto.Tests.testCase
                    "the cumulative formula family has ordered StudentT(3, 0, 2.5) cutpoints and no intercept in the predictor"
                    (fun () ->
                        ``the cumulative formula family has ordered StudentT(3, 0, 2.5) cutpoints and no intercept in the predictor`` ())
                Expecto.Tests.testCase
                    "the cumulative family refuses a response that is not a category 1..K, naming the row"
                    (fun () ->
                        ``the cumulative family refuses a response that is not a category 1..K, naming the row`` ())
            ])
