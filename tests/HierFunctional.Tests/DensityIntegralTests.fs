/// Densities without a MathNet counterpart integrate to one (spike-and-slab, half distributions, LKJ).
module HierFunctional.Tests.DensityIntegralTests

open System
open HierFunctional.TestShim
open MathNet.Numerics
open HierFunctional
open HierFunctional.Tests.DensityGen

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

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.DensityIntegralTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.DensityIntegralTests"
            [
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
            ])
