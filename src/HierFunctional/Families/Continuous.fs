namespace HierFunctional.Families

open System
open MathNet.Numerics
open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Numerics

/// The univariate continuous families: one record each, holding the log-density, draw, argument checks, start-value
/// anchor and (for truncation) the CDF and quantile.
[<RequireQualifiedAccess>]
module internal Continuous =

    let private phiInv (p: float) = Normal.InvCDF(0.0, 1.0, p)
    let private logHalf = -0.6931471805599453
    let private clamp01 (p: float) = max 0.0 (min 1.0 p)

    let private normalTails (z: float) =
        struct (LogTails.logPhi z, LogTails.logPhi -z)

    let private swap (struct (p, q)) = struct (q, p)

    /// (log F, log(1 − F)) of a family on (0, ∞): the whole mass lies above x ≤ 0.
    let private onPositive (x: float) (f: unit -> struct (float * float)) =
        if x <= 0.0 then
            struct (Double.NegativeInfinity, 0.0)
        else
            f ()

    /// log of the lower tail of Student's t at t ≤ 0: ½ I_{ν/(ν+t²)}(ν/2, ½), with the complement's log beside it.
    let private logStudentLower (nu: float) (t: float) =
        let struct (l, _) = LogTails.logBetaRegularized (nu / 2.0) 0.5 (nu / (nu + t * t))
        let lower = logHalf + l
        struct (lower, LogTails.log1mexp lower)

    let private tails cdf quantile =
        Some
            {
                LogCdfAndSurvival = cdf
                Quantile = quantile
                QuantileLosesDigits = fun _ -> false
            }

    /// Normal(mean, sd).
    let normal: DistFamily =
        { DistFamily.univariate
              "Normal"
              [ "mean"; "sd" ]
              Support.Real
              (ScalarLogPdf.Two LogPdf.normal)
              (fun rng a -> Normal.Sample(rng, a.[0], a.[1]))
              [ DistFamily.finite; DistFamily.positive ]
              (fun a -> DistFamily.anchorOne a.[0] (DistFamily.capSpread a.[1]))
              (tails (fun a x -> normalTails ((x - a.[0]) / a.[1])) (fun a upperTail p ->
                  if upperTail then
                      a.[0] - a.[1] * phiInv p
                  else
                      a.[0] + a.[1] * phiInv p)) with
            Sufficient = Some(Sufficient.normalOrLogNormal false)
            Fixed = Some(fun a -> LogPdfFixed.normal a.[0] a.[1])
        }

    /// Student-t(dof, location, scale).
    let studentT: DistFamily =
        { DistFamily.univariate
              "StudentT"
              [ "dof"; "location"; "scale" ]
              Support.Real
              (ScalarLogPdf.Three LogPdf.studentT)
              (fun rng a -> StudentT.Sample(rng, a.[1], a.[2], a.[0]))
              [ DistFamily.positive; DistFamily.finite; DistFamily.positive ]
              (fun a -> DistFamily.anchorOne a.[1] (DistFamily.capSpread a.[2]))
              (tails
                  (fun a x ->
                      let t = (x - a.[1]) / a.[2]

                      if t <= 0.0 then
                          logStudentLower a.[0] t
                      else
                          swap (logStudentLower a.[0] -t))
                  (fun a upperTail p ->
                      let nu, m, s = a.[0], a.[1], a.[2]

                      if upperTail then
                          2.0 * m - StudentT.InvCDF(m, s, nu, p)
                      else
                          StudentT.InvCDF(m, s, nu, p))) with
            Fixed = Some(fun a -> LogPdfFixed.studentT a.[0] a.[1] a.[2])
        }

    /// Cauchy(location, scale).
    let cauchy: DistFamily =
        { DistFamily.univariate
              "Cauchy"
              [ "location"; "scale" ]
              Support.Real
              (ScalarLogPdf.Two LogPdf.cauchy)
              (fun rng a -> Cauchy.Sample(rng, a.[0], a.[1]))
              [ DistFamily.finite; DistFamily.positive ]
              (fun a -> DistFamily.anchorOne a.[0] (DistFamily.capSpread a.[1]))
              (tails
                  (fun a x ->
                      // F(z) = atan(1/|z|)/π for z < 0, which keeps its digits far into the lower tail
                      let z = (x - a.[0]) / a.[1]
                      let tail = log (atan (1.0 / abs z) / Math.PI)
                      let rest = LogTails.log1mexp tail
                      if z < 0.0 then struct (tail, rest) else struct (rest, tail))
                  (fun a upperTail p ->
                      if upperTail then
                          a.[0] + a.[1] / tan (Math.PI * p)
                      else
                          a.[0] - a.[1] / tan (Math.PI * p))) with
            Fixed = Some(fun a -> LogPdfFixed.cauchy a.[0] a.[1])
        }

    /// Normal(0, sd) folded onto (0, ∞).
    let halfNormal: DistFamily =
        { DistFamily.univariate
              "HalfNormal"
              [ "sd" ]
              Support.Positive
              (ScalarLogPdf.One LogPdf.halfNormal)
              (fun rng a -> abs (Normal.Sample(rng, 0.0, a.[0])))
              [ DistFamily.positive ]
              // the median of HalfNormal(s) is s·Φ⁻¹(3/4)
              (fun a -> DistFamily.anchorOne (log 0.6744897501960817 + log a.[0]) 1.0)
              (tails
                  (fun a x ->
                      onPositive x (fun () ->
                          let z = x / a.[0]
                          let survival = log 2.0 + LogTails.logPhi -z

                          if survival < logHalf then
                              struct (LogTails.log1mexp survival, survival)
                          else
                              struct (log (SpecialFunctions.Erf(z / Constants.Sqrt2)), survival)))
                  (fun a upperTail p ->
                      if upperTail then
                          -a.[0] * phiInv (p / 2.0)
                      else
                          a.[0] * phiInv ((1.0 + p) / 2.0))) with
            Fixed = Some(fun a -> LogPdfFixed.halfNormal a.[0])
        }

    /// Cauchy(0, scale) folded onto (0, ∞).
    let halfCauchy: DistFamily =
        { DistFamily.univariate
              "HalfCauchy"
              [ "scale" ]
              Support.Positive
              (ScalarLogPdf.One LogPdf.halfCauchy)
              (fun rng a -> abs (Cauchy.Sample(rng, 0.0, a.[0])))
              [ DistFamily.positive ]
              (fun a -> DistFamily.anchorOne (log a.[0]) 1.0)
              (tails
                  (fun a x ->
                      onPositive x (fun () ->
                          struct (log (2.0 / Math.PI * atan (x / a.[0])), log (2.0 / Math.PI * atan (a.[0] / x)))))
                  (fun a upperTail p ->
                      if upperTail then
                          a.[0] / tan (Math.PI * p / 2.0)
                      else
                          a.[0] * tan (Math.PI * p / 2.0))) with
            Fixed = Some(fun a -> LogPdfFixed.halfCauchy a.[0])
        }

    /// Student-t(dof, 0, scale) folded onto (0, ∞).
    let halfStudentT: DistFamily =
        { DistFamily.univariate
              "HalfStudentT"
              [ "dof"; "scale" ]
              Support.Positive
              (ScalarLogPdf.Two LogPdf.halfStudentT)
              (fun rng a -> abs (StudentT.Sample(rng, 0.0, a.[1], a.[0])))
              [ DistFamily.positive; DistFamily.positive ]
              (fun a -> DistFamily.anchorOne (log a.[1]) 1.0)
              (tails
                  (fun a x ->
                      onPositive x (fun () ->
                          let nu, t = a.[0], x / a.[1]
                          // 1 − F = 2 T_ν(−t) = I_{ν/(ν+t²)}(ν/2, ½), and F is its complement I_{t²/(ν+t²)}(½, ν/2)
                          let struct (survival, cdf) =
                              LogTails.logBetaRegularized (nu / 2.0) 0.5 (nu / (nu + t * t))

                          struct (cdf, survival)))
                  (fun a upperTail p ->
                      if upperTail then
                          -StudentT.InvCDF(0.0, a.[1], a.[0], p / 2.0)
                      else
                          StudentT.InvCDF(0.0, a.[1], a.[0], (1.0 + p) / 2.0))) with
            Fixed = Some(fun a -> LogPdfFixed.halfStudentT a.[0] a.[1])
        }

    /// Uniform(lower, upper) with constant bounds.
    let uniform: DistFamily =
        let f =
            DistFamily.univariate
                "Uniform"
                [ "lower"; "upper" ]
                Support.Real
                (ScalarLogPdf.Two LogPdf.uniform)
                (fun rng a -> ContinuousUniform.Sample(rng, a.[0], a.[1]))
                [ DistFamily.finite; DistFamily.finite ]
                (fun _ -> DistFamily.anchorOne 0.0 1.0)
                (tails
                    (fun a x ->
                        let w = a.[1] - a.[0]
                        struct (log (clamp01 ((x - a.[0]) / w)), log (clamp01 ((a.[1] - x) / w))))
                    (fun a upperTail p ->
                        if upperTail then
                            a.[1] - p * (a.[1] - a.[0])
                        else
                            a.[0] + p * (a.[1] - a.[0])))

        { f with
            Support =
                fun args ->
                    match args |> List.map Expr.tryConstant with
                    | [ Some lo; Some hi ] -> Support.Interval(lo, hi)
                    | _ -> Support.Real // validation refuses non-constant bounds before this matters
            InSupport =
                fun args x ->
                    match args, x with
                    | [ a; b ], Value.Scalar v -> v >= Value.scalar a && v <= Value.scalar b
                    | _ -> false
            Validate =
                fun args ->
                    DistFamily.all
                        [
                            (fun () -> f.Validate args)
                            fun () ->
                                DistFamily.check
                                    "upper"
                                    (Value.scalar (List.item 1 args) > Value.scalar (List.item 0 args))
                                    "must exceed lower"
                        ]
        }

    /// Exponential(rate).
    let exponential: DistFamily =
        { DistFamily.univariate
              "Exponential"
              [ "rate" ]
              Support.Positive
              (ScalarLogPdf.One LogPdf.exponential)
              (fun rng a -> Exponential.Sample(rng, a.[0]))
              [ DistFamily.positive ]
              (fun a -> DistFamily.anchorOne (log Constants.Ln2 - log a.[0]) 1.0)
              (tails
                  (fun a x -> onPositive x (fun () -> struct (LogTails.log1mexp (-a.[0] * x), -a.[0] * x)))
                  (fun a upperTail p ->
                      if upperTail then
                          -log p / a.[0]
                      else
                          -Numerics.log1p -p / a.[0])) with
            Sufficient = Some Sufficient.exponential
            Fixed = Some(fun a -> LogPdfFixed.exponential a.[0])
        }

    /// Gamma(shape, rate).
    let gamma: DistFamily =
        { DistFamily.univariate
              "Gamma"
              [ "shape"; "rate" ]
              Support.Positive
              (ScalarLogPdf.Two LogPdf.gamma)
              (fun rng a -> Numerics.positive (Gamma.Sample(rng, a.[0], a.[1])))
              [ DistFamily.positive; DistFamily.positive ]
              // sd of log x under Gamma(a, ·) is √ψ′(a) ≈ 1/√a for large a
              (fun a -> DistFamily.anchorOne (log a.[0] - log a.[1]) (DistFamily.capSpread (1.0 / sqrt a.[0])))
              (Some
                  {
                      LogCdfAndSurvival =
                          fun a x -> onPositive x (fun () -> LogTails.logGammaRegularized a.[0] (a.[1] * x))
                      Quantile =
                          fun a upperTail p ->
                              let lowerP = if upperTail then 1.0 - p else p
                              SpecialFunctions.GammaLowerRegularizedInv(a.[0], lowerP) / a.[1]
                      // the upper tail inverts P(shape, ·) at 1 − p
                      QuantileLosesDigits = id
                  }) with
            Sufficient = Some Sufficient.gamma
            Fixed = Some(fun a -> LogPdfFixed.gamma a.[0] a.[1])
        }

    /// Inverse-gamma(shape, scale).
    let inverseGamma: DistFamily =
        { DistFamily.univariate
              "InverseGamma"
              [ "shape"; "scale" ]
              Support.Positive
              (ScalarLogPdf.Two LogPdf.inverseGamma)
              (fun rng a -> InverseGamma.Sample(rng, a.[0], a.[1]))
              [ DistFamily.positive; DistFamily.positive ]
              (fun a -> DistFamily.anchorOne (log a.[1] - log a.[0]) (DistFamily.capSpread (1.0 / sqrt a.[0])))
              (Some
                  {
                      // X = 1/Y with Y ~ Gamma(shape, rate = scale): F_X(x) = Q(shape, scale/x).
                      LogCdfAndSurvival =
                          fun a x -> onPositive x (fun () -> swap (LogTails.logGammaRegularized a.[0] (a.[1] / x)))
                      // F_X(x) = Q(shape, scale/x) = p  ⇔  scale/x = P⁻¹(shape, 1 − p).
                      Quantile =
                          fun a upperTail p ->
                              a.[1]
                              / SpecialFunctions.GammaLowerRegularizedInv(a.[0], (if upperTail then p else 1.0 - p))
                      // the lower tail inverts P(shape, ·) at 1 − p
                      QuantileLosesDigits = not
                  }) with
            Sufficient = Some Sufficient.inverseGamma
            Fixed = Some(fun a -> LogPdfFixed.inverseGamma a.[0] a.[1])
        }

    /// Log-normal(logMean, logSd).
    let logNormal: DistFamily =
        { DistFamily.univariate
              "LogNormal"
              [ "logMean"; "logSd" ]
              Support.Positive
              (ScalarLogPdf.Two LogPdf.logNormal)
              (fun rng a -> LogNormal.Sample(rng, a.[0], a.[1]))
              [ DistFamily.finite; DistFamily.positive ]
              (fun a -> DistFamily.anchorOne a.[0] (DistFamily.capSpread a.[1]))
              (tails (fun a x -> onPositive x (fun () -> normalTails ((log x - a.[0]) / a.[1]))) (fun a upperTail p ->
                  exp (
                      if upperTail then
                          a.[0] - a.[1] * phiInv p
                      else
                          a.[0] + a.[1] * phiInv p
                  ))) with
            Sufficient = Some(Sufficient.normalOrLogNormal true)
        }

    /// Beta(alpha, beta).
    let beta: DistFamily =
        { DistFamily.univariate
              "Beta"
              [ "alpha"; "beta" ]
              Support.UnitInterval
              (ScalarLogPdf.Two LogPdf.beta)
              (fun rng a -> Numerics.unitOpen (Beta.Sample(rng, a.[0], a.[1])))
              [ DistFamily.positive; DistFamily.positive ]
              (fun a ->
                  DistFamily.anchorOne
                      (log a.[0] - log a.[1])
                      (DistFamily.capSpread (sqrt (1.0 / a.[0] + 1.0 / a.[1]))))
              (tails (fun a x -> LogTails.logBetaRegularized a.[0] a.[1] x) (fun a upperTail p ->
                  if upperTail then
                      1.0 - Beta.InvCDF(a.[1], a.[0], p)
                  else
                      Beta.InvCDF(a.[0], a.[1], p))) with
            Sufficient = Some Sufficient.beta
        }

    /// The two-group prior π₀·δ₀ + (1 − π₀)·Normal(0, slabSd).
    let spikeAndSlab: DistFamily =
        let f =
            DistFamily.univariate
                "SpikeAndSlab"
                [ "zeroWeight"; "slabSd" ]
                Support.Real
                (ScalarLogPdf.Two LogPdf.spikeAndSlab)
                (fun rng a ->
                    if rng.NextDouble() < a.[0] then
                        0.0
                    else
                        Normal.Sample(rng, 0.0, a.[1]))
                [ DistFamily.probability; DistFamily.positive ]
                (fun a -> DistFamily.anchorOne 0.0 (DistFamily.capSpread a.[1]))
                None

        { f with
            InSupport =
                fun _ x ->
                    match x with
                    | Value.Scalar v -> Double.IsFinite v
                    | _ -> false
        }
