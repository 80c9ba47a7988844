namespace HierFunctional.Families

open System
open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Numerics

/// The vector- and matrix-valued families and the improper Flat: one record each (LKJ and Flat take their
/// dimension or support as a parameter of the record).
[<RequireQualifiedAccess>]
module internal Multivariate =

    let private wrong (name: string) (n: int) (args: Value list) = DistFamily.wrongArity name n args

    let private two name (args: Value list) =
        match args with
        | [ a; b ] -> a, b
        | _ -> wrong name 2 args

    let private flatMatrix (m: float[,]) =
        Array.init m.Length (fun i -> m.[i / Array2D.length2 m, i % Array2D.length2 m])

    /// Vector values of the first argument's length inside the support.
    let private sameLength (support: Support) (args: Value list) (x: Value) =
        match x with
        | Value.Vector v ->
            v.Length = (Value.vector (List.head args)).Length
            && DistFamily.supportContains support x
        | _ -> false

    /// Dirichlet(concentration).
    let dirichlet: DistFamily =
        {
            Name = "Dirichlet"
            Arguments = [ "concentration" ]
            Support = DistFamily.fixedSupport Support.Simplex
            LogPdf = fun args x -> LogPdf.dirichlet (Value.vector (List.exactlyOne args)) (Value.vector x)
            Scalar = None
            InSupport = sameLength Support.Simplex
            Draw = Some(fun rng args -> Value.Vector(Dirichlet.Sample(rng, Value.vector (List.exactlyOne args))))
            Validate =
                fun args ->
                    match List.head args with
                    | Value.Vector al ->
                        DistFamily.check
                            "concentration"
                            (al.Length >= 2 && Array.forall (fun x -> x > 0.0 && x < infinity) al)
                            "must have ≥ 2 positive finite entries"
                    | other -> Error("concentration", $"must be a vector, but was {other}")
            Anchor =
                fun k args ->
                    let a = Value.vector (List.exactlyOne args)
                    let total = Array.sum a
                    let mean = a |> Array.map (fun ai -> ai / total)

                    Some(
                        Transform.toUnconstrained Support.Simplex k mean,
                        Array.create (k - 1) (DistFamily.capSpread (1.0 / sqrt (Array.min a)))
                    )
            Tails = None
            Sufficient = None
            Fixed = None
        }

    /// Multinomial(trials, probabilities).
    let multinomial: DistFamily =
        {
            Name = "Multinomial"
            Arguments = [ "trials"; "probabilities" ]
            Support = DistFamily.fixedSupport Support.CountVector
            LogPdf =
                fun args x ->
                    let n, p = two "Multinomial" args
                    LogPdf.multinomial (Value.scalar n) (Value.vector p) (Value.vector x)
            Scalar = None
            InSupport =
                fun args x ->
                    match x with
                    | Value.Vector c ->
                        let n, p = two "Multinomial" args

                        c.Length = (Value.vector p).Length
                        && DistFamily.supportContains Support.CountVector x
                        && Array.sum c = Value.scalar n
                    | _ -> false
            Draw =
                Some(fun rng args ->
                    let n, p = two "Multinomial" args
                    Value.Vector(Multinomial.Sample(rng, Value.vector p, int (Value.scalar n)) |> Array.map float))
            Validate = DistFamily.eachArg [ "trials"; "probabilities" ] [ DistFamily.trials; DistFamily.probVector ]
            Anchor = DistFamily.noAnchor
            Tails = None
            Sufficient = None
            Fixed = None
        }

    /// Multivariate normal with mean vector and covariance matrix.
    let mvNormal: DistFamily =
        {
            Name = "MvNormal"
            Arguments = [ "mean"; "covariance" ]
            Support = DistFamily.fixedSupport Support.RealVector
            LogPdf =
                fun args x ->
                    let m, s = two "MvNormal" args
                    LogPdf.mvNormal (Value.vector m) (Value.matrix s) (Value.vector x)
            Scalar = None
            InSupport = sameLength Support.RealVector
            Draw =
                Some(fun rng args ->
                    let m, s = two "MvNormal" args
                    Value.Vector(Samplers.mvNormal rng (Value.vector m) (Value.matrix s)))
            Validate =
                fun args ->
                    match args with
                    | [ Value.Vector m; Value.Matrix s ] when
                        m.Length <> Array2D.length1 s || m.Length <> Array2D.length2 s
                        ->
                        Error(
                            "covariance",
                            $"must be {m.Length}×{m.Length} to match the mean, but is {Array2D.length1 s}×{Array2D.length2 s}"
                        )
                    | [ Value.Vector m; s ] ->
                        DistFamily.all
                            [
                                (fun () -> DistFamily.check "mean" (Array.forall Double.IsFinite m) "must be finite")
                                (fun () -> DistFamily.spdMatrix "covariance" s)
                            ]
                    | other :: _ -> Error("mean", $"must be a vector, but was {other}")
                    | [] -> wrong "MvNormal" 2 args
            Anchor =
                fun k args ->
                    let s = Value.matrix (List.item 1 args)

                    Some(
                        Array.copy (Value.vector (List.item 0 args)),
                        Array.init k (fun i -> DistFamily.capSpread (sqrt s.[i, i]))
                    )
            Tails = None
            Sufficient = None
            Fixed = None
        }

    let private scaledCholeskyArgs (mean: Value) (scales: Value) (l: Value) =
        match mean, scales, l with
        | Value.Vector m, Value.Vector s, Value.Matrix c when
            s.Length = m.Length
            && Array2D.length1 c = m.Length
            && Array2D.length2 c = m.Length
            ->
            DistFamily.all
                [
                    (fun () -> DistFamily.check "mean" (Array.forall Double.IsFinite m) "must be finite")
                    (fun () ->
                        DistFamily.check
                            "scales"
                            (Array.forall (fun v -> v > 0.0 && v < infinity) s)
                            "must be positive and finite")
                    (fun () ->
                        DistFamily.check
                            "corrCholesky"
                            (DistFamily.supportContains Support.CorrelationCholesky l)
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

    let private three name (args: Value list) =
        match args with
        | [ a; b; c ] -> a, b, c
        | _ -> wrong name 3 args

    /// Multivariate normal with covariance diag(scales)·L·Lᵀ·diag(scales).
    let mvNormalCholesky: DistFamily =
        {
            Name = "MvNormalCholesky"
            Arguments = [ "mean"; "scales"; "corrCholesky" ]
            Support = DistFamily.fixedSupport Support.RealVector
            LogPdf =
                fun args x ->
                    let m, sc, l = three "MvNormalCholesky" args
                    LogPdf.mvNormalScaledCholesky (Value.vector m) (Value.vector sc) (Value.matrix l) (Value.vector x)
            Scalar = None
            InSupport = sameLength Support.RealVector
            Draw =
                Some(fun rng args ->
                    let m, sc, l = three "MvNormalCholesky" args

                    Value.Vector(
                        Samplers.mvNormalScaledCholesky rng (Value.vector m) (Value.vector sc) (Value.matrix l)
                    ))
            Validate = fun args -> let m, s, l = three "MvNormalCholesky" args in scaledCholeskyArgs m s l
            Anchor =
                fun _ args ->
                    Some(
                        Array.copy (Value.vector (List.item 0 args)),
                        Value.vector (List.item 1 args) |> Array.map DistFamily.capSpread
                    )
            Tails = None
            Sufficient = None
            Fixed = None
        }

    /// LKJ(eta) on a dim×dim correlation matrix, stored as its lower Cholesky factor.
    let lkjCholesky (dim: int) : DistFamily =
        let eta (args: Value list) =
            match args with
            | [ e ] -> Value.scalar e
            | _ -> wrong "LkjCholesky" 1 args

        {
            Name = "LkjCholesky"
            Arguments = [ "eta" ]
            Support = DistFamily.fixedSupport Support.CorrelationCholesky
            LogPdf =
                fun args x ->
                    let l = Value.matrix x

                    if Array2D.length1 l <> dim then
                        Double.NegativeInfinity
                    else
                        LogPdf.lkjCholesky (eta args) l
            Scalar = None
            InSupport =
                fun _ x ->
                    match x with
                    | Value.Matrix l ->
                        Array2D.length1 l = dim
                        && DistFamily.supportContains Support.CorrelationCholesky x
                    | _ -> false
            Draw = Some(fun rng args -> Value.Matrix(Samplers.lkjCholesky rng dim (eta args)))
            Validate =
                fun args ->
                    DistFamily.all
                        [
                            (fun () -> DistFamily.check "dim" (dim >= 1) $"must be ≥ 1, but was {dim}")
                            (fun () -> DistFamily.positive "eta" (List.head args))
                        ]
            Anchor =
                fun _ args ->
                    let n = dim * (dim - 1) / 2
                    Some(Array.zeroCreate n, Array.create n (min 0.5 (DistFamily.capSpread (1.0 / sqrt (eta args)))))
            Tails = None
            Sufficient = None
            Fixed = None
        }

    let private dofVsScale (nu: Value) (s: Value) =
        match nu, s with
        | Value.Scalar n, Value.Matrix m ->
            let p = Array2D.length1 m
            DistFamily.check "dof" (n > float p - 1.0) $"must exceed dimension − 1 = {p - 1}, but was {n}"
        | _ -> Ok()

    let private wishartLike
        (name: string)
        (logPdf: float -> float[,] -> float[,] -> float)
        (draw: Random -> float -> float[,] -> float[,])
        (typical: float -> float -> float)
        : DistFamily =
        {
            Name = name
            Arguments = [ "dof"; "scale" ]
            Support = DistFamily.fixedSupport Support.Covariance
            LogPdf =
                fun args x ->
                    let nu, s = two name args
                    logPdf (Value.scalar nu) (Value.matrix s) (Value.matrix x)
            Scalar = None
            InSupport =
                fun args x ->
                    match x with
                    | Value.Matrix m ->
                        Array2D.length1 m = Array2D.length1 (Value.matrix (List.last args))
                        && DistFamily.supportContains Support.Covariance x
                    | _ -> false
            Draw =
                Some(fun rng args ->
                    let nu, s = two name args
                    Value.Matrix(draw rng (Value.scalar nu) (Value.matrix s)))
            Validate =
                fun args ->
                    let nu, s = two name args

                    DistFamily.all
                        [
                            (fun () -> DistFamily.positive "dof" nu)
                            (fun () -> DistFamily.spdMatrix "scale" s)
                            (fun () -> dofVsScale nu s)
                        ]
            Anchor =
                fun k args ->
                    let nu = Value.scalar (List.item 0 args)
                    let s = Value.matrix (List.item 1 args) |> flatMatrix

                    let centre =
                        Transform.toUnconstrained Support.Covariance k (s |> Array.map (typical nu))

                    Some(centre, Array.create centre.Length (DistFamily.capSpread (sqrt (2.0 / nu))))
            Tails = None
            Sufficient = None
            Fixed = None
        }

    /// Wishart(dof, scale).
    let wishart: DistFamily =
        wishartLike "Wishart" LogPdf.wishart Samplers.wishart (fun nu v -> nu * v)

    /// Inverse-Wishart(dof, scale).
    let inverseWishart: DistFamily =
        wishartLike "InverseWishart" LogPdf.inverseWishart Samplers.inverseWishart (fun nu v -> v / nu)

    /// An improper flat density on a support: 0 inside it, −∞ outside; it has no draw.
    let flat (support: Support) : DistFamily =
        {
            Name = "Flat"
            Arguments = []
            Support = DistFamily.fixedSupport support
            LogPdf =
                fun _ x ->
                    if DistFamily.supportContains support x then
                        0.0
                    else
                        Double.NegativeInfinity
            // the same support test as LogPdf, without boxing the value (block slices of Flat priors)
            Scalar =
                match support with
                | Support.Real -> Some(fun (v: float) -> Double.IsFinite v)
                | Support.Positive -> Some(fun v -> v >= 0.0 && v < Double.PositiveInfinity)
                | Support.UnitInterval -> Some(fun v -> v >= 0.0 && v <= 1.0)
                | Support.Interval(a, b) -> Some(fun v -> v >= a && v <= b)
                | _ -> None
                |> Option.map (fun inside ->
                    ScalarLogPdf.Zero(fun x -> if inside x then 0.0 else Double.NegativeInfinity))
            InSupport = fun _ x -> DistFamily.supportContains support x
            Draw = None
            Validate = fun _ -> Ok()
            Anchor =
                fun k _ ->
                    Some(
                        Array.zeroCreate (Transform.unconstrainedSize support k),
                        Array.create (Transform.unconstrainedSize support k) 1.0
                    )
            Tails = None
            Sufficient = None
            Fixed = None
        }
