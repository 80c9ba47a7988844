/// The spike-and-slab (two-group) conjugate update: its kernel against quadrature, its draws against the local
/// false discovery rates of the independently written `TwoGroup` analytics, and a Geweke test with a sliced weight.
module HierFunctional.Tests.Gibbs.SpikeAndSlabTests

open System
open HierFunctional.TestShim
open MathNet.Numerics
open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Analytic
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.GewekeTests

let ``the slab probability equals the slab's share of the evidence computed by quadrature`` () =
    for w, s, p, b in
        [
            0.9, 2.0, 1.0, 3.0
            0.5, 0.3, 4.0, -1.0
            0.99, 5.0, 0.25, 0.1
            0.2, 1.0, 0.0, 0.0
        ] do
        // Evidence of each component: the spike gives L(0) = 1; the slab ∫ N(θ; 0, s²) exp(−½Pθ² + Bθ) dθ.
        let slab =
            Integrate.DoubleExponential(
                (fun t -> Normal.PDF(0.0, s, t) * exp (-0.5 * p * t * t + b * t)),
                -60.0,
                60.0,
                1e-12
            )

        let exact = (1.0 - w) * slab / ((1.0 - w) * slab + w)
        let got = ConjugatePosterior.slabProbability w s { Precision = p; Shift = b }
        Assert.True(abs (got - exact) < 1e-9, $"w={w}, s={s}, P={p}, B={b}: {got} vs quadrature {exact}")

let twoGroupModel =
    model {
        let! theta = sample "theta" (SpikeAndSlab(0.7, 2.0)) |> over "gene"
        do! observe "z" (Normal(theta.[group "gene"], data "se"))
    }

let genes =
    Dataset.empty
    |> Dataset.labels "gene" [| "g1"; "g2"; "g3"; "g4"; "g5" |]
    |> Dataset.reals "z" [| 0.1; -1.2; 2.5; 4.0; -3.1 |]
    |> Dataset.reals "se" [| 1.0; 1.0; 1.0; 0.5; 1.5 |]

let ``with known weight and slab every gene's non-null frequency matches one minus its local fdr`` () =
    let plan = planOf Rules.builtIn twoGroupModel genes
    Assert.Equal("spike-and-slab Normal", plan.Updates.[0].Method)
    let post = Chains.run (options.WithDraws 20000) plan
    let z, se = [| 0.1; -1.2; 2.5; 4.0; -3.1 |], [| 1.0; 1.0; 1.0; 0.5; 1.5 |]
    let lfdr = TwoGroup.localFdr 0.7 4.0 z se

    for j in 0..4 do
        // The sweep draws each theta_j exactly from its conditional, which does not depend on the other genes, so
        // draws are independent: the frequency's standard error is sqrt(p(1 − p)/n).
        let draws = Posterior.allChains $"theta[{j + 1}]" post
        let freq = draws |> Array.averageBy (fun t -> if t <> 0.0 then 1.0 else 0.0)
        let p = 1.0 - lfdr.[j]
        let sdFreq = sqrt (p * (1.0 - p) / float draws.Length)
        Assert.True(abs (freq - p) < 4.0 * sdFreq, $"gene {j + 1}: non-null in {freq} of draws vs 1 − lfdr = {p}")
        // E[theta | z] = (1 − lfdr)·τ²/(τ² + s²)·z (Efron's two-group posterior mean).
        let s = [| 1.0; 1.0; 1.0; 0.5; 1.5 |].[j]
        assertMean post $"theta[{j + 1}]" (p * 4.0 / (4.0 + s * s) * z.[j])

let ``the spike-and-slab update with a sliced Beta weight leaves the prior invariant`` () =
    let m =
        model {
            let! w = sample "w" (Beta(2.0, 3.0))
            let! theta = sample "theta" (SpikeAndSlab(w, 1.5)) |> over "g"
            do! observe "y" (Normal(theta.[group "g"], data "s"))
        }

    let d =
        groups3
        |> Dataset.reals "y" (Array.zeroCreate 6)
        |> Dataset.reals "s" [| 1.0; 2.0; 0.5; 1.0; 1.0; 3.0 |]

    let out = simulate Rules.builtIn m d [ "w"; "theta[1]"; "theta[3]" ] iterations 7

    check "w mean" out.["w"] id 0.4
    check "P(w < 0.3)" out.["w"] (indicatorBelow 0.3) (Beta.CDF(2.0, 3.0, 0.3))
    // P(theta = 0) = E[w] = 0.4; P(theta < −1) = (1 − E[w])·Φ(−1/1.5).
    check "P(theta[1] = 0)" out.["theta[1]"] (fun t -> if t = 0.0 then 1.0 else 0.0) 0.4
    check "P(theta[3] < -1)" out.["theta[3]"] (indicatorBelow -1.0) (0.6 * Normal.CDF(0.0, 1.5, -1.0))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.SpikeAndSlabTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.SpikeAndSlabTests"
            [
                Expecto.Tests.testCase
                    "the slab probability equals the slab's share of the evidence computed by quadrature"
                    (fun () ->
                        ``the slab probability equals the slab's share of the evidence computed by quadrature`` ())
                Expecto.Tests.testCase
                    "with known weight and slab every gene's non-null frequency matches one minus its local fdr"
                    (fun () ->
                        ``with known weight and slab every gene's non-null frequency matches one minus its local fdr`` ())
                Expecto.Tests.testCase
                    "the spike-and-slab update with a sliced Beta weight leaves the prior invariant"
                    (fun () -> ``the spike-and-slab update with a sliced Beta weight leaves the prior invariant`` ())
            ])
