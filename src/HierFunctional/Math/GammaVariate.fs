namespace HierFunctional

open System
open MathNet.Numerics.Distributions

/// Gamma variates by Marsaglia & Tsang (2000) driven by the ziggurat N(0, 1): one normal, one uniform and (rarely)
/// two logs per draw, where MathNet's sampler spends a polar-method normal (~2.5 uniforms, a log, a sqrt) on each
/// trial. Gibbs sweeps draw one Gamma per group element, so this is the inner cost of Gamma-Poisson updates.
[<RequireQualifiedAccess>]
module internal GammaVariate =

    /// Gamma(shape, 1) for shape ≥ 1 from N(0, 1) and uniform variates `normal` and `uniform`: accept d·v with
    /// v = (1 + c·z)³ by the squeeze 1 − 0.0331 z⁴ or the log test.
    let inline private atLeastOneBy
        ([<InlineIfLambda>] normal: unit -> float)
        ([<InlineIfLambda>] uniform: unit -> float)
        (shape: float)
        =
        let d = shape - 1.0 / 3.0
        let c = 1.0 / sqrt (9.0 * d)
        let mutable result = nan // rejection loop state
        let mutable accepted = false

        while not accepted do
            let z = normal ()
            let t = 1.0 + c * z

            if t > 0.0 then
                let v = t * t * t
                let u = uniform ()
                let z2 = z * z

                if u < 1.0 - 0.0331 * z2 * z2 || log u < 0.5 * z2 + d * (1.0 - v + log v) then
                    result <- d * v
                    accepted <- true

        result

    /// Gamma(shape, 1) for any finite shape > 0; below 1 it boosts: Gamma(a + 1)·U^(1/a) is Gamma(a) (Marsaglia &
    /// Tsang 2000, §5).
    let inline private standardBy
        ([<InlineIfLambda>] normal: unit -> float)
        ([<InlineIfLambda>] uniform: unit -> float)
        (shape: float)
        : float =
        if shape >= 1.0 then
            atLeastOneBy normal uniform shape
        else
            let g = atLeastOneBy normal uniform (shape + 1.0)
            let mutable u = uniform () // retry loop only: U must be > 0 for the power

            while u <= 0.0 do
                u <- uniform ()

            g * Math.Pow(u, 1.0 / shape)

    /// Gamma(shape, 1) for any finite shape > 0.
    let standard (rng: Random) (shape: float) : float =
        standardBy (fun () -> StandardNormal.sample rng) (fun () -> rng.NextDouble()) shape

    /// Gamma(shape, rate); invalid or infinite parameters go to MathNet's sampler so errors and limits stay its own.
    let sample (rng: Random) (shape: float) (rate: float) : float =
        if shape > 0.0 && rate > 0.0 && Double.IsFinite shape && Double.IsFinite rate then
            standard rng shape / rate
        else
            Gamma.Sample(rng, shape, rate)

    /// `sample` on the samplers' generator, its variates taken without virtual calls or type tests: the same draws.
    let fromPhilox (g: Philox4x32) (shape: float) (rate: float) : float =
        if shape > 0.0 && rate > 0.0 && Double.IsFinite shape && Double.IsFinite rate then
            standardBy (fun () -> StandardNormal.fromPhilox g) (fun () -> g.NextDoubleDirect()) shape
            / rate
        else
            Gamma.Sample(g, shape, rate)
