/// The GLM coefficient block (Gamerman's IWLS-proposal Metropolis–Hastings step): a Poisson intercept and slope with
/// exposures and a data offset, and a Binomial-logit intercept (Flat prior) and slope, against exact 2-D grid
/// posteriors (means and sds within 4 MCSE); one kernel step applied to independent exact draws leaves their
/// distribution where it was; and the recogniser takes exactly the coefficients that share a linear predictor.
module HierFunctional.Tests.Gibbs.GlmBlockTests

open System
open Xunit
open HierFunctional
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.LogisticTests

let private poissonRow (y: float) (eta: float) = y * eta - exp eta

let private ys = [| 2.0; 0.0; 5.0; 3.0; 9.0 |]
let private es = [| 1.5; 0.7; 2.0; 1.1; 3.2 |]
let private xs = [| -1.0; -0.2; 0.4; 0.1; 1.3 |]
let private offs = [| 0.3; -0.2; 0.0; 0.5; -0.4 |]

let private poissonData =
    Dataset.empty
    |> Dataset.integers "y" (ys |> Array.map int)
    |> Dataset.reals "E" es
    |> Dataset.reals "x" xs
    |> Dataset.reals "off" offs

let private poissonModel =
    model {
        let! alpha = sample "alpha" (Normal(0.5, 2.0))
        let! beta = sample "beta" (Normal(0.0, 1.0))
        do! observe "y" (Poisson(exp (alpha + beta * data "x" + data "off"), data "E"))
    }

let private poissonLogPost a b =
    logNormal 0.5 2.0 a
    + logNormal 0.0 1.0 b
    + Array.sum (Array.init 5 (fun i -> poissonRow ys.[i] (a + b * xs.[i] + offs.[i] + log es.[i])))

let private ks = [| 1.0; 3.0; 6.0; 8.0; 2.0 |]
let private ns = [| 8.0; 10.0; 9.0; 10.0; 4.0 |]
let private lx = [| -1.5; -0.5; 0.3; 1.1; -0.8 |]

let private logisticData =
    Dataset.empty
    |> Dataset.integers "k" (ks |> Array.map int)
    |> Dataset.integers "n" (ns |> Array.map int)
    |> Dataset.reals "x" lx

let private logisticModel =
    model {
        let! alpha = sample "alpha" (Flat Support.Real)
        let! beta = sample "beta" (Normal(0.0, 1.5))
        do! observe "k" (Binomial(data "n", invLogit (alpha + beta * data "x")))
    }

let private logisticLogPost a b =
    logNormal 0.0 1.5 b
    + Array.sum (Array.init 5 (fun i -> logitRow ns.[i] ks.[i] (a + b * lx.[i])))

let private blockOf (plan: GibbsPlan) =
    plan.Updates |> Array.findIndex (fun u -> u.Method.StartsWith GlmBlock.methodName)

[<Fact>]
let ``a Poisson intercept and slope with exposures and an offset match the 2-D grid posterior under the GLM block`` () =
    let plan = planOf Conjugacy.builtIn poissonModel poissonData
    Assert.Equal("alpha, beta", plan.Updates.[blockOf plan].Node)
    let ea, eb = grid2 (-5.0, 5.0) (-4.0, 4.0) poissonLogPost
    let post = Chains.run options plan
    exactCheck post "alpha" ea
    exactCheck post "beta" eb

[<Fact>]
let ``a Binomial-logit intercept with a Flat prior and a slope match the 2-D grid posterior under the GLM block`` () =
    let plan = planOf Conjugacy.builtIn logisticModel logisticData
    Assert.Equal("alpha, beta", plan.Updates.[blockOf plan].Node)
    let ea, eb = grid2 (-5.0, 5.0) (-5.0, 5.0) logisticLogPost
    let post = Chains.run options plan
    exactCheck post "alpha" ea
    exactCheck post "beta" eb

/// n independent draws from a 2-D grid posterior (cell by its weight, then uniform within the cell), with the
/// grid's exact means, sds and fourth central moments.
let private gridDraws (rng: Random) n (lo1, hi1) (lo2, hi2) (logDensity: float -> float -> float) =
    let m = 401
    let h1, h2 = (hi1 - lo1) / float (m - 1), (hi2 - lo2) / float (m - 1)
    let at lo h i = lo + h * float i
    let lp = Array.init (m * m) (fun c -> logDensity (at lo1 h1 (c / m)) (at lo2 h2 (c % m)))
    let top = Array.max lp
    let w = lp |> Array.map (fun l -> exp (l - top))
    let cdf = Array.scan (+) 0.0 w
    let total = cdf.[cdf.Length - 1]

    let moments (f: float -> float -> float) =
        let mean = Array.fold2 (fun acc wi c -> acc + wi * f (at lo1 h1 (c / m)) (at lo2 h2 (c % m))) 0.0 w (Array.init (m * m) id) / total
        mean

    let draw () =
        let u = rng.NextDouble() * total
        let c = max 0 (Array.BinarySearch(cdf, u) |> fun i -> if i < 0 then ~~~i - 1 else i) |> min (m * m - 1)
        at lo1 h1 (c / m) + h1 * (rng.NextDouble() - 0.5), at lo2 h2 (c % m) + h2 * (rng.NextDouble() - 0.5)

    Array.init n (fun _ -> draw ()), moments

