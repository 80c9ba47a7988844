/// Aggregate push-down: the same model on the same data gives the same posterior from per-group sums (one generated
/// GROUP BY, run by DuckDB in process) as from the rows; the SQL quotes every identifier; bad data is refused naming
/// the column and the group.
module HierFunctional.Tests.PushdownTests

open DuckDB.NET.Data
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Inference

let private connection () =
    let c = new DuckDBConnection("DataSource=:memory:")
    c.Open()
    c

// 30 groups of 1 to 40 rows; exposures are multiples of 0.5 and counts whole, so every per-group sum is exact in
// any summation order.
let private countRows =
    "SELECT (i % 30) AS g, ((i * 7919) % 5)::INTEGER AS y, (1 + (i * 31) % 4) / 2.0 AS t FROM range(3000) r(i) WHERE i % 30 <= (i // 30) % 41"

let private gammaPoisson =
    model {
        let! alpha = sample "alpha" (Distributions.Exponential 1.0)
        let! beta = sample "beta" (Distributions.Gamma(0.1, 1.0))
        let! theta = sample "theta" (Distributions.Gamma(alpha, beta)) |> over "g"
        do! observe "y" (Distributions.Poisson(theta.[group "g"], data "t"))
    }

// y = group effect + noise, in 25 groups of unequal size.
let private normalRows =
    "SELECT (i % 25) AS g, (i % 25) * 0.2 + sin(i * 1.7) * 1.3 AS y FROM range(2000) r(i) WHERE (i * 13) % 7 <> 0 OR i % 25 < 12"

let private normal =
    model {
        let! m = sample "m" (Distributions.Normal(0.0, 10.0))
        let! tau = sample "tau" (Distributions.HalfCauchy 2.0)
        let! sigma = sample "sigma" (Distributions.HalfCauchy 2.0)
        let! mu = sample "mu" (Distributions.Normal(m, tau)) |> over "g"
        do! observe "y" (Distributions.Normal(mu.[group "g"], sigma))
    }

let private options seed =
    SamplerOptions.Default.WithChains(2).WithWarmup(300).WithDraws(1500).WithSeed(seed)

let private fit access m sql =
    use c = connection ()

    match FitSource.query access (options 11) m c sql with
    | Ok f -> f
    | Error e -> failwith e.Message

let private failure access m sql =
    use c = connection ()

    match FitSource.query access (options 11) m c sql with
    | Ok _ -> failwith "the fit was accepted"
    | Error e -> e

let ``a Gamma-Poisson fit from per-group sums draws exactly what the fit from the rows draws`` () =
    let rows = fit DataAccess.Rows gammaPoisson countRows
    let sums = fit DataAccess.Aggregate gammaPoisson countRows

    Assert.True(sums.Fit.Bound.Rows = 30)
    Assert.True(rows.Fit.Bound.Rows > 1000)

    for name in [ "alpha"; "beta"; "theta[1]"; "theta[30]" ] do
        Assert.Equal<float[][]>(Posterior.chains name rows.Fit.Posterior, Posterior.chains name sums.Fit.Posterior)

let ``a Normal hierarchy from per-group sums has the posterior of the rows within Monte Carlo error`` () =
    let rows = Fit.summary (fit DataAccess.Rows normal normalRows).Fit
    let sums = Fit.summary (fit DataAccess.Aggregate normal normalRows).Fit

    for name in [ "m"; "tau"; "sigma"; "mu[1]"; "mu[25]" ] do
        let a = rows.Rows |> Array.find (fun r -> r.Name = name)
        let b = sums.Rows |> Array.find (fun r -> r.Name = name)
        let mcse = sqrt (a.McseMean * a.McseMean + b.McseMean * b.McseMean)
        Assert.True(abs (a.Mean - b.Mean) < 4.0 * mcse, $"{name}: rows {a.Mean} vs sums {b.Mean}, MCSE {mcse}")

let ``the Normal push-down updates sigma conjugately on the sums and the plan says so`` () =
    let sums = fit DataAccess.Aggregate normal normalRows

    let sigma = sums.Fit.Plan.Updates |> Array.find (fun u -> u.Node = "sigma")

    Assert.Equal(UpdateKind.Rule Rules.normalScale.Name, sigma.Kind)
    Assert.Contains("on the sums", sigma.Method)
    Assert.Contains("pooled squares '__y_within'", sigma.Method)
    Assert.Contains("on the sums: n = ", FitSource.describe sums)

