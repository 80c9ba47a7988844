/// What both F# interactive samples do once HierFunctional is referenced: fit eight schools and check the result.
module FsiCommon

open System.IO
open HierFunctional

let run () =
    // The canonical models ship as values; print one as the math.
    printfn "%s" (Print.model Examples.eightSchools)

    let data =
        Csv.readOrThrow (Path.Combine(__SOURCE_DIRECTORY__, "..", "data", "eight_schools.csv"))

    let options =
        SamplerOptions.Default.WithChains(2).WithWarmup(200).WithDraws(500).WithSeed(1)

    match Fit.run options Examples.eightSchools data with
    | Error errors -> failwith (errors |> List.map ModelError.describe |> String.concat "\n")
    | Ok fit ->
        let summary = Fit.summary fit
        printfn "%s" (Summary.format summary)
        let mu = summary.Rows |> Array.find (fun r -> r.Name = "mu")

        if not (mu.Mean > -5.0 && mu.Mean < 15.0) then
            failwithf "posterior mean of mu is %g, outside any plausible range" mu.Mean

        printfn "fsi sample ok"
