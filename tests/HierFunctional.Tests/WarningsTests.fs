module HierFunctional.Tests.WarningsTests

open System
open System.IO
open HierFunctional.TestShim
open MathNet.Numerics.Distributions
open MathNet.Numerics.Random
open HierFunctional

let private chains = 4
let private draws = 1000

/// Four chains of iid draws from `sample`, one scalar.
let private iid (seed: int) (sample: Random -> float) =
    let rng = Xoshiro256StarStar(seed)
    Array.init chains (fun _ -> Array.init draws (fun _ -> sample rng))

let private normal m s (rng: Random) = Normal.Sample(rng, m, s)

/// A healthy posterior: iid draws of a location, a scale, a probability and a settled 0/1 indicator.
let private healthy =
    [
        "mu", iid 1 (normal 0.0 1.0)
        "sigma", iid 2 (fun rng -> Gamma.Sample(rng, 20.0, 10.0))
        "small", iid 3 (fun rng -> Gamma.Sample(rng, 20.0, 1e4)) // a scale near, not at, zero
        "p", iid 4 (fun rng -> Beta.Sample(rng, 30.0, 3.0))
        "z[1]", Array.init chains (fun _ -> Array.create draws 1.0)
    ]

let private posteriorOf (scalars: (string * float[][]) list) =
    let names = scalars |> List.map fst |> Array.ofList

    let cols =
        Array.init chains (fun c -> scalars |> List.map (fun (_, x) -> x[c]) |> Array.ofList)

    Posterior.ofColumns names cols

/// The healthy draws of `mu` with chain `chain` (1-based) replaced by `f` of its draws.
let private withChain (chain: int) (f: float[] -> float[]) (x: float[][]) =
    x |> Array.mapi (fun c d -> if c = chain - 1 then f d else d)

let private only (kind: WarningKind) (ws: Warning list) =
    ws |> List.filter (fun w -> w.Kind = kind)

let private single (kind: WarningKind) (x: float[][]) =
    match Warnings.compute (posteriorOf [ "theta[2]", x ]) |> only kind with
    | [ w ] -> w
    | ws -> failwith $"expected one {kind} warning, got {ws}"

let private mu = snd healthy.Head

let ``a healthy posterior has no warnings`` () =
    Assert.Empty(Warnings.compute (posteriorOf healthy))

let ``a NaN or infinite draw is reported with its node and chain`` () =
    let x =
        mu
        |> withChain
            2
            (Array.mapi (fun i v ->
                if i = 500 then nan
                elif i = 7 then infinity
                else v))

    let w = single WarningKind.NonFinite x
    Assert.Equal("theta", w.Node)
    Assert.Equal<string[]>([| "theta[2]" |], w.Scalars)
    Assert.Equal<int[]>([| 2 |], w.Chains)
    Assert.Contains("2 NaN or infinite draws", w.Problem)

let ``draws beyond 1e10 in magnitude are unbounded growth`` () =
    let x =
        mu
        |> withChain 3 (Array.mapi (fun i v -> if i > 900 then 1e11 * (1.0 + v * v) else v))

    let w = single WarningKind.UnboundedGrowth x
    Assert.Equal<int[]>([| 3 |], w.Chains)

let ``a chain whose magnitude rises a thousandfold through its quarters is unbounded growth`` () =
    // |draw| ~ exp(t / 100): e^10 ≈ 22,000-fold over the run, below the 1e10 limit.
    let x =
        mu
        |> withChain 1 (Array.mapi (fun i v -> exp (float i / 100.0) * (2.0 + 0.1 * v)))

    Assert.Equal<int[]>([| 1 |], (single WarningKind.UnboundedGrowth x).Chains)
    // The same chain rising only e^5 ≈ 150-fold is not flagged as growth.
    let slow =
        mu
        |> withChain 1 (Array.mapi (fun i v -> exp (float i / 200.0) * (2.0 + 0.1 * v)))

    Assert.Empty(
        Warnings.compute (posteriorOf [ "theta[2]", slow ])
        |> only WarningKind.UnboundedGrowth
    )

let ``a chain whose draws never change is stuck`` () =
    let x = mu |> withChain 2 (Array.map (fun _ -> 0.7))
    let w = single WarningKind.Stuck x
    Assert.Equal<int[]>([| 2 |], w.Chains)

