/// Random models and data sets, valid and hostile, for the fuzzing campaign: a template of `FuzzTemplates` with data
/// of random size and magnitude, and with some probability a mutation of `FuzzMutations`.
module HierFunctional.Tests.Reliability.FuzzCases

open System
open FsCheck
open FsCheck.FSharp
open HierFunctional
open type Distributions
open HierFunctional.Tests.Reliability.FuzzTemplates
open HierFunctional.Tests.Reliability.FuzzMutations

/// One fuzz case: what was generated (for the report) and the model/data pair.
type Case =
    {
        Description: string
        Model: Model
        Data: Dataset
    }

/// A random case: a template, data of random size and magnitude, and with some probability a hostile mutation
/// of the model, the data, or both.
let case: Gen<Case> =
    gen {
        let! desc, m, dataGen =
            Gen.frequency
                [
                    3, normalTemplate
                    2, betaBinomialTemplate
                    2, poissonTemplate
                    2, logisticTemplate
                    2, simpleTemplate
                ]

        let! n = pick [ 0; 1; 1; 2; 3; 5; 8; 12; 30 ]
        let! j = pick [ 1; 1; 2; 3; 4; 6 ]
        let! scale = magnitude
        let! d = dataGen n j scale
        let! mutate = Gen.choose (0, 9)
        let! mm, m' = mutateModel m
        let! dm, d' = mutateData d

        let label, model, data =
            match mutate with
            | 0
            | 1 -> $"model: {mm}", m', d
            | 2
            | 3 -> $"data: {dm}", m, d'
            | 4 -> $"model: {mm}; data: {dm}", m', d'
            | _ -> "valid", m, d

        return
            {
                Description = $"{desc}, n {n}, J {j}, scale {scale:G3}, {label}"
                Model = model
                Data = data
            }
    }
