namespace HierFunctional

open System

/// The highest-density interval of one scalar.
type HdiRow =
    {
        /// Scalar name.
        Name: string
        /// Its group label, or null when the posterior carries none.
        Label: string
        /// Lower end of the shortest interval holding the mass.
        Lower: float
        /// Upper end.
        Upper: float
    }

/// Highest-density intervals: per scalar, the shortest interval that contains a given share of the draws (as R's
/// HDInterval::hdi and bayestestR::hdi compute it from sorted draws). Unlike the central interval it follows a
/// skewed posterior's mode, e.g. [0, 2.30] rather than [0.05, 3.0] for 90% of an Exponential(1).
[<RequireQualifiedAccess>]
module Hdi =

    /// The shortest interval of sorted draws holding ⌈mass·S⌉ of the S draws (mass in (0, 1]).
    let ofDraws (mass: float) (draws: float[]) : float * float =
        if not (mass > 0.0 && mass <= 1.0) then
            invalidArg "mass" $"The interval's mass must be in (0, 1], but was {mass}."

        if isNull draws || draws.Length = 0 then
            invalidArg "draws" "At least one draw is needed."

        if draws |> Array.exists Double.IsNaN then
            invalidArg "draws" "The draws contain NaN; a highest-density interval of them is undefined."

        let sorted = Array.sort draws
        let n = sorted.Length
        // the number of draws inside, minus one: the window spans sorted.[i] .. sorted.[i + inside]
        let inside = max 0 (min (n - 1) (int (ceil (mass * float n)) - 1))

        let best =
            seq { 0 .. n - 1 - inside }
            |> Seq.minBy (fun i -> sorted.[i + inside] - sorted.[i])

        sorted.[best], sorted.[best + inside]

    /// The highest-density interval of every scalar of a posterior (all chains pooled).
    let compute (mass: float) (p: Posterior) : HdiRow[] =
        p.Names
        |> Array.map (fun n ->
            let lo, hi = ofDraws mass (Posterior.allChains n p)

            {
                Name = n
                Label = Option.toObj (p.Label n)
                Lower = lo
                Upper = hi
            })
