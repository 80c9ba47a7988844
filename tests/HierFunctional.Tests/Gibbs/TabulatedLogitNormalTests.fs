/// cbpp's logistic random intercepts (mu ~ Normal(0, 2.5), tau ~ HalfNormal(1), a_j ~ Normal(mu, tau),
/// incidence ~ Binomial(size, invLogit a[herd])) against nested quadrature: a 2-D trapezoid in (mu, log tau) of the
/// marginal with every a_j integrated out, each herd's integral a 1-D trapezoid around its mode. The tests check the
/// posterior, not the method, so they hold for whatever plan the default settings compile (the joint independence-MH
/// step of (mu, tau, a) when it exists) and with `TabulatedHyperparameters` off. The quadrature itself is checked
/// against an independent one in R (fixtures/cbpp-quadrature).
module HierFunctional.Tests.Gibbs.TabulatedLogitNormalTests

open System
open System.IO
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Testing
open HierFunctional.Tests.Gibbs.GibbsTests
open type Distributions

let private cbppModel =
    model {
        let! mu = sample "mu" (Normal(0.0, 2.5))
        let! tau = sample "tau" (HalfNormal 1.0)
        let! a = sample "a" (Normal(mu, tau)) |> over "herd"
        do! observe "incidence" (Binomial(data "size", invLogit a.[group "herd"]))
    }

let private cbppData = CanonicalModelTests.csv "cbpp.csv"

/// Σ incidence and Σ size per herd, in the herd column's level order (a_j is each row's only predictor, so a herd's
/// rows give the likelihood p^Σy (1 − p)^Σ(n−y) up to binomial coefficients, which do not involve the parameters).
let private herdSums =
    match Dataset.tryColumn "herd" cbppData with
    | Some(Column.Labels(values, levels)) ->
        let ys, ns =
            CanonicalModelTests.reals cbppData "incidence", CanonicalModelTests.reals cbppData "size"

        levels
        |> Array.map (fun level ->
            let rows =
                [| 0 .. values.Length - 1 |] |> Array.filter (fun r -> values.[r] = level)

            rows |> Array.sumBy (fun r -> ys.[r]), rows |> Array.sumBy (fun r -> ns.[r]))
    | other -> failwithf "herd: %A" other

/// One herd with y of n given (mu, tau): log ∫ p^y (1 − p)^(n−y) Normal(a; mu, tau) da (p = invLogit a) and a's
/// conditional E[a], E[a²]. The trapezoid rule on a = m + 0.6·s·k, k = −32 … 32, where m is the integrand's mode
/// (safeguarded Newton) and s its curvature sd: ±19 s reaches far into both tails (the heavier one falls as e^(y·a)
/// only), and the integrand is analytic in a strip of half-width π, so the rule's error is far below 1e-10.
let private herdIntegral (y: float) (n: float) (mu: float) (tau: float) =
    let prec = 1.0 / (tau * tau)

    let logf a =
        LogisticTests.logitRow n y a - 0.5 * prec * (a - mu) * (a - mu)
    // start between the data's logit and mu, weighted by their precisions; steps clipped to 1 keep Newton stable
    let mutable m =
        let w = (y + 0.5) * (n - y + 0.5) / (n + 1.0)
        (w * log ((y + 0.5) / (n - y + 0.5)) + prec * mu) / (w + prec)

    let mutable iter = 0
    let mutable step = infinity

    while abs step > 1e-12 * (1.0 + abs m) && iter < 200 do
        let p = 1.0 / (1.0 + exp -m)
        step <- max -1.0 (min 1.0 ((y - n * p - prec * (m - mu)) / (n * p * (1.0 - p) + prec)))
        m <- m + step
        iter <- iter + 1

    let p = 1.0 / (1.0 + exp -m)
    let s = 1.0 / sqrt (n * p * (1.0 - p) + prec)
    let h = 0.6 * s
    let top = logf m
    let mutable z = 0.0
    let mutable s1 = 0.0
    let mutable s2 = 0.0

    for k in -32 .. 32 do
        let a = m + h * float k
        let w = exp (logf a - top)
        z <- z + w
        s1 <- s1 + w * a
        s2 <- s2 + w * a * a

    log (z * h) + top - log tau - 0.5 * log (2.0 * Math.PI), s1 / z, s2 / z

