module HierFunctional.Tests.PosteriorDrawsTests

open System
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open HierFunctional

/// 2 chains × 3 draws of mu, theta[1], theta[2]: value = 100·chain + 10·draw + scalar, so every cell is distinct.
let private names = [| "mu"; "theta[1]"; "theta[2]" |]
let private cell c d p = float (100 * c + 10 * d + p)

let private raw =
    Array.init 2 (fun c -> Array.init 3 (fun d -> Array.init 3 (fun p -> cell c d p)))

let private post = Posterior.create names raw

let ``create then toArray returns the draws unchanged`` () =
    Assert.Equal<float[][][]>(raw, Posterior.toArray post)
    Assert.Equal(2, post.ChainCount)
    Assert.Equal(3, post.DrawCount)
    Assert.Equal(6, post.TotalDraws)

let ``create and ofColumns agree for any shape`` () =
    let gen = Gen.zip3 (Gen.choose (1, 4)) (Gen.choose (0, 20)) (Gen.choose (1, 5))

    Prop.forAll (Arb.fromGen gen) (fun (chains, draws, k) ->
        let ns = Array.init k (fun i -> $"x[{i + 1}]")

        let rows =
            Array.init chains (fun c ->
                Array.init draws (fun d -> Array.init k (fun p -> float (c * 1000 + d * 10 + p))))

        let cols =
            Array.init chains (fun c -> Array.init k (fun p -> Array.init draws (fun d -> rows.[c].[d].[p])))

        let a, b = Posterior.create ns rows, Posterior.ofColumns ns cols

        Posterior.toArray a = rows
        && Posterior.toArray b = rows
        && ns |> Array.forall (fun n -> Posterior.chains n a = Posterior.chains n b))
    |> fun prop -> Check.One(TestConfig.quick.WithMaxTest 100, prop)

let ``chains of one scalar are its draws per chain and pooled concatenates them in chain order`` () =
    Assert.Equal<float[][]>([| [| 1.0; 11.0; 21.0 |]; [| 101.0; 111.0; 121.0 |] |], Posterior.chains "theta[1]" post)
    Assert.Equal<float[]>([| 2.0; 12.0; 22.0; 102.0; 112.0; 122.0 |], Posterior.allChains "theta[2]" post)

let ``selectNode keeps every element of the node and nothing else`` () =
    let p =
        Posterior.create [| "theta[1]"; "thetas"; "theta[2]"; "mu" |] [| [| [| 1.0; 2.0; 3.0; 4.0 |] |] |]

    Assert.Equal<string[]>([| "theta[1]"; "theta[2]" |], (Posterior.selectNode "theta" p).Names)
    Assert.Equal<string[]>([| "mu" |], (Posterior.selectNode "mu" p).Names)

    let ex =
        Assert.Throws<ArgumentException>(fun () -> Posterior.selectNode "tau" p |> ignore)

    Assert.Contains("tau", ex.Message)

let ``labels attach to scalars and select by label`` () =
    let p =
        post
        |> Posterior.withLabels [ "theta[1]", "Hospital A"; "theta[2]", "Hospital C" ]

    Assert.Equal(Some "Hospital C", p.Label "theta[2]")
    Assert.Equal(None, p.Label "mu")
    let c = Posterior.selectLabel "Hospital C" p
    Assert.Equal<string[]>([| "theta[2]" |], c.Names)
    Assert.Equal<float[][]>(Posterior.chains "theta[2]" post, Posterior.chains "theta[2]" c)
    Assert.Equal(Some "Hospital C", c.Label "theta[2]")

let ``derive computes a new scalar draw by draw`` () =
    let p =
        post |> Posterior.derive "delta" (fun row -> row "theta[1]" - 2.0 * row "mu")

    let expected =
        Array.init 2 (fun c -> Array.init 3 (fun d -> cell c d 1 - 2.0 * cell c d 0))

    Assert.Equal<float[][]>(expected, Posterior.chains "delta" p)
    Assert.Equal<string[]>(Array.append names [| "delta" |], p.Names)

    Assert.Throws<ArgumentException>(fun () -> Posterior.derive "mu" (fun _ -> 0.0) post |> ignore)
    |> ignore

