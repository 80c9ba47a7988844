namespace HierFunctional.Inference

open System
open MathNet.Numerics.Distributions

/// Allocation-free linear algebra and draws for small (k ≲ 6) symmetric positive-definite problems, on row-major
/// k×k arrays supplied by the caller: the per-sweep kernels of the multivariate Gibbs updates, where MathNet
/// matrix objects cost more in allocation and dispatch than the arithmetic itself.
[<RequireQualifiedAccess>]
module internal SmallMv =

    /// Overwrites the lower triangle of the row-major k×k array `a` (at offset `at`) with its Cholesky factor L
    /// (A = L Lᵀ) and zeroes the upper triangle; false when A is not numerically positive definite.
    let cholesky (k: int) (a: float[]) (at: int) : bool =
        let mutable ok = true // in-place factorisation (hot loop)
        let mutable i = 0

        while ok && i < k do
            for j in 0..i do
                let mutable s = a.[at + i * k + j]

                for m in 0 .. j - 1 do
                    s <- s - a.[at + i * k + m] * a.[at + j * k + m]

                if i = j then
                    if s > 0.0 && Double.IsFinite s then
                        a.[at + i * k + i] <- sqrt s
                    else
                        ok <- false
                else
                    a.[at + i * k + j] <- s / a.[at + j * k + j]

            for j in i + 1 .. k - 1 do
                a.[at + i * k + j] <- 0.0

            i <- i + 1

        ok

    /// Solves L y = x in place (L lower triangular, row-major at offset `at`; x at offset `xAt`).
    let solveLower (k: int) (l: float[]) (at: int) (x: float[]) (xAt: int) =
        for i in 0 .. k - 1 do // in-place forward substitution
            let mutable s = x.[xAt + i]

            for m in 0 .. i - 1 do
                s <- s - l.[at + i * k + m] * x.[xAt + m]

            x.[xAt + i] <- s / l.[at + i * k + i]

    /// Solves Lᵀ y = x in place (L lower triangular, row-major at offset `at`; x at offset `xAt`).
    let solveLowerTransposed (k: int) (l: float[]) (at: int) (x: float[]) (xAt: int) =
        for i in k - 1 .. -1 .. 0 do // in-place back substitution
            let mutable s = x.[xAt + i]

            for m in i + 1 .. k - 1 do
                s <- s - l.[at + m * k + i] * x.[xAt + m]

            x.[xAt + i] <- s / l.[at + i * k + i]

    /// log|A| from A's Cholesky factor L (row-major at offset `at`): 2 Σ log L_ii.
    let logDetFactor (k: int) (l: float[]) (at: int) =
        let mutable acc = 0.0

        for i in 0 .. k - 1 do
            acc <- acc + 2.0 * log l.[at + i * k + i]

        acc

    /// Writes Σ = diag(s)·L·Lᵀ·diag(s) into `out` (k×k), with s at `sOff` and L (row-major) at `lOff` of `values`: each
    /// entry below the diagonal computed once and mirrored, so Σ is exactly symmetric.
    let scaledCovariance (k: int) (values: float[]) (sOff: int) (lOff: int) (out: float[]) =
        for i in 0 .. k - 1 do
            for j in 0..i do
                let mutable v = 0.0

                for m in 0..j do
                    v <- v + values.[lOff + i * k + m] * values.[lOff + j * k + m]

                let c = values.[sOff + i] * values.[sOff + j] * v
                out.[i * k + j] <- c
                out.[j * k + i] <- c

    /// Writes A⁻¹ of a symmetric positive-definite k×k `a` into `inverse` through its Cholesky factor; `work`
    /// needs k² + k entries. False when A is not positive definite.
    let invertSpd (k: int) (a: float[]) (work: float[]) (inverse: float[]) : bool =
        Array.blit a 0 work 0 (k * k)

        if not (cholesky k work 0) then
            false
        else
            let col = k * k

            for j in 0 .. k - 1 do // one column of the inverse per unit vector (scratch only)
                for i in 0 .. k - 1 do
                    work.[col + i] <- if i = j then 1.0 else 0.0

                solveLower k work 0 work col
                solveLowerTransposed k work 0 work col

                for i in 0 .. k - 1 do
                    inverse.[i * k + j] <- work.[col + i]

            // Symmetrise exactly so downstream Cholesky factorisations see a symmetric matrix.
            for i in 0 .. k - 1 do
                for j in 0 .. i - 1 do
                    let v = 0.5 * (inverse.[i * k + j] + inverse.[j * k + i])
                    inverse.[i * k + j] <- v
                    inverse.[j * k + i] <- v

            true

    /// Length of the `work` array `gaussianFromStandard` and `drawGaussian` need.
    let gaussianWorkLength (k: int) = k * k + k

    /// The Gaussian conditional with precision Q = Q0 + XᵀWX and mean Q⁻¹(Q0 m0 + XᵀWr), mapped from a standard
    /// normal z: x = μ + L⁻ᵀ z with Q = L Lᵀ (so z = 0 gives the mean and x is N(μ, Q⁻¹) for z ~ N(0, I)).
    /// `stats` holds XᵀWX (k×k) then XᵀWr (k) from offset `statsAt`; `q0m0` is Q0 m0. False when Q is not
    /// positive definite.
    let gaussianFromStandard
        (k: int)
        (q0: float[])
        (q0m0: float[])
        (stats: float[])
        (statsAt: int)
        (z: float[])
        (work: float[])
        (out: float[])
        (outAt: int)
        : bool =
        for i in 0 .. k * k - 1 do // precision into scratch (hot loop)
            work.[i] <- q0.[i] + stats.[statsAt + i]

        if not (cholesky k work 0) then
            false
        else
            let w = k * k

            for i in 0 .. k - 1 do
                work.[w + i] <- q0m0.[i] + stats.[statsAt + k * k + i]

            // L⁻¹ rhs, plus z, then L⁻ᵀ: μ + L⁻ᵀ z = L⁻ᵀ (L⁻¹ rhs + z).
            solveLower k work 0 work w

            for i in 0 .. k - 1 do
                work.[w + i] <- work.[w + i] + z.[i]

            solveLowerTransposed k work 0 work w
            Array.blit work w out outAt k
            true

    /// Draws from the Gaussian conditional of `gaussianFromStandard`; `z` (length k) is overwritten with the
    /// standard normal draws. False when Q is not positive definite.
    let drawGaussian
        (rng: Random)
        (k: int)
        (q0: float[])
        (q0m0: float[])
        (stats: float[])
        (statsAt: int)
        (z: float[])
        (work: float[])
        (out: float[])
        (outAt: int)
        : bool =
        for i in 0 .. k - 1 do // standard normals into caller scratch
            z.[i] <- Normal.Sample(rng, 0.0, 1.0)

        gaussianFromStandard k q0 q0m0 stats statsAt z work out outAt

    /// Mean and covariance (row-major) of the Gaussian conditional of `gaussianFromStandard`, read off the same
    /// kernel (z = 0 gives the mean, unit vectors give the columns of L⁻ᵀ), so tests check the code that draws.
    let gaussianMoments (k: int) (q0: float[]) (q0m0: float[]) (stats: float[]) : (float[] * float[]) option =
        let work = Array.zeroCreate (gaussianWorkLength k)
        let z = Array.zeroCreate k
        let mean = Array.zeroCreate k

        if not (gaussianFromStandard k q0 q0m0 stats 0 z work mean 0) then
            None
        else
            let cols = Array.zeroCreate (k * k) // column j of L⁻ᵀ at j*k

            for j in 0 .. k - 1 do
                Array.Clear z
                z.[j] <- 1.0
                gaussianFromStandard k q0 q0m0 stats 0 z work cols (j * k) |> ignore

                for i in 0 .. k - 1 do
                    cols.[j * k + i] <- cols.[j * k + i] - mean.[i]

            let cov =
                Array.init (k * k) (fun ij ->
                    Seq.sum (seq { for m in 0 .. k - 1 -> cols.[m * k + ij / k] * cols.[m * k + ij % k] }))

            Some(mean, cov)

    /// Length of the `work` array the Wishart and inverse-Wishart draws need.
    let wishartWorkLength (k: int) = 3 * k * k

    /// Fills the lower-triangular Bartlett factor A (row-major at `at`) of a Wishart(ν, I_k): A_ii = √χ²(ν − i),
    /// A_ij ~ N(0, 1) below the diagonal, so A Aᵀ ~ Wishart(ν, I).
    let private bartlett (rng: Random) (k: int) (dof: float) (a: float[]) (at: int) =
        for i in 0 .. k - 1 do // scratch fill (hot loop)
            for j in 0 .. k - 1 do
                a.[at + i * k + j] <-
                    if j < i then
                        Normal.Sample(rng, 0.0, 1.0)
                    elif j = i then
                        sqrt (Gamma.Sample(rng, 0.5 * (dof - float i), 0.5))
                    else
                        0.0

    /// Draws W ~ Wishart(ν, V) (mean νV) by Bartlett's decomposition W = (L A)(L A)ᵀ with V = L Lᵀ, into the
    /// row-major `out`. Needs ν > k − 1; false when V is not positive definite.
    let drawWishart (rng: Random) (k: int) (dof: float) (scale: float[]) (work: float[]) (out: float[]) : bool =
        Array.blit scale 0 work 0 (k * k)

        if not (cholesky k work 0) then
            false
        else
            let a, t = k * k, 2 * k * k
            bartlett rng k dof work a

            for i in 0 .. k - 1 do // T = L A, lower triangular (scratch)
                for j in 0 .. k - 1 do
                    let mutable s = 0.0

                    for m in j..i do
                        s <- s + work.[i * k + m] * work.[a + m * k + j]

                    work.[t + i * k + j] <- s

            for i in 0 .. k - 1 do // W = T Tᵀ, written symmetric
                for j in 0..i do
                    let mutable s = 0.0

                    for m in 0..j do
                        s <- s + work.[t + i * k + m] * work.[t + j * k + m]

                    out.[i * k + j] <- s
                    out.[j * k + i] <- s

            true

    /// Draws Σ ~ InverseWishart(ν, Ψ) (mean Ψ/(ν − k − 1)) as Σ = U X⁻¹ Uᵀ with Ψ = U Uᵀ and X = A Aᵀ ~
    /// Wishart(ν, I) (Bartlett), i.e. Σ = T Tᵀ with T = U A⁻ᵀ, into the row-major `out`; no inverse of Ψ is formed.
    /// Needs ν > k − 1; false when Ψ is not positive definite.
    let drawInverseWishart (rng: Random) (k: int) (dof: float) (scale: float[]) (work: float[]) (out: float[]) : bool =
        Array.blit scale 0 work 0 (k * k)

        if not (cholesky k work 0) then
            false
        else
            let a, t = k * k, 2 * k * k
            bartlett rng k dof work a

            // B = A⁻¹ in place, column by column of the identity (lower triangular): B stored in t.
            for j in 0 .. k - 1 do // scratch (hot loop)
                for i in 0 .. k - 1 do
                    if i < j then
                        work.[t + i * k + j] <- 0.0
                    else
                        let mutable s = if i = j then 1.0 else 0.0

                        for m in j .. i - 1 do
                            s <- s - work.[a + i * k + m] * work.[t + m * k + j]

                        work.[t + i * k + j] <- s / work.[a + i * k + i]

            // T = U Bᵀ: T_ij = Σ_m U_im B_jm over m ≤ min(i, j); stored over A (no longer needed).
            for i in 0 .. k - 1 do
                for j in 0 .. k - 1 do
                    let mutable s = 0.0

                    for m in 0 .. min i j do
                        s <- s + work.[i * k + m] * work.[t + j * k + m]

                    work.[a + i * k + j] <- s

            for i in 0 .. k - 1 do // Σ = T Tᵀ, written symmetric
                for j in 0..i do
                    let mutable s = 0.0

                    for m in 0 .. k - 1 do
                        s <- s + work.[a + i * k + m] * work.[a + j * k + m]

                    out.[i * k + j] <- s
                    out.[j * k + i] <- s

            true
