module HierFunctional.Tests.Gibbs.ConjugateTests

open System
open HierFunctional.TestShim
open MathNet.Numerics
open MathNet.Numerics.Distributions
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.MonteCarlo

let private draws = 20000

/// Random data: n Normal observations around random means, returned with their sum of squares about those means.
let private normalData (r: Random) (n: int) (sd: float) =
    let mus = Array.init n (fun _ -> uniform r -3.0 3.0)
    let ys = mus |> Array.map (fun m -> m + sd * Normal.Sample(r, 0.0, 1.0))
    let ss = Array.fold2 (fun acc y m -> acc + (y - m) * (y - m)) 0.0 ys mus
    mus, ys, ss

// ---- identity: closed-form conditional = prior × likelihood up to a constant ----

let ``Normal-linear posterior equals prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let prior =
            {
                NormalParams.Mean = uniform r -5.0 5.0
                Sd = uniform r 0.1 5.0
            }

        let n = r.Next(0, 12)
        let a = Array.init n (fun _ -> uniform r -2.0 2.0)
        let b = Array.init n (fun _ -> uniform r -3.0 3.0)
        let s = Array.init n (fun _ -> uniform r 0.2 4.0)
        let y = Array.init n (fun _ -> uniform r -10.0 10.0)
        let post = ConjugatePosterior.normal prior (NormalLinearStats.ofArrays a b s y)

        let logJoint t =
            Normal.PDFLn(prior.Mean, prior.Sd, t)
            + (Array.init n (fun i -> Normal.PDFLn(a[i] + b[i] * t, s[i], y[i])) |> Array.sum)

        sameUpToConstant
            (fun t -> Normal.PDFLn(post.Mean, post.Sd, t))
            logJoint
            (uniform r -5.0 5.0)
            (uniform r -5.0 5.0))

let ``Gamma precision posterior equals prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let prior =
            {
                GammaParams.Shape = uniform r 0.5 5.0
                Rate = uniform r 0.1 5.0
            }

        let n = r.Next(0, 12)
        let mus, ys, ss = normalData r n 1.5
        let post = ConjugatePosterior.gammaPrecision prior (float n) ss

        let logJoint tau =
            Gamma.PDFLn(prior.Shape, prior.Rate, tau)
            + Array.fold2 (fun acc y m -> acc + Normal.PDFLn(m, 1.0 / sqrt tau, y)) 0.0 ys mus

        sameUpToConstant
            (fun tau -> Gamma.PDFLn(post.Shape, post.Rate, tau))
            logJoint
            (uniform r 0.05 4.0)
            (uniform r 0.05 4.0))

let ``InverseGamma variance posterior equals prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let prior =
            {
                InverseGammaParams.Shape = uniform r 0.5 5.0
                Scale = uniform r 0.1 5.0
            }

        let n = r.Next(0, 12)
        let mus, ys, ss = normalData r n 1.5
        let post = ConjugatePosterior.inverseGammaVariance prior (float n) ss

        let logJoint v =
            InverseGamma.PDFLn(prior.Shape, prior.Scale, v)
            + Array.fold2 (fun acc y m -> acc + Normal.PDFLn(m, sqrt v, y)) 0.0 ys mus

        sameUpToConstant
            (fun v -> InverseGamma.PDFLn(post.Shape, post.Scale, v))
            logJoint
            (uniform r 0.05 6.0)
            (uniform r 0.05 6.0))

let ``Beta-Binomial posterior equals prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let prior =
            {
                BetaParams.Alpha = uniform r 0.3 5.0
                Beta = uniform r 0.3 5.0
            }

        let n = r.Next(0, 10)
        let trials = Array.init n (fun _ -> r.Next(1, 20))
        let ys = trials |> Array.map (fun t -> r.Next(0, t + 1))

        let post =
            ConjugatePosterior.beta prior (float (Array.sum ys)) (float (Array.sum trials - Array.sum ys))

        let logJoint p =
            Beta.PDFLn(prior.Alpha, prior.Beta, p)
            + Array.fold2 (fun acc t y -> acc + Binomial.PMFLn(p, t, y)) 0.0 trials ys

        sameUpToConstant
            (fun p -> Beta.PDFLn(post.Alpha, post.Beta, p))
            logJoint
            (uniform r 0.01 0.99)
            (uniform r 0.01 0.99))

