/// The log-density of hand-worked models: eight schools, three-level and crossed groupings, derived nodes, design
/// matrices, vector and matrix nodes, data indices, factors, Dirichlet elements, level data and vector observations,
/// each against a computation by hand; and the message for an inner level that cannot be placed in its outer group.
module HierFunctional.Tests.LogDensityHandTests

open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Testing
open type Distributions
open HierFunctional.Tests.LogDensityTests

let schoolsPoint (b: Bound) =
    let theta = Array.init 8 (fun j -> float j - 3.0)
    Layout.ofValues b [ "mu", Value.Scalar 1.5; "tau", Value.Scalar 2.5; "theta", Value.Vector theta ], theta

let ``eight schools log-density at a point matches a hand computation`` () =
    let b = Bind.bindOrThrow BindTests.eightSchools BindTests.schoolsData
    let d = LogDensity.compile b
    let s, theta = schoolsPoint b
    let prior = Normal.PDFLn(0.0, 5.0, 1.5) + log 2.0 + Cauchy.PDFLn(0.0, 5.0, 2.5)
    let thetas = theta |> Array.sumBy (fun t -> Normal.PDFLn(1.5, 2.5, t))

    let lik =
        Array.init 8 (fun j -> Normal.PDFLn(theta.[j], BindTests.schoolsSigma.[j], BindTests.schoolsY.[j]))

    assertClose 1e-12 (prior + thetas + Array.sum lik) (d.Joint s)
    assertClose 1e-12 (Normal.PDFLn(0.0, 5.0, 1.5) + thetas) (d.Blanket "mu" s)
    assertClose 1e-12 (Normal.PDFLn(1.5, 2.5, theta.[2]) + lik.[2]) (d.BlanketElement "theta" 2 s)
    Assert.Equal<Term[]>([| { Node = "y"; Copy = 2 } |], d.Dependents.["theta"].[2])

let threeLevelData =
    Dataset.empty
    |> Dataset.labels "school" [| "s1"; "s1"; "s1"; "s2"; "s2" |]
    |> Dataset.labels "classroom" [| "c1"; "c1"; "c2"; "c3"; "c3" |]
    |> Dataset.reals "score" [| 1.0; 2.0; 0.5; -1.0; -0.5 |]

let ``a three-level model nests classrooms in schools and matches a hand computation`` () =
    let b = Bind.bindOrThrow BindTests.threeLevel threeLevelData
    Assert.Equal<int[]>([| 0; 0; 1 |], b.Nesting.[("classroom", "school")])
    let d = LogDensity.compile b
    let school, cls = [| 0.3; -0.4 |], [| 0.5; 0.1; -0.6 |]

    let s =
        Layout.ofValues
            b
            [
                "mu", Value.Scalar 0.2
                "tauS", Value.Scalar 0.7
                "tauC", Value.Scalar 0.4
                "sigma", Value.Scalar 0.9
                "schoolEffect", Value.Vector school
                "classEffect", Value.Vector cls
            ]

    let hn sd x = log 2.0 + Normal.PDFLn(0.0, sd, x)
    let classSchool = [| 0; 0; 1 |]
    let rowClass = [| 0; 0; 1; 2; 2 |]
    let scores = [| 1.0; 2.0; 0.5; -1.0; -0.5 |]

    let expected =
        Normal.PDFLn(0.0, 10.0, 0.2)
        + hn 1.0 0.7
        + hn 1.0 0.4
        + hn 1.0 0.9
        + (school |> Array.sumBy (fun x -> Normal.PDFLn(0.2, 0.7, x)))
        + (cls
           |> Array.mapi (fun k x -> Normal.PDFLn(school.[classSchool.[k]], 0.4, x))
           |> Array.sum)
        + (scores
           |> Array.mapi (fun r y -> Normal.PDFLn(cls.[rowClass.[r]], 0.9, y))
           |> Array.sum)

    assertClose 1e-12 expected (d.Joint s)
    // School s1 contains classrooms c1 and c2: exactly their prior terms read it.
    Assert.Equal<Term[]>(
        [| { Node = "classEffect"; Copy = 0 }; { Node = "classEffect"; Copy = 1 } |],
        d.Dependents.["schoolEffect"].[0]
    )

