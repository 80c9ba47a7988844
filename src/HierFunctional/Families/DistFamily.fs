namespace HierFunctional

open System
open HierFunctional.Numerics

/// A univariate continuous family's CDF and quantile: what a truncation (BUGS's `T(lower, upper)`) is built from.
/// Arguments are the evaluated scalars in the family's argument order.
type internal Tails =
    {
        /// (log F(x), log(1 − F(x))), each side on its own scale so both stay finite far into the tails.
        LogCdfAndSurvival: float[] -> float -> struct (float * float)
        /// x with F(x) = p (upperTail false) or 1 − F(x) = p (upperTail true).
        Quantile: float[] -> bool -> float -> float
        /// True for the tail whose quantile inverts 1 − p, which has lost p's digits when p is small; the truncation
        /// code then bisects on the log-CDF instead.
        QuantileLosesDigits: bool -> bool
    }

/// A scalar family's log-density as a plain function of its scalar arguments and the value, so a model term can
/// call it without boxing.
[<RequireQualifiedAccess>]
type internal ScalarLogPdf =
    /// No argument (Flat).
    | Zero of (float -> float)
    /// One argument.
    | One of (float -> float -> float)
    /// Two arguments.
    | Two of (float -> float -> float -> float)
    /// Three arguments.
    | Three of (float -> float -> float -> float -> float)

/// Sufficient statistics of n iid copies of a scalar family, so a slice update's blanket costs O(1) per evaluation:
/// `Fill` writes the statistics of the copies into a buffer at an offset (false when a value sits on the support's
/// edge and the generic terms must be used), `Eval` gives the log-density of all copies from them.
type internal SufficientStatistics =
    {
        /// Number of buffer slots the statistics take.
        Width: int
        /// Writes the statistics of the state's copies at the offset; false when they cannot be used.
        Fill: float[] -> float[] -> int -> bool
        /// Σ log p of all copies at the state, from the statistics at the offset.
        Eval: float[] -> float[] -> int -> float
    }

/// Everything the library knows about one distribution, in one place: the interpreters (log-density, forward
/// draws, start values), validation, truncation, the formula priors and the C# facade read this record instead of
/// matching on the `Dist` union. Arguments are values evaluated in `Arguments` order.
type internal DistFamily =
    {
        /// The family name as written in the math (`Normal`, `HalfCauchy`, …).
        Name: string
        /// The parameterization labels of the arguments, in order.
        Arguments: string list
        /// The support, given the argument expressions (only `Uniform` and truncations read them: constant bounds).
        Support: Expr list -> Support
        /// Log-density (log-mass for discrete families); −∞ outside the support or for invalid arguments.
        LogPdf: Value list -> Value -> float
        /// The same log-density as a function of scalars, for univariate families with scalar arguments.
        Scalar: ScalarLogPdf option
        /// True when the value lies in the support for these arguments (counts up to trials, categories below K, …).
        InSupport: Value list -> Value -> bool
        /// One random draw; None for an improper family, which cannot be simulated.
        Draw: (Random -> Value list -> Value) option
        /// Ok, or Error(argument label, problem); the caller has already checked the number of arguments.
        Validate: Value list -> Result<unit, string * string>
        /// A typical value of one copy on the unconstrained scale and a spread per coordinate (start values); None for
        /// a discrete family, whose draws are whole numbers and cannot underflow.
        Anchor: int -> Value list -> (float[] * float[]) option
        /// CDF and quantile for a univariate continuous family; None when the family cannot be truncated.
        Tails: Tails option
        /// Sufficient statistics of n iid copies given `x` (copy r's value) and argument closures of the state, for
        /// the O(1) blankets of slice updates; None when the family has none.
        Sufficient: (int -> (float[] -> int -> float) -> (float[] -> float)[] -> SufficientStatistics) option
        /// `Scalar` with its arguments fixed (`LogPdfFixed`): given constant arguments, the log-density of the value
        /// with the arguments' part computed once (the same values); None when the family has none.
        Fixed: (float[] -> float -> float) option
    }

