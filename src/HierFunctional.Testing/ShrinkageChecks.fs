namespace HierFunctional.Testing

open System
open HierFunctional
open MathNet.Numerics.Distributions
open MathNet.Numerics.Random

/// A Normal-Normal shrinkage estimator under test: given μ, τ, σ, the mean ȳ of a group of n observations, the
/// posterior mean and sd of the group's θ (y_i ~ N(θ, σ²), θ ~ N(μ, τ²)).
type NormalShrinker = float -> float -> float -> float -> int -> float * float

/// Invariants every partial-pooling estimator of a Normal hierarchy must keep, checked on generated hierarchies
/// (`Generators.normalHierarchy`, `Generators.groupedData`).
[<RequireQualifiedAccess>]
module ShrinkageChecks =

    let private result ok msg = { Passed = ok; Message = msg }

    /// The library's closed form (`Shrinkage.normalMean`).
    let library: NormalShrinker =
        fun mu tau sigma ybar n ->
            let s = HierFunctional.Analytic.Shrinkage.normalMean mu tau sigma ybar n
            s.PosteriorMean, s.PosteriorSd

    /// Each group's posterior mean lies between its own mean ȳ_j and the population mean μ.
    let betweenEstimateAndMean (shrink: NormalShrinker) (d: GroupedData) =
        let outside =
            d.Groups
            |> Array.indexed
            |> Array.choose (fun (j, ys) ->
                let ybar = Array.average ys
                let m, _ = shrink d.Mu d.Tau d.Sigma ybar ys.Length
                let lo, hi = min ybar d.Mu, max ybar d.Mu
                let slack = 1e-12 * (1.0 + abs lo + abs hi)

                if m >= lo - slack && m <= hi + slack then
                    None
                else
                    Some
                        $"group {j + 1}: posterior mean {m:G6} outside [{lo:G6}, {hi:G6}] (ȳ = {ybar:G6}, μ = {d.Mu:G6})")

        result
            (outside.Length = 0)
            (if outside.Length = 0 then
                 $"all {d.Groups.Length} posterior means lie between their group mean and μ."
             else
                 String.Join("; ", outside))

    /// The pull towards μ, (ȳ − E[θ | ȳ]) / (ȳ − μ), falls strictly as the group size n grows (here for
    /// n = 1 .. the largest group size + 5, at an estimate ȳ = μ + τ + σ away from μ).
    let fallsWithGroupSize (shrink: NormalShrinker) (h: NormalHierarchy) =
        let ybar = h.Mu + h.Tau + h.Sigma
        let top = Array.max h.GroupSizes + 5

        let pulls =
            [| 1..top |]
            |> Array.map (fun n -> n, (ybar - fst (shrink h.Mu h.Tau h.Sigma ybar n)) / (ybar - h.Mu))

        let stalls =
            pulls |> Array.pairwise |> Array.filter (fun ((_, a), (_, b)) -> not (b < a))

        match Array.tryHead stalls with
        | None ->
            result
                true
                $"the pull towards μ falls from {snd pulls.[0]:G4} (n = 1) to {snd pulls.[top - 1]:G4} (n = {top})."
        | Some((n1, a), (n2, b)) ->
            result
                false
                $"the pull towards μ does not fall from n = {n1} to n = {n2}: {a:R} then {b:R} (μ = {h.Mu:G4}, τ = {h.Tau:G4}, σ = {h.Sigma:G4})."

    /// The law of total variance: with θ ~ N(μ, τ²) and ȳ | θ the mean of n draws, Var(θ) = τ² =
    /// E[Var(θ | ȳ)] + Var(E[θ | ȳ]). Simulates `draws` groups (size: the first group size of h, seeded) and checks
    /// Var(E[θ | ȳ]) against τ² − E[Var(θ | ȳ)] within 4 MCSE.
    let lawOfTotalVariance (draws: int) (seed: int) (shrink: NormalShrinker) (h: NormalHierarchy) =
        let rng = Xoshiro256StarStar(seed, false)
        let n = h.GroupSizes.[0]

        let post =
            Array.init draws (fun _ ->
                let theta = Normal.Sample(rng, h.Mu, h.Tau)
                let ybar = Normal.Sample(rng, theta, h.Sigma / sqrt (float n))
                shrink h.Mu h.Tau h.Sigma ybar n)

        let means = post |> Array.map fst
        let expectedVariance = post |> Array.averageBy (fun (_, sd) -> sd * sd)
        let c = Checks.varianceWithinMcse 4.0 (h.Tau * h.Tau - expectedVariance) means
        result c.Passed $"Var(E[θ | ȳ]) vs τ² − E[Var(θ | ȳ)] (τ = {h.Tau:G4}, σ = {h.Sigma:G4}, n = {n}): {c.Message}"
