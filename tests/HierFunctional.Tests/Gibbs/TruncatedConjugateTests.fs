/// Truncated priors and truncated data in the Gibbs sampler: a conjugate prior truncated to constant bounds is drawn
/// from its truncated conjugate posterior, other truncated priors fall to slice sampling with a reason, and truncated
/// observations are never taken by a conjugate rule. Every posterior is checked against 1-D quadrature of
/// prior × likelihood within 4 MCSE.
module HierFunctional.Tests.Gibbs.TruncatedConjugateTests

open HierFunctional.TestShim
open MathNet.Numerics
open HierFunctional
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.GibbsTests
open type Distributions

/// Posterior mean and sd of a scalar by quadrature of exp(logPost) on [lo, hi].
let quadrature (logPost: float -> float) (lo: float) (hi: float) =
    let grid = Array.init 2001 (fun i -> lo + (hi - lo) * float i / 2000.0)

    let peak =
        grid |> Array.map logPost |> Array.filter System.Double.IsFinite |> Array.max

    let dens x = exp (logPost x - peak)

    let integrate f =
        Integrate.OnClosedInterval((fun x -> f x * dens x), lo, hi, 1e-10)

    let z = integrate (fun _ -> 1.0)
    let m = integrate id / z
    m, sqrt (integrate (fun x -> (x - m) ** 2.0) / z)

let opts seed =
    SamplerOptions.Default.WithChains(2).WithWarmup(200).WithDraws(4000).WithSeed(seed)

/// Fits, checks the node's update method starts with `method`, and compares mean and sd with quadrature.
let check (m: Model) (d: Dataset) (node: string) (method: string) (logPost: float -> float) lo hi seed =
    let plan = planOf Rules.builtIn m d
    let u = plan.Updates |> Array.find (fun u -> u.Node = node)
    Assert.StartsWith(method, u.Method)
    let post = Chains.run (opts seed) plan
    let mean, sd = quadrature logPost lo hi
    assertMean post node mean
    assertSd post node sd
    u

let ys = [| -0.5; 0.3; -1.2; 0.1 |]

let ``a Normal prior truncated below zero gets the truncated Normal-Normal draw and the exact posterior`` () =
    let m =
        model {
            let! theta = sample "theta" (TruncatedBelow(Normal(0.0, 2.0), 0.0))
            do! observe "y" (Normal(theta, 1.0))
        }

    let logPost t =
        if t < 0.0 then
            -infinity
        else
            LogPdf.normal 0.0 2.0 t + (ys |> Array.sumBy (fun y -> LogPdf.normal t 1.0 y))

    check m (Dataset.empty |> Dataset.reals "y" ys) "theta" "Normal-Normal truncated to T(0, )" logPost 0.0 10.0 1
    |> ignore

let ``Beta(1, 1) T(, 0.9999) with all successes gets the truncated Beta-Binomial draw`` () =
    let m =
        model {
            let! p = sample "p" (TruncatedAbove(Beta(1.0, 1.0), 0.9999))
            do! observe "y" (Binomial(data "n", p))
        }

    let d =
        Dataset.empty
        |> Dataset.integers "y" [| 2000; 1500 |]
        |> Dataset.integers "n" [| 2000; 1500 |]

    // Beta(3501, 1) puts most of its mass above 0.9999, so the bound decides the answer
    let logPost p =
        if p <= 0.0 || p > 0.9999 then -infinity else 3500.0 * log p

    check m d "p" "Beta-Binomial truncated to T(, 0.9999)" logPost 0.99 0.9999 2
    |> ignore

