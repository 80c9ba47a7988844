/// Valid random models for the fuzzing campaign: a few templates (Normal, Beta-Binomial, Gamma-Poisson, logistic,
/// simple conjugate and slice-sampled models) with random priors and random data at random magnitudes.
module HierFunctional.Tests.Reliability.FuzzTemplates

open System
open FsCheck
open FsCheck.FSharp
open HierFunctional
open type Distributions


let pick xs = Gen.elements xs

let float01 = Gen.choose (0, 1_000_000) |> Gen.map (fun k -> float k / 1e6)

/// A roughly standard-normal number (sum of uniforms; enough for data).
let gauss =
    Gen.arrayOfLength 4 float01
    |> Gen.map (fun us -> (Array.sum us - 2.0) * sqrt 3.0)

let magnitude = pick [ 1e-300; 1e-12; 1e-3; 1.0; 1.0; 1.0; 10.0; 1e6; 1e12; 1e300 ]

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

let normalTemplate =
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

let betaBinomialTemplate =
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

let poissonTemplate =
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

let logisticTemplate =
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

let simpleTemplate =
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
