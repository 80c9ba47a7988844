/// The long SBC run (`dotnet fsi build.fsx sbc`): every structure of the catalogue plus random ones from the model
/// grammar, each with the given number of replications; results are saved after every structure, so a run that
/// is stopped early keeps what it finished.
module HierFunctional.Sbc.Program

open System
open System.IO
open HierFunctional
open HierFunctional.Testing

let private usage () =
    eprintfn
        """usage: HierFunctional.Sbc [--reps N] [--random N] [--only a,b] [--seed S] [--threads T] [--out DIR] [--list]
  --reps N     replications per structure (default 1000)
  --random N   random structures from the model grammar (default 8)
  --only a,b   only these structures (names as in --list)
  --threads T  replications run at once (default: processor count)
  --out DIR    where summary.md, histograms.csv, ecdf.csv and ranks.csv go (default bench/results/sbc)"""

    2

let private value (flag: string) (args: string list) =
    args |> List.pairwise |> List.tryFind (fun (a, _) -> a = flag) |> Option.map snd

[<EntryPoint>]
let main argv =
    let args = List.ofArray argv

    if List.contains "--help" args then
        usage ()
    else
        let intOf flag fallback =
            value flag args |> Option.map int |> Option.defaultValue fallback

        let catalogue =
            SbcCatalogue.all @ SbcRandom.structures 20261206UL (intOf "--random" 8)

        if List.contains "--list" args then
            for s in catalogue do
                printfn "%-32s %s" s.Name s.Exercises

            0
        else
            let chosen =
                match value "--only" args with
                | Some names ->
                    let wanted = names.Split(',') |> Set.ofArray
                    catalogue |> List.filter (fun s -> wanted.Contains s.Name)
                | None -> catalogue

            let settings =
                { SbcSettings.Default with
                    Replications = intOf "--reps" 1000
                    Seed = intOf "--seed" 1
                    Threads = intOf "--threads" Environment.ProcessorCount
                }

            let out =
                value "--out" args
                |> Option.defaultValue (Path.Combine("bench", "results", "sbc"))

            let results =
                chosen
                |> List.fold
                    (fun (acc: SbcResult list) s ->
                        match Sbc.run settings s with
                        | Error errors ->
                            let why = errors |> List.map ModelError.describe |> String.concat " "
                            failwith $"SBC structure '{s.Name}' does not bind or compile: {why}"
                        | Ok r ->
                            let all = acc @ [ r ]
                            SbcReport.save out all
                            printfn "%-32s %s  (%.0f s)" r.Structure (Sbc.toCheck r).Message r.Seconds
                            all)
                    []

            let failed = results |> List.filter (fun r -> not r.Passed)

            printfn
                "SBC: %d structures, %d passed, %d failed; results in %s"
                results.Length
                (results.Length - failed.Length)
                failed.Length
                out

            if failed.IsEmpty then 0 else 1
