namespace HierFunctional.Sharded

open System
open HierFunctional
open HierFunctional.Inference

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
