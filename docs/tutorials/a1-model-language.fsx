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
