(**
# 5. Students in classrooms in schools: three levels, the law of total variance, and the ICC

118 students in 14 classrooms in 6 schools (simulated, docs/data/SOURCES.md: school sd 6, classroom sd 3,
student sd 8, grand mean 70). The model nests the levels:

    score_i ~ Normal(class_c[i], sigma)                 students within classrooms
    class_c ~ Normal(school_s[c], tau_class)            classrooms within schools
    school_s ~ Normal(mu, tau_school)                   schools within the population

Nesting comes from the data: each classroom label belongs to one school, and binding checks that it does.

**Law of total variance.** With independent levels, Var(score) = tau_school² + tau_class² + sigma², so each
level's share of the variance is its component over the sum. Two students of one classroom share school and
classroom: their correlation (the intra-class correlation) is (tau_school² + tau_class²)/total; two students of
one school in different classrooms share only the school: tau_school²/total. All of these are functions of the
draws, so their posteriors come with MCSE and R-hat like any other quantity.
*)
#load "references.fsx"
open System.IO
open HierFunctional
open HierFunctional.Analytic

let data = Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "data", "three_level.csv"))
printfn "%s\n" (Print.model Examples.threeLevel)

let plan =
    match Bind.bind Examples.threeLevel data |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; ")

printfn "%s\n" (Gibbs.describe plan)
let draws = if References.quick then 2500 else 10000
let post = Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(draws).WithSeed(5)) plan
printfn "%s" (Summary.format (Summary.compute (Posterior.select [ "mu"; "tau_school"; "tau_class"; "sigma" ] post)))

(** ## Variance components and their shares, draw by draw *)
let levels = [ "tau_school"; "tau_class"; "sigma" ]
let decomposed = VarianceDecomposition.decompose levels post

let withIcc =
    decomposed
    |> Posterior.derive "icc_classroom" (fun r -> (r "var_tau_school" + r "var_tau_class") / (r "var_tau_school" + r "var_tau_class" + r "var_sigma"))
    |> Posterior.derive "icc_school" (fun r -> r "var_tau_school" / (r "var_tau_school" + r "var_tau_class" + r "var_sigma"))

printfn "%s" (Summary.format (Summary.compute (Posterior.select (VarianceDecomposition.names levels @ [ "icc_classroom"; "icc_school" ]) withIcc)))

(**
The same identities in closed form, at the simulation's true values (school sd 6, classroom sd 3, student sd 8),
from `Marginals.threeLevel`:
*)
let truth = Marginals.threeLevel 6.0 3.0 8.0
printfn "truth: total variance %.0f; shares school %.3f, classroom %.3f, student %.3f; ICC same classroom %.3f, same school %.3f"
    truth.Total (truth.BetweenParents / truth.Total) (truth.BetweenGroups / truth.Total) (truth.Within / truth.Total) truth.IccSameGroup truth.IccSameParent

(**
**Against lme4.** `lmer(score ~ 1 + (1 | school/classroom))` (lme4 1.1.31, REML) estimates the sds as 5.31
(school), 4.02 (classroom in school) and 8.50 (residual), grand mean 66.55. The posterior medians are close to
these; the posterior means of the between-group sds are pulled up by their right tails: with 6 schools, the data
cannot rule out a large school sd, and full Bayes says so instead of reporting one number.
*)
let median name = Diagnostics.quantile 0.5 (Posterior.chains name post)
printfn "posterior medians: school sd %.2f, classroom sd %.2f, residual sd %.2f, mu %.2f   (lme4 REML: 5.31, 4.02, 8.50, 66.55)"
    (median "tau_school") (median "tau_class") (median "sigma") (median "mu")

(**
## Shrinkage: each classroom toward its own school

A classroom's partial-pooling estimate is pulled toward its school's effect (not the grand mean); small
classrooms move most. The "pooled" column is the complete-pooling mean of the classroom means.
*)
printfn "\n%s" (ShrinkageReport.format (ShrinkageReport.report plan.Bound "class_effect" post))

(** ## Checks, so CI fails if the numbers drift *)
// Agreement with JAGS 4.3.1 on the same model and priors (tests/HierFunctional.Tests/fixtures/jags).
References.agreesWith "jags/three_level.csv" id post |> ignore

// The shares sum to 1 in every draw (law of total variance), and the ICCs are ordered as they must be.
let shares = levels |> List.map (fun s -> Posterior.allChains $"share_{s}" decomposed)
for d in 0 .. shares.Head.Length - 1 do
    let total = shares |> List.sumBy (fun s -> s.[d])
    if abs (total - 1.0) > 1e-12 then failwithf "shares sum to %.15f in draw %d" total d

if Array.exists2 (fun a b -> a < b) (Posterior.allChains "icc_classroom" withIcc) (Posterior.allChains "icc_school" withIcc) then
    failwith "the same-classroom ICC can never be below the same-school ICC"
printfn "all checks passed"
