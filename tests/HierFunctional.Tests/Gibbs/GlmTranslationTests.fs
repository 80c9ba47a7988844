/// The GLM block's translation move (GlmTranslation) of stratum intercepts μ along a case indicator's coefficients,
/// Oxford's form: one move applied to exact posterior draws (rejection from the prior) leaves every mean and sd where
/// it was, the same check fails when the move's target drops μ's prior or the coefficients' priors, and the plan adds
/// the move only where the rows it leaves unchanged hold a third of μ's information.
module HierFunctional.Tests.Gibbs.GlmTranslationTests

open System
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference
open type Distributions
open HierFunctional.Tests.Gibbs.GibbsTests

// three strata, a control row (case 0) and a case row (case 1) each
let private strata = [| 0; 0; 1; 1; 2; 2 |]
let private cases = [| 0.0; 1.0; 0.0; 1.0; 0.0; 1.0 |]
let private xs = [| -1.0; -1.0; 0.5; 0.5; 1.5; 1.5 |]
let private ys = [| 1.0; 3.0; 2.0; 2.0; 0.0; 3.0 |]

let private dataset (ys: float[]) (ns: float[]) =
    Dataset.empty
    |> Dataset.labels "stratum" (strata |> Array.map string)
    |> Dataset.reals "case" cases
    |> Dataset.reals "x" xs
    |> Dataset.integers "r" (ys |> Array.map int)
    |> Dataset.integers "n" (ns |> Array.map int)

let private trials = [| 4.0; 4.0; 3.0; 3.0; 4.0; 4.0 |]

let private priorMeans, priorSds = [| 0.2; -0.1 |], [| 1.0; 0.8 |]
let private muMean, muSd = 0.3, 0.7

/// Oxford's form: μ[stratum] + case·(α + β·x), with proper priors everywhere so exact draws come from the prior.
let private oxfordForm =
    model {
        let! alpha = sample "alpha" (Normal(priorMeans.[0], priorSds.[0]))
        let! beta = sample "beta" (Normal(priorMeans.[1], priorSds.[1]))
        let! mu = sample "mu" (Normal(muMean, muSd)) |> over "stratum"

        do! observe "r" (Binomial(data "n", invLogit (mu.[group "stratum"] + data "case" * (alpha + beta * data "x"))))
    }

/// (α, β, μ₁, μ₂, μ₃) draws from the posterior, by rejection from the prior with the likelihood's maximum as bound.
let private exactDraws (rng: Random) (count: int) =
    let logLik (d: float[]) =
        Array.init 6 (fun r ->
            let eta = d.[2 + strata.[r]] + cases.[r] * (d.[0] + d.[1] * xs.[r])
            ys.[r] * eta - trials.[r] * (max eta 0.0 + log (1.0 + exp (-(abs eta)))))
        |> Array.sum

    let top =
        Array.init 6 (fun r ->
            let y, n = ys.[r], trials.[r]

            (if y > 0.0 then y * log (y / n) else 0.0)
            + (if y < n then (n - y) * log ((n - y) / n) else 0.0))
        |> Array.sum

    let normal m s = m + s * StandardNormal.sample rng

    Seq.initInfinite (fun _ ->
        [|
            normal priorMeans.[0] priorSds.[0]
            normal priorMeans.[1] priorSds.[1]
            normal muMean muSd
            normal muMean muSd
            normal muMean muSd
        |])
    |> Seq.filter (fun d -> log (rng.NextDouble()) < logLik d - top)
    |> Seq.take count
    |> Array.ofSeq

let private names = [| "alpha"; "beta"; "mu[1]"; "mu[2]"; "mu[3]" |]

/// The translation of μ in the GLM block of α and β, built as the block builds it, with a way to break its target.
let private translationOf (plan: GibbsPlan) =
    let b = plan.Bound
    let expanded = Graph.expand b.Model
    let members = [| "alpha"; "beta" |]
    let children = [| (GlmBlockMembers.childFor b expanded members "r").Value |]

    let rows = children |> Array.map GlmCentring.rowOf

    let tr =
        GlmTranslation.translationsFor b expanded members [| false; false |] children rows
        |> Array.exactlyOne

    b, members, children, tr

/// One translation move applied to each draw; `tr` and the coefficient prior precisions `pp` may be broken on purpose.
let private moveEach (plan: GibbsPlan) (tr: GlmTranslation.Translation) (pp: float[]) (rng: Random) (draws: float[][]) =
    let b, members, children, _ = translationOf plan
    let sc = GlmTranslation.scratch tr children
    let offsets = members |> Array.map (fun m -> b.Layout.Offsets.[m])
    let muOff = b.Layout.Offsets.["mu"]
    let s = Array.zeroCreate b.Layout.Size
    let mutable accepted = 0

    let out =
        draws
        |> Array.map (fun d ->
            s.[offsets.[0]] <- d.[0]
            s.[offsets.[1]] <- d.[1]

            for l in 0..2 do
                s.[muOff + l] <- d.[2 + l]

            if GlmTranslation.move "test" rng tr sc children s offsets priorMeans pp false then
                accepted <- accepted + 1

            [| s.[offsets.[0]]; s.[offsets.[1]]; s.[muOff]; s.[muOff + 1]; s.[muOff + 2] |])

    out, accepted

