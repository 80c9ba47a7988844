module HierFunctional.Tests.DensityTests

open System
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics
open MathNet.Numerics.Distributions
open MathNet.Numerics.LinearAlgebra
open HierFunctional

let private check prop =
    Check.One(TestConfig.quick.WithMaxTest 200, prop)

/// A property with its number of cases, for `property` below.
let private casesOf (n: int) (prop: Property) = n, prop

/// The Expecto test of a property function of this file, from the suite's fixed replay seed.
let private property (name: string) (f: unit -> int * Property) =
    let n, prop = f ()
    Expecto.ExpectoFsCheck.testPropertyWithConfig { TestConfig.fsCheck with maxTest = n } name prop

let private l1p (x: float) = SpecialFunctions.Log1p x
let private c0 = Const 0.0

/// Uniform float in [lo, hi].
let private between (lo: float) (hi: float) =
    Gen.choose (0, 1_000_000) |> Gen.map (fun i -> lo + (hi - lo) * float i / 1e6)

/// Log-uniform float in [lo, hi].
let private logBetween (lo: float) (hi: float) =
    between (log lo) (log hi) |> Gen.map exp

let private intBetween lo hi = Gen.choose (lo, hi) |> Gen.map float
let private sc = Value.Scalar

/// |a − b| ≤ tol·max(1, |b|): relative for large values, absolute near zero (log-densities cross zero).
let private close (tol: float) (a: float) (b: float) = abs (a - b) <= tol * max 1.0 (abs b)

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

let private pos = logBetween 0.1 20.0
let private loc = between -10.0 10.0
let private real = between -30.0 30.0

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

let private weirdFloat =
    Gen.oneof
        [
            between -1e3 1e3
            Gen.elements [ nan; infinity; -infinity; 0.0; -0.0; 1.0; -1.0; 1e308; -1e308; 0.5; 3.0 ]
        ]

let ``no scalar log-density returns NaN for any arguments, valid or not`` () =
    let fns: (string * (float -> float -> float -> float)) list =
        [
            "normal", LogPdf.normal
            "studentT", (fun a b x -> LogPdf.studentT a b 1.0 x)
            "cauchy", LogPdf.cauchy
            "halfNormal", (fun a _ x -> LogPdf.halfNormal a x)
            "halfCauchy", (fun a _ x -> LogPdf.halfCauchy a x)
            "halfStudentT", LogPdf.halfStudentT
            "uniform", LogPdf.uniform
            "exponential", (fun a _ x -> LogPdf.exponential a x)
            "gamma", LogPdf.gamma
            "inverseGamma", LogPdf.inverseGamma
            "logNormal", LogPdf.logNormal
            "beta", LogPdf.beta
            "bernoulli", (fun a _ x -> LogPdf.bernoulli a x)
            "binomial", LogPdf.binomial
            "betaBinomial", (fun a b x -> LogPdf.betaBinomial a b 2.0 x)
            "poisson", LogPdf.poisson
            "negativeBinomial", LogPdf.negativeBinomial
            "spikeAndSlab", LogPdf.spikeAndSlab
        ]

    Prop.forAll (Arb.fromGen (Gen.map3 (fun a b x -> a, b, x) weirdFloat weirdFloat weirdFloat)) (fun (a, b, x) ->
        fns
        |> List.forall (fun (name, f) -> not (Double.IsNaN(f a b x)) || failwith $"{name} {a} {b} {x} gave NaN"))
    |> check

let ``no vector or matrix log-density returns NaN for any arguments, valid or not`` () =
    let arr = Gen.arrayOfLength 3 weirdFloat

    Prop.forAll (Arb.fromGen (Gen.zip3 arr arr weirdFloat)) (fun (a, b, t) ->
        let m1 = Array2D.init 3 3 (fun i j -> if i = j then abs a.[i] else b.[min i j])
        let m2 = Array2D.init 3 3 (fun i j -> if i >= j then b.[i] * a.[j] else 0.0)

        let results =
            [
                LogPdf.categorical a t
                LogPdf.dirichlet a b
                LogPdf.multinomial t a b
                LogPdf.mvNormal a m1 b
                LogPdf.lkjCholesky t m2
                LogPdf.wishart t m1 m1
                LogPdf.inverseWishart t m1 m1
            ]

        results |> List.forall (Double.IsNaN >> not)
        || failwith $"NaN from {results} at {a} {b} {t}")
    |> check

