namespace HierFunctional

open System
open System.Globalization

/// What a warning reports. The convergence kinds are found in the draws after a run; `ModelCheck` carries a
/// problem found before sampling (a model that is probably not what was meant), so one list can hold both.
[<RequireQualifiedAccess>]
type WarningKind =
    /// A draw is NaN or ±infinity.
    | NonFinite
    /// Draws beyond 1e10 in magnitude, or a chain whose magnitude keeps growing over the run.
    | UnboundedGrowth
    /// A chain whose draws never change.
    | Stuck
    /// A chain sitting at 0 (a non-negative scalar) or at 1 (a probability).
    | AtBoundary
    /// R-hat above its threshold: the chains disagree.
    | HighRhat
    /// Bulk ESS below its threshold: the mean and sd are imprecise.
    | LowBulkEss
    /// Tail ESS below its threshold: the outer quantiles are imprecise.
    | LowTailEss
    /// R-hat could not be computed (too few draws per chain).
    | NotComputable
    /// A problem in the model found before sampling.
    | ModelCheck

/// A problem to read before the results: its kind, where it is (node, scalars, chains), what was found, what to try.
type Warning =
    {
        /// The kind of problem.
        Kind: WarningKind
        /// The node it is about, e.g. `theta`.
        Node: string
        /// The scalars affected, e.g. `theta[2]`, `theta[5]` (the node itself for a scalar node or a model check).
        Scalars: string[]
        /// The 1-based chains that show it, ascending; empty for a model check.
        Chains: int[]
        /// What was found, with the numbers.
        Problem: string
        /// What to try.
        Advice: string
    }

    /// One line: where (scalars, chains), what was found, what to try (`Warnings.describe`).
    override w.ToString() =
        let shown = w.Scalars |> Array.truncate 5 |> String.concat ", "

        let scalars =
            if w.Scalars.Length > 5 then
                $"{shown} and {w.Scalars.Length - 5} more"
            else
                shown

        let where =
            if Array.isEmpty w.Chains then
                scalars
            else
                let word = if w.Chains.Length = 1 then "chain" else "chains"
                let chains = w.Chains |> Array.map string |> String.concat ", "
                $"{scalars} ({word} {chains})"

        let advice = if String.IsNullOrEmpty w.Advice then "" else " " + w.Advice
        $"{where}: {w.Problem}.{advice}"

/// One scalar's problem, before scalars of the same node are grouped into one warning.
type internal ScalarFinding =
    {
        /// The kind of problem.
        Kind: WarningKind
        /// The scalar, e.g. `theta[3]`.
        Scalar: string
        /// The 1-based chains that show it.
        Chains: int list
        /// The statistic that triggered it (R-hat, ESS, largest magnitude, boundary, count of non-finite draws).
        Value: float
    }

/// Thresholds of the convergence checks.
type WarningOptions =
    {
        /// R-hat above this is flagged.
        MaxRhat: float
        /// Bulk or tail ESS below this many per chain is flagged.
        MinEssPerChain: float
    }

