(**
# A2. The Gibbs compiler: from a model to closed-form updates

HierFunctional interprets the model tree into a Gibbs sampler. For every parameter it looks at the node's prior
and children and matches a **conjugacy rule** (Normal-Normal, Gamma-Poisson, Beta-Binomial, a scale prior on
Normal children, MvNormal mean, InverseWishart covariance, MvNormal intercepts and slopes of dot products, …). Where the math allows, the update is a draw from the exact full conditional computed from
**sufficient statistics** gathered once at compile time; elsewhere it falls back to a **slice sampler** on the
unconstrained scale, and the plan says why. `Gibbs.describe` lists the plan the way JAGS's `list.samplers` does.

Run with `dotnet fsi docs/tutorials/a2-gibbs-compiler.fsx` (set HIER_QUICK=1 for short chains).
*)
#load "references.fsx"
open System.IO
open HierFunctional
open type Distributions

let dataDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "data")
let csv name = Csv.readOrThrow (Path.Combine(dataDir, name))
let draws = if References.quick then 500 else 5000
let options = SamplerOptions.Default.WithChains(4).WithWarmup(draws / 5).WithDraws(draws).WithSeed(2026)

/// Bind, compile, show the plan, sample, summarise the named nodes.
let fit (title: string) (m: Model) (d: Dataset) (show: string list) =
    let plan =
        match Bind.bind m d |> Result.bind Gibbs.compile with
        | Ok p -> p
        | Error errors -> failwithf "%s: %s" title (errors |> List.map ModelError.describe |> String.concat "; ")

    printfn "\n=== %s ===\n%s\n\nplan:\n%s\n" title (Print.model m) (Gibbs.describe plan)
    let post = Chains.run options plan
    printfn "%s" (Summary.format (Summary.compute (Posterior.select (post.Names |> Array.filter (fun n -> List.contains (Posterior.nodeOf n) show)) post)))
    post