let ``values outside the support have log-density minus infinity`` () =
    Assert.Equal(-infinity, LogPdf.gamma 2.0 1.0 -1.0)
    Assert.Equal(-infinity, LogPdf.beta 2.0 2.0 1.5)
    Assert.Equal(-infinity, LogPdf.binomial 10.0 0.5 11.0)
    Assert.Equal(-infinity, LogPdf.binomial 10.0 0.5 2.5)
    Assert.Equal(-infinity, LogPdf.poisson 1.0 1.0 -1.0)
    Assert.Equal(-infinity, LogPdf.categorical [| 0.5; 0.5 |] 2.0)
    Assert.Equal(-infinity, LogPdf.dirichlet [| 1.0; 1.0 |] [| 0.5; 0.6 |])
    Assert.Equal(-infinity, LogPdf.multinomial 5.0 [| 0.5; 0.5 |] [| 2.0; 2.0 |])
    Assert.Equal(-infinity, LogPdf.uniform 0.0 1.0 1.5)
    Assert.Equal(-infinity, LogPdf.mvNormal [| 0.0; 0.0 |] (array2D [ [ 1.0; 2.0 ]; [ 2.0; 1.0 ] ]) [| 0.0; 0.0 |])
    Assert.Equal(-infinity, LogPdf.lkjCholesky 2.0 (array2D [ [ 1.0; 0.0 ]; [ 0.5; 0.5 ] ]))
    Assert.Equal(-infinity, Density.logPdf (Dist.Flat Support.Positive) [] (sc -1.0))
    Assert.Equal(0.0, Density.logPdf (Dist.Flat Support.Positive) [] (sc 3.0))
    // zero trials (which MathNet's BetaBinomial rejects) put all mass on k = 0
    Assert.Equal(0.0, LogPdf.betaBinomial 0.0 2.0 3.0 0.0)
    Assert.Equal(0.0, LogPdf.binomial 0.0 0.3 0.0)

let ``binomial with a billion trials is exact at k = 0 and k = n`` () =
    for p in [ 1e-12; 0.3; 0.999 ] do
        let n = 1e9
        Assert.True(close 1e-13 (LogPdf.binomial n p 0.0) (n * l1p -p), $"k = 0, p = {p}: {LogPdf.binomial n p 0.0}")
        Assert.True(close 1e-13 (LogPdf.binomial n p n) (n * log p), $"k = n, p = {p}")
    // log C(1e9, 1) = log 1e9 exactly
    Assert.True(close 1e-13 (LogPdf.binomial 1e9 0.5 1.0) (log 1e9 + 1e9 * log 0.5))

    Assert.True(
        close
            1e-13
            (LogPdf.betaBinomial 1e9 2.0 3.0 0.0)
            (SpecialFunctions.BetaLn(2.0, 1e9 + 3.0) - SpecialFunctions.BetaLn(2.0, 3.0))
    )

let ``poisson with extreme exposures gives finite closed-form values`` () =
    Assert.Equal(-2e-12, LogPdf.poisson 2.0 1e-12 0.0)
    Assert.True(close 1e-14 (LogPdf.poisson 2.0 1e-12 1.0) (log 2e-12 - 2e-12))
    // product 1e-400 underflows, but its log does not
    Assert.True(close 1e-14 (LogPdf.poisson 1e-200 1e-200 1.0) (-400.0 * log 10.0))
    // k = μ = 3e12: by Stirling log p = −½ log(2πk) − 1/(12k) + O(k⁻³)
    let k = 3e12
    Assert.True(close 1e-14 (LogPdf.poisson 3.0 1e12 k) (-0.5 * log (2.0 * Math.PI * k) - 1.0 / (12.0 * k)))
    // away from the mode: k = μ + 2√μ gives log p ≈ −2 − ½ log(2πμ) to O(μ^−½)
    let z = 2.0
    let off = LogPdf.poisson 3.0 1e12 (k + Math.Round(z * sqrt k))
    let zr = Math.Round(z * sqrt k) / sqrt k
    Assert.True(abs (off - (-zr * zr / 2.0 - 0.5 * log (2.0 * Math.PI * k))) < 1e-5, $"{off}")
    // the general and saddle-point branches agree where they meet
    Assert.True(close 1e-12 (LogPdf.poisson 1.0 1000.0 1001.0) (Poisson.PMFLn(1000.0, 1001)))
    Assert.Equal(-3e12, LogPdf.poisson 3.0 1e12 0.0)

let ``inverse gamma stays accurate in the far left tail where MathNet's PDFLn underflows`` () =
    // MathNet 5.0 takes the log of a PDF whose factor exp(−b/x) is subnormal here and is off by 4e-7;
    // reference: a·log b − log Γ(a) − (a+1)·log x − b/x in mpmath at 40 digits (Python mpmath 1.x)
    let v = LogPdf.inverseGamma 3.422205554 9.261642992 0.01264421371
    Assert.True(close 1e-14 v -706.65198150709502990, $"{v:R}")

