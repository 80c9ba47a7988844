(**
# A4. Shrinkage in closed form: no, complete and partial pooling; empirical vs full Bayes

Half of hierarchical modelling is closed-form. `HierFunctional.Analytic` gives the shrinkage factors, marginal
distributions, empirical-Bayes estimators and exact low-dimensional posteriors directly — no sampling — and the
sampler is tested against them. Every function's XML doc states the identity it implements.
*)
#load "references.fsx"
open System.IO
open HierFunctional
open HierFunctional.Analytic

let printTable (title: string) (t: PoolingTable) (names: string[]) =
    printfn "\n%s   (prior for partial pooling: %s)" title t.Prior
    printfn "group   no pooling   complete pooling   partial pooling (sd)   weight on own data"
    for r in t.Rows do
        printfn "%-6s  %10.3f   %16.3f   %11.3f (%.3f)   %18.3f" names.[r.Group] r.NoPooling r.CompletePooling r.PartialPooling r.PartialPoolingSd r.DataWeight

(**
## Hospitals: readmissions against expectation (Gamma-Poisson with exposure)

Three hospitals saw 6, 2 and 48 readmissions where 4, 4 and 40 were expected. Alone, their ratios are 1.5, 0.5
and 1.2; pooled, 56/48 ≈ 1.17. With a Gamma(α, β) prior on the ratio the posterior mean is (y+α)/(E+β): a blend
of y/E and α/β with weight E/(E+β) on the hospital's own data, so the small hospitals move most.
*)
let counts, expected = [| 6; 2; 48 |], [| 4.0; 4.0; 40.0 |]
let hospitals = [| "H1"; "H2"; "H3" |]
let given = Pooling.poissonWithPrior 10.0 10.0 counts expected
printTable "Hospitals, Gamma(10, 10) prior" given hospitals
if abs (given.Pooled - 56.0 / 48.0) > 1e-12 then failwith "pooled ratio must be 56/48"

let eb = Pooling.poisson counts expected
printTable "Hospitals, prior by marginal maximum likelihood" eb hospitals
printfn "(three hospitals show no over-dispersion, so the ML prior sits at complete pooling: honest, not a bug)"

(**
## Eight schools: empirical Bayes (a point estimate of tau) vs full Bayes (integrating over tau)

DerSimonian–Laird, ML and REML estimate tau² from the data and plug it in. For eight schools all three say
tau² = 0 — complete pooling, with intervals that ignore the uncertainty in tau. Full Bayes integrates over tau
(BDA3 §5.4) on an adaptive grid, and keeps the schools apart a little.
*)
let schools = Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "data", "eight_schools.csv"))

let col name =
    match Dataset.tryColumn name schools with
    | Some(Column.Integers v) -> Array.map float v
    | Some(Column.Reals v) -> v
    | other -> failwithf "%A" other

let y, sigma = col "y", col "sigma"

for m in [ TauMethod.DerSimonianLaird; TauMethod.ML; TauMethod.REML ] do
    let fit = EmpiricalBayes.randomEffects m y (sigma |> Array.map (fun s -> s * s))
    printfn "%-18A tau² = %.3f (se %.3f)   mu = %.3f (se %.3f)" m fit.Tau2 fit.Tau2Se fit.Mu fit.MuSe

let full = GridPosterior.normalHierarchy 200 MuPrior.Flat GridPosterior.uniformTau y sigma
printfn "\nfull Bayes (flat mu, uniform tau): E[tau] = %.3f, E[mu] = %.3f (sd %.3f), integration error %.1e" full.Tau.Mean full.Mu.Mean full.Mu.Sd full.IntegrationError
printfn "school   y     E[theta | y]  sd"
Array.iteri (fun j (m: Moments) -> printfn "%-6s %5.1f   %8.2f  %6.2f" (string "ABCDEFGH".[j]) y.[j] m.Mean m.Sd) full.Theta

(** Shrinkage factors at the posterior mean of tau, B_j = σ_j²/(σ_j²+τ²): *)
let tauHat = full.Tau.Mean
printfn "\nB_j at tau = %.2f: %s" tauHat (sigma |> Array.map (fun s -> sprintf "%.2f" (Shrinkage.factor (s * s) (tauHat * tauHat))) |> String.concat " ")

(**
## Rat tumours: empirical Bayes vs full Bayes for the Beta-Binomial (BDA3 §5.3)

Marginal ML estimates (α, β) once; the full-Bayes grid under p(α, β) ∝ (α+β)^(−5/2) integrates over them. For the
current experiment (4 of 14 rats) the two agree on the mean but full Bayes is a little wider.
*)
let rats = Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "data", "rats.csv"))

let ints name =
    match Dataset.tryColumn name rats with
    | Some(Column.Integers v) -> v
    | other -> failwithf "%A" other

let ys, ns = ints "y", ints "n"
let mom = EmpiricalBayes.betaBinomialMoments ys ns
let ml = EmpiricalBayes.betaBinomialML ys ns
printfn "\nmethod of moments: alpha = %.2f, beta = %.2f" mom.Alpha mom.Beta
printfn "marginal ML:       alpha = %.3f (se %.3f), beta = %.3f (se %.3f)" ml.Alpha ml.AlphaSe ml.Beta ml.BetaSe
let grid = GridPosterior.betaBinomial 100 ys ns
printfn "full Bayes grid:   mode of (log(a/b), log(a+b)) = (%.3f, %.3f)  [BDA3: (-1.79, 2.74)]" (grid.ModeLogRatio) (grid.ModeLogSum)
let ebLast = Shrinkage.betaBinomial ml.Alpha ml.Beta ys.[70] ns.[70]
printfn "experiment 71 (4/14): EB posterior mean %.4f (sd %.4f); full Bayes %.4f (sd %.4f)" ebLast.Mean ebLast.Sd grid.Theta.[70].Mean grid.Theta.[70].Sd

(**
## Marginals and variance decomposition

Integrating the group parameter out gives the marginal of the data: Gamma-Poisson → Negative Binomial,
Beta-Binomial, Normal-Normal N(μ, τ²+σ²/n). The law of total variance splits a three-level model's variance into
school, classroom and student shares; the intra-class correlation is τ²/(τ²+σ²).
*)
printfn "\nP(y = 3 | Gamma(2, 1) rate, exposure 1.5) = %.5f (Negative Binomial)" (Marginals.negativeBinomialPmf 2.0 1.0 1.5 3)
let v = Marginals.threeLevel 6.0 3.0 8.0
printfn "three levels (school sd 6, classroom sd 3, student sd 8): %A" v
printfn "ICC of two students in one school (two levels, tau 5, sigma 10): %.3f" (Marginals.icc 5.0 10.0)

// The tutorial's key numbers are checked, so CI fails if they drift.
if abs (grid.ModeLogRatio + 1.79) > 0.01 || abs (grid.ModeLogSum - 2.74) > 0.01 then failwith "rat-tumour mode drifted from BDA3"
if full.Theta.[0].Mean < 10.0 || full.Theta.[0].Mean > 12.5 then failwith "eight-schools E[theta_A] drifted"
