namespace HierFunctional.Testing

open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Distributions
open HierFunctional
open type Distributions

/// The likelihood family of a generated model.
[<RequireQualifiedAccess>]
type ModelFamily =
    | NormalObs
    | PoissonObs
    | BinomialObs
    | GammaObs

/// How the latent structure is built.
[<RequireQualifiedAccess>]
type ModelStructure =
    /// theta over g1 ~ Normal(mu, tau); the linear predictor is theta[g1].
    | TwoLevel
    /// eta over g2 ~ Normal(theta[g1], tau2) with g2 nested in g1; the predictor is eta[g2].
    | Nested
    /// b over g2 ~ Normal(0, tau2) crossed with g1; the predictor is theta[g1] + b[g2].
    | Crossed
    /// lambda over g1 ~ Gamma(alpha, beta), Poisson counts (conjugate pair).
    | GammaPoisson
    /// p over g1 ~ Beta(alpha, beta), Binomial counts (conjugate pair).
    | BetaBinomial

/// A generated case: model structure, groups, data and one parameter value per node.
type ModelCase =
    {
        /// The latent structure.
        Structure: ModelStructure
        /// The likelihood family.
        Family: ModelFamily
        /// Levels of the first grouping g1.
        Levels1: int
        /// Levels of the second grouping g2 (nested or crossed).
        Levels2: int
        /// For nested structures: the g1 level of each g2 level.
        Parent: int[]
        /// The g1 level of each row.
        Row1: int[]
        /// The g2 level of each row.
        Row2: int[]
        /// The observations.
        Y: float[]
        /// Exposure (Poisson) or trials (Binomial) per row.
        Aux: float[]
        /// Parameter values by node name: scalars as one-element arrays.
        Values: Map<string, float[]>
    }

