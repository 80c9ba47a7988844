(**
# The main job in one screen: eight schools, partial pooling

`dotnet fsi build.fsx demo` runs this script: it fits the bundled eight-schools data (docs/data) with the
Gibbs sampler and prints the plan, the posterior summary and the partial-pooling table.
*)
#load "references.fsx"
open System.IO
open HierFunctional
open type Distributions

let schools = Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "data", "eight_schools.csv"))

// Non-centred: theta_j = mu + tau * eta_j, which mixes well when the data say little about tau.
let eightSchools =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        let! tau = sample "tau" (HalfCauchy 5.0)
        let! eta = sample "eta" (Normal(0.0, 1.0)) |> over "school"
        let! theta = derived "theta" (mu + tau * eta.[group "school"]) |> over "school"
        do! observe "y" (Normal(theta.[group "school"], data "sigma"))
    }

printfn "%s\n" (Print.model eightSchools)

let plan =
    match Bind.bind eightSchools schools |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error errors -> failwith (errors |> List.map ModelError.describe |> String.concat "\n")

printfn "Gibbs plan:\n%s\n" (Gibbs.describe plan)
let draws = if References.quick then 1000 else 10000
let post = Chains.run (SamplerOptions.Default.WithChains(4).WithWarmup(1000).WithDraws(draws).WithSeed(1)) plan
let keep = post.Names |> Array.filter (fun n -> Posterior.nodeOf n <> "eta")
printfn "%s\n" (Summary.format (Summary.compute (Posterior.select keep post)))

let column name =
    match Dataset.tryColumn name schools with
    | Some(Column.Integers v) -> Array.map float v
    | Some(Column.Reals v) -> v
    | other -> failwithf "column %s: %A" name other

let y, sigma = column "y", column "sigma"
let w = sigma |> Array.map (fun s -> 1.0 / (s * s))
let pooled = Array.fold2 (fun acc v wi -> acc + v * wi) 0.0 y w / Array.sum w

printfn "Partial pooling: each school's estimate is pulled toward the population mean."
printfn "school  no pooling (y)  complete pooling  partial pooling  90%% interval"

for j in 0 .. y.Length - 1 do
    let x = [| Posterior.allChains $"theta[{j + 1}]" post |]
    let lo, hi = Diagnostics.quantile 0.05 x, Diagnostics.quantile 0.95 x
    printfn "%-6s  %14.1f  %16.1f  %15.1f  [%5.1f, %5.1f]" (string "ABCDEFGH".[j]) y.[j] pooled (Diagnostics.mean x) lo hi
