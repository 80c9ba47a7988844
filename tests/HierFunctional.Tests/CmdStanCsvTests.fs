module HierFunctional.Tests.CmdStanCsvTests

open System
open System.Globalization
open System.IO
open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.Random
open HierFunctional

let private fixture file =
    Path.Combine(__SOURCE_DIRECTORY__, "fixtures", "cmdstan", file)

let private header =
    {
        ModelName = "eight_schools"
        Algorithm = "gibbs"
        NumSamples = 21
        NumWarmup = 100
        Thin = 1
        Seed = 7UL
        ChainId = 1
        ElapsedSeconds = Some(0.25, 1.5)
    }

// The same draws as fixtures/cmdstan/make_written_fixture.fsx, which wrote hier_check_1.csv for R to read.
let private writtenNames, private writtenDraws =
    let rng = Xoshiro256StarStar(7)

    let names =
        [|
            "lp__"
            "accept_stat__"
            "mu"
            "tau"
            "theta[1]"
            "theta[2]"
            "Sigma[1,1]"
            "Sigma[2,1]"
        |]

    let random =
        Array.init 20 (fun _ ->
            Array.init names.Length (fun _ -> MathNet.Numerics.Distributions.Normal.Sample(rng, 0.0, 3.0)))

    let special = [| 0.1; 1.0 / 3.0; 1e-300; -2.5e17; Math.PI; 5e-324; nan; infinity |]
    names, Array.append random [| special |]

let private sameBits (a: float) (b: float) =
    (Double.IsNaN a && Double.IsNaN b)
    || BitConverter.DoubleToInt64Bits a = BitConverter.DoubleToInt64Bits b

let private assertSameDraws (expected: float[][]) (actual: float[][]) =
    Assert.Equal(expected.Length, actual.Length)

    Array.iteri2
        (fun s (e: float[]) (a: float[]) ->
            Array.iteri2
                (fun j x y ->
                    if not (sameBits x y) then
                        failwith $"draw {s}, column {j}: wrote {x:R}, read {y:R}")
                e
                a)
        expected
        actual

let ``indexed names convert to Stan's dotted form and back`` () =
    Assert.Equal("theta.1", CmdStanCsv.toStanName "theta[1]")
    Assert.Equal("Sigma.1.2", CmdStanCsv.toStanName "Sigma[1, 2]")
    Assert.Equal("lp__", CmdStanCsv.toStanName "lp__")
    Assert.Equal("theta[1]", CmdStanCsv.fromStanName "theta.1")
    Assert.Equal("Sigma[1,2]", CmdStanCsv.fromStanName "Sigma.1.2")
    Assert.Equal("accept_stat__", CmdStanCsv.fromStanName "accept_stat__")

let ``name conversion round-trips for any identifier and index list`` () =
    let ident = Gen.elements [ "mu"; "theta"; "Sigma"; "b_x"; "lp__" ]

    let indices =
        Gen.choose (0, 3) |> Gen.bind (fun k -> Gen.listOfLength k (Gen.choose (1, 40)))

    Prop.forAll (Arb.fromGen (Gen.zip ident indices)) (fun (id, ix) ->
        let name =
            if ix.IsEmpty then
                id
            else
                id + "[" + String.Join(",", ix) + "]"

        CmdStanCsv.fromStanName (CmdStanCsv.toStanName name) = name)
    |> fun p -> Check.One(TestConfig.quick.WithMaxTest(200), p)

let ``writing then reading gives bit-identical draws for any doubles`` () =
    let value =
        Gen.frequency
            [
                6, ArbMap.defaults |> ArbMap.generate<float>
                1, Gen.elements [ nan; infinity; -infinity; Double.Epsilon; Double.MaxValue; -0.0; 1e-310 ]
            ]

    let draws =
        Gen.choose (1, 6)
        |> Gen.bind (fun n -> Gen.arrayOfLength 3 (Gen.arrayOfLength n value))

    Prop.forAll (Arb.fromGen draws) (fun (d: float[][]) ->
        let names = Array.init d.[0].Length (fun j -> $"theta[{j + 1}]")
        let back = CmdStanCsv.parse (CmdStanCsv.format header names d)
        assertSameDraws d back.Draws
        back.Names = Array.map CmdStanCsv.toStanName names && back.Warmup.Length = 0)
    |> fun p -> Check.One(TestConfig.quick.WithMaxTest(200), p)

let ``the written header carries model, method, counts, seed and chain id`` () =
    let c = CmdStanCsv.parse (CmdStanCsv.format header writtenNames writtenDraws)
    let meta key = CmdStanCsv.tryMetadata key c
    Assert.Equal(Some "eight_schools", meta "model")
    Assert.Equal(Some "sample", meta "method")
    Assert.Equal(Some "21", meta "num_samples")
    Assert.Equal(Some "100", meta "num_warmup")
    Assert.Equal(Some "1", meta "thin")
    Assert.Equal(Some "7", meta "seed")
    Assert.Equal(Some "1", meta "id")

