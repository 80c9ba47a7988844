namespace HierFunctional

open System
open MathNet.Numerics
open MathNet.Numerics.Distributions

/// Truncated univariate continuous families (BUGS's `T(lower, upper)`): the parent's log-CDF and log-survival
/// function, the log of the mass it keeps in [lower, upper] (the normalising constant), and inverse-CDF draws within
/// the bounds, all in log space on the smaller tail so a mass that underflows a double stays finite. Parent
/// arguments are the evaluated scalars in `Dist.arguments` order.
[<RequireQualifiedAccess>]
module Truncation =

    let private notTruncatable (d: Dist) =
        invalidArg "dist" $"{Dist.name d} cannot be truncated (only univariate continuous families can)."

    let private clamp01 (p: float) = max 0.0 (min 1.0 p)

    let private phiInv (p: float) = Normal.InvCDF(0.0, 1.0, p)

    let private logHalf = -0.6931471805599453

    /// log of the lower tail of Student's t at t ≤ 0: ½ I_{ν/(ν+t²)}(ν/2, ½), with the complement's log beside it.
    let private logStudentLower (nu: float) (t: float) =
        let struct (l, _) = LogTails.logBetaRegularized (nu / 2.0) 0.5 (nu / (nu + t * t))
        let lower = logHalf + l
        struct (lower, LogTails.log1mexp lower)

    /// (log F(x), log(1 − F(x))) of the parent, each side computed on its own scale (never as one minus the other
    /// where it is small), so both stay finite far into the tails where F or 1 − F underflows.
    let logCdfAndSurvival (d: Dist) (a: float[]) (x: float) : struct (float * float) =
        let positive f =
            if x <= 0.0 then
                struct (Double.NegativeInfinity, 0.0)
            else
                f ()

        let normal (z: float) =
            struct (LogTails.logPhi z, LogTails.logPhi -z)

        let swap (struct (p, q)) = struct (q, p)

        match d with
        | Dist.Normal _ -> normal ((x - a.[0]) / a.[1])
        | Dist.LogNormal _ -> positive (fun () -> normal ((log x - a.[0]) / a.[1]))
        | Dist.StudentT _ ->
            let nu, m, s = a.[0], a.[1], a.[2]
            let t = (x - m) / s

            if t <= 0.0 then
                logStudentLower nu t
            else
                swap (logStudentLower nu -t)
        | Dist.Cauchy _ ->
            // F(z) = atan(1/|z|)/π for z < 0, which keeps its digits far into the lower tail
            let z = (x - a.[0]) / a.[1]
            let tail = log (atan (1.0 / abs z) / Math.PI)
            let rest = LogTails.log1mexp tail
            if z < 0.0 then struct (tail, rest) else struct (rest, tail)
        | Dist.HalfNormal _ ->
            positive (fun () ->
                let z = x / a.[0]
                let survival = log 2.0 + LogTails.logPhi -z

                if survival < logHalf then
                    struct (LogTails.log1mexp survival, survival)
                else
                    struct (log (SpecialFunctions.Erf(z / Constants.Sqrt2)), survival))
        | Dist.HalfCauchy _ ->
            positive (fun () -> struct (log (2.0 / Math.PI * atan (x / a.[0])), log (2.0 / Math.PI * atan (a.[0] / x))))
        | Dist.HalfStudentT _ ->
            positive (fun () ->
                let nu, t = a.[0], x / a.[1]
                // 1 − F = 2 T_ν(−t) = I_{ν/(ν+t²)}(ν/2, ½), and F is its complement I_{t²/(ν+t²)}(½, ν/2)
                let struct (survival, cdf) =
                    LogTails.logBetaRegularized (nu / 2.0) 0.5 (nu / (nu + t * t))

                struct (cdf, survival))
        | Dist.Uniform _ ->
            let w = a.[1] - a.[0]
            struct (log (clamp01 ((x - a.[0]) / w)), log (clamp01 ((a.[1] - x) / w)))
        | Dist.Exponential _ -> positive (fun () -> struct (LogTails.log1mexp (-a.[0] * x), -a.[0] * x))
        | Dist.Gamma _ -> positive (fun () -> LogTails.logGammaRegularized a.[0] (a.[1] * x))
        | Dist.InverseGamma _ ->
            // X = 1/Y with Y ~ Gamma(shape, rate = scale): F_X(x) = Q(shape, scale/x).
            positive (fun () -> swap (LogTails.logGammaRegularized a.[0] (a.[1] / x)))
        | Dist.Beta _ -> LogTails.logBetaRegularized a.[0] a.[1] x
        | _ -> notTruncatable d

    /// (F(x), 1 − F(x)) of the parent (the exponentials of `logCdfAndSurvival`; either underflows to 0 in a far tail).
    let cdfAndSurvival (d: Dist) (a: float[]) (x: float) : struct (float * float) =
        let struct (lf, ls) = logCdfAndSurvival d a x
        struct (exp lf, exp ls)

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

    /// The quantile from a log-probability: `quantile` where the probability is representable, else bisection on
    /// the log-CDF (log-survival in the upper tail) within [lower, upper], where the point is known to lie.
    let private quantileOfLog (d: Dist) (a: float[]) (upperTail: bool) (logP: float) (lower: float) (upper: float) =
        // the Gamma's upper tail and the InverseGamma's lower tail invert P(shape, ·) at 1 − p, which has lost p's
        // digits when p is small
        let viaComplement =
            match d with
            | Dist.Gamma _ -> upperTail
            | Dist.InverseGamma _ -> not upperTail
            | _ -> false

        if Double.IsNegativeInfinity logP then
            // the tail probability 0 (a uniform of exactly 0) is the bound itself
            if upperTail then upper else lower
        elif logP > -650.0 && not (viaComplement && logP < log 1e-3) then
            quantile d a upperTail (exp logP)
        else
            // g increases with x and is 0 at the quantile
            let g (x: float) =
                let struct (lf, ls) = logCdfAndSurvival d a x
                if upperTail then logP - ls else lf - logP

            let support =
                match Dist.support d with
                | Support.Positive -> 0.0, infinity
                | Support.UnitInterval -> 0.0, 1.0
                | Support.Interval(lo, hi) -> lo, hi
                | _ -> -infinity, infinity

            let rec widenDown (hi: float) (w: float) =
                let x = hi - w
                if g x <= 0.0 then x else widenDown x (2.0 * w)

            let rec widenUp (lo: float) (w: float) =
                let x = lo + w
                if g x >= 0.0 then x else widenUp x (2.0 * w)

            let lo0 = max lower (fst support)
            let hi0 = min upper (snd support)

            let lo =
                if Double.IsNegativeInfinity lo0 then
                    widenDown hi0 (max 1.0 (abs hi0))
                else
                    lo0

            let hi =
                if Double.IsPositiveInfinity hi0 then
                    widenUp lo (max 1.0 (abs lo))
                else
                    hi0

            // geometric steps while the bracket spans orders of magnitude on one side of 0, so a quantile at 1e-300
            // is reached in a few dozen steps
            let midpoint (lo: float) (hi: float) =
                if lo > 0.0 && hi > 4.0 * lo then sqrt lo * sqrt hi
                elif hi < 0.0 && lo < 4.0 * hi then -(sqrt -lo * sqrt -hi)
                elif lo = 0.0 && hi > 0.0 then hi * 1e-10
                elif hi = 0.0 && lo < 0.0 then lo * 1e-10
                else lo + 0.5 * (hi - lo)

            let rec bisect (lo: float) (hi: float) (k: int) =
                let m = midpoint lo hi

                if k = 0 || m <= lo || m >= hi then m
                elif g m < 0.0 then bisect m hi (k - 1)
                else bisect lo m (k - 1)

            bisect lo hi 400

    /// Which tail to work in and the log-probabilities there: the lower tail (log F(lower) ≤ log F(upper)) when F(upper)
    /// ≤ 1 − F(lower), so the larger of the two is the smaller tail mass, else the upper tail (log survival values).
    let private side (d: Dist) (a: float[]) (lower: float) (upper: float) =
        let struct (lfLo, lsLo) =
            if Double.IsNegativeInfinity lower then
                struct (Double.NegativeInfinity, 0.0)
            else
                logCdfAndSurvival d a lower

        let struct (lfHi, lsHi) =
            if Double.IsPositiveInfinity upper then
                struct (0.0, Double.NegativeInfinity)
            else
                logCdfAndSurvival d a upper

        if lfHi <= lsLo then
            struct (false, lfLo, lfHi)
        else
            struct (true, lsHi, lsLo)

    /// log(F(upper) − F(lower)): the log of the parent's mass in [lower, upper], computed in log space from whichever
    /// tail is smaller, so it stays finite when the mass underflows (−∞ only when the bounds hold no mass at all).
    let logMass (d: Dist) (a: float[]) (lower: float) (upper: float) : float =
        let struct (_, l0, l1) = side d a lower upper
        LogTails.logDiffExp l1 l0

    /// The point at tail log-probability log(p0 + t·(p1 − p0)) between the bounds' tail values, t in [0, 1].
    let private between (d: Dist) (a: float[]) (lower: float) (upper: float) (t: float) =
        let struct (upperTail, l0, l1) = side d a lower upper

        if not (l1 > l0) then
            invalidArg "lower" $"{Dist.name d} puts no mass in [{lower}, {upper}]; the truncation cannot be drawn from."

        let r = exp (l0 - l1)
        let logP = l1 + log (r + t * (1.0 - r))
        // a quantile that underflows onto the edge of an open support (a Beta with a tiny shape at 0) would leave a
        // state whose log-density is +∞; it is kept one step inside, like the untruncated samplers' draws
        let x =
            match Dist.support d with
            | Support.Positive -> Numerics.positive (quantileOfLog d a upperTail logP lower upper)
            | Support.UnitInterval -> Numerics.unitOpen (quantileOfLog d a upperTail logP lower upper)
            | _ -> quantileOfLog d a upperTail logP lower upper

        max lower (min upper x)

    /// The median of the parent restricted to [lower, upper]: the quantile halfway between the bounds' tail values.
    let median (d: Dist) (a: float[]) (lower: float) (upper: float) : float = between d a lower upper 0.5

    /// One draw of the parent restricted to [lower, upper] by inversion: u uniform between the tail values of the
    /// bounds (in log space, on the smaller tail), mapped through the quantile. Raises ArgumentException when the
    /// bounds hold no mass.
    let draw (rng: Random) (d: Dist) (a: float[]) (lower: float) (upper: float) : float =
        between d a lower upper (rng.NextDouble())
