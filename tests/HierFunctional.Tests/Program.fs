/// The suite as a program (Expecto has no `dotnet test` adapter here): `dotnet run -c Release --project
/// tests/HierFunctional.Tests -- [Expecto options]`, e.g. `--filter-test-case "Geweke"`, `--list-tests`,
/// `--junit-summary FILE` (what `dotnet fsi build.fsx test` passes). Runs every `[<Tests>]` value in the assembly.
module HierFunctional.Tests.Program

open Expecto

[<EntryPoint>]
let main argv =
    Tests.runTestsInAssemblyWithCLIArgs [ CLIArguments.No_Spinner ] argv