/// Exact moments of mu, tau and every a_j: the 2-D trapezoid rule in (mu, log tau) over [−7, 3] × [−22, 2.2] of
/// p(mu, log tau | y) ∝ Normal(mu; 0, 2.5) · HalfNormal(tau; 1) · tau · Π_j (herd j's integral), a_j's from its
/// conditional moments given (mu, tau). The log tau box reaches far down: as tau → 0 the density falls only as tau.
/// Halving either step changes no moment by 1e-11 (checked when written).
let private exact () =
    let n1, lo1, hi1 = 100, -7.0, 3.0
    let n2, lo2, hi2 = 150, -22.0, 2.2
    let us = Array.init n1 (fun i -> lo1 + (hi1 - lo1) / float (n1 - 1) * float i)
    let vs = Array.init n2 (fun k -> lo2 + (hi2 - lo2) / float (n2 - 1) * float k)
    let herds = herdSums.Length
    let lq = Array2D.zeroCreate n1 n2
    // a_j's conditional E[a], E[a²] at each node
    let am = Array.zeroCreate (n1 * n2 * herds * 2)

    for i in 0 .. n1 - 1 do
        for k in 0 .. n2 - 1 do
            let mu, tau = us.[i], exp vs.[k]
            let mutable l = -0.5 * mu * mu / (2.5 * 2.5) - 0.5 * tau * tau + vs.[k]

            for j in 0 .. herds - 1 do
                let y, n = herdSums.[j]
                let li, m1, m2 = herdIntegral y n mu tau
                let at = ((i * n2 + k) * herds + j) * 2
                l <- l + li
                am.[at] <- m1
                am.[at + 1] <- m2

            lq.[i, k] <- l

    let peak = assertBoxHoldsMass lq

    let mutable z = 0.0
    // mu, tau, then a_1 … a_J: first and second moments
    let sums = Array.zeroCreate (2 * (2 + herds))

    for i in 0 .. n1 - 1 do
        for k in 0 .. n2 - 1 do
            let w =
                (if i = 0 || i = n1 - 1 then 0.5 else 1.0)
                * (if k = 0 || k = n2 - 1 then 0.5 else 1.0)
                * exp (lq.[i, k] - peak)

            let mu, tau = us.[i], exp vs.[k]
            z <- z + w
            sums.[0] <- sums.[0] + w * mu
            sums.[1] <- sums.[1] + w * mu * mu
            sums.[2] <- sums.[2] + w * tau
            sums.[3] <- sums.[3] + w * tau * tau

            for j in 0 .. herds - 1 do
                let at = ((i * n2 + k) * herds + j) * 2
                sums.[4 + 2 * j] <- sums.[4 + 2 * j] + w * am.[at]
                sums.[5 + 2 * j] <- sums.[5 + 2 * j] + w * am.[at + 1]

    [ "mu"; "tau" ] @ [ for j in 1..herds -> $"a[{j}]" ]
    |> List.mapi (fun q name ->
        let m1, m2 = sums.[2 * q] / z, sums.[2 * q + 1] / z

        {
            Name = name
            Mean = m1
            Sd = sqrt (max 0.0 (m2 - m1 * m1))
        })

let private exactMoments = lazy (exact ())

