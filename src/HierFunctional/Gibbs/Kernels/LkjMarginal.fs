namespace HierFunctional.Inference

open System

/// An independence Metropolis–Hastings move for the scales s and correlation factor L of n vectors
/// β_j ~ MvNormal(m_j, Σ), Σ = diag(s)·L·Lᵀ·diag(s), on their distribution with the β_j integrated out, when each β_j
/// enters Gaussian data through a likelihood exp(−½ β_jᵀ A_j β_j + β_jᵀ c_j) with A_j positive definite and free of
/// (s, L). As a function of β_j that likelihood is N(β̂_j; β_j, V_j) with V_j = A_j⁻¹ and β̂_j = V_j c_j, so with
/// d_j = β̂_j − m_j the marginal likelihood of Σ is ∏_j N(d_j; 0, Σ + V_j), up to factors free of Σ. The proposal is
/// the move of `LkjInverseWishart` applied to the d_j with the mean noise V̄ = mean_j V_j taken off:
/// Ω ~ InverseWishart(n + ν, Σ_j d_j d_jᵀ), Σ′ = Ω − V̄ (rejected unless positive definite), which the proposal
/// density q(s, L) = IW(Σ + V̄; n + ν, S)·|∂Σ/∂(s, L)| of the coordinates (s, L's strictly-lower entries) describes.
/// It depends on the m_j and A_j, c_j, not on (s, L), so accepting with min(1, exp(w′ − w)) for
/// w = log p(s, L) + log ∏_j N(d_j; 0, Σ + V_j) − log q(s, L) leaves the marginal posterior of (s, L) invariant; a
/// draw of the β_j from their conditional given the new (s, L) must follow before anything reads them. When all
/// V_j are equal the likelihood is the IW kernel itself and w is the prior and |Σ + V̄|/|∂Σ/∂(s, L)| alone.
[<RequireQualifiedAccess>]
module internal LkjMarginal =

    /// One chain's buffers for n vectors of length k.
    type Scratch =
        {
            /// d_j (n × k).
            Deviations: float[]
            /// V_j (n × k×k, row-major).
            Noise: float[]
            /// Σ_j d_j d_jᵀ (k×k).
            Scatter: float[]
            /// V̄ (k×k).
            MeanNoise: float[]
            /// Σ at the state's (s, L) (k×k).
            Sigma: float[]
            /// Σ + V_j or Σ + V̄, then factorised (k×k).
            Matrix: float[]
            /// A solve's right-hand side (k).
            Vector: float[]
            /// The inverse-Wishart draw (k×k), its work buffer and the saved (L, s) (k×k + k).
            Drawn: float[]
            Work: float[]
            Saved: float[]
            /// Whether every V_j equals V̄ (equal designs), set by `prepare`: the likelihood is then the proposal's
            /// kernel and the weight needs no pass over the vectors.
            mutable EqualNoise: bool
        }

    /// Buffers for n vectors of length k.
    let scratch (k: int) (n: int) =
        {
            Deviations = Array.zeroCreate (n * k)
            Noise = Array.zeroCreate (n * k * k)
            Scatter = Array.zeroCreate (k * k)
            MeanNoise = Array.zeroCreate (k * k)
            Sigma = Array.zeroCreate (k * k)
            Matrix = Array.zeroCreate (k * k)
            Vector = Array.zeroCreate k
            Drawn = Array.zeroCreate (k * k)
            Work = Array.zeroCreate (max (SmallMv.wishartWorkLength k) (k * k + k))
            Saved = Array.zeroCreate (k * k + k)
            EqualNoise = false
        }

    /// Reads the statistics `stats` (n × (k² + k): A_j then c_j, as `MvNormalLinearUpdate.accumulateRow` lays them
    /// out) and the means (`mean values j buffer` writes m_j) into d_j, V_j, their scatter and V̄. False when some A_j
    /// is not positive definite (a vector the data do not pin down in every direction): the move does not apply.
    let prepare
        (k: int)
        (n: int)
        (stats: float[])
        (mean: float[] -> int -> float[] -> unit)
        (values: float[])
        (sc: Scratch)
        : bool =
        let kk = k * k
        let mutable ok = true
        Array.Clear sc.Scatter
        Array.Clear sc.MeanNoise
        let mutable j = 0

        while ok && j < n do
            let at = j * (kk + k)
            Array.blit stats at sc.Matrix 0 kk
            ok <- SmallMv.invertSpd k sc.Matrix sc.Work sc.Drawn

            if ok then
                Array.blit sc.Drawn 0 sc.Noise (j * kk) kk
                mean values j sc.Vector

                for a in 0 .. k - 1 do
                    let mutable v = 0.0

                    for c in 0 .. k - 1 do
                        v <- v + sc.Drawn.[a * k + c] * stats.[at + kk + c]

                    sc.Deviations.[j * k + a] <- v - sc.Vector.[a]

                for a in 0 .. k - 1 do
                    for c in 0 .. k - 1 do
                        sc.Scatter.[a * k + c] <-
                            sc.Scatter.[a * k + c] + sc.Deviations.[j * k + a] * sc.Deviations.[j * k + c]

                        sc.MeanNoise.[a * k + c] <- sc.MeanNoise.[a * k + c] + sc.Drawn.[a * k + c] / float n

            j <- j + 1

        if ok then
            let mutable equal = true

            for i in kk .. n * kk - 1 do
                equal <- equal && sc.Noise.[i] = sc.Noise.[i % kk]

            if equal then
                // V̄ accumulated as a sum of V_j/n may differ from V_0 in the last bit; equal designs use V_0 itself.
                Array.blit sc.Noise 0 sc.MeanNoise 0 kk

            sc.EqualNoise <- equal

        ok

    /// d_jᵀ M⁻¹ d_j for M factorised in `m` (lower triangle), d_j from the deviations.
    let private quadratic (k: int) (m: float[]) (sc: Scratch) (j: int) =
        Array.blit sc.Deviations (j * k) sc.Vector 0 k
        SmallMv.solveLower k m 0 sc.Vector 0
        let mutable quad = 0.0

        for a in 0 .. k - 1 do
            quad <- quad + sc.Vector.[a] * sc.Vector.[a]

        quad

    /// Factorises Σ + V̄ at the values' (s, L) into `sc.Matrix`; false when it is not positive definite.
    let private factorShifted (k: int) (sc: Scratch) (values: float[]) (sOff: int) (lOff: int) =
        let m = sc.Matrix
        SmallMv.scaledCovariance k values sOff lOff m

        for i in 0 .. k * k - 1 do
            m.[i] <- m.[i] + sc.MeanNoise.[i]

        SmallMv.cholesky k m 0

    /// Σ_j log N(d_j; 0, Σ + V_j) up to a constant, at the values' (s, L); −∞ when some Σ + V_j is not positive
    /// definite (never for a valid state).
    let logMarginal (k: int) (n: int) (sc: Scratch) (values: float[]) (sOff: int) (lOff: int) =
        let kk = k * k
        let m = sc.Matrix
        let noise, dev = sc.Noise, sc.Deviations
        let sigma = sc.Sigma
        SmallMv.scaledCovariance k values sOff lOff sigma
        let mutable total = 0.0
        let mutable j = 0

        if k = 2 then
            // Closed-form 2×2 determinant and quadratic form: no factorisation, one log per vector.
            while j < n && not (Double.IsNegativeInfinity total) do
                let a = sigma.[0] + noise.[4 * j]
                let b = sigma.[1] + noise.[4 * j + 1]
                let d = sigma.[3] + noise.[4 * j + 3]
                let det = a * d - b * b

                if a > 0.0 && det > 0.0 then
                    let x, y = dev.[2 * j], dev.[2 * j + 1]
                    total <- total - 0.5 * (log det + (d * x * x - 2.0 * b * x * y + a * y * y) / det)
                else
                    total <- Double.NegativeInfinity

                j <- j + 1
        else
            while j < n && not (Double.IsNegativeInfinity total) do
                for i in 0 .. kk - 1 do
                    m.[i] <- sigma.[i] + noise.[j * kk + i]

                if SmallMv.cholesky k m 0 then
                    total <- total - 0.5 * (SmallMv.logDetFactor k m 0 + quadratic k m sc j)
                else
                    total <- Double.NegativeInfinity

                j <- j + 1

        total

    /// log IW(Σ + V̄; n + ν, S) up to a constant, at the values' (s, L): −(n + ν + k + 1)/2·log|Ω| − ½ tr(Ω⁻¹ S).
    let logShiftedInverseWishart (k: int) (n: int) (sc: Scratch) (values: float[]) (sOff: int) (lOff: int) =
        if factorShifted k sc values sOff lOff then
            let m = sc.Matrix
            let mutable quad = 0.0

            for j in 0 .. n - 1 do
                quad <- quad + quadratic k m sc j

            -0.5
            * (float n + LkjInverseWishart.nu + float k + 1.0)
            * SmallMv.logDetFactor k m 0
            - 0.5 * quad
        else
            Double.NegativeInfinity

    /// log|∂Σ/∂(s, L)| without the constant K·log 2: K Σ log s_k + Σ_k (K − k) log L_kk (k from 1).
    let logJacobian (k: int) (values: float[]) (sOff: int) (lOff: int) =
        let mutable acc = 0.0

        for i in 0 .. k - 1 do
            acc <-
                acc
                + float k * log values.[sOff + i]
                + float (k - 1 - i) * log values.[lOff + i * k + i]

        acc

    /// The log weight w without the prior: log ∏_j N(d_j; 0, Σ + V_j) − log q(s, L). With equal V_j the quadratic
    /// forms and n/2·log|Σ + V̄| cancel, leaving (ν + k + 1)/2·log|Σ + V̄| − log|∂Σ/∂(s, L)|.
    let correction (k: int) (n: int) (sc: Scratch) (values: float[]) (sOff: int) (lOff: int) =
        if sc.EqualNoise then
            if factorShifted k sc values sOff lOff then
                0.5
                * (LkjInverseWishart.nu + float k + 1.0)
                * SmallMv.logDetFactor k sc.Matrix 0
                - logJacobian k values sOff lOff
            else
                Double.NegativeInfinity
        else
            logMarginal k n sc values sOff lOff
            - logShiftedInverseWishart k n sc values sOff lOff
            - logJacobian k values sOff lOff

    /// One move after `prepare`: draws Ω ~ IW(n + ν, S), writes (s′, L′) of Σ′ = Ω − V̄ into the values and
    /// accepts with probability min(1, exp(w′ − w)), `logWeight` giving w at the values' current (s, L); on rejection
    /// (or a Σ′ that is not positive definite) the values are restored. Returns whether the proposal was accepted;
    /// false also when S is not positive definite (fewer than k independent deviations): then it is the identity.
    let step
        (rng: Random)
        (k: int)
        (n: int)
        (logWeight: float[] -> float)
        (values: float[])
        (sOff: int)
        (lOff: int)
        (sc: Scratch)
        : bool =
        let kk = k * k
        let drawn = sc.Drawn

        if not (SmallMv.drawInverseWishart rng k (float n + LkjInverseWishart.nu) sc.Scatter sc.Work drawn) then
            false
        else
            for i in 0 .. kk - 1 do
                drawn.[i] <- drawn.[i] - sc.MeanNoise.[i]

            let mutable positive = true

            for i in 0 .. k - 1 do
                positive <- positive && drawn.[i * k + i] > 0.0

            positive
            && LkjInverseWishart.accept rng k drawn logWeight values sOff lOff sc.Saved
