/// Formula fits against lme4 REML (fixtures/formula, made by lme4_reference.R with R 4.2.2 and lme4 1.1.31):
/// sleepstudy `Reaction ~ Days + (Days | Subject)` and the crossed Penicillin `diameter ~ 1 + (1 | plate) + (1 | sample)`.
module HierFunctional.Tests.Formula.FormulaLme4Tests

open System
open System.IO
open HierFunctional.TestShim
open MathNet.Numerics.Statistics
open HierFunctional
open HierFunctional.Tests.Formula.FormulaModelTests

/// Rows of a fixture CSV written by R's write.csv (quoted strings, no embedded commas).
let private rows (file: string) =
    File.ReadAllLines(fixturePath file)
    |> Array.skip 1
    |> Array.map (fun l -> l.Split ',' |> Array.map (fun s -> s.Trim '"'))

let private number (s: string) =
    Double.Parse(s, Globalization.CultureInfo.InvariantCulture)

/// (term, estimate, standard error) of lme4's fixed effects.
let private fixef (file: string) =
    rows file |> Array.map (fun r -> r.[0], number r.[1], number r.[2])

let private fit (formula: string) (file: string) =
    match Formula.bind Family.Gaussian [] formula (Csv.readOrThrow (dataPath file)) with
    | Error es -> failwith (Formula.describeErrors es)
    | Ok b ->
        match Gibbs.compile b with
        | Error es -> failwithf "%A" es
        | Ok plan ->
            plan, Chains.run (SamplerOptions.Default.WithChains(1).WithWarmup(100).WithDraws(400).WithSeed(2026)) plan

/// The Bayesian posterior mean and the REML estimate differ a little for reasons other than Monte Carlo error:
/// the posterior averages over the uncertainty in the variance components (REML plugs in their estimates) and the
/// default priors are weak, not flat. With data as strong as these that difference is a small fraction of lme4's
/// standard error, so we allow 0.25 SE for it plus 4 MCSE for the sampling error of the mean.
let private assertNearLme4 (post: Posterior) (node: string) (estimate: float) (se: float) =
    let x = Posterior.chains node post
    let m, mcse = Diagnostics.mean x, Diagnostics.mcseMean x
    let tol = 0.25 * se + 4.0 * mcse

    Assert.True(
        abs (m - estimate) < tol,
        $"{node}: posterior mean {m} vs lme4 {estimate}, |diff| {abs (m - estimate)}, tolerance {tol}"
    )

/// Pearson correlation of the posterior means of a group node's copies with lme4's conditional modes (BLUPs).
let private blupCorrelation
    (plan: GibbsPlan)
    (post: Posterior)
    (node: string)
    (groupColumn: string)
    (position: int option)
    (blups: (string * float)[])
    =
    let levels = plan.Bound.Groups.[groupColumn].Levels

    let ours =
        blups
        |> Array.map (fun (level, _) ->
            let j = Array.IndexOf(levels, level) + 1

            let name =
                match position with
                | Some k -> $"{node}[{j},{k}]"
                | None -> $"{node}[{j}]"

            Diagnostics.mean (Posterior.chains name post))

    Correlation.Pearson(ours, blups |> Array.map snd)

let ``sleepstudy fixed effects and subject effects agree with lme4`` () =
    let plan, post = fit "Reaction ~ Days + (Days | Subject)" "sleepstudy.csv"

    for term, estimate, se in fixef "sleepstudy_fixef.csv" do
        let node = if term = "(Intercept)" then "b_Intercept" else $"b_{term}"
        assertNearLme4 post node estimate se

    let ranef = rows "sleepstudy_ranef.csv"

    for k, column in [ 1, 1; 2, 2 ] do
        let blups = ranef |> Array.map (fun r -> r.[0], number r.[column])
        let rho = blupCorrelation plan post "r_Subject" "Subject" (Some k) blups
        Assert.True(rho > 0.99, $"coefficient {k}: correlation with lme4's BLUPs {rho}")

let ``crossed Penicillin intercept and plate and sample effects agree with lme4`` () =
    let plan, post = fit "diameter ~ 1 + (1 | plate) + (1 | sample)" "penicillin.csv"
    let _, estimate, se = (fixef "penicillin_fixef.csv").[0]
    assertNearLme4 post "b_Intercept" estimate se

    for node, column, file in
        [
            "r_plate", "plate", "penicillin_ranef_plate.csv"
            "r_sample", "sample", "penicillin_ranef_sample.csv"
        ] do
        let blups = rows file |> Array.map (fun r -> r.[0], number r.[1])
        let rho = blupCorrelation plan post node column None blups
        Assert.True(rho > 0.99, $"{node}: correlation with lme4's BLUPs {rho}")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Formula.FormulaLme4Tests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Formula.FormulaLme4Tests"
            [
                Expecto.Tests.testCase "sleepstudy fixed effects and subject effects agree with lme4" (fun () ->
                    ``sleepstudy fixed effects and subject effects agree with lme4`` ())
                Expecto.Tests.testCase
                    "crossed Penicillin intercept and plate and sample effects agree with lme4"
                    (fun () -> ``crossed Penicillin intercept and plate and sample effects agree with lme4`` ())
            ])