let ``a crossed model with two independent groupings matches a hand computation`` () =
    let m =
        model {
            let! sigma = sample "sigma" (Exponential 1.0)
            let! a = sample "a" (Normal(0.0, 1.0)) |> over "g1"
            let! c = sample "c" (Normal(0.0, 2.0)) |> over "g2"
            do! observe "y" (Normal(a.[group "g1"] + c.[group "g2"], sigma))
        }

    let data =
        Dataset.empty
        |> Dataset.labels "g1" [| "x"; "x"; "y"; "y" |]
        |> Dataset.labels "g2" [| "p"; "q"; "p"; "q" |]
        |> Dataset.reals "y" [| 0.1; 0.7; -0.3; 1.2 |]

    let b = Bind.bindOrThrow m data
    let d = LogDensity.compile b
    let a, c = [| 0.4; -0.2 |], [| -0.1; 0.6 |]

    let s =
        Layout.ofValues b [ "sigma", Value.Scalar 0.8; "a", Value.Vector a; "c", Value.Vector c ]

    let g1, g2, ys = [| 0; 0; 1; 1 |], [| 0; 1; 0; 1 |], [| 0.1; 0.7; -0.3; 1.2 |]
    let lik = Array.init 4 (fun r -> Normal.PDFLn(a.[g1.[r]] + c.[g2.[r]], 0.8, ys.[r]))

    let expected =
        Exponential.PDFLn(1.0, 0.8)
        + (a |> Array.sumBy (fun x -> Normal.PDFLn(0.0, 1.0, x)))
        + (c |> Array.sumBy (fun x -> Normal.PDFLn(0.0, 2.0, x)))
        + Array.sum lik

    assertClose 1e-12 expected (d.Joint s)
    assertClose 1e-12 (Normal.PDFLn(0.0, 2.0, c.[1]) + lik.[1] + lik.[3]) (d.BlanketElement "c" 1 s)

let ``derived nodes are evaluated from their expressions and traced to the parameters they read`` () =
    let m =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfNormal 5.0)
            let! eta = sample "eta" (Normal(0.0, 1.0)) |> over "school"
            let! theta = derived "theta" (mu + tau * eta) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    let b = Bind.bindOrThrow m BindTests.schoolsData
    let d = LogDensity.compile b
    let eta = Array.init 8 (fun j -> 0.1 * float j - 0.3)

    let s =
        Layout.ofValues b [ "mu", Value.Scalar 1.0; "tau", Value.Scalar 2.0; "eta", Value.Vector eta ]

    let theta = eta |> Array.map (fun e -> 1.0 + 2.0 * e)
    Assert.Equal(Value.Vector theta, Layout.get b s "theta")
    Assert.Equal(18, b.Layout.Monitored.Length)

    let lik j =
        Normal.PDFLn(theta.[j], BindTests.schoolsSigma.[j], BindTests.schoolsY.[j])

    assertClose 1e-12 (Normal.PDFLn(0.0, 1.0, eta.[4]) + lik 4) (d.BlanketElement "eta" 4 s)
    Assert.Equal(8, d.Dependents.["mu"].[0].Length)

let ``a regression with a design matrix and a fixed-size coefficient vector evaluates the dot product`` () =
    let m =
        model {
            let! beta = sample "beta" (Normal(0.0, 10.0)) |> sized 2
            do! observe "y" (Normal(dot (data "X") beta, 1.0))
        }

    let x = array2D [ [ 1.0; 0.5 ]; [ 1.0; -1.0 ]; [ 1.0; 2.0 ] ]
    let ys = [| 1.0; 0.0; 3.0 |]

    let b =
        Dataset.empty
        |> Dataset.reals "y" ys
        |> Dataset.matrix "X" x
        |> Bind.bindOrThrow m

    let d = LogDensity.compile b
    let s = Layout.ofValues b [ "beta", Value.Vector [| 0.5; 1.2 |] ]

    let lik =
        Array.init 3 (fun r -> Normal.PDFLn(0.5 * x.[r, 0] + 1.2 * x.[r, 1], 1.0, ys.[r]))

    let expected =
        Normal.PDFLn(0.0, 10.0, 0.5) + Normal.PDFLn(0.0, 10.0, 1.2) + Array.sum lik

    assertClose 1e-12 expected (d.Joint s)
    Assert.Equal<string[]>([| "beta[1]"; "beta[2]" |], b.Layout.Names.ToArray())

