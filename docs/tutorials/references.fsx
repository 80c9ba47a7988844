// Shared references for the tutorials: the library as built by `dotnet fsi build.fsx build` (Release),
// and its one dependency from NuGet. Each tutorial starts with `#load "references.fsx"`.
#r "nuget: MathNet.Numerics, 5.0.0"
#r "../../src/HierFunctional/bin/Release/net10.0/HierFunctional.dll"

/// Draw counts shrink when CI sets HIER_QUICK, so every tutorial runs in CI in seconds.
let quick = not (System.String.IsNullOrEmpty(System.Environment.GetEnvironmentVariable "HIER_QUICK"))
