module HierFunctional.Tests.Gibbs.SmallMvTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.MonteCarlo
open type Distributions
// After HierFunctional, so Matrix and Vector name MathNet's types here (the model DSL uses `matrix`, `vector`).
open MathNet.Numerics.LinearAlgebra

let private build = Matrix<float>.Build

/// A random symmetric positive-definite k×k matrix (A Aᵀ + k·c·I).
let private randomSpd (r: Random) (k: int) (c: float) =
    let a = build.Dense(k, k, fun _ _ -> uniform r -1.0 1.0)
    a * a.Transpose() + build.DenseIdentity(k) * (c * float k)

let private rowMajor (m: Matrix<float>) =
    Array.init (m.RowCount * m.ColumnCount) (fun ij -> m.[ij / m.ColumnCount, ij % m.ColumnCount])

/// Every entry of `actual` within 1e-9 of `expected`, relative to the largest entry of `expected`.
let private close (expected: float[]) (actual: float[]) =
    let scale = expected |> Array.map abs |> Array.fold max 1e-300

    let ok =
        expected.Length = actual.Length
        && Array.forall2 (fun e a -> abs (e - a) <= 1e-9 * scale) expected actual

    if not ok then
        printfn $"expected %A{expected}, got %A{actual}"

    ok

// ------------------------------------------------------------------ deterministic kernels against MathNet

let ``small-k Gaussian kernel gives the MathNet precision-form posterior mean and covariance`` () =
    forAllSeeds (fun r ->
        let k, n = r.Next(1, 7), r.Next(0, 15)
        let x = build.Dense(n, k, fun _ _ -> uniform r -2.0 2.0)
        let sds = Array.init n (fun _ -> uniform r 0.3 3.0)
        let ys = Array.init n (fun _ -> uniform r -5.0 5.0)
        let stats = MvConjugatePosterior.regressionStats x (Array.zeroCreate n) sds ys
        let q0 = randomSpd r k (uniform r 0.05 2.0)
        let m0 = Array.init k (fun _ -> uniform r -3.0 3.0)
        let general = MvConjugatePosterior.mvNormalFromPrecision m0 q0 stats
        let cov = (q0 + stats.XtWX).Inverse()
        let q0m0 = (q0 * Vector<float>.Build.DenseOfArray m0).ToArray()
        let packed = Array.append (rowMajor stats.XtWX) stats.XtWr

        match SmallMv.gaussianMoments k (rowMajor q0) q0m0 packed with
        | Some(mean, c) -> close general.Mean mean && close (rowMajor cov) c
        | None -> false)

let ``small-k inverse of a positive-definite matrix equals MathNet's inverse`` () =
    forAllSeeds (fun r ->
        let k = r.Next(1, 7)
        let a = randomSpd r k (uniform r 0.01 2.0)
        let inverse = Array.zeroCreate (k * k)

        SmallMv.invertSpd k (rowMajor a) (Array.zeroCreate (k * k + k)) inverse
        && close (rowMajor (a.Inverse())) inverse)

let ``small-k Cholesky factor reproduces the matrix and refuses one that is not positive definite`` () =
    forAllSeeds (fun r ->
        let k = r.Next(1, 7)
        let a = randomSpd r k 0.5
        let l = rowMajor a
        let factored = SmallMv.cholesky k l 0
        let lm = build.DenseOfRowMajor(k, k, l)

        let indefinite =
            rowMajor (a - build.DenseIdentity(k) * (a.Evd().EigenValues.[k - 1].Real + 1.0))

        factored
        && close (rowMajor a) (rowMajor (lm * lm.Transpose()))
        && not (SmallMv.cholesky k indefinite 0))

// ------------------------------------------------------------------ Bartlett draws against closed-form moments

/// Means (with MCSE) of every element of the draws and of their inverses.
let private elementMeans (k: int) (draws: float[][]) =
    let inverses =
        draws
        |> Array.map (fun d -> rowMajor (build.DenseOfRowMajor(k, k, d).Inverse()))

    let column (xs: float[][]) i = xs |> Array.map (fun d -> d.[i])
    Array.init (k * k) (fun i -> meanMcse (column draws i)), Array.init (k * k) (fun i -> meanMcse (column inverses i))

