/// Setup shared by the GLM-block tests (GlmBlock, its mixing, NegativeBinomial and Epil files, GlmInterweave): the
/// Poisson example with exposures and an offset, where the block sits in a plan, the comparison with plain slice
/// sampling, and the one-step invariance check against independent exact draws from a 2-D grid.
module HierFunctional.Tests.Gibbs.GlmSupport

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.LogisticTests

/// Five Poisson rows with exposures E and a data offset, and an intercept and a slope with Normal priors: small enough
/// for an exact 2-D grid posterior, and the model whose chains used to stick under Gamerman's one-step IWLS proposal.
[<RequireQualifiedAccess>]
module PoissonExample =

    let ys = [| 2.0; 0.0; 5.0; 3.0; 9.0 |]
    let es = [| 1.5; 0.7; 2.0; 1.1; 3.2 |]
    let xs = [| -1.0; -0.2; 0.4; 0.1; 1.3 |]
    let offs = [| 0.3; -0.2; 0.0; 0.5; -0.4 |]

    let rows =
        Dataset.empty
        |> Dataset.integers "y" (ys |> Array.map int)
        |> Dataset.reals "E" es
        |> Dataset.reals "x" xs
        |> Dataset.reals "off" offs

    let model =
        model {
            let! alpha = sample "alpha" (Normal(0.5, 2.0))
            let! beta = sample "beta" (Normal(0.0, 1.0))
            do! observe "y" (Poisson(exp (alpha + beta * data "x" + data "off"), data "E"))
        }

    /// log p(y | α, β) up to a constant: the Poisson rows alone, for priors the caller adds.
    let logLikelihood a b =
        Array.sum (
            Array.init ys.Length (fun i ->
                let eta = a + b * xs.[i] + offs.[i] + log es.[i]
                ys.[i] * eta - exp eta)
        )

    /// log p(α, β | y) up to a constant.
    let logPost a b =
        logNormal 0.5 2.0 a + logNormal 0.0 1.0 b + logLikelihood a b

/// The index of the plan's GLM block.
let glmBlockOf (plan: GibbsPlan) =
    plan.Updates
    |> Array.findIndex (fun u -> u.Method.StartsWith GlmBlock.methodName)

/// The nodes of every GLM block in the plan (none when the pass is off or nothing qualifies).
let glmBlockNodes (plan: GibbsPlan) =
    plan.Updates
    |> Array.filter (fun u -> u.Method.StartsWith GlmBlock.methodName)
    |> Array.map _.Node

/// The posterior means of `name` from the GLM block's run and plain slice sampling's agree within 4 standard
/// errors of their difference (independent runs, so the MCSEs add in quadrature).
let assertBlockAgreesWithSlice (block: Posterior) (sliced: Posterior) (name: string) =
    let x, z = Posterior.chains name block, Posterior.chains name sliced
    let se = sqrt (Diagnostics.mcseMean x ** 2.0 + Diagnostics.mcseMean z ** 2.0)
    let gap = abs (Diagnostics.mean x - Diagnostics.mean z)

    Assert.True(gap < 4.0 * se, $"{name}: GLM block {Diagnostics.mean x}, slice {Diagnostics.mean z}, 4 se {4.0 * se}")

/// n independent draws from a 2-D grid posterior (cell by its weight, then uniform within the cell), with the
/// grid's exact means, sds and fourth central moments.
let gridDraws (rng: Random) n (lo1, hi1) (lo2, hi2) (logDensity: float -> float -> float) =
    let m = 401
    let h1, h2 = (hi1 - lo1) / float (m - 1), (hi2 - lo2) / float (m - 1)
    let at lo h i = lo + h * float i

    let lp =
        Array.init (m * m) (fun c -> logDensity (at lo1 h1 (c / m)) (at lo2 h2 (c % m)))

    let top = Array.max lp
    let w = lp |> Array.map (fun l -> exp (l - top))
    let cdf = Array.scan (+) 0.0 w
    let total = cdf.[cdf.Length - 1]

    let moments (f: float -> float -> float) =
        let mean =
            Array.fold2
                (fun acc wi c -> acc + wi * f (at lo1 h1 (c / m)) (at lo2 h2 (c % m)))
                0.0
                w
                (Array.init (m * m) id)
            / total

        mean

    let draw () =
        let u = rng.NextDouble() * total

        let c =
            max 0 (Array.BinarySearch(cdf, u) |> fun i -> if i < 0 then ~~~i - 1 else i)
            |> min (m * m - 1)

        at lo1 h1 (c / m) + h1 * (rng.NextDouble() - 0.5), at lo2 h2 (c % m) + h2 * (rng.NextDouble() - 0.5)

    Array.init n (fun _ -> draw ()), moments

/// Applies update `update` of the plan once to each draw of the scalars (first, second), from one chain state out of
/// adaptation: the draws after one step, and the state (whose step statistics say how often it moved).
let stepEach (plan: GibbsPlan) (update: int) (first: string, second: string) (rng: Random) (draws: (float * float)[]) =
    let b = plan.Bound
    let off1, off2 = b.Layout.Offsets.[first], b.Layout.Offsets.[second]
    let st = Gibbs.initialStateFor plan 0 0 (Array.zeroCreate b.Layout.Size)
    st.Adapting <- false

    let out =
        draws
        |> Array.map (fun (x1, x2) ->
            st.Values.[off1] <- x1
            st.Values.[off2] <- x2
            Gibbs.runUpdate update rng st
            st.Values.[off1], st.Values.[off2])

    out, st

/// The draws after one step have the exact means and sds of `gridDraws`' `moments` within 4 standard errors
/// (independent draws: se of the mean σ/√n, of the sd √((μ₄ − σ⁴)/n)/(2σ)).
let assertExactMomentsAfterOneStep
    (first: string, second: string)
    (moments: (float -> float -> float) -> float)
    (out: (float * float)[])
    =
    let n = float out.Length

    for name, pick in [ first, fst; second, snd ] do
        let f (x1: float) (x2: float) = pick (x1, x2)
        let mean = moments f
        let sd = sqrt (moments (fun x1 x2 -> (f x1 x2 - mean) ** 2.0))
        let mu4 = moments (fun x1 x2 -> (f x1 x2 - mean) ** 4.0)
        let xs = out |> Array.map pick
        let m = Array.average xs
        let s = sqrt (Array.averageBy (fun x -> (x - m) ** 2.0) xs)
        MonteCarlo.assertWithin4Mcse $"{name} mean after one step" mean (m, sd / sqrt n)
        MonteCarlo.assertWithin4Mcse $"{name} sd after one step" sd (s, sqrt ((mu4 - sd ** 4.0) / n) / (2.0 * sd))