// Two groups: g = 1 has y = 1, 2, 4 and g = 2 has y = 0.5, 1.5.
let private tiny =
    "SELECT * FROM (VALUES (1, 1.0), (1, 2.0), (1, 4.0), (2, 0.5), (2, 1.5)) t(g, y)"

/// The terms of the variance v's conditional (number and sum of squares) at mu = (1.5, 0.7) in a model bound to
/// `data`.
let private scaleTerms (m: Model) (data: Dataset) =
    let b = Bind.bindOrThrow m data
    let s = Array.zeroCreate b.Layout.Size
    s.[b.Layout.Offsets.["mu"]] <- 1.5
    s.[b.Layout.Offsets.["mu"] + 1] <- 0.7

    match NormalConjugacy.normalScale.Recognise (Graph.expand b.Model) (Bound.node b "v").Node with
    | RuleOutcome.Matched(_, _, cs) ->
        let parts = cs |> List.map (ScaleUpdates.sumOfSquares b)
        parts |> List.sumBy fst, parts |> List.sumBy (fun (_, f) -> f s)
    | other -> failwithf "expected the Normal scale rule to match v, got %A" other

let ``sigma's conditional on the sums has the rows' count and sum of squares in closed form`` () =
    let m =
        model {
            let! v = sample "v" (Distributions.InverseGamma(2.0, 1.0))
            let! mu = sample "mu" (Distributions.Normal(0.0, 10.0)) |> over "g"
            do! observe "y" (Distributions.Normal(mu.[group "g"], sqrt v))
        }

    // The conditional is InverseGamma(2 + n/2, 1 + SS/2) with n = 5 and
    // SS = Σ (y − mu_g)² = 0.25 + 0.25 + 6.25 + 0.04 + 0.64 = 7.43, from the rows and from the sums alike.
    use c = connection ()

    let rows =
        match DataReader.query c tiny with
        | Ok d -> d
        | Error e -> failwith e.Message

    match Pushdown.plan m with
    | Error e -> failwithf "%A" e
    | Ok plan ->
        let sums =
            match FitSource.aggregate plan c tiny with
            | Ok d -> d
            | Error e -> failwith e.Message

        let nRows, ssRows = scaleTerms m rows
        let nSums, ssSums = scaleTerms (Pushdown.rewrite plan) sums
        Assert.Equal(5.0, nRows)
        Assert.Equal(5.0, nSums)
        Assert.True(abs (ssRows - 7.43) < 1e-12, $"rows: {ssRows}")
        Assert.True(abs (ssSums - 7.43) < 1e-12, $"sums: {ssSums}")

let ``the plan says which sums each node takes and that per-row outputs are unavailable`` () =
    let sums = fit DataAccess.Auto gammaPoisson countRows
    let text = FitSource.describe sums
    Assert.Contains("y: aggregate: sum y, sum t (exposure) per (g) from GROUP BY", text)
    Assert.Contains("unavailable in aggregate mode", text)

    match FitSource.loo sums with
    | Ok _ -> failwith "LOO from group sums was given"
    | Error why -> Assert.Contains("need the rows", why)

let ``a model with a row-level covariate falls back to rows and says why`` () =
    let slope =
        model {
            let! b = sample "b" (Distributions.Normal(0.0, 1.0))
            let! mu = sample "mu" (Distributions.Normal(0.0, 1.0)) |> over "g"
            do! observe "y" (Distributions.Normal(mu.[group "g"] + b * data "x", 1.0))
        }

    let sql = "SELECT i % 3 AS g, i * 0.1 AS x, sin(i) AS y FROM range(30) r(i)"
    let auto = fit DataAccess.Auto slope sql
    Assert.Contains("data y: rows: its mean reads the row column(s) x", FitSource.describe auto)

    match failure DataAccess.Aggregate slope sql with
    | SourceFitError.NeedsRows [ "y", why ] -> Assert.Contains("x", why)
    | other -> failwithf "expected NeedsRows, got %A" other

let ``the generated query quotes every identifier so a column name cannot end it`` () =
    let odd = "y\"; DROP TABLE t; --"

    let m =
        model {
            let! mu = sample "mu" (Distributions.Normal(0.0, 1.0)) |> over "g\"x"
            do! observe odd (Distributions.Normal(mu.[group "g\"x"], 1.0))
        }

    match Pushdown.plan m with
    | Error e -> failwithf "%A" e
    | Ok plan ->
        let sql = PushdownSql.query plan "SELECT 1"
        Assert.Contains("AVG(\"y\"\"; DROP TABLE t; --\")", sql)
        Assert.Contains("GROUP BY \"g\"\"x\"", sql)

    let sums =
        fit
            DataAccess.Aggregate
            m
            "SELECT i % 2 AS \"g\"\"x\", sin(i) AS \"y\"\"; DROP TABLE t; --\" FROM range(10) r(i)"

    Assert.True(sums.Fit.Bound.Rows = 2)

