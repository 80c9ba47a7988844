namespace HierFunctional

open System
open HierFunctional.Families

/// Truncated univariate continuous families (BUGS's `T(lower, upper)`) for a `Dist` parent: the log of the mass it
/// keeps in [lower, upper] and inverse-CDF draws within the bounds, read from the parent's family record (see
/// `Families.Truncated`). Parent arguments are the evaluated scalars in `Dist.arguments` order.
[<RequireQualifiedAccess>]
module internal Truncation =

    /// (log F(x), log(1 − F(x))) of the parent, each side on its own scale.
    let logCdfAndSurvival (d: Dist) (a: float[]) (x: float) : struct (float * float) =
        (Truncated.tailsOf (Dist.family d)).LogCdfAndSurvival a x

    /// (F(x), 1 − F(x)) of the parent (either underflows to 0 in a far tail).
    let cdfAndSurvival (d: Dist) (a: float[]) (x: float) : struct (float * float) =
        let struct (lf, ls) = logCdfAndSurvival d a x
        struct (exp lf, exp ls)

    /// The parent's quantile: x with F(x) = p, or with 1 − F(x) = p when `upperTail` is true.
    let quantile (d: Dist) (a: float[]) (upperTail: bool) (p: float) : float =
        (Truncated.tailsOf (Dist.family d)).Quantile a upperTail p

    /// log(F(upper) − F(lower)), finite unless the bounds hold no mass at all.
    let logMass (d: Dist) (a: float[]) (lower: float) (upper: float) : float =
        Truncated.logMass (Truncated.tailsOf (Dist.family d)) a lower upper

    /// The median of the parent restricted to [lower, upper].
    let median (d: Dist) (a: float[]) (lower: float) (upper: float) : float =
        let f = Dist.family d
        Truncated.median f.Name (Truncated.tailsOf f) (Dist.support d) a lower upper

    /// One draw of the parent restricted to [lower, upper] by inversion. Raises ArgumentException when the bounds
    /// hold no mass.
    let draw (rng: Random) (d: Dist) (a: float[]) (lower: float) (upper: float) : float =
        let f = Dist.family d
        Truncated.draw f.Name rng (Truncated.tailsOf f) (Dist.support d) a lower upper
