/// Part B: BUGS vol2 classics that are hierarchical, each written from its BUGS file (references/partB/bugs-vol2, from
/// nimble-dev/nimble's copy of classic-bugs/vol2) with BUGS's priors and inits. References: long JAGS runs of the
/// same models (references/scripts/vol2.R). BUGS's `dwish(R, k)` on a precision matrix Ω is Wishart(k, R⁻¹) on Ω
/// here, and `dmnorm(m, Ω)` is `MvNormal(m, inverse Ω)`; node names are BUGS's with '.' and indices dropped.
[<RequireQualifiedAccess>]
module HierFunctional.Conformance.Cases.BugsVol2

open HierFunctional
open HierFunctional.Conformance
open type Distributions

let private bugs (name: string) (file: string) =
    $"BUGS vol2 {name} (classic-bugs/vol2/{file})"

let private case name source model inits note =
    Case.ofModel name source model inits note

let private diag (xs: float list) =
    matrix (
        xs
        |> List.mapi (fun i x -> xs |> List.mapi (fun j _ -> constant (if i = j then x else 0.0)))
    )

let private rows (n: int) (row: float list) =
    Value.Matrix(Array2D.init n row.Length (fun _ j -> row.[j]))

/// Birats (birats2.bug): each rat's (intercept, slope) ~ MvNormal(mu.beta, Ω⁻¹), Ω ~ dwish(R, 2) with
/// R = diag(200, 0.2), time centred at mean(x) = 22; tau.c ~ dgamma(0.001, 0.001).
let birats =
    case
        "birats"
        (bugs "Birats" "birats/birats2.bug")
        (model {
            let! mu1 = sample "mu_beta1" (Bugs.dnorm 0.0 1.0e-5)
            let! mu2 = sample "mu_beta2" (Bugs.dnorm 0.0 1.0e-5)
            let! omega = sample "Omega_beta" (Wishart(2.0, diag [ 1.0 / 200.0; 1.0 / 0.2 ]))
            let! tauC = sample "tau_c" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! _ = derived "sigma" (1.0 / sqrt tauC)
            let! _ = derived "alpha0" (mu1 - mu2 * 22.0)

            let! beta =
                sample "beta" (MvNormal(vector [ mu1; mu2 ], inverse omega)) |> over "rat"

            do! observe "Y" (Bugs.dnorm (dot (vector [ constant 1.0; data "xc" ]) beta.[group "rat"]) tauC)
        })
        [
            Bugs.scalar "mu_beta1" 0.0
            Bugs.scalar "mu_beta2" 0.0
            "Omega_beta", Value.Matrix(array2D [ [ 1.0; 0.0 ]; [ 0.0; 1.0 ] ])
            Bugs.scalar "tau_c" 1.0
            "beta", rows 30 [ 100.0; 6.0 ]
        ]
        "the BUGS file's mu.beta[1], mu.beta[2] are two scalar nodes here (mu_beta1, mu_beta2)"
    |> fun c -> { c with Quick = Case.quick }

/// Orange trees (otree.bug): logistic growth y = φ1 / (1 + φ2·exp(φ3·x)), φ1 = exp θ1, φ2 = exp θ2 − 1,
/// φ3 = −exp θ3, with three independent Normal random effects per tree and vague BUGS priors.
let orange =
    case
        "orange"
        (bugs "Orange trees" "orange/otree.bug")
        (model {
            let! tauC = sample "tauC" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! mu1 = sample "mu1" (Bugs.dnorm 0.0 1.0e-4)
            let! mu2 = sample "mu2" (Bugs.dnorm 0.0 1.0e-4)
            let! mu3 = sample "mu3" (Bugs.dnorm 0.0 1.0e-4)
            let! tau1 = sample "tau1" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! tau2 = sample "tau2" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! tau3 = sample "tau3" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! _ = derived "sigmaC" (1.0 / sqrt tauC)
            let! _ = derived "sigma1" (1.0 / sqrt tau1)
            let! _ = derived "sigma2" (1.0 / sqrt tau2)
            let! _ = derived "sigma3" (1.0 / sqrt tau3)
            let! theta1 = sample "theta1" (Bugs.dnorm mu1 tau1) |> over "tree"
            let! theta2 = sample "theta2" (Bugs.dnorm mu2 tau2) |> over "tree"
            let! theta3 = sample "theta3" (Bugs.dnorm mu3 tau3) |> over "tree"
            let phi1 = exp theta1.[group "tree"]
            let phi2 = exp theta2.[group "tree"] - 1.0
            let phi3 = -(exp theta3.[group "tree"])
            do! observe "Y" (Bugs.dnorm (phi1 / (1.0 + phi2 * exp (phi3 * data "x"))) tauC)
        })
        [
            Bugs.repeated "theta1" 5 5.0
            Bugs.repeated "theta2" 5 2.0
            Bugs.repeated "theta3" 5 -6.0
            Bugs.scalar "mu1" 5.0
            Bugs.scalar "mu2" 2.0
            Bugs.scalar "mu3" -6.0
            Bugs.scalar "tau1" 20.0
            Bugs.scalar "tau2" 20.0
            Bugs.scalar "tau3" 20.0
            Bugs.scalar "tauC" 20.0
        ]
        "theta[i, k] of the BUGS file is three group nodes theta1..theta3"