let ``vector and matrix nodes take their size from their arguments and are named element by element`` () =
    let m =
        model {
            let! w = sample "w" (Dirichlet(vector [ constant 1.0; constant 2.0; constant 3.0 ]))

            let! _ =
                sample "Sigma" (Wishart(4.0, matrix [ [ constant 1.0; constant 0.0 ]; [ constant 0.0; constant 1.0 ] ]))

            do! observe "z" (Categorical w)
        }

    let b = Dataset.empty |> Dataset.integers "z" [| 0; 2; 2 |] |> Bind.bindOrThrow m

    Assert.Equal<string[]>(
        [|
            "w[1]"
            "w[2]"
            "w[3]"
            "Sigma[1,1]"
            "Sigma[1,2]"
            "Sigma[2,1]"
            "Sigma[2,2]"
        |],
        b.Layout.Names.ToArray()
    )

    Assert.Equal(2 + 3, b.Layout.UnconstrainedSize)
    let d = LogDensity.compile b
    let w = [| 0.2; 0.3; 0.5 |]
    let sigma = array2D [ [ 2.0; 0.5 ]; [ 0.5; 1.0 ] ]
    let s = Layout.ofValues b [ "w", Value.Vector w; "Sigma", Value.Matrix sigma ]

    let expected =
        // Dirichlet: log Γ(Σα) − Σ log Γ(α_i) + Σ (α_i − 1) log w_i; categorical rows: log w_z.
        let gl = MathNet.Numerics.SpecialFunctions.GammaLn
        let dirichlet = gl 6.0 - gl 1.0 - gl 2.0 - gl 3.0 + log w.[1] + 2.0 * log w.[2]
        // Wishart(ν = 4, S = I₂): (ν − p − 1)/2·log|X| − tr X/2 − νp/2·log 2 − log Γ₂(ν/2), Γ₂(a) = √π Γ(a) Γ(a − ½).
        let wishart =
            0.5 * log 1.75
            - 1.5
            - 4.0 * log 2.0
            - (0.5 * log System.Math.PI + gl 2.0 + gl 1.5)

        dirichlet + log w.[0] + 2.0 * log w.[2] + wishart

    assertClose 1e-9 expected (d.Joint s)
    let back = d.FromUnconstrained(d.ToUnconstrained s)
    Assert.True(Array.forall2 (close 1e-9) s back)
    Assert.Equal(Value.Matrix sigma, Layout.get b s "Sigma")
    // A category observation reads every weight.
    Assert.Equal(3, d.Dependents.["w"].[0].Length)

let ``an integer data column can index a fixed-size vector with 1-based positions`` () =
    let m =
        model {
            let! theta = sample "theta" (Normal(0.0, 1.0)) |> sized 3
            do! observe "y" (Normal(theta.[data "idx"], 1.0))
        }

    let b =
        Dataset.empty
        |> Dataset.reals "y" [| 0.5; -0.5 |]
        |> Dataset.integers "idx" [| 3; 1 |]
        |> Bind.bindOrThrow m

    let d = LogDensity.compile b
    let theta = [| 0.1; 0.2; 0.3 |]
    let s = Layout.ofValues b [ "theta", Value.Vector theta ]

    let expected =
        (theta |> Array.sumBy (fun t -> Normal.PDFLn(0.0, 1.0, t)))
        + Normal.PDFLn(0.3, 1.0, 0.5)
        + Normal.PDFLn(0.1, 1.0, -0.5)

    assertClose 1e-12 expected (d.Joint s)
    Assert.Equal<Term[]>([| { Node = "y"; Copy = 0 } |], d.Dependents.["theta"].[2])

let ``factors are added to the joint and to the blankets of the nodes they read`` () =
    let m =
        model {
            let! alpha = sample "alpha" (Flat Support.Positive)
            let! beta = sample "beta" (Flat Support.Positive)
            do! factor "hyperprior" (-2.5 * log (alpha + beta))
            let! p = sample "p" (Beta(alpha, beta)) |> over "g"
            do! observe "k" (Binomial(data "n", p.[group "g"]))
        }

    let b =
        Dataset.empty
        |> Dataset.labels "g" [| "a"; "b" |]
        |> Dataset.integers "n" [| 10; 12 |]
        |> Dataset.integers "k" [| 3; 5 |]
        |> Bind.bindOrThrow m

    let d = LogDensity.compile b
    let p = [| 0.3; 0.4 |]

    let s =
        Layout.ofValues b [ "alpha", Value.Scalar 2.0; "beta", Value.Scalar 3.0; "p", Value.Vector p ]

    let priors = p |> Array.sumBy (fun x -> Beta.PDFLn(2.0, 3.0, x))
    let lik = Binomial.PMFLn(0.3, 10, 3) + Binomial.PMFLn(0.4, 12, 5)
    assertClose 1e-12 (-2.5 * log 5.0 + priors + lik) (d.Joint s)
    assertClose 1e-12 (-2.5 * log 5.0 + priors) (d.Blanket "alpha" s)