let ``group probabilities with a two-sided truncated Beta prior match their exact posteriors`` () =
    let m =
        model {
            let! p = sample "p" (Truncated(Beta(2.0, 2.0), 0.1, 0.4)) |> over "g"
            do! observe "y" (Binomial(data "n", p.[group "g"]))
        }

    let d =
        Dataset.empty
        |> Dataset.labels "g" [| "a"; "a"; "b" |]
        |> Dataset.integers "y" [| 4; 3; 1 |]
        |> Dataset.integers "n" [| 5; 5; 10 |]

    let plan = planOf Rules.builtIn m d
    Assert.StartsWith("Beta-Binomial truncated to T(0.1, 0.4)", plan.Updates.[0].Method)
    let post = Chains.run (opts 3) plan

    for name, y, n in [ "p[1]", 7.0, 10.0; "p[2]", 1.0, 10.0 ] do
        let logPost p =
            if p < 0.1 || p > 0.4 then
                -infinity
            else
                LogPdf.beta 2.0 2.0 p + y * log p + (n - y) * log (1.0 - p)

        let mean, sd = quadrature logPost 0.1 0.4
        assertMean post name mean
        assertSd post name sd

let ``a Gamma rate truncated above gets the truncated Gamma-Poisson draw`` () =
    let counts = [| 3; 2; 4 |]

    let m =
        model {
            let! lam = sample "lam" (TruncatedAbove(Gamma(2.0, 1.0), 1.5))
            do! observe "k" (Poisson lam)
        }

    let logPost l =
        if l <= 0.0 || l > 1.5 then
            -infinity
        else
            LogPdf.gamma 2.0 1.0 l
            + (counts |> Array.sumBy (fun k -> LogPdf.poisson l 1.0 (float k)))

    check
        m
        (Dataset.empty |> Dataset.integers "k" counts)
        "lam"
        "Gamma-Poisson truncated to T(, 1.5)"
        logPost
        1e-6
        1.5
        4
    |> ignore

let ``a Gamma rate truncated below gets the truncated Gamma-Exponential draw`` () =
    let xs = [| 0.5; 1.2; 0.3 |]

    let m =
        model {
            let! rate = sample "rate" (TruncatedBelow(Gamma(2.0, 1.0), 1.0))
            do! observe "x" (Exponential rate)
        }

    let logPost r =
        if r < 1.0 then
            -infinity
        else
            LogPdf.gamma 2.0 1.0 r + (xs |> Array.sumBy (LogPdf.exponential r))

    check m (Dataset.empty |> Dataset.reals "x" xs) "rate" "Gamma-Exponential truncated to T(1, )" logPost 1.0 30.0 5
    |> ignore

let scaleData = [| 1.3; -0.4; 2.2; 0.9; -1.7; 0.1; 3.0 |]

let ``a truncated Gamma precision gets the truncated Normal-Gamma draw`` () =
    let m =
        model {
            let! tau = sample "tau" (Truncated(Gamma(2.0, 1.0), 0.5, 2.0))
            do! observe "y" (NormalPrecision(0.5, tau))
        }

    let logPost t =
        if t < 0.5 || t > 2.0 then
            -infinity
        else
            LogPdf.gamma 2.0 1.0 t
            + (scaleData |> Array.sumBy (fun y -> LogPdf.normal 0.5 (1.0 / sqrt t) y))

    check
        m
        (Dataset.empty |> Dataset.reals "y" scaleData)
        "tau"
        "Normal scale (Gamma on a precision) truncated"
        logPost
        0.5
        2.0
        6
    |> ignore

let ``a truncated InverseGamma variance gets the truncated inverse-gamma draw`` () =
    let m =
        model {
            let! v = sample "v" (Truncated(InverseGamma(2.0, 1.0), 0.5, 3.0))
            do! observe "y" (Normal(0.5, sqrt v))
        }

    let logPost v =
        if v < 0.5 || v > 3.0 then
            -infinity
        else
            LogPdf.inverseGamma 2.0 1.0 v
            + (scaleData |> Array.sumBy (fun y -> LogPdf.normal 0.5 (sqrt v) y))

    check
        m
        (Dataset.empty |> Dataset.reals "y" scaleData)
        "v"
        "Normal scale (InverseGamma on a variance) truncated"
        logPost
        0.5
        3.0
        7
    |> ignore