/// Orange trees, multivariate (mvotree.bug): θ_i ~ MvNormal(μ, τ⁻¹), μ ~ MvNormal(0, prec⁻¹) with prec = 1e-6·I,
/// τ ~ dwish(R, 3) with R = 0.1·I.
let mvotree =
    case
        "mvotree"
        (bugs "Orange trees (multivariate)" "orange/mvotree.bug")
        (model {
            let! mu =
                sample
                    "mu"
                    (MvNormal(vector [ constant 0.0; constant 0.0; constant 0.0 ], diag [ 1.0e6; 1.0e6; 1.0e6 ]))

            let! tau = sample "tau" (Wishart(3.0, diag [ 10.0; 10.0; 10.0 ]))
            let! tauC = sample "tauC" (Bugs.dgamma 1.0e-3 1.0e-3)
            let! _ = derived "sigmaC" (1.0 / sqrt tauC)
            let! theta = sample "theta" (MvNormal(mu, inverse tau)) |> over "tree"
            let th = theta.[group "tree"]
            let phi1 = exp th.[0]
            let phi2 = exp th.[1] - 1.0
            let phi3 = -(exp th.[2])
            do! observe "Y" (Bugs.dnorm (phi1 / (1.0 + phi2 * exp (phi3 * data "x"))) tauC)
        })
        [
            "theta", rows 5 [ 5.0; 2.0; -6.0 ]
            "mu", Value.Vector [| 5.0; 2.0; -6.0 |]
            "tau", Value.Matrix(array2D [ [ 0.1; 0.0; 0.0 ]; [ 0.0; 0.1; 0.0 ]; [ 0.0; 0.0; 0.1 ] ])
            Bugs.scalar "tauC" 20.0
        ]
        "the prior on mu is written with its covariance (prec⁻¹ = 1e6·I)"

/// Jaw's four ages (years) and their mean, which the BUGS file centres on.
let private jawAges = [| 8.0; 8.5; 9.0; 9.5 |]
let private jawMeanAge = Array.average jawAges

/// The four measurements per boy as one matrix column Y (20 × 4), as BUGS's Y[i, 1:M].
let private jawMatrix (d: Dataset) =
    let column (name: string) =
        match Dataset.tryColumn name d with
        | Some(Column.Reals v) -> v
        | Some(Column.Integers v) -> Array.map float v
        | _ -> invalidArg name $"jaw's data has no numeric column '{name}'"

    let cols = [| "Y1"; "Y2"; "Y3"; "Y4" |] |> Array.map column
    Dataset.matrix "Y" (Array2D.init cols.[0].Length 4 (fun i j -> cols.[j].[i])) d

/// Jaw (jaw-linear.bug): each boy's four bone lengths ~ MvNormal(μ, Ω⁻¹) with μ_j = β0 + β1 (age_j − 8.75),
/// Ω ~ dwish(I, 4), i.e. Wishart(4, I) here; the harness builds the matrix column Y from the CSV's Y1..Y4.
let jaw =
    case
        "jaw"
        (bugs "Jaw" "jaw/jaw-linear.bug")
        (model {
            let! beta0 = sample "beta0" (Bugs.dnorm 0.0 0.001)
            let! beta1 = sample "beta1" (Bugs.dnorm 0.0 0.001)
            let! omega = sample "Omega" (Wishart(4.0, diag [ 1.0; 1.0; 1.0; 1.0 ]))
            let! _ = derived "beta0_uncentred" (beta0 - beta1 * jawMeanAge)

            let mu = vector [ for a in jawAges -> beta0 + beta1 * (a - jawMeanAge) ]

            do! observe "Y" (MvNormal(mu, inverse omega))
        })
        [ Bugs.scalar "beta0" 40.0; Bugs.scalar "beta1" 0.0 ]
        ""
    |> fun c ->
        { c with
            Columns = jawMatrix
            Formula =
                AsFormula.NotExpressible "a multivariate (four-column) response: the formula has one response column"
        }

