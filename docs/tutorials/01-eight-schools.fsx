(**
# 1. Eight schools: the model as a value

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
