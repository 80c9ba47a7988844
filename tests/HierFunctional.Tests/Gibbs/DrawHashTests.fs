/// Fixed-seed draws are a pure function of the model, the data, the compile settings and the seed: the eight canonical
/// models, four formula GLMs and one example per built-in rule, each under four compile settings, hash (the bits of
/// every draw) to the values in fixtures/draw-hashes.txt. A refactoring that claims "same draws" must keep
/// every line; a change that moves fixed-seed draws on purpose regenerates the file (set HF_WRITE_DRAW_HASHES=1 and run
/// this test) and says so in its commit message.
module HierFunctional.Tests.Gibbs.DrawHashTests

open System
open System.IO
open System.Security.Cryptography
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Testing

let private dataDir =
    Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "..", "docs", "data")

let private fixture =
    Path.Combine(__SOURCE_DIRECTORY__, "..", "fixtures", "draw-hashes.txt")

let private csv name =
    Csv.readOrThrow (Path.Combine(dataDir, name))

/// The compile settings the hashes are taken under: every pass on, every pass off, the joint location-scale draw on,
/// and no conjugacy rules (slice sampling everywhere).
let private settings =
    [
        "default", CompileSettings.Default
        "passes-off",
        CompileSettings.Default
            .WithInterweaving(false)
            .WithBlockSlice(false)
            .WithGlmBlock(false)
            .WithSharedOmega(false)
            .WithCollapsedNormal(false)
            .WithTabulatedHyperparameters(false)
        "joint-location-scale", CompileSettings.Default.WithJointLocationScale(true).WithCollapsedNormal(false)
        "no-rules", CompileSettings.Default.WithRules []
    ]

let private formula (family: Family) (text: string) (file: string) =
    Formula.bind family [] text (csv file)
    |> Result.mapError (Formula.describeErrors >> List.singleton)

let private modelOn (m: Model) (file: string) =
    Bind.bind m (csv file) |> Result.mapError (fun e -> [ sprintf "%A" e ])

let private bound (m: Model) (d: Dataset) =
    Bind.bind m d |> Result.mapError (fun e -> [ sprintf "%A" e ])

/// Every model of the check, by name, bound to its data.
let private cases () =
    [
        "eight schools", modelOn Examples.eightSchools "eight_schools.csv"
        "eight schools non-centred", modelOn Examples.eightSchoolsNonCentred "eight_schools.csv"
        "pumps", modelOn Examples.pumps "pumps.csv"
        "rats", modelOn Examples.rats "rats.csv"
        "surgical", modelOn Examples.surgical "surgical.csv"
        "students in schools", modelOn Examples.studentsInSchools "students.csv"
        "three level", modelOn Examples.threeLevel "three_level.csv"
        "sleepstudy", modelOn Examples.sleepstudy "sleepstudy.csv"
        "cbpp binomial", formula Family.Binomial "incidence | trials(size) ~ period + (1 | herd)" "cbpp.csv"
        "clinics binomial slopes", formula Family.Binomial "y | trials(n) ~ x + (1 + x | clinic)" "clinics.csv"
        "hospitals poisson", formula Family.Poisson "readmissions ~ 1 + (1 | hospital)" "hospitals.csv"
        "penicillin crossed", formula Family.Gaussian "diameter ~ 1 + (1 | plate) + (1 | sample)" "penicillin.csv"
    ]
    @ (RuleExamples.builtIn
       |> List.map (fun ex -> $"rule example: {ex.Rule.Name}", bound ex.Model ex.Data))

let private options =
    SamplerOptions.Default.WithChains(2).WithWarmup(150).WithDraws(60).WithSeed(20261206)

/// SHA-256 of the bits of every draw (not the plan text, whose wording may change), or of the error text when the model does not compile.
let private hashOf (b: Result<Bound, string list>) (s: CompileSettings) =
    let text =
        match
            b
            |> Result.bind (fun b -> Gibbs.compileUsing s b |> Result.mapError (List.map (sprintf "%A")))
        with
        | Error e -> "error: " + String.Join("; ", e)
        | Ok plan ->
            let post = Chains.run options plan
            let sb = Text.StringBuilder()

            for name in post.Names do
                sb.Append('\n').Append(name) |> ignore

                for chain in Posterior.chains name post do
                    for x in chain do
                        sb.Append(' ').Append(BitConverter.DoubleToInt64Bits(x).ToString("x16"))
                        |> ignore

            sb.ToString()

    Convert.ToHexString(SHA256.HashData(Text.Encoding.UTF8.GetBytes text)).Substring(0, 16)

let private current () =
    [
        for name, b in cases () do
            for setting, s in settings do
                $"{name} | {setting}", hashOf b s
    ]

let ``fixed-seed draws of the canonical models and rule examples hash to the recorded values`` () =
    let now = current ()

    if Environment.GetEnvironmentVariable "HF_WRITE_DRAW_HASHES" = "1" then
        File.WriteAllLines(fixture, now |> List.map (fun (k, h) -> $"{k} | {h}"))

    let recorded =
        File.ReadAllLines fixture
        |> Array.map (fun line ->
            let i = line.LastIndexOf " | "
            line.Substring(0, i), line.Substring(i + 3))
        |> Map.ofArray

    let changed =
        [
            for k, h in now do
                match Map.tryFind k recorded with
                | Some r when r = h -> ()
                | Some r -> $"{k}: recorded {r}, now {h}"
                | None -> $"{k}: not recorded (now {h})"
        ]

    Assert.True(List.isEmpty changed, "draws changed:\n" + String.Join("\n", changed))
    Assert.Equal(recorded.Count, now.Length)

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "HierFunctional.Tests.Gibbs.DrawHashTests"
        [
            Expecto.Tests.testCase
                "fixed-seed draws of the canonical models and rule examples hash to the recorded values"
                (fun () ->
                    ``fixed-seed draws of the canonical models and rule examples hash to the recorded values`` ())
        ]
