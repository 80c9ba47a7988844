(**
# 4. Pumps: Gamma-Poisson rates, the Negative Binomial marginal, and overdispersion

Ten pumps of a nuclear plant had x_i failures in t_i thousand hours (Gaver & O'Muircheartaigh 1987; the BUGS
"pumps" example). Rates per pump, with exposure:

    x_i ~ Poisson(theta_i · t_i),  theta_i ~ Gamma(alpha, beta),  alpha ~ Exponential(1),  beta ~ Gamma(0.1, 1).

Given (alpha, beta), theta_i | x ~ Gamma(alpha + x_i, beta + t_i): posterior mean (x_i + alpha)/(t_i + beta), a
blend of the raw rate x_i/t_i (weight t_i/(t_i + beta)) and the population mean alpha/beta. Integrating theta_i
out gives the marginal of a count: Negative Binomial with P(x) = Γ(x+α)/(Γ(α) x!) · (β/(β+t))^α · (t/(β+t))^x,
whose variance exceeds its mean — which is how the hierarchy accounts for **overdispersion**.
*)
#load "references.fsx" "charts.fsx"
open System
open System.IO
open HierFunctional
open HierFunctional.Analytic
open HierFunctional.Plots
open MathNet.Numerics.Distributions

let pumps = Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "data", "pumps.csv"))

let x =
    match Dataset.tryColumn "x" pumps with
    | Some(Column.Integers v) -> v
    | other -> failwithf "%A" other

let t =
    match Dataset.tryColumn "t" pumps with
    | Some(Column.Reals v) -> v
    | other -> failwithf "%A" other

(**
## Is there overdispersion?

Under complete pooling (one rate for all pumps) the counts are Poisson(lambda·t_i) with lambdâ = Σx/Σt. The
Pearson statistic Σ(x_i − lambdâ t_i)²/(lambdâ t_i) is then approximately chi-squared with 9 degrees of freedom.
*)
let lambda = float (Array.sum x) / Array.sum t
let pearson = Array.map2 (fun xi ti -> (float xi - lambda * ti) ** 2.0 / (lambda * ti)) x t |> Array.sum
let pValue = 1.0 - ChiSquared.CDF(9.0, pearson)
printfn "pooled rate %.4f per 1000 h; Pearson X² = %.1f on 9 df, p = %.2g" lambda pearson pValue

(**
The Negative Binomial marginal with (alpha, beta) by marginal maximum likelihood against the Poisson: the
likelihood-ratio statistic is huge, so a single rate does not describe these pumps.
*)
let ml = EmpiricalBayes.gammaPoissonML x t
let nbLogLik = EmpiricalBayes.gammaPoissonLogLikelihood x t ml.Alpha ml.Beta
let poissonLogLik = Array.map2 (fun xi ti -> Poisson.PMFLn(lambda * ti, xi)) x t |> Array.sum
printfn "marginal ML: alpha = %.3f (se %.3f), beta = %.3f (se %.3f)" ml.Alpha ml.AlphaSe ml.Beta ml.BetaSe
printfn "log-likelihood: Negative Binomial %.2f, Poisson %.2f; 2·difference = %.1f" nbLogLik poissonLogLik (2.0 * (nbLogLik - poissonLogLik))

(** The marginal is a proper distribution over counts: each pump's P(x) sums to 1 and its mean is t·alpha/beta. *)
for i in [ 0; 4 ] do
    let pmf = Array.init 20000 (fun k -> Marginals.negativeBinomialPmf ml.Alpha ml.Beta t.[i] k)
    let mean = pmf |> Array.mapi (fun k p -> float k * p) |> Array.sum
    printfn "pump %d: Σ P(x) = %.6f, E[x] = %.3f = t·alpha/beta = %.3f; P(observed x = %d) = %.4f" (i + 1) (Array.sum pmf) mean (t.[i] * ml.Alpha / ml.Beta) x.[i] pmf.[x.[i]]

(** ## Full Bayes by Gibbs: every update is closed form except alpha's *)
let draws = if References.quick then 2500 else 20000
let options = SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(draws).WithSeed(10)

let plan =
    match Bind.bind Examples.pumps pumps |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

printfn "\n%s\n" (Gibbs.describe plan)
let post = Chains.run options plan
printfn "%s" (Summary.format (Summary.compute post))

(** No, complete and partial pooling: the short-exposure pumps (5–10, t ≈ 1–2) move most toward alpha/beta. *)
let shrinkage = ShrinkageReport.report plan.Bound "theta" post
printfn "%s" (ShrinkageReport.format shrinkage)
Charts.save "pumps-shrinkage" (Plot.shrinkage shrinkage)
Charts.save "pumps-forest" (Plot.forest "theta" post)

(**
<iframe src="../charts/pumps-shrinkage.html" width="800" height="460" style="border:none" title="Shrinkage plot, ten pumps"></iframe>
<iframe src="../charts/pumps-forest.html" width="800" height="460" style="border:none" title="Forest plot of the pumps' failure rates"></iframe>
*)

(**
## Checks against JAGS

The same model run by JAGS 4.3.1 with 4 × 250,000 draws (tests/HierFunctional.Tests/fixtures/jags, with the
script that made it): every posterior mean agrees within 4 combined Monte Carlo standard errors.
*)
let jagsChecked = References.agreesWith "jags/pumps.csv" id post

// The marginal sums to one over counts (to 1e-9 with 20,000 terms: the tail is long when alpha < 1).
let mass = Array.init 20000 (fun k -> Marginals.negativeBinomialPmf ml.Alpha ml.Beta t.[0] k) |> Array.sum
if abs (mass - 1.0) > 1e-9 then failwithf "Negative Binomial marginal sums to %.12f" mass
printfn "all %d posterior means agree with JAGS within 4 MCSE" jagsChecked
if pValue > 1e-6 then failwith "the pumps should be clearly overdispersed"
printfn "all checks passed"
