/// Every log-density agrees with MathNet (or a product of normals) on random valid arguments.
module HierFunctional.Tests.DensityTests

open System
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions
open MathNet.Numerics.LinearAlgebra
open HierFunctional
open HierFunctional.Tests.DensityGen

let private probVector k =
    Gen.arrayOfLength k (between 0.05 1.0)
    |> Gen.map (fun w -> let s = Array.sum w in w |> Array.map (fun v -> v / s))

let private spd (p: int) =
    // A·Aᵀ + p·I is symmetric positive definite and well conditioned
    Gen.arrayOfLength (p * p) (between -1.0 1.0)
    |> Gen.map (fun a ->
        Array2D.init p p (fun i j ->
            Seq.sum (seq { for m in 0 .. p - 1 -> a.[i * p + m] * a.[j * p + m] })
            + (if i = j then float p else 0.0)))

type private Case =
    {
        Dist: Dist
        Sample: Gen<Value list * Value>
        Reference: Value list -> Value -> float
    }

let private s (v: Value) = Value.scalar v
let private vec (v: Value) = Value.vector v

let private mat (v: Value) =
    MathNet.Numerics.LinearAlgebra.Double.DenseMatrix.OfArray(Value.matrix v) :> Matrix<float>

let private scalarCase dist (args: Gen<float list>) (point: float list -> Gen<float>) reference =
    {
        Dist = dist
        Sample =
            gen {
                let! a = args in
                let! x = point a in
                return List.map sc a, sc x
            }
        Reference = fun a x -> reference (List.map s a) (s x)
    }


