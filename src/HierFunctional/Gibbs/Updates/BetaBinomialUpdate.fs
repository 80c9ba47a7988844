namespace HierFunctional

open HierFunctional.Inference

/// The executor of the Beta-Binomial rule (recogniser `CountConjugacy.betaBinomial`, posterior
/// `ConjugatePosterior.beta`).
[<RequireQualifiedAccess>]
module internal BetaBinomialUpdate =

    /// Beta(a, b) × Binomial children → Beta(a + Σy, b + Σ(n − y)).
    let betaBinomial (b: Bound) (target: NodeInfo) (alpha: Expr) (beta: Expr) (children: CountChild list) =
        let af = Eval.compileScalar b target.Scope alpha
        let bf = Eval.compileScalar b target.Scope beta

        CountSums.countUpdate b target children CountConjugacy.betaBinomial.Name (fun rng s i y trials ->
            Numerics.unitOpen (ConjugatePosterior.drawBeta rng { Alpha = af s i; Beta = bf s i } y (trials - y)))
