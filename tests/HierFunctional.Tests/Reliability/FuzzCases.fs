/// Random models and data sets, valid and hostile, for the fuzzing campaign: a few model templates (Normal,
/// Beta-Binomial, Gamma-Poisson, logistic, simple conjugate and slice-sampled models) with random priors, random
/// data at random magnitudes, and random mutations of either (unknown names, duplicates, forward references,
/// wrong shapes, bad constants, NaN/Inf, negative or fractional counts, successes > trials, ragged columns,
/// unknown labels, duplicate column names).
module HierFunctional.Tests.Reliability.FuzzCases

open System
open FsCheck
open FsCheck.FSharp
open HierFunctional
open type Distributions

/// One fuzz case: what was generated (for the report) and the model/data pair.
type Case =
    {
        Description: string
        Model: Model
        Data: Dataset
    }

let private pick xs = Gen.elements xs

let private float01 = Gen.choose (0, 1_000_000) |> Gen.map (fun k -> float k / 1e6)

/// A roughly standard-normal number (sum of uniforms; enough for data).
let private gauss =
    Gen.arrayOfLength 4 float01
    |> Gen.map (fun us -> (Array.sum us - 2.0) * sqrt 3.0)

let private magnitude =
    pick [ 1e-300; 1e-12; 1e-3; 1.0; 1.0; 1.0; 10.0; 1e6; 1e12; 1e300 ]

let private scalePrior =
    pick
        [
            HalfCauchy 5.0
            HalfNormal 2.0
            Gamma(2.0, 1.0)
            Uniform(0.0, 10.0)
            Exponential 1.0
            LogNormal(0.0, 1.0)
            Flat Support.Positive
            HalfStudentT(3.0, 2.0)
        ]

let private locationPrior =
    pick
        [
            Normal(0.0, 5.0)
            Flat Support.Real
            StudentT(3.0, 0.0, 10.0)
            Cauchy(0.0, 2.5)
        ]

/// Row levels of a group with j levels.
let private levels (n: int) (j: int) =
    Gen.arrayOfLength n (Gen.choose (0, j - 1))
    |> Gen.map (Array.map (fun k -> $"L{k}"))

let private normalTemplate =
    gen {
        let! muP = locationPrior
        let! tauP = scalePrior
        let! knownSd = Gen.elements [ true; false ]
        let! studentObs = Gen.frequency [ 4, Gen.constant false; 1, Gen.constant true ]

        let m =
            model {
                let! mu = sample "mu" muP
                let! tau = sample "tau" tauP
                let! theta = sample "theta" (Normal(mu, tau)) |> over "g"

                let! sigma =
                    if knownSd then
                        Step.ret (data "s")
                    else
                        sample "sigma" (HalfNormal 1.0)

                if studentObs then
                    do! observe "y" (StudentT(4.0, theta.[group "g"], sigma))
                else
                    do! observe "y" (Normal(theta.[group "g"], sigma))
            }

        let data (n: int) (j: int) (scale: float) =
            gen {
                let! g = levels n j
                let! y = Gen.arrayOfLength n gauss

                let! s =
                    Gen.arrayOfLength n (Gen.choose (1, 30) |> Gen.map (fun k -> float k / 10.0))

                return
                    Dataset.empty
                    |> Dataset.labels "g" g
                    |> Dataset.reals "y" (y |> Array.map ((*) scale))
                    |> Dataset.reals "s" (s |> Array.map ((*) scale))
            }

        return $"normal(mu {Dist.name muP}, tau {Dist.name tauP}, knownSd {knownSd}, t {studentObs})", m, data
    }

