/// BUGS "Epil" (fixtures/epil/epil.bug, with patient and patient-visit effects), its data and BUGS's inits: shared by
/// `GlmBlockEpilTests` and bench/epil/epil.fsx, which `#load`s this file.
[<RequireQualifiedAccess>]
module HierFunctional.Tests.Gibbs.EpilModel

open System.IO
open HierFunctional
open type Distributions

/// Written as the BUGS file writes it: uncentred covariates, Normal(0, precision 1e-4) coefficients,
/// Gamma(0.001, 0.001) precisions.
let model =
    model {
        let! a0 = sample "alpha0" (Normal(0.0, 100.0))
        let! aBase = sample "alpha_Base" (Normal(0.0, 100.0))
        let! aTrt = sample "alpha_Trt" (Normal(0.0, 100.0))
        let! aBT = sample "alpha_BT" (Normal(0.0, 100.0))
        let! aAge = sample "alpha_Age" (Normal(0.0, 100.0))
        let! aV4 = sample "alpha_V4" (Normal(0.0, 100.0))
        let! tauB1 = sample "tau_b1" (Gamma(0.001, 0.001))
        let! tauB = sample "tau_b" (Gamma(0.001, 0.001))
        let! b1 = sample "b1" (Normal(0.0, 1.0 / sqrt tauB1)) |> over "patient"
        let! b = sample "b" (Normal(0.0, 1.0 / sqrt tauB)) |> over "obs"
        let! _ = derived "sigma_b1" (1.0 / sqrt tauB1)
        let! _ = derived "sigma_b" (1.0 / sqrt tauB)
        let logBase4 = log (data "Base" / 4.0)

        do!
            observe
                "y"
                (Poisson(
                    exp (
                        a0
                        + aBase * logBase4
                        + aTrt * data "Trt"
                        + aBT * data "Trt" * logBase4
                        + aAge * log (data "Age")
                        + aV4 * data "V4"
                        + b1.[group "patient"]
                        + b.[group "obs"]
                    )
                ))
    }

/// The data set of an epil.csv file (patient, visit, obs, y, Trt, Base, Age, V4; fixtures/epil/epil.csv).
let data (csv: string) =
    let rows = File.ReadAllLines csv |> Array.skip 1 |> Array.map (fun l -> l.Split ',')

    let col i =
        rows |> Array.map (fun r -> float r.[i])

    Dataset.empty
    |> Dataset.labels "patient" (rows |> Array.map (fun r -> r.[0]))
    |> Dataset.labels "obs" (rows |> Array.map (fun r -> r.[2]))
    |> Dataset.integers "y" (col 3 |> Array.map int)
    |> Dataset.reals "Trt" (col 4)
    |> Dataset.reals "Base" (col 5)
    |> Dataset.reals "Age" (col 6)
    |> Dataset.reals "V4" (col 7)

/// BUGS's inits (epil-inits.R): alpha0 = 1, the other coefficients 0, both precisions 1; random effects at 0.
let bugsInits =
    Initial.given (
        [
            "alpha0", Value.Scalar 1.0
            "tau_b1", Value.Scalar 1.0
            "tau_b", Value.Scalar 1.0
            "b1", Value.Vector(Array.zeroCreate 59)
            "b", Value.Vector(Array.zeroCreate 236)
        ]
        @ ([ "alpha_Base"; "alpha_Trt"; "alpha_BT"; "alpha_Age"; "alpha_V4" ]
           |> List.map (fun n -> n, Value.Scalar 0.0))
    )
