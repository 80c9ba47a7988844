namespace HierFunctional.Inference

open System
open MathNet.Numerics.Distributions

/// The outcome of one slice-sampling update.
[<Struct>]
type SliceResult =
    {
        /// The new point.
        Value: float
        /// The log density at the new point (always finite).
        LogDensity: float
        /// How many times the log density was evaluated.
        Evaluations: int
    }

/// Warm-up state for adapting the slice width: the current width and the running mean of |x_new − x_old|.
[<Struct>]
type SliceWidth =
    {
        /// The initial interval width w.
        Width: float
        /// Updates seen so far.
        Updates: int
        /// Sum of absolute jumps |x_new − x_old| so far.
        SumAbsJump: float
    }

/// Univariate slice sampling (Neal 2003) on the real line.
[<RequireQualifiedAccess>]
module Slice =

    /// The cap on shrinkage steps; reaching it (only possible for a numerically degenerate slice) keeps x0.
    let private maxShrinks = 1000

    /// One slice update from x0 when its log density f0 is already known (Neal 2003: Fig. 3 stepping out with at most
    /// `maxSteps` steps of width `width`, then Fig. 5 shrinkage); the evaluation count excludes x0. The slice level is
    /// f0 − Exp(1), so every accepted point has a finite log density above it; −∞ and NaN regions bound the interval.
    let stepFrom
        (rng: Random)
        (logDensity: float -> float)
        (width: float)
        (maxSteps: int)
        (x0: float)
        (f0: float)
        : SliceResult =
        if not (width > 0.0 && Double.IsFinite width) then
            invalidArg "width" $"width must be positive and finite, but was {width}."

        if maxSteps < 1 then
            invalidArg "maxSteps" $"maxSteps must be at least 1, but was {maxSteps}."

        if not (Double.IsFinite f0) then
            invalidArg "x0" $"the starting point {x0} has log density {f0}; slice sampling needs a finite start."

        let level = f0 - Exponential.Sample(rng, 1.0)
        let mutable evals = 0
        let mutable left = x0 - width * rng.NextDouble()
        let mutable right = left + width
        let mutable j = int (floor (float maxSteps * rng.NextDouble()))
        let mutable k = maxSteps - 1 - j
        // `level < f` is false for NaN, so NaN and −∞ both stop the stepping out and are rejected while shrinking
        while j > 0
              && (evals <- evals + 1
                  level < logDensity left) do
            left <- left - width
            j <- j - 1

        while k > 0
              && (evals <- evals + 1
                  level < logDensity right) do
            right <- right + width
            k <- k - 1

        let mutable result = ValueNone
        let mutable shrinks = 0

        while result.IsNone do
            let x1 = left + (right - left) * rng.NextDouble()
            let f1 = logDensity x1
            evals <- evals + 1
            shrinks <- shrinks + 1

            if level < f1 && Double.IsFinite f1 then
                result <-
                    ValueSome
                        {
                            Value = x1
                            LogDensity = f1
                            Evaluations = evals
                        }
            elif shrinks >= maxShrinks then
                result <-
                    ValueSome
                        {
                            Value = x0
                            LogDensity = f0
                            Evaluations = evals
                        }
            elif x1 < x0 then
                left <- x1
            else
                right <- x1

        result.Value

    /// One slice update from x0 of the log density `logDensity` over the real line (see `stepFrom`); the evaluation
    /// count includes the evaluation at x0. Throws if the log density at x0 is not finite.
    let step (rng: Random) (logDensity: float -> float) (width: float) (maxSteps: int) (x0: float) : SliceResult =
        let s = stepFrom rng logDensity width maxSteps x0 (logDensity x0)

        { s with
            Evaluations = s.Evaluations + 1
        }

    /// Initial adaptation state with a starting width.
    let initialWidth (width: float) : SliceWidth =
        if not (width > 0.0 && Double.IsFinite width) then
            invalidArg "width" $"width must be positive and finite, but was {width}."

        {
            Width = width
            Updates = 0
            SumAbsJump = 0.0
        }

    /// Warm-up adaptation (JAGS-style): after each update record |x_new − x_old|; from the 10th update on the width is
    /// twice the mean absolute jump (a jump of a well-tuned slice is about half the interval). Use only during warm-up,
    /// then freeze the width so the chain is a fixed Markov kernel.
    let adaptWidth (state: SliceWidth) (previous: float) (current: float) : SliceWidth =
        let n = state.Updates + 1
        let sum = state.SumAbsJump + abs (current - previous)

        let w =
            if n >= 10 && sum > 0.0 then
                2.0 * sum / float n
            else
                state.Width

        {
            Width = w
            Updates = n
            SumAbsJump = sum
        }
