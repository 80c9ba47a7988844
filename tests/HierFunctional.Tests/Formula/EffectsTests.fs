/// Results in lme4/brms terms (`Effects`, `ResponseScale`): sd and cor rows computed per draw from covariance and
/// Cholesky draws, coefficients labelled by level and term, ranef/coef by centring, sleepstudy's VarCorr against
/// lme4 (fixtures/formula/sleepstudy_varcorr.csv, made by lme4_varcorr.R), and group probabilities of a binomial
/// formula on the response scale.
module HierFunctional.Tests.Formula.EffectsTests

open System
open System.IO
open HierFunctional.TestShim
open MathNet.Numerics.Random
open HierFunctional
open HierFunctional.Tests.Formula.FormulaModelTests

let private terms (scale: TermScale) : FormulaTerms =
    {
        Response = "y"
        Family = Family.Gaussian
        Fixed = [| "Intercept"; "x" |]
        Groups =
            [|
                {
                    Node = "r_g"
                    Group = "g"
                    Levels = [| "a"; "b" |]
                    Coefficients = [| "Intercept"; "x" |]
                    Means = [| TermMean.Population "b_Intercept"; TermMean.Population "b_x" |]
                    Scale = scale
                }
            |]
        Sigma = Some "sigma"
    }

let private group = [| "r_g[1,1]"; "r_g[1,2]"; "r_g[2,1]"; "r_g[2,2]" |]

/// A posterior of 2 chains × 50 draws with random values for the named scalars, and `extra` scalars computed per draw.
let private synthetic (names: string[]) (extra: (string * (Random -> float)) list) =
    let rng = Xoshiro256StarStar(7, false)
    let all = Array.append names (extra |> List.map fst |> Array.ofList)

    Posterior.create
        all
        (Array.init 2 (fun _ ->
            Array.init 50 (fun _ ->
                Array.append
                    (names |> Array.map (fun _ -> rng.NextDouble() * 4.0 - 2.0))
                    (extra |> List.map (fun (_, f) -> f rng) |> Array.ofList))))

let private covariancePosterior () =
    // a valid covariance per draw: Sigma = [[s1², r s1 s2], [r s1 s2, s2²]]
    let rng = Xoshiro256StarStar(11, false)

    let draw () =
        let s1, s2, r =
            0.5 + rng.NextDouble(), 0.5 + rng.NextDouble(), rng.NextDouble() * 1.8 - 0.9

        [| s1 * s1; r * s1 * s2; r * s1 * s2; s2 * s2 |]

    let names =
        Array.concat
            [
                [| "b_Intercept"; "b_x" |]
                [| "Sigma_g[1,1]"; "Sigma_g[1,2]"; "Sigma_g[2,1]"; "Sigma_g[2,2]" |]
                group
                [| "sigma" |]
            ]

    Posterior.create
        names
        (Array.init 2 (fun _ ->
            Array.init 50 (fun _ ->
                Array.concat
                    [
                        [| rng.NextDouble(); rng.NextDouble() |]
                        draw ()
                        Array.init 4 (fun _ -> rng.NextDouble() * 3.0)
                        [| 1.0 + rng.NextDouble() |]
                    ])))

let private pooled n p = Posterior.allChains n p

let ``a covariance matrix is shown as sd and cor rows in its place with no duplicate entry`` () =
    let p = covariancePosterior ()
    let r = Effects.readable (terms (TermScale.Covariance "Sigma_g")) p

    Assert.Equal<string[]>(
        Array.concat
            [
                [| "b_Intercept"; "b_x"; "sd_g__Intercept"; "sd_g__x"; "cor_g__Intercept__x" |]
                group
                [| "sigma" |]
            ],
        r.Names
    )

