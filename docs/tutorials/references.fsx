// Shared references for the tutorials: the library as built by `dotnet fsi build.fsx build` (Release),
// and its one dependency from NuGet. Each tutorial starts with `#load "references.fsx"`.
#r "nuget: MathNet.Numerics, 5.0.0"
#r "../../src/HierFunctional/bin/Release/net10.0/HierFunctional.dll"

/// Draw counts shrink when CI sets HIER_QUICK, so every tutorial runs in CI in seconds.
let quick = not (System.String.IsNullOrEmpty(System.Environment.GetEnvironmentVariable "HIER_QUICK"))

/// Checks every posterior mean against a reference fixture (tests/HierFunctional.Tests/fixtures/<path>: rows of
/// name, mean, sd, mcse_mean, ...): |ours − reference| < 4·sqrt(MCSE_ours² + MCSE_ref²). `rename` maps a
/// fixture name to ours (e.g. JAGS's rho to L[2,1]). Returns the number of means checked.
let agreesWith (path: string) (rename: string -> string) (post: HierFunctional.Posterior) =
    let file = System.IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "tests", "HierFunctional.Tests", "fixtures", path)

    let rows =
        System.IO.File.ReadAllLines file
        |> Array.skip 1
        |> Array.map (fun l -> l.Split ',' |> Array.map (fun s -> s.Trim()))

    for r in rows do
        let x = HierFunctional.Posterior.chains (rename r.[0]) post
        let mcse = HierFunctional.Diagnostics.mcseMean x
        let z = (HierFunctional.Diagnostics.mean x - float r.[1]) / sqrt (mcse * mcse + float r.[3] ** 2.0)
        if abs z > 4.0 then failwithf "%s: %.1f combined MCSE from the reference %s" r.[0] z path

    rows.Length