let private betaBinomialTemplate =
    gen {
        let! kind = Gen.choose (0, 2)

        let m =
            model {
                let! a, b =
                    match kind with
                    | 0 -> Step.ret (Const 1.0, Const 1.0)
                    | 1 ->
                        model.Bind(
                            sample "alpha" (Gamma(2.0, 0.5)),
                            fun a -> model.Bind(sample "beta" (Exponential 0.2), fun b -> model.Return((a, b)))
                        )
                    | _ ->
                        model.Bind(
                            sample "alpha" (Flat Support.Positive),
                            fun a ->
                                model.Bind(
                                    sample "beta" (Flat Support.Positive),
                                    fun b ->
                                        model.Bind(factor "hyper" (-2.5 * log (a + b)), fun () -> model.Return((a, b)))
                                )
                        )

                let! theta = sample "theta" (Beta(a, b)) |> over "g"
                do! observe "y" (Binomial(data "n", theta.[group "g"]))
            }

        let data (n: int) (j: int) (_: float) =
            gen {
                let! g = levels n j
                let! big = Gen.frequency [ 9, Gen.constant false; 1, Gen.constant true ]
                let! trials = Gen.arrayOfLength n (Gen.choose (0, 50))

                let trials =
                    if big then
                        trials |> Array.map (fun t -> t * 20_000_000)
                    else
                        trials

                let! frac = Gen.arrayOfLength n float01
                let y = Array.map2 (fun t f -> int (float t * f)) trials frac

                return
                    Dataset.empty
                    |> Dataset.labels "g" g
                    |> Dataset.integers "n" trials
                    |> Dataset.integers "y" y
            }

        return $"beta-binomial(kind {kind})", m, data
    }

let private poissonTemplate =
    gen {
        let! negBin = Gen.frequency [ 4, Gen.constant false; 1, Gen.constant true ]
        let! hyper = Gen.elements [ true; false ]

        let m =
            model {
                let! a =
                    if hyper then
                        sample "a" (Exponential 1.0)
                    else
                        Step.ret (Const 1.5)

                let! lambda = sample "lambda" (Gamma(a, 1.0)) |> over "g"

                if negBin then
                    let! phi = sample "phi" (Gamma(2.0, 0.1))
                    do! observe "y" (NegativeBinomial(lambda.[group "g"] * data "e", phi))
                else
                    do! observe "y" (Poisson(lambda.[group "g"], data "e"))
            }

        let data (n: int) (j: int) (scale: float) =
            gen {
                let! g = levels n j
                let! y = Gen.arrayOfLength n (Gen.choose (0, 40))

                let! e =
                    Gen.arrayOfLength n (Gen.choose (1, 100) |> Gen.map (fun k -> float k / 10.0 * scale))

                return
                    Dataset.empty
                    |> Dataset.labels "g" g
                    |> Dataset.integers "y" y
                    |> Dataset.reals "e" e
            }

        return $"poisson(negBin {negBin}, hyper {hyper})", m, data
    }

let private logisticTemplate =
    gen {
        let! grouped = Gen.elements [ true; false ]

        let m =
            model {
                let! alpha = sample "alpha" (Normal(0.0, 2.5))
                let! beta = sample "beta" (Normal(0.0, 2.5))

                if grouped then
                    let! tau = sample "tau" (HalfNormal 1.0)
                    let! u = sample "u" (Normal(0.0, tau)) |> over "g"
                    do! observe "y" (Bernoulli(invLogit (alpha + beta * data "x" + u.[group "g"])))
                else
                    do! observe "y" (Bernoulli(invLogit (alpha + beta * data "x")))
            }

        let data (n: int) (j: int) (scale: float) =
            gen {
                let! g = levels n j
                let! x = Gen.arrayOfLength n gauss
                let! separated = Gen.elements [ true; false ]
                let! coin = Gen.arrayOfLength n (Gen.choose (0, 1))

                let y =
                    if separated then
                        x |> Array.map (fun v -> if v > 0.0 then 1 else 0)
                    else
                        coin

                return
                    Dataset.empty
                    |> Dataset.labels "g" g
                    |> Dataset.reals "x" (x |> Array.map ((*) scale))
                    |> Dataset.integers "y" y
            }

        return $"logistic(grouped {grouped})", m, data
    }