/// The same moments by an independent quadrature in R (composite Gauss–Legendre in (mu, tau), R's `integrate` for
/// each herd's rows): fixtures/cbpp-quadrature/cbpp_quadrature.csv, made by make_cbpp_quadrature.R. The two agree
/// to 1e-10.
let private rQuadrature () =
    Path.Combine(__SOURCE_DIRECTORY__, "..", "fixtures", "cbpp-quadrature", "cbpp_quadrature.csv")
    |> File.ReadAllLines
    |> Array.skip 1
    |> Array.map (fun line ->
        let f = line.Split ','

        let x i =
            Double.Parse(f.[i].Trim(), Globalization.CultureInfo.InvariantCulture)

        f.[0], (x 1, x 2))
    |> Map.ofArray

let ``cbpp's quadrature posterior agrees with an independent quadrature in R to 1e-8`` () =
    let exact = exactMoments.Force()
    let r = rQuadrature ()
    Assert.Equal(17, exact.Length)

    for e in exact do
        let mean, sd = r.[e.Name]

        Assert.True(
            abs (e.Mean - mean) < 1e-8 && abs (e.Sd - sd) < 1e-8,
            $"{e.Name}: mean {e.Mean} vs R {mean}, sd {e.Sd} vs R {sd}"
        )

let private options =
    SamplerOptions.Default.WithChains(4).WithWarmup(500).WithDraws(20000).WithSeed(13)

let private matchesQuadrature (plan: GibbsPlan) =
    let methods =
        plan.Updates
        |> Array.map (fun u -> $"{u.Node}: {u.Method}")
        |> String.concat "; "

    ExactPosterior.compare 4.0 (Chains.run options plan) (exactMoments.Force())
    |> fun c -> Assert.True(c.Passed, $"{c.Message} Plan: {methods}.")

let ``cbpp's logistic intercepts match the quadrature posterior of mu, tau and every herd`` () =
    matchesQuadrature (planUsing CompileSettings.Default cbppModel cbppData)

let ``cbpp's logistic intercepts match the quadrature posterior of mu, tau and every herd with the tabulated step off``
    ()
    =
    matchesQuadrature (planUsing (CompileSettings.Default.WithTabulatedHyperparameters false) cbppModel cbppData)

let ``by default cbpp's mu, tau and herds move as one step that mixes them all at a bulk-ESS of at least 0.5 per draw``
    ()
    =
    let plan = planUsing CompileSettings.Default cbppModel cbppData
    Assert.Equal<string[]>([| "mu, tau, a" |], plan.Updates |> Array.map (fun u -> u.Node))
    Assert.Equal(UpdateKind.JointLogitNormal, plan.Updates.[0].Kind)

    let post =
        Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(1000).WithSeed(1)) plan

    for node in [ "mu"; "tau"; "a[1]"; "a[8]"; "a[15]" ] do
        let ess = Diagnostics.essBulk (Posterior.chains node post)
        Assert.True(ess >= 0.5 * 4000.0, $"{node} bulk-ESS {ess} in 4 x 1,000 draws")

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.Gibbs.TabulatedLogitNormalTests"
        [
            Expecto.Tests.testCase
                "cbpp's quadrature posterior agrees with an independent quadrature in R to 1e-8"
                (fun () -> ``cbpp's quadrature posterior agrees with an independent quadrature in R to 1e-8`` ())
            Expecto.Tests.testCase
                "cbpp's logistic intercepts match the quadrature posterior of mu, tau and every herd"
                (fun () -> ``cbpp's logistic intercepts match the quadrature posterior of mu, tau and every herd`` ())
            Expecto.Tests.testCase
                "cbpp's logistic intercepts match the quadrature posterior of mu, tau and every herd with the tabulated step off"
                (fun () ->
                    ``cbpp's logistic intercepts match the quadrature posterior of mu, tau and every herd with the tabulated step off`` ())
            Expecto.Tests.testCase
                "by default cbpp's mu, tau and herds move as one step that mixes them all at a bulk-ESS of at least 0.5 per draw"
                (fun () ->
                    ``by default cbpp's mu, tau and herds move as one step that mixes them all at a bulk-ESS of at least 0.5 per draw`` ())
        ]