/// Convergence warnings computed from the draws: non-finite draws, unbounded growth, stuck chains, chains at a
/// boundary, R-hat and ESS (from `Diagnostics`). Each names the node, scalars and chains and says what to try.
[<RequireQualifiedAccess>]
module Warnings =

    let private inv = CultureInfo.InvariantCulture

    /// R-hat above which a scalar is flagged (Vehtari et al. 2021 recommend 1.01).
    let rhatThreshold = 1.01

    /// Bulk and tail ESS per chain below which a scalar is flagged (Vehtari et al. 2021: 100 per chain).
    let essPerChainThreshold = 100.0

    /// Magnitude beyond which a draw counts as unbounded growth: no parameter on a sensible scale reaches it.
    let growthLimit = 1e10

    /// Growth of the median |draw| from the first to the last quarter of a chain (rising through all four
    /// quarters) that counts as a drift: three orders of magnitude within the kept draws of one run.
    let growthFactor = 1e3

    /// Distance from 0 or 1 within which a draw sits at the boundary; more than half of a chain's draws there
    /// (its median) flags the chain. Underflowed precisions (1e-98) and saturated probabilities land here.
    let boundaryTolerance = 1e-10

    /// Default thresholds: `rhatThreshold` and `essPerChainThreshold`.
    let defaultOptions =
        {
            MaxRhat = rhatThreshold
            MinEssPerChain = essPerChainThreshold
        }

    let private chainsWhere (f: float[] -> bool) (x: float[][]) =
        [
            for c in 0 .. x.Length - 1 do
                if f x[c] then
                    c + 1
        ]

    let private isConstant (c: float[]) =
        c.Length > 1 && c |> Array.forall (fun v -> v = c[0])

    let private medianOf (xs: float[]) =
        let s = Array.sort xs
        let n = s.Length

        if n % 2 = 1 then
            s[n / 2]
        else
            (s[n / 2 - 1] + s[n / 2]) / 2.0

    /// True when the median |draw| rises through the four quarters of the chain by `growthFactor` or more.
    let private drifts (c: float[]) =
        let q = c.Length / 4

        q >= 2
        && (let m = Array.init 4 (fun k -> medianOf (Array.sub c (k * q) q |> Array.map abs))

            m[0] > 0.0
            && m[0] < m[1]
            && m[1] < m[2]
            && m[2] < m[3]
            && m[3] >= growthFactor * m[0])

    let private mostlyNear (bound: float) (c: float[]) =
        let near =
            c
            |> Array.sumBy (fun v -> if abs (v - bound) <= boundaryTolerance then 1 else 0)

        2 * near > c.Length

    /// The chain whose mean is furthest from the median of the chain means (the one that disagrees most).
    let private outlyingChain (x: float[][]) =
        let means = x |> Array.map Array.average
        let centre = medianOf means

        (means
         |> Array.mapi (fun c m -> c + 1, abs (m - centre))
         |> Array.maxBy snd
         |> fst)

    /// The problems of one scalar, from its draws `x[chain][draw]` and its R-hat and ESS (as `Diagnostics`
    /// computes them; the summary passes the values it already has).
    let internal findings
        (options: WarningOptions)
        (name: string)
        (rhat: float)
        (essBulk: float)
        (essTail: float)
        (x: float[][])
        : ScalarFinding list =
        let finding kind chains value =
            {
                Kind = kind
                Scalar = name
                Chains = chains
                Value = value
            }

        let all = Array.concat x
        let nonFinite = all |> Array.sumBy (fun v -> if Double.IsFinite v then 0 else 1)
        let finite = all |> Array.filter Double.IsFinite

        let integerValued =
            finite.Length = all.Length && all |> Array.forall (fun v -> v = Math.Round v)

        let constantChains = chainsWhere isConstant x
        let allConstant = constantChains.Length = x.Length
        // Integer draws that agree everywhere (an indicator with all its mass on one value) are a posterior, not a stuck chain.
        let settledDiscrete =
            allConstant && integerValued && all |> Array.forall (fun v -> v = all[0])

        let largest =
            if finite.Length = 0 then
                0.0
            else
                finite |> Array.map abs |> Array.max

        let perChain = float (max 1 x.Length)

        [
            if nonFinite > 0 then
                finding WarningKind.NonFinite (chainsWhere (Array.exists (Double.IsFinite >> not)) x) (float nonFinite)

            let huge =
                chainsWhere (Array.exists (fun v -> Double.IsFinite v && abs v > growthLimit)) x

            let drifting =
                chainsWhere (fun c -> c |> Array.forall Double.IsFinite && drifts c) x

            match List.distinct (huge @ drifting) |> List.sort with
            | [] -> ()
            | chains -> finding WarningKind.UnboundedGrowth chains largest

            if not constantChains.IsEmpty && not settledDiscrete then
                finding WarningKind.Stuck constantChains (x[constantChains.Head - 1].[0])

            if finite.Length = all.Length && not integerValued && all.Length > 0 then
                let lo = Array.min all
                let hi = Array.max all

                let atZero = if lo >= 0.0 then chainsWhere (mostlyNear 0.0) x else []

                let atOne =
                    if lo >= 0.0 && hi <= 1.0 then
                        chainsWhere (mostlyNear 1.0) x
                    else
                        []

                if not atZero.IsEmpty then
                    finding WarningKind.AtBoundary atZero 0.0

                if not atOne.IsEmpty then
                    finding WarningKind.AtBoundary atOne 1.0

            if nonFinite = 0 && not allConstant then
                if Double.IsNaN rhat then
                    finding WarningKind.NotComputable [ 1 .. x.Length ] nan
                elif rhat > options.MaxRhat then
                    finding WarningKind.HighRhat [ outlyingChain x ] rhat

                let minEss = options.MinEssPerChain * perChain

                let lowChains () =
                    match chainsWhere (fun c -> not (Diagnostics.essBulk [| c |] >= options.MinEssPerChain)) x with
                    | [] -> [ 1 .. x.Length ]
                    | cs -> cs

                if essBulk < minEss then
                    finding WarningKind.LowBulkEss (lowChains ()) essBulk

                if essTail < minEss then
                    finding WarningKind.LowTailEss [ 1 .. x.Length ] essTail
        ]

    /// The problems of one scalar, computing its R-hat and ESS with `Diagnostics`.
    let internal findingsOf (options: WarningOptions) (name: string) (x: float[][]) : ScalarFinding list =
        findings options name (Diagnostics.rhat x) (Diagnostics.essBulk x) (Diagnostics.essTail x) x

    let private severity (k: WarningKind) =
        match k with
        | WarningKind.ModelCheck -> 0
        | WarningKind.NonFinite -> 1
        | WarningKind.UnboundedGrowth -> 2
        | WarningKind.Stuck -> 3
        | WarningKind.AtBoundary -> 4
        | WarningKind.HighRhat -> 5
        | WarningKind.LowBulkEss -> 6
        | WarningKind.LowTailEss -> 7
        | WarningKind.NotComputable -> 8

    let private g (x: float) = x.ToString("G4", inv)

    let private text (options: WarningOptions) (chainCount: int) (kind: WarningKind) (fs: ScalarFinding list) =
        let worstBy f = fs |> List.map (fun x -> x.Value) |> f
        let minEss = options.MinEssPerChain * float chainCount

        match kind with
        | WarningKind.NonFinite ->
            $"{worstBy List.sum} NaN or infinite draws",
            "A density or derived expression overflowed or divided by zero. Check the starting values (give initial values with Initial.Given), stronger priors, and derived expressions (log of 0, 1/0, exp of a large value)."
        | WarningKind.UnboundedGrowth ->
            $"draws grow without bound (|draw| up to {g (worstBy List.max)}; the limit is {g growthLimit}, or a 1000-fold rise over the run)",
            "The posterior is improper or the chain has not found it: use proper, stronger priors (a vague Gamma(0.001, 0.001) precision lets the scale run off), give initial values, rescale the data, or reparameterise."
        | WarningKind.Stuck ->
            "the draws never change",
            "A chain that does not move has not explored the posterior. Give initial values inside the support (Initial.Given), check that the node's update can move it, and use a longer warm-up; a derived node that reads no parameter is constant by construction."
        | WarningKind.AtBoundary ->
            let bounds =
                fs
                |> List.map (fun x -> x.Value)
                |> List.distinct
                |> List.map g
                |> String.concat " and "

            $"most draws sit at {bounds} (within {g boundaryTolerance})",
            "A scale or precision at 0, or a probability at 0 or 1, usually means a start that underflowed or a vague prior the data cannot overrule. Give initial values, use stronger priors (e.g. half-normal on an sd rather than Gamma(0.001, 0.001) on a precision), or reparameterise."
        | WarningKind.HighRhat ->
            // four decimals, so a value just above the limit (1.0104) is not printed as the limit itself
            let worst = (worstBy List.max).ToString("F4", inv)

            $"R-hat up to {worst} > {options.MaxRhat.ToString inv}; the chains disagree",
            "Run a longer warm-up and more draws, give initial values, reparameterise (non-centred or centred), or use stronger priors."
        | WarningKind.LowBulkEss ->
            $"bulk ESS down to {Math.Round(worstBy List.min).ToString inv} < {minEss.ToString inv} ({options.MinEssPerChain.ToString inv} per chain); the mean and sd are imprecise",
            "Draw more samples, or reparameterise so the sampler mixes faster."
        | WarningKind.LowTailEss ->
            $"tail ESS down to {Math.Round(worstBy List.min).ToString inv} < {minEss.ToString inv} ({options.MinEssPerChain.ToString inv} per chain); the outer quantiles are imprecise",
            "Draw more samples."
        | WarningKind.NotComputable ->
            "R-hat is not available (too few draws per chain)",
            "Draw at least 4 draws per chain; 1000 or more for reliable diagnostics."
        | WarningKind.ModelCheck -> "a model check failed", ""

    /// Groups scalar findings into one warning per (kind, node), most severe first, nodes in posterior order.
    let internal group (options: WarningOptions) (chainCount: int) (findings: ScalarFinding list) : Warning list =
        findings
        |> List.groupBy (fun f -> f.Kind, Posterior.nodeOf f.Scalar)
        |> List.mapi (fun i ((kind, node), fs) -> (severity kind, i), (kind, node, fs))
        |> List.sortBy fst
        |> List.map (fun (_, (kind, node, fs)) ->
            let problem, advice = text options chainCount kind fs

            {
                Kind = kind
                Node = node
                Scalars = fs |> List.map (fun f -> f.Scalar) |> Array.ofList
                Chains =
                    fs
                    |> List.collect (fun f -> f.Chains)
                    |> List.distinct
                    |> List.sort
                    |> Array.ofList
                Problem = problem
                Advice = advice
            })

    /// Every convergence warning of a posterior under the given thresholds.
    let computeWith (options: WarningOptions) (p: Posterior) : Warning list =
        p.Names
        |> List.ofArray
        |> List.collect (fun n -> findingsOf options n (Posterior.chains n p))
        |> group options p.ChainCount

    /// Every convergence warning of a posterior under `defaultOptions`.
    let compute (p: Posterior) : Warning list = computeWith defaultOptions p

    /// A warning found before sampling, about a node of the model.
    let modelCheck (node: string) (problem: string) (advice: string) : Warning =
        {
            Kind = WarningKind.ModelCheck
            Node = node
            Scalars = [| node |]
            Chains = [||]
            Problem = problem
            Advice = advice
        }

    /// One line: where (scalars, chains), what was found, what to try.
    let describe (w: Warning) : string = w.ToString()

    /// The block printed above results: a headline and one line per warning; empty when there are none.
    let banner (ws: Warning list) : string =
        if ws.IsEmpty then
            ""
        else
            let n = ws.Length
            let head = if n = 1 then "1 WARNING" else $"{n} WARNINGS"

            let lines =
                ws
                |> List.map (fun w -> "  - " + describe w)
                |> String.concat Environment.NewLine

            $"{head}: do not trust these results until they are resolved (see docs/errors.md).{Environment.NewLine}{lines}{Environment.NewLine}"
