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
    | Ran of checks: NodeCheck list * seconds: float * plan: string * exact: int * markov: int * approximate: int
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

    /// How many updates of a plan are exact draws, invariant Markov moves and approximate draws (`Exactness`).
    let exactnessCounts (plan: GibbsPlan) =
        let count f =
            plan.Updates |> Array.filter (fun u -> f u.Exactness) |> Array.length

        count _.IsExact, count _.IsMarkov, count _.IsApproximate

    /// The case passed: it ran and every reference node passed.
    let passed (r: CaseResult) =
        match r.Outcome with
        | Outcome.Ran(checks, _, _, _, _, _) -> not checks.IsEmpty && checks |> List.forall (fun c -> c.Pass)
        | _ -> false

    /// Min over reference nodes of bulk-ESS per second of our run (NaN unless it ran).
    let minEssPerSecond (r: CaseResult) =
        match r.Outcome with
        | Outcome.Ran(checks, seconds, _, _, _, _) when not checks.IsEmpty ->
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
                    options.WithInitial(Initial.given inits)

            let exact, markov, approximate = exactnessCounts plan
            let clock = Stopwatch.StartNew()

            // A sampler that refuses a state raises ModelException: that is a result of the case, not a harness bug.
            try
                let post = Chains.run options plan
                Ok(post, clock.Elapsed.TotalSeconds, Gibbs.describe plan, exact, markov, approximate)
            with :? ModelException as e ->
                Error("sample", e.Message)

    /// Runs the chains monitoring `monitored`, then checks each reference node against `draws` of it.
    let private evaluate (reference: Reference) (monitored: string list) draws (length: RunLength) threads inits b =
        match sample length threads inits monitored b with
        | Error(stage, msg) -> Outcome.Failed(stage, msg)
        | Ok(post, seconds, plan, exact, markov, approximate) ->
            let checks = reference.Nodes |> List.map (fun n -> PassRule.check n (draws n post))

            Outcome.Ran(checks, seconds, plan, exact, markov, approximate)

    /// A reference node's draws from the formula model: the named node, or the source's function of several.
    let private formulaDraws (f: FormulaVariant) (n: ReferenceNode) (post: Posterior) : float[][] =
        match f.Nodes |> List.tryFind (fun (r, _) -> r = n.Node) |> Option.map snd with
        | None -> Posterior.chains n.Node post
        | Some(FormulaNode.Node m) -> Posterior.chains m post
        | Some(FormulaNode.Derived(inputs, fn)) ->
            let xs = inputs |> List.map (fun i -> Posterior.chains i post) |> Array.ofList

            Array.init xs.[0].Length (fun c ->
                Array.init xs.[0].[c].Length (fun t -> fn (xs |> Array.map (fun x -> x.[c].[t]))))

    /// The formula model's nodes a variant reads (a reference node it does not map is read under its own name).
    let private formulaMonitors (f: FormulaVariant) (reference: Reference) =
        reference.Nodes
        |> List.collect (fun n ->
            match f.Nodes |> List.tryFind (fun (r, _) -> r = n.Node) |> Option.map snd with
            | None -> [ n.Node ]
            | Some(FormulaNode.Node m) -> [ m ]
            | Some(FormulaNode.Derived(inputs, _)) -> inputs)
        |> List.distinct

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
            | Ok b ->
                let names = reference.Nodes |> List.map (fun n -> n.Node)
                let draws (n: ReferenceNode) post = Posterior.chains n.Node post
                result (evaluate reference names draws length threads case.Inits b) (Some reference)

    /// Runs the formula variant of a case, if it has one.
    let runFormula (length: RunLength) (threads: int) (case: Case) : CaseResult option =
        match case.Formula with
        | AsFormula.NotExpressible _ -> None
        | AsFormula.Variant f ->
            let result outcome reference =
                {
                    Case = case
                    Variant = "formula"
                    Reference = reference
                    Outcome = outcome
                }

            match CaseFiles.reference case.Name with
            | Error msg -> Some(result (Outcome.Failed("reference", msg)) None)
            | Ok reference ->
                match
                    f.Build(CaseFiles.data case)
                    |> Result.bind (fun (m, d) -> Bind.bind m d |> Result.mapError (List.map FormulaError.Model))
                with
                | Error e -> Some(result (Outcome.Failed("formula", Formula.describeErrors e)) (Some reference))
                | Ok b ->
                    let outcome =
                        evaluate reference (formulaMonitors f reference) (formulaDraws f) length threads [] b

                    Some(result outcome (Some reference))