/// Building blocks for family records: arity, support membership and argument checks.
[<RequireQualifiedAccess>]
module internal DistFamily =

    /// Raises ArgumentException naming the family and its expected number of arguments.
    let wrongArity (name: string) (expected: int) (args: Value list) : 'a =
        invalidArg "args" $"{name} takes {expected} arguments, got {List.length args}."

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
        | Support.Ordinal, Value.Scalar v -> isInteger v && v >= 1.0
        | Support.Ordered, Value.Vector v ->
            Array.forall Double.IsFinite v
            && Seq.forall (fun i -> v.[i] > v.[i - 1]) (seq { 1 .. v.Length - 1 })
        | Support.Covariance, Value.Matrix m -> (tryCholesky m).IsSome
        | Support.CorrelationCholesky, Value.Matrix l -> unitRows l
        | _ -> false

    /// True for supports whose values are integers (observable, but not sampled by the slice fallback).
    let isDiscreteSupport (support: Support) =
        match support with
        | Support.Binary
        | Support.Count
        | Support.BoundedCount
        | Support.Category
        | Support.Ordinal
        | Support.CountVector -> true
        | _ -> false

    /// An argument check that passes.
    let ok: Result<unit, string * string> = Ok()

    /// Ok when `ok` holds, else Error(label, problem).
    let check (label: string) (ok: bool) (problem: string) =
        if ok then Ok() else Error(label, problem)

    /// A scalar argument satisfying `pred`, described as `expected` in the message.
    let scalarArg (label: string) (v: Value) (pred: float -> bool) (expected: string) =
        match v with
        // the message is formatted only on failure: a start checks every group's arguments (10⁷ at J = 10⁷)
        | Value.Scalar x when pred x -> Ok()
        | Value.Scalar x -> Error(label, $"must be {expected}, but was {x}")
        | other -> Error(label, $"must be a number, but was {other}")

    /// A positive finite scalar.
    let positive label v =
        scalarArg label v (fun x -> x > 0.0 && x < infinity) "positive and finite"

    /// A finite scalar.
    let finite label v =
        scalarArg label v Double.IsFinite "finite"

    /// A non-negative finite scalar.
    let nonNegative label v =
        scalarArg label v (fun x -> x >= 0.0 && x < infinity) "non-negative and finite"

    /// A probability in [0, 1].
    let probability label v =
        scalarArg label v (fun x -> x >= 0.0 && x <= 1.0) "a probability in [0, 1]"

    /// A whole number of trials ≥ 0.
    let trials label v =
        scalarArg label v (fun x -> isInteger x && x >= 0.0) "a whole number ≥ 0"

    /// A non-empty probability vector summing to 1.
    let probVector (label: string) (v: Value) =
        match v with
        | Value.Vector p when
            p.Length > 0
            && Array.forall (fun x -> x >= 0.0 && x <= 1.0) p
            && abs (Array.sum p - 1.0) <= 1e-8 * float p.Length
            ->
            Ok()
        | Value.Vector p when p.Length > 0 ->
            Error(label, $"must be non-negative and sum to 1, but sums to {Array.sum p}")
        | other -> Error(label, $"must be a non-empty vector of probabilities, but was {other}")

    /// A symmetric positive-definite matrix.
    let spdMatrix (label: string) (v: Value) =
        match v with
        | Value.Matrix m -> check label (tryCholesky m).IsSome "must be a symmetric positive-definite matrix"
        | other -> Error(label, $"must be a matrix, but was {other}")

    /// The first failing check, or Ok.
    let all (checks: (unit -> Result<unit, string * string>) list) =
        checks
        |> List.fold
            (fun acc c ->
                match acc with
                | Ok() -> c ()
                | e -> e)
            (Ok())

    /// One check per argument, labelled with the argument names, in order.
    let eachArg (labels: string list) (checks: (string -> Value -> Result<unit, string * string>) list) =
        fun (args: Value list) -> all (List.map3 (fun c l a -> fun () -> c l a) checks labels args)

    /// The spread of an unconstrained start coordinate, capped at 1 (NaN, from a degenerate argument, counts as wide).
    let capSpread (s: float) = if s >= 0.0 && s < 1.0 then s else 1.0

    /// A one-coordinate anchor.
    let anchorOne (centre: float) (spread: float) = Some([| centre |], [| spread |])

    /// No anchor (discrete families).
    let noAnchor (_: int) (_: Value list) : (float[] * float[]) option = None

    /// The support a family has whatever its arguments.
    let fixedSupport (s: Support) = fun (_: Expr list) -> s

    /// A univariate family with scalar arguments: its log-density, support membership, validation and draw all read
    /// the same scalars, and a model term calls `scalar` directly.
    let univariate
        (name: string)
        (arguments: string list)
        (support: Support)
        (scalar: ScalarLogPdf)
        (draw: Random -> float[] -> float)
        (checks: (string -> Value -> Result<unit, string * string>) list)
        (anchor: float[] -> (float[] * float[]) option)
        (tails: Tails option)
        : DistFamily =
        let n = List.length arguments

        let scalars (args: Value list) =
            if List.length args <> n then
                wrongArity name n args

            args |> List.map Value.scalar |> Array.ofList

        let logPdf (args: Value list) (x: Value) =
            match scalar, args with
            | ScalarLogPdf.Zero f, [] -> f (Value.scalar x)
            | ScalarLogPdf.One f, [ a ] -> f (Value.scalar a) (Value.scalar x)
            | ScalarLogPdf.Two f, [ a; b ] -> f (Value.scalar a) (Value.scalar b) (Value.scalar x)
            | ScalarLogPdf.Three f, [ a; b; c ] -> f (Value.scalar a) (Value.scalar b) (Value.scalar c) (Value.scalar x)
            | _ -> wrongArity name n args

        {
            Name = name
            Arguments = arguments
            Support = fixedSupport support
            LogPdf = logPdf
            Scalar = Some scalar
            InSupport = fun _ x -> supportContains support x
            Draw = Some(fun rng args -> Value.Scalar(draw rng (scalars args)))
            Validate = eachArg arguments checks
            Anchor = fun _ args -> anchor (scalars args)
            Tails = tails
            Sufficient = None
            Fixed = None
        }
