namespace HierFunctional.Inference

open HierFunctional


/// What a matched rule hands the compiler: a builder of the node's update from the bound model. `Error` is a rejection
/// the rule can only see once the data are bound (e.g. a child indexing the target by a column it is not grouped by).
type RuleExecutor = Bound -> NodeInfo -> Result<Update, string>

/// A conjugacy rule: its recogniser and its executor packed as one value, so the compiler runs any rule, built-in or
/// user-written, without knowing its cases. Build one with `Rules.create`.
type ConjugacyRule =
    {
        /// Short name shown by `Gibbs.describe` (like JAGS's sampler names).
        Name: string
        /// The update's math, one row per form of the rule (the conjugacy table is rendered from it).
        Math: RuleMath list
        /// Recognises the pattern for a target node of the expanded model; a match carries the executor.
        Try: Model -> Node -> RuleOutcome<RuleExecutor>
    }

/// The built-in conjugacy rules (each a recogniser of `Gibbs/Analysis` with its executor of `Gibbs/Updates`), and how
/// to make new ones.
[<RequireQualifiedAccess>]
module Rules =

    /// Packs a recogniser and the executor that implements its match into one rule; the match type `'m` stays inside.
    let create
        (recogniser: Recogniser<'m>)
        (execute: Bound -> NodeInfo -> 'm -> Result<Update, string>)
        : ConjugacyRule =
        {
            Name = recogniser.Name
            Math = recogniser.Math
            Try =
                fun expanded target ->
                    recogniser.Recognise expanded target
                    |> RuleOutcome.map (fun m -> fun b info -> execute b info m)
        }

    /// Normal prior × Normal children linear in the target (`NormalConjugacy.normalMean`).
    let normalMean =
        create NormalConjugacy.normalMean (fun b t (m0, s0, cs) -> NormalUpdates.normalMean b t m0 s0 cs)

    /// Spike-and-slab prior × Normal children linear in the target (`NormalConjugacy.spikeAndSlab`).
    let spikeAndSlab =
        create NormalConjugacy.spikeAndSlab (fun b t (w, sd, cs) -> NormalUpdates.spikeAndSlab b t w sd cs)

    /// iid Normal prior on a coefficient vector × regression children (`NormalConjugacy.normalBlock`).
    let normalBlock =
        create NormalConjugacy.normalBlock (fun b t (m0, s0, cs) -> NormalUpdates.normalBlock b t m0 s0 cs)

    /// A scale parameter of Normal children (`NormalConjugacy.normalScale`).
    let normalScale =
        create NormalConjugacy.normalScale (fun b t (link, prior, cs) -> ScaleUpdates.normalScale b t link prior cs)

    /// A positive scalar entering Normal means linearly (`NormalConjugacy.normalLinearPositive`).
    let normalLinearPositive =
        create NormalConjugacy.normalLinearPositive (fun b t (prior, cs) ->
            NormalUpdates.normalLinearPositive b t prior cs)

    /// Two hyperparameters of Beta rates with Binomial/Bernoulli children, the rates integrated out
    /// (`CollapsedBetaConjugacy.recogniser`).
    let collapsedBetaBinomial =
        create CollapsedBetaConjugacy.recogniser CollapsedBetaBinomial.update

    /// Beta prior × Binomial/Bernoulli children (`CountConjugacy.betaBinomial`).
    let betaBinomial =
        create CountConjugacy.betaBinomial (fun b t (a, bb, cs) -> BetaBinomialUpdate.betaBinomial b t a bb cs)

    /// Gamma prior × Poisson children (`CountConjugacy.gammaPoisson`).
    let gammaPoisson =
        create CountConjugacy.gammaPoisson (fun b t (a, r, cs) -> GammaPoissonUpdate.gammaPoisson b t a r cs)

    /// Gamma prior × Exponential children (`CountConjugacy.gammaExponential`).
    let gammaExponential =
        create CountConjugacy.gammaExponential (fun b t (a, r, cs) -> GammaRateUpdates.gammaExponential b t a r cs)

    /// Gamma prior on the rate of Gamma children (`CountConjugacy.gammaRateOfGamma`).
    let gammaRateOfGamma =
        create CountConjugacy.gammaRateOfGamma (fun b t (a, r, cs) -> GammaRateUpdates.gammaRateOfGamma b t a r cs)

    /// Dirichlet prior × Categorical/Multinomial children (`CountConjugacy.dirichletCounts`).
    let dirichletCounts =
        create CountConjugacy.dirichletCounts (fun b t (a, cs) -> DirichletUpdate.dirichletCounts b t a cs)

    /// MvNormal prior × MvNormal children with the target as mean (`MvConjugacy.mvNormalMean`).
    let mvNormalMean =
        create MvConjugacy.mvNormalMean (fun b t (m0, s0, cs) -> MvNormalMeanUpdate.mvNormalMean b t m0 s0 cs)

    /// InverseWishart prior × MvNormal children with the target as covariance (`MvConjugacy.inverseWishartCovariance`).
    let inverseWishartCovariance =
        create MvConjugacy.inverseWishartCovariance (fun b t (nu, psi, cs) ->
            WishartUpdates.inverseWishartCovariance b t nu psi cs)

    /// Wishart prior × MvNormal children with the target as precision (`MvConjugacy.wishartPrecision`).
    let wishartPrecision =
        create MvConjugacy.wishartPrecision (fun b t (nu, v, cs) -> WishartUpdates.wishartPrecision b t nu v cs)

    /// MvNormal prior × Normal children with dot-product means (`MvConjugacy.mvNormalLinear`).
    let mvNormalLinear =
        create MvConjugacy.mvNormalLinear (fun b t (m0, s0, cs) -> MvNormalLinearUpdate.mvNormalLinear b t m0 s0 cs)

    /// Gaussian prior × logistic children (`GlmConjugacy.polyaGammaLogistic`): rows that collapse per element take the
    /// O(1)-per-element kernel, the rest Pólya-Gamma augmentation.
    let polyaGammaLogistic =
        create GlmConjugacy.polyaGammaLogistic (fun b t (prior, cs) ->
            match LogitIntercepts.tryUpdate b t prior cs with
            | Some u -> Ok u
            | None -> PolyaGammaUpdate.update b t prior cs)

    /// Gaussian prior × log-linear count children (`GlmConjugacy.logLinearCount`).
    let logLinearCount =
        create GlmConjugacy.logLinearCount (fun b t (prior, cs) -> LogLinearCountUpdate.update b t prior cs)

    /// A conjugate prior truncated to constant bounds (`TruncatedConjugate.recogniser`).
    let truncated =
        create TruncatedConjugate.recogniser (fun b t (l, u, inner) -> TruncatedConjugate.update b t l u inner)

    /// The built-in rules, tried in this order.
    let builtIn: ConjugacyRule list =
        [
            normalMean
            spikeAndSlab
            normalBlock
            normalScale
            normalLinearPositive
            collapsedBetaBinomial
            betaBinomial
            gammaPoisson
            gammaExponential
            gammaRateOfGamma
            dirichletCounts
            mvNormalMean
            inverseWishartCovariance
            wishartPrecision
            mvNormalLinear
            polyaGammaLogistic
            logLinearCount
            truncated
        ]

    /// The rules' math as a Markdown table, one row per form of each rule (how `docs/conjugacy.md` is generated).
    let table (rules: ConjugacyRule list) : string =
        let cell (s: string) = s.Replace("|", "\\|")

        let row (rule: ConjugacyRule) (m: RuleMath) =
            let name = if m.Case = "" then rule.Name else $"{rule.Name} ({m.Case})"

            $"| {cell name} | {cell m.Prior} | {cell m.Children} | {cell m.Conditional} |"

        [
            yield "| rule (`Gibbs.describe` name) | prior on θ | children | full conditional |"
            yield "|---|---|---|---|"
            for rule in rules do
                for m in rule.Math do
                    yield row rule m
        ]
        |> String.concat "\n"
