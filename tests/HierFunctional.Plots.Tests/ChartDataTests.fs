/// Properties of the data behind each chart, checked without drawing it.
module HierFunctional.Plots.Tests.ChartDataTests

open System
open System.IO
open FsCheck
open FsCheck.FSharp
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Plots

let private quick =
    Config.QuickThrowOnFailure
        .WithMaxTest(100)
        .WithReplay(
            Some
                {
                    Rnd = Rnd(20261206UL, 0x9E3779B97F4A7C15UL)
                    Size = None
                }
        )

let private check prop = Check.One(quick, prop)

/// Chains × draws of standard-normal-ish values from a seed (Box–Muller on System.Random).
let private chainsOf (seed: int) (chains: int) (draws: int) =
    let rng = Random seed

    Array.init chains (fun _ ->
        Array.init draws (fun _ ->
            sqrt (-2.0 * log (1.0 - rng.NextDouble()))
            * cos (2.0 * Math.PI * rng.NextDouble())))

let private shapes =
    Gen.zip3 (Gen.choose (0, 1_000_000)) (Gen.choose (1, 5)) (Gen.choose (1, 80))

let private posteriorOf (names: string[]) (columns: float[][][]) = Posterior.ofColumns names columns

let ``rank histogram counts sum to each chain's draws and to all draws`` () =
    Prop.forAll (Arb.fromGen (Gen.zip shapes (Gen.choose (1, 30)))) (fun ((seed, chains, draws), bins) ->
        let x = chainsOf seed chains draws
        let h = ChainData.rankHistogramOf bins "x" x

        h.Counts |> Array.forall (fun c -> c.Length = bins && Array.sum c = draws)
        && (h.Counts |> Array.sumBy Array.sum) = chains * draws
        && abs (h.Expected * float bins - float draws) < 1e-9)
    |> check

let ``the pooled rank bins are equally filled, within one draw`` () =
    Prop.forAll (Arb.fromGen (Gen.zip shapes (Gen.choose (1, 30)))) (fun ((seed, chains, draws), bins) ->
        let h = ChainData.rankHistogramOf bins "x" (chainsOf seed chains draws)
        let totals = Array.init bins (fun b -> h.Counts |> Array.sumBy (fun c -> c.[b]))
        chains * draws < bins || Array.max totals - Array.min totals <= 1)
    |> check

let ``ranks of the pooled draws are a permutation of 0 to S-1, ordered like the draws`` () =
    Prop.forAll (Arb.fromGen shapes) (fun (seed, chains, draws) ->
        let x = chainsOf seed chains draws
        let r = ChainData.ranks x
        let pairs = Array.zip (Array.concat x) (Array.concat r)

        (Array.concat r |> Array.sort) = Array.init (chains * draws) id
        && pairs
           |> Array.forall (fun (v, k) -> pairs |> Array.forall (fun (w, l) -> not (v < w) || k < l)))
    |> check

let ``a trace keeps at most the limit of points per chain, each a draw at its iteration`` () =
    Prop.forAll (Arb.fromGen (Gen.zip shapes (Gen.choose (1, 100)))) (fun ((seed, chains, draws), limit) ->
        let x = chainsOf seed chains draws
        let p = Posterior.ofColumns [| "a" |] (x |> Array.map (fun c -> [| c |]))
        let t = ChainData.trace limit "a" p

        t.Length = chains
        && t
           |> Array.forall (fun s ->
               s.X.Length <= limit
               && s.X.Length = s.Y.Length
               && (draws > limit || s.X.Length = draws)
               && Array.forall2 (fun (i: float) y -> x.[s.Chain - 1].[int i - 1] = y) s.X s.Y))
    |> check

let private trapezoid (x: float[]) (y: float[]) =
    Array.init (x.Length - 1) (fun i -> (x.[i + 1] - x.[i]) * (y.[i] + y.[i + 1]) / 2.0)
    |> Array.sum