(**
## Eight schools, centred: every node gets a closed-form update

A centred Gibbs sampler (JAGS's, for one) crawls on tau here: the data say little about it, so theta and tau pin
each other down. The plan adds an *interweaving* step (ASIS, Yu & Meng 2011) that also moves (mu, tau) with the
standardised effects (theta − mu)/tau held fixed, which is the non-centred move. The two together mix well whether
the data are strong or weak; the posterior is unchanged (tested by Geweke and against the exact grid).
*)
let centred =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        let! tau = sample "tau" (HalfCauchy 5.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
        do! observe "y" (Normal(theta.[group "school"], data "sigma"))
    }

let schools = csv "eight_schools.csv"
let eight = fit "eight schools (centred)" centred schools [ "mu"; "tau"; "theta" ]

(**
The posterior means of theta are the *partial-pooling* estimates. Beside them, no pooling (each school's own
estimate y_j) and complete pooling (the precision-weighted mean of all schools):
*)
let y, sigma =
    match Dataset.tryColumn "y" schools, Dataset.tryColumn "sigma" schools with
    | Some(Column.Integers y), Some(Column.Integers s) -> Array.map float y, Array.map float s
    | Some(Column.Reals y), Some(Column.Reals s) -> y, s
    | other -> failwithf "unexpected columns %A" other

let pooled = Array.sum (Array.map2 (fun v s -> v / (s * s)) y sigma) / Array.sum (sigma |> Array.map (fun s -> 1.0 / (s * s)))
printfn "school   no pooling   complete pooling   partial pooling (posterior mean)"

for j in 0 .. 7 do
    let partial = Posterior.allChains $"theta[{j + 1}]" eight |> Array.average
    printfn "  %s      %6.1f          %6.1f              %6.1f" (string "ABCDEFGH".[j]) y.[j] pooled partial

(** ## Eight schools, non-centred: theta is a derived node; eta's update is still Normal-Normal (linear in eta). *)
let nonCentred =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        let! tau = sample "tau" (HalfCauchy 5.0)
        let! eta = sample "eta" (Normal(0.0, 1.0)) |> over "school"
        let! theta = derived "theta" (mu + tau * eta.[group "school"]) |> over "school"
        do! observe "y" (Normal(theta.[group "school"], data "sigma"))
    }

fit "eight schools (non-centred)" nonCentred schools [ "mu"; "tau" ] |> ignore

(** ## Pumps (BUGS): Gamma-Poisson rates with exposure; beta's Gamma prior is conjugate to the rates. *)
let pumps =
    model {
        let! alpha = sample "alpha" (Exponential 1.0)
        let! beta = sample "beta" (Gamma(0.1, 1.0))
        let! theta = sample "theta" (Gamma(alpha, beta)) |> over "pump"
        do! observe "x" (Poisson(theta.[group "pump"], data "t"))
    }

fit "pumps" pumps (csv "pumps.csv") [ "alpha"; "beta" ] |> ignore

(** ## Rat tumours and surgical (BDA3 §5.3): Beta-Binomial with p(alpha, beta) ∝ (alpha+beta)^(-5/2). *)
let betaBinomial (g: string) (successes: string) =
    model {
        let! a = sample "alpha" (Flat Support.Positive)
        let! b = sample "beta" (Flat Support.Positive)
        do! factor "hyperprior" (-2.5 * log (a + b))
        let! theta = sample "theta" (Beta(a, b)) |> over g
        let! _ = derived "pop_mean" (a / (a + b))
        let! _ = derived "log_sum" (log (a + b))
        do! observe successes (Binomial(data "n", theta.[group g]))
    }

fit "rat tumours" (betaBinomial "experiment" "y") (csv "rats.csv") [ "pop_mean"; "log_sum" ] |> ignore
fit "surgical" (betaBinomial "hospital" "r") (csv "surgical.csv") [ "pop_mean"; "log_sum"; "theta" ] |> ignore

(** ## Students in schools, with an unknown within-school sd (simulated data, docs/data/SOURCES.md). *)
let students =
    model {
        let! mu = sample "mu" (Normal(50.0, 20.0))
        let! tau = sample "tau" (HalfNormal 10.0)
        let! sigma = sample "sigma" (HalfNormal 20.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
        do! observe "score" (Normal(theta.[group "school"], sigma))
    }

fit "students in schools" students (csv "students.csv") [ "mu"; "tau"; "sigma" ] |> ignore

(** ## Three levels: students within classrooms within schools. Nesting comes from the data. *)
let threeLevel =
    model {
        let! mu = sample "mu" (Normal(70.0, 20.0))
        let! tauSchool = sample "tau_school" (HalfNormal 10.0)
        let! tauClass = sample "tau_class" (HalfNormal 10.0)
        let! sigma = sample "sigma" (HalfNormal 20.0)
        let! school = sample "school_effect" (Normal(mu, tauSchool)) |> over "school"
        let! cls = sample "class_effect" (Normal(school.[group "school"], tauClass)) |> over "classroom"
        do! observe "score" (Normal(cls.[group "classroom"], sigma))
    }

fit "students within classrooms within schools" threeLevel (csv "three_level.csv") [ "mu"; "tau_school"; "tau_class"; "sigma" ] |> ignore

(**
## Starting values

Every chain starts from **typical values of the priors** (`Initial.Typical`, the default), node by node in
declaration order, each given its parents' starting values. The typical value is the prior's median where that is
well inside the support, and otherwise a value that stays representable: the mean a/b of a Gamma(a, b), so the
classic BUGS precision prior tau ~ Gamma(0.001, 0.001) starts near 1, not at its median 2^−1000 (a prior draw of it
is 0 or 1e-250 in most draws, and a chain started there sits at sigma = 1/√tau ≈ 1e125); b/a for an
InverseGamma(a, b); α/(α+β) for a Beta; the identity for LKJ. Each chain then adds Stan's uniform(−2, 2) jitter on
the unconstrained scale, scaled by the prior's own spread capped at 1, so chains are overdispersed without leaving a
tight prior, and the result is clamped so that a positive value stays within e^±40 and a logit within ±20.

`Initial.Given` (built with `Initial.given [ "tau", Value.Scalar 1.0 ]`, or node by node with
`options.WithInitialValue("tau", 1.0)`) has BUGS semantics: listed nodes take the given values and the others are
generated from them, so giving tau = 1 starts the random effects on the scale tau = 1 implies. A given value outside
its node's support or on its edge (0 for a positive parameter, a probability of exactly 0 or 1, NaN, ±∞) is refused
as `InvalidInitialValue`. `Initial.FromPrior` (a prior draw, redrawn while degenerate) and `Initial.Uniform` (Stan's
uniform(−2, 2) on every unconstrained coordinate) remain available. Below, the BUGS "seeds" model with its vague
priors, fitted from the default start.
*)
let seedsModel =
    model {
        let! a0 = sample "alpha0" (Normal(0.0, 1000.0))
        let! a1 = sample "alpha1" (Normal(0.0, 1000.0))
        let! a2 = sample "alpha2" (Normal(0.0, 1000.0))
        let! a12 = sample "alpha12" (Normal(0.0, 1000.0))
        let! tau = sample "tau" (Gamma(0.001, 0.001))
        let! sigma = derived "sigma" (1.0 / sqrt tau)
        let! b = sample "b" (Normal(0.0, sigma)) |> over "plate"
        do! observe "r" (Binomial(data "n", invLogit (a0 + a1 * data "x1" + a2 * data "x2" + a12 * data "x1" * data "x2" + b.[group "plate"])))
    }

let seedsData =
    Dataset.empty
    |> Dataset.labels "plate" (Array.init 21 (fun i -> $"plate{i + 1}"))
    |> Dataset.integers "r" [| 10; 23; 23; 26; 17; 5; 53; 55; 32; 46; 10; 8; 10; 8; 23; 0; 3; 22; 15; 32; 3 |]
    |> Dataset.integers "n" [| 39; 62; 81; 51; 39; 6; 74; 72; 51; 79; 13; 16; 30; 28; 45; 4; 12; 41; 30; 51; 7 |]
    |> Dataset.reals "x1" (Array.init 21 (fun i -> if i >= 11 then 1.0 else 0.0))
    |> Dataset.reals "x2" [| 0.; 0.; 0.; 0.; 0.; 1.; 1.; 1.; 1.; 1.; 1.; 0.; 0.; 0.; 0.; 0.; 1.; 1.; 1.; 1.; 1. |]

let seedsPosterior = fit "seeds (BUGS, vague priors, default start)" seedsModel seedsData [ "alpha0"; "alpha1"; "alpha2"; "alpha12"; "sigma" ]
printfn "means within 4 MCSE of JAGS: %d" (References.agreesWith "bugs/seeds.csv" id seedsPosterior)
