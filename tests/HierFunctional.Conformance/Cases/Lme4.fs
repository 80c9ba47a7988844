/// Part B: lme4's data sets as Bayesian multilevel models, each written twice: in the model language and as the
/// lme4 formula through our formula front end, with the same explicit priors (so one reference serves both). The
/// model-language version is written in the hierarchically centred form the formula emits (docs/formula.md), with
/// the formula's node names. References: long JAGS runs of the same model (references/scripts/lme4.R); lme4's own
/// (RE)ML fits are printed beside them in references/partB/<case>.lme4.txt for orientation (not a posterior).
[<RequireQualifiedAccess>]
module HierFunctional.Conformance.Cases.Lme4

open HierFunctional
open HierFunctional.Conformance
open type Distributions

let private lme4 (dataSet: string) (formula: string) = $"lme4 {dataSet}: {formula}"

/// A case whose formula variant names every reference node as the model does.
let private case name source family priors formula model (nodes: string list) note =
    {
        Name = name
        Source = source
        Model = Written.Model model
        Formula =
            AsFormula.Variant
                {
                    Family = family
                    Priors = priors
                    Text = formula
                    Columns = id
                    Nodes = nodes |> List.map (fun n -> n, FormulaNode.Node n)
                    Note = ""
                }
        Columns = id
        Inits = []
        Full = Case.standard
        Quick = None
        Note = note
    }

let private indexed (name: string) (n: int) = [ for k in 1..n -> $"{name}[{k}]" ]

/// Dyestuff: yield of 6 batches × 5 preparations, Yield ~ 1 + (1 | Batch).
let dyestuff =
    case
        "dyestuff"
        (lme4 "Dyestuff" "Yield ~ 1 + (1 | Batch)")
        Family.Gaussian
        [
            "b_Intercept ~ Normal(1500, 500)"
            "sd_Batch__Intercept ~ HalfCauchy(50)"
            "sigma ~ HalfCauchy(50)"
        ]
        "Yield ~ 1 + (1 | Batch)"
        (model {
            let! b = sample "b_Intercept" (Normal(1500.0, 500.0))
            let! sd = sample "sd_Batch__Intercept" (HalfCauchy 50.0)
            let! r = sample "r_Batch" (Normal(b, sd)) |> over "Batch"
            let! sigma = sample "sigma" (HalfCauchy 50.0)
            do! observe "Yield" (Normal(r.[group "Batch"], sigma))
        })
        ([ "b_Intercept"; "sd_Batch__Intercept"; "sigma" ] @ indexed "r_Batch" 6)
        ""
    |> fun c -> { c with Quick = Case.quick }

/// Dyestuff2: simulated data where lme4's batch variance estimate is 0 (a singular fit).
let dyestuff2 =
    case
        "dyestuff2"
        (lme4 "Dyestuff2" "Yield ~ 1 + (1 | Batch)")
        Family.Gaussian
        [
            "b_Intercept ~ Normal(0, 10)"
            "sd_Batch__Intercept ~ HalfCauchy(5)"
            "sigma ~ HalfCauchy(5)"
        ]
        "Yield ~ 1 + (1 | Batch)"
        (model {
            let! b = sample "b_Intercept" (Normal(0.0, 10.0))
            let! sd = sample "sd_Batch__Intercept" (HalfCauchy 5.0)
            let! r = sample "r_Batch" (Normal(b, sd)) |> over "Batch"
            let! sigma = sample "sigma" (HalfCauchy 5.0)
            do! observe "Yield" (Normal(r.[group "Batch"], sigma))
        })
        ([ "b_Intercept"; "sd_Batch__Intercept"; "sigma" ] @ indexed "r_Batch" 6)
        "the batch sd's posterior piles up near 0 (lme4: singular fit)"
    |> fun c -> { c with Quick = Case.quick }

