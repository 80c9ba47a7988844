/// The collapsed logistic random-intercept update (`LogitKernel`, `LogitIntercepts`): the kernel against exact 1-D
/// grid conditionals (mean and sd within 4 MCSE, fixed seeds), the collapsed sufficient statistics against the
/// per-row log-likelihood (to 1e-10 on random data), and the whole random-intercept model against the Pólya-Gamma
/// path on the same posterior (means within 4 combined MCSE).
module HierFunctional.Tests.Gibbs.LogitKernelTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.MonteCarlo
open HierFunctional.Tests.Gibbs.LogisticTests
open HierFunctional.Tests.Gibbs.CanonicalModelTests
open HierFunctional.Tests.Gibbs.MvGibbsTests

/// Four chains of `draws` steps of `step` (one generator, seeded by `seed`) on one fixed conditional, from
/// dispersed starts.
let private chainsOf seed (draws: int) (step: Random -> float -> float) =
    let r = rng seed

    Array.init 4 (fun chain ->
        let mutable x = float (chain - 2) * 3.0
        // the chain's own state (local mutation)
        Array.init draws (fun _ ->
            x <- step r x
            x))

/// Four chains of `draws` `LogitKernel.step`s on one fixed conditional, from dispersed starts.
let private kernelChains seed m s y n o c (draws: int) =
    chainsOf seed draws (fun r x -> LogitKernel.step r m s y n o c x)

/// One-group logistic conditionals as (label, m, s, Σy, Σn, offset, coefficient) per child: sparse, moderate,
/// all successes, two children, weak data.
let private oneGroupCases =
    [
        "moderate", -2.0, 0.7, [| 5.0 |], [| 20.0 |], [| 0.0 |], [| 1.0 |]
        "no successes", -1.0, 1.5, [| 0.0 |], [| 34.0 |], [| 0.0 |], [| 1.0 |]
        "all successes", 0.5, 2.0, [| 12.0 |], [| 12.0 |], [| 0.3 |], [| 1.0 |]
        "two children", 0.0, 1.0, [| 3.0; 9.0 |], [| 10.0; 11.0 |], [| -0.5; 0.4 |], [| 1.0; 2.0 |]
        "one trial", 1.0, 0.4, [| 1.0 |], [| 1.0 |], [| 0.0 |], [| -1.0 |]
    ]

let private withinMcse (label: string) (chains: float[][]) (mean: float, sd: float) =
    let m, mcse = Diagnostics.mean chains, Diagnostics.mcseMean chains
    let sdHat, mcseSd = Diagnostics.sd chains, Diagnostics.mcseSd chains
    Assert.True(abs (m - mean) < 4.0 * mcse, $"{label}: mean {m} vs grid {mean}, 4 MCSE = {4.0 * mcse}")
    Assert.True(abs (sdHat - sd) < 4.0 * mcseSd, $"{label}: sd {sdHat} vs grid {sd}, 4 MCSE = {4.0 * mcseSd}")

let ``the Laplace-t kernel leaves one-group logistic conditionals invariant, by grid mean and sd within 4 MCSE`` () =
    oneGroupCases
    |> List.iteri (fun i (label, m, s, y, n, o, c) ->
        let chains = kernelChains (100 + i) m s y n o c 20000

        let exact =
            grid1 (m - 14.0 * s) (m + 14.0 * s) (LogitKernel.logConditional m s y n o c)

        withinMcse label chains exact)

let ``the compiled kernel with one Newton step and a precomputed start leaves the same conditionals invariant`` () =
    oneGroupCases
    |> List.iteri (fun i (label, m, s, y, n, o, c) ->
        let struct (w0, ell) = LogitKernel.empirical y n

        let chains =
            chainsOf (200 + i) 20000 (fun r x -> LogitKernel.stepWith r m s y n o c w0 ell true x)

        let exact =
            grid1 (m - 14.0 * s) (m + 14.0 * s) (LogitKernel.logConditional m s y n o c)

        withinMcse label chains exact)