/// BUGS's R = [[0.1, 0.005, 0.005], [0.005, 0.1, 0.005], [0.005, 0.005, 0.1]] for the schools Wishart, inverted: dwish(R, 3)
/// is Wishart(3, R⁻¹).
let private schoolsScale =
    let r =
        MathNet.Numerics.LinearAlgebra.Double.DenseMatrix.OfArray(
            array2D [ [ 0.1; 0.005; 0.005 ]; [ 0.005; 0.1; 0.005 ]; [ 0.005; 0.005; 0.1 ] ]
        )

    let inv = r.Inverse()
    matrix [ for i in 0..2 -> [ for j in 0..2 -> constant inv.[i, j] ] ]

/// Schools (vol2 schools.bug): London exam scores, (intercept, LRT, VR1) coefficients per school ~ MvNormal(γ, T⁻¹),
/// T ~ dwish(R, 3), eight fixed effects, and log precision θ + φ·LRT per pupil.
let schools =
    case
        "schools"
        (bugs "Schools" "schools/schools.bug")
        (model {
            let! beta1 = sample "beta1" (Bugs.dnorm 0.0 1.0e-4)
            let! beta2 = sample "beta2" (Bugs.dnorm 0.0 1.0e-4)
            let! beta3 = sample "beta3" (Bugs.dnorm 0.0 1.0e-4)
            let! beta4 = sample "beta4" (Bugs.dnorm 0.0 1.0e-4)
            let! beta5 = sample "beta5" (Bugs.dnorm 0.0 1.0e-4)
            let! beta6 = sample "beta6" (Bugs.dnorm 0.0 1.0e-4)
            let! beta7 = sample "beta7" (Bugs.dnorm 0.0 1.0e-4)
            let! beta8 = sample "beta8" (Bugs.dnorm 0.0 1.0e-4)
            let! theta = sample "theta" (Bugs.dnorm 0.0 1.0e-4)
            let! phi = sample "phi" (Bugs.dnorm 0.0 1.0e-4)

            let! gamma =
                sample
                    "gamma"
                    (MvNormal(vector [ constant 0.0; constant 0.0; constant 0.0 ], diag [ 1.0e4; 1.0e4; 1.0e4 ]))

            let! t = sample "T" (Wishart(3.0, schoolsScale))

            let! alpha = sample "alpha" (MvNormal(gamma, inverse t)) |> over "school"

            let fixedPart =
                List.zip
                    [ beta1; beta2; beta3; beta4; beta5; beta6; beta7; beta8 ]
                    [ "LRT2"; "VR2"; "Gender"; "SG1"; "SG2"; "SD1"; "SD2"; "SD3" ]
                |> List.map (fun (b, c) -> b * data c)
                |> List.reduce (+)

            let mu =
                dot (vector [ constant 1.0; data "LRT"; data "VR1" ]) alpha.[group "school"]
                + fixedPart

            do! observe "Y" (Bugs.dnorm mu (exp (theta + phi * data "LRT")))
        })
        [
            Bugs.scalar "theta" 0.0
            Bugs.scalar "phi" 0.01
            "gamma", Value.Vector [| 0.0; 0.0; 0.0 |]
            "T", Value.Matrix(array2D [ [ 10.0; -3.0; -3.0 ]; [ -3.0; 135.0; -65.0 ]; [ -3.0; -65.0; 135.0 ] ])
            "alpha", rows 38 [ 0.0; 0.0; 0.0 ]
        ]
        "beta[k] are eight scalar nodes beta1..beta8; T's Wishart scale is R⁻¹, computed from the BUGS file's R"

/// Every vol2 case.
let cases = [ birats; orange; mvotree; jaw; schools ]
