namespace HierFunctional

open System
open MathNet.Numerics
open HierFunctional.Numerics

/// `LogPdf`'s scalar log-densities with their arguments fixed (a term whose arguments are constants, such as a
/// hyperparameter's prior): the part that depends on the arguments alone (logs, log-gammas) is computed once, and
/// the returned function of the value adds the rest in `LogPdf`'s order, so it gives the same bits as `LogPdf`.
[<RequireQualifiedAccess>]
module internal LogPdfFixed =

    let private nan2ninf (r: float) =
        if Double.IsNaN r then Double.NegativeInfinity else r

    let private never (_: float) = Double.NegativeInfinity

    /// A density on ℝ folded onto [0, ∞) (`LogPdf`'s half families): log 2 plus the log-density at x ≥ 0.
    let private folded (f: float -> float) =
        fun x ->
            if x >= 0.0 then
                Constants.Ln2 + f x
            else
                Double.NegativeInfinity

    /// `LogPdf.normal mean sd`.
    let normal (mean: float) (sd: float) : float -> float =
        if not (sd > 0.0) then
            never
        else
            let logSd = log sd

            fun x ->
                let z = (x - mean) / sd
                nan2ninf (-0.5 * z * z - logSd - Constants.LogSqrt2Pi)

    /// `LogPdf.halfNormal sd`.
    let halfNormal (sd: float) : float -> float = folded (normal 0.0 sd)

    /// `LogPdf.studentT dof location scale`.
    let studentT (dof: float) (location: float) (scale: float) : float -> float =
        if not (dof > 0.0 && scale > 0.0) then
            never
        else
            let head =
                SpecialFunctions.GammaLn((dof + 1.0) / 2.0)
                - SpecialFunctions.GammaLn(dof / 2.0)
                - 0.5 * log (dof * Math.PI)
                - log scale

            let power = (dof + 1.0) / 2.0

            fun x ->
                let z = (x - location) / scale
                head - power * log1p (z * z / dof) |> nan2ninf

    /// `LogPdf.halfStudentT dof scale`.
    let halfStudentT (dof: float) (scale: float) : float -> float = folded (studentT dof 0.0 scale)

    /// `LogPdf.cauchy location scale`.
    let cauchy (location: float) (scale: float) : float -> float =
        if not (scale > 0.0) then
            never
        else
            let head = -Constants.LnPi - log scale

            fun x ->
                let z = (x - location) / scale
                nan2ninf (head - log1p (z * z))

    /// `LogPdf.halfCauchy scale`.
    let halfCauchy (scale: float) : float -> float = folded (cauchy 0.0 scale)

    /// `LogPdf.exponential rate`.
    let exponential (rate: float) : float -> float =
        if not (rate > 0.0) then
            never
        else
            let logRate = log rate

            fun x ->
                if x >= 0.0 then
                    nan2ninf (logRate - rate * x)
                else
                    Double.NegativeInfinity

    /// `LogPdf.gamma shape rate`.
    let gamma (shape: float) (rate: float) : float -> float =
        if not (shape > 0.0 && rate > 0.0) then
            never
        else
            let head = shape * log rate - SpecialFunctions.GammaLn shape

            fun x ->
                if not (x >= 0.0) then
                    Double.NegativeInfinity
                else
                    head + xlogy (shape - 1.0) x - rate * x |> nan2ninf

    /// `LogPdf.inverseGamma shape scale`.
    let inverseGamma (shape: float) (scale: float) : float -> float =
        if not (shape > 0.0 && scale > 0.0) then
            never
        else
            let head = shape * log scale - SpecialFunctions.GammaLn shape

            fun x ->
                if not (x > 0.0) then
                    Double.NegativeInfinity
                else
                    head - (shape + 1.0) * log x - scale / x |> nan2ninf