let ``normal with tiny and huge sd matches the closed form`` () =
    for sd in [ 1e-10; 1e10 ] do
        Assert.True(close 1e-14 (LogPdf.normal 0.0 sd sd) (-0.5 - log sd - Constants.LogSqrt2Pi))
        Assert.True(close 1e-14 (LogPdf.normal 0.0 sd (-3.0 * sd)) (-4.5 - log sd - Constants.LogSqrt2Pi))

let ``beta with extreme shape parameters stays finite and matches asymptotics`` () =
    // a = b = 1e-8: B(a, a) = 2/a − O(a), so log p(½) = −log(2/a) + 2(a − 1)·log ½ up to O(a)
    let a = 1e-8
    Assert.True(close 1e-6 (LogPdf.beta a a 0.5) (-log(2.0 / a) - 2.0 * (a - 1.0) * log 2.0))
    Assert.True(Double.IsFinite(LogPdf.beta a a 1e-300))
    // a = b = 1e8: nearly Normal(½, 1/(4(2a+1))); density at the mode ≈ √(4(2a+1)/(2π))·(1 − 1/(8a)+…)
    let b = 1e8
    let approx = 0.5 * log (4.0 * (2.0 * b + 1.0) / (2.0 * Math.PI))
    Assert.True(abs (LogPdf.beta b b 0.5 - approx) < 1e-5, $"{LogPdf.beta b b 0.5} vs {approx}")
    Assert.Equal(-infinity, LogPdf.beta b b 0.0)
    Assert.True(Double.IsFinite(LogPdf.beta 1e-8 1e8 1e-3))

let ``negative binomial matches the poisson limit and gamma-poisson mixture`` () =
    // NB2(μ, φ) = ∫ Poisson(k | λ) Gamma(λ | φ, φ/μ) dλ, checked by quadrature
    for mu, phi, k in [ 3.0, 2.0, 0.0; 3.0, 2.0, 5.0; 0.5, 10.0, 2.0 ] do
        let f = fun lam -> exp (LogPdf.poisson lam 1.0 k + LogPdf.gamma phi (phi / mu) lam)
        let mix = Integrate.DoubleExponential(Func<_, _>(f), 0.0, 200.0, 1e-13)
        Assert.True(close 1e-9 (LogPdf.negativeBinomial mu phi k) (log mix), $"{mu} {phi} {k}")

    Assert.True(close 1e-6 (LogPdf.negativeBinomial 4.0 1e9 3.0) (LogPdf.poisson 4.0 1.0 3.0))

let private integrate (f: float -> float) (a: float) (b: float) =
    Integrate.DoubleExponential(Func<_, _>(f), a, b, 1e-12)

let ``spike and slab mass at zero plus slab integral is one`` () =
    for w, sd in [ 0.3, 1.0; 0.9, 5.0; 0.0, 2.0 ] do
        // integrate each side separately: the quadrature must not evaluate the atom at exactly 0
        let slab =
            integrate (fun x -> exp (LogPdf.spikeAndSlab w sd x)) -60.0 0.0
            + integrate (fun x -> exp (LogPdf.spikeAndSlab w sd x)) 0.0 60.0

        Assert.True(abs (slab + (if w > 0.0 then exp (LogPdf.spikeAndSlab w sd 0.0) else 0.0) - 1.0) < 1e-8)

let ``half distributions integrate to one`` () =
    Assert.True(abs (integrate (LogPdf.halfNormal 2.0 >> exp) 0.0 40.0 - 1.0) < 1e-8)
    Assert.True(abs (integrate (LogPdf.halfStudentT 5.0 2.0 >> exp) 0.0 1e4 - 1.0) < 1e-8)
    // half-Cauchy: ∫₀^T = (2/π)·atan(T/s) in closed form, checked to the quadrature tolerance
    Assert.True(
        abs (
            integrate (LogPdf.halfCauchy 2.0 >> exp) 0.0 1e3
            - 2.0 / Math.PI * atan (1e3 / 2.0)
        )
            <
            1e-8
    )

let private lkj2 (eta: float) (r: float) =
    LogPdf.lkjCholesky eta (array2D [ [ 1.0; 0.0 ]; [ r; sqrt (1.0 - r * r) ] ])

let ``LKJ Cholesky density of a 2x2 factor integrates to one over L[1,0]`` () =
    for eta in [ 1.0; 1.5; 2.0; 5.0; 30.0 ] do
        let total = integrate (lkj2 eta >> exp) -1.0 1.0
        Assert.True(abs (total - 1.0) < 1e-8, $"eta {eta}: {total}")