let ``an element of a single Dirichlet vector indexed by data is traced to that vector`` () =
    let m =
        model {
            let! w = sample "w" (Dirichlet(vector [ constant 1.0; constant 1.0; constant 1.0 ]))
            let! mu = sample "mu" (Normal(0.0, 1.0)) |> sized 3
            do! observe "y" (Normal(mu.[data "c"] + w.[data "c"], 1.0))
            do! observe "z" (Normal(mu.[1], 1.0))
        }

    let b =
        Dataset.empty
        |> Dataset.reals "y" [| 0.1; 0.2 |]
        |> Dataset.reals "z" [| 0.0; 1.0 |]
        |> Dataset.integers "c" [| 3; 1 |]
        |> Bind.bindOrThrow m

    let d = LogDensity.compile b
    Assert.Equal<Term[]>([| { Node = "y"; Copy = 0 }; { Node = "y"; Copy = 1 } |], d.Dependents.["w"].[0])
    Assert.Equal<Term[]>([| { Node = "z"; Copy = 0 }; { Node = "z"; Copy = 1 } |], d.Dependents.["mu"].[1])
    Assert.Equal<Term[]>([| { Node = "y"; Copy = 0 } |], d.Dependents.["mu"].[2])

    let s =
        Layout.ofValues
            b
            [
                "w", Value.Vector [| 0.2; 0.3; 0.5 |]
                "mu", Value.Vector [| 1.0; 2.0; 3.0 |]
            ]

    assertClose 1e-12 (Normal.PDFLn(0.0, 1.0, 3.0) + Normal.PDFLn(3.5, 1.0, 0.1)) (d.BlanketElement "mu" 2 s)
    Assert.Equal(b.Layout.Monitored.Length, (Layout.monitored b s).Length)

let ``data inside a group plate is the level's value of a column constant within levels`` () =
    let m =
        model {
            let! gamma = sample "gamma" (Normal(0.0, 1.0))
            let! theta = sample "theta" (Normal(gamma * data "u", 1.0)) |> over "county"
            do! observe "y" (Normal(theta.[group "county"] + data "x", 0.5))
        }

    let ds =
        Dataset.empty
        |> Dataset.labels "county" [| "k"; "j"; "k" |]
        |> Dataset.reals "u" [| 2.0; -1.0; 2.0 |]
        |> Dataset.reals "x" [| 0.1; 0.2; 0.3 |]
        |> Dataset.reals "y" [| 1.0; -1.0; 2.0 |]

    let b = Bind.bindOrThrow m ds
    Assert.Equal<float[]>([| 2.0; -1.0 |], b.LevelValues.[("u", "county")])
    let d = LogDensity.compile b

    let s =
        Layout.ofValues b [ "gamma", Value.Scalar 0.5; "theta", Value.Vector [| 0.7; -0.2 |] ]

    let expected =
        Normal.PDFLn(0.0, 1.0, 0.5)
        + Normal.PDFLn(1.0, 1.0, 0.7)
        + Normal.PDFLn(-0.5, 1.0, -0.2)
        + Normal.PDFLn(0.8, 0.5, 1.0)
        + Normal.PDFLn(0.0, 0.5, -1.0)
        + Normal.PDFLn(1.0, 0.5, 2.0)

    assertClose 1e-12 expected (d.Joint s)
    Assert.Equal(Value.Scalar 1.0, Eval.eval b s (Context.Level("county", 0)) (Param "gamma" * data "u"))
    assertClose 1e-15 1.0 (Eval.evalScalar b s (Context.Row 2) ((Param "theta").[group "county"] + data "x"))

