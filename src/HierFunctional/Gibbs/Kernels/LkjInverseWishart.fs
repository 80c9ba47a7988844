namespace HierFunctional.Inference

open System

/// An independence Metropolis–Hastings move for the scales s and correlation Cholesky factor L of vectors
/// β_j ~ MvNormal(μ_j, Σ), Σ = diag(s)·L·Lᵀ·diag(s), given the n vectors' scatter S = Σ_j (β_j − μ_j)(β_j − μ_j)ᵀ.
/// The proposal is the conditional that the pseudo-prior p̃(Σ) ∝ |Σ|^(−(ν + K + 1)/2) (an improper inverse-Wishart
/// with zero scale) would give: Σ′ ~ InverseWishart(n + ν, S), mapped to (s′, L′) by s_k = √Σ_kk and L = chol of the
/// correlation matrix. In the coordinates the target is written in (s and the strictly-lower entries of L, as
/// `LogPdf.lkjCholesky` is) the proposal's density is IW(Σ; n + ν, S)·|∂Σ/∂(s, L)|, with
/// |∂Σ/∂(s, L)| = 2^K ∏ s_k^K · ∏_k L_kk^(K − k) (Σ = D R D: ∂Σ/∂(s, R) is triangular with 2 s_k on Σ_kk and s_a s_b
/// on Σ_ab; ∂R/∂L contributes ∏ L_kk^(K − k), the difference between Stan's lkj_corr_cholesky and LKJ on R).
/// The likelihood −n/2·log|Σ| − ½tr(Σ⁻¹S) cancels against the proposal's, so the log importance weight is
/// w(s, L) = log p(s, L) + (ν + K + 1)/2·log|Σ| − log|∂Σ/∂(s, L)| and a proposal is accepted with probability
/// min(1, exp(w′ − w)). With ν = −1 the pseudo-prior is flat in s in these coordinates (∏ s_k^(K − ν − K − 1) = 1),
/// so for a weakly informative scale prior w varies little and most proposals are accepted: the move draws Σ almost
/// independently given the β_j, where a slice block crawls along the scale-correlation ridge.
[<RequireQualifiedAccess>]
module internal LkjInverseWishart =

    /// The pseudo-prior's degrees of freedom ν: the proposal is IW(n + ν, S), so the move needs n + ν > K − 1.
    let nu = -1.0

    /// True when the proposal is proper for n vectors of length k (n + ν > k − 1).
    let applies (k: int) (n: float) = n + nu > float (k - 1)

    /// (ν + K + 1)/2·log|Σ| − log|∂Σ/∂(s, L)| (without the constant K·log 2) at the scales values.[sOff ..] and the
    /// factor values.[lOff ..] (row-major k×k): the part of the log weight that is not the prior.
    let correction (k: int) (values: float[]) (sOff: int) (lOff: int) =
        let half = 0.5 * (nu + float k + 1.0)
        let mutable acc = 0.0

        for i in 0 .. k - 1 do
            let ls = log values.[sOff + i]
            let ll = log values.[lOff + i * k + i]
            // log|Σ| = 2 Σ log s_k + 2 Σ log L_kk; log|∂Σ/∂(s, L)| = K Σ log s_k + Σ (K − k) log L_kk (k from 1).
            acc <- acc + half * 2.0 * (ls + ll) - float k * ls - float (k - 1 - i) * ll

        acc

    /// The accept step both independence moves share: with a proposed Σ′ in `drawn` (k×k, positive diagonal),
    /// writes (s′, L′) into the values and accepts with probability min(1, exp(w′ − w)), `logWeight` giving w at the
    /// values' current (s, L); on rejection (or a Σ′ that is not positive definite) restores them from `saved`
    /// (k×k + k). Returns whether the proposal was accepted.
    let accept
        (rng: Random)
        (k: int)
        (drawn: float[])
        (logWeight: float[] -> float)
        (values: float[])
        (sOff: int)
        (lOff: int)
        (saved: float[])
        : bool =
        let kk = k * k
        let w0 = logWeight values
        Array.blit values lOff saved 0 kk
        Array.blit values sOff saved kk k

        for i in 0 .. k - 1 do
            values.[sOff + i] <- sqrt drawn.[i * k + i]

        // The correlation matrix (unit diagonal exactly), factorised in place.
        for i in 0 .. k - 1 do
            for j in 0 .. k - 1 do
                values.[lOff + i * k + j] <-
                    if i = j then
                        1.0
                    else
                        drawn.[i * k + j] / (values.[sOff + i] * values.[sOff + j])

        let w1 =
            if SmallMv.cholesky k values lOff then
                logWeight values
            else
                Double.NegativeInfinity

        // A NaN weight compares false: rejected.
        if log (rng.NextDouble()) < w1 - w0 then
            true
        else
            Array.blit saved 0 values lOff kk
            Array.blit saved kk values sOff k
            false

    /// One move: draws Σ′ ~ IW(n + ν, scatter) into `drawn` (k×k), writes (s′, L′) into values and accepts with
    /// probability min(1, exp(w′ − w)), where `logWeight` gives w at the values' current (s, L); on rejection the
    /// values are restored from `saved` (k×k + k). `work` has `SmallMv.wishartWorkLength k` entries. Returns whether
    /// the proposal was accepted; false also when the scatter is not positive definite (fewer than K linearly
    /// independent deviations): the move is then the identity, which leaves the target invariant too.
    let step
        (rng: Random)
        (k: int)
        (n: float)
        (scatter: float[])
        (logWeight: float[] -> float)
        (values: float[])
        (sOff: int)
        (lOff: int)
        (work: float[])
        (drawn: float[])
        (saved: float[])
        : bool =
        SmallMv.drawInverseWishart rng k (n + nu) scatter work drawn
        && accept rng k drawn logWeight values sOff lOff saved