/// Gauss–Legendre product rule over (−π/2, π/2)³.
let private cube (f: float -> float -> float -> float) =
    let rule = Integration.GaussLegendreRule(-Math.PI / 2.0, Math.PI / 2.0, 32)
    let mutable acc = 0.0

    for i in 0..31 do
        for j in 0..31 do
            for k in 0..31 do
                acc <-
                    acc
                    + rule.GetWeight i
                      * rule.GetWeight j
                      * rule.GetWeight k
                      * f (rule.GetAbscissa i) (rule.GetAbscissa j) (rule.GetAbscissa k)

    acc

let ``LKJ Cholesky density of a 3x3 factor integrates to one over its partial correlations`` () =
    // L10 = z1, L20 = z2, L21 = z3·√(1 − z2²): |∂(L10, L20, L21)/∂z| = √(1 − z2²); z = sin θ smooths the
    // square-root edges so that Gauss–Legendre converges
    for eta in [ 1.0; 2.0; 3.5 ] do
        let total =
            cube (fun t1 t2 t3 ->
                let z1, z2, z3 = sin t1, sin t2, sin t3

                let l =
                    array2D [ [ 1.0; 0.0; 0.0 ]; [ z1; cos t1; 0.0 ]; [ z2; z3 * cos t2; cos t2 * cos t3 ] ]

                exp (LogPdf.lkjCholesky eta l) * cos t2 * cos t1 * cos t2 * cos t3)

        Assert.True(abs (total - 1.0) < 1e-8, $"eta {eta}: {total}")
    // eta = 1, K = 3: uniform over correlation matrices, whose volume is π²/2
    Assert.True(close 1e-14 (LogPdf.lkjLogNormalizer 1.0 3) (log (Math.PI * Math.PI / 2.0)))

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
                Expecto.Tests.testCase "no scalar log-density returns NaN for any arguments, valid or not" (fun () ->
                    ``no scalar log-density returns NaN for any arguments, valid or not`` ())
                Expecto.Tests.testCase
                    "no vector or matrix log-density returns NaN for any arguments, valid or not"
                    (fun () -> ``no vector or matrix log-density returns NaN for any arguments, valid or not`` ())
                Expecto.Tests.testCase "values outside the support have log-density minus infinity" (fun () ->
                    ``values outside the support have log-density minus infinity`` ())
                Expecto.Tests.testCase "binomial with a billion trials is exact at k = 0 and k = n" (fun () ->
                    ``binomial with a billion trials is exact at k = 0 and k = n`` ())
                Expecto.Tests.testCase "poisson with extreme exposures gives finite closed-form values" (fun () ->
                    ``poisson with extreme exposures gives finite closed-form values`` ())
                Expecto.Tests.testCase
                    "inverse gamma stays accurate in the far left tail where MathNet's PDFLn underflows"
                    (fun () ->
                        ``inverse gamma stays accurate in the far left tail where MathNet's PDFLn underflows`` ())
                Expecto.Tests.testCase "normal with tiny and huge sd matches the closed form" (fun () ->
                    ``normal with tiny and huge sd matches the closed form`` ())
                Expecto.Tests.testCase
                    "beta with extreme shape parameters stays finite and matches asymptotics"
                    (fun () -> ``beta with extreme shape parameters stays finite and matches asymptotics`` ())
                Expecto.Tests.testCase
                    "negative binomial matches the poisson limit and gamma-poisson mixture"
                    (fun () -> ``negative binomial matches the poisson limit and gamma-poisson mixture`` ())
                Expecto.Tests.testCase "spike and slab mass at zero plus slab integral is one" (fun () ->
                    ``spike and slab mass at zero plus slab integral is one`` ())
                Expecto.Tests.testCase "half distributions integrate to one" (fun () ->
                    ``half distributions integrate to one`` ())
                Expecto.Tests.testCase "LKJ Cholesky density of a 2x2 factor integrates to one over L[1,0]" (fun () ->
                    ``LKJ Cholesky density of a 2x2 factor integrates to one over L[1,0]`` ())
                Expecto.Tests.testCase
                    "LKJ Cholesky density of a 3x3 factor integrates to one over its partial correlations"
                    (fun () ->
                        ``LKJ Cholesky density of a 3x3 factor integrates to one over its partial correlations`` ())
                property
                    "MvNormal with diagonal covariance is the product of normals"
                    ``MvNormal with diagonal covariance is the product of normals``
                Expecto.Tests.testCase "MvNormal matches a hand-computed two-dimensional case" (fun () ->
                    ``MvNormal matches a hand-computed two-dimensional case`` ())
                Expecto.Tests.testCase "validArgs names the offending argument" (fun () ->
                    ``validArgs names the offending argument`` ())
                Expecto.Tests.testCase "inSupport respects argument-dependent supports" (fun () ->
                    ``inSupport respects argument-dependent supports`` ())
                Expecto.Tests.testCase "drawing from a flat prior raises an unsupported model error" (fun () ->
                    ``drawing from a flat prior raises an unsupported model error`` ())
            ])
