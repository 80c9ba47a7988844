/// The suite as a program (Expecto has no `dotnet test` adapter here): `dotnet run -c Release --project
/// tests/HierFunctional.Plots.Tests -- [Expecto options]`, e.g. `--list-tests`, `--junit-summary FILE` (what
/// `dotnet fsi build.fsx test` passes). Runs every `[<Tests>]` value in the assembly.
module HierFunctional.Plots.Tests.Program

open Expecto

[<EntryPoint>]
let main argv =
    Tests.runTestsInAssemblyWithCLIArgs [ CLIArguments.No_Spinner ] argv
