namespace HierFunctional.Sharded

open System
open HierFunctional
open HierFunctional.Inference

/// The library model a `TwoLevelModel` stands for, and the settings its plan is compiled with: the sharded
/// sampler's draws are those of `Chains.run` on this plan (one chain, `Initial.Given` at the run's start values).
[<RequireQualifiedAccess>]
module ShardPlan =

    /// The model in the DSL: Normal `mu`, `tau`, `sigma`, `theta` over `g`, rows `y`; Gamma-Poisson `alpha`,
    /// `beta`, `theta` over `g`, rows `x` with exposure `t`.
    let model (m: TwoLevelModel) : Model =
        match m with
        | TwoLevelModel.Normal p ->
            model {
                let! mu = sample "mu" (Distributions.Normal(p.MuMean, p.MuSd))
                let! tau = sample "tau" (Distributions.Gamma(p.TauShape, p.TauRate))
                let! sigma = sample "sigma" (Distributions.Gamma(p.SigmaShape, p.SigmaRate))
                let! theta = sample "theta" (Distributions.NormalPrecision(mu, tau)) |> over "g"
                do! observe "y" (Distributions.NormalPrecision(theta.[group "g"], sigma))
            }
        | TwoLevelModel.GammaPoisson p ->
            model {
                let! alpha = sample "alpha" (Distributions.Gamma(p.AlphaShape, p.AlphaRate))
                let! beta = sample "beta" (Distributions.Gamma(p.BetaShape, p.BetaRate))
                let! theta = sample "theta" (Distributions.Gamma(alpha, beta)) |> over "g"
                do! observe "x" (Distributions.Poisson(theta.[group "g"], data "t"))
            }

    /// The compile settings: the Normal plan without its interweaving step (the ASIS move rewrites every θ_j from
    /// sums the shards do not return), the Gamma-Poisson plan without the tabulated (α, β) step (the sharded sweep
    /// reproduces α's collapsed slice, then β and θ one at a time).
    let settings (m: TwoLevelModel) : CompileSettings =
        match m with
        | TwoLevelModel.Normal _ -> CompileSettings.Default.WithInterweaving false
        | TwoLevelModel.GammaPoisson _ -> CompileSettings.Default.WithTabulatedHyperparameters false

    /// The start the library's chain needs to draw what the sharded run draws: the globals and every group at
    /// `ShardEngine.groupStart`.
    let initial (m: TwoLevelModel) (globals: float[]) (groups: int) : Initial =
        let start = Value.Vector(Array.create groups (ShardEngine.groupStart m globals))

        match m with
        | TwoLevelModel.Normal _ ->
            Initial.given
                [
                    "mu", Value.Scalar globals.[0]
                    "tau", Value.Scalar globals.[1]
                    "sigma", Value.Scalar globals.[2]
                    "theta", start
                ]
        | TwoLevelModel.GammaPoisson _ ->
            Initial.given
                [
                    "alpha", Value.Scalar globals.[0]
                    "beta", Value.Scalar globals.[1]
                    "theta", start
                ]

    /// The methods, in sweep order, that the plan of `model` must list for the sharded sweep to be its sweep.
    let expectedMethods (m: TwoLevelModel) : (string * string) list =
        match m with
        | TwoLevelModel.Normal _ ->
            [
                "mu", "Normal-Normal"
                "tau", "Normal scale (Gamma on a precision)"
                "sigma", "Normal scale (Gamma on a precision)"
                "theta", "Normal-Normal"
            ]
        | TwoLevelModel.GammaPoisson _ ->
            [
                "alpha", "slice (collapsed beta)"
                "beta", "Gamma rate of Gamma"
                "theta", "Gamma-Poisson"
            ]

    /// Ok when `plan` is the plan the sharded sweep reproduces (its updates, in order, are `expectedMethods`);
    /// otherwise an error naming the first update that differs.
    let check (m: TwoLevelModel) (plan: GibbsPlan) : Result<unit, string> =
        let actual = plan.Updates |> Array.map (fun u -> u.Node, u.Method) |> List.ofArray
        let expected = expectedMethods m

        if actual = expected then
            Ok()
        else
            let show (xs: (string * string) list) =
                String.Join("; ", xs |> List.map (fun (n, u) -> $"{n}: {u}"))

            Error
                $"the sharded sampler reproduces the sweep [{show expected}], but this plan's sweep is [{show actual}]; compile with ShardPlan.settings."