/// Penicillin: crossed plate (24) and sample (6) effects; sample carries the intercept as the formula centres it.
let penicillin =
    case
        "penicillin"
        (lme4 "Penicillin" "diameter ~ 1 + (1 | plate) + (1 | sample)")
        Family.Gaussian
        [
            "b_Intercept ~ Normal(20, 10)"
            "sd_sample__Intercept ~ HalfCauchy(5)"
            "sd_plate__Intercept ~ HalfCauchy(5)"
            "sigma ~ HalfCauchy(5)"
        ]
        "diameter ~ 1 + (1 | plate) + (1 | sample)"
        (model {
            let! b = sample "b_Intercept" (Normal(20.0, 10.0))
            let! sdSample = sample "sd_sample__Intercept" (HalfCauchy 5.0)
            let! rSample = sample "r_sample" (Normal(b, sdSample)) |> over "sample"
            let! sdPlate = sample "sd_plate__Intercept" (HalfCauchy 5.0)
            let! rPlate = sample "r_plate" (Normal(0.0, sdPlate)) |> over "plate"
            let! sigma = sample "sigma" (HalfCauchy 5.0)
            do! observe "diameter" (Normal(rSample.[group "sample"] + rPlate.[group "plate"], sigma))
        })
        ([ "b_Intercept"; "sd_sample__Intercept"; "sd_plate__Intercept"; "sigma" ]
         @ indexed "r_sample" 6
         @ indexed "r_plate" 24)
        ""

/// Pastes: casks (3) nested in batches (10), strength ~ 1 + (1 | batch/cask); the data's `sample` column is the
/// batch:cask combination the formula derives.
let pastes =
    case
        "pastes"
        (lme4 "Pastes" "strength ~ 1 + (1 | batch/cask)")
        Family.Gaussian
        [
            "b_Intercept ~ Normal(60, 20)"
            "sd_batch__Intercept ~ HalfCauchy(5)"
            "sd_batch:cask__Intercept ~ HalfCauchy(5)"
            "sigma ~ HalfCauchy(5)"
        ]
        "strength ~ 1 + (1 | batch/cask)"
        (model {
            let! b = sample "b_Intercept" (Normal(60.0, 20.0))
            let! sdBatch = sample "sd_batch__Intercept" (HalfCauchy 5.0)
            let! rBatch = sample "r_batch" (Normal(b, sdBatch)) |> over "batch"
            let! sdCask = sample "sd_batch:cask__Intercept" (HalfCauchy 5.0)

            let! rCask =
                sample "r_batch:cask" (Normal(rBatch.[group "batch"], sdCask)) |> over "sample"

            let! sigma = sample "sigma" (HalfCauchy 5.0)
            do! observe "strength" (Normal(rCask.[group "sample"], sigma))
        })
        ([ "b_Intercept"; "sd_batch__Intercept"; "sd_batch:cask__Intercept"; "sigma" ]
         @ indexed "r_batch" 10
         @ indexed "r_batch:cask" 30)
        "the batch sd is weakly identified (10 batches; lme4: batch sd 1.3, cask sd 2.9, residual sd 0.8)"
    |> fun c -> { c with Quick = Case.quick }

/// Sleepstudy: correlated intercepts and slopes per subject, Sigma ~ InverseWishart(3, 625·I).
let sleepstudy =
    case
        "sleepstudy"
        (lme4 "sleepstudy" "Reaction ~ Days + (Days | Subject)")
        Family.Gaussian
        [
            "b_Intercept ~ Normal(250, 100)"
            "b_Days ~ Normal(0, 20)"
            "Sigma_Subject ~ InverseWishart(3, 625)"
            "sigma ~ HalfCauchy(50)"
        ]
        "Reaction ~ Days + (Days | Subject)"
        (model {
            let! b0 = sample "b_Intercept" (Normal(250.0, 100.0))
            let! b1 = sample "b_Days" (Normal(0.0, 20.0))

            let! sigmaS =
                sample
                    "Sigma_Subject"
                    (InverseWishart(3.0, matrix [ [ constant 625.0; constant 0.0 ]; [ constant 0.0; constant 625.0 ] ]))

            let! r = sample "r_Subject" (MvNormal(vector [ b0; b1 ], sigmaS)) |> over "Subject"
            let! sigma = sample "sigma" (HalfCauchy 50.0)
            do! observe "Reaction" (Normal(dot (vector [ constant 1.0; data "Days" ]) r.[group "Subject"], sigma))
        })
        [ "b_Intercept"; "b_Days"; "sigma" ]
        "Sigma_Subject and r_Subject have matrix-style names (r_Subject[j,k]), so they are not among the reference nodes"
    |> fun c -> { c with Quick = Case.quick }

