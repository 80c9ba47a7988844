/// The log-linear count update (Poisson and Negative Binomial rows with a log link and Normal priors) against exact
/// grid posteriors: an intercept with exposures (1-D), an intercept and a slope (2-D, row-loop path), group
/// intercepts with known mu and tau (1-D per group), and a Negative Binomial intercept with its dispersion (2-D).
module HierFunctional.Tests.Gibbs.CountModelTests

open System
open HierFunctional.TestShim
open MathNet.Numerics
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests
open HierFunctional.Tests.Gibbs.MvGibbsTests
open HierFunctional.Tests.Gibbs.LogisticTests

let private poissonRow (y: float) (eta: float) = y * eta - exp eta

/// NB2(mean μ, dispersion φ) log pmf: log Γ(k + φ) − log Γ(φ) − log k! + φ log(φ/(μ + φ)) + k log(μ/(μ + φ)).
let private nbLogPmf (mu: float) (phi: float) (k: float) =
    SpecialFunctions.GammaLn(k + phi)
    - SpecialFunctions.GammaLn phi
    - SpecialFunctions.GammaLn(k + 1.0)
    + phi * log (phi / (mu + phi))
    + k * log (mu / (mu + phi))

let private ys = [| 2.0; 0.0; 5.0; 3.0; 9.0 |]
let private es = [| 1.5; 0.7; 2.0; 1.1; 3.2 |]
let private xs = [| -1.0; -0.2; 0.4; 0.1; 1.3 |]

let private countData =
    Dataset.empty
    |> Dataset.integers "y" (ys |> Array.map int)
    |> Dataset.reals "E" es
    |> Dataset.reals "x" xs

let ``a Normal log-rate intercept with exposures matches its 1-D grid posterior`` () =
    let m =
        model {
            let! alpha = sample "alpha" (Normal(0.0, 2.0))
            do! observe "y" (Poisson(exp (alpha + 0.3 * data "x"), data "E"))
        }

    let plan = planOf Rules.builtIn m countData
    methodIs plan "alpha" "log-linear count slice"

    let logPost a =
        logNormal 0.0 2.0 a
        + Array.sum (Array.init 5 (fun i -> poissonRow ys.[i] (a + 0.3 * xs.[i] + log es.[i])))

    exactCheck (Chains.run options plan) "alpha" (grid1 -8.0 8.0 logPost)

let ``a Poisson intercept and slope match the 2-D grid posterior`` () =
    let m =
        model {
            let! alpha = sample "alpha" (Normal(0.0, 2.0))
            let! beta = sample "beta" (Normal(0.0, 1.0))
            do! observe "y" (Poisson(exp (alpha + beta * data "x"), data "E"))
        }

    // the scalar rule itself: by default the GLM block takes both coefficients
    let plan = planUsing (CompileSettings.Default.WithGlmBlock false) m countData

    methodIs plan "beta" "log-linear count slice"

    let ea, eb =
        grid2 (-4.0, 4.0) (-4.0, 4.0) (fun a b ->
            logNormal 0.0 2.0 a
            + logNormal 0.0 1.0 b
            + Array.sum (Array.init 5 (fun i -> poissonRow ys.[i] (a + b * xs.[i] + log es.[i]))))

    let post = Chains.run options plan
    exactCheck post "alpha" ea
    exactCheck post "beta" eb

let ``Poisson-lognormal group intercepts with known mu and tau match a 1-D grid posterior per group`` () =
    let m =
        model {
            let! theta = sample "theta" (Normal(-0.5, 0.7)) |> over "g"
            do! observe "y" (Poisson(exp theta.[group "g"], data "E"))
        }

    let g = [| "a"; "a"; "b"; "c"; "c"; "c" |]
    let y = [| 4; 1; 0; 7; 3; 5 |]
    let e = [| 2.0; 1.0; 0.5; 3.0; 1.5; 2.5 |]

    let d =
        Dataset.empty
        |> Dataset.labels "g" g
        |> Dataset.integers "y" y
        |> Dataset.reals "E" e

    let plan = planOf Rules.builtIn m d
    methodIs plan "theta" "log-linear count slice"
    let post = Chains.run options plan

    [ "a"; "b"; "c" ]
    |> List.iteri (fun j level ->
        let rows = [ 0 .. g.Length - 1 ] |> List.filter (fun r -> g.[r] = level)

        let logPost t =
            logNormal -0.5 0.7 t
            + (rows |> List.sumBy (fun r -> poissonRow (float y.[r]) (t + log e.[r])))

        exactCheck post $"theta[{j + 1}]" (grid1 -8.0 8.0 logPost))

let ``a Negative Binomial intercept and its dispersion match the 2-D grid posterior`` () =
    let m =
        model {
            let! alpha = sample "alpha" (Normal(1.0, 2.0))
            let! phi = sample "phi" (Gamma(2.0, 0.5))
            do! observe "y" (NegativeBinomial(exp alpha, phi))
        }

    let y = [| 0; 3; 12; 1; 7; 2; 0; 5 |]
    let d = Dataset.empty |> Dataset.integers "y" y
    let plan = planOf Rules.builtIn m d
    methodIs plan "alpha" "log-linear count slice"
    methodIs plan "phi" "slice"

    // grid over (alpha, log phi); the Gamma(2, 0.5) density in log phi carries the Jacobian phi
    let logPost a u =
        let phi = exp u

        logNormal 1.0 2.0 a
        + (2.0 * u - 0.5 * phi)
        + Array.sumBy (fun k -> nbLogPmf (exp a) phi (float k)) y

    let (ea, (lm, ls)) = grid2 (-3.0, 5.0) (-6.0, 6.0) logPost
    let post = Chains.run options plan
    exactCheck post "alpha" ea
    // the slice fallback moves log phi; compare the mean of log phi through the draws of phi
    let logPhi = Posterior.chains "phi" post |> Array.map (Array.map log)
    let mean, mcse = Diagnostics.mean logPhi, Diagnostics.mcseMean logPhi
    Assert.True(abs (mean - lm) < 4.0 * mcse, $"log phi: mean {mean} vs exact {lm}, 4 MCSE {4.0 * mcse} (sd {ls})")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.CountModelTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.CountModelTests"
            [
                Expecto.Tests.testCase
                    "a Normal log-rate intercept with exposures matches its 1-D grid posterior"
                    (fun () -> ``a Normal log-rate intercept with exposures matches its 1-D grid posterior`` ())
                Expecto.Tests.testCase "a Poisson intercept and slope match the 2-D grid posterior" (fun () ->
                    ``a Poisson intercept and slope match the 2-D grid posterior`` ())
                Expecto.Tests.testCase
                    "Poisson-lognormal group intercepts with known mu and tau match a 1-D grid posterior per group"
                    (fun () ->
                        ``Poisson-lognormal group intercepts with known mu and tau match a 1-D grid posterior per group`` ())
                Expecto.Tests.testCase
                    "a Negative Binomial intercept and its dispersion match the 2-D grid posterior"
                    (fun () -> ``a Negative Binomial intercept and its dispersion match the 2-D grid posterior`` ())
            ])
