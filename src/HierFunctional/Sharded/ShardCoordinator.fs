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
    /// sums the shards do not return), the Gamma-Poisson plan as `Gibbs.compile` makes it.
    let settings (m: TwoLevelModel) : CompileSettings =
        match m with
        | TwoLevelModel.Normal _ -> CompileSettings.Default.WithInterweaving false
        | TwoLevelModel.GammaPoisson _ -> CompileSettings.Default

    /// The start the library's chain needs to draw what the sharded run draws: the globals and every group at
    /// `ShardEngine.groupStart`.
    let initial (m: TwoLevelModel) (globals: float[]) (groups: int) : Initial =
        let start = Value.Vector(Array.create groups (ShardEngine.groupStart m globals))

        match m with
        | TwoLevelModel.Normal _ ->
            Initial.Given
                [
                    "mu", Value.Scalar globals.[0]
                    "tau", Value.Scalar globals.[1]
                    "sigma", Value.Scalar globals.[2]
                    "theta", start
                ]
        | TwoLevelModel.GammaPoisson _ ->
            Initial.Given
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

/// What a coordinator must keep to go back to a sweep: the chain's key, the globals, the chain's generator, the
/// α slice width (Gamma-Poisson) and the combined sums of the groups' current values.
type CoordinatorState =
    {
        Seed: int
        Chain: int
        Globals: float[]
        Generator: uint64[]
        Width: SliceWidth
        Sums: float[]
    }

/// The hyperparameter half of the plan's sweep: the global updates in plan order on the chain's own generator
/// (`Chains.generator seed chain`), each from the combined block sums (`ShardEngine.reduce`) through the same
/// functions the plan's updates call.
[<Sealed>]
type ShardCoordinator(twoLevel: TwoLevelModel, groups: int, observations: float, state: CoordinatorState) =
    let mutable globals = Array.copy state.Globals
    let mutable rng = Philox4x32.FromState state.Generator
    let mutable sums = Array.copy state.Sums
    let widths = [| state.Width |]

    // α's move (CollapsedRate) on a two-value state [α; β], with α's log-prior term from the library's density
    let collapsed =
        match twoLevel with
        | TwoLevelModel.GammaPoisson p ->
            let priors =
                model {
                    let! _ = sample "alpha" (Distributions.Gamma(p.AlphaShape, p.AlphaRate))
                    let! _ = sample "beta" (Distributions.Gamma(p.BetaShape, p.BetaRate))
                    return ()
                }

            let plan =
                Bind.bind priors Dataset.empty
                |> Result.bind Gibbs.compile
                |> Result.defaultWith (fun e -> invalidOp $"the Gamma-Poisson priors do not compile: %A{e}")

            let move: CollapsedRate.Move =
                {
                    Name = "alpha"
                    Rule = "slice (collapsed beta)"
                    Own = plan.Density.Term { Node = "alpha"; Copy = 0 }
                    Shape = fun s -> s.[0]
                    C = fun _ -> p.BetaShape
                    D = fun _ -> p.BetaRate
                    Support = Dist.support (Dist.Gamma(Const p.AlphaShape, Const p.AlphaRate))
                    Offset = 0
                    RateOffset = 1
                    Count = float groups
                }

            Some(move, CollapsedRate.scratch move)
        | TwoLevelModel.Normal _ -> None

    /// A coordinator at the start of a run: the globals given, the generator at counter 0, the groups' sums at
    /// their start (`initialSums`).
    new
        (
            twoLevel: TwoLevelModel,
            seed: int,
            chain: int,
            groups: int,
            observations: float,
            start: float[],
            initialSums: float[]
        ) =
        ShardCoordinator(
            twoLevel,
            groups,
            observations,
            {
                Seed = seed
                Chain = chain
                Globals = start
                Generator = Philox4x32.Create(seed, chain).State
                Width = Slice.initialWidth 1.0
                Sums = initialSums
            }
        )

    /// The current globals.
    member _.Globals = Array.copy globals

    /// Everything needed to come back to this point (`ShardCoordinator(model, groups, observations, state)`).
    member _.State =
        {
            Seed = state.Seed
            Chain = state.Chain
            Globals = Array.copy globals
            Generator = rng.State
            Width = widths.[0]
            Sums = Array.copy sums
        }

    /// Draws the globals of sweep `sweep` from the sums of the groups' current values, in plan order; `adapting`
    /// during warm-up (the α slice width adapts).
    member _.Draw(sweep: int, adapting: bool) : float[] =
        let j = float groups

        match twoLevel, collapsed with
        | TwoLevelModel.Normal p, _ ->
            let s = Array.copy globals
            // μ | θ: the plan's Normal-Normal update is group-wise with one group (NormalUpdates.drawElementRange on
            // the stream of update 0, group 0), from GaussianLikelihood's fused kernel: coefficient 1, sd τ^−½, Σθ
            let sv = s.[1] ** -0.5
            let iv = 1.0 / (sv * sv)
            let p0 = 1.0 / (p.MuSd * p.MuSd)
            let precision = p0 + iv * j

            let z =
                StandardNormal.sample (Philox4x32.ForGroup(state.Seed, state.Chain, 0, sweep, 0))

            s.[0] <- (p.MuMean * p0 + iv * sums.[0]) / precision + (1.0 / sqrt precision) * z

            // τ | θ, μ: Σ(θ − μ)² from the moments (ScaleUpdates' latent path)
            let moments: BlockSums.Moments =
                {
                    Count = sums.[1]
                    Mean = sums.[2]
                    M2 = sums.[3]
                }

            s.[1] <-
                ConjugatePosterior.drawPrecision
                    rng
                    { Shape = p.TauShape; Rate = p.TauRate }
                    j
                    (BlockSums.squaresAbout moments s.[0])

            // σ | θ, y: Σ_j W_j + n_j (ȳ_j − θ_j)² (ScaleUpdates' level path)
            s.[2] <-
                ConjugatePosterior.drawPrecision
                    rng
                    {
                        Shape = p.SigmaShape
                        Rate = p.SigmaRate
                    }
                    observations
                    sums.[4]

            globals <- s
            Array.copy s
        | TwoLevelModel.GammaPoisson p, Some(move, scratch) ->
            let s = Array.copy globals
            CollapsedRate.moveFromSums move scratch widths rng adapting s sums.[0] sums.[1]

            s.[1] <-
                Numerics.positive (
                    ConjugatePosterior.drawGammaRate
                        rng
                        {
                            Shape = p.BetaShape
                            Rate = p.BetaRate
                        }
                        (j * s.[0])
                        1.0
                        sums.[1]
                )

            globals <- s
            Array.copy s
        | TwoLevelModel.GammaPoisson _, None -> invalidOp "unreachable: the Gamma-Poisson coordinator has its α move."

    /// Takes the combined sums (`ShardEngine.reduce`) of the groups drawn given the last globals.
    member _.Absorb(combined: float[]) = sums <- Array.copy combined