let ``the scalar one-child kernel draws bit for bit what the compiled kernel draws`` () =
    // the one-child cases, and one whose linear predictors pass |η| = 30 (the stable softplus branch)
    let cases =
        (oneGroupCases |> List.filter (fun (_, _, _, y, _, _, _) -> y.Length = 1))
        @ [ "far", 35.0, 1.0, [| 40.0 |], [| 40.0 |], [| 0.5 |], [| 1.0 |] ]

    cases
    |> List.iteri (fun i (label, m, s, y, n, o, c) ->
        let struct (w0, ell) = LogitKernel.empirical y n
        let r1, r2 = Philox4x32.Create(300 + i, 0), Philox4x32.Create(300 + i, 0)
        let mutable x1, x2 = m - 3.0 * s, m - 3.0 * s

        for t in 1..5000 do
            x1 <- LogitKernel.stepWith r1 m s y n o c w0 ell true x1
            x2 <- LogitKernel.stepOne r2 m s (1.0 / (s * s)) y.[0] n.[0] o.[0] c.[0] w0.[0] ell.[0] x2

            if BitConverter.DoubleToInt64Bits x1 <> BitConverter.DoubleToInt64Bits x2 then
                failwith $"{label}: step {t} gives {x1} and {x2}")

let ``with no informative rows the kernel draws from the prior`` () =
    let chains = kernelChains 7 0.8 1.3 [| 0.0 |] [| 0.0 |] [| 0.0 |] [| 0.0 |] 10000
    withinMcse "empty group" chains (0.8, 1.3)

let ``collapsed sufficient statistics give the same log-conditional as the per-row sum`` () =
    forAllSeeds (fun r ->
        let groups = 1 + r.Next 6
        let rows = 1 + r.Next 40
        let element = Array.init rows (fun _ -> r.Next groups)
        let n = Array.init rows (fun _ -> float (r.Next 35))
        let y = n |> Array.map (fun t -> float (r.Next(int t + 1)))
        let o = Array.init groups (fun _ -> uniform r -3.0 3.0)
        let c = Array.init groups (fun _ -> uniform r -2.0 2.0)
        let m, s = uniform r -2.0 2.0, uniform r 0.1 3.0
        let sumY = LogitKernel.collapse groups element y
        let sumN = LogitKernel.collapse groups element n

        Seq.init groups id
        |> Seq.forall (fun g ->
            let theta = uniform r -6.0 6.0

            let perRow =
                logNormal m s theta
                + Seq.sum (
                    seq {
                        for i in 0 .. rows - 1 do
                            if element.[i] = g then
                                yield logitRow n.[i] y.[i] (o.[g] + c.[g] * theta)
                    }
                )

            let collapsed =
                LogitKernel.logConditional m s [| sumY.[g] |] [| sumN.[g] |] [| o.[g] |] [| c.[g] |] theta

            abs (perRow - collapsed) <= 1e-10 * (1.0 + abs perRow)))

let ``the one-log ratio of log-conditionals equals their difference`` () =
    forAllSeeds (fun r ->
        let k = 1 + r.Next 3
        let y = Array.init k (fun _ -> float (r.Next 20))
        let n = y |> Array.map (fun v -> v + float (r.Next 20))
        let o = Array.init k (fun _ -> uniform r -3.0 3.0)
        let c = Array.init k (fun _ -> uniform r -2.0 2.0)
        let m, s = uniform r -2.0 2.0, uniform r 0.1 3.0
        // wide enough that some η fall outside ±30 and take the stable branch
        let t1, t0 = uniform r -25.0 25.0, uniform r -25.0 25.0

        let direct =
            LogitKernel.logConditional m s y n o c t1
            - LogitKernel.logConditional m s y n o c t0

        let ratio = LogitKernel.logConditionalRatio m s y n o c t1 t0
        abs (direct - ratio) <= 1e-9 * (1.0 + abs direct))

let ``collapsed group intercepts with known mu and tau match a 1-D grid posterior per group`` () =
    let m =
        model {
            let! theta = sample "theta" (Normal(0.3, 0.8)) |> over "g"
            do! observe "y" (Binomial(data "n", invLogit (0.4 + 1.5 * theta.[group "g"])))
        }

    let g = [| "a"; "a"; "a"; "b"; "b"; "c"; "c" |]
    let n = [| 10; 4; 7; 20; 14; 3; 5 |]
    let y = [| 2; 1; 0; 20; 14; 1; 4 |]

    let d =
        Dataset.empty
        |> Dataset.labels "g" g
        |> Dataset.integers "n" n
        |> Dataset.integers "y" y

    let plan = planOf Rules.builtIn m d
    methodIs plan "theta" "logistic intercepts (Laplace-t independence MH)"
    let post = Chains.run options plan

    exactPerLevel post "theta" g [ "a"; "b"; "c" ] (fun rows t ->
        logNormal 0.3 0.8 t
        + (rows
           |> List.sumBy (fun r -> logitRow (float n.[r]) (float y.[r]) (0.4 + 1.5 * t))))

