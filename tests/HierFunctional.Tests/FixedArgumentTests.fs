/// Log-densities with fixed arguments (`LogPdfFixed`, a family's `Fixed`): a term whose arguments are constants
/// computes their part once, and must give the same bits as the family's generic scalar log-density.
module HierFunctional.Tests.FixedArgumentTests

open System
open FsCheck
open FsCheck.FSharp
open HierFunctional.TestShim
open HierFunctional
open HierFunctional.Testing
open type Distributions

/// The generic scalar log-density of a family at arguments `a`.
let private generic (f: DistFamily) (a: float[]) (x: float) =
    match f.Scalar with
    | Some(ScalarLogPdf.Zero g) -> g x
    | Some(ScalarLogPdf.One g) -> g a.[0] x
    | Some(ScalarLogPdf.Two g) -> g a.[0] a.[1] x
    | Some(ScalarLogPdf.Three g) -> g a.[0] a.[1] a.[2] x
    | None -> failwith $"{f.Name} has no scalar log-density"

let private withFixed =
    Dist.catalogue
    |> List.choose (fun (f, _) -> f.Fixed |> Option.map (fun make -> f, make))

/// Ordinary values, values on the supports' edges and invalid ones (negative, zero, NaN, infinite).
let private number =
    Gen.oneof
        [
            Gen.elements [ 0.0; -0.0; 1.0; -1.0; 0.1; 0.5; 2.0; 1e-300; 1e300; nan; infinity; -infinity ]
            Gen.choose (-100000, 100000) |> Gen.map (fun i -> float i / 1000.0)
            Gen.choose (-300, 300) |> Gen.map (fun e -> 10.0 ** (float e / 10.0))
        ]

let private bits (v: float) = BitConverter.DoubleToInt64Bits v

let ``every family's fixed-argument log-density gives the generic one's bits`` () =
    let case =
        gen {
            let! f, make = Gen.elements withFixed
            let! a = Gen.arrayOfLength f.Arguments.Length number
            let! xs = Gen.arrayOfLength 5 number
            return f, make, a, xs
        }

    Prop.forAll (Arb.fromGen case) (fun (f, make, a, xs) ->
        let fixedAt = make a

        xs
        |> Array.forall (fun x ->
            let want, got = generic f a x, fixedAt x

            bits want = bits got
            || failwith $"{f.Name}({String.Join(',', a)}) at {x}: generic {want}, fixed {got}"))

let ``the families with fixed-argument log-densities are the hyperparameter priors`` () =
    let names = withFixed |> List.map (fun (f, _) -> f.Name) |> Set.ofList

    let expected =
        Set.ofList
            [
                "Normal"
                "StudentT"
                "Cauchy"
                "HalfNormal"
                "HalfCauchy"
                "HalfStudentT"
                "Exponential"
                "Gamma"
                "InverseGamma"
            ]

    Assert.Equal<Set<string>>(expected, names)

let ``a prior term with constant argument expressions equals the generic log-density at their values`` () =
    let m =
        model {
            let! a = sample "a" (Gamma(constant 0.1, constant 1.0 / constant 4.0))
            let! t = sample "t" (HalfCauchy(constant 2.0 * constant 2.5))

            let! s =
                sample "s" (StudentT(constant 3.0, constant 1.0 - constant 2.0, constant 25.0))

            do! observe "y" (Normal(a + s, t))
        }

    let b = Bind.bindOrThrow m (Dataset.empty |> Dataset.reals "y" [| 1.0; 2.0 |])
    let density = LogDensity.compile b
    let state = Array.zeroCreate b.Layout.Size

    let term name (x: float) =
        state.[b.Layout.Offsets.[name]] <- x
        density.Term { Node = name; Copy = 0 } state

    for x in [ 0.0; 1e-3; 0.7; 3.0; 40.0; -1.0 ] do
        Assert.Equal(bits (LogPdf.gamma 0.1 0.25 x), bits (term "a" x))
        Assert.Equal(bits (LogPdf.halfCauchy 5.0 x), bits (term "t" x))
        Assert.Equal(bits (LogPdf.studentT 3.0 -1.0 25.0 x), bits (term "s" x))

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "FixedArgumentTests"
        [
            Expecto.ExpectoFsCheck.testPropertyWithConfig
                { TestConfig.fsCheck with
                    maxTest = 2000
                }
                "every family's fixed-argument log-density gives the generic one's bits"
                (``every family's fixed-argument log-density gives the generic one's bits`` ())
            Expecto.Tests.testCase
                "the families with fixed-argument log-densities are the hyperparameter priors"
                (fun () -> ``the families with fixed-argument log-densities are the hyperparameter priors`` ())
            Expecto.Tests.testCase
                "a prior term with constant argument expressions equals the generic log-density at their values"
                (fun () ->
                    ``a prior term with constant argument expressions equals the generic log-density at their values`` ())
        ]
