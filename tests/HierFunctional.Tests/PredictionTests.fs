/// Prediction for new rows (`Fit.predict`, `Fit.epred`) against closed forms given the draws, against the existing
/// predictive machinery (`Predictive.newGroupData`), and its typed errors; the fit value and `MissingRows.Drop`.
module HierFunctional.Tests.PredictionTests

open System
open System.IO
open HierFunctional.TestShim
open HierFunctional

let private dataPath (file: string) =
    Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "docs", "data", file)

let private options =
    SamplerOptions.Default.WithChains(2).WithWarmup(300).WithDraws(1000).WithSeed(7).WithThreads(2)

let private okOr (describe: 'e -> string) (r: Result<'T, 'e list>) =
    match r with
    | Ok v -> v
    | Error es -> failwith (es |> List.map describe |> String.concat "; ")

let private sleepFit =
    lazy
        // the InverseWishart covariance, whose Σ entries the new-level closed form below reads directly
        (Formula.parse "Reaction ~ Days + (Days | Subject)"
         |> Result.mapError List.singleton
         |> Result.bind (fun f ->
             Fit.formulaWith
                 MissingRows.Refuse
                 options
                 { FormulaOptions.Default with
                     Covariance = CovariancePrior.InverseWishart
                 }
                 f
                 (Csv.readOrThrow (dataPath "sleepstudy.csv")))
         |> okOr FormulaError.describe)

let private draws (fit: Fit) (name: string) = Posterior.allChains name fit.Posterior

let private levelOf (fit: Fit) (group: string) (label: string) =
    (Array.findIndex ((=) label) fit.Bound.Groups.[group].Levels) + 1

let private newRows (subjects: string[]) (days: float[]) =
    Dataset.empty |> Dataset.labels "Subject" subjects |> Dataset.reals "Days" days

let ``sleepstudy: epred of an observed subject is that subject's intercept plus slope times Days, draw by draw`` () =
    let fit = sleepFit.Value
    let rows = newRows [| "308"; "335"; "308" |] [| 3.5; 11.0; 0.0 |]
    let p = Fit.epred (Random 1) false rows fit |> okOr PredictionError.describe
    Assert.Equal(3, p.Rows)
    Assert.Equal(fit.Posterior.TotalDraws, p.Values.Length)

    [ 0, "308", 3.5; 1, "335", 11.0; 2, "308", 0.0 ]
    |> List.iter (fun (row, subject, day) ->
        let j = levelOf fit "Subject" subject
        let a = draws fit $"r_Subject[{j},1]"
        let b = draws fit $"r_Subject[{j},2]"
        let got = Prediction.row row p

        for s in 0 .. a.Length - 1 do
            Assert.True(abs (got.[s] - (a.[s] + b.[s] * day)) < 1e-9, $"row {row}, draw {s}"))

/// Given the draws, a new subject's effects are N((b0, b1), Σ) per draw, so epred at Days d has conditional mean
/// m_s = b0 + b1 d and variance v_s = Σ11 + 2d Σ12 + d² Σ22 (plus σ² for predict). The sample mean and variance
/// over draws are compared with the closed forms mean(m) and mean(v) + var(m), within 4 Monte Carlo SEs given the
/// draws: sqrt(Σ v)/S for the mean, sqrt(4 Σ (m − m̄)² v + 2 Σ v²)/S for the variance.
let private checkNewLevel (predictive: bool) =
    let fit = sleepFit.Value
    let d = 6.0
    let rows = newRows [| "new subject" |] [| d |]

    let p =
        (if predictive then Fit.predict else Fit.epred) (Random 3) true rows fit
        |> okOr PredictionError.describe

    let got = Prediction.row 0 p
    let b0, b1 = draws fit "b_Intercept", draws fit "b_Days"

    let s11, s12, s22 =
        draws fit "Sigma_Subject[1,1]", draws fit "Sigma_Subject[1,2]", draws fit "Sigma_Subject[2,2]"

    let sigma = draws fit "sigma"
    let n = float got.Length
    let m = Array.init got.Length (fun s -> b0.[s] + b1.[s] * d)

    let v =
        Array.init got.Length (fun s ->
            s11.[s]
            + 2.0 * d * s12.[s]
            + d * d * s22.[s]
            + (if predictive then sigma.[s] * sigma.[s] else 0.0))

    let mBar = Array.average m
    let meanSe = sqrt (Array.sum v) / n
    Assert.True(abs (Array.average got - mBar) < 4.0 * meanSe, $"mean {Array.average got} vs {mBar} (SE {meanSe})")

    let variance (x: float[]) =
        let mu = Array.average x
        x |> Array.averageBy (fun y -> (y - mu) * (y - mu))

    let target = Array.average v + variance m

    let varSe =
        sqrt (
            4.0
            * Array.fold2 (fun acc mi vi -> acc + (mi - mBar) * (mi - mBar) * vi) 0.0 m v
            + 2.0 * Array.sumBy (fun x -> x * x) v
        )
        / n

    Assert.True(abs (variance got - target) < 4.0 * varSe, $"variance {variance got} vs {target} (SE {varSe})")

let ``sleepstudy: epred for a new subject has the population mean and variance given the draws`` () =
    checkNewLevel false

let ``sleepstudy: predict for a new subject adds the residual variance to the new subject's spread`` () =
    checkNewLevel true

let ``a subject the fit never saw is an error naming the column and level unless new levels are allowed`` () =
    let rows = newRows [| "308"; "999" |] [| 1.0; 2.0 |]

    match Fit.predict (Random 1) false rows sleepFit.Value with
    | Error es -> Assert.Equal<PredictionError list>([ PredictionError.UnseenLevel("Subject", "999") ], es)
    | Ok _ -> failwith "an unseen level was predicted without allowNewLevels"

let ``a column the model reads that the new data lacks is an error naming the column`` () =
    let rows = Dataset.empty |> Dataset.labels "Subject" [| "308" |]

    match Fit.epred (Random 1) false rows sleepFit.Value with
    | Error [ PredictionError.MissingColumn("Days", _) as e ] -> Assert.Contains("'Days'", PredictionError.describe e)
    | other -> failwithf "expected a missing Days column, got %A" other

let private schools =
    model {
        let! mu = sample "mu" (Distributions.Normal(0.0, 5.0))
        let! tau = sample "tau" (Distributions.HalfCauchy 5.0)
        let! theta = sample "theta" (Distributions.Normal(mu, tau)) |> over "school"
        do! observe "y" (Distributions.Normal(theta.[group "school"], data "sigma"))
    }

let private schoolsFit =
    lazy
        (Fit.run options schools (Csv.readOrThrow (dataPath "eight_schools.csv"))
         |> okOr ModelError.describe)

let ``a model-language fit's epred for a seen school is that school's theta draw`` () =
    let fit = schoolsFit.Value

    let rows =
        Dataset.empty
        |> Dataset.labels "school" [| "C" |]
        |> Dataset.reals "sigma" [| 5.0 |]

    let p = Fit.epred (Random 1) false rows fit |> okOr PredictionError.describe
    let c = levelOf fit "school" "C"
    Assert.Equal<float[]>(draws fit $"theta[{c}]", Prediction.row 0 p)

/// Both draw y_new | draw ~ N(θ_new, σ) with θ_new ~ N(μ, τ) per draw; their means and variances agree within 4 SEs
/// of the difference of two independent sample means (variances: the normal-theory SE 2σ⁴/S of each).
let ``a new school's predictions agree with Predictive.newGroupData for the same row`` () =
    let fit = schoolsFit.Value

    let rows =
        Dataset.empty
        |> Dataset.labels "school" [| "new" |]
        |> Dataset.reals "sigma" [| 15.0 |]

    let ours =
        Fit.predict (Random 11) true rows fit
        |> okOr PredictionError.describe
        |> Prediction.row 0

    let theirs =
        Predictive.newGroupData (Random 12) fit.Bound "theta" "y" 0 fit.Posterior
        |> Array.map snd

    let mean = Array.average

    let var (x: float[]) =
        let m = mean x in x |> Array.averageBy (fun y -> (y - m) * (y - m))

    let n = float ours.Length
    let se = sqrt ((var ours + var theirs) / n)
    Assert.True(abs (mean ours - mean theirs) < 4.0 * se, $"means {mean ours} vs {mean theirs} (SE {se})")
    let vse = sqrt (2.0 * (var ours ** 2.0 + var theirs ** 2.0) / n)
    Assert.True(abs (var ours - var theirs) < 4.0 * vse, $"variances {var ours} vs {var theirs} (SE {vse})")

let ``cbpp: binomial epred is trials times the inverse logit of the herd effect plus the period dummy`` () =
    let fit =
        Fit.formula
            (options.WithWarmup(200).WithDraws(200))
            Family.Binomial
            []
            "incidence | trials(size) ~ period + (1 | herd)"
            (Csv.readOrThrow (dataPath "cbpp.csv"))
        |> okOr FormulaError.describe

    let rows =
        Dataset.empty
        |> Dataset.labels "herd" [| "3"; "3" |]
        |> Dataset.labels "period" [| "1"; "4" |]
        |> Dataset.integers "size" [| 10; 20 |]

    let p = Fit.epred (Random 1) false rows fit |> okOr PredictionError.describe
    let herd3 = levelOf fit "herd" "3"
    let h = draws fit $"r_herd[{herd3}]"
    let b4 = draws fit "b_period4"
    let invLogit x = 1.0 / (1.0 + exp -x)

    for s in 0 .. h.Length - 1 do
        Assert.True(abs ((Prediction.row 0 p).[s] - 10.0 * invLogit h.[s]) < 1e-9)
        Assert.True(abs ((Prediction.row 1 p).[s] - 20.0 * invLogit (h.[s] + b4.[s])) < 1e-9)

    let unseen = rows |> Dataset.labels "period" [| "1"; "9" |]

    match Fit.epred (Random 1) true unseen fit with
    | Error [ PredictionError.UnseenFactorLevel("period", "9") ] -> ()
    | other -> failwithf "expected an unseen factor level, got %A" other

let ``pumps: poisson epred is the exposure times the exponential of the pump effect`` () =
    let fit =
        Fit.formula
            (options.WithWarmup(200).WithDraws(200))
            Family.Poisson
            []
            "x ~ 1 + offset(log(t)) + (1 | pump)"
            (Csv.readOrThrow (dataPath "pumps.csv"))
        |> okOr FormulaError.describe

    let rows =
        Dataset.empty
        |> Dataset.integers "pump" [| 4; 4 |]
        |> Dataset.reals "t" [| 10.0; 100.0 |]

    let p = Fit.epred (Random 1) false rows fit |> okOr PredictionError.describe
    let level = levelOf fit "pump" "4"
    let r = draws fit $"r_pump[{level}]"

    for s in 0 .. r.Length - 1 do
        Assert.True(abs ((Prediction.row 0 p).[s] - 10.0 * exp r.[s]) < 1e-9)
        Assert.True(abs ((Prediction.row 1 p).[s] - 100.0 * exp r.[s]) < 1e-7)

let ``the fit value's reports, checks and criteria are those of its bound data, plan and posterior`` () =
    let fit =
        Fit.run
            (options.WithDraws(200).WithLogLikelihood(true))
            schools
            (Csv.readOrThrow (dataPath "eight_schools.csv"))
        |> okOr ModelError.describe

    Assert.Equal(ShrinkageReport.report fit.Bound "theta" fit.Posterior, Fit.shrinkage "theta" fit)

    let stat (d: Dataset) =
        Dataset.tryColumn "y" d
        |> Option.map (function
            | Column.Reals a -> Array.max a
            | Column.Integers a -> float (Array.max a)
            | _ -> nan)
        |> Option.defaultValue nan

    Assert.Equal(Predictive.check (Random 5) fit.Bound stat fit.Posterior, Fit.check (Random 5) stat fit)
    Assert.Equal((Criteria.waicOf fit.Posterior).ElpdWaic, (Fit.waic fit).ElpdWaic)
    Assert.Equal(Criteria.dicOf fit.Plan fit.Posterior, Fit.dic fit)
    Assert.Equal(fit.Plan.Bound, fit.Bound)

let private withGaps =
    Dataset.empty
    |> Dataset.labels "school" [| "A"; "B"; "C"; "D"; ""; "F"; "G"; "H" |]
    |> Dataset.reals "y" [| 28.; 8.; nan; 7.; -1.; 1.; 18.; 12. |]
    |> Dataset.reals "sigma" [| 15.; 10.; 16.; 11.; 9.; 11.; 10.; 18. |]
    |> Dataset.reals "unused" [| nan; nan; nan; nan; nan; nan; nan; nan |]

let ``dropping missing rows drops those with a missing cell in a used column and reports their numbers`` () =
    let fit =
        Fit.runWith MissingRows.Drop (options.WithWarmup(50).WithDraws(50)) schools withGaps
        |> okOr ModelError.describe

    Assert.Equal<int[]>([| 3; 5 |], fit.DroppedRows)
    Assert.Equal(6, fit.Bound.Rows)

let ``by default a missing cell is refused naming the column and row`` () =
    match Fit.run options schools withGaps with
    | Error es ->
        Assert.Contains(
            ModelError.NonFiniteValue("y", 3, nan) |> ModelError.describe,
            es |> List.map ModelError.describe
        )
    | Ok _ -> failwith "a missing value was fitted"

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "PredictionTests"
        [
            Expecto.Tests.testCase
                "sleepstudy: epred of an observed subject is that subject's intercept plus slope times Days, draw by draw"
                (fun () ->
                    ``sleepstudy: epred of an observed subject is that subject's intercept plus slope times Days, draw by draw`` ())
            Expecto.Tests.testCase
                "sleepstudy: epred for a new subject has the population mean and variance given the draws"
                (fun () ->
                    ``sleepstudy: epred for a new subject has the population mean and variance given the draws`` ())
            Expecto.Tests.testCase
                "sleepstudy: predict for a new subject adds the residual variance to the new subject's spread"
                (fun () ->
                    ``sleepstudy: predict for a new subject adds the residual variance to the new subject's spread`` ())
            Expecto.Tests.testCase
                "a subject the fit never saw is an error naming the column and level unless new levels are allowed"
                (fun () ->
                    ``a subject the fit never saw is an error naming the column and level unless new levels are allowed`` ())
            Expecto.Tests.testCase
                "a column the model reads that the new data lacks is an error naming the column"
                (fun () -> ``a column the model reads that the new data lacks is an error naming the column`` ())
            Expecto.Tests.testCase
                "a model-language fit's epred for a seen school is that school's theta draw"
                (fun () -> ``a model-language fit's epred for a seen school is that school's theta draw`` ())
            Expecto.Tests.testCase
                "a new school's predictions agree with Predictive.newGroupData for the same row"
                (fun () -> ``a new school's predictions agree with Predictive.newGroupData for the same row`` ())
            Expecto.Tests.testCase
                "cbpp: binomial epred is trials times the inverse logit of the herd effect plus the period dummy"
                (fun () ->
                    ``cbpp: binomial epred is trials times the inverse logit of the herd effect plus the period dummy`` ())
            Expecto.Tests.testCase
                "pumps: poisson epred is the exposure times the exponential of the pump effect"
                (fun () -> ``pumps: poisson epred is the exposure times the exponential of the pump effect`` ())
            Expecto.Tests.testCase
                "the fit value's reports, checks and criteria are those of its bound data, plan and posterior"
                (fun () ->
                    ``the fit value's reports, checks and criteria are those of its bound data, plan and posterior`` ())
            Expecto.Tests.testCase
                "dropping missing rows drops those with a missing cell in a used column and reports their numbers"
                (fun () ->
                    ``dropping missing rows drops those with a missing cell in a used column and reports their numbers`` ())
            Expecto.Tests.testCase "by default a missing cell is refused naming the column and row" (fun () ->
                ``by default a missing cell is refused naming the column and row`` ())
        ]