let ``select reorders and keeps values`` () =
    let p = Posterior.select [ "theta[2]"; "mu" ] post
    Assert.Equal<string[]>([| "theta[2]"; "mu" |], p.Names)
    Assert.Equal<float[][]>(Posterior.chains "mu" post, Posterior.chains "mu" p)

let ``ragged or misnamed input is rejected with the offending chain named`` () =
    let ragged = [| raw[0]; raw[1][0..1] |]

    let ex =
        Assert.Throws<ArgumentException>(fun () -> Posterior.create names ragged |> ignore)

    Assert.Contains("Chain 1 has 2 draws", ex.Message)

    let dup =
        Assert.Throws<ArgumentException>(fun () -> Posterior.create [| "mu"; "mu"; "x" |] raw |> ignore)

    Assert.Contains("'mu' appears 2 times", dup.Message)

    let unknown =
        Assert.Throws<ArgumentException>(fun () -> Posterior.chains "sigma" post |> ignore)

    Assert.Contains("No scalar named 'sigma'", unknown.Message)

let ``a cancelled run records the draws made and the draws requested`` () =
    let p = post |> Posterior.markCancelled 1000
    Assert.True p.Cancelled
    Assert.Equal(1000, p.RequestedDraws)
    Assert.Equal(3, p.DrawCount)
    Assert.False post.Cancelled

    Assert.Throws<ArgumentException>(fun () -> Posterior.markCancelled 2 post |> ignore)
    |> ignore

let ``pointwise log-likelihood is read back per observation and as a draws by observations matrix`` () =
    // logLik[chain][draw][obs] = −(chain + draw/10 + obs/100)
    let ll =
        Array.init 2 (fun c ->
            Array.init 3 (fun d -> Array.init 4 (fun i -> -(float c + float d / 10.0 + float i / 100.0))))

    let p = post |> Posterior.withLogLikelihood ll
    Assert.Equal(4, p.ObservationCount)

    Assert.Equal<float[][]>(
        Array.init 2 (fun c -> Array.init 3 (fun d -> ll.[c].[d].[2])),
        Posterior.logLikelihoodOf 2 p
    )

    let m = Posterior.logLikelihoodMatrix p
    Assert.Equal(6, Array2D.length1 m)
    Assert.Equal(ll.[1].[2].[3], m[5, 3])
    Assert.Equal(ll.[0].[1].[0], m[1, 0])

    Assert.Throws<ArgumentException>(fun () -> Posterior.logLikelihoodOf 0 post |> ignore)
    |> ignore

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.PosteriorDrawsTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.PosteriorDrawsTests"
            [
                Expecto.Tests.testCase "create then toArray returns the draws unchanged" (fun () ->
                    ``create then toArray returns the draws unchanged`` ())
                Expecto.Tests.testCase "create and ofColumns agree for any shape" (fun () ->
                    ``create and ofColumns agree for any shape`` ())
                Expecto.Tests.testCase
                    "chains of one scalar are its draws per chain and pooled concatenates them in chain order"
                    (fun () ->
                        ``chains of one scalar are its draws per chain and pooled concatenates them in chain order`` ())
                Expecto.Tests.testCase "selectNode keeps every element of the node and nothing else" (fun () ->
                    ``selectNode keeps every element of the node and nothing else`` ())
                Expecto.Tests.testCase "labels attach to scalars and select by label" (fun () ->
                    ``labels attach to scalars and select by label`` ())
                Expecto.Tests.testCase "derive computes a new scalar draw by draw" (fun () ->
                    ``derive computes a new scalar draw by draw`` ())
                Expecto.Tests.testCase "select reorders and keeps values" (fun () ->
                    ``select reorders and keeps values`` ())
                Expecto.Tests.testCase "ragged or misnamed input is rejected with the offending chain named" (fun () ->
                    ``ragged or misnamed input is rejected with the offending chain named`` ())
                Expecto.Tests.testCase "a cancelled run records the draws made and the draws requested" (fun () ->
                    ``a cancelled run records the draws made and the draws requested`` ())
                Expecto.Tests.testCase
                    "pointwise log-likelihood is read back per observation and as a draws by observations matrix"
                    (fun () ->
                        ``pointwise log-likelihood is read back per observation and as a draws by observations matrix`` ())
            ])
