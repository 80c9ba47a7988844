/// Improper posteriors are refused by name with the reason and a fix; the boundary cases (number of groups)
/// follow from the tail of the marginal likelihood, which is checked numerically here.
module HierFunctional.Tests.Reliability.ImproperTests

open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Analytic
open type Distributions

let private compile (m: Model) (d: Dataset) =
    Bind.bind m d |> Result.bind Gibbs.compile

let private improperOn (node: string) (m: Model) (d: Dataset) =
    match compile m d with
    | Ok _ -> failwith "expected the posterior to be refused as improper"
    | Error errors ->
        errors
        |> List.tryPick (function
            | ModelError.ImproperPosterior(n, why) when n = node -> Some why
            | _ -> None)
        |> function
            | Some why -> why
            | None -> failwithf "no ImproperPosterior on '%s' in %A" node errors

let private accepted (m: Model) (d: Dataset) =
    match compile m d with
    | Ok _ -> ()
    | Error errors -> failwithf "expected a proper posterior, got %A" errors

let private groups (j: int) =
    Dataset.empty
    |> Dataset.labels "g" (Array.init j (fun k -> $"G{k}"))
    |> Dataset.reals "y" (Array.init j (fun k -> float (k * 3 % 7)))
    |> Dataset.reals "s" (Array.create j 1.0)

let private normalHierarchy (mu: Dist) (tauPrior: Step<Expr>) (scaleOf: Expr -> Expr) (extra: Expr -> Step<unit>) =
    model {
        let! mu = sample "mu" mu
        let! tau = tauPrior
        do! extra tau
        let! theta = sample "theta" (Normal(mu, scaleOf tau)) |> over "g"
        do! observe "y" (Normal(theta.[group "g"], data "s"))
    }

let private none (_: Expr) = Step.ret ()

let ``a flat prior on log tau for the Normal hierarchy is refused as improper`` () =
    let jeffreys =
        normalHierarchy (Flat Support.Real) (sample "tau" (Flat Support.Positive)) id (fun t ->
            factor "jeffreys" (-(log t)))

    let why = improperOn "tau" jeffreys (groups 8)
    Assert.Contains("log τ", why)
    Assert.Contains("HalfCauchy", why)

    let logScale =
        normalHierarchy (Normal(0.0, 5.0)) (sample "logTau" (Flat Support.Real)) exp none

    Assert.Contains("τ = 0", improperOn "logTau" logScale (groups 8))

let ``a flat prior on tau needs three groups when mu is flat and two when mu is proper`` () =
    let flatMu =
        normalHierarchy (Flat Support.Real) (sample "tau" (Flat Support.Positive)) id none

    Assert.Contains("at least 3 groups", improperOn "tau" flatMu (groups 2))
    accepted flatMu (groups 3)

    let properMu =
        normalHierarchy (Normal(0.0, 5.0)) (sample "tau" (Flat Support.Positive)) id none

    Assert.Contains("at least 2 groups", improperOn "tau" properMu (groups 1))
    accepted properMu (groups 2)

let ``a flat prior on the variance needs four groups when mu is flat`` () =
    let flatVar =
        normalHierarchy (Flat Support.Real) (sample "v" (Flat Support.Positive)) sqrt none

    Assert.Contains("at least 4 groups", improperOn "v" flatVar (groups 3))
    accepted flatVar (groups 4)

let ``the marginal likelihood of tau decays like tau to the power minus (J minus 1) with a flat mu`` () =
    // The tail that decides the group counts above: d log p(y | τ) / d log τ → −(J − 1) (BDA3 §5.4).
    for j in [ 2; 3; 5; 8 ] do
        let d = groups j
        let y = [| for k in 0 .. j - 1 -> float (k * 3 % 7) |]

        let logP =
            GridPosterior.normalLogTauDensity MuPrior.Flat GridPosterior.uniformTau y (Array.create j 1.0)

        let slope = (logP 1e7 - logP 1e6) / log 10.0
        Assert.Equal(-(float j - 1.0), slope, 3)
        ignore d

let ``flat priors on the Beta parameters of a hierarchy are refused with BDA3's fix`` () =
    let d =
        Dataset.empty
        |> Dataset.labels "g" [| "a"; "b"; "c" |]
        |> Dataset.integers "n" [| 10; 12; 9 |]
        |> Dataset.integers "y" [| 2; 5; 1 |]

    let flat (withFactor: bool) =
        model {
            let! a = sample "alpha" (Flat Support.Positive)
            let! b = sample "beta" (Flat Support.Positive)

            if withFactor then
                do! factor "hyperprior" (-2.5 * log (a + b))

            let! theta = sample "theta" (Beta(a, b)) |> over "g"
            do! observe "y" (Binomial(data "n", theta.[group "g"]))
        }

    let why = improperOn "alpha" (flat false) d
    Assert.Contains("§5.3", why)
    Assert.Contains("-2.5 * log", why)
    accepted (flat true) d

let ``a flat prior with no data rows is refused as improper`` () =
    let m =
        model {
            let! mu = sample "mu" (Flat Support.Real)
            do! observe "y" (Normal(mu, 1.0))
        }

    Assert.Contains("no rows", improperOn "mu" m (Dataset.empty |> Dataset.reals "y" [||]))

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Reliability.ImproperTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Reliability.ImproperTests"
            [
                Expecto.Tests.testCase
                    "a flat prior on log tau for the Normal hierarchy is refused as improper"
                    (fun () -> ``a flat prior on log tau for the Normal hierarchy is refused as improper`` ())
                Expecto.Tests.testCase
                    "a flat prior on tau needs three groups when mu is flat and two when mu is proper"
                    (fun () -> ``a flat prior on tau needs three groups when mu is flat and two when mu is proper`` ())
                Expecto.Tests.testCase "a flat prior on the variance needs four groups when mu is flat" (fun () ->
                    ``a flat prior on the variance needs four groups when mu is flat`` ())
                Expecto.Tests.testCase
                    "the marginal likelihood of tau decays like tau to the power minus (J minus 1) with a flat mu"
                    (fun () ->
                        ``the marginal likelihood of tau decays like tau to the power minus (J minus 1) with a flat mu`` ())
                Expecto.Tests.testCase
                    "flat priors on the Beta parameters of a hierarchy are refused with BDA3's fix"
                    (fun () -> ``flat priors on the Beta parameters of a hierarchy are refused with BDA3's fix`` ())
                Expecto.Tests.testCase "a flat prior with no data rows is refused as improper" (fun () ->
                    ``a flat prior with no data rows is refused as improper`` ())
            ])
