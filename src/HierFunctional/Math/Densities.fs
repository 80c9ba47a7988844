namespace HierFunctional

open System
open MathNet.Numerics.Distributions
open HierFunctional.Numerics

/// Log-density, support, argument checks and random draws for any `Dist`, given its evaluated arguments
/// (`Dist.arguments` order). Scalars are `Value.Scalar`, probability/concentration/mean vectors and count vectors
/// `Value.Vector`, covariance/scale matrices and LKJ Cholesky factors `Value.Matrix`.
[<RequireQualifiedAccess>]
module Density =

    let private unitRows (l: float[,]) =
        let k = Array2D.length1 l

        Array2D.length2 l = k
        && Seq.forall
            (fun i ->
                let norm = Seq.sum (seq { for j in 0 .. k - 1 -> l.[i, j] * l.[i, j] })

                l.[i, i] > 0.0
                && abs (norm - 1.0) <= 1e-8
                && Seq.forall (fun j -> l.[i, j] = 0.0) (seq { i + 1 .. k - 1 }))
            (seq { 0 .. k - 1 })

    /// True when x has the shape of the support and lies in it (closed at finite boundaries: [0, ∞), [0, 1]).
    /// Simplex sums must be within 1e-8 of 1; Cholesky rows within 1e-8 of unit norm; covariances must be symmetric
    /// positive definite.
    let supportContains (support: Support) (x: Value) : bool =
        match support, x with
        | Support.Real, Value.Scalar v -> Double.IsFinite v
        | Support.Positive, Value.Scalar v -> v >= 0.0 && v < Double.PositiveInfinity
        | Support.UnitInterval, Value.Scalar v -> v >= 0.0 && v <= 1.0
        | Support.Interval(a, b), Value.Scalar v -> v >= a && v <= b
        | Support.Binary, Value.Scalar v -> v = 0.0 || v = 1.0
        | (Support.Count | Support.BoundedCount | Support.Category), Value.Scalar v -> isInteger v && v >= 0.0
        | Support.CountVector, Value.Vector c -> c |> Array.forall (fun v -> isInteger v && v >= 0.0)
        | Support.Simplex, Value.Vector p ->
            p.Length > 0
            && Array.forall (fun v -> v >= 0.0 && v <= 1.0) p
            && abs (Array.sum p - 1.0) <= 1e-8
        | Support.RealVector, Value.Vector v -> Array.forall Double.IsFinite v
        | Support.Covariance, Value.Matrix m -> (tryCholesky m).IsSome
        | Support.CorrelationCholesky, Value.Matrix l -> unitRows l
        | _ -> false

    let private wrongArity (dist: Dist) (args: Value list) =
        invalidArg
            "args"
            $"{Dist.name dist} takes {List.length (Dist.arguments dist)} arguments, got {List.length args}."

    let private s1 dist args =
        match args with
        | [ a ] -> Value.scalar a
        | _ -> wrongArity dist args

    let private s2 dist args =
        match args with
        | [ a; b ] -> Value.scalar a, Value.scalar b
        | _ -> wrongArity dist args

    let private arg2 dist args =
        match args with
        | [ a; b ] -> a, b
        | _ -> wrongArity dist args

    /// A truncation's parent arguments and bounds (−∞ / ∞ for a missing one), split from its flat argument list.
    let private truncationArgs (dist: Dist) (inner: Dist) (args: Value list) =
        let n = List.length (Dist.arguments inner)

        if List.length args < n then
            wrongArity dist args

        let parent = List.take n args
        let bounds = List.skip n args |> List.map Value.scalar

        let lower, upper =
            match dist, bounds with
            | Dist.Truncated(_, Some _, Some _), [ l; u ] -> l, u
            | Dist.Truncated(_, Some _, None), [ l ] -> l, infinity
            | Dist.Truncated(_, None, Some _), [ u ] -> -infinity, u
            | Dist.Truncated(_, None, None), [] -> -infinity, infinity
            | _ -> wrongArity dist args

        parent, lower, upper

    /// Log-density of x (log-mass for discrete families); −∞ outside the support or for invalid arguments
    /// (see `LogPdf`). `Flat` gives 0 inside its support. A truncation subtracts the log of the parent's mass
    /// within its bounds. Raises ArgumentException for wrongly shaped values.
    let rec logPdf (dist: Dist) (args: Value list) (x: Value) : float =
        match dist with
        | Dist.Truncated(inner, _, _) ->
            let parent, lower, upper = truncationArgs dist inner args
            let v = Value.scalar x

            if not (v >= lower && v <= upper) then
                Double.NegativeInfinity
            else
                let logMass =
                    Truncation.logMass inner (parent |> List.map Value.scalar |> Array.ofList) lower upper

                if Double.IsNegativeInfinity logMass || Double.IsNaN logMass then
                    Double.NegativeInfinity
                else
                    logPdf inner parent x - logMass
        | Dist.Normal _ -> let m, s = s2 dist args in LogPdf.normal m s (Value.scalar x)
        | Dist.StudentT _ ->
            match args with
            | [ nu; m; s ] -> LogPdf.studentT (Value.scalar nu) (Value.scalar m) (Value.scalar s) (Value.scalar x)
            | _ -> wrongArity dist args
        | Dist.Cauchy _ -> let m, s = s2 dist args in LogPdf.cauchy m s (Value.scalar x)
        | Dist.HalfNormal _ -> LogPdf.halfNormal (s1 dist args) (Value.scalar x)
        | Dist.HalfCauchy _ -> LogPdf.halfCauchy (s1 dist args) (Value.scalar x)
        | Dist.HalfStudentT _ -> let nu, s = s2 dist args in LogPdf.halfStudentT nu s (Value.scalar x)
        | Dist.Uniform _ -> let a, b = s2 dist args in LogPdf.uniform a b (Value.scalar x)
        | Dist.Exponential _ -> LogPdf.exponential (s1 dist args) (Value.scalar x)
        | Dist.Gamma _ -> let a, b = s2 dist args in LogPdf.gamma a b (Value.scalar x)
        | Dist.InverseGamma _ -> let a, b = s2 dist args in LogPdf.inverseGamma a b (Value.scalar x)
        | Dist.LogNormal _ -> let m, s = s2 dist args in LogPdf.logNormal m s (Value.scalar x)
        | Dist.Beta _ -> let a, b = s2 dist args in LogPdf.beta a b (Value.scalar x)
        | Dist.Bernoulli _ -> LogPdf.bernoulli (s1 dist args) (Value.scalar x)
        | Dist.Binomial _ -> let n, p = s2 dist args in LogPdf.binomial n p (Value.scalar x)
        | Dist.BetaBinomial _ ->
            match args with
            | [ n; a; b ] -> LogPdf.betaBinomial (Value.scalar n) (Value.scalar a) (Value.scalar b) (Value.scalar x)
            | _ -> wrongArity dist args
        | Dist.Poisson _ -> let r, e = s2 dist args in LogPdf.poisson r e (Value.scalar x)
        | Dist.NegativeBinomial _ -> let m, phi = s2 dist args in LogPdf.negativeBinomial m phi (Value.scalar x)
        | Dist.SpikeAndSlab _ -> let w, s = s2 dist args in LogPdf.spikeAndSlab w s (Value.scalar x)
        | Dist.Categorical _ -> LogPdf.categorical (Value.vector (List.exactlyOne args)) (Value.scalar x)
        | Dist.Dirichlet _ -> LogPdf.dirichlet (Value.vector (List.exactlyOne args)) (Value.vector x)
        | Dist.Multinomial _ ->
            let n, p = arg2 dist args
            LogPdf.multinomial (Value.scalar n) (Value.vector p) (Value.vector x)
        | Dist.MvNormal _ ->
            let m, s = arg2 dist args
            LogPdf.mvNormal (Value.vector m) (Value.matrix s) (Value.vector x)
        | Dist.MvNormalCholesky _ ->
            match args with
            | [ m; sc; l ] ->
                LogPdf.mvNormalScaledCholesky (Value.vector m) (Value.vector sc) (Value.matrix l) (Value.vector x)
            | _ -> wrongArity dist args
        | Dist.LkjCholesky(dim, _) ->
            let l = Value.matrix x

            if Array2D.length1 l <> dim then
                Double.NegativeInfinity
            else
                LogPdf.lkjCholesky (s1 dist args) l
        | Dist.Wishart _ ->
            let nu, s = arg2 dist args
            LogPdf.wishart (Value.scalar nu) (Value.matrix s) (Value.matrix x)
        | Dist.InverseWishart _ ->
            let nu, s = arg2 dist args
            LogPdf.inverseWishart (Value.scalar nu) (Value.matrix s) (Value.matrix x)
        | Dist.Flat support ->
            if supportContains support x then
                0.0
            else
                Double.NegativeInfinity

    /// True when x lies in the support of the distribution with these arguments (bounded counts up to trials,
    /// categories below K, count vectors summing to trials, unit-norm Cholesky rows of the right size).
    let rec inSupport (dist: Dist) (args: Value list) (x: Value) : bool =
        match dist, x with
        | Dist.Truncated(inner, _, _), Value.Scalar v ->
            let parent, lower, upper = truncationArgs dist inner args
            v >= lower && v <= upper && inSupport inner parent x
        | Dist.Uniform _, Value.Scalar v -> let a, b = s2 dist args in v >= a && v <= b
        | (Dist.Binomial _ | Dist.BetaBinomial _), Value.Scalar v ->
            isInteger v && v >= 0.0 && v <= Value.scalar (List.head args)
        | Dist.Categorical _, Value.Scalar v ->
            isInteger v
            && v >= 0.0
            && v < float (Value.vector (List.exactlyOne args)).Length
        | Dist.Multinomial _, Value.Vector c ->
            let n, p = arg2 dist args

            c.Length = (Value.vector p).Length
            && supportContains Support.CountVector x
            && Array.sum c = Value.scalar n
        | (Dist.Dirichlet _ | Dist.MvNormal _ | Dist.MvNormalCholesky _), Value.Vector v ->
            v.Length = (Value.vector (List.head args)).Length
            && supportContains (Dist.support dist) x
        | Dist.LkjCholesky(dim, _), Value.Matrix l ->
            Array2D.length1 l = dim && supportContains Support.CorrelationCholesky x
        | (Dist.Wishart _ | Dist.InverseWishart _), Value.Matrix m ->
            Array2D.length1 m = Array2D.length1 (Value.matrix (List.last args))
            && supportContains Support.Covariance x
        | Dist.SpikeAndSlab _, Value.Scalar v -> Double.IsFinite v
        | _ -> supportContains (Dist.support dist) x

    let private flatError () =
        raise (
            ModelException(
                ModelError.Unsupported(
                    "Flat",
                    "drawing from an improper flat prior (it cannot be simulated; give the node a proper prior to simulate it)"
                )
            )
        )

    /// One random draw (discrete families give whole-number floats) using MathNet's samplers where it has them;
    /// Binomial/BetaBinomial accept any whole number of trials and Poisson any mean (see `Samplers`); Multinomial
    /// trials must fit in an int. Raises ModelException (Unsupported) for `Flat`, which is improper and cannot be
    /// simulated; invalid arguments raise ArgumentException (from MathNet) — check them with `validArgs` first.
    let draw (rng: Random) (dist: Dist) (args: Value list) : Value =
        let sc v = Value.Scalar v

        match dist with
        | Dist.Truncated(inner, _, _) ->
            let parent, lower, upper = truncationArgs dist inner args

            let x =
                Truncation.draw rng inner (parent |> List.map Value.scalar |> Array.ofList) lower upper

            // inversion can round onto an open boundary of the parent's support; keep the draw inside it
            sc (
                match Dist.support inner with
                | Support.Positive -> Numerics.positive x
                | Support.UnitInterval -> Numerics.unitOpen x
                | _ -> x
            )
        | Dist.Normal _ -> let m, s = s2 dist args in sc (Normal.Sample(rng, m, s))
        | Dist.StudentT _ ->
            match List.map Value.scalar args with
            | [ nu; m; s ] -> sc (StudentT.Sample(rng, m, s, nu))
            | _ -> wrongArity dist args
        | Dist.Cauchy _ -> let m, s = s2 dist args in sc (Cauchy.Sample(rng, m, s))
        | Dist.HalfNormal _ -> sc (abs (Normal.Sample(rng, 0.0, s1 dist args)))
        | Dist.HalfCauchy _ -> sc (abs (Cauchy.Sample(rng, 0.0, s1 dist args)))
        | Dist.HalfStudentT _ -> let nu, s = s2 dist args in sc (abs (StudentT.Sample(rng, 0.0, s, nu)))
        | Dist.Uniform _ -> let a, b = s2 dist args in sc (ContinuousUniform.Sample(rng, a, b))
        | Dist.Exponential _ -> sc (Exponential.Sample(rng, s1 dist args))
        | Dist.Gamma _ -> let a, b = s2 dist args in sc (Numerics.positive (Gamma.Sample(rng, a, b)))
        | Dist.InverseGamma _ -> let a, b = s2 dist args in sc (InverseGamma.Sample(rng, a, b))
        | Dist.LogNormal _ -> let m, s = s2 dist args in sc (LogNormal.Sample(rng, m, s))
        | Dist.Beta _ -> let a, b = s2 dist args in sc (Numerics.unitOpen (Beta.Sample(rng, a, b)))
        | Dist.Bernoulli _ -> sc (float (Bernoulli.Sample(rng, s1 dist args)))
        | Dist.Binomial _ -> let n, p = s2 dist args in sc (Samplers.binomial rng n p)
        | Dist.BetaBinomial _ ->
            match List.map Value.scalar args with
            | [ n; a; b ] -> sc (Samplers.betaBinomial rng n a b)
            | _ -> wrongArity dist args
        | Dist.Poisson _ -> let r, e = s2 dist args in sc (Samplers.poisson rng (r * e))
        | Dist.NegativeBinomial _ ->
            let m, phi = s2 dist args
            sc (Samplers.negativeBinomial rng m phi)
        | Dist.SpikeAndSlab _ ->
            let w, s = s2 dist args

            sc (
                if rng.NextDouble() < w then
                    0.0
                else
                    Normal.Sample(rng, 0.0, s)
            )
        | Dist.Categorical _ -> sc (float (Categorical.Sample(rng, Value.vector (List.exactlyOne args))))
        | Dist.Dirichlet _ -> Value.Vector(Dirichlet.Sample(rng, Value.vector (List.exactlyOne args)))
        | Dist.Multinomial _ ->
            let n, p = arg2 dist args
            Value.Vector(Multinomial.Sample(rng, Value.vector p, int (Value.scalar n)) |> Array.map float)
        | Dist.MvNormal _ ->
            let m, s = arg2 dist args
            Value.Vector(Samplers.mvNormal rng (Value.vector m) (Value.matrix s))
        | Dist.MvNormalCholesky _ ->
            match args with
            | [ m; sc; l ] ->
                Value.Vector(Samplers.mvNormalScaledCholesky rng (Value.vector m) (Value.vector sc) (Value.matrix l))
            | _ -> wrongArity dist args
        | Dist.LkjCholesky(dim, _) -> Value.Matrix(Samplers.lkjCholesky rng dim (s1 dist args))
        | Dist.Wishart _ ->
            let nu, s = arg2 dist args
            Value.Matrix(Samplers.wishart rng (Value.scalar nu) (Value.matrix s))
        | Dist.InverseWishart _ ->
            let nu, s = arg2 dist args
            Value.Matrix(Samplers.inverseWishart rng (Value.scalar nu) (Value.matrix s))
        | Dist.Flat _ -> flatError ()

    let private check (label: string) (ok: bool) (problem: string) =
        if ok then Ok() else Error(label, problem)

    let private scalarArg (label: string) (v: Value) (pred: float -> bool) (expected: string) =
        match v with
        | Value.Scalar x -> check label (pred x) $"must be {expected}, but was {x}"
        | other -> Error(label, $"must be a number, but was {other}")

    let private positive label v =
        scalarArg label v (fun x -> x > 0.0 && x < infinity) "positive and finite"

    let private finite label v =
        scalarArg label v Double.IsFinite "finite"

    let private probability label v =
        scalarArg label v (fun x -> x >= 0.0 && x <= 1.0) "a probability in [0, 1]"

    let private trials label v =
        scalarArg label v (fun x -> isInteger x && x >= 0.0) "a whole number ≥ 0"

    let private probVector (label: string) (v: Value) =
        match v with
        | Value.Vector p when p.Length > 0 ->
            check
                label
                (Array.forall (fun x -> x >= 0.0 && x <= 1.0) p
                 && abs (Array.sum p - 1.0) <= 1e-8 * float p.Length)
                $"must be non-negative and sum to 1, but sums to {Array.sum p}"
        | other -> Error(label, $"must be a non-empty vector of probabilities, but was {other}")

    let private spdMatrix (label: string) (v: Value) =
        match v with
        | Value.Matrix m -> check label (tryCholesky m).IsSome "must be a symmetric positive-definite matrix"
        | other -> Error(label, $"must be a matrix, but was {other}")

    let private all (checks: (unit -> Result<unit, string * string>) list) =
        checks
        |> List.fold
            (fun acc c ->
                match acc with
                | Ok() -> c ()
                | e -> e)
            (Ok())

    let private dofVsScale (nu: Value) (s: Value) =
        match nu, s with
        | Value.Scalar n, Value.Matrix m ->
            let p = Array2D.length1 m
            check "dof" (n > float p - 1.0) $"must exceed dimension − 1 = {p - 1}, but was {n}"
        | _ -> Ok()

    let private scaledCholeskyArgs (mean: Value) (scales: Value) (l: Value) =
        match mean, scales, l with
        | Value.Vector m, Value.Vector s, Value.Matrix c when
            s.Length = m.Length
            && Array2D.length1 c = m.Length
            && Array2D.length2 c = m.Length
            ->
            all
                [
                    (fun () -> check "mean" (Array.forall Double.IsFinite m) "must be finite")
                    (fun () ->
                        check
                            "scales"
                            (Array.forall (fun v -> v > 0.0 && v < infinity) s)
                            "must be positive and finite")
                    (fun () ->
                        check
                            "corrCholesky"
                            (supportContains Support.CorrelationCholesky l)
                            "must be lower triangular with a positive diagonal and unit-norm rows")
                ]
        | Value.Vector m, Value.Vector s, Value.Matrix c ->
            Error(
                "scales",
                $"scales (length {s.Length}) and corrCholesky ({Array2D.length1 c}×{Array2D.length2 c}) must match the mean's length {m.Length}"
            )
        | Value.Vector _, Value.Vector _, other -> Error("corrCholesky", $"must be a matrix, but was {other}")
        | Value.Vector _, other, _ -> Error("scales", $"must be a vector, but was {other}")
        | other, _, _ -> Error("mean", $"must be a vector, but was {other}")

    /// Checks the evaluated arguments: Ok, or Error(argument label, problem), e.g. ("sd", "must be positive and
    /// finite, but was -1"). Covers wrong arity and shapes, scales ≤ 0, probabilities outside [0, 1], probability
    /// vectors not summing to 1, non-positive-definite matrices and dimension mismatches.
    let rec validArgs (dist: Dist) (args: Value list) : Result<unit, string * string> =
        let labels = Dist.arguments dist |> List.map fst

        if List.length labels <> List.length args then
            Error("arguments", $"{Dist.name dist} takes {List.length labels} arguments, got {List.length args}")
        else
            let a i = List.item i args
            let c f i = fun () -> f (List.item i labels) (a i)

            match dist with
            | Dist.Normal _
            | Dist.Cauchy _
            | Dist.LogNormal _ -> all [ c finite 0; c positive 1 ]
            | Dist.StudentT _ -> all [ c positive 0; c finite 1; c positive 2 ]
            | Dist.HalfNormal _
            | Dist.HalfCauchy _
            | Dist.Exponential _ -> all [ c positive 0 ]
            | Dist.HalfStudentT _
            | Dist.Gamma _
            | Dist.InverseGamma _
            | Dist.Beta _ -> all [ c positive 0; c positive 1 ]
            | Dist.Uniform _ ->
                all
                    [
                        c finite 0
                        c finite 1
                        fun () -> check "upper" (Value.scalar (a 1) > Value.scalar (a 0)) "must exceed lower"
                    ]
            | Dist.Bernoulli _ -> all [ c probability 0 ]
            | Dist.Binomial _ -> all [ c trials 0; c probability 1 ]
            | Dist.BetaBinomial _ -> all [ c trials 0; c positive 1; c positive 2 ]
            | Dist.Poisson _ ->
                let nonNeg l v =
                    scalarArg l v (fun x -> x >= 0.0 && x < infinity) "non-negative and finite"

                all [ c nonNeg 0; c nonNeg 1 ]
            | Dist.NegativeBinomial _ ->
                all
                    [
                        c (fun l v -> scalarArg l v (fun x -> x >= 0.0 && x < infinity) "non-negative and finite") 0
                        c positive 1
                    ]
            | Dist.SpikeAndSlab _ -> all [ c probability 0; c positive 1 ]
            | Dist.Categorical _ -> all [ c probVector 0 ]
            | Dist.Dirichlet _ ->
                match a 0 with
                | Value.Vector al ->
                    check
                        "concentration"
                        (al.Length >= 2 && Array.forall (fun x -> x > 0.0 && x < infinity) al)
                        "must have ≥ 2 positive finite entries"
                | other -> Error("concentration", $"must be a vector, but was {other}")
            | Dist.Multinomial _ -> all [ c trials 0; c probVector 1 ]
            | Dist.MvNormal _ ->
                match a 0, a 1 with
                | Value.Vector m, Value.Matrix s when m.Length <> Array2D.length1 s || m.Length <> Array2D.length2 s ->
                    Error(
                        "covariance",
                        $"must be {m.Length}×{m.Length} to match the mean, but is {Array2D.length1 s}×{Array2D.length2 s}"
                    )
                | Value.Vector m, _ ->
                    all
                        [
                            (fun () -> check "mean" (Array.forall Double.IsFinite m) "must be finite")
                            c spdMatrix 1
                        ]
                | other, _ -> Error("mean", $"must be a vector, but was {other}")
            | Dist.MvNormalCholesky _ -> scaledCholeskyArgs (a 0) (a 1) (a 2)
            | Dist.LkjCholesky(dim, _) ->
                all
                    [
                        (fun () -> check "dim" (dim >= 1) $"must be ≥ 1, but was {dim}")
                        c positive 0
                    ]
            | Dist.Wishart _
            | Dist.InverseWishart _ -> all [ c positive 0; c spdMatrix 1; (fun () -> dofVsScale (a 0) (a 1)) ]
            | Dist.Flat _ -> Ok()
            | Dist.Truncated(inner, _, _) ->
                let parent, lower, upper = truncationArgs dist inner args

                if not (Dist.isTruncatable inner) then
                    Error("dist", $"{Dist.name inner} cannot be truncated; only univariate continuous families can")
                else
                    match validArgs inner parent with
                    | Error e -> Error e
                    | Ok() when Double.IsNaN lower || Double.IsNaN upper ->
                        Error("lower/upper", "truncation bounds must be numbers, but one was NaN")
                    | Ok() when not (lower < upper) ->
                        Error("upper", $"must exceed lower, but the bounds were [{lower}, {upper}]")
                    | Ok() ->
                        let logMass =
                            Truncation.logMass inner (parent |> List.map Value.scalar |> Array.ofList) lower upper

                        check
                            "lower/upper"
                            (logMass > Double.NegativeInfinity)
                            $"{Dist.name inner} puts no mass in [{lower}, {upper}]"