let private within4Mcse (what: string) (truth: float[]) (estimates: (float * float)[]) =
    for i in 0 .. truth.Length - 1 do
        let m, se = estimates.[i]
        Assert.True(abs (m - truth.[i]) < 4.0 * se, $"{what}[{i}]: mean {m}, truth {truth.[i]}, MCSE {se}")

let ``Bartlett inverse-Wishart draws have the closed-form means of the matrix and of its inverse`` () =
    // Σ ~ IW(ν, Ψ): E[Σ] = Ψ/(ν − k − 1) and Σ⁻¹ ~ Wishart(ν, Ψ⁻¹), so E[Σ⁻¹] = νΨ⁻¹.
    let k, nu = 3, 9.0

    let psi =
        build.DenseOfArray(array2D [ [ 2.0; 0.6; -0.3 ]; [ 0.6; 1.5; 0.2 ]; [ -0.3; 0.2; 0.8 ] ])

    let rng = rng 31
    let work = Array.zeroCreate (SmallMv.wishartWorkLength k)

    let draws =
        Array.init 20000 (fun _ ->
            let out = Array.zeroCreate (k * k)
            Assert.True(SmallMv.drawInverseWishart rng k nu (rowMajor psi) work out)
            out)

    let means, inverseMeans = elementMeans k draws
    within4Mcse "E[Σ]" (rowMajor (psi / (nu - float k - 1.0))) means
    within4Mcse "E[Σ⁻¹]" (rowMajor (psi.Inverse() * nu)) inverseMeans

let ``Bartlett Wishart draws have the closed-form means of the matrix and of its inverse`` () =
    // W ~ Wishart(ν, V): E[W] = νV and W⁻¹ ~ IW(ν, V⁻¹), so E[W⁻¹] = V⁻¹/(ν − k − 1).
    let k, nu = 3, 8.0

    let v =
        build.DenseOfArray(array2D [ [ 1.0; 0.3; 0.1 ]; [ 0.3; 0.5; -0.1 ]; [ 0.1; -0.1; 2.0 ] ])

    let rng = rng 37
    let work = Array.zeroCreate (SmallMv.wishartWorkLength k)

    let draws =
        Array.init 20000 (fun _ ->
            let out = Array.zeroCreate (k * k)
            Assert.True(SmallMv.drawWishart rng k nu (rowMajor v) work out)
            out)

    let means, inverseMeans = elementMeans k draws
    within4Mcse "E[W]" (rowMajor (v * nu)) means
    within4Mcse "E[W⁻¹]" (rowMajor (v.Inverse() / (nu - float k - 1.0))) inverseMeans

// ------------------------------------------------------------------ the sleepstudy sweep's updates

let private c = constant
let private vec (xs: float list) = vector (xs |> List.map c)
let private mat (rows: float list list) = matrix (rows |> List.map (List.map c))

let private sleepstudy =
    model {
        let! mu =
            sample "mu" (MvNormal(vec [ 250.0; 10.0 ], mat [ [ 2500.0; 0.0 ]; [ 0.0; 100.0 ] ]))

        let! sigmaB =
            sample "SigmaB" (InverseWishart(c 4.0, mat [ [ 600.0; 0.0 ]; [ 0.0; 35.0 ] ]))

        let! sigma = sample "sigma" (HalfNormal 50.0)
        let! b = sample "b" (MvNormal(mu, sigmaB)) |> over "Subject"
        do! observe "Reaction" (Normal(dot (vector [ c 1.0; data "Days" ]) b.[group "Subject"], sigma))
    }

let private sleepData () =
    Csv.readOrThrow (IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "..", "docs", "data", "sleepstudy.csv"))

/// The sleepstudy plan and a chain state after 200 sweeps from a prior draw (fixed seed).
let private warmSleepstudy () =
    let plan =
        match Bind.bind sleepstudy (sleepData ()) |> Result.bind Gibbs.compile with
        | Ok p -> p
        | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

    let rng = rng 41
    let state = Gibbs.initialStateFor plan 0 0 (Forward.priorDraw rng plan.Bound)

    for _ in 1..200 do
        Gibbs.sweep plan rng state

    plan, rng, state