let ``each chain's density integrates to one over its grid`` () =
    Prop.forAll
        (Arb.fromGen (Gen.zip3 (Gen.choose (0, 1_000_000)) (Gen.choose (1, 4)) (Gen.choose (5, 200))))
        (fun (seed, chains, draws) ->
            let x = chainsOf seed chains draws
            let p = Posterior.ofColumns [| "a" |] (x |> Array.map (fun c -> [| c |]))

            ChainData.densityByChain "a" p
            |> Array.forall (fun s -> abs (trapezoid s.X s.Y - 1.0) < 0.01))
    |> check

let ``the density of positive draws starts at zero and still integrates to one`` () =
    Prop.forAll
        (Arb.fromGen (Gen.zip3 (Gen.choose (0, 1_000_000)) (Gen.choose (1, 4)) (Gen.choose (5, 200))))
        (fun (seed, chains, draws) ->
            let x = chainsOf seed chains draws |> Array.map (Array.map abs)
            let p = Posterior.ofColumns [| "a" |] (x |> Array.map (fun c -> [| c |]))

            ChainData.densityByChain "a" p
            |> Array.forall (fun s -> s.X.[0] >= 0.0 && abs (trapezoid s.X s.Y - 1.0) < 0.01))
    |> check

let ``autocorrelation is one at lag zero and within minus one to one`` () =
    Prop.forAll
        (Arb.fromGen (Gen.zip3 (Gen.choose (0, 1_000_000)) (Gen.choose (1, 4)) (Gen.choose (3, 200))))
        (fun (seed, chains, draws) ->
            let p =
                Posterior.ofColumns [| "a" |] (chainsOf seed chains draws |> Array.map (fun c -> [| c |]))

            ChainData.autocorrelation 40 "a" p
            |> Array.forall (fun s ->
                abs (s.Y.[0] - 1.0) < 1e-12
                && s.Y |> Array.forall (fun r -> abs r <= 1.0 + 1e-12)))
    |> check

let ``forest intervals contain their medians and rows carry the group labels`` () =
    Prop.forAll
        (Arb.fromGen (Gen.zip3 (Gen.choose (0, 1_000_000)) (Gen.choose (1, 4)) (Gen.choose (2, 60))))
        (fun (seed, chains, draws) ->
            let names = [| "mu"; "theta[1]"; "theta[2]"; "theta[3]" |]

            let cols =
                Array.init chains (fun c ->
                    Array.init names.Length (fun k -> (chainsOf (seed + 7 * c + k) 1 draws).[0]))

            let p =
                Posterior.ofColumns names cols
                |> Posterior.withLabels [ "theta[1]", "theta[A]"; "theta[2]", "theta[B]"; "theta[3]", "theta[C]" ]

            let rows = GroupData.forest 0.9 "theta" p

            rows |> Array.map (fun r -> r.Label) = [| "theta[A]"; "theta[B]"; "theta[C]" |]
            && rows |> Array.forall (fun r -> r.Lower <= r.Median && r.Median <= r.Upper))
    |> check

let private shrinkageTable (rows: (float * float * float) list) =
    {
        Spec =
            {
                Node = "theta"
                Observed = "y"
                Family = ShrinkageFamily.Normal
            }
        Group = "school"
        Rows =
            rows
            |> List.mapi (fun j (size, noPool, partial) ->
                {
                    Label = $"school {j + 1}"
                    Size = size
                    NoPooling = noPool
                    CompletePooling = 4.2
                    PartialMean = partial
                    Lower = partial - 1.0
                    Upper = partial + 1.0
                    Factor = 0.5
                })
            |> Array.ofList
    }

let ``shrinkage arrows start at the no-pooling estimates and end at the partial-pooling means`` () =
    let row =
        Gen.zip3
            (Gen.choose (1, 500) |> Gen.map float)
            (Gen.choose (-1000, 1000) |> Gen.map float)
            (Gen.choose (-1000, 1000) |> Gen.map float)

    Prop.forAll (Arb.fromGen (Gen.listOf row)) (fun rows ->
        let t = shrinkageTable rows
        let d = GroupData.shrinkage t

        d.Arrows.Length = t.Rows.Length
        && Array.forall2
            (fun (a: ShrinkageArrow) (r: ShrinkageRow) ->
                a.From = r.NoPooling
                && a.To = r.PartialMean
                && a.Size = r.Size
                && a.Label = r.Label)
            d.Arrows
            t.Rows
        && (t.Rows.Length = 0 || d.CompletePooling = 4.2))
    |> check