/// The posterior means of `name` under the collapsed update and under Pólya-Gamma agree within 4 MCSE of their
/// difference (independent runs).
let private collapsedAgreesWithPolyaGamma (collapsed: Posterior) (augmented: Posterior) (name: string) =
    let x1, x2 = Posterior.chains name collapsed, Posterior.chains name augmented
    let diff = abs (Diagnostics.mean x1 - Diagnostics.mean x2)

    let tol =
        4.0 * sqrt (Diagnostics.mcseMean x1 ** 2.0 + Diagnostics.mcseMean x2 ** 2.0)

    Assert.True(
        diff < tol,
        $"{name}: collapsed {Diagnostics.mean x1} vs Pólya-Gamma {Diagnostics.mean x2}, 4 MCSE = {tol}"
    )

let ``the collapsed update and Pólya-Gamma agree on the cbpp random-intercept posterior`` () =
    let build (offset: Expr) =
        model {
            let! mu = sample "mu" (Normal(0.0, 2.5))
            let! tau = sample "tau" (HalfNormal 1.0)
            let! a = sample "a" (Normal(mu, tau)) |> over "herd"
            do! observe "incidence" (Binomial(data "size", invLogit (a.[group "herd"] + offset)))
        }

    let d = csv "cbpp.csv"
    // the tabulated pass would move mu, tau and a as one step; off, a keeps the collapsed update compared here
    let collapsed =
        planUsing (CompileSettings.Default.WithTabulatedHyperparameters false) (build (Const 0.0)) d

    // 0 · size is zero on every row, but it is row data, so the rows do not collapse and Pólya-Gamma is kept
    let augmented = planOf Rules.builtIn (build (Mul(Const 0.0, Data "size"))) d
    methodIs collapsed "a" "logistic intercepts (Laplace-t independence MH)"
    Assert.StartsWith("Pólya-Gamma logistic", (methodOf augmented "a").Method)

    let run plan =
        Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(300).WithDraws(2500).WithSeed(5)) plan

    let p1, p2 = run collapsed, run augmented

    for name in [ "mu"; "tau"; "a[1]"; "a[6]"; "a[15]" ] do
        collapsedAgreesWithPolyaGamma p1 p2 name

let ``collapsed intercepts whose shared offset reads a parameter agree with Pólya-Gamma`` () =
    let build (extra: Expr) =
        model {
            let! shift = sample "shift" (Normal(0.0, 1.0))
            let! theta = sample "theta" (Normal(0.3, 0.8)) |> over "g"
            do! observe "y" (Binomial(data "n", invLogit (shift + theta.[group "g"] + extra)))
        }

    let d =
        Dataset.empty
        |> Dataset.labels "g" [| "a"; "a"; "b"; "b"; "c"; "d" |]
        |> Dataset.integers "n" [| 10; 4; 20; 14; 3; 25 |]
        |> Dataset.integers "y" [| 2; 1; 17; 14; 1; 5 |]

    // the shared-ω pass would draw shift and theta as one block; off, theta keeps its own update, which is compared
    let ownUpdates (m: Model) =
        planUsing (CompileSettings.Default.WithSharedOmega false) m d

    let collapsed = ownUpdates (build (Const 0.0))
    let augmented = ownUpdates (build (Mul(Const 0.0, Data "n")))
    methodIs collapsed "theta" "logistic intercepts (Laplace-t independence MH)"
    Assert.StartsWith("Pólya-Gamma logistic", (methodOf augmented "theta").Method)

    let run plan =
        Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(300).WithDraws(3000).WithSeed(9)) plan

    let p1, p2 = run collapsed, run augmented

    for name in [ "shift"; "theta[1]"; "theta[2]"; "theta[4]" ] do
        collapsedAgreesWithPolyaGamma p1 p2 name