let ``the Normal scale of a child linear in a group vector is drawn from its exact conditional`` () =
    let plan, rng, state = warmSleepstudy ()
    let i = plan.Updates |> Array.findIndex (fun u -> u.Node = "sigma")
    let off name = plan.Bound.Layout.Offsets.[name]
    let days, y = plan.Bound.Numeric.["Days"], plan.Bound.Numeric.["Reaction"]
    let level = plan.Bound.Groups.["Subject"].RowLevel
    let s = state.Values

    // SS = Σ (y − b_j1 − b_j2·Days)², summed row by row (the general path's arithmetic).
    let ss =
        Array.init y.Length (fun r ->
            let at = off "b" + 2 * level.[r]
            let e = y.[r] - s.[at] - s.[at + 1] * days.[r]
            e * e)
        |> Array.sum

    // Exact conditional p(σ | ·) ∝ σ^(−n) exp(−SS/(2σ²)) · exp(−σ²/(2·50²)), its mean by quadrature on a fine grid.
    let n = float y.Length

    let logp (x: float) =
        -n * log x - ss / (2.0 * x * x) - x * x / (2.0 * 2500.0)

    let center = sqrt (ss / n)
    let grid = Array.init 20001 (fun j -> center * (0.5 + float j / 20000.0))
    let top = grid |> Array.map logp |> Array.max
    let w = grid |> Array.map (fun x -> exp (logp x - top))
    let truth = Array.map2 (*) grid w |> Array.sum |> fun m -> m / Array.sum w

    let draws =
        Array.init 20000 (fun _ ->
            Gibbs.runUpdate i rng state
            s.[off "sigma"])

    let m, se = meanMcse draws
    Assert.True(abs (m - truth) < 4.0 * se, $"mean {m}, quadrature {truth}, MCSE {se}")

let ``the sleepstudy updates allocate nothing per sweep`` () =
    let plan, rng, state = warmSleepstudy ()

    for i in 0 .. plan.Updates.Length - 1 do
        let u = plan.Updates.[i]

        for _ in 1..50 do
            Gibbs.runUpdate i rng state

        let before = GC.GetAllocatedBytesForCurrentThread()

        for _ in 1..200 do
            Gibbs.runUpdate i rng state

        let bytes = GC.GetAllocatedBytesForCurrentThread() - before
        Assert.True(bytes < 200L * 8L, $"{u.Node} ({u.Method}) allocated {bytes} bytes over 200 runs")

let ``the formula-built sleepstudy gets the same closed-form updates for its group coefficients, covariance and sd``
    ()
    =
    let d = sleepData ()

    let md, data =
        match
            Formula.parse "Reaction ~ Days + (Days | Subject)"
            |> Result.mapError List.singleton
            |> Result.bind (fun f ->
                Formula.toModelWith
                    { FormulaOptions.Default with
                        Covariance = CovariancePrior.InverseWishart
                    }
                    f
                    d)
        with
        | Ok x -> x
        | Error e -> failwith (Formula.describeErrors e)

    let plan =
        match Bind.bind md data |> Result.bind Gibbs.compile with
        | Ok p -> p
        | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

    let methodOf node =
        (plan.Updates |> Array.find (fun u -> u.Node = node)).Method

    Assert.Equal("MvNormal-linear (dot product)", methodOf "r_Subject")
    Assert.Equal("InverseWishart covariance", methodOf "Sigma_Subject")
    Assert.StartsWith("Normal scale", methodOf "sigma")

// ------------------------------------------------------------------ O(1) blanket of MvNormal children

/// m1, m2 ~ Normal, Sigma ~ InverseWishart, r[g] ~ MvNormal([m1, m2], Sigma), y ~ Normal(dot([1, t], r[g]), 1):
/// the formula-model shape whose population coefficients are block-sliced.
let private mvBlanketModel (groups: int) =
    let m =
        model {
            let! m1 = sample "m1" (Normal(0.0, 100.0))
            let! m2 = sample "m2" (StudentT(3.0, 0.0, 10.0))

            let! sigma =
                sample "Sigma" (InverseWishart(c 3.0, mat [ [ 2.0; 0.0 ]; [ 0.0; 1.0 ] ]))

            let! r = sample "r" (MvNormal(vector [ m1; m2 ], sigma)) |> over "g"
            do! observe "y" (Normal(dot (vector [ c 1.0; data "t" ]) r.[group "g"], 1.0))
        }

    Dataset.empty
    |> Dataset.labels "g" (Array.init groups (fun j -> $"g{j}"))
    |> Dataset.reals "t" (Array.init groups float)
    |> Dataset.reals "y" (Array.init groups float)
    |> Bind.bindOrThrow m