let ``a truncated prior without a truncated conjugate form is sliced with the reason and still exact`` () =
    let m =
        model {
            let! s = sample "s" (TruncatedAbove(HalfNormal 2.0, 1.5))
            do! observe "y" (Normal(0.5, s))
        }

    let logPost s =
        if s <= 0.0 || s > 1.5 then
            -infinity
        else
            LogPdf.halfNormal 2.0 s
            + (scaleData |> Array.sumBy (fun y -> LogPdf.normal 0.5 s y))

    let u =
        check m (Dataset.empty |> Dataset.reals "y" scaleData) "s" "slice" logPost 1e-3 1.5 8

    Assert.Contains("the truncated form of the Normal scale update is not implemented", u.Reason)

let ``truncated observations with data-dependent bounds are sliced through their normalised density`` () =
    let y = [| 0.2; 1.5; 0.7; 2.5; 0.1 |]
    let lo = [| 0.0; 1.0; 0.0; 2.0; -1.0 |]

    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            do! observe "y" (TruncatedBelow(Normal(mu, 1.0), data "lo"))
        }

    // each row's density is φ(y − μ) / (1 − Φ(lo − μ)): the normaliser varies with μ and with the row
    let logPost mu =
        LogPdf.normal 0.0 5.0 mu
        + (Array.zip y lo
           |> Array.sumBy (fun (yi, li) ->
               LogPdf.normal mu 1.0 yi
               - log (MathNet.Numerics.Distributions.Normal.CDF(0.0, 1.0, mu - li))))

    let d = Dataset.empty |> Dataset.reals "y" y |> Dataset.reals "lo" lo
    let u = check m d "mu" "slice" logPost -15.0 10.0 9
    Assert.Contains("child 'y' is Truncated, not Normal", u.Reason)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.TruncatedConjugateTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.TruncatedConjugateTests"
            [
                Expecto.Tests.testCase
                    "a Normal prior truncated below zero gets the truncated Normal-Normal draw and the exact posterior"
                    (fun () ->
                        ``a Normal prior truncated below zero gets the truncated Normal-Normal draw and the exact posterior`` ())
                Expecto.Tests.testCase
                    "Beta(1, 1) T(, 0.9999) with all successes gets the truncated Beta-Binomial draw"
                    (fun () -> ``Beta(1, 1) T(, 0.9999) with all successes gets the truncated Beta-Binomial draw`` ())
                Expecto.Tests.testCase
                    "group probabilities with a two-sided truncated Beta prior match their exact posteriors"
                    (fun () ->
                        ``group probabilities with a two-sided truncated Beta prior match their exact posteriors`` ())
                Expecto.Tests.testCase "a Gamma rate truncated above gets the truncated Gamma-Poisson draw" (fun () ->
                    ``a Gamma rate truncated above gets the truncated Gamma-Poisson draw`` ())
                Expecto.Tests.testCase
                    "a Gamma rate truncated below gets the truncated Gamma-Exponential draw"
                    (fun () -> ``a Gamma rate truncated below gets the truncated Gamma-Exponential draw`` ())
                Expecto.Tests.testCase "a truncated Gamma precision gets the truncated Normal-Gamma draw" (fun () ->
                    ``a truncated Gamma precision gets the truncated Normal-Gamma draw`` ())
                Expecto.Tests.testCase
                    "a truncated InverseGamma variance gets the truncated inverse-gamma draw"
                    (fun () -> ``a truncated InverseGamma variance gets the truncated inverse-gamma draw`` ())
                Expecto.Tests.testCase
                    "a truncated prior without a truncated conjugate form is sliced with the reason and still exact"
                    (fun () ->
                        ``a truncated prior without a truncated conjugate form is sliced with the reason and still exact`` ())
                Expecto.Tests.testCase
                    "truncated observations with data-dependent bounds are sliced through their normalised density"
                    (fun () ->
                        ``truncated observations with data-dependent bounds are sliced through their normalised density`` ())
            ])
