/// Posterior analysis of fits: criteria from a fit, the shrinkage report, posterior predictive simulation,
/// variance decomposition and CmdStan CSV round trips of a posterior. Closed forms where they exist; Monte Carlo
/// checks are |estimate − truth| < 4 MCSE with fixed seeds.
module HierFunctional.Tests.PosteriorAnalysisTests

open System
open System.IO
open HierFunctional.TestShim
open MathNet.Numerics.Random
open HierFunctional
open type Distributions

let dataDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "docs", "data")

let csv name =
    Csv.readOrThrow (Path.Combine(dataDir, name))

let planOf (m: Model) (d: Dataset) =
    match Bind.bind m d |> Result.bind Gibbs.compile with
    | Ok p -> p
    | Error e -> failwithf "%A" e

let opts =
    SamplerOptions.Default.WithChains(2).WithWarmup(100).WithDraws(2000).WithSeed(7)

let reals (d: Dataset) name =
    match Dataset.tryColumn name d with
    | Some(Column.Reals xs) -> xs
    | Some(Column.Integers xs) -> Array.map float xs
    | other -> failwithf "column %s: %A" name other

// y_i ~ N(mu, 1), mu ~ N(0, 10): the posterior is N(m, s²) with s² = 1/(n + 1/100), m = s² Σ y; the conjugate
// update draws mu exactly, so the draws are independent.
let knownY = [| 1.2; 0.4; 2.5; 1.9; 0.7; 1.1; 1.6; 0.2; 1.4; 2.0 |]

let knownModel =
    model {
        let! mu = sample "mu" (Normal(0.0, 10.0))
        do! observe "y" (Normal(mu, 1.0))
    }

let knownPlan = planOf knownModel (Dataset.empty |> Dataset.reals "y" knownY)
let knownS2 = 1.0 / (float knownY.Length + 0.01)
let knownM = knownS2 * Array.sum knownY

let knownFit = Chains.run (opts.WithDraws(4000).WithLogLikelihood(true)) knownPlan

let iidWithin4Mcse (what: string) (estimate: float) (truth: float) (sdOfOne: float) (n: int) =
    let mcse = sdOfOne / sqrt (float n)
    Assert.True(abs (estimate - truth) < 4.0 * mcse, $"{what}: {estimate} vs {truth} (4 MCSE = {4.0 * mcse})")

// ---------------------------------------------------------------- criteria from a fit

let ``posterior states rebuild each draw and the mean state averages them`` () =
    let states = PosteriorStates.states knownPlan.Bound knownFit
    let mu = Posterior.chains "mu" knownFit
    Assert.Equal(mu.[1].[17], states.[1].[17].[0])
    Assert.Equal(Array.average (Array.concat mu), (PosteriorStates.meanState knownPlan.Bound knownFit).[0], 12)

let ``per-draw deviance from the recorded log-likelihood equals the model deviance of each draw's state`` () =
    let fromLik = Criteria.devianceDraws knownFit

    let direct =
        PosteriorStates.allChainStates knownPlan.Bound knownFit
        |> Array.map knownPlan.Density.Deviance

    Array.iter2 (fun (a: float) b -> Assert.Equal(b, a, 9)) fromLik direct

let ``DIC's p_D of a one-mean Normal model is n times the posterior variance of mu`` () =
    // D(mu) = Σ (y_i − mu)² + const, so D̄ − D(mū) = n · mean((mu_s − mū)²): expected n s² (≈ 1).
    let dic = Criteria.dicOf knownPlan knownFit
    let n, s = float knownY.Length, float knownFit.TotalDraws
    // sd of n (mu − m)² for one draw is n s² √2.
    iidWithin4Mcse "p_D" dic.PD (n * knownS2) (n * knownS2 * sqrt 2.0) (int s)
    Assert.Equal(dic.MeanDeviance + dic.PD, dic.Dic, 9)

let ``WAIC and LOO of a fit equal the array functions on its log-likelihood with chain ids`` () =
    let m = Posterior.logLikelihoodMatrix knownFit
    let rows = Array.init (Array2D.length1 m) (fun s -> m.[s, *])
    let ids = Array.init rows.Length (fun s -> 1 + s / knownFit.DrawCount)
    Assert.Equal((Criteria.waic rows).ElpdWaic.Estimate, (Criteria.waicOf knownFit).ElpdWaic.Estimate, 12)
    Assert.Equal((Criteria.looOfChains ids rows).ElpdLoo.Estimate, (Criteria.looOf knownFit).ElpdLoo.Estimate, 12)