/// cbpp: contagious bovine pleuropneumonia incidence per herd and period, binomial with herd random intercepts.
let cbpp =
    case
        "cbpp"
        (lme4 "cbpp" "cbind(incidence, size - incidence) ~ period + (1 | herd)")
        Family.Binomial
        [
            "b_Intercept ~ Normal(0, 5)"
            "b_periodp2 ~ Normal(0, 5)"
            "b_periodp3 ~ Normal(0, 5)"
            "b_periodp4 ~ Normal(0, 5)"
            "sd_herd__Intercept ~ HalfCauchy(2.5)"
        ]
        "incidence | trials(size) ~ period + (1 | herd)"
        (model {
            let! b = sample "b_Intercept" (Normal(0.0, 5.0))
            let! b2 = sample "b_periodp2" (Normal(0.0, 5.0))
            let! b3 = sample "b_periodp3" (Normal(0.0, 5.0))
            let! b4 = sample "b_periodp4" (Normal(0.0, 5.0))
            let! sd = sample "sd_herd__Intercept" (HalfCauchy 2.5)
            let! r = sample "r_herd" (Normal(b, sd)) |> over "herd"

            let eta =
                b2 * data "periodp2"
                + b3 * data "periodp3"
                + b4 * data "periodp4"
                + r.[group "herd"]

            do! observe "incidence" (Binomial(data "size", invLogit eta))
        })
        ([
            "b_Intercept"
            "b_periodp2"
            "b_periodp3"
            "b_periodp4"
            "sd_herd__Intercept"
         ]
         @ indexed "r_herd" 15)
        "period is a label column in the formula; the model-language version reads its dummies periodp2..periodp4"

/// grouseticks: tick counts on red grouse chicks, Poisson with brood, observation (INDEX) and location effects;
/// HEIGHT is standardised as in lme4's example.
let grouseticks =
    case
        "grouseticks"
        (lme4 "grouseticks" "TICKS ~ YEAR + HEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)")
        Family.Poisson
        [
            "b_Intercept ~ Normal(0, 5)"
            "b_YEARy96 ~ Normal(0, 5)"
            "b_YEARy97 ~ Normal(0, 5)"
            "b_HEIGHT ~ Normal(0, 5)"
            "sd_LOCATION__Intercept ~ HalfCauchy(2.5)"
            "sd_BROOD__Intercept ~ HalfCauchy(2.5)"
            "sd_INDEX__Intercept ~ HalfCauchy(2.5)"
        ]
        "TICKS ~ YEAR + HEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)"
        (model {
            let! b = sample "b_Intercept" (Normal(0.0, 5.0))
            let! b96 = sample "b_YEARy96" (Normal(0.0, 5.0))
            let! b97 = sample "b_YEARy97" (Normal(0.0, 5.0))
            let! bH = sample "b_HEIGHT" (Normal(0.0, 5.0))
            let! sdL = sample "sd_LOCATION__Intercept" (HalfCauchy 2.5)
            let! rL = sample "r_LOCATION" (Normal(b, sdL)) |> over "LOCATION"
            let! sdB = sample "sd_BROOD__Intercept" (HalfCauchy 2.5)
            let! rB = sample "r_BROOD" (Normal(0.0, sdB)) |> over "BROOD"
            let! sdI = sample "sd_INDEX__Intercept" (HalfCauchy 2.5)
            let! rI = sample "r_INDEX" (Normal(0.0, sdI)) |> over "INDEX"

            let eta =
                b96 * data "YEARy96"
                + b97 * data "YEARy97"
                + bH * data "HEIGHT"
                + rL.[group "LOCATION"]
                + rB.[group "BROOD"]
                + rI.[group "INDEX"]

            do! observe "TICKS" (Poisson(exp eta))
        })
        ([
            "b_Intercept"
            "b_YEARy96"
            "b_YEARy97"
            "b_HEIGHT"
            "sd_LOCATION__Intercept"
            "sd_BROOD__Intercept"
            "sd_INDEX__Intercept"
         ]
         @ indexed "r_LOCATION" 63)
        "YEAR is a label column; the model-language version reads its dummies YEARy96, YEARy97; 40,000 draws per chain: BROOD is nested in LOCATION but written as crossed, so the additive brood and location effects trade off slowly (JAGS: 4 × 100,000)"
    |> fun c ->
        { c with
            Full = { Warmup = 1000; Draws = 40000 }
        }

/// Every lme4 case.
let cases =
    [ dyestuff; dyestuff2; penicillin; pastes; sleepstudy; cbpp; grouseticks ]