let ``the committed file R read is exactly what the writer produces`` () =
    Assert.Equal(File.ReadAllText(fixture "hier_check_1.csv"), CmdStanCsv.format header writtenNames writtenDraws)

// hier_check_1.R_output.txt: read.csv(comment.char = "#") and posterior::as_draws_df on our file, values at %.17g.
let ``R reads our file with the same names and bit-identical numbers`` () =
    let lines = File.ReadAllLines(fixture "hier_check_1.R_output.txt")

    let after (prefix: string) =
        (lines |> Array.find (fun l -> l.StartsWith prefix)).Substring(prefix.Length).Trim()

    Assert.Equal(String.Join(",", writtenNames |> Array.map CmdStanCsv.toStanName), after "variables:")
    Assert.Equal(string writtenDraws.Length, after "ndraws:")
    Assert.Equal(String.Join(",", Array.create writtenNames.Length "numeric"), after "classes:")
    let start = Array.findIndex (fun l -> l = "values:") lines + 2

    let parse (s: string) =
        match s with
        | "NaN" -> nan
        | "Inf" -> infinity
        | "-Inf" -> -infinity
        | _ -> Double.Parse(s, CultureInfo.InvariantCulture)

    let rRows =
        lines.[start .. start + writtenDraws.Length - 1]
        |> Array.map (fun l -> l.Split ',' |> Array.map parse)

    assertSameDraws writtenDraws rRows

let ``a real rstan sample file is read with warmup, draws and metadata separated`` () =
    let c = CmdStanCsv.read (fixture "eight_schools_chain1.csv")
    Assert.Equal(29, c.Names.Length)

    Assert.Equal<string[]>(
        [|
            "lp__"
            "accept_stat__"
            "stepsize__"
            "treedepth__"
            "n_leapfrog__"
            "divergent__"
            "energy__"
            "mu"
            "tau"
        |],
        c.Names.[..8]
    )

    Assert.Equal(100, c.Warmup.Length)
    Assert.Equal(100, c.Draws.Length)
    Assert.Equal(Some "1234", CmdStanCsv.tryMetadata "seed" c)
    Assert.Equal(Some "1", CmdStanCsv.tryMetadata "chain_id" c)
    Assert.Equal(Some "100", CmdStanCsv.tryMetadata "warmup" c)
    Assert.Equal<float[]>([| -5.10052; 0.93874; 0.489521 |], c.Draws.[0].[..2])
    Assert.True(c.Draws |> Array.forall (fun d -> d.[2] = 0.489521)) // adapted step size is fixed after warmup

let ``columns of the rstan file line up with the model's transformed parameters`` () =
    let c = CmdStanCsv.read (fixture "eight_schools_chain1.csv")
    let col name = Array.IndexOf(c.Names, name)

    for d in Array.append c.Warmup c.Draws do
        let mu, tau = d.[col "mu"], d.[col "tau"]

        for j in 1..8 do
            // theta = mu + tau * theta_raw, each printed by Stan to 6 significant digits
            let expected = mu + tau * d.[col $"theta_raw.{j}"]

            let slack =
                1e-5 * (abs mu + abs tau * abs d.[col $"theta_raw.{j}"] + abs expected) + 1e-9

            Assert.InRange(d.[col $"theta.{j}"], expected - slack, expected + slack)
        // generated Sigma = [[1, tau], [tau, 2]], written column-major: Sigma.1.1, Sigma.2.1, Sigma.1.2, Sigma.2.2
        Assert.Equal<float[]>(
            [| 1.0; tau; tau; 2.0 |],
            [|
                for n in [ "Sigma.1.1"; "Sigma.2.1"; "Sigma.1.2"; "Sigma.2.2" ] -> d.[col n]
            |]
        )

// Hand-written to CmdStan 2.33's layout (CmdStan guide, "Stan CSV File Format"): nested `(Default)` comments,
// the adaptation block right after the header row when warmup is not saved, and the elapsed-time block.
let private cmdStanLayout =
    String.Join(
        "\n",
        [
            "# stan_version_major = 2"
            "# stan_version_minor = 33"
            "# stan_version_patch = 0"
            "# model = bernoulli_model"
            "# method = sample (Default)"
            "#   sample"
            "#     num_samples = 3"
            "#     num_warmup = 1000 (Default)"
            "#     save_warmup = 0 (Default)"
            "#     thin = 1 (Default)"
            "#     adapt"
            "#       engaged = 1 (Default)"
            "#     algorithm = hmc (Default)"
            "#       hmc"
            "#         engine = nuts (Default)"
            "#     num_chains = 1 (Default)"
            "# id = 2"
            "# data"
            "#   file = bernoulli.data.json"
            "# random"
            "#   seed = 3252652196"
            "lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,theta"
            "# Adaptation terminated"
            "# Step size = 0.893542"
            "# Diagonal elements of inverse mass matrix:"
            "# 0.528898"
            "-6.74827,0.981,0.893542,1,3,0,6.9,0.247"
            "-7.0,0.9,0.893542,2,3,0,7.2,0.123"
            "-6.9,1,0.893542,1,1,0,7.0,0.2"
            "# "
            "#  Elapsed Time: 0.005 seconds (Warm-up)"
            "#                0.013 seconds (Sampling)"
            "#                0.018 seconds (Total)"
            "# "
            ""
        ]
    )