let ``variance shares of the levels sum to one`` () =
    Prop.forAll (Arb.fromGen (Gen.zip (Gen.choose (0, 1_000_000)) (Gen.choose (2, 50)))) (fun (seed, draws) ->
        let x =
            chainsOf seed 3 draws
            |> Array.map (fun c -> [| c |> Array.map abs; c |> Array.map (fun v -> 1.0 + v * v) |])

        let d =
            GroupData.varianceShares [ "tau"; "sigma" ] (Posterior.ofColumns [| "tau"; "sigma" |] x)

        let values = d.Groups.[0].Values

        abs ((values |> Array.sumBy (fun v -> v.Value)) - 1.0) < 1e-9
        && values |> Array.forall (fun v -> v.Lower <= v.Value && v.Value <= v.Upper))
    |> check

let ``criteria comparison bars span one standard error either side and DIC has none`` () =
    let waicLike: CriterionEstimate = { Estimate = 60.0; SE = 3.0 }

    let rows =
        [
            {
                Model = "a"
                Criterion = "WAIC"
                Value = waicLike.Estimate
                SE = waicLike.SE
            }
            {
                Model = "b"
                Criterion = "WAIC"
                Value = 62.0
                SE = 2.5
            }
            {
                Model = "a"
                Criterion = "DIC"
                Value = 59.0
                SE = nan
            }
        ]

    let d = GroupData.comparison rows
    let waic = d.Groups |> Array.find (fun g -> g.Name = "WAIC")
    Assert.Equal<string[]>([| "a"; "b" |], waic.Values |> Array.map (fun v -> v.Label))
    Assert.Equal(57.0, waic.Values.[0].Lower)
    Assert.Equal(64.5, waic.Values.[1].Upper)
    let dic = d.Groups |> Array.find (fun g -> g.Name = "DIC")
    Assert.True(Double.IsNaN dic.Values.[0].Lower)

let ``a stuck chain is flagged in the pair plot data and the others are not`` () =
    let x = chainsOf 4 4 200

    let stuck =
        x |> Array.mapi (fun c xs -> if c = 2 then Array.create xs.Length 0.3 else xs)

    let p =
        Posterior.ofColumns [| "mu"; "tau" |] (Array.map2 (fun a b -> [| a; b |]) x stuck)

    let d = ChainData.pair 1000 "mu" "tau" p
    Assert.Equal<int[]>([| 3 |], d.Flags |> Array.map (fun f -> f.Chain) |> Array.distinct)
    Assert.Contains(d.Flags, fun f -> f.Reason = "Stuck")
    Assert.False d.Thinned

let private root = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, "..", ".."))

let private eightSchools =
    lazy
        (let data = Csv.readOrThrow (Path.Combine(root, "docs", "data", "eight_schools.csv"))

         match Bind.bind Examples.eightSchools data |> Result.bind Gibbs.compile with
         | Ok plan ->
             plan, Chains.run (SamplerOptions.Default.WithChains(3).WithWarmup(100).WithDraws(100).WithSeed(9)) plan
         | Error e -> failwith (e |> List.map ModelError.describe |> String.concat "; "))

let ``a predictive density check has the observed data and exactly the requested replicates`` () =
    let plan, post = eightSchools.Value
    let s = GroupData.predictiveDensities (Random 1) 50 plan.Bound "y" post
    Assert.Equal(51, s.Length)
    Assert.Equal(1, s |> Array.filter (fun x -> x.Chain = 0) |> Array.length)
    Assert.True(s |> Array.forall (fun x -> x.X = s.[0].X), "the curves do not share one grid")

let ``prior and posterior densities of tau start at zero and hold nearly all their mass on the shown range`` () =
    let plan, post = eightSchools.Value
    let s = GroupData.priorPosterior (Random 1) 4000 plan.Bound "tau" post
    Assert.Equal<string[]>([| "prior"; "posterior" |], s |> Array.map (fun x -> x.Name))
    // The grid stops at the prior's 95% quantile (the half-Cauchy tail would flatten the chart), so about 5% of
    // the prior is not shown; the posterior is all shown.
    let prior, posterior = trapezoid s.[0].X s.[0].Y, trapezoid s.[1].X s.[1].Y
    Assert.Equal(0.0, s.[0].X.[0])
    Assert.InRange(prior, 0.93, 0.97)
    Assert.InRange(posterior, 0.95, 1.01)