let ``a NULL response is refused naming the column and the group`` () =
    match failure DataAccess.Aggregate normal "SELECT * FROM (VALUES (1, 0.5), (1, NULL), (2, 1.0)) t(g, y)" with
    | SourceFitError.Source e ->
        Assert.Equal("y", e.Column)
        Assert.Contains("group g = 1", e.Problem)
        Assert.Contains("IS NOT NULL", e.Problem)
    | other -> failwithf "expected a source error, got %A" other

let ``a NULL group label is refused naming the group column`` () =
    match failure DataAccess.Aggregate normal "SELECT * FROM (VALUES (1, 0.5), (NULL, 2.0)) t(g, y)" with
    | SourceFitError.Source e ->
        Assert.Equal("g", e.Column)
        Assert.Contains("NULL", e.Problem)
    | other -> failwithf "expected a source error, got %A" other

let ``a negative count is refused naming the column and the group`` () =
    match failure DataAccess.Aggregate gammaPoisson "SELECT * FROM (VALUES (1, 2, 1.0), (2, -1, 1.0)) t(g, y, t)" with
    | SourceFitError.Source e ->
        Assert.Equal("y", e.Column)
        Assert.Contains("group g = 2", e.Problem)
    | other -> failwithf "expected a source error, got %A" other

let private streamed access m sql =
    use c = connection ()
    use command = c.CreateCommand()
    command.CommandText <- sql
    use reader = command.ExecuteReader()
    FitSource.stream access (options 11) m "test query" reader

let ``a Gamma-Poisson fit from one pass over a reader draws exactly what the fit from the rows draws`` () =
    let rows = fit DataAccess.Rows gammaPoisson countRows

    match streamed DataAccess.Aggregate gammaPoisson countRows with
    | Error e -> failwith e.Message
    | Ok sums ->
        Assert.True(sums.Fit.Bound.Rows = 30)
        Assert.Contains("in one pass over the reader", FitSource.describe sums)

        for name in [ "alpha"; "beta"; "theta[1]"; "theta[30]" ] do
            Assert.Equal<float[][]>(Posterior.chains name rows.Fit.Posterior, Posterior.chains name sums.Fit.Posterior)

let ``a streamed Normal hierarchy has the posterior of the rows within Monte Carlo error`` () =
    let rows = Fit.summary (fit DataAccess.Rows normal normalRows).Fit

    match streamed DataAccess.Aggregate normal normalRows with
    | Error e -> failwith e.Message
    | Ok s ->
        let sums = Fit.summary s.Fit

        for name in [ "m"; "tau"; "sigma"; "mu[1]"; "mu[25]" ] do
            let a = rows.Rows |> Array.find (fun r -> r.Name = name)
            let b = sums.Rows |> Array.find (fun r -> r.Name = name)
            let mcse = sqrt (a.McseMean * a.McseMean + b.McseMean * b.McseMean)
            Assert.True(abs (a.Mean - b.Mean) < 4.0 * mcse, $"{name}: rows {a.Mean} vs stream {b.Mean}, MCSE {mcse}")

let ``a NULL response in a stream is refused naming the column and the row`` () =
    match streamed DataAccess.Aggregate normal "SELECT * FROM (VALUES (1, 0.5), (1, NULL), (2, 1.0)) t(g, y)" with
    | Error(SourceFitError.Source e) -> Assert.Equal(("y", 2), (e.Column, e.Row))
    | other -> failwithf "expected a source error, got %A" other

let ``a stream keyed by text labels draws exactly what a stream keyed by integers draws`` () =
    // The same groups in the same order: integer keys take the flat-array pass, text keys the general one.
    let labelled =
        $"SELECT 'g' || lpad((g)::VARCHAR, 2, '0') AS g, y, t FROM ({countRows}) AS r"

    match streamed DataAccess.Aggregate gammaPoisson countRows, streamed DataAccess.Aggregate gammaPoisson labelled with
    | Ok byInteger, Ok byText ->
        for name in [ "alpha"; "beta"; "theta[1]"; "theta[30]" ] do
            Assert.Equal<float[][]>(
                Posterior.chains name byInteger.Fit.Posterior,
                Posterior.chains name byText.Fit.Posterior
            )
    | a, b -> failwithf "expected two fits, got %A and %A" a b

