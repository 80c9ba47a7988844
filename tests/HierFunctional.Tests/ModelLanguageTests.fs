module HierFunctional.Tests.ModelLanguageTests

open Xunit
open HierFunctional
open type Distributions

let eightSchools =
    model {
        let! mu = sample "mu" (Normal(0.0, 5.0))
        let! tau = sample "tau" (HalfCauchy 5.0)
        let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
        do! observe "y" (Normal(theta.[group "school"], data "sigma"))
    }

[<Fact>]
let ``the model block builds a tree whose nodes are in declaration order`` () =
    let names = eightSchools.Nodes |> List.map (fun n -> n.Name)
    Assert.Equal<string list>([ "mu"; "tau"; "theta"; "y" ], names)

[<Fact>]
let ``two models built the same way are structurally equal`` () =
    let again =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfCauchy 5.0)
            let! theta = sample "theta" (Normal(mu, tau)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    Assert.Equal(eightSchools, again)
    Assert.Equal(hash eightSchools, hash again)
