namespace HierFunctional

open System

/// Log-density, support, argument checks and random draws for any `Dist`, given its evaluated arguments
/// (`Dist.arguments` order), read from its `DistFamily` record. Scalars are `Value.Scalar`, probability/concentration/
/// mean vectors and count vectors `Value.Vector`, covariance/scale matrices and LKJ Cholesky factors `Value.Matrix`.
[<RequireQualifiedAccess>]
module Density =

    /// True when x has the shape of the support and lies in it (closed at finite boundaries: [0, ∞), [0, 1]).
    /// Simplex sums must be within 1e-8 of 1; Cholesky rows within 1e-8 of unit norm; covariances must be symmetric
    /// positive definite.
    let supportContains (support: Support) (x: Value) : bool = DistFamily.supportContains support x

    /// Log-density of x (log-mass for discrete families); −∞ outside the support or for invalid arguments
    /// (see `LogPdf`). `Flat` gives 0 inside its support. A truncation subtracts the log of the parent's mass
    /// within its bounds. Raises ArgumentException for wrongly shaped values.
    let logPdf (dist: Dist) (args: Value list) (x: Value) : float = (Dist.family dist).LogPdf args x

    /// True when x lies in the support of the distribution with these arguments (bounded counts up to trials,
    /// categories below K, count vectors summing to trials, unit-norm Cholesky rows of the right size).
    let inSupport (dist: Dist) (args: Value list) (x: Value) : bool = (Dist.family dist).InSupport args x

    /// A draw function for the family, or ModelException (Unsupported) for `Flat`, which is improper and cannot be
    /// simulated.
    let sampler (dist: Dist) : Random -> Value list -> Value =
        let f = Dist.family dist

        match f.Draw with
        | Some draw -> draw
        | None ->
            raise (
                ModelException(
                    ModelError.Unsupported(
                        f.Name,
                        "drawing from an improper flat prior (it cannot be simulated; give the node a proper prior to simulate it)"
                    )
                )
            )

    /// One random draw (discrete families give whole-number floats) using MathNet's samplers where it has them;
    /// Binomial/BetaBinomial accept any whole number of trials and Poisson any mean (see `Samplers`); Multinomial
    /// trials must fit in an int. Raises ModelException (Unsupported) for `Flat`, which is improper and cannot be
    /// simulated; invalid arguments raise ArgumentException (from MathNet) — check them with `validArgs` first.
    let draw (rng: Random) (dist: Dist) (args: Value list) : Value = sampler dist rng args

    /// `validArgs dist` with the family looked up once, for checking the arguments of many copies.
    let internal argsValidator (dist: Dist) : Value list -> Result<unit, string * string> =
        let f = Dist.family dist

        fun args ->
            if List.length f.Arguments <> List.length args then
                Error("arguments", $"{f.Name} takes {List.length f.Arguments} arguments, got {List.length args}")
            else
                f.Validate args

    /// Checks the evaluated arguments: Ok, or Error(argument label, problem), e.g. ("sd", "must be positive and
    /// finite, but was -1"). Covers wrong arity and shapes, scales ≤ 0, probabilities outside [0, 1], probability
    /// vectors not summing to 1, non-positive-definite matrices and dimension mismatches.
    let validArgs (dist: Dist) (args: Value list) : Result<unit, string * string> = argsValidator dist args
