#r "nuget: MathNet.Numerics, 5.0.0"
#r "DLLPATH"

open System
open System.Diagnostics
open HierFunctional
open HierFunctional.Inference

let d =
    Dataset.empty
    |> Dataset.labels "pump" (Array.init 10 string)
    |> Dataset.integers "x" [| 5; 1; 5; 14; 3; 19; 1; 1; 4; 22 |]
    |> Dataset.reals "t" [| 94.3; 15.7; 62.9; 126.0; 5.24; 31.4; 1.05; 1.05; 2.1; 10.5 |]

let b = Bind.bindOrThrow Examples.pumps d

let plan =
    match Gibbs.compile b with
    | Ok p -> p
    | Error e -> failwithf "%A" e

let values = Array.create b.Layout.Size 1.0
let st = Gibbs.initialStateFor plan 0 0 values
let rng = Random(1)
let n = plan.Updates.Length
let ticks = Array.zeroCreate<int64> n

let block sweeps =
    Array.Clear ticks

    for _ in 1..sweeps do
        for i in 0 .. n - 1 do
            let t0 = Stopwatch.GetTimestamp()
            Gibbs.runUpdate i rng st
            ticks.[i] <- ticks.[i] + Stopwatch.GetTimestamp() - t0

    ticks
    |> Array.map (fun t -> float t * 1e9 / float Stopwatch.Frequency / float sweeps)

block 20000 |> ignore
let blocks = Array.init 15 (fun _ -> block 4000)

let best =
    Array.init n (fun i -> blocks |> Array.map (fun bl -> bl.[i]) |> Array.min)

let totals = blocks |> Array.map Array.sum |> Array.sort

printfn
    "LABEL total(min block) %.0f ns  median %.0f ns | %s"
    totals.[0]
    totals.[7]
    (String.Join("  ", Array.init n (fun i -> sprintf "%s %.0f" plan.Updates.[i].Node best.[i])))
