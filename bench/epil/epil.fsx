// Epil (BUGS vol. 1; epil.bug in tests/HierFunctional.Tests/fixtures/epil) with our Gibbs sampler, one core.
// Usage (run.sh fills in DLLPATH, and EPILMODEL: the model file shared with the tests, Gibbs/EpilModel.fs):
//   dotnet fsi epil.fsx <chains> <warmup> <draws> <seed> <glmblock on|off> <out.csv> <epil.csv>
//   [<interweaving on|off>] (default on: the ASIS steps for tau_b1 and tau_b through the count rows)
// Writes every kept draw of the eight reference nodes (chain, then one column per node) and prints the sampling
// wall time (warm-up included, JIT excluded by a short untimed run first), its processor time, and the plan.
#r "nuget: MathNet.Numerics, 5.0.0"
#r "DLLPATH"
#load "EPILMODEL"

open System
open System.Diagnostics
open System.IO
open HierFunctional
open HierFunctional.Tests.Gibbs

let args = fsi.CommandLineArgs |> Array.skip 1

let chains, warmup, draws, seed =
    int args.[0], int args.[1], int args.[2], int args.[3]

let glmBlock = args.[4] = "on"
let out = args.[5]
let interweave = args.Length < 8 || args.[7] = "on"

let epilData = EpilModel.data args.[6]
let epil = EpilModel.model

let nodes =
    [
        "alpha0"
        "alpha_Base"
        "alpha_Trt"
        "alpha_BT"
        "alpha_Age"
        "alpha_V4"
        "sigma_b1"
        "sigma_b"
    ]

let bound = Bind.bindOrThrow epil epilData

let plan =
    match Gibbs.compileUsing (CompileSettings.Default.WithGlmBlock(glmBlock).WithInterweaving interweave) bound with
    | Ok p -> p
    | Error e -> failwithf "%A" e

printfn "%s" (Gibbs.describe plan)

let options w d s =
    SamplerOptions.Default
        .WithChains(chains)
        .WithWarmup(w)
        .WithDraws(d)
        .WithSeed(s)
        .WithThreads(1)
        .WithMonitor(nodes)
        .WithInitial(EpilModel.bugsInits)

Chains.run (options 50 50 (seed + 999)) plan |> ignore
let cpu0 = Process.GetCurrentProcess().TotalProcessorTime
let sw = Stopwatch.StartNew()
let post = Chains.run (options warmup draws seed) plan
let seconds = sw.Elapsed.TotalSeconds
printfn "seconds %.3f" seconds
// processor time of the run (all threads of the process): less sensitive than wall time to other processes' load
printfn "cpu %.3f" (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds

let cs = nodes |> List.map (fun n -> Posterior.chains n post) |> Array.ofList

using (new StreamWriter(out)) (fun w ->
    w.WriteLine("chain," + String.Join(",", nodes))

    for c in 0 .. chains - 1 do
        for i in 0 .. cs.[0].[c].Length - 1 do
            w.WriteLine(
                $"{c + 1},"
                + String.Join(",", cs |> Array.map (fun x -> x.[c].[i].ToString("R")))
            ))

for n, x in List.zip nodes (List.ofArray cs) do
    printfn
        "%-12s mean %9.4f sd %8.4f rhat %6.4f essBulk %8.0f"
        n
        (Diagnostics.mean x)
        (Diagnostics.sd x)
        (Diagnostics.rhat x)
        (Diagnostics.essBulk x)