let ``sd and cor rows are computed draw by draw from the covariance draws`` () =
    let p = covariancePosterior ()
    let r = Effects.readable (terms (TermScale.Covariance "Sigma_g")) p

    let s11, s12, s22 =
        pooled "Sigma_g[1,1]" p, pooled "Sigma_g[1,2]" p, pooled "Sigma_g[2,2]" p

    for i in 0 .. s11.Length - 1 do
        Assert.Equal(sqrt s11.[i], (pooled "sd_g__Intercept" r).[i], 12)
        Assert.Equal(sqrt s22.[i], (pooled "sd_g__x" r).[i], 12)
        Assert.Equal(s12.[i] / sqrt (s11.[i] * s22.[i]), (pooled "cor_g__Intercept__x" r).[i], 12)

let ``a Cholesky factor of the correlation gives the correlation of its rows`` () =
    let rho = 0.37

    let p =
        synthetic
            (Array.append [| "b_Intercept"; "b_x"; "sd_g__Intercept"; "sd_g__x" |] group)
            [
                "L_g[1,1]", (fun _ -> 1.0)
                "L_g[1,2]", (fun _ -> 0.0)
                "L_g[2,1]", (fun _ -> rho)
                "L_g[2,2]", (fun _ -> sqrt (1.0 - rho * rho))
            ]

    let t = terms (TermScale.Cholesky([| "sd_g__Intercept"; "sd_g__x" |], "L_g"))
    let r = Effects.readable t p
    Assert.False(r.Names |> Array.exists (fun n -> n.StartsWith "L_g"))
    Assert.True(pooled "cor_g__Intercept__x" r |> Array.forall (fun c -> abs (c - rho) < 1e-12))
    let vc = Effects.varCorr t p
    Assert.Equal<string[]>([| "sd_g__Intercept"; "sd_g__x"; "cor_g__Intercept__x" |], vc |> Array.map (fun v -> v.Name))

let ``group coefficients are labelled by level and term and keep their numeric names`` () =
    let r =
        Effects.readable (terms (TermScale.Covariance "Sigma_g")) (covariancePosterior ())

    Assert.Equal(Some "r_g[a,Intercept]", r.Label "r_g[1,1]")
    Assert.Equal(Some "r_g[b,x]", r.Label "r_g[2,2]")
    Assert.True(r.Contains "r_g[2,1]")

let ``ranef subtracts the centre draw by draw and coef adds the population coefficient back`` () =
    let p = covariancePosterior ()
    let t = terms (TermScale.Covariance "Sigma_g")
    let ranef = Effects.ranefDraws t p
    let coef = Effects.coefDraws t p

    let dev = pooled "ranef_g[b,x]" ranef
    let expected = Array.map2 (-) (pooled "r_g[2,2]" p) (pooled "b_x" p)

    for i in 0 .. dev.Length - 1 do
        Assert.Equal(expected.[i], dev.[i], 12)
        // a node centred on b_x holds the whole coefficient: coef = b_x + (r - b_x) = r
        Assert.Equal((pooled "r_g[2,2]" p).[i], (pooled "coef_g[b,x]" coef).[i], 12)

    let fixef = Effects.fixef t p
    Assert.Equal<string[]>([| "Intercept"; "x" |], fixef |> Array.map (fun r -> r.Term))
    Assert.Equal(Diagnostics.mean (Posterior.chains "b_x" p), fixef.[1].Mean, 12)

let ``a zero-centred group node is its own deviation`` () =
    let p = covariancePosterior ()

    let t =
        { terms (TermScale.Covariance "Sigma_g") with
            Groups =
                [|
                    { (terms (TermScale.Covariance "Sigma_g")).Groups.[0] with
                        Means = [| TermMean.Zero; TermMean.Zero |]
                    }
                |]
        }

    Assert.Equal<float[]>(pooled "r_g[1,2]" p, pooled "ranef_g[a,x]" (Effects.ranefDraws t p))

let private sleepstudyTerms covariance =
    let o =
        { FormulaOptions.Default with
            Covariance = covariance
        }

    match
        Formula.buildWithTerms o [] "Reaction ~ Days + (Days | Subject)" (Csv.readOrThrow (dataPath "sleepstudy.csv"))
    with
    | Ok r -> r
    | Error es -> failwith (Formula.describeErrors es)