/// Oracle generators: FsCheck generators of random hierarchical models with data and parameter values, each with an independent
/// hand-written log-density (MathNet distributions, rows and levels looped by hand) to test the interpreter against.
[<RequireQualifiedAccess>]
module ModelGenerators =

    let private uniform lo hi =
        Gen.choose (0, 1_000_000)
        |> Gen.map (fun k -> lo + (hi - lo) * float k / 1_000_000.0)

    let private uniforms n lo hi = Gen.arrayOfLength n (uniform lo hi)

    let private linearPredictor (c: ModelCase) (row: int) =
        match c.Structure with
        | ModelStructure.TwoLevel -> c.Values.["theta"].[c.Row1.[row]]
        | ModelStructure.Nested -> c.Values.["eta"].[c.Row2.[row]]
        | ModelStructure.Crossed -> c.Values.["theta"].[c.Row1.[row]] + c.Values.["b"].[c.Row2.[row]]
        | ModelStructure.GammaPoisson -> c.Values.["lambda"].[c.Row1.[row]]
        | ModelStructure.BetaBinomial -> c.Values.["p"].[c.Row1.[row]]

    /// Generates a case: 1–5 levels of g1 and 1–6 of g2 (some g1 levels empty), 0–25 rows.
    let case: Gen<ModelCase> =
        gen {
            let! structure =
                Gen.elements
                    [
                        ModelStructure.TwoLevel
                        ModelStructure.Nested
                        ModelStructure.Crossed
                        ModelStructure.GammaPoisson
                        ModelStructure.BetaBinomial
                    ]

            let! family =
                match structure with
                | ModelStructure.GammaPoisson -> Gen.constant ModelFamily.PoissonObs
                | ModelStructure.BetaBinomial -> Gen.constant ModelFamily.BinomialObs
                | _ ->
                    Gen.elements
                        [
                            ModelFamily.NormalObs
                            ModelFamily.PoissonObs
                            ModelFamily.BinomialObs
                            ModelFamily.GammaObs
                        ]

            let! l1 = Gen.choose (1, 5)
            let! l2 = Gen.choose (1, 6)
            let! parent = Gen.arrayOfLength l2 (Gen.choose (0, l1 - 1))
            let! extra = Gen.choose (0, 20)
            // ModelStructure.Nested g2 levels all have rows (their g1 level is known only from the rows); g1 levels may be empty.
            let! row2 =
                match structure with
                | ModelStructure.Nested ->
                    Gen.arrayOfLength extra (Gen.choose (0, l2 - 1))
                    |> Gen.map (Array.append (Array.init l2 id))
                | _ -> Gen.arrayOfLength extra (Gen.choose (0, l2 - 1))

            let rows = row2.Length
            let! free1 = Gen.arrayOfLength rows (Gen.choose (0, l1 - 1))

            let row1 =
                if structure = ModelStructure.Nested then
                    row2 |> Array.map (fun j -> parent.[j])
                else
                    free1

            let! aux =
                match family with
                | ModelFamily.PoissonObs -> uniforms rows 0.5 3.0
                | ModelFamily.BinomialObs -> Gen.arrayOfLength rows (Gen.choose (1, 20) |> Gen.map float)
                | _ -> Gen.constant (Array.create rows 1.0)

            let! yRaw = uniforms rows 0.0 1.0

            let y =
                match family with
                | ModelFamily.NormalObs -> yRaw |> Array.map (fun u -> 10.0 * u - 5.0)
                | ModelFamily.PoissonObs -> yRaw |> Array.map (fun u -> floor (15.0 * u))
                | ModelFamily.BinomialObs -> Array.map2 (fun u n -> floor (u * (n + 1.0)) |> min n) yRaw aux
                | ModelFamily.GammaObs -> yRaw |> Array.map (fun u -> 0.1 + 5.0 * u)

            let! mu = uniform -2.0 2.0
            let! scales = uniforms 4 0.2 3.0
            let! theta = uniforms l1 -2.0 2.0
            let! eta = uniforms l2 -2.0 2.0
            let! positive1 = uniforms l1 0.1 4.0
            let! unit1 = uniforms l1 0.02 0.98

            let values =
                match structure with
                | ModelStructure.TwoLevel
                | ModelStructure.Nested
                | ModelStructure.Crossed ->
                    [
                        "mu", [| mu |]
                        "tau", [| scales.[0] |]
                        "theta", theta
                        "sigma", [| scales.[2] |]
                    ]
                    @ (if structure = ModelStructure.TwoLevel then
                           []
                       else
                           [
                               "tau2", [| scales.[1] |]
                               (if structure = ModelStructure.Nested then "eta" else "b"), eta
                           ])
                | ModelStructure.GammaPoisson ->
                    [ "alpha", [| scales.[0] |]; "beta", [| scales.[1] |]; "lambda", positive1 ]
                | ModelStructure.BetaBinomial -> [ "alpha", [| scales.[0] |]; "beta", [| scales.[1] |]; "p", unit1 ]

            return
                {
                    Structure = structure
                    Family = family
                    Levels1 = l1
                    Levels2 = l2
                    Parent = parent
                    Row1 = row1
                    Row2 = row2
                    Y = y
                    Aux = aux
                    Values = Map.ofList values
                }
        }

    /// The model of a case, written with the model language.
    let toModel (c: ModelCase) : Model =
        let likelihood (lin: Expr) (sigma: Expr) =
            match c.Family with
            | ModelFamily.NormalObs -> Normal(lin, sigma)
            | ModelFamily.PoissonObs -> Poisson(exp lin, data "aux")
            | ModelFamily.BinomialObs -> Binomial(data "aux", invLogit lin)
            | ModelFamily.GammaObs -> Gamma(sigma, sigma / exp lin)

        match c.Structure with
        | ModelStructure.TwoLevel
        | ModelStructure.Nested
        | ModelStructure.Crossed ->
            model {
                let! mu = sample "mu" (Normal(0.0, 3.0))
                let! tau = sample "tau" (HalfNormal 2.0)
                let! theta = sample "theta" (Normal(mu, tau)) |> over "g1"
                let! sigma = sample "sigma" (Gamma(2.0, 1.0))

                if c.Structure = ModelStructure.TwoLevel then
                    do! observe "y" (likelihood theta.[group "g1"] sigma)
                else
                    let! tau2 = sample "tau2" (HalfCauchy 1.0)

                    if c.Structure = ModelStructure.Nested then
                        let! eta = sample "eta" (Normal(theta.[group "g1"], tau2)) |> over "g2"
                        do! observe "y" (likelihood eta.[group "g2"] sigma)
                    else
                        let! b = sample "b" (Normal(0.0, tau2)) |> over "g2"
                        do! observe "y" (likelihood (theta.[group "g1"] + b.[group "g2"]) sigma)
            }
        | ModelStructure.GammaPoisson ->
            model {
                let! alpha = sample "alpha" (Gamma(2.0, 1.0))
                let! beta = sample "beta" (Exponential 1.0)
                let! lambda = sample "lambda" (Gamma(alpha, beta)) |> over "g1"
                do! observe "y" (Poisson(lambda.[group "g1"], data "aux"))
            }
        | ModelStructure.BetaBinomial ->
            model {
                let! alpha = sample "alpha" (Gamma(2.0, 1.0))
                let! beta = sample "beta" (Gamma(2.0, 0.5))
                let! p = sample "p" (Beta(alpha, beta)) |> over "g1"
                do! observe "y" (Binomial(data "aux", p.[group "g1"]))
            }

    /// The data set of a case: group columns with declared levels (so empty levels exist), y and aux.
    let toData (c: ModelCase) : Dataset =
        let labels prefix n = Array.init n (fun i -> $"{prefix}{i}")
        let levels1, levels2 = labels "a" c.Levels1, labels "b" c.Levels2

        Dataset.empty
        |> Dataset.labelsWithLevels "g1" (c.Row1 |> Array.map (fun l -> levels1.[l])) levels1
        |> Dataset.labelsWithLevels "g2" (c.Row2 |> Array.map (fun l -> levels2.[l])) levels2
        |> Dataset.reals "y" c.Y
        |> Dataset.reals "aux" c.Aux

    /// The constrained state of a case's parameter values under a bound layout.
    let toState (b: Bound) (c: ModelCase) : float[] =
        c.Values
        |> Map.toList
        |> List.map (fun (name, v) ->
            name,
            (if (Bound.node b name).Node.Plate = Plate.Scalar then
                 Value.Scalar v.[0]
             else
                 Value.Vector v))
        |> Layout.ofValues b

    let private halfLn (pdfLn: float) = log 2.0 + pdfLn

    /// The log-likelihood of each row, computed by hand with MathNet.
    let oracleLogLik (c: ModelCase) : float[] =
        let v (name: string) = c.Values.[name].[0]
        let invLogit x = 1.0 / (1.0 + exp -x)

        Array.init c.Y.Length (fun r ->
            let lin = linearPredictor c r
            let y = c.Y.[r]

            match c.Structure, c.Family with
            | ModelStructure.GammaPoisson, _ -> Poisson.PMFLn(lin * c.Aux.[r], int y)
            | ModelStructure.BetaBinomial, _ -> Binomial.PMFLn(lin, int c.Aux.[r], int y)
            | _, ModelFamily.NormalObs -> Normal.PDFLn(lin, v "sigma", y)
            | _, ModelFamily.PoissonObs -> Poisson.PMFLn(exp lin * c.Aux.[r], int y)
            | _, ModelFamily.BinomialObs -> Binomial.PMFLn(invLogit lin, int c.Aux.[r], int y)
            | _, ModelFamily.GammaObs -> Gamma.PDFLn(v "sigma", v "sigma" / exp lin, y))

    /// The log prior of a case, computed by hand with MathNet, looping levels.
    let oracleLogPrior (c: ModelCase) : float =
        let v (name: string) = c.Values.[name].[0]

        let each (name: string) (f: int -> float -> float) =
            c.Values.[name] |> Array.mapi f |> Array.sum

        match c.Structure with
        | ModelStructure.TwoLevel
        | ModelStructure.Nested
        | ModelStructure.Crossed ->
            let common =
                Normal.PDFLn(0.0, 3.0, v "mu")
                + halfLn (Normal.PDFLn(0.0, 2.0, v "tau"))
                + each "theta" (fun _ t -> Normal.PDFLn(v "mu", v "tau", t))
                + Gamma.PDFLn(2.0, 1.0, v "sigma")

            let tau2 () =
                halfLn (Cauchy.PDFLn(0.0, 1.0, v "tau2"))

            match c.Structure with
            | ModelStructure.Nested ->
                common
                + tau2 ()
                + each "eta" (fun j e -> Normal.PDFLn(c.Values.["theta"].[c.Parent.[j]], v "tau2", e))
            | ModelStructure.Crossed -> common + tau2 () + each "b" (fun _ e -> Normal.PDFLn(0.0, v "tau2", e))
            | _ -> common
        | ModelStructure.GammaPoisson ->
            Gamma.PDFLn(2.0, 1.0, v "alpha")
            + Exponential.PDFLn(1.0, v "beta")
            + each "lambda" (fun _ l -> Gamma.PDFLn(v "alpha", v "beta", l))
        | ModelStructure.BetaBinomial ->
            Gamma.PDFLn(2.0, 1.0, v "alpha")
            + Gamma.PDFLn(2.0, 0.5, v "beta")
            + each "p" (fun _ p -> Beta.PDFLn(v "alpha", v "beta", p))

    /// The log joint of a case computed by hand.
    let oracleJoint (c: ModelCase) =
        oracleLogPrior c + Array.sum (oracleLogLik c)

    /// A case with a second random draw of every parameter value, for two-point comparisons.
    let caseWithAlternative: Gen<ModelCase * Map<string, float[]>> =
        gen {
            let! c = case

            let! alt =
                c.Values
                |> Map.toList
                |> List.map (fun (name, v) ->
                    let lo, hi =
                        if name = "theta" || name = "eta" || name = "b" || name = "mu" then
                            -2.0, 2.0
                        elif name = "p" then
                            0.02, 0.98
                        else
                            0.1, 4.0

                    uniforms v.Length lo hi |> Gen.map (fun xs -> name, xs))
                |> Gen.sequenceToList

            return c, Map.ofList alt
        }