let private simpleTemplate =
    gen {
        let! kind = Gen.choose (0, 3)

        let m =
            match kind with
            | 0 ->
                model {
                    let! p = sample "p" (Beta(1.0, 1.0))
                    do! observe "y" (Bernoulli p)
                }
            | 1 ->
                model {
                    let! lambda = sample "lambda" (Gamma(1.0, 1.0))
                    do! observe "y" (Exponential lambda)
                }
            | 2 ->
                model {
                    let! mu = sample "mu" (Normal(0.0, 10.0))
                    let! _ = derived "twice" (2.0 * mu)
                    do! observe "y" (Normal(mu, 1.0))
                }
            | _ ->
                model {
                    let! mu = sample "mu" (Normal(0.0, 10.0))
                    let! s = sample "s" (Gamma(2.0, 2.0))
                    do! observe "y" (LogNormal(mu, s))
                }

        let data (n: int) (_: int) (scale: float) =
            gen {
                let! u = Gen.arrayOfLength n float01

                let y =
                    match kind with
                    | 0 -> u |> Array.map (fun v -> if v < 0.3 then 1.0 else 0.0)
                    | _ -> u |> Array.map (fun v -> (v + 0.01) * scale)

                return
                    if kind = 0 then
                        Dataset.empty |> Dataset.integers "y" (y |> Array.map int)
                    else
                        Dataset.empty |> Dataset.reals "y" y
            }

        return $"simple(kind {kind})", m, data
    }

// ------------------------------------------------------------------ hostile mutations

let private mapNodes f (m: Model) = Model.ofNodes (f m.Nodes)

let rec private renameRefs (from: string) (into: string) (e: Expr) =
    let go = renameRefs from into

    match e with
    | Param p when p = from -> Param into
    | Index(v, i) -> Index(go v, go i)
    | Neg a -> Neg(go a)
    | Add(a, b) -> Add(go a, go b)
    | Sub(a, b) -> Sub(go a, go b)
    | Mul(a, b) -> Mul(go a, go b)
    | Div(a, b) -> Div(go a, go b)
    | Apply(f, a) -> Apply(f, go a)
    | other -> other

let private mapExprs (f: Expr -> Expr) (n: Node) =
    let kind =
        match n.Kind with
        | NodeKind.Parameter d -> NodeKind.Parameter(Dist.mapArgs f d)
        | NodeKind.Observed d -> NodeKind.Observed(Dist.mapArgs f d)
        | NodeKind.Derived e -> NodeKind.Derived(f e)
        | NodeKind.Factor e -> NodeKind.Factor(f e)

    { n with Kind = kind }

let private badConstant =
    pick [ -1.0; 0.0; nan; infinity; -infinity; 1e308; 1e-308 ] |> Gen.map Const

/// A model mutation and its name.
let private mutateModel (m: Model) : Gen<string * Model> =
    let first = m.Nodes.Head.Name

    gen {
        let! which = Gen.choose (0, 8)
        let! c = badConstant

        return
            match which with
            | 0 -> "unknown reference", m |> mapNodes (List.map (mapExprs (renameRefs first "nowhere")))
            | 1 -> "duplicate node", m |> mapNodes (fun ns -> ns @ [ ns.Head ])
            | 2 -> "forward reference", m |> mapNodes List.rev
            | 3 ->
                "bad constant",
                m
                |> mapNodes (
                    List.map (fun n ->
                        match n.Kind with
                        | NodeKind.Parameter d ->
                            { n with
                                Kind =
                                    NodeKind.Parameter(
                                        Dist.mapArgs
                                            (fun e ->
                                                match e with
                                                | Const _ -> c
                                                | e -> e)
                                            d
                                    )
                            }
                        | _ -> n)
                )
            | 4 ->
                "unindexed vector",
                m
                |> mapNodes (
                    List.map (
                        mapExprs (fun e ->
                            match e with
                            | Index(v, _) -> v
                            | e -> e)
                    )
                )
            | 5 ->
                "indexed scalar",
                m
                |> mapNodes (
                    List.map (
                        mapExprs (
                            renameRefs first first
                            >> fun e ->
                                match e with
                                | Param p when p = first -> Index(e, Group "g")
                                | e -> e
                        )
                    )
                )
            | 6 ->
                "unknown group",
                m
                |> mapNodes (
                    List.map (fun n ->
                        if n.Plate = Plate.Over "g" then
                            { n with Plate = Plate.Over "h" }
                        else
                            n)
                )
            | 7 ->
                "observed over a group",
                m
                |> mapNodes (
                    List.map (fun n ->
                        match n.Kind with
                        | NodeKind.Observed _ -> { n with Plate = Plate.Over "g" }
                        | _ -> n)
                )
            | _ ->
                "sized zero",
                m
                |> mapNodes (
                    List.map (fun n ->
                        if n.Plate = Plate.Over "g" then
                            { n with Plate = Plate.Sized 0 }
                        else
                            n)
                )
    }

