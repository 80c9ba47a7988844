/// The model trees the formula front end builds: equal to the hand-written `model { }` trees (eight schools,
/// sleepstudy), dummy coding, nesting, typed data errors, prior overrides, and the GLM families bind, compile and
/// sample finite draws.
module HierFunctional.Tests.Formula.FormulaModelTests

open System
open System.IO
open HierFunctional.TestShim
open HierFunctional
open type Distributions

let dataPath (file: string) =
    Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "..", "docs", "data", file)

let fixturePath (file: string) =
    Path.Combine(__SOURCE_DIRECTORY__, "..", "fixtures", "formula", file)

let build family priors formula data =
    match Formula.build family priors formula data with
    | Ok r -> r
    | Error es -> failwith (Formula.describeErrors es)

let errorsOf family priors formula data =
    match Formula.build family priors formula data with
    | Ok _ -> failwith "expected errors"
    | Error es -> es

let private c = constant

let ``eight schools from y | se(sigma) ~ 1 + (1 | school) equals the hand-written centred model`` () =
    let d = Csv.readOrThrow (dataPath "eight_schools.csv")
    let m, _ = build Family.Gaussian [] "y | se(sigma) ~ 1 + (1 | school)" d
    // y = 28 8 −3 7 −1 1 18 12: median 7.5, mad = 1.4826 · 7.5 = 11.12 → brms scale max(2.5, 11.1).
    let expected =
        model {
            let! b = sample "b_Intercept" (StudentT(3.0, 7.5, 11.1))
            let! tau = sample "sd_school__Intercept" (HalfStudentT(3.0, 11.1))
            let! theta = sample "r_school" (Normal(b, tau)) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    Assert.Equal(expected, m)

let ``sleepstudy from Reaction ~ Days + (Days | Subject) equals the hand-written varying-slopes model under brms's default LKJ prior``
    ()
    =
    let d = Csv.readOrThrow (dataPath "sleepstudy.csv")
    let m, _ = build Family.Gaussian [] "Reaction ~ Days + (Days | Subject)" d
    // R: median 288.6508, mad 59.339, sd 56.329, sd(Days) 2.8803 (fixtures/formula/sleepstudy_scales.csv).
    let s = 59.3
    let slopeSd = 20.6 // s / sd(Days) to three digits

    let expected =
        model {
            let! b0 = sample "b_Intercept" (StudentT(3.0, 288.7, s))
            let! b1 = sample "b_Days" (Normal(0.0, 48.9)) // 2.5 · 56.329 / 2.8803

            // brms's default: half-Student-t(3) sds (scaled per coefficient) and LKJ(1) on the correlation
            let! sd0 = sample "sd_Subject__Intercept" (HalfStudentT(3.0, s))
            let! sd1 = sample "sd_Subject__Days" (HalfStudentT(3.0, slopeSd))
            let! l = sample "L_Subject" (LkjCholesky(2, 1.0))

            let! r =
                sample "r_Subject" (MvNormalCholesky(vector [ b0; b1 ], vector [ sd0; sd1 ], l))
                |> over "Subject"

            let! sigma = sample "sigma" (HalfStudentT(3.0, s))
            do! observe "Reaction" (Normal(dot (vector [ c 1.0; data "Days" ]) r.[group "Subject"], sigma))
        }

    Assert.Equal(expected, m)

let smallData =
    Dataset.empty
    |> Dataset.reals "y" [| 1.0; 2.5; 0.3; 4.1; 2.2; 3.3; 1.9; 0.7 |]
    |> Dataset.reals "x" [| 0.1; 0.5; -0.3; 1.2; 0.8; 0.9; 0.0; -0.6 |]
    |> Dataset.labelsWithLevels "sex" [| "M"; "F"; "F"; "M"; "M"; "F"; "M"; "F" |] [| "F"; "M" |]
    |> Dataset.labels "a" [| "a1"; "a1"; "a1"; "a1"; "a2"; "a2"; "a2"; "a2" |]
    |> Dataset.labels "b" [| "b1"; "b1"; "b2"; "b2"; "b1"; "b1"; "b2"; "b2" |]

let private priorOf (name: string) (m: Model) =
    match (Model.tryFind name m).Value.Kind with
    | NodeKind.Parameter d -> d
    | k -> failwith $"{k}"

let ``a label predictor is treatment-coded with the first declared level as reference`` () =
    let m, d = build Family.Gaussian [] "y ~ x + sex" smallData
    Assert.Equal(Some(Column.Reals [| 1.0; 0.0; 0.0; 1.0; 1.0; 0.0; 1.0; 0.0 |]), Dataset.tryColumn "sexM" d)
    Assert.True((Model.tryFind "b_sexM" m).IsSome)
    Assert.True((Model.tryFind "b_sexF" m).IsNone)
    let m0, _ = build Family.Gaussian [] "y ~ 0 + sex + x:sex" smallData
    Assert.True((Model.tryFind "b_sexF" m0).IsSome && (Model.tryFind "b_sexM" m0).IsSome)
    Assert.True((Model.tryFind "b_x:sexM" m0).IsSome)

let ``nested groups centre the inner group on the outer group's coefficient`` () =
    let m, d = build Family.Gaussian [] "y ~ 1 + (1 | a/b)" smallData

    Assert.Equal(
        Some(Dist.Normal(Param "b_Intercept", Param "sd_a__Intercept")),
        (Model.tryFind "r_a" m) |> Option.map (fun n -> priorOf n.Name m)
    )

    Assert.Equal(Dist.Normal(Index(Param "r_a", Group "a"), Param "sd_a:b__Intercept"), priorOf "r_a:b" m)

    match Dataset.tryColumn "a:b" d with
    | Some(Column.Labels(_, levels)) -> Assert.Equal<string[]>([| "a1:b1"; "a1:b2"; "a2:b1"; "a2:b2" |], levels)
    | other -> failwith $"{other}"

    Assert.True(Bind.bind m d |> Result.isOk)

let ``unknown columns and wrong column types are typed errors naming the column`` () =
    let es = errorsOf Family.Gaussian [] "y ~ q + (1 | x) + (1 | zz)" smallData

    Assert.Contains(FormulaError.UnknownColumn("q", smallData.Columns |> List.map fst), es)
    Assert.Contains(FormulaError.WrongColumnType("x", "a grouping factor (labels or integers)", "real numbers"), es)
    Assert.Contains(FormulaError.UnknownColumn("zz", smallData.Columns |> List.map fst), es)

    Assert.Equal<FormulaError list>(
        [ FormulaError.WrongColumnType("sex", "numbers (the response)", "text labels") ],
        errorsOf Family.Gaussian [] "sex ~ x" smallData
    )

    Assert.Equal<FormulaError list>(
        [
            FormulaError.InvalidData(
                "y",
                "the binomial family without trials needs a 0/1 response; write y | trials(n) ~ ... for counts of successes"
            )
        ],
        errorsOf Family.Binomial [] "y ~ x" smallData
    )

let ``prior overrides replace the default by node name and unknown names list the valid ones`` () =
    let m, _ =
        build Family.Gaussian [ "sigma ~ HalfNormal(10)"; "b_x ~ Normal(0, 5)" ] "y ~ x + (1 | a)" smallData

    Assert.Equal(Dist.HalfNormal(Const 10.0), priorOf "sigma" m)
    Assert.Equal(Dist.Normal(Const 0.0, Const 5.0), priorOf "b_x" m)

    match errorsOf Family.Gaussian [ "beta ~ Normal(0, 1)" ] "y ~ x + (1 | a)" smallData with
    | [ FormulaError.UnknownPrior("beta", valid) as e ] ->
        Assert.Equal<string list>([ "b_Intercept"; "b_x"; "sd_a__Intercept"; "r_a"; "sigma" ], valid)
        Assert.Contains("b_Intercept, b_x, sd_a__Intercept, r_a, sigma", FormulaError.describe e)
    | other -> failwith $"{other}"

let ``a prior on a precision or variance makes the sd derived from a new tau_ or var_ node that keeps its conjugate update``
    ()
    =
    let priors =
        [
            "sigma ~ Gamma(0.001, 0.001) on precision"
            "sd_a__Intercept ~ InverseGamma(1, 1) on variance"
            "b_x ~ NormalPrecision(0, 1.0E-4)"
        ]

    let m, d = build Family.Gaussian priors "y ~ x + (1 | a)" smallData

    Assert.Equal(Dist.Gamma(Const 0.001, Const 0.001), priorOf "tau_sigma" m)

    Assert.Equal(
        Some(NodeKind.Derived(Power(Param "tau_sigma", Const -0.5))),
        (Model.tryFind "sigma" m) |> Option.map _.Kind
    )

    Assert.Equal(Dist.InverseGamma(Const 1.0, Const 1.0), priorOf "var_sd_a__Intercept" m)

    Assert.Equal(
        Some(NodeKind.Derived(Apply(Fn.Sqrt, Param "var_sd_a__Intercept"))),
        (Model.tryFind "sd_a__Intercept" m) |> Option.map _.Kind
    )

    Assert.Equal(Dist.Normal(Const 0.0, Power(Const 1.0E-4, Const -0.5)), priorOf "b_x" m)

    let plan =
        match Bind.bind m d |> Result.bind Gibbs.compile with
        | Ok p -> p
        | Error e -> failwith $"{e}"

    let methodOf node =
        (plan.Updates |> Array.find (fun u -> u.Node = node)).Method

    Assert.Equal("Normal scale (Gamma on a precision)", methodOf "tau_sigma")
    Assert.Equal("Normal scale (InverseGamma on a variance)", methodOf "var_sd_a__Intercept")

let ``'on' priors parse, and bad ones are errors naming the column or the node`` () =
    match FormulaPriors.parseOverride "sigma ~ Gamma(0.001, 0.001) on precision" with
    | Ok o -> Assert.Equal(PriorOn.Precision, o.On)
    | other -> failwith $"{other}"

    match FormulaPriors.parseOverride "sigma ~ Gamma(1, 1) on scale" with
    | Error(FormulaError.Syntax(column, found, expected)) ->
        Assert.Equal(24, column)
        Assert.Equal("'scale'", found)
        Assert.Equal("'precision', 'variance' or 'sd' after 'on'", expected)
    | other -> failwith $"{other}"

    match FormulaPriors.parseOverride "sigma ~ Gamma(1, 1) precision" with
    | Error(FormulaError.Syntax(column, _, _)) -> Assert.Equal(21, column)
    | other -> failwith $"{other}"

    match errorsOf Family.Gaussian [ "b_x ~ Gamma(1, 1) on precision" ] "y ~ x" smallData with
    | [ FormulaError.Model(ModelError.InvalidArgument("b_x", "prior", why)) ] -> Assert.Contains("scalar sd node", why)
    | other -> failwith $"{other}"

    match errorsOf Family.Gaussian [ "sigma ~ Normal(0, 1) on precision" ] "y ~ x" smallData with
    | [ FormulaError.Model(ModelError.InvalidArgument("sigma", "prior", why)) ] -> Assert.Contains("on (0, ∞)", why)
    | other -> failwith $"{other}"

/// Simulated grouped data for the GLM families (fixed seed): 6 groups of 8 rows.
let glmData =
    let rng = MathNet.Numerics.Random.Xoshiro256StarStar(5)
    let rows = 48
    let x = Array.init rows (fun _ -> rng.NextDouble() - 0.5)
    let g = Array.init rows (fun i -> $"g{i / 8}")
    let e = Array.init rows (fun _ -> 0.5 + rng.NextDouble())
    let n = Array.init rows (fun _ -> 10)

    let eta =
        Array.init rows (fun i -> 0.3 + 0.8 * x.[i] + 0.4 * float (i / 8 - 3) / 3.0)

    let pois i =
        MathNet.Numerics.Distributions.Poisson.Sample(rng, e.[i] * exp eta.[i])

    let p i = 1.0 / (1.0 + exp (-eta.[i]))

    Dataset.empty
    |> Dataset.reals "x" x
    |> Dataset.labels "g" g
    |> Dataset.reals "E" e
    |> Dataset.integers "n" n
    |> Dataset.integers "k" (Array.init rows (fun i -> MathNet.Numerics.Distributions.Binomial.Sample(rng, p i, 10)))
    |> Dataset.integers "z" (Array.init rows (fun i -> if rng.NextDouble() < p i then 1 else 0))
    |> Dataset.integers "count" (Array.init rows pois)

let private sampleFinite (family: Family) (formula: string) =
    match
        Formula.bind family [] formula glmData
        |> Result.bind (Gibbs.compile >> Result.mapError (List.map FormulaError.Model))
    with
    | Error es -> failwith (Formula.describeErrors es)
    | Ok plan ->
        let post =
            Chains.run (SamplerOptions.Default.WithChains(1).WithWarmup(30).WithDraws(60).WithSeed(7)) plan

        for name in post.Names do
            Assert.All(Posterior.chains name post |> Array.concat, fun v -> Assert.True(Double.IsFinite v, name))

        plan.Bound.Model

let ``binomial formulas with trials and with a 0/1 response bind, compile and sample finite draws`` () =
    let m = sampleFinite Family.Binomial "k | trials(n) ~ x + (1 | g)"

    Assert.Equal(
        NodeKind.Observed(
            Dist.Binomial(Data "n", invLogit (Add(Mul(Param "b_x", Data "x"), Index(Param "r_g", Group "g"))))
        ),
        (Model.tryFind "k" m).Value.Kind
    )

    let mb = sampleFinite Family.Binomial "z ~ x + (1 | g)"
    Assert.True((Model.tryFind "z" mb).Value.Kind.IsObserved)

let ``a poisson formula with a log exposure offset uses the exposure and samples finite draws`` () =
    let m = sampleFinite Family.Poisson "count ~ x + offset(log(E)) + (1 | g)"

    match (Model.tryFind "count" m).Value.Kind with
    | NodeKind.Observed(Dist.Poisson(_, exposure)) -> Assert.Equal(Data "E", exposure)
    | k -> failwith $"{k}"

let ``a negative binomial formula binds, compiles and samples finite draws`` () =
    let m = sampleFinite Family.NegativeBinomial "count ~ x + (1 | g)"
    Assert.Equal(Dist.Gamma(Const 0.01, Const 0.01), priorOf "shape" m)

let ``a label predictor with a level per row is refused naming the term`` () =
    let ids = smallData |> Dataset.labels "id" (Array.init 8 (fun i -> $"r{i}"))

    match errorsOf Family.Gaussian [] "y ~ x + id" ids with
    | [ FormulaError.TooManyCoefficients("id", 7, 7, 8) as e ] -> Assert.Contains("(1 | id)", FormulaError.describe e)
    | es -> failwith $"{es}"

    // As a grouping factor the same column is fine.
    Assert.True(Formula.build Family.Gaussian [] "y ~ x + (1 | id)" ids |> Result.isOk)

let ``an interaction of many-level factors is refused before its columns are built`` () =
    let rows = 1000

    let big =
        Dataset.empty
        |> Dataset.reals "y" (Array.init rows float)
        |> Dataset.labels "f" (Array.init rows (fun i -> $"f{i % 500}"))
        |> Dataset.labels "g" (Array.init rows (fun i -> $"g{i / 2}"))

    let sw = System.Diagnostics.Stopwatch.StartNew()

    match errorsOf Family.Gaussian [] "y ~ f:g" big with
    | [ FormulaError.TooManyCoefficients("f:g", k, _, 1000) ] -> Assert.True(k > 100000)
    | es -> failwith $"{es}"

    Assert.True(sw.Elapsed.TotalSeconds < 10.0, $"{sw.Elapsed}")

let ``a design with as many coefficients as rows is refused`` () =
    let d =
        Dataset.empty
        |> Dataset.reals "y" [| 1.0; 2.0; 0.5; 3.0 |]
        |> Dataset.reals "x1" [| 0.1; 0.5; -0.3; 1.2 |]
        |> Dataset.reals "x2" [| 1.0; -0.5; 0.3; 0.2 |]
        |> Dataset.reals "x3" [| 0.4; 0.1; 0.9; -1.0 |]

    match errorsOf Family.Gaussian [] "y ~ x1 + x2 + x3" d with
    | [ FormulaError.TooManyCoefficients(_, 1, 4, 4) ] -> ()
    | es -> failwith $"{es}"

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Formula.FormulaModelTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Formula.FormulaModelTests"
            [
                Expecto.Tests.testCase
                    "eight schools from y | se(sigma) ~ 1 + (1 | school) equals the hand-written centred model"
                    (fun () ->
                        ``eight schools from y | se(sigma) ~ 1 + (1 | school) equals the hand-written centred model`` ())
                Expecto.Tests.testCase
                    "sleepstudy from Reaction ~ Days + (Days | Subject) equals the hand-written varying-slopes model under brms's default LKJ prior"
                    (fun () ->
                        ``sleepstudy from Reaction ~ Days + (Days | Subject) equals the hand-written varying-slopes model under brms's default LKJ prior`` ())
                Expecto.Tests.testCase
                    "a label predictor is treatment-coded with the first declared level as reference"
                    (fun () -> ``a label predictor is treatment-coded with the first declared level as reference`` ())
                Expecto.Tests.testCase
                    "nested groups centre the inner group on the outer group's coefficient"
                    (fun () -> ``nested groups centre the inner group on the outer group's coefficient`` ())
                Expecto.Tests.testCase
                    "unknown columns and wrong column types are typed errors naming the column"
                    (fun () -> ``unknown columns and wrong column types are typed errors naming the column`` ())
                Expecto.Tests.testCase
                    "prior overrides replace the default by node name and unknown names list the valid ones"
                    (fun () ->
                        ``prior overrides replace the default by node name and unknown names list the valid ones`` ())
                Expecto.Tests.testCase
                    "a prior on a precision or variance makes the sd derived from a new tau_ or var_ node that keeps its conjugate update"
                    (fun () ->
                        ``a prior on a precision or variance makes the sd derived from a new tau_ or var_ node that keeps its conjugate update`` ())
                Expecto.Tests.testCase
                    "'on' priors parse, and bad ones are errors naming the column or the node"
                    (fun () -> ``'on' priors parse, and bad ones are errors naming the column or the node`` ())
                Expecto.Tests.testCase
                    "binomial formulas with trials and with a 0/1 response bind, compile and sample finite draws"
                    (fun () ->
                        ``binomial formulas with trials and with a 0/1 response bind, compile and sample finite draws`` ())
                Expecto.Tests.testCase
                    "a poisson formula with a log exposure offset uses the exposure and samples finite draws"
                    (fun () ->
                        ``a poisson formula with a log exposure offset uses the exposure and samples finite draws`` ())
                Expecto.Tests.testCase "a negative binomial formula binds, compiles and samples finite draws" (fun () ->
                    ``a negative binomial formula binds, compiles and samples finite draws`` ())
                Expecto.Tests.testCase "a label predictor with a level per row is refused naming the term" (fun () ->
                    ``a label predictor with a level per row is refused naming the term`` ())
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase
                        "an interaction of many-level factors is refused before its columns are built"
                        (fun () -> ``an interaction of many-level factors is refused before its columns are built`` ())
                )
                Expecto.Tests.testCase "a design with as many coefficients as rows is refused" (fun () ->
                    ``a design with as many coefficients as rows is refused`` ())
            ])