let ``criteria from a fit without a recorded log-likelihood say how to record it`` () =
    let post = Chains.run (opts.WithDraws(50)) knownPlan
    let e = Assert.Throws<ArgumentException>(fun () -> Criteria.waicOf post |> ignore)
    Assert.Contains("WithLogLikelihood", e.Message)

// ---------------------------------------------------------------- shrinkage report

let schools = csv "eight_schools.csv"

// Fixed hyperparameters make B_j a constant, so the report's B_j must equal the analytic value exactly.
let ``with fixed hyperparameters the Normal shrinkage factor is sigma_j^2 over sigma_j^2 plus tau^2`` () =
    let m =
        model {
            let! theta = sample "theta" (Normal(1.0, 6.0)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    let plan = planOf m schools

    let t =
        ShrinkageReport.report plan.Bound "theta" (Chains.run (opts.WithDraws(200)) plan)

    let sigma = reals schools "sigma"
    Assert.Equal(ShrinkageFamily.Normal, t.Spec.Family)

    t.Rows
    |> Array.iteri (fun j r ->
        let s2 = sigma.[j] * sigma.[j]
        Assert.Equal(s2 / (s2 + 36.0), r.Factor, 12)
        // And the analytic B_j agrees with the closed-form module.
        Assert.Equal((HierFunctional.Analytic.Shrinkage.factor s2 36.0), r.Factor, 12))

let ``with fixed hyperparameters the Beta-Binomial and Gamma-Poisson factors are the closed forms`` () =
    let bb =
        model {
            let! theta = sample "theta" (Beta(2.0, 3.0)) |> over "hospital"
            do! observe "r" (Binomial(data "n", theta.[group "hospital"]))
        }

    let surgical = csv "surgical.csv"
    let plan = planOf bb surgical

    let t =
        ShrinkageReport.report plan.Bound "theta" (Chains.run (opts.WithDraws(100)) plan)

    Assert.Equal(ShrinkageFamily.BetaBinomial, t.Spec.Family)
    let ns = reals surgical "n"

    t.Rows
    |> Array.iteri (fun j r -> Assert.Equal(5.0 / (ns.[j] + 5.0), r.Factor, 12))

    t.Rows |> Array.iteri (fun j r -> Assert.Equal(ns.[j], r.Size))

    let gp =
        model {
            let! theta = sample "theta" (Gamma(1.5, 2.0)) |> over "pump"
            do! observe "x" (Poisson(theta.[group "pump"], data "t"))
        }

    let pumps = csv "pumps.csv"
    let plan = planOf gp pumps

    let t =
        ShrinkageReport.report plan.Bound "theta" (Chains.run (opts.WithDraws(100)) plan)

    Assert.Equal(ShrinkageFamily.GammaPoisson, t.Spec.Family)
    let ts, xs = reals pumps "t", reals pumps "x"

    t.Rows
    |> Array.iteri (fun j r ->
        Assert.Equal(2.0 / (ts.[j] + 2.0), r.Factor, 12)
        Assert.Equal(xs.[j] / ts.[j], r.NoPooling, 12))

let ``on students the realised shrinkage factor falls as the school's size grows`` () =
    let d = csv "students.csv"
    let plan = planOf Examples.studentsInSchools d

    let t =
        ShrinkageReport.report plan.Bound "theta" (Chains.run (opts.WithDraws(500)) plan)
    // B_j = (σ²/n_j)/(σ²/n_j + τ²) decreases in n_j draw by draw, so its posterior mean does too.
    let sorted = t.Rows |> Array.sortBy (fun r -> r.Size)

    for k in 1 .. sorted.Length - 1 do
        if sorted.[k].Size > sorted.[k - 1].Size then
            Assert.True(sorted.[k].Factor < sorted.[k - 1].Factor, $"{sorted.[k].Label} vs {sorted.[k - 1].Label}")

    Assert.True(sorted |> Array.forall (fun r -> r.Factor > 0.0 && r.Factor < 1.0))

let ``on eight schools the report's partial pooling is the posterior mean and no pooling is y_j`` () =
    let plan = planOf Examples.eightSchools schools
    let post = Chains.run (opts.WithDraws(500)) plan
    let t = ShrinkageReport.report plan.Bound "theta" post
    let y, sigma = reals schools "y", reals schools "sigma"
    let w = sigma |> Array.map (fun s -> 1.0 / (s * s))
    let pooled = Array.fold2 (fun acc wi yi -> acc + wi * yi) 0.0 w y / Array.sum w
    Assert.Equal("y", t.Spec.Observed)

    t.Rows
    |> Array.iteri (fun j r ->
        let theta = Posterior.chains $"theta[{j + 1}]" post
        Assert.Equal(Array.average (Array.concat theta), r.PartialMean, 12)
        Assert.Equal(Diagnostics.quantile 0.05 theta, r.Lower, 12)
        Assert.Equal(y.[j], r.NoPooling, 12)
        Assert.Equal(pooled, r.CompletePooling, 12)
        Assert.Equal(string "ABCDEFGH".[j], r.Label))

    Assert.Contains("theta over school", ShrinkageReport.format t)

let ``the realised Normal factor is the draw average of sigma_j^2 over sigma_j^2 plus tau^2`` () =
    let plan = planOf Examples.eightSchools schools
    let post = Chains.run (opts.WithDraws(300)) plan
    let t = ShrinkageReport.report plan.Bound "theta" post
    let tau = Posterior.allChains "tau" post

    reals schools "sigma"
    |> Array.iteri (fun j s ->
        let byHand = tau |> Array.averageBy (fun t -> s * s / (s * s + t * t))
        Assert.Equal(byHand, t.Rows.[j].Factor, 12))

let ``a node that is not over a group is refused with a message naming it`` () =
    let e =
        Assert.Throws<ArgumentException>(fun () -> ShrinkageReport.detect knownPlan.Bound "mu" |> ignore)

    Assert.Contains("'mu'", e.Message)

// ---------------------------------------------------------------- posterior predictive

let ``replicated data match the closed-form posterior predictive N(m, s^2 + 1) within 4 MCSE`` () =
    let reps =
        Predictive.replicate (Xoshiro256StarStar(5, false)) knownPlan.Bound knownFit

    let first = reps |> Array.map (fun d -> (reals d "y").[0])
    let n = first.Length
    let v = knownS2 + 1.0
    iidWithin4Mcse "mean" (Array.average first) knownM (sqrt v) n
    let sampleVar = (first |> Array.sumBy (fun x -> (x - knownM) ** 2.0)) / float n
    // For a Normal, the sd of (x − m)² is v √2.
    iidWithin4Mcse "variance" sampleVar v (v * sqrt 2.0) n

let ``the p-value of a statistic the model fits is not extreme and of one it misfits is`` () =
    let rng () = Xoshiro256StarStar(9, false) :> Random
    let mean d = Array.average (reals d "y")
    let p = Predictive.pValue (rng ()) knownPlan.Bound mean knownFit
    Assert.InRange(p, 0.05, 0.95)
    // One gross outlier: the known-sd Normal cannot reproduce the maximum.
    let outlier = Array.append knownY [| 9.0 |]
    let plan = planOf knownModel (Dataset.empty |> Dataset.reals "y" outlier)
    let post = Chains.run (opts.WithDraws(1000)) plan

    let check =
        Predictive.check (rng ()) plan.Bound (fun d -> Array.max (reals d "y")) post

    Assert.Equal(9.0, check.Observed)
    Assert.True(check.PValue < 0.01, $"p = {check.PValue}")

let ``a new group's effect and data follow the population and the row's sd`` () =
    let m =
        model {
            let! theta = sample "theta" (Normal(1.0, 6.0)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    let plan = planOf m schools
    let post = Chains.run (opts.WithDraws(3000)) plan
    let rng = Xoshiro256StarStar(13, false)
    let pairs = Predictive.newGroupData rng plan.Bound "theta" "y" 1 post
    let effects, ys = Array.map fst pairs, Array.map snd pairs
    // theta_new ~ N(1, 6); y_new ~ N(1, √(36 + 10²)) with school B's sd 10.
    iidWithin4Mcse "effect mean" (Array.average effects) 1.0 6.0 effects.Length
    iidWithin4Mcse "data mean" (Array.average ys) 1.0 (sqrt 136.0) ys.Length
    let v = (ys |> Array.sumBy (fun x -> (x - 1.0) ** 2.0)) / float ys.Length
    iidWithin4Mcse "data variance" v 136.0 (136.0 * sqrt 2.0) ys.Length

// ---------------------------------------------------------------- variance decomposition

let ``the ICC draws are tau^2 over tau^2 plus sigma^2 and the shares sum to one`` () =
    let plan = planOf Examples.studentsInSchools (csv "students.csv")
    let post = Chains.run (opts.WithDraws(1000)) plan
    let d = VarianceDecomposition.decompose [ "tau"; "sigma" ] post

    let tau, sigma, icc =
        Posterior.allChains "tau" d, Posterior.allChains "sigma" d, Posterior.allChains "icc" d

    let shares =
        Array.map2 (+) (Posterior.allChains "share_tau" d) (Posterior.allChains "share_sigma" d)

    for s in 0 .. icc.Length - 1 do
        Assert.Equal(tau.[s] ** 2.0 / (tau.[s] ** 2.0 + sigma.[s] ** 2.0), icc.[s], 14)
        Assert.Equal(1.0, shares.[s], 14)

    // Simulated with τ = 5 and σ = 10 (ICC 0.2; docs/data/SOURCES.md); 12 schools pin it only loosely.
    Assert.InRange(Array.average icc, 0.05, 0.5)
    let summary = VarianceDecomposition.summary [ "tau"; "sigma" ] post
    Assert.Equal(5, summary.Rows.Length)

let ``three-level shares sum to one draw by draw`` () =
    let plan = planOf Examples.threeLevel (csv "three_level.csv")
    let post = Chains.run (opts.WithDraws(300)) plan
    let sds = [ "tau_school"; "tau_class"; "sigma" ]
    let d = VarianceDecomposition.decompose sds post

    let total =
        sds
        |> List.map (fun s -> Posterior.allChains $"share_{s}" d)
        |> List.reduce (Array.map2 (+))

    total |> Array.iter (fun t -> Assert.Equal(1.0, t, 14))
    Assert.False(d.Contains "icc")

// ---------------------------------------------------------------- CmdStan CSV of a posterior

let ``a posterior written as CmdStan CSV reads back bit-identical with bracket names`` () =
    let plan = planOf Examples.eightSchools schools
    let post = Chains.run (opts.WithChains(3).WithDraws(100)) plan
    let dir = Directory.CreateTempSubdirectory("hier-post-").FullName

    let header: CmdStanHeader =
        {
            ModelName = "eight_schools"
            Algorithm = "gibbs"
            NumSamples = 100
            NumWarmup = 100
            Thin = 1
            Seed = 7UL
            ChainId = 1
            ElapsedSeconds = None
        }

    try
        let files = CmdStanCsv.writePosterior dir header post
        Assert.Equal(3, files.Length)
        Assert.Contains("theta.1", File.ReadAllText files.[0])
        let back = CmdStanCsv.readPosterior files
        Assert.Equal<string[]>(post.Names, back.Names)
        Assert.Equal(3, back.ChainCount)

        for n in post.Names do
            let a, b = Posterior.chains n post, Posterior.chains n back

            for c in 0..2 do
                Assert.Equal<int64[]>(
                    a.[c] |> Array.map BitConverter.DoubleToInt64Bits,
                    b.[c] |> Array.map BitConverter.DoubleToInt64Bits
                )
    finally
        Directory.Delete(dir, true)

let ``an explicit spec whose family does not match the nodes is refused`` () =
    let plan = planOf Examples.eightSchools schools
    let post = Chains.run (opts.WithDraws(20)) plan

    let spec =
        {
            Node = "theta"
            Observed = "y"
            Family = ShrinkageFamily.BetaBinomial
        }

    let e =
        Assert.Throws<ArgumentException>(fun () -> ShrinkageReport.compute plan.Bound spec post |> ignore)

    Assert.Contains("BetaBinomial", e.Message)

let ``a new group cannot be drawn when the group prior reads a covariate`` () =
    let m =
        model {
            let! b = sample "b" (Normal(0.0, 1.0))
            let! theta = sample "theta" (Normal(b * data "z", 1.0)) |> over "g"
            do! observe "y" (Normal(theta.[group "g"], 1.0))
        }

    let d =
        Dataset.empty
        |> Dataset.labels "g" [| "a"; "a"; "b" |]
        |> Dataset.reals "z" [| 1.0; 1.0; 2.0 |]
        |> Dataset.reals "y" [| 0.3; 0.1; 0.9 |]

    let plan = planOf m d
    let post = Chains.run (opts.WithDraws(20)) plan

    let e =
        Assert.Throws<ArgumentException>(fun () ->
            Predictive.newGroup (Xoshiro256StarStar(1, false)) plan.Bound "theta" post
            |> ignore)

    Assert.Contains("covariate", e.Message)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.PosteriorAnalysisTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.PosteriorAnalysisTests"
            [
                Expecto.Tests.testCase "posterior states rebuild each draw and the mean state averages them" (fun () ->
                    ``posterior states rebuild each draw and the mean state averages them`` ())
                Expecto.Tests.testCase
                    "per-draw deviance from the recorded log-likelihood equals the model deviance of each draw's state"
                    (fun () ->
                        ``per-draw deviance from the recorded log-likelihood equals the model deviance of each draw's state`` ())
                Expecto.Tests.testCase
                    "DIC's p_D of a one-mean Normal model is n times the posterior variance of mu"
                    (fun () -> ``DIC's p_D of a one-mean Normal model is n times the posterior variance of mu`` ())
                Expecto.Tests.testCase
                    "WAIC and LOO of a fit equal the array functions on its log-likelihood with chain ids"
                    (fun () ->
                        ``WAIC and LOO of a fit equal the array functions on its log-likelihood with chain ids`` ())
                Expecto.Tests.testCase
                    "criteria from a fit without a recorded log-likelihood say how to record it"
                    (fun () -> ``criteria from a fit without a recorded log-likelihood say how to record it`` ())
                Expecto.Tests.testCase
                    "with fixed hyperparameters the Normal shrinkage factor is sigma_j^2 over sigma_j^2 plus tau^2"
                    (fun () ->
                        ``with fixed hyperparameters the Normal shrinkage factor is sigma_j^2 over sigma_j^2 plus tau^2`` ())
                Expecto.Tests.testCase
                    "with fixed hyperparameters the Beta-Binomial and Gamma-Poisson factors are the closed forms"
                    (fun () ->
                        ``with fixed hyperparameters the Beta-Binomial and Gamma-Poisson factors are the closed forms`` ())
                Expecto.Tests.testCase
                    "on students the realised shrinkage factor falls as the school's size grows"
                    (fun () -> ``on students the realised shrinkage factor falls as the school's size grows`` ())
                Expecto.Tests.testCase
                    "on eight schools the report's partial pooling is the posterior mean and no pooling is y_j"
                    (fun () ->
                        ``on eight schools the report's partial pooling is the posterior mean and no pooling is y_j`` ())
                Expecto.Tests.testCase
                    "the realised Normal factor is the draw average of sigma_j^2 over sigma_j^2 plus tau^2"
                    (fun () ->
                        ``the realised Normal factor is the draw average of sigma_j^2 over sigma_j^2 plus tau^2`` ())
                Expecto.Tests.testCase "a node that is not over a group is refused with a message naming it" (fun () ->
                    ``a node that is not over a group is refused with a message naming it`` ())
                Expecto.Tests.testCase
                    "replicated data match the closed-form posterior predictive N(m, s^2 + 1) within 4 MCSE"
                    (fun () ->
                        ``replicated data match the closed-form posterior predictive N(m, s^2 + 1) within 4 MCSE`` ())
                Expecto.Tests.testCase
                    "the p-value of a statistic the model fits is not extreme and of one it misfits is"
                    (fun () -> ``the p-value of a statistic the model fits is not extreme and of one it misfits is`` ())
                Expecto.Tests.testCase "a new group's effect and data follow the population and the row's sd" (fun () ->
                    ``a new group's effect and data follow the population and the row's sd`` ())
                Expecto.Tests.testCase
                    "the ICC draws are tau^2 over tau^2 plus sigma^2 and the shares sum to one"
                    (fun () -> ``the ICC draws are tau^2 over tau^2 plus sigma^2 and the shares sum to one`` ())
                Expecto.Tests.testCase "three-level shares sum to one draw by draw" (fun () ->
                    ``three-level shares sum to one draw by draw`` ())
                Expecto.Tests.testCase
                    "a posterior written as CmdStan CSV reads back bit-identical with bracket names"
                    (fun () -> ``a posterior written as CmdStan CSV reads back bit-identical with bracket names`` ())
                Expecto.Tests.testCase "an explicit spec whose family does not match the nodes is refused" (fun () ->
                    ``an explicit spec whose family does not match the nodes is refused`` ())
                Expecto.Tests.testCase "a new group cannot be drawn when the group prior reads a covariate" (fun () ->
                    ``a new group cannot be drawn when the group prior reads a covariate`` ())
            ])
