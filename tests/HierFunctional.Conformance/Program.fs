/// The full conformance suite as a program: `dotnet run -c Release --project tests/HierFunctional.Conformance --
/// [--quick] [case ...]` (what `dotnet fsi build.fsx conformance` runs). Runs every case (or the named ones), prints
/// each result as it finishes, writes bench/results/conformance.md when all cases ran, and exits 1 if any failed.
module HierFunctional.Conformance.Program

open System
open System.IO

[<EntryPoint>]
let main argv =
    let quick = argv |> Array.contains "--quick"
    let names = argv |> Array.filter (fun a -> not (a.StartsWith "--")) |> List.ofArray

    let unknown = names |> List.filter (fun n -> (Catalogue.tryFind n).IsNone)

    if not unknown.IsEmpty then
        eprintfn
            "unknown case(s): %s. Cases: %s"
            (String.Join(", ", unknown))
            (String.Join(", ", Catalogue.all |> List.map (fun c -> c.Name)))

        2
    else
        let cases =
            if names.IsEmpty then
                Catalogue.all
            else
                names |> List.choose Catalogue.tryFind

        let length (c: Case) =
            if quick then
                c.Quick |> Option.defaultValue c.Full
            else
                c.Full

        // One chain at a time, so our ESS/s is per core like rjags's.
        let results =
            cases
            |> List.collect (fun c ->
                let rs =
                    Runner.runModel (length c) 1 c
                    :: (Runner.runFormula (length c) 1 c |> Option.toList)

                for r in rs do
                    printfn "%s" (Table.row r)

                rs)

        let runLength =
            if quick then
                "CI quick lengths"
            else
                "4 chains × each case's full run length (warm-up + draws per chain)"

        let text =
            Table.markdown "Conformance suite: published hierarchical models" runLength results

        if names.IsEmpty && not quick then
            let path =
                Path.Combine(CaseFiles.root, "..", "..", "bench", "results", "conformance.md")

            File.WriteAllText(path, text)
            printfn "wrote %s" (Path.GetFullPath path)
        else
            printfn "\n%s" text

        let failed = results |> List.filter (fun r -> not (Runner.passed r))
        printfn "%d passed, %d failed" (results.Length - failed.Length) failed.Length
        if failed.IsEmpty then 0 else 1
