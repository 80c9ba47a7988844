namespace HierFunctional.Families

open System
open HierFunctional

/// Truncation of a univariate continuous family to [lower, upper] (BUGS's `T(lower, upper)`), built from the
/// parent's `Tails`: the log of the mass it keeps (the normalising constant) and inverse-CDF draws within the bounds,
/// all in log space on the smaller tail so a mass that underflows a double stays finite.
[<RequireQualifiedAccess>]
module internal Truncated =

    /// The quantile from a log-probability: the family's quantile where the probability is representable, else
    /// bisection on the log-CDF (log-survival in the upper tail) within [lower, upper], where the point is known to lie.
    let private quantileOfLog
        (t: Tails)
        (support: Support)
        (a: float[])
        (upperTail: bool)
        (logP: float)
        (lower: float)
        (upper: float)
        =
        if Double.IsNegativeInfinity logP then
            // the tail probability 0 (a uniform of exactly 0) is the bound itself
            if upperTail then upper else lower
        elif logP > -650.0 && not (t.QuantileLosesDigits upperTail && logP < log 1e-3) then
            t.Quantile a upperTail (exp logP)
        else
            // g increases with x and is 0 at the quantile
            let g (x: float) =
                let struct (lf, ls) = t.LogCdfAndSurvival a x
                if upperTail then logP - ls else lf - logP

            let range =
                match support with
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

            let lo0 = max lower (fst range)
            let hi0 = min upper (snd range)

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

    /// Which tail to work in and the log-probabilities there: the lower tail (log F(lower) ≤ log F(upper)) when
    /// F(upper) ≤ 1 − F(lower), so the larger of the two is the smaller tail mass, else the upper tail.
    let private side (t: Tails) (a: float[]) (lower: float) (upper: float) =
        let struct (lfLo, lsLo) =
            if Double.IsNegativeInfinity lower then
                struct (Double.NegativeInfinity, 0.0)
            else
                t.LogCdfAndSurvival a lower

        let struct (lfHi, lsHi) =
            if Double.IsPositiveInfinity upper then
                struct (0.0, Double.NegativeInfinity)
            else
                t.LogCdfAndSurvival a upper

        if lfHi <= lsLo then
            struct (false, lfLo, lfHi)
        else
            struct (true, lsHi, lsLo)

    /// log(F(upper) − F(lower)): the log of the parent's mass in [lower, upper], from whichever tail is smaller
    /// (−∞ only when the bounds hold no mass at all).
    let logMass (t: Tails) (a: float[]) (lower: float) (upper: float) : float =
        let struct (_, l0, l1) = side t a lower upper
        LogTails.logDiffExp l1 l0

    /// The point at tail log-probability log(p0 + u·(p1 − p0)) between the bounds' tail values, u in [0, 1].
    let private between (name: string) (t: Tails) (support: Support) (a: float[]) (lower: float) (upper: float) u =
        let struct (upperTail, l0, l1) = side t a lower upper

        if not (l1 > l0) then
            invalidArg "lower" $"{name} puts no mass in [{lower}, {upper}]; the truncation cannot be drawn from."

        let r = exp (l0 - l1)
        let logP = l1 + log (r + u * (1.0 - r))
        // a quantile that underflows onto the edge of an open support (a Beta with a tiny shape at 0) would leave a
        // state whose log-density is +∞; it is kept one step inside, like the untruncated samplers' draws
        let x =
            match support with
            | Support.Positive -> Numerics.positive (quantileOfLog t support a upperTail logP lower upper)
            | Support.UnitInterval -> Numerics.unitOpen (quantileOfLog t support a upperTail logP lower upper)
            | _ -> quantileOfLog t support a upperTail logP lower upper

        max lower (min upper x)

    /// The median of the parent restricted to [lower, upper].
    let median name (t: Tails) (support: Support) (a: float[]) (lower: float) (upper: float) : float =
        between name t support a lower upper 0.5

    /// One draw of the parent restricted to [lower, upper] by inversion. Raises ArgumentException when the bounds
    /// hold no mass.
    let draw name (rng: Random) (t: Tails) (support: Support) (a: float[]) (lower: float) (upper: float) : float =
        between name t support a lower upper (rng.NextDouble())

    /// The support of a parent restricted to bounds; a bound is None when it is not a constant (data only).
    let support (parent: Support) (lower: float option) (upper: float option) : Support =
        let range =
            match parent with
            | Support.Real -> Some(-infinity, infinity)
            | Support.Positive -> Some(0.0, infinity)
            | Support.UnitInterval -> Some(0.0, 1.0)
            | Support.Interval(a, b) -> Some(a, b)
            | _ -> None

        match range, lower, upper with
        | Some(a, b), Some l, Some u ->
            match max a l, min b u with
            | a', b' when a' = -infinity && b' = infinity -> Support.Real
            | 0.0, b' when b' = infinity -> Support.Positive
            | 0.0, 1.0 -> Support.UnitInterval
            | a', b' -> Support.Interval(a', b')
        | _ -> parent

    let private notTruncatable (name: string) : 'a =
        invalidArg "dist" $"{name} cannot be truncated (only univariate continuous families can)."

    /// The tails of a family that can be truncated; raises ArgumentException for one that cannot.
    let tailsOf (parent: DistFamily) : Tails =
        match parent.Tails with
        | Some t -> t
        | None -> notTruncatable parent.Name

    /// The family `parent` truncated to its bounds: arguments are the parent's, then `lower` and/or `upper` as
    /// present; `parentSupport` is the parent's support for its argument expressions.
    let family (parent: DistFamily) (parentSupport: Support) (hasLower: bool) (hasUpper: bool) : DistFamily =
        let n = List.length parent.Arguments

        let arguments =
            parent.Arguments
            @ (if hasLower then [ "lower" ] else [])
            @ (if hasUpper then [ "upper" ] else [])

        let split (args: Value list) =
            if List.length args <> List.length arguments then
                DistFamily.wrongArity "Truncated" (List.length arguments) args

            let bounds = List.skip n args |> List.map Value.scalar

            let lower, upper =
                match hasLower, hasUpper, bounds with
                | true, true, [ l; u ] -> l, u
                | true, false, [ l ] -> l, infinity
                | false, true, [ u ] -> -infinity, u
                | _ -> -infinity, infinity

            List.take n args, lower, upper

        let scalars (parentArgs: Value list) =
            parentArgs |> List.map Value.scalar |> Array.ofList

        let ownSupport (lower: float option) (upper: float option) = support parentSupport lower upper

        {
            Name = "Truncated"
            Arguments = arguments
            Support =
                fun exprs ->
                    let bounds = List.skip n exprs |> List.map Expr.tryConstant

                    let lower, upper =
                        match hasLower, hasUpper, bounds with
                        | true, true, [ l; u ] -> l, u
                        | true, false, [ l ] -> l, Some infinity
                        | false, true, [ u ] -> Some -infinity, u
                        | _ -> Some -infinity, Some infinity

                    // validation refuses non-constant bounds on a parameter, so only data see the parent's support
                    ownSupport lower upper
            LogPdf =
                fun args x ->
                    let parentArgs, lower, upper = split args
                    let v = Value.scalar x

                    if not (v >= lower && v <= upper) then
                        Double.NegativeInfinity
                    else
                        let logMass = logMass (tailsOf parent) (scalars parentArgs) lower upper

                        if Double.IsNegativeInfinity logMass || Double.IsNaN logMass then
                            Double.NegativeInfinity
                        else
                            parent.LogPdf parentArgs x - logMass
            Scalar = None
            InSupport =
                fun args x ->
                    match x with
                    | Value.Scalar v ->
                        let parentArgs, lower, upper = split args
                        v >= lower && v <= upper && parent.InSupport parentArgs x
                    | _ -> false
            Draw =
                Some(fun rng args ->
                    let parentArgs, lower, upper = split args

                    let x =
                        draw parent.Name rng (tailsOf parent) parentSupport (scalars parentArgs) lower upper

                    // inversion can round onto an open boundary of the parent's support; keep the draw inside it
                    Value.Scalar(
                        match parentSupport with
                        | Support.Positive -> Numerics.positive x
                        | Support.UnitInterval -> Numerics.unitOpen x
                        | _ -> x
                    ))
            Validate =
                fun args ->
                    let parentArgs, lower, upper = split args

                    match parent.Tails with
                    | None ->
                        Error("dist", $"{parent.Name} cannot be truncated; only univariate continuous families can")
                    | Some t ->
                        match parent.Validate parentArgs with
                        | Error e -> Error e
                        | Ok() when Double.IsNaN lower || Double.IsNaN upper ->
                            Error("lower/upper", "truncation bounds must be numbers, but one was NaN")
                        | Ok() when not (lower < upper) ->
                            Error("upper", $"must exceed lower, but the bounds were [{lower}, {upper}]")
                        | Ok() ->
                            DistFamily.check
                                "lower/upper"
                                (logMass t (scalars parentArgs) lower upper > Double.NegativeInfinity)
                                $"{parent.Name} puts no mass in [{lower}, {upper}]"
            Anchor =
                fun k args ->
                    let parentArgs, lower, upper = split args

                    let m =
                        median parent.Name (tailsOf parent) parentSupport (scalars parentArgs) lower upper

                    let s = ownSupport (Some lower) (Some upper)
                    Some(Transform.toUnconstrained s k [| m |], [| 1.0 |])
            Tails = None
            Sufficient = None
            Fixed = None
        }
