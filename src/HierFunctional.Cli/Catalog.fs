namespace HierFunctional.Cli

open System.IO
open HierFunctional

/// A bundled example: a model from `HierFunctional.Examples` (or defined here) and the data set shipped with it.
type Example =
    {
        /// Name on the command line, e.g. `eight-schools`.
        Name: string
        /// One line for `hier examples`.
        Description: string
        /// The embedded CSV (a copy of docs/data/<file>, provenance in docs/data/SOURCES.md).
        DataFile: string
        /// The model.
        Model: Model
        /// Renames applied to the CSV's columns before binding (file name → model name).
        Renames: (string * string) list
    }

/// The bundled examples and their embedded data.
[<RequireQualifiedAccess>]
module Catalog =

    /// Every bundled example, in the order `hier examples` lists them.
    let all: Example list =
        [
            {
                Name = "eight-schools"
                Description = "Rubin's eight SAT coaching experiments (BDA3 5.5): Normal effects, known standard errors"
                DataFile = "eight_schools.csv"
                Model = Examples.eightSchools
                Renames = []
            }
            {
                Name = "pumps"
                Description = "BUGS pumps: failure counts of 10 pumps over operating time, Gamma-Poisson"
                DataFile = "pumps.csv"
                Model = Examples.pumps
                Renames = []
            }
            {
                Name = "rats"
                Description = "BDA3 rat tumours: tumours in 71 experiments, Beta-Binomial with (a+b)^(-5/2) prior"
                DataFile = "rats.csv"
                Model = Examples.rats
                Renames = []
            }
            {
                Name = "surgical"
                Description = "BUGS surgical: deaths after cardiac surgery in 12 hospitals, Beta-Binomial"
                DataFile = "surgical.csv"
                Model = Examples.surgical
                Renames = []
            }
            {
                Name = "sleepstudy"
                Description =
                    "lme4 sleepstudy: reaction time by days of sleep deprivation, varying intercepts and slopes (InverseWishart)"
                DataFile = "sleepstudy.csv"
                Model = Examples.sleepstudy
                Renames = []
            }
            {
                Name = "hospitals"
                Description =
                    "30-day readmissions of discharges at 20 hospitals of very different sizes (simulated), Beta-Binomial"
                DataFile = "hospitals.csv"
                Model = Examples.betaBinomial "hospital" "readmissions"
                Renames = [ "discharges", "n" ]
            }
            {
                Name = "three-level"
                Description = "students in classrooms in schools (simulated): a three-level Normal model"
                DataFile = "three_level.csv"
                Model = Examples.threeLevel
                Renames = []
            }
        ]

    /// The example of that name, or a usage error listing the names.
    let find (name: string) : Example =
        match all |> List.tryFind (fun e -> e.Name = name.ToLowerInvariant()) with
        | Some e -> e
        | None ->
            let names = all |> List.map (fun e -> e.Name) |> String.concat ", "
            Fail.usage $"unknown example '{name}'; the bundled examples are: {names} (see `hier examples`)."

    /// The embedded CSV text of an example.
    let text (e: Example) : string =
        let asm = typeof<Example>.Assembly
        use stream = asm.GetManifestResourceStream($"data/{e.DataFile}")

        if isNull stream then
            failwith $"the embedded data file data/{e.DataFile} is missing from the assembly (a build error)."

        use reader = new StreamReader(stream)
        reader.ReadToEnd()

    /// Renames columns of a data set (those not present are left alone).
    let rename (renames: (string * string) list) (d: Dataset) : Dataset =
        { d with
            Columns =
                d.Columns
                |> List.map (fun (n, c) ->
                    match renames |> List.tryFind (fun (from, _) -> from = n) with
                    | Some(_, target) -> target, c
                    | None -> n, c)
        }
