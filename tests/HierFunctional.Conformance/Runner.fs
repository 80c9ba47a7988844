/// Runs a case and applies the pass rule: every reference node within 0.15 reference sds of the reference mean,
/// and R̂ < 1.01, from 4 chains and a fixed seed.
namespace HierFunctional.Conformance

open System.Diagnostics
open HierFunctional

/// One reference node checked against our draws.
type NodeCheck =
    {
        Reference: ReferenceNode
        Mean: float
        Sd: float
        Rhat: float
        EssBulk: float
        /// |mean − reference mean| / reference sd.
        Distance: float
        Pass: bool
    }

/// What happened when a case ran.
[<RequireQualifiedAccess>]
type Outcome =
    /// The chains ran; the checks say whether each reference node passed.
    | Ran of checks: NodeCheck list * seconds: float * plan: string * exact: int * approximate: int
    /// The library cannot express the model (the reason is the finding).
    | NotExpressible of reason: string
    /// Binding, compiling or sampling refused the model, or the reference is missing: the stage and the message.
    | Failed of stage: string * message: string

/// A case's result.
type CaseResult =
    {
        Case: Case
        /// "model" (the source's model) or "formula".
        Variant: string
        Reference: Reference option
        Outcome: Outcome
    }

[<RequireQualifiedAccess>]
module PassRule =

    /// Largest allowed |mean − reference mean|, in reference sds.
    let tolerance = 0.15

    /// R̂ (rank-normalised, max of bulk and tail) must be below this.
    let maxRhat = 1.01

    /// Checks one node: |mean − ref| ≤ 0.15 sd_ref and R̂ < 1.01 (a NaN anywhere fails).
    let check (r: ReferenceNode) (draws: float[][]) : NodeCheck =
        let m, s = Diagnostics.mean draws, Diagnostics.sd draws
        let rhat, ess = Diagnostics.rhat draws, Diagnostics.essBulk draws
        let distance = abs (m - r.Mean) / r.Sd

        {
            Reference = r
            Mean = m
            Sd = s
            Rhat = rhat
            EssBulk = ess
            Distance = distance
            Pass = distance <= tolerance && rhat < maxRhat
        }

[<RequireQualifiedAccess>]
module Runner =

    let private describeAll (errors: ModelError list) =
        errors |> List.map ModelError.describe |> String.concat "; "

    /// The fixed master seed of every conformance run.
    let seed = 20261206

    /// Methods that draw from the exact full conditional; anything sliced or Metropolis-Hastings is an MCMC step.
    let isExact (method: string) =
        let m = method.ToLowerInvariant()
        not (m.Contains "slice" || m.Contains "mh" || m.Contains "metropolis")

    /// The case passed: it ran and every reference node passed.
    let passed (r: CaseResult) =
        match r.Outcome with
        | Outcome.Ran(checks, _, _, _, _) -> not checks.IsEmpty && checks |> List.forall (fun c -> c.Pass)
        | _ -> false

    /// Min over reference nodes of bulk-ESS per second of our run (NaN unless it ran).
    let minEssPerSecond (r: CaseResult) =
        match r.Outcome with
        | Outcome.Ran(checks, seconds, _, _, _) when not checks.IsEmpty ->
            (checks |> List.map (fun c -> c.EssBulk) |> List.min) / seconds
        | _ -> nan

    /// Min over reference nodes of the reference run's bulk-ESS per second.
    let referenceEssPerSecond (r: CaseResult) =
        match r.Reference with
        | Some rf when not rf.Nodes.IsEmpty -> (rf.Nodes |> List.map (fun n -> n.EssBulk) |> List.min) / rf.Seconds
        | _ -> nan

    let private sample (length: RunLength) (threads: int) (inits: (string * Value) list) (nodes: string list) b =
        match Gibbs.compile b with
        | Error e -> Error("compile", describeAll e)
        | Ok plan ->
            let options =
                SamplerOptions.Default
                    .WithChains(4)
                    .WithWarmup(length.Warmup)
                    .WithDraws(length.Draws)
                    .WithSeed(seed)
                    .WithThreads(threads)
                    .WithMonitor(nodes |> List.map Posterior.nodeOf |> List.distinct)

            let options =
                if inits.IsEmpty then
                    options
                else
                    options.WithInitial(Initial.Given inits)

            let exact = plan.Updates |> Array.filter (fun u -> isExact u.Method) |> Array.length
            let clock = Stopwatch.StartNew()

            // A sampler that refuses a state raises ModelException: that is a result of the case, not a harness bug.
            try
                let post = Chains.run options plan
                Ok(post, clock.Elapsed.TotalSeconds, Gibbs.describe plan, exact, plan.Updates.Length - exact)
            with :? ModelException as e ->
                Error("sample", e.Message)

    let private evaluate (reference: Reference) (rename: string -> string) (length: RunLength) threads inits b =
        let names = reference.Nodes |> List.map (fun n -> rename n.Node)

        match sample length threads inits names b with
        | Error(stage, msg) -> Outcome.Failed(stage, msg)
        | Ok(post, seconds, plan, exact, approx) ->
            let checks =
                reference.Nodes
                |> List.map (fun n -> PassRule.check n (Posterior.chains (rename n.Node) post))

            Outcome.Ran(checks, seconds, plan, exact, approx)

    /// Runs the source's model of a case (`threads` chains at once; 1 makes ESS/s comparable with JAGS's).
    let runModel (length: RunLength) (threads: int) (case: Case) : CaseResult =
        let result outcome reference =
            {
                Case = case
                Variant = "model"
                Reference = reference
                Outcome = outcome
            }

        match case.Model, CaseFiles.reference case.Name with
        | Written.NotExpressible why, reference -> result (Outcome.NotExpressible why) (Result.toOption reference)
        | _, Error msg -> result (Outcome.Failed("reference", msg)) None
        | Written.Model m, Ok reference ->
            match Bind.bind m (CaseFiles.data case) with
            | Error e -> result (Outcome.Failed("bind", describeAll e)) (Some reference)
            | Ok b -> result (evaluate reference id length threads case.Inits b) (Some reference)

    /// Runs the formula variant of a case, if it has one.
    let runFormula (length: RunLength) (threads: int) (case: Case) : CaseResult option =
        case.Formula
        |> Option.map (fun f ->
            let result outcome reference =
                {
                    Case = case
                    Variant = "formula"
                    Reference = reference
                    Outcome = outcome
                }

            match CaseFiles.reference case.Name with
            | Error msg -> result (Outcome.Failed("reference", msg)) None
            | Ok reference ->
                match Formula.bind f.Family f.Priors f.Text (CaseFiles.data case) with
                | Error e -> result (Outcome.Failed("formula", Formula.describeErrors e)) (Some reference)
                | Ok b ->
                    let names = Map.ofList f.Nodes

                    let rename n =
                        Map.tryFind n names |> Option.defaultValue n

                    result (evaluate reference rename length threads [] b) (Some reference))
