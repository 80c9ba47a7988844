/// Every conformance case, in the table's order. Part A: BUGS classic examples; part B: BUGS vol2, posteriordb, lme4, the response families.
[<RequireQualifiedAccess>]
module HierFunctional.Conformance.Catalogue

open HierFunctional.Conformance.Cases

/// All cases, each with its formula version or the reason it has none.
let all: Case list =
    BugsVol1.cases
    @ BugsVol2.cases
    @ PosteriorDb.cases
    @ Lme4.cases
    @ Families.cases
    |> List.map FormulaVersions.attach

/// The case of that name, if any.
let tryFind (name: string) =
    all |> List.tryFind (fun c -> c.Name = name)

/// The cases of the CI quick slice (`Quick = Some _`).
let quick = all |> List.filter (fun c -> c.Quick.IsSome)

/// The formula versions in the CI quick slice (at their case's quick length): BUGS precision priors through
/// `on precision` and reference nodes derived from the formula's nodes.
let quickFormula = [ "rats"; "surgical" ] |> List.choose tryFind
