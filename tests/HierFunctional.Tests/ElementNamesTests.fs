module HierFunctional.Tests.ElementNamesTests

open HierFunctional.TestShim
open HierFunctional
open type Distributions

let ``element names formed on demand are the names element by element and each is found at its own index`` () =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 1.0))
            let! _ = sample "p" (Dirichlet(vector [ constant 1.0; constant 2.0 ])) |> over "g"
            let! _ = derived "twice" (2.0 * mu)
            let! theta = sample "theta" (Normal(mu, 1.0)) |> over "g"
            let! _ = sample "w" (Normal(0.0, 1.0)) |> sized 2
            do! observe "y" (Normal(theta.[group "g"], 1.0))
        }

    // A label with a comma: "p[A,1,2]" is element 2 of copy "A,1".
    let b =
        Dataset.empty
        |> Dataset.labels "g" [| "A,1"; "B"; "A,1" |]
        |> Dataset.reals "y" [| 1.0; 2.0; 3.0 |]
        |> Bind.bindOrThrow m

    let names =
        [|
            "mu"
            "p[1,1]"
            "p[1,2]"
            "p[2,1]"
            "p[2,2]"
            "theta[1]"
            "theta[2]"
            "w[1]"
            "w[2]"
        |]

    let labels =
        [|
            "mu"
            "p[A,1,1]"
            "p[A,1,2]"
            "p[B,1]"
            "p[B,2]"
            "theta[A,1]"
            "theta[B]"
            "w[1]"
            "w[2]"
        |]

    let monitored =
        [|
            "mu"
            "p[1,1]"
            "p[1,2]"
            "p[2,1]"
            "p[2,2]"
            "twice"
            "theta[1]"
            "theta[2]"
            "w[1]"
            "w[2]"
        |]

    for expected, actual in
        [
            names, b.Layout.Names
            labels, b.Layout.Labels
            monitored, b.Layout.Monitored
        ] do
        Assert.Equal<string[]>(expected, actual.ToArray())
        Assert.Equal<string[]>(expected, Array.ofSeq actual)
        Assert.Equal<int[]>(Array.init expected.Length id, expected |> Array.map actual.IndexOf)

    for absent in
        [
            "p"
            "p[0,1]"
            "p[1,3]"
            "p[01,1]"
            "theta[3]"
            "theta"
            "mu[1]"
            "w"
            "w[3]"
            "twice"
            "x"
        ] do
        Assert.Equal(-1, b.Layout.Names.IndexOf absent)

    Assert.Equal(2, Layout.indexOf b "p[A,1,2]")
    Assert.Equal(6, Layout.indexOf b "theta[B]")
    Assert.Equal<string[]>([| "p[2,2]"; "theta[1]" |], b.Layout.Names.[4..5])

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.ElementNamesTests"
        [
            Expecto.Tests.testCase
                "element names formed on demand are the names element by element and each is found at its own index"
                (fun () ->
                    ``element names formed on demand are the names element by element and each is found at its own index`` ())
        ]
