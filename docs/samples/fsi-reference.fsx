// HierFunctional in F# interactive from the built assemblies (`dotnet fsi build.fsx build` builds them):
// reference the library and its one dependency, then use it. Run: dotnet fsi docs/samples/fsi-reference.fsx
#r "nuget: MathNet.Numerics, 5.0.0"
#r "../../src/HierFunctional/bin/Release/net10.0/HierFunctional.dll"
#load "fsi-common.fsx"

printfn "HierFunctional loaded from %s" typeof<HierFunctional.Model>.Assembly.Location
FsiCommon.run ()
