namespace HierFunctional

/// A split Student-t proposal for a one-dimensional log-concave density f: centred at f's mode m, with scale s_L left
/// of it and s_R right of it, each set so that a Normal of that scale falls as f does `Offset` Laplace sds out; the
/// left half is drawn with probability s_L/(s_L + s_R), which keeps the density continuous at m. Its t tails
/// dominate the Gaussian-or-lighter tails of a log-concave f with a Normal factor, so importance weights stay bounded;
/// the two scales follow f's skew, which a symmetric Laplace-t misses. At a point x its log-density is
/// log(2/(s_L + s_R)) − (ν + 1)/2 · log(1 + t²/ν), t = |x − m|/s_side, up to the t's normalising constant.
[<RequireQualifiedAccess>]
module internal SplitT =

    /// Degrees of freedom (`LogitLanes.Dof`, whose t variate the draws use).
    [<Literal>]
    let Dof = LogitLanes.Dof

    /// Where each side's scale is matched to f, in Laplace sds from the mode.
    let Offset = 1.5

    /// Values each proposal keeps, field-major over a set of proposals padded to `stride`: mode at 0, left scale at
    /// stride, right scale at 2·stride, chance of the left half at 3·stride, log(2/(s_L + s_R)) at 4·stride.
    [<Literal>]
    let Fields = 5

    /// Proposals of `stride` slots with every slot harmless (mode 0, unit scales), for padding lanes.
    let blank (stride: int) : float[] =
        Array.init (Fields * stride) (fun i ->
            match i / stride with
            | 1
            | 2 -> 1.0
            | 3 -> 0.5
            | _ -> 0.0)

    /// Writes slot j of the proposals in p from `at` (of `stride` slots): the proposal for f, given f's mode and
    /// curvature there.
    let fit (f: float -> float) (mode: float) (curvature: float) (p: float[]) (at: int) (stride: int) (j: int) =
        let d = Offset / sqrt curvature
        let top = f mode

        // a drop below 1e-3 (or a NaN) would make the side's scale explode: it is floored there
        let scale (x: float) =
            let drop = top - f x
            d / sqrt (2.0 * (if drop > 1e-3 then drop else 1e-3))

        let left, right = scale (mode - d), scale (mode + d)
        p.[at + j] <- mode
        p.[at + stride + j] <- left
        p.[at + 2 * stride + j] <- right
        p.[at + 3 * stride + j] <- left / (left + right)
        p.[at + 4 * stride + j] <- log (2.0 / (left + right))

    /// |x − m|/s_side for slot j of the proposals in p from `at`: the t value a draw of x came from.
    let standardised (p: float[]) (at: int) (stride: int) (j: int) (x: float) =
        let m = p.[at + j]

        if x < m then
            (m - x) / p.[at + stride + j]
        else
            (x - m) / p.[at + 2 * stride + j]
