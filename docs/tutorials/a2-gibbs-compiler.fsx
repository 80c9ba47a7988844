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
    let partial = Posterior.pooled $"theta[{j + 1}]" eight |> Array.average
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
