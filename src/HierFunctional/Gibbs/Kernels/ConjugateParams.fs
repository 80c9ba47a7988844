namespace HierFunctional.Inference

open System
open MathNet.Numerics.Distributions
open MathNet.Numerics.LinearAlgebra

/// Normal parameters: mean and standard deviation.
[<Struct>]
type NormalParams =
    {
        /// Mean.
        Mean: float
        /// Standard deviation.
        Sd: float
    }

/// Gamma parameters: shape and rate (mean shape/rate).
[<Struct>]
type GammaParams =
    {
        /// Shape.
        Shape: float
        /// Rate (inverse scale).
        Rate: float
    }

/// Inverse-gamma parameters: shape and scale (density ∝ x^(−shape−1) exp(−scale/x)).
[<Struct>]
type InverseGammaParams =
    {
        /// Shape.
        Shape: float
        /// Scale.
        Scale: float
    }

/// Beta parameters.
[<Struct>]
type BetaParams =
    {
        /// First shape (prior successes).
        Alpha: float
        /// Second shape (prior failures).
        Beta: float
    }

/// Generalized inverse Gaussian parameters: density ∝ x^(λ−1) exp(−(χ/x + ψx)/2) on x > 0.
[<Struct>]
type GigParams =
    {
        /// Index λ (any real).
        Lambda: float
        /// χ ≥ 0, the coefficient of 1/x.
        Chi: float
        /// ψ ≥ 0, the coefficient of x.
        Psi: float
    }

/// Sufficient statistics of n observations y_i ~ Normal(a_i + b_i θ, s_i) for θ:
/// Precision = Σ b_i²/s_i² and Shift = Σ b_i (y_i − a_i)/s_i².
[<Struct>]
type NormalLinearStats =
    {
        /// Σ b_i²/s_i².
        Precision: float
        /// Σ b_i (y_i − a_i)/s_i².
        Shift: float
    }

/// Gaussian children of a location μ and a scale τ that enter their means linearly, as a quadratic form:
/// Σ children log-density = −½(Aμ² + 2Cμτ + Dτ²) + Bμ + Tτ + const.
[<Struct>]
type LocationScaleStats =
    {
        /// Coefficient of −½μ².
        A: float
        /// Coefficient of −μτ.
        C: float
        /// Coefficient of −½τ².
        D: float
        /// Coefficient of μ.
        B: float
        /// Coefficient of τ.
        T: float
    }

/// A multivariate normal given by its mean and the lower Cholesky factor L of its precision Q = L Lᵀ.
type MvNormalPrecision =
    {
        /// Mean vector μ.
        Mean: float[]
        /// Lower-triangular L with precision Q = L Lᵀ.
        PrecisionCholesky: Matrix<float>
    }

/// Sufficient statistics of y = a + Xβ + ε, ε_i ~ Normal(0, s_i): XtWX = Xᵀ W X and XtWr = Xᵀ W (y − a), W = diag(1/s_i²).
type RegressionStats =
    {
        /// Xᵀ W X (k×k).
        XtWX: Matrix<float>
        /// Xᵀ W (y − a) (length k).
        XtWr: float[]
    }

/// Wishart (precision) or inverse-Wishart (covariance) parameters: degrees of freedom and scale matrix.
type WishartParams =
    {
        /// Degrees of freedom ν.
        Dof: float
        /// Scale matrix (V for a Wishart, Ψ for an inverse Wishart).
        Scale: Matrix<float>
    }

/// Accumulation of Normal-linear sufficient statistics.
[<RequireQualifiedAccess>]
module NormalLinearStats =
    /// No observations.
    let empty = { Precision = 0.0; Shift = 0.0 }

    /// Adds one observation y ~ Normal(offset + scale·θ, sd).
    let add (stats: NormalLinearStats) (offset: float) (scale: float) (sd: float) (y: float) =
        let w = 1.0 / (sd * sd)

        {
            Precision = stats.Precision + scale * scale * w
            Shift = stats.Shift + scale * (y - offset) * w
        }

    /// Statistics of observations y_i ~ Normal(offset_i + scale_i·θ, sd_i).
    let ofArrays (offsets: float[]) (scales: float[]) (sds: float[]) (ys: float[]) =
        let n = ys.Length

        if offsets.Length <> n || scales.Length <> n || sds.Length <> n then
            invalidArg
                "ys"
                $"offsets, scales, sds and ys must have equal lengths, got {offsets.Length}, {scales.Length}, {sds.Length}, {n}."

        let mutable acc = empty // local accumulation behind a pure interface

        for i in 0 .. n - 1 do
            acc <- add acc offsets[i] scales[i] sds[i] ys[i]

        acc