let ``over the large-group count an aggregate fit keeps the global draws only and says how to ask for the rest`` () =
    let groups = FitSource.largeGroupCount + 1

    let sql =
        "SELECT i AS g, (i % 3)::INTEGER AS y, 1.0 AS t FROM range("
        + string groups
        + ") r(i)"

    use c = connection ()

    let quick =
        SamplerOptions.Default.WithChains(1).WithWarmup(5).WithDraws(5).WithSeed(3)

    match FitSource.query DataAccess.Aggregate quick gammaPoisson c sql with
    | Error e -> failwith e.Message
    | Ok f ->
        Assert.Equal<(string * int) list>([ "theta", groups ], f.NotRecorded)
        Assert.True(f.Fit.Posterior.Names |> Array.forall (fun n -> not (n.StartsWith "theta")))
        Assert.Equal(5, (Posterior.chains "alpha" f.Fit.Posterior).[0].Length)
        let text = FitSource.describe f
        Assert.Contains($"theta ({groups} groups) sampled but its draws not recorded", text)
        Assert.Contains("WithMonitor", text)

    match FitSource.query DataAccess.Aggregate (quick.WithMonitor [ "theta" ]) gammaPoisson c sql with
    | Error e -> failwith e.Message
    | Ok f ->
        Assert.Equal<(string * int) list>([], f.NotRecorded)
        Assert.Equal(groups, f.Fit.Posterior.Names.Length)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "Pushdown"
        [
            Expecto.Tests.testCase
                "a Gamma-Poisson fit from per-group sums draws exactly what the fit from the rows draws"
                (fun () ->
                    ``a Gamma-Poisson fit from per-group sums draws exactly what the fit from the rows draws`` ())
            Expecto.Tests.testCase
                "a Normal hierarchy from per-group sums has the posterior of the rows within Monte Carlo error"
                (fun () ->
                    ``a Normal hierarchy from per-group sums has the posterior of the rows within Monte Carlo error`` ())
            Expecto.Tests.testCase
                "the Normal push-down updates sigma conjugately on the sums and the plan says so"
                (fun () -> ``the Normal push-down updates sigma conjugately on the sums and the plan says so`` ())
            Expecto.Tests.testCase
                "sigma's conditional on the sums has the rows' count and sum of squares in closed form"
                (fun () -> ``sigma's conditional on the sums has the rows' count and sum of squares in closed form`` ())
            Expecto.Tests.testCase
                "the plan says which sums each node takes and that per-row outputs are unavailable"
                (fun () -> ``the plan says which sums each node takes and that per-row outputs are unavailable`` ())
            Expecto.Tests.testCase "a model with a row-level covariate falls back to rows and says why" (fun () ->
                ``a model with a row-level covariate falls back to rows and says why`` ())
            Expecto.Tests.testCase
                "the generated query quotes every identifier so a column name cannot end it"
                (fun () -> ``the generated query quotes every identifier so a column name cannot end it`` ())
            Expecto.Tests.testCase "a NULL response is refused naming the column and the group" (fun () ->
                ``a NULL response is refused naming the column and the group`` ())
            Expecto.Tests.testCase "a NULL group label is refused naming the group column" (fun () ->
                ``a NULL group label is refused naming the group column`` ())
            Expecto.Tests.testCase
                "a Gamma-Poisson fit from one pass over a reader draws exactly what the fit from the rows draws"
                (fun () ->
                    ``a Gamma-Poisson fit from one pass over a reader draws exactly what the fit from the rows draws`` ())
            Expecto.Tests.testCase
                "a streamed Normal hierarchy has the posterior of the rows within Monte Carlo error"
                (fun () -> ``a streamed Normal hierarchy has the posterior of the rows within Monte Carlo error`` ())
            Expecto.Tests.testCase "a NULL response in a stream is refused naming the column and the row" (fun () ->
                ``a NULL response in a stream is refused naming the column and the row`` ())
            Expecto.Tests.testCase "a negative count is refused naming the column and the group" (fun () ->
                ``a negative count is refused naming the column and the group`` ())
            Expecto.Tests.testCase
                "a stream keyed by text labels draws exactly what a stream keyed by integers draws"
                (fun () -> ``a stream keyed by text labels draws exactly what a stream keyed by integers draws`` ())
            Expecto.Tests.testCase
                "over the large-group count an aggregate fit keeps the global draws only and says how to ask for the rest"
                (fun () ->
                    ``over the large-group count an aggregate fit keeps the global draws only and says how to ask for the rest`` ())
        ]