let ``constant real draws in every chain are stuck, a settled integer indicator is not`` () =
    let constant v =
        Array.init chains (fun _ -> Array.create draws v)

    Assert.Equal<int[]>([| 1; 2; 3; 4 |], (single WarningKind.Stuck (constant 0.25)).Chains)
    Assert.Empty(Warnings.compute (posteriorOf [ "z[1]", constant 1.0 ]))

let ``a positive scalar sitting at zero in one chain is at the boundary`` () =
    // The failure of issue 16: a precision drawn as 1e-98 from Gamma(0.001, 0.001) never leaves zero.
    let sigma = snd healthy[1]
    let x = sigma |> withChain 4 (Array.map (fun v -> v * 1e-98))
    let w = single WarningKind.AtBoundary x
    Assert.Equal<int[]>([| 4 |], w.Chains)
    Assert.Contains("sit at 0", w.Problem)

let ``a probability sitting at one in one chain is at the boundary`` () =
    let p = snd healthy[3]
    let x = p |> withChain 1 (Array.map (fun v -> 1.0 - 1e-12 * v))
    let w = single WarningKind.AtBoundary x
    Assert.Equal<int[]>([| 1 |], w.Chains)
    Assert.Contains("sit at 1", w.Problem)

let ``a shifted chain gives high R-hat naming that chain`` () =
    let x = mu |> withChain 3 (Array.map ((+) 3.0))
    let w = single WarningKind.HighRhat x
    Assert.Equal<int[]>([| 3 |], w.Chains)
    Assert.Contains("R-hat up to", w.Problem)

let ``strongly autocorrelated chains give low bulk ESS against 100 per chain`` () =
    let rng = Xoshiro256StarStar(5)

    let ar () =
        Array.scan (fun x _ -> 0.99 * x + Normal.Sample(rng, 0.0, 1.0)) 0.0 (Array.zeroCreate draws)
        |> Array.skip 1

    let x = Array.init chains (fun _ -> ar ())
    let w = single WarningKind.LowBulkEss x
    let ess = Diagnostics.essBulk x
    Assert.True(ess < 400.0, $"ESS {ess}")
    Assert.Contains("< 400 (100 per chain)", w.Problem)

let ``too few draws per chain make R-hat not computable`` () =
    let x = mu |> Array.map (Array.take 1)
    let p = Posterior.ofColumns [| "a" |] (x |> Array.map (fun c -> [| c |]))
    Assert.Contains(Warnings.compute p, fun w -> w.Kind = WarningKind.NotComputable)

let ``scalars of one node are grouped into one warning per kind`` () =
    let bad = mu |> withChain 2 (Array.map (fun _ -> 0.7))
    let p = posteriorOf [ "theta[1]", bad; "theta[2]", bad; "mu", mu ]
    let ws = Warnings.compute p
    let w = ws |> only WarningKind.Stuck |> List.exactlyOne
    Assert.Equal<string[]>([| "theta[1]"; "theta[2]" |], w.Scalars)
    Assert.StartsWith("theta[1], theta[2] (chain 2): the draws never change.", Warnings.describe w)

let ``warnings are ordered most severe first`` () =
    let nan2 = mu |> withChain 2 (Array.mapi (fun i v -> if i = 3 then nan else v))
    let shifted = mu |> withChain 3 (Array.map ((+) 3.0))
    let ws = Warnings.compute (posteriorOf [ "a", shifted; "b", nan2 ])
    // The shifted chain also lowers the ESS of `a`, which comes after its R-hat.
    Assert.Equal<WarningKind list>(
        [
            WarningKind.NonFinite
            WarningKind.HighRhat
            WarningKind.LowBulkEss
            WarningKind.LowTailEss
        ],
        ws |> List.map (fun w -> w.Kind)
    )

    Assert.Equal<string list>([ "b"; "a"; "a"; "a" ], ws |> List.map (fun w -> w.Node))