let ``the C# chart methods use no F# lists, options, functions or tuples`` () =
    let fsharpy (t: Type) =
        t.FullName.StartsWith "Microsoft.FSharp"
        || t.Name.StartsWith "Tuple"
        || t.Name.StartsWith "ValueTuple"

    for m in typeof<PosteriorCharts>.GetMethods(Reflection.BindingFlags.Public ||| Reflection.BindingFlags.Static) do
        for t in m.ReturnType :: [ for p in m.GetParameters() -> p.ParameterType ] do
            Assert.False(fsharpy t, $"{m.Name} uses {t.FullName}")

        Assert.True(Char.IsUpper m.Name.[0], $"{m.Name} is not PascalCase")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Plots.Tests.ChartDataTests"
        (Expecto.Tests.testList
            "HierFunctional.Plots.Tests.ChartDataTests"
            [
                Expecto.Tests.testCase "rank histogram counts sum to each chain's draws and to all draws" (fun () ->
                    ``rank histogram counts sum to each chain's draws and to all draws`` ())
                Expecto.Tests.testCase "the pooled rank bins are equally filled, within one draw" (fun () ->
                    ``the pooled rank bins are equally filled, within one draw`` ())
                Expecto.Tests.testCase
                    "ranks of the pooled draws are a permutation of 0 to S-1, ordered like the draws"
                    (fun () -> ``ranks of the pooled draws are a permutation of 0 to S-1, ordered like the draws`` ())
                Expecto.Tests.testCase
                    "a trace keeps at most the limit of points per chain, each a draw at its iteration"
                    (fun () -> ``a trace keeps at most the limit of points per chain, each a draw at its iteration`` ())
                Expecto.Tests.testCase "each chain's density integrates to one over its grid" (fun () ->
                    ``each chain's density integrates to one over its grid`` ())
                Expecto.Tests.testCase
                    "the density of positive draws starts at zero and still integrates to one"
                    (fun () -> ``the density of positive draws starts at zero and still integrates to one`` ())
                Expecto.Tests.testCase "autocorrelation is one at lag zero and within minus one to one" (fun () ->
                    ``autocorrelation is one at lag zero and within minus one to one`` ())
                Expecto.Tests.testCase
                    "forest intervals contain their medians and rows carry the group labels"
                    (fun () -> ``forest intervals contain their medians and rows carry the group labels`` ())
                Expecto.Tests.testCase
                    "shrinkage arrows start at the no-pooling estimates and end at the partial-pooling means"
                    (fun () ->
                        ``shrinkage arrows start at the no-pooling estimates and end at the partial-pooling means`` ())
                Expecto.Tests.testCase "variance shares of the levels sum to one" (fun () ->
                    ``variance shares of the levels sum to one`` ())
                Expecto.Tests.testCase
                    "criteria comparison bars span one standard error either side and DIC has none"
                    (fun () -> ``criteria comparison bars span one standard error either side and DIC has none`` ())
                Expecto.Tests.testCase
                    "a stuck chain is flagged in the pair plot data and the others are not"
                    (fun () -> ``a stuck chain is flagged in the pair plot data and the others are not`` ())
                Expecto.Tests.testCase
                    "a predictive density check has the observed data and exactly the requested replicates"
                    (fun () ->
                        ``a predictive density check has the observed data and exactly the requested replicates`` ())
                Expecto.Tests.testCase
                    "prior and posterior densities of tau start at zero and hold nearly all their mass on the shown range"
                    (fun () ->
                        ``prior and posterior densities of tau start at zero and hold nearly all their mass on the shown range`` ())
                Expecto.Tests.testCase "the C# chart methods use no F# lists, options, functions or tuples" (fun () ->
                    ``the C# chart methods use no F# lists, options, functions or tuples`` ())
            ])
