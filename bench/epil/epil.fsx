// Epil (BUGS vol. 1; epil.bug in tests/HierFunctional.Tests/fixtures/epil) with our Gibbs sampler, one core.
// Usage (run.sh fills in DLLPATH): dotnet fsi epil.fsx <chains> <warmup> <draws> <seed> <glmblock on|off> <out.csv> <epil.csv>
//   [<interweaving on|off>] (default on: the ASIS steps for tau_b1 and tau_b through the count rows)
// Writes every kept draw of the eight reference nodes (chain, then one column per node) and prints the sampling
// wall time (warm-up included, JIT excluded by a short untimed run first), its processor time, and the plan.
#r "nuget: MathNet.Numerics, 5.0.0"
#r "DLLPATH"

open System
open System.Diagnostics
open System.IO
open HierFunctional
open type Distributions

let args = fsi.CommandLineArgs |> Array.skip 1
let chains, warmup, draws, seed = int args.[0], int args.[1], int args.[2], int args.[3]
let glmBlock = args.[4] = "on"
let out = args.[5]
let interweave = args.Length < 8 || args.[7] = "on"

let rows =
    File.ReadAllLines args.[6]
    |> Array.skip 1
    |> Array.map (fun l -> l.Split ',')

let col i = rows |> Array.map (fun r -> float r.[i])

let epilData =
    Dataset.empty
    |> Dataset.labels "patient" (rows |> Array.map (fun r -> r.[0]))
    |> Dataset.labels "obs" (rows |> Array.map (fun r -> r.[2]))
    |> Dataset.integers "y" (col 3 |> Array.map int)
    |> Dataset.reals "Trt" (col 4)
    |> Dataset.reals "Base" (col 5)
    |> Dataset.reals "Age" (col 6)
    |> Dataset.reals "V4" (col 7)

let epil =
    model {
        let! a0 = sample "alpha0" (Normal(0.0, 100.0))
        let! aBase = sample "alpha_Base" (Normal(0.0, 100.0))
        let! aTrt = sample "alpha_Trt" (Normal(0.0, 100.0))
        let! aBT = sample "alpha_BT" (Normal(0.0, 100.0))
        let! aAge = sample "alpha_Age" (Normal(0.0, 100.0))
        let! aV4 = sample "alpha_V4" (Normal(0.0, 100.0))
        let! tauB1 = sample "tau_b1" (Gamma(0.001, 0.001))
        let! tauB = sample "tau_b" (Gamma(0.001, 0.001))
        let! b1 = sample "b1" (Normal(0.0, 1.0 / sqrt tauB1)) |> over "patient"
        let! b = sample "b" (Normal(0.0, 1.0 / sqrt tauB)) |> over "obs"
        let! _ = derived "sigma_b1" (1.0 / sqrt tauB1)
        let! _ = derived "sigma_b" (1.0 / sqrt tauB)
        let logBase4 = log (data "Base" / 4.0)

        do!
            observe
                "y"
                (Poisson(
                    exp (
                        a0
                        + aBase * logBase4
                        + aTrt * data "Trt"
                        + aBT * data "Trt" * logBase4
                        + aAge * log (data "Age")
                        + aV4 * data "V4"
                        + b1.[group "patient"]
                        + b.[group "obs"]
                    )
                ))
    }

let nodes = [ "alpha0"; "alpha_Base"; "alpha_Trt"; "alpha_BT"; "alpha_Age"; "alpha_V4"; "sigma_b1"; "sigma_b" ]
let bound = Bind.bindOrThrow epil epilData

let plan =
    match Gibbs.compileUsing (CompileSettings.Default.WithGlmBlock(glmBlock).WithInterweaving interweave) bound with
    | Ok p -> p
    | Error e -> failwithf "%A" e

printfn "%s" (Gibbs.describe plan)

// BUGS's inits (epil-inits.R): alpha0 = 1, the other coefficients 0, both precisions 1; random effects at 0.
let inits =
    Initial.Given(
        [
            "alpha0", Value.Scalar 1.0
            "tau_b1", Value.Scalar 1.0
            "tau_b", Value.Scalar 1.0
            "b1", Value.Vector(Array.zeroCreate 59)
            "b", Value.Vector(Array.zeroCreate 236)
        ]
        @ ([ "alpha_Base"; "alpha_Trt"; "alpha_BT"; "alpha_Age"; "alpha_V4" ]
           |> List.map (fun n -> n, Value.Scalar 0.0))
    )

let options w d s =
    SamplerOptions.Default.WithChains(chains).WithWarmup(w).WithDraws(d).WithSeed(s).WithThreads(1)
        .WithMonitor(nodes).WithInitial(inits)

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
            w.WriteLine($"{c + 1}," + String.Join(",", cs |> Array.map (fun x -> x.[c].[i].ToString("R")))))

for n, x in List.zip nodes (List.ofArray cs) do
    printfn "%-12s mean %9.4f sd %8.4f rhat %6.4f essBulk %8.0f" n (Diagnostics.mean x) (Diagnostics.sd x) (Diagnostics.rhat x) (Diagnostics.essBulk x)