/// Applies the plan's GLM block once to each exact draw and checks the results' means and sds against the exact
/// ones within 4 standard errors (independent draws: se of the mean σ/√n, of the sd √((μ₄ − σ⁴)/n)/(2σ)).
let private invarianceCheck (plan: GibbsPlan) (draws: (float * float)[]) (moments: (float -> float -> float) -> float) =
    let b = plan.Bound
    let i = blockOf plan
    let offA, offB = b.Layout.Offsets.["alpha"], b.Layout.Offsets.["beta"]
    let st = Gibbs.initialState plan (Array.zeroCreate b.Layout.Size)
    st.Adapting <- false
    let rng = MonteCarlo.rng 7

    let out =
        draws
        |> Array.map (fun (a, bb) ->
            st.Values.[offA] <- a
            st.Values.[offB] <- bb
            plan.Updates.[i].Run plan.Offsets.[i] rng st
            st.Values.[offA], st.Values.[offB])

    let acceptance = GlmBlock.acceptance plan.Offsets.[i] st
    Assert.True(acceptance < 0.999, $"acceptance {acceptance}: the check needs rejections to mean anything")
    let n = float draws.Length

    for name, pick in [ "alpha", fst; "beta", snd ] do
        let f (a: float) (bb: float) = pick (a, bb)
        let mean = moments f
        let sd = sqrt (moments (fun a bb -> (f a bb - mean) ** 2.0))
        let mu4 = moments (fun a bb -> (f a bb - mean) ** 4.0)
        let xs = out |> Array.map pick
        let m = Array.average xs
        let s = sqrt (Array.averageBy (fun x -> (x - m) ** 2.0) xs)
        MonteCarlo.assertWithin4Mcse $"{name} mean after one step" mean (m, sd / sqrt n)
        MonteCarlo.assertWithin4Mcse $"{name} sd after one step" sd (s, sqrt ((mu4 - sd ** 4.0) / n) / (2.0 * sd))

[<Fact>]
let ``one Poisson GLM block step leaves exact posterior draws distributed as the posterior`` () =
    let plan = planOf Conjugacy.builtIn poissonModel poissonData
    let draws, moments = gridDraws (MonteCarlo.rng 3) 40000 (-5.0, 5.0) (-4.0, 4.0) poissonLogPost
    invarianceCheck plan draws moments

[<Fact>]
let ``one logistic GLM block step leaves exact posterior draws distributed as the posterior`` () =
    let plan = planOf Conjugacy.builtIn logisticModel logisticData
    let draws, moments = gridDraws (MonteCarlo.rng 4) 40000 (-5.0, 5.0) (-5.0, 5.0) logisticLogPost
    invarianceCheck plan draws moments

[<Fact>]
let ``the GLM block takes the coefficients sharing a linear predictor and leaves the others to their own updates`` () =
    let m =
        model {
            let! alpha = sample "alpha" (Normal(0.0, 2.0))
            let! beta = sample "beta" (Normal(0.0, 1.0))
            let! gamma = sample "gamma" (Normal(0.0, 1.0))
            let! sigma = sample "sigma" (HalfNormal 1.0)
            do! observe "y" (Poisson(exp (alpha + beta * data "x" + data "off"), data "E"))
            // gamma also has a Normal child, so it cannot join a GLM block
            do! observe "z" (Normal(gamma, sigma))
            do! observe "y2" (Poisson(exp (gamma * data "x")))
        }

    let d =
        poissonData
        |> Dataset.reals "z" [| 0.1; -0.3; 0.2; 0.0; 0.4 |]
        |> Dataset.integers "y2" [| 1; 0; 2; 1; 4 |]

    let plan = planOf Conjugacy.builtIn m d
    Assert.Equal("alpha, beta", plan.Updates.[blockOf plan].Node)
    Assert.Contains(plan.Updates, (fun u -> u.Node = "gamma"))
    Assert.Contains("exact by MH", Gibbs.describe plan)

    let off =
        match
            Bind.bind m d
            |> Result.bind (Gibbs.compileUsing (CompileSettings.Default.WithGlmBlock false))
        with
        | Ok p -> p
        | Error e -> failwithf "%A" e

    Assert.DoesNotContain(off.Updates, (fun u -> u.Method.StartsWith GlmBlock.methodName))