let ``the formula front end names sleepstudy's terms, levels, centring and covariance node`` () =
    let _, _, t = sleepstudyTerms CovariancePrior.InverseWishart
    Assert.Equal<string[]>([| "Intercept"; "Days" |], t.Fixed)
    let g = t.Groups.[0]
    Assert.Equal("r_Subject", g.Node)
    Assert.Equal<string[]>([| "Intercept"; "Days" |], g.Coefficients)
    Assert.Equal("308", g.Levels.[0])
    Assert.Equal(18, g.Levels.Length)
    Assert.Equal(TermScale.Covariance "Sigma_Subject", g.Scale)
    Assert.Equal(Some "sigma", t.Sigma)

    match g.Means with
    | [| TermMean.Population "b_Intercept"; TermMean.Population "b_Days" |] -> ()
    | other -> failwith $"unexpected centring {other}"

let ``a nested group is centred on the enclosing group's coefficient at its outer level`` () =
    let d = Csv.readOrThrow (dataPath "three_level.csv")

    match Formula.buildWithTerms FormulaOptions.Default [] "score ~ 1 + (1 | school/classroom)" d with
    | Error es -> failwith (Formula.describeErrors es)
    | Ok(_, data, t) ->
        let inner = t.Groups |> Array.find (fun g -> g.Group = "school:classroom")
        let outer = t.Groups |> Array.find (fun g -> g.Group = "school")

        match inner.Means.[0] with
        | TermMean.Outer(node, None, outerLevel) ->
            Assert.Equal(outer.Node, node)
            // every classroom label starts with its school's label
            inner.Levels
            |> Array.iteri (fun j l -> Assert.StartsWith(outer.Levels.[outerLevel.[j]] + ":", l))
        | other -> failwith $"unexpected centring {other}"

/// lme4's REML VarCorr of sleepstudy (lme4_varcorr.R): sd_Subject__Intercept, sd_Subject__Days,
/// cor_Subject__Intercept__Days, sigma.
let private lme4VarCorr () =
    File.ReadAllLines(fixturePath "sleepstudy_varcorr.csv")
    |> Array.skip 1
    |> Array.map (fun l ->
        let c = l.Split ','
        c.[0], Double.Parse(c.[1], Globalization.CultureInfo.InvariantCulture))

let ``sleepstudy's sd, cor and ranef rows agree with lme4's VarCorr and BLUPs within the posterior sd under the default prior``
    ()
    =
    // the default covariance prior is brms's LKJ(1) with half-Student-t sds
    let m, data, t = sleepstudyTerms FormulaOptions.Default.Covariance

    let plan =
        Bind.bind m data
        |> Result.bind Gibbs.compile
        |> function
            | Ok p -> p
            | Error es -> failwithf "%A" es

    let post =
        Chains.run (SamplerOptions.Default.WithChains(2).WithWarmup(500).WithDraws(1500).WithSeed(2026)) plan

    let rows = Effects.varCorr t post |> Array.map (fun r -> r.Name, r) |> Map.ofArray

    // lme4's conditional modes (BLUPs, lme4_reference.R) against ranef's posterior means of the deviations
    let ranef = Effects.ranef t post

    for line in File.ReadAllLines(fixturePath "sleepstudy_ranef.csv") |> Array.skip 1 do
        let c = line.Split ',' |> Array.map (fun s -> s.Trim '"')

        for term, blup in [ "Intercept", c.[1]; "Days", c.[2] ] do
            let r = ranef |> Array.find (fun r -> r.Level = c.[0] && r.Term = term)
            let blup = Double.Parse(blup, Globalization.CultureInfo.InvariantCulture)
            Assert.True(abs (r.Mean - blup) < r.Sd, $"{r.Name}: posterior mean {r.Mean} (sd {r.Sd}) vs lme4 {blup}")

    for name, reference in lme4VarCorr () do
        let r = rows.[name]

        Assert.True(abs (r.Mean - reference) < r.Sd, $"{name}: posterior mean {r.Mean} (sd {r.Sd}) vs lme4 {reference}")