let ``Gamma-Poisson with exposure posterior equals prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let prior =
            {
                GammaParams.Shape = uniform r 0.3 5.0
                Rate = uniform r 0.1 5.0
            }

        let n = r.Next(0, 10)
        let exposure = Array.init n (fun _ -> uniform r 0.1 10.0)
        let multiplier = Array.init n (fun _ -> uniform r 0.2 3.0)
        let ys = Array.init n (fun _ -> r.Next(0, 30))
        let sumE = Array.fold2 (fun acc e m -> acc + e * m) 0.0 exposure multiplier
        let post = ConjugatePosterior.gammaPoisson prior (float (Array.sum ys)) sumE

        let logJoint lam =
            Gamma.PDFLn(prior.Shape, prior.Rate, lam)
            + (Array.init n (fun i -> Poisson.PMFLn(lam * exposure[i] * multiplier[i], ys[i]))
               |> Array.sum)

        sameUpToConstant
            (fun lam -> Gamma.PDFLn(post.Shape, post.Rate, lam))
            logJoint
            (uniform r 0.05 5.0)
            (uniform r 0.05 5.0))

let ``Gamma-Exponential posterior equals prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let prior =
            {
                GammaParams.Shape = uniform r 0.3 5.0
                Rate = uniform r 0.1 5.0
            }

        let xs = Array.init (r.Next(0, 10)) (fun _ -> uniform r 0.01 5.0)

        let post =
            ConjugatePosterior.gammaExponential prior (float xs.Length) (Array.sum xs)

        let logJoint lam =
            Gamma.PDFLn(prior.Shape, prior.Rate, lam)
            + (xs |> Array.sumBy (fun x -> Exponential.PDFLn(lam, x)))

        sameUpToConstant
            (fun lam -> Gamma.PDFLn(post.Shape, post.Rate, lam))
            logJoint
            (uniform r 0.05 5.0)
            (uniform r 0.05 5.0))

let ``Gamma prior on a Gamma child's rate equals prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let prior =
            {
                GammaParams.Shape = uniform r 0.3 5.0
                Rate = uniform r 0.1 5.0
            }

        let alpha = uniform r 0.2 4.0
        let thetas = Array.init (r.Next(0, 10)) (fun _ -> uniform r 0.01 5.0)

        let post =
            ConjugatePosterior.gammaRate prior alpha (float thetas.Length) (Array.sum thetas)

        let logJoint beta =
            Gamma.PDFLn(prior.Shape, prior.Rate, beta)
            + (thetas |> Array.sumBy (fun t -> Gamma.PDFLn(alpha, beta, t)))

        sameUpToConstant
            (fun beta -> Gamma.PDFLn(post.Shape, post.Rate, beta))
            logJoint
            (uniform r 0.05 5.0)
            (uniform r 0.05 5.0))

let ``Dirichlet-Categorical posterior equals prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let k = r.Next(2, 6)
        let alpha = Array.init k (fun _ -> uniform r 0.3 4.0)
        let obs = Array.init (r.Next(0, 20)) (fun _ -> r.Next(0, k))

        let counts =
            Array.init k (fun j -> obs |> Array.filter ((=) j) |> Array.length |> float)

        let post = ConjugatePosterior.dirichlet alpha counts

        let logJoint (p: float[]) =
            Dirichlet(alpha).DensityLn p
            + (obs |> Array.sumBy (fun j -> Categorical.PMFLn(p, j)))

        let point () = Dirichlet.Sample(r, Array.create k 2.0)
        sameUpToConstant (fun (p: float[]) -> Dirichlet(post).DensityLn p) logJoint (point ()) (point ()))

let ``HalfNormal scale conditional is the stated GIG on the variance`` () =
    forAllSeeds (fun r ->
        let s = uniform r 0.2 5.0
        let n = r.Next(0, 12)
        let mus, ys, ss = normalData r n 1.0
        let g = ConjugatePosterior.halfNormalVariance s (float n) ss
        // q is the GIG density of v = σ², carried to σ by the Jacobian dv/dσ = 2σ (unnormalized: constants cancel)
        let logQ sigma =
            let v = sigma * sigma
            (g.Lambda - 1.0) * log v - 0.5 * (g.Chi / v + g.Psi * v) + log (2.0 * sigma)

        let logJoint sigma =
            log 2.0
            + Normal.PDFLn(0.0, s, sigma)
            + Array.fold2 (fun acc y m -> acc + Normal.PDFLn(m, sigma, y)) 0.0 ys mus

        sameUpToConstant logQ logJoint (uniform r 0.1 4.0) (uniform r 0.1 4.0))