let ``vector observations are read from matrix columns and simulated as matrix columns`` () =
    let m =
        model {
            let! p = sample "p" (Dirichlet(vector [ constant 1.0; constant 1.0; constant 1.0 ]))
            do! observe "counts" (Multinomial(data "n", p))
        }

    let counts = array2D [ [ 1.0; 2.0; 3.0 ]; [ 0.0; 0.0; 4.0 ] ]

    let b =
        Dataset.empty
        |> Dataset.matrix "counts" counts
        |> Dataset.reals "n" [| 6.0; 4.0 |]
        |> Bind.bindOrThrow m

    let d = LogDensity.compile b
    let p = [| 0.2; 0.3; 0.5 |]
    let s = Layout.ofValues b [ "p", Value.Vector p ]
    // Dirichlet(1, 1, 1) has density Γ(3); Multinomial: log n! − Σ log k_i! + Σ k_i log p_i.
    let gl = MathNet.Numerics.SpecialFunctions.GammaLn

    let row1 =
        gl 7.0 - gl 2.0 - gl 3.0 - gl 4.0 + log 0.2 + 2.0 * log 0.3 + 3.0 * log 0.5

    let row2 = 4.0 * log 0.5
    let expected = gl 3.0 + row1 + row2
    assertClose 1e-9 expected (d.Joint s)

    match Dataset.tryColumn "counts" (Forward.simulateData (MathNet.Numerics.Random.Xoshiro256StarStar(3)) b s) with
    | Some(Column.Matrix sim) ->
        Assert.Equal(2, Array2D.length1 sim)
        Assert.Equal<float[]>([| 6.0; 4.0 |], Array.init 2 (fun r -> Seq.sum (seq { for j in 0..2 -> sim.[r, j] })))
    | other -> failwith $"expected a matrix column, got %A{other}"

let ``a nested inner level with no rows cannot be placed in its outer group and says so`` () =
    Dataset.empty
    |> Dataset.labels "school" [| "s1"; "s2" |]
    |> Dataset.labelsWithLevels "classroom" [| "c1"; "c2" |] [| "c1"; "c2"; "c3" |]
    |> Dataset.reals "score" [| 1.0; 2.0 |]
    |> Bind.bind BindTests.threeLevel
    |> BindTests.expectError ErrorKind.InvalidArgument [ "'classEffect'"; "'c3'"; "no rows" ]

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.LogDensityHandTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.LogDensityHandTests"
            [
                Expecto.Tests.testCase "eight schools log-density at a point matches a hand computation" (fun () ->
                    ``eight schools log-density at a point matches a hand computation`` ())
                Expecto.Tests.testCase
                    "a three-level model nests classrooms in schools and matches a hand computation"
                    (fun () -> ``a three-level model nests classrooms in schools and matches a hand computation`` ())
                Expecto.Tests.testCase
                    "a crossed model with two independent groupings matches a hand computation"
                    (fun () -> ``a crossed model with two independent groupings matches a hand computation`` ())
                Expecto.Tests.testCase
                    "derived nodes are evaluated from their expressions and traced to the parameters they read"
                    (fun () ->
                        ``derived nodes are evaluated from their expressions and traced to the parameters they read`` ())
                Expecto.Tests.testCase
                    "a regression with a design matrix and a fixed-size coefficient vector evaluates the dot product"
                    (fun () ->
                        ``a regression with a design matrix and a fixed-size coefficient vector evaluates the dot product`` ())
                Expecto.Tests.testCase
                    "vector and matrix nodes take their size from their arguments and are named element by element"
                    (fun () ->
                        ``vector and matrix nodes take their size from their arguments and are named element by element`` ())
                Expecto.Tests.testCase
                    "an integer data column can index a fixed-size vector with 1-based positions"
                    (fun () -> ``an integer data column can index a fixed-size vector with 1-based positions`` ())
                Expecto.Tests.testCase
                    "factors are added to the joint and to the blankets of the nodes they read"
                    (fun () -> ``factors are added to the joint and to the blankets of the nodes they read`` ())
                Expecto.Tests.testCase
                    "an element of a single Dirichlet vector indexed by data is traced to that vector"
                    (fun () -> ``an element of a single Dirichlet vector indexed by data is traced to that vector`` ())
                Expecto.Tests.testCase
                    "data inside a group plate is the level's value of a column constant within levels"
                    (fun () -> ``data inside a group plate is the level's value of a column constant within levels`` ())
                Expecto.Tests.testCase
                    "vector observations are read from matrix columns and simulated as matrix columns"
                    (fun () -> ``vector observations are read from matrix columns and simulated as matrix columns`` ())
                Expecto.Tests.testCase
                    "a nested inner level with no rows cannot be placed in its outer group and says so"
                    (fun () -> ``a nested inner level with no rows cannot be placed in its outer group and says so`` ())
            ])