let private replaceColumn name (f: Column -> Column) (d: Dataset) =
    { d with
        Columns = d.Columns |> List.map (fun (n, c) -> if n = name then n, f c else n, c)
    }

let private setAt (k: int) (v: 'T) (xs: 'T[]) =
    let ys = Array.copy xs

    if ys.Length > 0 then
        ys.[k % ys.Length] <- v

    ys

/// A data mutation and its name.
let private mutateData (d: Dataset) : Gen<string * Dataset> =
    gen {
        let! which = Gen.choose (0, 10)
        let! row = Gen.choose (0, 1000)
        let! bad = pick [ nan; infinity; -infinity ]
        let name, _ = d.Columns |> List.last

        let onNumbers f =
            d.Columns
            |> List.fold
                (fun acc (n, c) ->
                    match c with
                    | Column.Reals _
                    | Column.Integers _ when n <> "g" -> replaceColumn n f acc
                    | _ -> acc)
                d

        return
            match which with
            | 0 ->
                "non-finite value",
                onNumbers (function
                    | Column.Reals xs -> Column.Reals(setAt row bad xs)
                    | c -> c)
            | 1 ->
                "negative count",
                onNumbers (function
                    | Column.Integers xs -> Column.Integers(setAt row -3 xs)
                    | c -> c)
            | 2 ->
                "fractional count",
                onNumbers (function
                    | Column.Integers xs -> Column.Reals(xs |> Array.map float |> setAt row 0.5)
                    | c -> c)
            | 3 ->
                "successes above trials",
                replaceColumn
                    "y"
                    (function
                    | Column.Integers xs -> Column.Integers(setAt row 1_000_000 xs)
                    | c -> c)
                    d
            | 4 ->
                "ragged column",
                replaceColumn
                    name
                    (function
                    | Column.Reals xs -> Column.Reals(Array.append xs [| 1.0 |])
                    | Column.Integers xs -> Column.Integers(Array.append xs [| 1 |])
                    | c -> c)
                    d
            | 5 ->
                "unknown label",
                replaceColumn
                    "g"
                    (function
                    | Column.Labels(v, l) -> Column.Labels(setAt row "stranger" v, l)
                    | c -> c)
                    d
            | 6 ->
                "duplicate column",
                { d with
                    Columns = d.Columns @ [ d.Columns.Head ]
                }
            | 7 ->
                "missing column",
                { d with
                    Columns = d.Columns |> List.filter (fun (n, _) -> n <> name)
                }
            | 8 ->
                "labels where numbers are needed",
                replaceColumn "y" (fun c -> Column.Labels(Array.create (Dataset.columnLength c) "a", [| "a" |])) d
            | 9 ->
                "no rows",
                { d with
                    Columns =
                        d.Columns
                        |> List.map (fun (n, c) ->
                            n,
                            match c with
                            | Column.Labels _ -> Column.Labels([||], [||])
                            | Column.Integers _ -> Column.Integers [||]
                            | _ -> Column.Reals [||])
                }
            | _ -> "empty data set", Dataset.empty
    }

/// A random case: a template, data of random size and magnitude, and with some probability a hostile mutation
/// of the model, the data, or both.
let case: Gen<Case> =
    gen {
        let! desc, m, dataGen =
            Gen.frequency
                [
                    3, normalTemplate
                    2, betaBinomialTemplate
                    2, poissonTemplate
                    2, logisticTemplate
                    2, simpleTemplate
                ]

        let! n = pick [ 0; 1; 1; 2; 3; 5; 8; 12; 30 ]
        let! j = pick [ 1; 1; 2; 3; 4; 6 ]
        let! scale = magnitude
        let! d = dataGen n j scale
        let! mutate = Gen.choose (0, 9)
        let! mm, m' = mutateModel m
        let! dm, d' = mutateData d

        let label, model, data =
            match mutate with
            | 0
            | 1 -> $"model: {mm}", m', d
            | 2
            | 3 -> $"data: {dm}", m, d'
            | 4 -> $"model: {mm}; data: {dm}", m', d'
            | _ -> "valid", m, d

        return
            {
                Description = $"{desc}, n {n}, J {j}, scale {scale:G3}, {label}"
                Model = model
                Data = data
            }
    }
