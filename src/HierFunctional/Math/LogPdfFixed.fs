namespace HierFunctional

open System
open MathNet.Numerics
open HierFunctional.Numerics

/// `LogPdf`'s scalar log-densities with their arguments fixed (a term whose arguments are constants, such as a
/// hyperparameter's prior): the part that depends on the arguments alone (logs, log-gammas) is computed once, and
/// the returned function of the value adds the rest in `LogPdf`'s order, so it gives the same bits as `LogPdf`.
[<RequireQualifiedAccess>]
module internal LogPdfFixed =

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
            LogPdf.normalGiven logSd mean sd

    /// `LogPdf.halfNormal sd`.
    let halfNormal (sd: float) : float -> float = folded (normal 0.0 sd)

    /// `LogPdf.studentT dof location scale`.
    let studentT (dof: float) (location: float) (scale: float) : float -> float =
        if not (dof > 0.0 && scale > 0.0) then
            never
        else
            let head = LogPdf.studentTHead dof scale
            LogPdf.studentTGiven head dof location scale

    /// `LogPdf.halfStudentT dof scale`.
    let halfStudentT (dof: float) (scale: float) : float -> float = folded (studentT dof 0.0 scale)

    /// `LogPdf.cauchy location scale`.
    let cauchy (location: float) (scale: float) : float -> float =
        if not (scale > 0.0) then
            never
        else
            let head = LogPdf.cauchyHead scale
            LogPdf.cauchyGiven head location scale

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
                    LogPdf.exponentialGiven logRate rate x
                else
                    Double.NegativeInfinity

    /// The Gamma-shaped families: `LogPdf.gammaHead` once, then `given` on the support.
    let inline private gammaShaped
        (given: float -> float -> float -> float -> float)
        inSupport
        (shape: float)
        (b: float)
        =
        if not (shape > 0.0 && b > 0.0) then
            never
        else
            let head = LogPdf.gammaHead shape b

            fun x ->
                if inSupport x then
                    given head shape b x
                else
                    Double.NegativeInfinity

    /// `LogPdf.gamma shape rate`.
    let gamma (shape: float) (rate: float) : float -> float =
        gammaShaped LogPdf.gammaGiven (fun x -> x >= 0.0) shape rate

    /// `LogPdf.inverseGamma shape scale`.
    let inverseGamma (shape: float) (scale: float) : float -> float =
        gammaShaped LogPdf.inverseGammaGiven (fun x -> x > 0.0) shape scale
