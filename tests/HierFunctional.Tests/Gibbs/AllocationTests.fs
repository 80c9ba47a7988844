module HierFunctional.Tests.Gibbs.AllocationTests

open System
open HierFunctional.TestShim
open HierFunctional.Inference
open HierFunctional.Tests.Gibbs.MonteCarlo

/// Managed bytes this thread allocates over 1000 calls, after 1000 warm-up calls.
let private bytesPer1000 (f: unit -> unit) =
    for _ in 1..1000 do
        f ()

    let before = GC.GetAllocatedBytesForCurrentThread()

    for _ in 1..1000 do
        f ()

    GC.GetAllocatedBytesForCurrentThread() - before

let ``scalar kernels allocate nothing per call`` () =
    let r = rng 71
    let stats = NormalLinearStats.ofArrays [| 0.0 |] [| 1.0 |] [| 1.0 |] [| 2.0 |]
    let logDens = Func<float, float>(fun x -> -0.5 * x * x)
    let f = logDens.Invoke
    let ys, ns, os, cs = [| 5.0 |], [| 20.0 |], [| 0.0 |], [| 1.0 |]

    let kernels: (string * (unit -> unit)) list =
        [
            "drawNormal", (fun () -> ConjugatePosterior.drawNormal r { Mean = 0.0; Sd = 1.0 } stats |> ignore)
            "drawPrecision",
            (fun () -> ConjugatePosterior.drawPrecision r { Shape = 2.0; Rate = 1.0 } 5.0 3.0 |> ignore)
            "drawBeta", (fun () -> ConjugatePosterior.drawBeta r { Alpha = 1.0; Beta = 1.0 } 3.0 4.0 |> ignore)
            "drawHalfNormalSd", (fun () -> ConjugatePosterior.drawHalfNormalSd r 2.0 10.0 7.0 |> ignore)
            "drawHalfStudentT", (fun () -> ConjugatePosterior.drawHalfStudentT r 3.0 1.0 1.0 10.0 7.0 |> ignore)
            "gig small ω", (fun () -> Special.gig r 0.3 0.01 0.1 |> ignore)
            "polyaGamma1", (fun () -> Special.polyaGamma1 r 1.5 |> ignore)
            "truncatedNormal", (fun () -> Special.truncatedNormal r 0.0 1.0 2.0 infinity |> ignore)
            "Slice.step", (fun () -> Slice.step r f 1.0 10 0.3 |> ignore)
            "LogitKernel.step", (fun () -> HierFunctional.LogitKernel.step r -1.0 0.7 ys ns os cs -1.2 |> ignore)
        ]

    for name, k in kernels do
        let bytes = bytesPer1000 k
        Assert.True((bytes = 0L), $"{name} allocated {bytes} bytes over 1000 calls")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Gibbs.AllocationTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Gibbs.AllocationTests"
            [
                Expecto.Tests.testSequenced (
                    Expecto.Tests.testCase "scalar kernels allocate nothing per call" (fun () ->
                        ``scalar kernels allocate nothing per call`` ())
                )
            ])
