/// A conformance case: a published hierarchical model written as its source wrote it, its data, optional
/// starting values, and a reference posterior made by an independent long run (JAGS, Stan, lme4).
namespace HierFunctional.Conformance

open System
open System.IO
open System.Globalization
open HierFunctional

/// The model as written from its source, or why the library cannot express it (a finding, reported in the table).
[<RequireQualifiedAccess>]
type Written =
    /// The model in our model language, with the source's priors.
    | Model of Model
    /// The library cannot express the source's model; the reason says what is missing.
    | NotExpressible of reason: string

/// The same model through the formula front end, when the formula can express the source's priors.
type FormulaVariant =
    {
        /// Response family ("gaussian", "binomial", "poisson", ...).
        Family: Family
        /// Prior overrides in `Formula.build`'s text form ("sigma ~ HalfNormal(100)").
        Priors: string list
        /// The formula, e.g. `y ~ x + (1 | g)`.
        Text: string
        /// Reference node name → the formula model's node name, for every reference node.
        Nodes: (string * string) list
    }

/// Warm-up and kept draws per chain (the runner always uses 4 chains).
type RunLength = { Warmup: int; Draws: int }

/// One published model with its reference posterior.
type Case =
    {
        /// Short unique name; also the file stem of `data/<Name>.csv` and `references/<Name>.csv`.
        Name: string
        /// Where the model and data were taken from (publication, file).
        Source: string
        /// The model as the source wrote it.
        Model: Written
        /// The same model as a formula, when the formula can express it.
        Formula: FormulaVariant option
        /// Starting values as the source gives them (BUGS's inits file); empty = the library's default start.
        Inits: (string * Value) list
        /// Run length of the full suite.
        Full: RunLength
        /// Run length in the CI quick slice; None = not in the quick slice.
        Quick: RunLength option
        /// Anything a reader of the table should know (what was changed to express it, known failures).
        Note: string
    }

/// The run lengths and the plain case that every case file starts from.
[<RequireQualifiedAccess>]
module Case =

    /// 4 chains × (1,000 warm-up + 10,000 draws): the full suite's length unless a case says otherwise.
    let standard = { Warmup = 1000; Draws = 10000 }

    /// The CI quick slice's length: short, but enough for R̂ < 1.01 on the cases that mix well and run in seconds.
    let quick = Some { Warmup = 500; Draws = 2000 }

    /// A case written in the model language only, at the standard length and outside the quick slice.
    let ofModel (name: string) (source: string) (model: Model) (inits: (string * Value) list) (note: string) =
        {
            Name = name
            Source = source
            Model = Written.Model model
            Formula = None
            Inits = inits
            Full = standard
            Quick = None
            Note = note
        }

/// One reference node: the long-run summary of the independent tool.
type ReferenceNode =
    {
        /// Our node name (e.g. `theta[3]`).
        Node: string
        /// The node's name in the reference tool (e.g. JAGS's `alpha.c`).
        SourceName: string
        Mean: float
        Sd: float
        McseMean: float
        Rhat: float
        EssBulk: float
    }

/// The reference posterior of a case.
type Reference =
    {
        Nodes: ReferenceNode list
        /// Wall time of the reference run in seconds (sampling, all chains), for ESS/s beside ours; NaN if unknown.
        Seconds: float
        /// How the reference was made (tool, chains × draws).
        Method: string
    }

/// Where the case files live, and how they are read.
[<RequireQualifiedAccess>]
module CaseFiles =

    /// The conformance project's folder (data/, references/).
    let root = __SOURCE_DIRECTORY__

    /// `data/<case>.csv`: the case's data in long form, one row per observation.
    let dataPath (name: string) =
        Path.Combine(root, "data", name + ".csv")

    /// `references/<case>.csv`: node,source_name,mean,sd,mcse_mean,rhat,ess_bulk,seconds,method.
    let referencePath (name: string) =
        Path.Combine(root, "references", name + ".csv")

    /// The case's data set.
    let data (case: Case) : Dataset = Csv.readOrThrow (dataPath case.Name)

    let private number (s: string) =
        match s with
        | "NA"
        | "" -> nan
        | _ -> Double.Parse(s, CultureInfo.InvariantCulture)

    /// The case's reference posterior, or an error saying which file is missing.
    let reference (name: string) : Result<Reference, string> =
        let path = referencePath name

        if not (File.Exists path) then
            Error $"no reference file {path}: run references/make_references.R for '{name}'"
        else
            let rows =
                File.ReadAllLines path
                |> Array.skip 1
                |> Array.filter (fun l -> l.Trim() <> "")
                |> Array.map (fun l -> l.Split ',' |> Array.map (fun f -> f.Trim '"'))

            let nodes =
                rows
                |> Array.map (fun f ->
                    {
                        Node = f.[0]
                        SourceName = f.[1]
                        Mean = number f.[2]
                        Sd = number f.[3]
                        McseMean = number f.[4]
                        Rhat = number f.[5]
                        EssBulk = number f.[6]
                    })
                |> List.ofArray

            match rows with
            | [||] -> Error $"{path} has no nodes"
            | _ ->
                Ok
                    {
                        Nodes = nodes
                        Seconds = number rows.[0].[7]
                        Method = rows.[0].[8]
                    }