let ``half-t augmentation conditionals equal prior times likelihood up to a constant`` () =
    forAllSeeds (fun r ->
        let nu, scaleA = uniform r 0.5 6.0, uniform r 0.2 5.0
        let n = r.Next(0, 12)
        let mus, ys, ss = normalData r n 1.0
        let aux = uniform r 0.1 5.0
        let pv = ConjugatePosterior.halfStudentTVariance nu aux (float n) ss

        let jointV v =
            InverseGamma.PDFLn(nu / 2.0, nu / aux, v)
            + Array.fold2 (fun acc y m -> acc + Normal.PDFLn(m, sqrt v, y)) 0.0 ys mus

        let okV =
            sameUpToConstant
                (fun v -> InverseGamma.PDFLn(pv.Shape, pv.Scale, v))
                jointV
                (uniform r 0.05 5.0)
                (uniform r 0.05 5.0)

        let v = uniform r 0.05 5.0
        let pa = ConjugatePosterior.halfStudentTAuxiliary nu scaleA v

        let jointA a =
            InverseGamma.PDFLn(0.5, 1.0 / (scaleA * scaleA), a)
            + InverseGamma.PDFLn(nu / 2.0, nu / a, v)

        okV
        && sameUpToConstant
            (fun a -> InverseGamma.PDFLn(pa.Shape, pa.Scale, a))
            jointA
            (uniform r 0.05 5.0)
            (uniform r 0.05 5.0))

let ``half-t scale mixture integrates to the half-t density`` () =
    // ∫ IG(σ²; ν/2, ν/a) · 2σ · IG(a; 1/2, 1/A²) da = 2·t_ν(σ; 0, A), by quadrature over log a
    for nu, scaleA in [ 1.0, 2.0; 4.0, 0.7 ] do
        for sigma in [ 0.1; 1.0; 3.0 ] do
            let integrand u =
                let a = exp u

                exp (
                    InverseGamma.PDFLn(nu / 2.0, nu / a, sigma * sigma)
                    + InverseGamma.PDFLn(0.5, 1.0 / (scaleA * scaleA), a)
                    + u
                )

            let mixture =
                2.0
                * sigma
                * Integrate.OnClosedInterval(Func<float, float> integrand, -30.0, 30.0, 1e-12)

            let halfT = 2.0 * StudentT.PDF(0.0, scaleA, nu, sigma)

            Assert.True(
                abs (mixture - halfT) < 1e-7 * halfT,
                $"ν={nu}, A={scaleA}, σ={sigma}: mixture {mixture}, half-t {halfT}"
            )

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.ConjugateTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.ConjugateTests"
            [
                Expecto.Tests.testCase
                    "Normal-linear posterior equals prior times likelihood up to a constant"
                    (fun () -> ``Normal-linear posterior equals prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase
                    "Gamma precision posterior equals prior times likelihood up to a constant"
                    (fun () -> ``Gamma precision posterior equals prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase
                    "InverseGamma variance posterior equals prior times likelihood up to a constant"
                    (fun () -> ``InverseGamma variance posterior equals prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase
                    "Beta-Binomial posterior equals prior times likelihood up to a constant"
                    (fun () -> ``Beta-Binomial posterior equals prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase
                    "Gamma-Poisson with exposure posterior equals prior times likelihood up to a constant"
                    (fun () ->
                        ``Gamma-Poisson with exposure posterior equals prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase
                    "Gamma-Exponential posterior equals prior times likelihood up to a constant"
                    (fun () -> ``Gamma-Exponential posterior equals prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase
                    "Gamma prior on a Gamma child's rate equals prior times likelihood up to a constant"
                    (fun () ->
                        ``Gamma prior on a Gamma child's rate equals prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase
                    "Dirichlet-Categorical posterior equals prior times likelihood up to a constant"
                    (fun () -> ``Dirichlet-Categorical posterior equals prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase "HalfNormal scale conditional is the stated GIG on the variance" (fun () ->
                    ``HalfNormal scale conditional is the stated GIG on the variance`` ())
                Expecto.Tests.testCase
                    "half-t augmentation conditionals equal prior times likelihood up to a constant"
                    (fun () -> ``half-t augmentation conditionals equal prior times likelihood up to a constant`` ())
                Expecto.Tests.testCase "half-t scale mixture integrates to the half-t density" (fun () ->
                    ``half-t scale mixture integrates to the half-t density`` ())
            ])
