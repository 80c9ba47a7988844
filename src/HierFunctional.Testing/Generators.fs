namespace HierFunctional.Testing

open FsCheck
open FsCheck.FSharp

/// One group of Binomial data: successes never exceed trials.
type BinomialGroup =
    {
        /// Number of successes, 0 ≤ Successes ≤ Trials.
        Successes: int
        /// Number of trials, ≥ 1.
        Trials: int
    }

/// A grouped Normal data set: observations per group plus the parameters that generated them.
type GroupedData =
    {
        /// Observations of each group (every group has at least one).
        Groups: float[][]
        /// Population mean used to simulate.
        Mu: float
        /// Between-group sd used to simulate.
        Tau: float
        /// Within-group sd used to simulate.
        Sigma: float
    }

/// A random two-level Normal hierarchy: y_ij ~ N(θ_j, σ²), θ_j ~ N(μ, τ²), with its group sizes.
type NormalHierarchy =
    {
        /// Population mean μ.
        Mu: float
        /// Between-group sd τ.
        Tau: float
        /// Within-group sd σ.
        Sigma: float
        /// Size of each group.
        GroupSizes: int[]
    }

/// FsCheck generators for statistical property tests: finite numbers, scales, probabilities, counts and grouped data.
[<RequireQualifiedAccess>]
module Generators =

    /// Uniform floats in [lower, upper] (finite by construction, unlike Arb.Default floats).
    let floatIn (lower: float) (upper: float) : Gen<float> =
        if not (lower <= upper) then
            invalidArg "upper" $"need lower ≤ upper, but got [{lower}, {upper}]."

        Gen.choose (0, 1_000_000)
        |> Gen.map (fun k -> lower + (upper - lower) * float k / 1e6)

    /// Finite floats of moderate size, in [−100, 100].
    let finiteFloat: Gen<float> = floatIn -100.0 100.0

    /// Positive scales spread over several orders of magnitude: 10^u with u uniform in [−2, 2].
    let positiveScale: Gen<float> = floatIn -2.0 2.0 |> Gen.map (fun u -> 10.0 ** u)

    /// Probabilities strictly inside (0, 1): [0.001, 0.999].
    let probability: Gen<float> = floatIn 0.001 0.999

    /// Binomial counts consistent with their trials: trials in [1, maxTrials], successes in [0, trials].
    let binomialGroup (maxTrials: int) : Gen<BinomialGroup> =
        gen {
            let! n = Gen.choose (1, maxTrials)
            let! y = Gen.choose (0, n)
            return { Successes = y; Trials = n }
        }

    /// Poisson-style counts in [0, maxCount] with positive exposures (see `positiveScale`).
    let countWithExposure (maxCount: int) : Gen<int * float> =
        Gen.zip (Gen.choose (0, maxCount)) positiveScale

    /// A random two-level Normal hierarchy with between 2 and maxGroups groups of 1 to maxSize members.
    let normalHierarchy (maxGroups: int) (maxSize: int) : Gen<NormalHierarchy> =
        gen {
            let! j = Gen.choose (2, maxGroups)
            let! sizes = Gen.arrayOfLength j (Gen.choose (1, maxSize))
            let! mu = floatIn -10.0 10.0
            let! tau = positiveScale
            let! sigma = positiveScale

            return
                {
                    Mu = mu
                    Tau = tau
                    Sigma = sigma
                    GroupSizes = sizes
                }
        }

    /// Grouped Normal data simulated from a random `normalHierarchy` with a seed drawn by FsCheck.
    let groupedData (maxGroups: int) (maxSize: int) : Gen<GroupedData> =
        gen {
            let! h = normalHierarchy maxGroups maxSize
            let! seed = Gen.choose (0, System.Int32.MaxValue)
            let rng = MathNet.Numerics.Random.Xoshiro256StarStar(seed)

            let draw m s =
                MathNet.Numerics.Distributions.Normal.Sample(rng, m, s)

            let groups =
                h.GroupSizes
                |> Array.map (fun n -> let theta = draw h.Mu h.Tau in Array.init n (fun _ -> draw theta h.Sigma))

            return
                {
                    Groups = groups
                    Mu = h.Mu
                    Tau = h.Tau
                    Sigma = h.Sigma
                }
        }
