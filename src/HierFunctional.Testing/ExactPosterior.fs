namespace HierFunctional.Testing

open System
open HierFunctional
open HierFunctional.Inference
open MathNet.Numerics.Random

/// The exact posterior mean and sd of one scalar, from a closed form or quadrature.
type ExactMoments =
    {
        /// Scalar name as in the posterior (`mu`, `theta[2]`).
        Name: string
        /// Exact posterior mean.
        Mean: float
        /// Exact posterior standard deviation.
        Sd: float
    }

/// The sampler's posterior against an exact one: each mean, and each second moment E[x²] = sd² + mean², within
/// Z Monte Carlo standard errors (ESS-based, over all chains).
[<RequireQualifiedAccess>]
module ExactPosterior =

    let private fail msg = { Passed = false; Message = msg }

    /// The exact posterior of the one scalar parameter of a model, by quadrature of its log-density on the
    /// unconstrained scale; an error for a model with more than one unconstrained coordinate.
    let byQuadrature (model: Model) (data: Dataset) : Result<ExactMoments, string> =
        match Bind.bind model data with
        | Error e -> Error(e |> List.map ModelError.describe |> String.concat "; ")
        | Ok b when b.Layout.UnconstrainedSize <> 1 || b.Layout.Size <> 1 ->
            Error
                $"the model has {b.Layout.Size} parameter elements; quadrature covers a model with one scalar parameter (give the exact posterior to ExactPosterior.check instead)."
        | Ok b ->
            let density = LogDensity.compile b
            let start = Forward.priorDraw (Xoshiro256StarStar(1, false)) b
            let u0 = density.ToUnconstrained start
            let f (v: float) = density.JointUnconstrained [| v |]
            let g (v: float) = (density.FromUnconstrained [| v |]).[0]

            Quadrature.moments f g u0.[0] 1.0
            |> Result.map (fun (m1, m2) ->
                {
                    Name = b.Layout.Names.[0]
                    Mean = m1
                    Sd = sqrt (max 0.0 (m2 - m1 * m1))
                })

    /// Compares a posterior's draws with exact moments: mean and E[x²] within z MCSE.
    let compare (z: float) (posterior: Posterior) (expected: ExactMoments list) : CheckResult =
        let rows =
            expected
            |> List.collect (fun e ->
                let x = Posterior.chains e.Name posterior
                let x2 = x |> Array.map (Array.map (fun v -> v * v))

                [
                    $"mean of {e.Name}", x, e.Mean
                    $"E[{e.Name}²]", x2, e.Sd * e.Sd + e.Mean * e.Mean
                ]
                |> List.map (fun (what, draws, truth) ->
                    let m, mcse = Diagnostics.mean draws, Diagnostics.mcseMean draws
                    what, m, truth, (if mcse > 0.0 then (m - truth) / mcse else nan)))

        let badness (_, _, _, z: float) =
            if Double.IsNaN z then infinity else abs z

        let what, m, truth, zw = rows |> List.maxBy badness

        {
            Passed = rows |> List.forall (fun r -> badness r < z)
            Message =
                $"exact posterior ({rows.Length} moments): worst {what}: sampler {m:G6} vs exact {truth:G6}, z = {zw:F2} (|z| < {z} needed)."
        }

    /// Fits the model with the given rules and compares the posterior with the exact moments (|z| < 4).
    let check
        (options: SamplerOptions)
        (rules: ConjugacyRule list)
        (model: Model)
        (data: Dataset)
        (expected: ExactMoments list)
        =
        match Bind.bind model data |> Result.bind (Gibbs.compileWith rules) with
        | Error e ->
            let why = e |> List.map ModelError.describe |> String.concat "; "
            fail $"the model does not compile: {why}"
        | Ok plan -> compare 4.0 (Chains.run options plan) expected

    /// A rule's example with one scalar parameter, fitted with the rule first, against quadrature.
    let ofRule (options: SamplerOptions) (ex: RuleExample) =
        match RuleChecks.planFor ex, byQuadrature ex.Model ex.Data with
        | Error msg, _
        | _, Error msg -> fail msg
        | Ok(plan, _), Ok exact -> compare 4.0 (Chains.run options plan) [ exact ]