/// Posterior means and sds of (μ, τ) for θ_j ~ Normal(μ, τ) with binomial-logit groups, on a 301 × 301 grid; each
/// group's θ is integrated out exactly enough by θ = μ + τz on a uniform z-grid over ±8 (the Normal weight is in z).
let private hyperGrid (logPriorMu: float -> float) (logPriorTau: float -> float) (groups: (int * int)[]) =
    let zs = Array.init 321 (fun i -> -8.0 + 16.0 * float i / 320.0)
    let wz = zs |> Array.map (fun z -> -0.5 * z * z)

    let logMarginal mu tau =
        groups
        |> Array.sumBy (fun (n, y) ->
            let terms =
                Array.init zs.Length (fun i -> wz.[i] + logitRow (float n) (float y) (mu + tau * zs.[i]))

            let top = Array.max terms
            top + log (terms |> Array.sumBy (fun t -> exp (t - top))))

    grid2 (-5.0, 5.0) (1e-4, 5.0) (fun mu tau -> logPriorMu mu + logPriorTau tau + logMarginal mu tau)

let private hyperModel (tauPrior: Dist) =
    model {
        let! mu = sample "mu" (Normal(0.0, 1.5))
        let! tau = sample "tau" tauPrior
        let! a = sample "a" (Normal(mu, tau)) |> over "g"
        do! observe "y" (Binomial(data "n", invLogit a.[group "g"]))
    }

/// Four groups' (trials, events).
let private hyperGroups = [| 20, 2; 15, 9; 30, 25; 8, 3 |]

/// One row per group of (trials, events).
let private hyperData (groups: (int * int)[]) =
    Dataset.empty
    |> Dataset.labels "g" (groups |> Array.mapi (fun i _ -> $"g{i}"))
    |> Dataset.integers "n" (Array.map fst groups)
    |> Dataset.integers "y" (Array.map snd groups)

/// The (μ, τ) posterior of `hyperModel` on `groups` against `hyperGrid`, with the tabulated joint step (`tabulated`)
/// or the τ interweaving sweep it replaces.
let private hyperCheckOn (groups: (int * int)[]) (tabulated: bool) (tauPrior: Dist) (logPriorTau: float -> float) =
    let plan =
        planUsing
            (CompileSettings.Default.WithTabulatedHyperparameters tabulated)
            (hyperModel tauPrior)
            (hyperData groups)

    if tabulated then
        Assert.Equal(UpdateKind.JointLogitNormal, plan.Updates.[0].Kind)
        Assert.Equal(1, plan.Updates.Length)
    else
        Assert.Contains(
            plan.Updates,
            fun u ->
                u.Node = "tau | a"
                && u.Method.StartsWith "interweaving (moves tau with (a - mu)/tau fixed"
        )

    let post =
        Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(5000).WithSeed(17)) plan

    let (muMean, muSd), (tauMean, tauSd) =
        hyperGrid (logNormal 0.0 1.5) logPriorTau groups

    exactCheck post "mu" (muMean, muSd)
    exactCheck post "tau" (tauMean, tauSd)

let private hyperCheck = hyperCheckOn hyperGroups

let ``with the tau interweaving move the hyperparameters match an exact (mu, tau) grid posterior under a HalfNormal prior``
    ()
    =
    hyperCheck false (HalfNormal 1.0) (fun t -> -0.5 * t * t)

let ``with the tau interweaving move the hyperparameters match an exact (mu, tau) grid posterior under a Gamma prior``
    ()
    =
    hyperCheck false (Gamma(2.0, 2.0)) (fun t -> log t - 2.0 * t)

let ``the joint tabulated step matches an exact (mu, tau) grid posterior under a HalfNormal prior`` () =
    hyperCheck true (HalfNormal 1.0) (fun t -> -0.5 * t * t)

let ``the joint tabulated step matches an exact (mu, tau) grid posterior under a Gamma prior`` () =
    hyperCheck true (Gamma(2.0, 2.0)) (fun t -> log t - 2.0 * t)

let ``the joint tabulated step matches the exact grid posterior when a group has no trials and two have no events`` () =
    hyperCheckOn [| 0, 0; 30, 0; 25, 3; 10, 0; 40, 9 |] true (HalfNormal 1.0) (fun t -> -0.5 * t * t)