let ``a CmdStan layout with its adaptation block after the header has no warmup rows`` () =
    let c = CmdStanCsv.parse cmdStanLayout
    Assert.Equal(0, c.Warmup.Length)
    Assert.Equal(3, c.Draws.Length)
    Assert.Equal(0.247, c.Draws.[0].[7])
    Assert.Equal(Some "1000", CmdStanCsv.tryMetadata "num_warmup" c)
    Assert.Equal(Some "sample", CmdStanCsv.tryMetadata "method" c)
    Assert.Equal(Some "3252652196", CmdStanCsv.tryMetadata "seed" c)
    Assert.Equal(Some "2", CmdStanCsv.tryMetadata "id" c)

let ``saved warmup without an adaptation block is split off by the warmup count`` () =
    let text = "# num_warmup = 2\n# save_warmup = 1\n# thin = 1\na,b\n1,2\n3,4\n5,6\n"
    let c = CmdStanCsv.parse text
    Assert.Equal<float[][]>([| [| 1.0; 2.0 |]; [| 3.0; 4.0 |] |], c.Warmup)
    Assert.Equal<float[][]>([| [| 5.0; 6.0 |] |], c.Draws)

let ``one file per chain is written with CmdStan's names and chain ids`` () =
    let dir = Directory.CreateTempSubdirectory("hier-cmdstan-")

    try
        let chains = [| writtenDraws.[..4]; writtenDraws.[5..9] |]
        let paths = CmdStanCsv.writeChains dir.FullName header writtenNames chains
        Assert.Equal<string[]>([| "eight_schools_1.csv"; "eight_schools_2.csv" |], paths |> Array.map Path.GetFileName)

        paths
        |> Array.iteri (fun c p ->
            let back = CmdStanCsv.read p
            Assert.Equal(Some(string (c + 1)), CmdStanCsv.tryMetadata "id" back)
            assertSameDraws chains.[c] back.Draws)
    finally
        dir.Delete true

let ``a row with a missing value is reported with its line number`` () =
    let ex =
        Assert.Throws<InvalidDataException>(fun () -> CmdStanCsv.parse "# x = 1\na,b\n1,2\n3\n" |> ignore)

    Assert.Contains("line 4", ex.Message)

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.CmdStanCsvTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.CmdStanCsvTests"
            [
                Expecto.Tests.testCase "indexed names convert to Stan's dotted form and back" (fun () ->
                    ``indexed names convert to Stan's dotted form and back`` ())
                Expecto.Tests.testCase "name conversion round-trips for any identifier and index list" (fun () ->
                    ``name conversion round-trips for any identifier and index list`` ())
                Expecto.Tests.testCase "writing then reading gives bit-identical draws for any doubles" (fun () ->
                    ``writing then reading gives bit-identical draws for any doubles`` ())
                Expecto.Tests.testCase "the written header carries model, method, counts, seed and chain id" (fun () ->
                    ``the written header carries model, method, counts, seed and chain id`` ())
                Expecto.Tests.testCase "the committed file R read is exactly what the writer produces" (fun () ->
                    ``the committed file R read is exactly what the writer produces`` ())
                Expecto.Tests.testCase "R reads our file with the same names and bit-identical numbers" (fun () ->
                    ``R reads our file with the same names and bit-identical numbers`` ())
                Expecto.Tests.testCase
                    "a real rstan sample file is read with warmup, draws and metadata separated"
                    (fun () -> ``a real rstan sample file is read with warmup, draws and metadata separated`` ())
                Expecto.Tests.testCase
                    "columns of the rstan file line up with the model's transformed parameters"
                    (fun () -> ``columns of the rstan file line up with the model's transformed parameters`` ())
                Expecto.Tests.testCase
                    "a CmdStan layout with its adaptation block after the header has no warmup rows"
                    (fun () -> ``a CmdStan layout with its adaptation block after the header has no warmup rows`` ())
                Expecto.Tests.testCase
                    "saved warmup without an adaptation block is split off by the warmup count"
                    (fun () -> ``saved warmup without an adaptation block is split off by the warmup count`` ())
                Expecto.Tests.testCase "one file per chain is written with CmdStan's names and chain ids" (fun () ->
                    ``one file per chain is written with CmdStan's names and chain ids`` ())
                Expecto.Tests.testCase "a row with a missing value is reported with its line number" (fun () ->
                    ``a row with a missing value is reported with its line number`` ())
            ])
