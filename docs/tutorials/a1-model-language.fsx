(**
# A1. The model language: a model is a value

Eight schools ran the same coaching programme for the SAT; each reports an estimated effect `y` and its
standard error `sigma` (Rubin 1981; BDA3 §5.5). Treat the schools alone (*no pooling*) and the estimates are
noisy; treat them as one (*complete pooling*) and real differences vanish. A hierarchical model lets the data
choose: school effects `theta[j]` are draws from a population `Normal(mu, tau)`.

In HierFunctional the model is an immutable value. `let!` binds a *symbol*, not a number, so the whole graph is
known before any data arrive.
*)
#load "references.fsx"
open HierFunctional
open type Distributions

let eightSchools =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        let! tau = sample "tau" (HalfCauchy 5.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
        do! observe "y" (Normal(theta.[group "school"], data "sigma"))
    }

(** The printer writes it the way the math is written: *)
printfn "%s" (Print.model eightSchools)

(** The same model built twice is the same value (structural equality), so models can be compared and cached. *)
let again =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        let! tau = sample "tau" (HalfCauchy 5.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
        do! observe "y" (Normal(theta.[group "school"], data "sigma"))
    }

if eightSchools <> again then failwith "structural equality broken"
printfn "\nbuilt twice, equal: %b" (eightSchools = again)

(**
## Data, validation and the log-density

Data are bound separately, by column name, so one model value serves many data sets. Binding validates
everything the model will read and refuses bad input with an error naming the column and row.
*)
let schools =
    Dataset.empty
    |> Dataset.labels "school" [| "A"; "B"; "C"; "D"; "E"; "F"; "G"; "H" |]
    |> Dataset.reals "y" [| 28.; 8.; -3.; 7.; -1.; 1.; 18.; 12. |]
    |> Dataset.reals "sigma" [| 15.; 10.; 16.; 11.; 9.; 11.; 10.; 18. |]

let bound = Bind.bindOrThrow eightSchools schools
let density = LogDensity.compile bound

(** A point in parameter space, by name: mu = 5, tau = 3, theta = y shrunk half-way to 5. *)
let y = [| 28.; 8.; -3.; 7.; -1.; 1.; 18.; 12. |]
let sigma = [| 15.; 10.; 16.; 11.; 9.; 11.; 10.; 18. |]
let theta = y |> Array.map (fun v -> (v + 5.0) / 2.0)

let point =
    Layout.ofValues bound [ "mu", Value.Scalar 5.0; "tau", Value.Scalar 3.0; "theta", Value.Vector theta ]

let logJoint = density.Joint point
printfn "log p(mu, tau, theta, y) at the point = %.6f" logJoint

(** The same number by hand, term by term, from MathNet's densities: *)
open MathNet.Numerics.Distributions

let byHand =
    Normal.PDFLn(0.0, 5.0, 5.0)
    + log 2.0 + Cauchy.PDFLn(0.0, 5.0, 3.0)
    + (theta |> Array.sumBy (fun t -> Normal.PDFLn(5.0, 3.0, t)))
    + (Array.map3 (fun t v s -> Normal.PDFLn(t, s, v)) theta y sigma |> Array.sum)

printfn "by hand                                = %.6f" byHand
if abs (logJoint - byHand) > 1e-9 then failwith "log-density disagrees with the hand computation"

(** Bad input is refused with a message that says where and what to do: *)
match Bind.bind eightSchools (schools |> Dataset.reals "sigma" [| 15.; 10.; nan; 11.; 9.; 11.; 10.; 18. |]) with
| Error(e :: _) -> printfn "\n%A: %s" (ModelError.kind e) (ModelError.describe e)
| _ -> failwith "a NaN in sigma must be refused"

(**
## The BUGS vocabulary: precisions and truncation

BUGS and JAGS files write a Normal with a *precision*, `dnorm(mean, tau)`, and truncate with `T(lower, upper)`.
`NormalPrecision(mean, tau)` is `Normal(mean, tau^-0.5)` (the form every Normal conjugacy rule reads as a
precision), and `Truncated(dist, lower, upper)` (or `TruncatedBelow` / `TruncatedAbove` for one bound) restricts a
univariate continuous family to its bounds and renormalises it. Dyes (BUGS Examples vol. 1) as its file writes it:
*)
open type Distributions // again: MathNet's Gamma and Beta were opened above

let dyes =
    model {
        let! theta = sample "theta" (NormalPrecision(0.0, 1.0E-10))
        let! tauWithin = sample "tau.within" (Gamma(0.001, 0.001))
        let! tauBetween = sample "tau.between" (Gamma(0.001, 0.001))
        let! mu = sample "mu" (NormalPrecision(theta, tauBetween)) |> over "batch"
        do! observe "y" (NormalPrecision(mu.[group "batch"], tauWithin))
    }

printfn "\n%s" (Print.model dyes)

(** A truncated prior prints in BUGS notation, and its density integrates to one over its bounds: *)
let truncated = TruncatedAbove(Beta(1.0, 1.0), 0.9999)
printfn "%s" (Print.model (model { let! _ = sample "p" truncated in return () }))

let mass =
    MathNet.Numerics.Integrate.OnClosedInterval(
        (fun x -> exp (Density.logPdf truncated [ Value.Scalar 1.0; Value.Scalar 1.0; Value.Scalar 0.9999 ] (Value.Scalar x))),
        0.0,
        0.9999
    )

printfn "integral of the truncated density = %.9f" mass
if abs (mass - 1.0) > 1e-9 then failwith "the truncated density must integrate to one"

(**
A Normal prior with an sd far below its mean's scale is almost certainly a precision typed as an sd
(`Normal(0, 1.0E-6)` copied from `dnorm(0, 1.0E-6)`). It still compiles, but `ModelWarning.check` (and the first
lines of `Gibbs.describe`) say so:
*)
let typo =
    model {
        let! b = sample "b" (Normal(0.0, 1.0E-6))
        do! observe "y" (Normal(b, 1.0))
    }

for w in ModelWarning.check typo do
    printfn "warning: %s" (ModelWarning.describe w)

if List.isEmpty (ModelWarning.check typo) then failwith "the precision-as-sd warning must fire"
