/// The Pólya-Gamma logistic update against exact grid posteriors: one intercept (1-D grid), an intercept and a
/// slope written three ways (two scalars, an iid-Normal block, an MvNormal vector; 2-D grid), and group intercepts
/// with known mu and tau (a 1-D grid per group). Tolerances are 4 MCSE from the ESS of the draws.
module HierFunctional.Tests.Gibbs.LogisticTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.MvGibbsTests

/// log(1 + e^x) without overflow.
let softplus (x: float) =
    if x > 0.0 then
        x + log (1.0 + exp -x)
    else
        log (1.0 + exp x)

/// Binomial-logit log-likelihood of one row (up to the binomial coefficient).
let logitRow (n: float) (y: float) (eta: float) = y * eta - n * softplus eta

let logNormal (m: float) (s: float) (x: float) = -0.5 * ((x - m) / s) ** 2.0

/// Posterior mean and sd of a 1-D log density on a uniform grid (the grid spans ±12 sd of the posterior here).
let grid1 (lo: float) (hi: float) (logDensity: float -> float) =
    let m = 4001
    let xs = Array.init m (fun i -> lo + (hi - lo) * float i / float (m - 1))
    let lp = xs |> Array.map logDensity
    let top = Array.max lp
    let w = lp |> Array.map (fun l -> exp (l - top))
    let total = Array.sum w
    let mean = Array.fold2 (fun acc wi x -> acc + wi * x) 0.0 w xs / total

    let var =
        Array.fold2 (fun acc wi x -> acc + wi * (x - mean) ** 2.0) 0.0 w xs / total

    mean, sqrt var

/// Posterior means and sds of two parameters from an unnormalised log density on a uniform m × m grid.
let grid2 (lo1, hi1) (lo2, hi2) (logDensity: float -> float -> float) =
    let m = 301

    let at lo hi i =
        lo + (hi - lo) * float i / float (m - 1)

    let lp = Array2D.init m m (fun i j -> logDensity (at lo1 hi1 i) (at lo2 hi2 j))
    let top = lp |> Seq.cast<float> |> Seq.max
    let w = lp |> Array2D.map (fun l -> exp (l - top))
    let total = w |> Seq.cast<float> |> Seq.sum

    let moment (f: float -> float -> float) =
        Seq.sum (
            seq {
                for i in 0 .. m - 1 do
                    for j in 0 .. m - 1 -> w.[i, j] * f (at lo1 hi1 i) (at lo2 hi2 j)
            }
        )
        / total

    let m1, m2 = moment (fun a _ -> a), moment (fun _ b -> b)
    (m1, sqrt (moment (fun a _ -> (a - m1) ** 2.0))), (m2, sqrt (moment (fun _ b -> (b - m2) ** 2.0)))

let exactCheck (post: Posterior) (name: string) (mean: float, sd: float) =
    assertMean post name mean
    assertSd post name sd

/// Each level's element `node[j]` matches its 1-D grid posterior on [−8, 8], `logPost rows θ` being the element's
/// log-posterior given the rows of its level (`g` holds each row's level).
let exactPerLevel
    (post: Posterior)
    (node: string)
    (g: string[])
    (levels: string list)
    (logPost: int list -> float -> float)
    =
    levels
    |> List.iteri (fun j level ->
        let rows = [ 0 .. g.Length - 1 ] |> List.filter (fun r -> g.[r] = level)
        exactCheck post $"{node}[{j + 1}]" (grid1 -8.0 8.0 (logPost rows)))

/// Binomial rows: `k` successes of `n`, a covariate `x` and the group `g` of each row (levels "1", "2", ...).
let groupedRows (ks: float[]) (ns: float[]) (xs: float[]) (gs: int[]) =
    Dataset.empty
    |> Dataset.integers "k" (ks |> Array.map int)
    |> Dataset.integers "n" (ns |> Array.map int)
    |> Dataset.reals "x" xs
    |> Dataset.labels "g" (gs |> Array.map string)

let methodIs (plan: GibbsPlan) (node: string) (expected: string) =
    Assert.Equal(expected, (methodOf plan node).Method)

// ------------------------------------------------------------------ one intercept