let ``the precomputed Newton start gives the same Laplace mode and curvature as the one computed per step`` () =
    let r = rng 23

    for _ in 1..500 do
        let k = 1 + r.Next 4
        let n = Array.init k (fun _ -> float (r.Next 40))
        let y = n |> Array.map (fun nn -> floor (r.NextDouble() * (nn + 1.0)))
        let o = Array.init k (fun _ -> 2.0 * r.NextDouble() - 1.0)
        let c = Array.init k (fun i -> if i = 0 then 1.0 else 3.0 * r.NextDouble() - 1.5)
        let m, s = 4.0 * r.NextDouble() - 2.0, 0.2 + 3.0 * r.NextDouble()
        let struct (w0, ell) = LogitKernel.empirical y n
        let struct (x1, h1) = LogitKernel.laplace m s y n o c
        let struct (x2, h2) = LogitKernel.laplaceWith m s y n o c w0 ell
        Assert.True(abs (x1 - x2) < 1e-10 * (1.0 + abs x1), $"mode {x1} vs {x2}")
        Assert.True(abs (h1 - h2) < 1e-10 * (1.0 + abs h1), $"curvature {h1} vs {h2}")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.LogitKernelTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.LogitKernelTests"
            [
                Expecto.Tests.testCase
                    "the Laplace-t kernel leaves one-group logistic conditionals invariant, by grid mean and sd within 4 MCSE"
                    (fun () ->
                        ``the Laplace-t kernel leaves one-group logistic conditionals invariant, by grid mean and sd within 4 MCSE`` ())
                Expecto.Tests.testCase
                    "the compiled kernel with one Newton step and a precomputed start leaves the same conditionals invariant"
                    (fun () ->
                        ``the compiled kernel with one Newton step and a precomputed start leaves the same conditionals invariant`` ())
                Expecto.Tests.testCase
                    "the scalar one-child kernel draws bit for bit what the compiled kernel draws"
                    (fun () -> ``the scalar one-child kernel draws bit for bit what the compiled kernel draws`` ())
                Expecto.Tests.testCase "with no informative rows the kernel draws from the prior" (fun () ->
                    ``with no informative rows the kernel draws from the prior`` ())
                Expecto.Tests.testCase
                    "collapsed sufficient statistics give the same log-conditional as the per-row sum"
                    (fun () -> ``collapsed sufficient statistics give the same log-conditional as the per-row sum`` ())
                Expecto.Tests.testCase "the one-log ratio of log-conditionals equals their difference" (fun () ->
                    ``the one-log ratio of log-conditionals equals their difference`` ())
                Expecto.Tests.testCase
                    "collapsed group intercepts with known mu and tau match a 1-D grid posterior per group"
                    (fun () ->
                        ``collapsed group intercepts with known mu and tau match a 1-D grid posterior per group`` ())
                Expecto.Tests.testCase
                    "the collapsed update and Pólya-Gamma agree on the cbpp random-intercept posterior"
                    (fun () -> ``the collapsed update and Pólya-Gamma agree on the cbpp random-intercept posterior`` ())
                Expecto.Tests.testCase
                    "collapsed intercepts whose shared offset reads a parameter agree with Pólya-Gamma"
                    (fun () -> ``collapsed intercepts whose shared offset reads a parameter agree with Pólya-Gamma`` ())
                Expecto.Tests.testCase
                    "with the tau interweaving move the hyperparameters match an exact (mu, tau) grid posterior under a HalfNormal prior"
                    (fun () ->
                        ``with the tau interweaving move the hyperparameters match an exact (mu, tau) grid posterior under a HalfNormal prior`` ())
                Expecto.Tests.testCase
                    "with the tau interweaving move the hyperparameters match an exact (mu, tau) grid posterior under a Gamma prior"
                    (fun () ->
                        ``with the tau interweaving move the hyperparameters match an exact (mu, tau) grid posterior under a Gamma prior`` ())
                Expecto.Tests.testCase
                    "the joint tabulated step matches an exact (mu, tau) grid posterior under a HalfNormal prior"
                    (fun () ->
                        ``the joint tabulated step matches an exact (mu, tau) grid posterior under a HalfNormal prior`` ())
                Expecto.Tests.testCase
                    "the joint tabulated step matches an exact (mu, tau) grid posterior under a Gamma prior"
                    (fun () ->
                        ``the joint tabulated step matches an exact (mu, tau) grid posterior under a Gamma prior`` ())
                Expecto.Tests.testCase
                    "the joint tabulated step matches the exact grid posterior when a group has no trials and two have no events"
                    (fun () ->
                        ``the joint tabulated step matches the exact grid posterior when a group has no trials and two have no events`` ())
                Expecto.Tests.testCase
                    "the precomputed Newton start gives the same Laplace mode and curvature as the one computed per step"
                    (fun () ->
                        ``the precomputed Newton start gives the same Laplace mode and curvature as the one computed per step`` ())
            ])