let private cases: (string * Case) list =
    [
        "Normal",
        scalarCase (Dist.Normal(c0, c0)) (Gen.map2 (fun a b -> [ a; b ]) loc pos) (fun _ -> real) (fun a x ->
            Normal.PDFLn(a.[0], a.[1], x))
        "StudentT",
        scalarCase
            (Dist.StudentT(c0, c0, c0))
            (Gen.map3 (fun a b c -> [ a; b; c ]) pos loc pos)
            (fun _ -> real)
            (fun a x -> StudentT.PDFLn(a.[1], a.[2], a.[0], x))
        "Cauchy",
        scalarCase (Dist.Cauchy(c0, c0)) (Gen.map2 (fun a b -> [ a; b ]) loc pos) (fun _ -> real) (fun a x ->
            Cauchy.PDFLn(a.[0], a.[1], x))
        "Uniform",
        scalarCase
            (Dist.Uniform(c0, c0))
            (Gen.map2 (fun a w -> [ a; a + w ]) loc pos)
            (fun a -> between a.[0] a.[1])
            (fun a x -> ContinuousUniform.PDFLn(a.[0], a.[1], x))
        "Exponential",
        scalarCase (Dist.Exponential c0) (Gen.map List.singleton pos) (fun _ -> logBetween 1e-3 50.0) (fun a x ->
            Exponential.PDFLn(a.[0], x))
        "Gamma",
        scalarCase
            (Dist.Gamma(c0, c0))
            (Gen.map2 (fun a b -> [ a; b ]) pos pos)
            (fun _ -> logBetween 1e-3 50.0)
            (fun a x -> Gamma.PDFLn(a.[0], a.[1], x))
        "InverseGamma",
        scalarCase
            (Dist.InverseGamma(c0, c0))
            (Gen.map2 (fun a b -> [ a; b ]) pos pos)
            (fun _ -> logBetween 0.05 50.0)
            (fun a x -> InverseGamma.PDFLn(a.[0], a.[1], x))
        "LogNormal",
        scalarCase
            (Dist.LogNormal(c0, c0))
            (Gen.map2 (fun a b -> [ a; b ]) (between -2.0 2.0) (logBetween 0.1 3.0))
            (fun _ -> logBetween 1e-3 100.0)
            (fun a x -> LogNormal.PDFLn(a.[0], a.[1], x))
        "Beta",
        scalarCase
            (Dist.Beta(c0, c0))
            (Gen.map2 (fun a b -> [ a; b ]) pos pos)
            (fun _ -> between 0.001 0.999)
            (fun a x -> Beta.PDFLn(a.[0], a.[1], x))
        "Bernoulli",
        scalarCase
            (Dist.Bernoulli c0)
            (Gen.map List.singleton (between 0.01 0.99))
            (fun _ -> intBetween 0 1)
            (fun a k -> Bernoulli.PMFLn(a.[0], int k))
        "Binomial",
        scalarCase
            (Dist.Binomial(c0, c0))
            (Gen.map2 (fun n p -> [ n; p ]) (intBetween 0 2000) (between 0.01 0.99))
            (fun a -> intBetween 0 (int a.[0]))
            (fun a k -> Binomial.PMFLn(a.[1], int a.[0], int k))
        "BetaBinomial",
        scalarCase
            (Dist.BetaBinomial(c0, c0, c0))
            (Gen.map3 (fun n a b -> [ n; a; b ]) (intBetween 1 500) pos pos)
            (fun a -> intBetween 0 (int a.[0]))
            (fun a k -> BetaBinomial.PMFLn(int a.[0], a.[1], a.[2], int k))
        "Poisson",
        scalarCase
            (Dist.Poisson(c0, c0))
            (Gen.map2 (fun r e -> [ r; e ]) pos (logBetween 0.01 100.0))
            (fun _ -> intBetween 0 300)
            (fun a k -> Poisson.PMFLn(a.[0] * a.[1], int k))
        "NegativeBinomial",
        scalarCase
            (Dist.NegativeBinomial(c0, c0))
            (Gen.map2 (fun m phi -> [ m; phi ]) pos pos)
            (fun _ -> intBetween 0 200)
            (fun a k -> NegativeBinomial.PMFLn(a.[1], a.[1] / (a.[1] + a.[0]), int k))
        "Categorical",
        {
            Dist = Dist.Categorical c0
            Sample =
                gen {
                    let! k = Gen.choose (2, 8) in
                    let! p = probVector k in
                    let! x = intBetween 0 (k - 1) in
                    return [ Value.Vector p ], sc x
                }
            Reference = fun a x -> Categorical.PMFLn(vec a.[0], int (s x))
        }
        "Dirichlet",
        {
            Dist = Dist.Dirichlet c0
            Sample =
                gen {
                    let! k = Gen.choose (2, 6) in
                    let! al = Gen.arrayOfLength k pos in
                    let! x = probVector k in
                    return [ Value.Vector al ], Value.Vector x
                }
            Reference = fun a x -> Dirichlet(vec a.[0]).DensityLn(vec x)
        }
        "Multinomial",
        {
            Dist = Dist.Multinomial(c0, c0)
            Sample =
                gen {
                    let! k = Gen.choose (2, 6)
                    let! p = probVector k
                    let! counts = Gen.arrayOfLength k (Gen.choose (0, 40))
                    return [ sc (float (Array.sum counts)); Value.Vector p ], Value.Vector(Array.map float counts)
                }
            Reference = fun a x -> Multinomial(vec a.[1], int (s a.[0])).ProbabilityLn(vec x |> Array.map int)
        }
        "Wishart",
        {
            Dist = Dist.Wishart(c0, c0)
            Sample =
                gen {
                    let! p = Gen.choose (1, 4) in
                    let! nu = between (float p + 0.5) 12.0 in
                    let! sm = spd p in
                    let! x = spd p in
                    return [ sc nu; Value.Matrix sm ], Value.Matrix x
                }
            Reference = fun a x -> log (Wishart(s a.[0], mat a.[1]).Density(mat x))
        }
        "InverseWishart",
        {
            Dist = Dist.InverseWishart(c0, c0)
            Sample =
                gen {
                    let! p = Gen.choose (1, 4) in
                    let! nu = between (float p + 0.5) 12.0 in
                    let! sm = spd p in
                    let! x = spd p in
                    return [ sc nu; Value.Matrix sm ], Value.Matrix x
                }
            Reference = fun a x -> log (InverseWishart(s a.[0], mat a.[1]).Density(mat x))
        }
    ]

