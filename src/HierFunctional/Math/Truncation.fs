namespace HierFunctional

open System
open MathNet.Numerics
open MathNet.Numerics.Distributions

/// Truncated univariate continuous families (BUGS's `T(lower, upper)`): the parent's CDF and survival function, the
/// log of the mass it keeps in [lower, upper] (the normalising constant), and inverse-CDF draws within the bounds.
/// Parent arguments are the evaluated scalars in `Dist.arguments` order.
[<RequireQualifiedAccess>]
module Truncation =

    let private notTruncatable (d: Dist) =
        invalidArg "dist" $"{Dist.name d} cannot be truncated (only univariate continuous families can)."

    let private clamp01 (p: float) = max 0.0 (min 1.0 p)

    /// Standard normal CDF through erfc, accurate far into the lower tail.
    let private phi (z: float) =
        0.5 * SpecialFunctions.Erfc(-z / Constants.Sqrt2)

    let private phiInv (p: float) = Normal.InvCDF(0.0, 1.0, p)

    /// (F(x), 1 − F(x)) of the parent; each side is computed directly (not as one minus the other) where a closed
    /// form exists, so the mass of a far tail keeps its precision.
    let cdfAndSurvival (d: Dist) (a: float[]) (x: float) : struct (float * float) =
        let positive f =
            if x <= 0.0 then struct (0.0, 1.0) else f ()

        match d with
        | Dist.Normal _ ->
            let z = (x - a.[0]) / a.[1]
            struct (phi z, phi -z)
        | Dist.LogNormal _ ->
            positive (fun () ->
                let z = (log x - a.[0]) / a.[1]
                struct (phi z, phi -z))
        | Dist.StudentT _ ->
            let nu, m, s = a.[0], a.[1], a.[2]
            struct (StudentT.CDF(m, s, nu, x), StudentT.CDF(m, s, nu, 2.0 * m - x))
        | Dist.Cauchy _ -> struct (Cauchy.CDF(a.[0], a.[1], x), Cauchy.CDF(a.[0], a.[1], 2.0 * a.[0] - x))
        | Dist.HalfNormal _ ->
            positive (fun () ->
                let z = x / (a.[0] * Constants.Sqrt2)
                struct (SpecialFunctions.Erf z, SpecialFunctions.Erfc z))
        | Dist.HalfCauchy _ ->
            positive (fun () -> struct (2.0 / Math.PI * atan (x / a.[0]), 2.0 / Math.PI * atan (a.[0] / x)))
        | Dist.HalfStudentT _ ->
            positive (fun () ->
                let tail = 2.0 * StudentT.CDF(0.0, a.[1], a.[0], -x)
                struct (1.0 - tail, tail))
        | Dist.Uniform _ ->
            let w = a.[1] - a.[0]
            struct (clamp01 ((x - a.[0]) / w), clamp01 ((a.[1] - x) / w))
        | Dist.Exponential _ -> positive (fun () -> struct (-SpecialFunctions.Expm1(-a.[0] * x), exp (-a.[0] * x)))
        | Dist.Gamma _ ->
            positive (fun () ->
                struct (SpecialFunctions.GammaLowerRegularized(a.[0], a.[1] * x),
                        SpecialFunctions.GammaUpperRegularized(a.[0], a.[1] * x)))
        | Dist.InverseGamma _ ->
            // X = 1/Y with Y ~ Gamma(shape, rate = scale): F_X(x) = Q(shape, scale/x).
            positive (fun () ->
                struct (SpecialFunctions.GammaUpperRegularized(a.[0], a.[1] / x),
                        SpecialFunctions.GammaLowerRegularized(a.[0], a.[1] / x)))
        | Dist.Beta _ ->
            if x <= 0.0 then
                struct (0.0, 1.0)
            elif x >= 1.0 then
                struct (1.0, 0.0)
            else
                struct (SpecialFunctions.BetaRegularized(a.[0], a.[1], x),
                        SpecialFunctions.BetaRegularized(a.[1], a.[0], 1.0 - x))
        | _ -> notTruncatable d

    /// The parent's quantile: x with F(x) = p when `upperTail` is false, with 1 − F(x) = p when it is true (the
    /// upper-tail form keeps its precision where F is close to 1).
    let quantile (d: Dist) (a: float[]) (upperTail: bool) (p: float) : float =
        let lowerP = if upperTail then 1.0 - p else p

        match d with
        | Dist.Normal _ ->
            if upperTail then
                a.[0] - a.[1] * phiInv p
            else
                a.[0] + a.[1] * phiInv p
        | Dist.LogNormal _ ->
            exp (
                if upperTail then
                    a.[0] - a.[1] * phiInv p
                else
                    a.[0] + a.[1] * phiInv p
            )
        | Dist.StudentT _ ->
            let nu, m, s = a.[0], a.[1], a.[2]

            if upperTail then
                2.0 * m - StudentT.InvCDF(m, s, nu, p)
            else
                StudentT.InvCDF(m, s, nu, p)
        | Dist.Cauchy _ ->
            if upperTail then
                a.[0] + a.[1] / tan (Math.PI * p)
            else
                a.[0] - a.[1] / tan (Math.PI * p)
        | Dist.HalfNormal _ ->
            if upperTail then
                -a.[0] * phiInv (p / 2.0)
            else
                a.[0] * phiInv ((1.0 + p) / 2.0)
        | Dist.HalfCauchy _ ->
            if upperTail then
                a.[0] / tan (Math.PI * p / 2.0)
            else
                a.[0] * tan (Math.PI * p / 2.0)
        | Dist.HalfStudentT _ ->
            if upperTail then
                -StudentT.InvCDF(0.0, a.[1], a.[0], p / 2.0)
            else
                StudentT.InvCDF(0.0, a.[1], a.[0], (1.0 + p) / 2.0)
        | Dist.Uniform _ ->
            if upperTail then
                a.[1] - p * (a.[1] - a.[0])
            else
                a.[0] + p * (a.[1] - a.[0])
        | Dist.Exponential _ ->
            if upperTail then
                -log p / a.[0]
            else
                -Numerics.log1p -p / a.[0]
        | Dist.Gamma _ -> SpecialFunctions.GammaLowerRegularizedInv(a.[0], lowerP) / a.[1]
        | Dist.InverseGamma _ ->
            // F_X(x) = Q(shape, scale/x) = p  ⇔  scale/x = P⁻¹(shape, 1 − p).
            a.[1]
            / SpecialFunctions.GammaLowerRegularizedInv(a.[0], (if upperTail then p else 1.0 - p))
        | Dist.Beta _ ->
            if upperTail then
                1.0 - Beta.InvCDF(a.[1], a.[0], p)
            else
                Beta.InvCDF(a.[0], a.[1], p)
        | _ -> notTruncatable d

    /// Which side to work on and the probabilities there: the upper tail (survival values, S(lower) ≥ S(upper))
    /// when the lower bound sits above the parent's median, else the lower tail (F(lower) ≤ F(upper)).
    let private side (d: Dist) (a: float[]) (lower: float) (upper: float) =
        let struct (fLo, sLo) =
            if Double.IsNegativeInfinity lower then
                struct (0.0, 1.0)
            else
                cdfAndSurvival d a lower

        let struct (fHi, sHi) =
            if Double.IsPositiveInfinity upper then
                struct (1.0, 0.0)
            else
                cdfAndSurvival d a upper

        if fLo > 0.5 then
            struct (true, sHi, sLo)
        else
            struct (false, fLo, fHi)

    /// The median of the parent restricted to [lower, upper]: the quantile at the midpoint of the bounds' CDF values
    /// (survival values when the interval lies in the upper half, where they keep their precision).
    let median (d: Dist) (a: float[]) (lower: float) (upper: float) : float =
        let struct (upperTail, p0, p1) = side d a lower upper
        quantile d a upperTail (0.5 * (p0 + p1))

    /// log(F(upper) − F(lower)): the log of the parent's mass in [lower, upper] (−∞ when none is representable).
    let logMass (d: Dist) (a: float[]) (lower: float) (upper: float) : float =
        let struct (_, p0, p1) = side d a lower upper
        if p1 > p0 then log (p1 - p0) else Double.NegativeInfinity

    /// One draw of the parent restricted to [lower, upper] by inversion: u uniform between the CDF values of the
    /// bounds (survival values when the interval lies in the upper half), mapped through the quantile. Raises
    /// ArgumentException when the bounds hold no representable mass.
    let draw (rng: Random) (d: Dist) (a: float[]) (lower: float) (upper: float) : float =
        let struct (upperTail, p0, p1) = side d a lower upper

        if not (p1 > p0) then
            invalidArg
                "lower"
                $"{Dist.name d} puts no representable mass in [{lower}, {upper}]; the truncation cannot be drawn from."

        let u = p0 + rng.NextDouble() * (p1 - p0)
        let x = quantile d a upperTail u
        max lower (min upper x)
