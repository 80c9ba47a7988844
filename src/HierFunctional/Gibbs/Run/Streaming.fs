namespace HierFunctional

open System
open System.Globalization
open System.IO
open System.Threading.Tasks
open HierFunctional.Inference

/// Where streamed draws and checkpoints go.
type StreamOptions =
    {
        /// Directory of the files `<ModelName>_<chain>.csv` (CmdStan's naming) and `<ModelName>_<chain>.checkpoint`.
        Directory: string
        /// Model name, in the file names and the CSV header.
        ModelName: string
        /// Sweeps between checkpoints (a checkpoint is also written when a chain stops); 0: only when it stops.
        CheckpointEvery: int
    }

/// The outcome of a streamed run: the files written and how far each chain got.
type StreamResult =
    {
        /// One CmdStan CSV file per chain.
        Files: string[]
        /// One checkpoint file per chain.
        Checkpoints: string[]
        /// Draws written per chain.
        Made: int[]
        /// True when the run was cancelled before every draw was made.
        Cancelled: bool
    }

/// Chains whose draws stream to CmdStan CSV files as they are made (flushed per draw, nothing kept in memory), with
/// checkpoints from which a stopped run continues bit-identically to an uninterrupted one.
[<RequireQualifiedAccess>]
module Streaming =

    let private paths (s: StreamOptions) (chain: int) =
        let stem = Path.Combine(s.Directory, $"{s.ModelName}_{chain + 1}")
        stem + ".csv", stem + ".checkpoint"

    let private header (s: StreamOptions) (o: SamplerOptions) (chain: int) : CmdStanHeader =
        {
            ModelName = s.ModelName
            Algorithm = "gibbs"
            NumSamples = o.Draws * o.Thin
            NumWarmup = o.Warmup
            Thin = o.Thin
            Seed = uint64 o.Seed
            ChainId = chain + 1
            ElapsedSeconds = None
        }

    /// Keeps the comment header, the names row and the first `made` draws of a chain file (rows written after
    /// the last checkpoint are dropped: the resumed chain makes them again, identically).
    let private truncateTo (path: string) (made: int) =
        let lines = File.ReadAllLines path

        let namesRow =
            lines |> Array.findIndex (fun l -> not (l.StartsWith "#") && l.Trim() <> "")

        if lines.Length - namesRow - 1 < made then
            raise (InvalidDataException $"{path} has fewer draws than its checkpoint says ({made}); restart the run.")

        File.WriteAllText(path, String.Join("\n", lines.[.. namesRow + made]) + "\n")

    let private snapshot (chain: int) (it: int) (made: int) (state: ChainState) (rng: Philox4x32) =
        {
            Chain = chain
            Iteration = it
            Made = made
            Values = Array.copy state.Values
            Updates = state.Steps |> Array.map (fun st -> st.Save())
            Rng = rng.State
        }

    let private writeRow (w: StreamWriter) (values: float[]) (keepIdx: int[]) =
        for k in 0 .. keepIdx.Length - 1 do
            if k > 0 then
                w.Write ','

            w.Write(CmdStanCsv.formatValue values.[keepIdx.[k]])

        w.Write '\n'
        w.Flush()

    /// The same generator, start and sweeps as `Chains.run`, so the draws are the same; resumes from a checkpoint.
    let private runChain s (o: SamplerOptions) (plan: GibbsPlan) (keepIdx: int[]) (resume: bool) (chain: int) =
        let csv, cpPath = paths s chain

        let rng, state, it0, made0 =
            if resume then
                let cp = Checkpoint.load cpPath
                truncateTo csv cp.Made
                let st = Chains.stateFor plan o chain cp.Values
                st.Sweep <- cp.Iteration

                if cp.Updates.Length <> st.Steps.Length then
                    raise (
                        InvalidDataException
                            $"{cpPath} holds {cp.Updates.Length} updates but the plan has {st.Steps.Length}; resume with the plan that wrote it."
                    )

                Array.iter2 (fun (step: UpdateStep) saved -> step.Load saved) st.Steps cp.Updates
                Checkpoint.generator cpPath o.Seed chain cp, st, cp.Iteration, cp.Made
            else
                let names = keepIdx |> Array.map (fun i -> plan.Bound.Layout.Monitored.[i])
                File.WriteAllText(csv, CmdStanCsv.format (header s o chain) names [||])
                let rng = Chains.generator o.Seed chain
                rng, Chains.stateFor plan o chain (Chains.start plan o rng), 0, 0

        use w = new StreamWriter(csv, true)

        let monitor = Layout.compileMonitored plan.Bound
        let monitored = Array.zeroCreate plan.Bound.Layout.Monitored.Length

        let keep _ =
            monitor state.Values monitored
            writeRow w monitored keepIdx

        let afterSweep it made =
            if s.CheckpointEvery > 0 && it % s.CheckpointEvery = 0 then
                Checkpoint.save cpPath (snapshot chain it made state rng)

        let it, made =
            Chains.sweepLoop plan o chain (rng :> Random) state (it0, made0) keep afterSweep

        Checkpoint.save cpPath (snapshot chain it made state rng)
        made

    let private runAll (s: StreamOptions) (o: SamplerOptions) (plan: GibbsPlan) (resume: bool) =
        Chains.validate o

        if s.CheckpointEvery < 0 then
            invalidArg "CheckpointEvery" $"CheckpointEvery must be 0 or more, but was {s.CheckpointEvery}."

        Directory.CreateDirectory s.Directory |> ignore
        let keepIdx = Chains.monitorIndices plan.Bound o.Monitor
        let made = Array.zeroCreate o.Chains
        let po = ParallelOptions(MaxDegreeOfParallelism = o.Threads)

        try
            Parallel.For(0, o.Chains, po, fun c -> made.[c] <- runChain s o plan keepIdx resume c)
            |> ignore
        with :? AggregateException as ae when (ae.InnerExceptions |> Seq.forall (fun e -> e :? ModelException)) ->
            raise ae.InnerExceptions.[0]

        {
            Files = Array.init o.Chains (paths s >> fst)
            Checkpoints = Array.init o.Chains (paths s >> snd)
            Made = made
            Cancelled = made |> Array.exists (fun m -> m < o.Draws)
        }

    /// Runs the chains as `Chains.run` does (same draws for the same options), appending each draw to its chain's
    /// CmdStan CSV file as it is made; a cancelled run leaves every draw made so far on disk, plus a checkpoint.
    let run (s: StreamOptions) (o: SamplerOptions) (plan: GibbsPlan) : StreamResult = runAll s o plan false

    /// Continues a stopped streamed run from its checkpoints (same options, plan and directory): the files end up
    /// exactly as an uninterrupted run would have written them.
    let resume (s: StreamOptions) (o: SamplerOptions) (plan: GibbsPlan) : StreamResult = runAll s o plan true

    /// The streamed draws read back as a posterior (see `CmdStanCsv.readPosterior`).
    let posterior (r: StreamResult) : Posterior = CmdStanCsv.readPosterior r.Files
