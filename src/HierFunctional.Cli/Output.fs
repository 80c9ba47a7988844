namespace HierFunctional.Cli

open System
open System.IO

/// An output directory being written: files go to a hidden staging folder inside it and are moved into place only
/// when the run succeeded, so a failed or interrupted run never leaves files that look complete.
type Staging =
    {
        /// The directory the user asked for.
        Final: string
        /// The staging folder (`<Final>/.hier-partial-<id>`).
        Temp: string
    }

/// Writing the output directory atomically (per file) at the end of a run.
[<RequireQualifiedAccess>]
module Output =

    /// Creates the output directory and a fresh staging folder in it.
    let start (dir: string) : Staging =
        try
            let final = Directory.CreateDirectory(dir).FullName
            let temp = Path.Combine(final, $".hier-partial-{Guid.NewGuid():N}")
            Directory.CreateDirectory temp |> ignore
            { Final = final; Temp = temp }
        with
        | :? IOException
        | :? UnauthorizedAccessException as e -> Fail.data $"cannot create the output directory '{dir}': {e.Message}"

    /// The staging path of an output file.
    let path (s: Staging) (file: string) = Path.Combine(s.Temp, file)

    /// Moves every staged file into the output directory (draws of an earlier run are removed first, so the
    /// directory holds one run), report.html last, then deletes the staging folder.
    let commit (s: Staging) : string list =
        for old in Directory.GetFiles(s.Final, "draws_*.csv") do
            File.Delete old

        let files =
            Directory.GetFiles s.Temp
            |> Array.sortBy (fun f -> (Path.GetFileName f = "report.html"), f)

        let moved =
            files
            |> Array.map (fun f ->
                let target = Path.Combine(s.Final, Path.GetFileName f)
                File.Move(f, target, true)
                target)

        Directory.Delete(s.Temp, true)
        List.ofArray moved

    /// Deletes the staging folder and everything in it (after a failure).
    let abandon (s: Staging) =
        if Directory.Exists s.Temp then
            Directory.Delete(s.Temp, true)