let interceptData =
    Dataset.empty
    |> Dataset.integers "y" [| 3; 7; 1 |]
    |> Dataset.integers "n" [| 10; 12; 5 |]
    |> Dataset.reals "off" [| 0.2; -0.1; 0.5 |]

let ``a Normal intercept of three binomial-logit rows matches its 1-D grid posterior`` () =
    let m =
        model {
            let! alpha = sample "alpha" (Normal(0.5, 1.5))
            do! observe "y" (Binomial(data "n", invLogit (alpha + data "off")))
        }

    let plan = planOf Rules.builtIn m interceptData
    methodIs plan "alpha" "Pólya-Gamma logistic (Normal-Normal)"

    let logPost a =
        logNormal 0.5 1.5 a
        + Array.sum (
            Array.init 3 (fun i ->
                logitRow [| 10.0; 12.0; 5.0 |].[i] [| 3.0; 7.0; 1.0 |].[i] (a + [| 0.2; -0.1; 0.5 |].[i]))
        )

    let post = Chains.run options plan
    exactCheck post "alpha" (grid1 -8.0 8.0 logPost)

// ------------------------------------------------------------------ intercept and slope, three ways

let private xs = [| -1.2; -0.4; 0.3; 0.9; 1.7 |]
let private ns = [| 8.0; 10.0; 6.0; 12.0; 9.0 |]
let private ys = [| 1.0; 3.0; 3.0; 8.0; 8.0 |]

let slopeData =
    Dataset.empty
    |> Dataset.reals "x" xs
    |> Dataset.integers "y" (ys |> Array.map int)
    |> Dataset.integers "n" (ns |> Array.map int)
    |> Dataset.matrix "X" (Array2D.init 5 2 (fun i j -> if j = 0 then 1.0 else xs.[i]))

/// Posterior means and sds of (alpha, beta) with independent N(0, 2) priors, on a 301 × 301 grid over ±6.
let private slopeExact =
    lazy
        (grid2 (-6.0, 6.0) (-6.0, 6.0) (fun a b ->
            logNormal 0.0 2.0 a
            + logNormal 0.0 2.0 b
            + Array.sum (Array.init 5 (fun r -> logitRow ns.[r] ys.[r] (a + b * xs.[r])))))

let ``an intercept and a slope as two scalar nodes match the 2-D grid posterior`` () =
    let m =
        model {
            let! alpha = sample "alpha" (Normal(0.0, 2.0))
            let! beta = sample "beta" (Normal(0.0, 2.0))
            do! observe "y" (Binomial(data "n", invLogit (alpha + beta * data "x")))
        }

    // the scalar rule itself: by default the shared-ω block (or, with it off, the GLM block) takes both coefficients
    let plan =
        planUsing (CompileSettings.Default.WithGlmBlock(false).WithSharedOmega(false)) m slopeData

    methodIs plan "alpha" "Pólya-Gamma logistic (Normal-Normal)"
    methodIs plan "beta" "Pólya-Gamma logistic (Normal-Normal)"
    let post = Chains.run options plan
    let ea, eb = slopeExact.Value
    exactCheck post "alpha" ea
    exactCheck post "beta" eb

let ``regression coefficients in an iid Normal block match the 2-D grid posterior`` () =
    let m =
        model {
            let! beta = sample "beta" (Normal(0.0, 2.0)) |> sized 2
            do! observe "y" (Binomial(data "n", invLogit (dot (data "X") beta)))
        }

    let plan = planOf Rules.builtIn m slopeData
    methodIs plan "beta" "Pólya-Gamma logistic (Normal-block (regression))"
    let post = Chains.run options plan
    let ea, eb = slopeExact.Value
    exactCheck post "beta[1]" ea
    exactCheck post "beta[2]" eb

let ``an MvNormal coefficient vector matches the 2-D grid posterior`` () =
    let m =
        model {
            let! beta =
                sample "beta" (MvNormal(vec [ 0.0; 0.0 ], mat [ [ 4.0; 0.0 ]; [ 0.0; 4.0 ] ]))

            do! observe "y" (Binomial(data "n", invLogit (dot (data "X") beta)))
        }

    let plan = planOf Rules.builtIn m slopeData
    methodIs plan "beta" "Pólya-Gamma logistic (MvNormal-linear (dot product))"
    let post = Chains.run options plan
    let ea, eb = slopeExact.Value
    exactCheck post "beta[1]" ea
    exactCheck post "beta[2]" eb