/// The moments (means and sds) of the moved draws that lie more than 4 standard errors from an independent exact
/// sample's (se of the difference from both samples; of the sd √((μ₄ − σ⁴)/n)/(2σ)).
let private offMoments (truth: float[][]) (out: float[][]) =
    [
        for i in 0 .. names.Length - 1 do
            let t = truth |> Array.map (fun d -> d.[i])
            let o = out |> Array.map (fun d -> d.[i])
            let mt, mo = Array.average t, Array.average o
            let sd = sqrt (Array.averageBy (fun x -> (x - mt) ** 2.0) t)
            let so = sqrt (Array.averageBy (fun x -> (x - mo) ** 2.0) o)
            let mu4 = Array.averageBy (fun x -> (x - mt) ** 4.0) t
            let nt, no = float t.Length, float o.Length
            let seMean = sd * sqrt (1.0 / nt + 1.0 / no)
            let seSd = sqrt ((mu4 - sd ** 4.0) * (1.0 / nt + 1.0 / no)) / (2.0 * sd)

            if abs (mo - mt) > 4.0 * seMean then
                yield $"{names.[i]} mean {mo} vs exact {mt} (4 se = {4.0 * seMean})"

            if abs (so - sd) > 4.0 * seSd then
                yield $"{names.[i]} sd {so} vs exact {sd} (4 se = {4.0 * seSd})"
    ]

let private plan = lazy (planOf Rules.builtIn oxfordForm (dataset ys trials))

let private pp = priorSds |> Array.map (fun s -> 1.0 / (s * s))

let private draws =
    lazy (exactDraws (MonteCarlo.rng 11) 20000, exactDraws (MonteCarlo.rng 12) 80000)

let ``one translation move leaves exact posterior draws of the coefficients and the stratum intercepts distributed as the posterior``
    ()
    =
    let input, truth = draws.Value
    let _, _, _, tr = translationOf plan.Value
    let out, accepted = moveEach plan.Value tr pp (MonteCarlo.rng 13) input
    // the move must move: a kernel that stays put passes any invariance check
    Assert.True(accepted > input.Length / 2, $"only {accepted} of {input.Length} proposals accepted")
    let off = offMoments truth out
    Assert.True(off.IsEmpty, String.Join("; ", off))

let ``the same check fails when the translation's target drops the intercepts' prior or the coefficients' priors`` () =
    let input, truth = draws.Value
    let _, _, _, tr = translationOf plan.Value
    let noMuPrior = { tr with PriorSd = fun _ _ -> 1e8 }
    let out, _ = moveEach plan.Value noMuPrior pp (MonteCarlo.rng 13) input
    Assert.False((offMoments truth out).IsEmpty, "dropping mu's prior went unnoticed")
    let out, _ = moveEach plan.Value tr [| 0.0; 0.0 |] (MonteCarlo.rng 13) input
    Assert.False((offMoments truth out).IsEmpty, "dropping the coefficients' priors went unnoticed")

let ``the GLM block adds the translation where the case rows hold a third of the intercepts' information and not below``
    ()
    =
    let glmBlock (p: GibbsPlan) =
        p.Updates |> Array.find (fun u -> u.Kind = UpdateKind.GlmBlock)

    // the GLM block (not the shared-ω logistic block) takes rows with more than 12 trials
    let many = ys |> Array.map ((*) 5.0)

    let block =
        planOf Rules.builtIn oxfordForm (dataset many (trials |> Array.map ((*) 5.0)))

    Assert.EndsWith("translation of mu along alpha, beta (exact by MH)", (glmBlock block).Method)
    // ten times the trials in the control rows: they hold most of what the data say about mu
    let fewCases =
        planOf Rules.builtIn oxfordForm (dataset many (Array.init 6 (fun r -> if cases.[r] = 1.0 then 15.0 else 150.0)))

    Assert.DoesNotContain("translation", (glmBlock fewCases).Method)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.GlmTranslationTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.GlmTranslationTests"
            [
                Expecto.Tests.testCase
                    "one translation move leaves exact posterior draws of the coefficients and the stratum intercepts distributed as the posterior"
                    (fun () ->
                        ``one translation move leaves exact posterior draws of the coefficients and the stratum intercepts distributed as the posterior`` ())
                Expecto.Tests.testCase
                    "the same check fails when the translation's target drops the intercepts' prior or the coefficients' priors"
                    (fun () ->
                        ``the same check fails when the translation's target drops the intercepts' prior or the coefficients' priors`` ())
                Expecto.Tests.testCase
                    "the GLM block adds the translation where the case rows hold a third of the intercepts' information and not below"
                    (fun () ->
                        ``the GLM block adds the translation where the case rows hold a third of the intercepts' information and not below`` ())
            ])