let ``the summary prints the warnings banner above the table`` () =
    let x = mu |> withChain 3 (Array.map ((+) 3.0))
    let s = Summary.compute (posteriorOf [ "mu", snd healthy.Head; "theta[2]", x ])
    let text = Summary.format s
    Assert.StartsWith($"{s.Warnings.Length} WARNINGS: do not trust these results", text)
    Assert.True(text.IndexOf "theta[2] (chain 3): R-hat" < text.IndexOf "4 chains × 1000 draws")
    Assert.Empty((Summary.compute (posteriorOf healthy)).Warnings)
    Assert.StartsWith("4 chains × 1000 draws", Summary.format (Summary.compute (posteriorOf healthy)))

let ``a model check warning carries the node and no chains`` () =
    let w =
        Warnings.modelCheck "y" "the sd 1e-06 looks like a precision" "Use NormalPrecision."

    Assert.Equal(WarningKind.ModelCheck, w.Kind)
    Assert.Empty(w.Chains)
    Assert.Equal("y: the sd 1e-06 looks like a precision. Use NormalPrecision.", Warnings.describe w)

let ``a real run of eight schools with ten draws per chain is flagged`` () =
    let data =
        Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "docs", "data", "eight_schools.csv"))

    let plan =
        Bind.bind Examples.eightSchools data
        |> Result.bind Gibbs.compile
        |> Result.defaultWith (fun e -> failwith $"{e}")

    let post =
        Chains.run (SamplerOptions.Default.WithChains(2).WithWarmup(5).WithDraws(10).WithSeed(3)) plan

    let s = Summary.compute post
    Assert.Contains(s.Warnings, fun w -> w.Kind = WarningKind.LowBulkEss && w.Node = "theta")
    Assert.Matches("^[0-9]+ WARNINGS?: ", Summary.format s)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.WarningsTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.WarningsTests"
            [
                Expecto.Tests.testCase "a healthy posterior has no warnings" (fun () ->
                    ``a healthy posterior has no warnings`` ())
                Expecto.Tests.testCase "a NaN or infinite draw is reported with its node and chain" (fun () ->
                    ``a NaN or infinite draw is reported with its node and chain`` ())
                Expecto.Tests.testCase "draws beyond 1e10 in magnitude are unbounded growth" (fun () ->
                    ``draws beyond 1e10 in magnitude are unbounded growth`` ())
                Expecto.Tests.testCase
                    "a chain whose magnitude rises a thousandfold through its quarters is unbounded growth"
                    (fun () ->
                        ``a chain whose magnitude rises a thousandfold through its quarters is unbounded growth`` ())
                Expecto.Tests.testCase "a chain whose draws never change is stuck" (fun () ->
                    ``a chain whose draws never change is stuck`` ())
                Expecto.Tests.testCase
                    "constant real draws in every chain are stuck, a settled integer indicator is not"
                    (fun () -> ``constant real draws in every chain are stuck, a settled integer indicator is not`` ())
                Expecto.Tests.testCase "a positive scalar sitting at zero in one chain is at the boundary" (fun () ->
                    ``a positive scalar sitting at zero in one chain is at the boundary`` ())
                Expecto.Tests.testCase "a probability sitting at one in one chain is at the boundary" (fun () ->
                    ``a probability sitting at one in one chain is at the boundary`` ())
                Expecto.Tests.testCase "a shifted chain gives high R-hat naming that chain" (fun () ->
                    ``a shifted chain gives high R-hat naming that chain`` ())
                Expecto.Tests.testCase
                    "strongly autocorrelated chains give low bulk ESS against 100 per chain"
                    (fun () -> ``strongly autocorrelated chains give low bulk ESS against 100 per chain`` ())
                Expecto.Tests.testCase "too few draws per chain make R-hat not computable" (fun () ->
                    ``too few draws per chain make R-hat not computable`` ())
                Expecto.Tests.testCase "scalars of one node are grouped into one warning per kind" (fun () ->
                    ``scalars of one node are grouped into one warning per kind`` ())
                Expecto.Tests.testCase "warnings are ordered most severe first" (fun () ->
                    ``warnings are ordered most severe first`` ())
                Expecto.Tests.testCase "the summary prints the warnings banner above the table" (fun () ->
                    ``the summary prints the warnings banner above the table`` ())
                Expecto.Tests.testCase "a model check warning carries the node and no chains" (fun () ->
                    ``a model check warning carries the node and no chains`` ())
                Expecto.Tests.testCase "a real run of eight schools with ten draws per chain is flagged" (fun () ->
                    ``a real run of eight schools with ten draws per chain is flagged`` ())
            ])
