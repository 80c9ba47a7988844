namespace HierFunctional.Cli

open System.Reflection

/// What `hier --version` prints: the version and the git commit the tool was built from.
[<RequireQualifiedAccess>]
module BuildVersion =

    /// The assembly's informational version: `0.1.0+<sha>` when built in a git checkout (the .NET SDK's Source Link
    /// sets SourceRevisionId, which the SDK appends), the bare version otherwise.
    let informational () : string =
        let assembly = typeof<CliFailure>.Assembly

        match assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>() with
        | null -> string (assembly.GetName().Version)
        | a -> a.InformationalVersion

    /// One line from an informational version: `hier 0.1.0 (commit 0123456789ab)`, or the commit marked unknown
    /// when the build had no git metadata.
    let describe (informational: string) : string =
        match informational.Split('+', 2) with
        | [| version; sha |] when sha <> "" -> $"hier {version} (commit {sha.Substring(0, min 12 sha.Length)})"
        | _ -> $"hier {informational} (commit unknown: built outside a git checkout)"