let ``the O(1) blanket of MvNormal children equals the generic blanket on random states`` () =
    forAllSeeds (fun r ->
        let groups = 1 + r.Next 30
        let b = mvBlanketModel groups
        let d = LogDensity.compile b

        let offset =
            if r.NextDouble() < 0.5 then
                0.0
            else
                1000.0 * (r.NextDouble() - 0.5)

        let a = randomSpd r 2 (uniform r 0.05 3.0)

        let s =
            Layout.ofValues
                b
                [
                    "m1", Value.Scalar(offset + uniform r -5.0 5.0)
                    "m2", Value.Scalar(uniform r -5.0 5.0)
                    "Sigma", Value.Matrix(a.ToArray())
                    "r",
                    Value.Matrix(
                        Array2D.init groups 2 (fun _ j -> (if j = 0 then offset else 0.0) + uniform r -5.0 5.0)
                    )
                ]

        [ [ "m1" ]; [ "m2" ]; [ "m1"; "m2" ] ]
        |> List.forall (fun moved ->
            let generic =
                moved
                |> List.collect (fun n -> { Term.Node = n; Copy = 0 } :: List.ofArray d.Dependents.[n].[0])
                |> List.distinct
                |> List.sumBy (fun t -> d.Term t s)

            match SufficientBlanket.tryCreate d moved with
            | Some sb when sb.Summarised = [| "r" |] ->
                let stats = Array.zeroCreate sb.Size
                sb.Fill s stats
                let fast = sb.Eval s stats
                let ok = abs (generic - fast) <= 1e-9 * max 1.0 (abs generic)

                if not ok then
                    printfn $"moved {moved}: generic {generic}, O(1) {fast}"

                ok
            | other ->
                printfn $"moved {moved}: no MvNormal summary ({other.IsSome})"
                false))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.SmallMvTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.SmallMvTests"
            [
                Expecto.Tests.testCase
                    "small-k Gaussian kernel gives the MathNet precision-form posterior mean and covariance"
                    (fun () ->
                        ``small-k Gaussian kernel gives the MathNet precision-form posterior mean and covariance`` ())
                Expecto.Tests.testCase
                    "small-k inverse of a positive-definite matrix equals MathNet's inverse"
                    (fun () -> ``small-k inverse of a positive-definite matrix equals MathNet's inverse`` ())
                Expecto.Tests.testCase
                    "small-k Cholesky factor reproduces the matrix and refuses one that is not positive definite"
                    (fun () ->
                        ``small-k Cholesky factor reproduces the matrix and refuses one that is not positive definite`` ())
                Expecto.Tests.testCase
                    "Bartlett inverse-Wishart draws have the closed-form means of the matrix and of its inverse"
                    (fun () ->
                        ``Bartlett inverse-Wishart draws have the closed-form means of the matrix and of its inverse`` ())
                Expecto.Tests.testCase
                    "Bartlett Wishart draws have the closed-form means of the matrix and of its inverse"
                    (fun () ->
                        ``Bartlett Wishart draws have the closed-form means of the matrix and of its inverse`` ())
                Expecto.Tests.testCase
                    "the Normal scale of a child linear in a group vector is drawn from its exact conditional"
                    (fun () ->
                        ``the Normal scale of a child linear in a group vector is drawn from its exact conditional`` ())
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase "the sleepstudy updates allocate nothing per sweep" (fun () ->
                        ``the sleepstudy updates allocate nothing per sweep`` ())
                )
                Expecto.Tests.testCase
                    "the formula-built sleepstudy gets the same closed-form updates for its group coefficients, covariance and sd"
                    (fun () ->
                        ``the formula-built sleepstudy gets the same closed-form updates for its group coefficients, covariance and sd`` ())
                Expecto.Tests.testCase
                    "the O(1) blanket of MvNormal children equals the generic blanket on random states"
                    (fun () -> ``the O(1) blanket of MvNormal children equals the generic blanket on random states`` ())
            ])
