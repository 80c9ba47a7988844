// HierFunctional in F# interactive from the NuGet package in the local feed (artifacts/packages). By hand:
//     #i "nuget: /absolute/path/to/artifacts/packages"
//     #r "nuget: HierFunctional, 0.1.0-local.<version>"
// `dotnet fsi build.fsx samples` packs and writes exactly those two lines into local-feed.fsx, loaded here.
#load "local-feed.fsx"
#load "fsi-common.fsx"

let location = typeof<HierFunctional.Model>.Assembly.Location
printfn "HierFunctional loaded from %s" location

if not (location.Replace('\\', '/').Contains "/hierfunctional/") then
    failwithf "expected the assembly from the NuGet package cache, got %s" location

FsiCommon.run ()