let ``every log-density agrees with MathNet to 1e-10 relative on random valid arguments`` () =
    for name, case in cases do
        Prop.forAll (Arb.fromGen case.Sample) (fun (args, x) ->
            let ours = Density.logPdf case.Dist args x
            let theirs = case.Reference args x
            // the message is built only on failure: formatting Values is slow
            close 1e-10 ours theirs
            || failwith $"{name}: args {args}, x {x}: ours {ours:R}, MathNet {theirs:R}")
        |> check

let ``half distributions are log 2 plus the symmetric log-density on the positive axis`` () =
    Prop.forAll (Arb.fromGen (Gen.map3 (fun nu sd x -> nu, sd, x) pos pos (logBetween 1e-3 100.0))) (fun (nu, sd, x) ->
        close 1e-10 (LogPdf.halfNormal sd x) (log 2.0 + Normal.PDFLn(0.0, sd, x))
        && close 1e-10 (LogPdf.halfCauchy sd x) (log 2.0 + Cauchy.PDFLn(0.0, sd, x))
        && close 1e-10 (LogPdf.halfStudentT nu sd x) (log 2.0 + StudentT.PDFLn(0.0, sd, nu, x))
        && LogPdf.halfNormal sd -x = -infinity
        && LogPdf.halfCauchy sd -x = -infinity)
    |> check

let ``MvNormal with diagonal covariance is the product of normals`` () =
    Prop.forAll
        (Arb.fromGen (
            gen {
                let! k = Gen.choose (1, 6)
                let! m = Gen.arrayOfLength k loc
                let! sd = Gen.arrayOfLength k pos
                let! x = Gen.arrayOfLength k real
                return m, sd, x
            }
        ))
        (fun (m, sd, x) ->
            let cov =
                Array2D.init m.Length m.Length (fun i j -> if i = j then sd.[i] * sd.[i] else 0.0)

            let product =
                Array.sum (Array.init m.Length (fun i -> LogPdf.normal m.[i] sd.[i] x.[i]))

            close 1e-10 (LogPdf.mvNormal m cov x) product)
    |> casesOf 200

let ``MvNormal matches a hand-computed two-dimensional case`` () =
    // Σ = [[4, 1.2], [1.2, 1]], x − μ = (1, −0.5): det Σ = 2.56, quadratic form (1 + 1.2 + 1)/2.56 = 1.25
    let v =
        LogPdf.mvNormal [| 1.0; 2.0 |] (array2D [ [ 4.0; 1.2 ]; [ 1.2; 1.0 ] ]) [| 2.0; 1.5 |]

    Assert.True(close 1e-14 v (-log(2.0 * Math.PI) - 0.5 * log 2.56 - 0.625), $"{v}")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.DensityTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.DensityTests"
            [
                Expecto.Tests.testCase
                    "every log-density agrees with MathNet to 1e-10 relative on random valid arguments"
                    (fun () -> ``every log-density agrees with MathNet to 1e-10 relative on random valid arguments`` ())
                Expecto.Tests.testCase
                    "half distributions are log 2 plus the symmetric log-density on the positive axis"
                    (fun () -> ``half distributions are log 2 plus the symmetric log-density on the positive axis`` ())
                property
                    "MvNormal with diagonal covariance is the product of normals"
                    ``MvNormal with diagonal covariance is the product of normals``
                Expecto.Tests.testCase "MvNormal matches a hand-computed two-dimensional case" (fun () ->
                    ``MvNormal matches a hand-computed two-dimensional case`` ())
            ])