let ``binomial group probabilities are reported on the response scale with the raw proportions beside them`` () =
    let d = Csv.readOrThrow (dataPath "surgical.csv")

    match
        Formula.buildWithTerms
            { FormulaOptions.Default with
                Family = Family.Binomial
            }
            []
            "r | trials(n) ~ 1 + (1 | hospital)"
            d
    with
    | Error es -> failwith (Formula.describeErrors es)
    | Ok(m, data, t) ->
        let plan =
            Bind.bind m data
            |> Result.bind Gibbs.compile
            |> function
                | Ok p -> p
                | Error es -> failwithf "%A" es

        let post =
            Chains.run (SamplerOptions.Default.WithChains(2).WithWarmup(300).WithDraws(500).WithSeed(3)) plan

        match ResponseScale.shrinkage plan.Bound t post with
        | [ table ] ->
            let n = Dataset.tryColumn "n" data |> Option.get
            let r = Dataset.tryColumn "r" data |> Option.get

            let nums c =
                match c with
                | Column.Integers v -> Array.map float v
                | Column.Reals v -> v
                | _ -> failwith "numeric column expected"

            let n, r = nums n, nums r
            Assert.Equal(ShrinkageFamily.BinomialLogit, table.Spec.Family)
            Assert.Equal(n.Length, table.Rows.Length)

            table.Rows
            |> Array.iteri (fun j row ->
                Assert.Equal(r.[j] / n.[j], row.NoPooling, 12)
                Assert.Equal(Array.sum r / Array.sum n, row.CompletePooling, 12)

                let theta =
                    pooled $"r_hospital[{j + 1}]" post |> Array.map (fun x -> 1.0 / (1.0 + exp -x))

                Assert.Equal(Array.average theta, row.PartialMean, 10)
                Assert.True(row.Factor > 0.0 && row.Factor < 1.0, $"B = {row.Factor}"))
        | other -> failwith $"expected one table, got {other.Length}"

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.Formula.EffectsTests"
        [
            Expecto.Tests.testCase
                "a covariance matrix is shown as sd and cor rows in its place with no duplicate entry"
                (fun () -> ``a covariance matrix is shown as sd and cor rows in its place with no duplicate entry`` ())
            Expecto.Tests.testCase "sd and cor rows are computed draw by draw from the covariance draws" (fun () ->
                ``sd and cor rows are computed draw by draw from the covariance draws`` ())
            Expecto.Tests.testCase "a Cholesky factor of the correlation gives the correlation of its rows" (fun () ->
                ``a Cholesky factor of the correlation gives the correlation of its rows`` ())
            Expecto.Tests.testCase
                "group coefficients are labelled by level and term and keep their numeric names"
                (fun () -> ``group coefficients are labelled by level and term and keep their numeric names`` ())
            Expecto.Tests.testCase
                "ranef subtracts the centre draw by draw and coef adds the population coefficient back"
                (fun () -> ``ranef subtracts the centre draw by draw and coef adds the population coefficient back`` ())
            Expecto.Tests.testCase "a zero-centred group node is its own deviation" (fun () ->
                ``a zero-centred group node is its own deviation`` ())
            Expecto.Tests.testCase
                "the formula front end names sleepstudy's terms, levels, centring and covariance node"
                (fun () -> ``the formula front end names sleepstudy's terms, levels, centring and covariance node`` ())
            Expecto.Tests.testCase
                "a nested group is centred on the enclosing group's coefficient at its outer level"
                (fun () -> ``a nested group is centred on the enclosing group's coefficient at its outer level`` ())
            Expecto.Tests.testCase
                "sleepstudy's sd, cor and ranef rows agree with lme4's VarCorr and BLUPs within the posterior sd under the default prior"
                (fun () ->
                    ``sleepstudy's sd, cor and ranef rows agree with lme4's VarCorr and BLUPs within the posterior sd under the default prior`` ())
            Expecto.Tests.testCase
                "binomial group probabilities are reported on the response scale with the raw proportions beside them"
                (fun () ->
                    ``binomial group probabilities are reported on the response scale with the raw proportions beside them`` ())
        ]