// ------------------------------------------------------------------ group intercepts with known mu and tau

let ``group intercepts with known mu and tau match a 1-D grid posterior per group, Bernoulli rows included`` () =
    let m =
        model {
            let! theta = sample "theta" (Normal(0.3, 0.8)) |> over "g"
            do! observe "y" (Bernoulli(invLogit (theta.[group "g"] + 0.5 * data "x")))
        }

    let g = [| "a"; "a"; "a"; "b"; "b"; "c"; "c"; "c"; "c" |]
    let x = [| 0.1; -1.0; 2.0; 0.5; 0.0; -0.7; 1.1; 0.3; -2.0 |]
    let y = [| 1; 0; 1; 0; 0; 1; 1; 1; 0 |]

    let d =
        Dataset.empty
        |> Dataset.labels "g" g
        |> Dataset.reals "x" x
        |> Dataset.integers "y" y

    let plan = planOf Rules.builtIn m d
    methodIs plan "theta" "Pólya-Gamma logistic (Normal-Normal)"
    let post = Chains.run options plan

    exactPerLevel post "theta" g [ "a"; "b"; "c" ] (fun rows t ->
        logNormal 0.3 0.8 t
        + (rows |> List.sumBy (fun r -> logitRow 1.0 (float y.[r]) (t + 0.5 * x.[r]))))

let ``every node of a logistic random-intercept model gets a closed-form update`` () =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfCauchy 1.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "g"
            do! observe "y" (Binomial(data "n", invLogit theta.[group "g"]))
        }

    let d =
        Dataset.empty
        |> Dataset.labels "g" [| "a"; "b"; "c" |]
        |> Dataset.integers "y" [| 2; 5; 9 |]
        |> Dataset.integers "n" [| 10; 10; 12 |]

    // by default the tabulated pass moves mu, tau and theta as one step; without it each node has its own update
    let joint = planOf Rules.builtIn m d
    Assert.Equal<string[]>([| "mu, tau, theta" |], joint.Updates |> Array.map (fun u -> u.Node))

    let plan =
        planUsing (CompileSettings.Default.WithTabulatedHyperparameters false) m d

    let listing = Gibbs.describe plan
    Assert.DoesNotContain("slice", listing)
    // the rows share one linear predictor per group, so they collapse and skip Pólya-Gamma augmentation
    methodIs plan "theta" "logistic intercepts (Laplace-t independence MH)"
    methodIs plan "mu" "Normal-Normal"

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.LogisticTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.LogisticTests"
            [
                Expecto.Tests.testCase
                    "a Normal intercept of three binomial-logit rows matches its 1-D grid posterior"
                    (fun () -> ``a Normal intercept of three binomial-logit rows matches its 1-D grid posterior`` ())
                Expecto.Tests.testCase
                    "an intercept and a slope as two scalar nodes match the 2-D grid posterior"
                    (fun () -> ``an intercept and a slope as two scalar nodes match the 2-D grid posterior`` ())
                Expecto.Tests.testCase
                    "regression coefficients in an iid Normal block match the 2-D grid posterior"
                    (fun () -> ``regression coefficients in an iid Normal block match the 2-D grid posterior`` ())
                Expecto.Tests.testCase "an MvNormal coefficient vector matches the 2-D grid posterior" (fun () ->
                    ``an MvNormal coefficient vector matches the 2-D grid posterior`` ())
                Expecto.Tests.testCase
                    "group intercepts with known mu and tau match a 1-D grid posterior per group, Bernoulli rows included"
                    (fun () ->
                        ``group intercepts with known mu and tau match a 1-D grid posterior per group, Bernoulli rows included`` ())
                Expecto.Tests.testCase
                    "every node of a logistic random-intercept model gets a closed-form update"
                    (fun () -> ``every node of a logistic random-intercept model gets a closed-form update`` ())
            ])
