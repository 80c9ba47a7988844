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

/// How a reference node is read from the formula model's draws.
[<RequireQualifiedAccess>]
type FormulaNode =
    /// A node of the formula model, by name (`b_Intercept`, `r_plate[3]`, `tau_sigma`).
    | Node of string
    /// A function of nodes of the formula model, draw by draw: a reference node the source derives from
    /// parameters the formula names differently (BUGS's sigma2 = sd², alpha0 = b_Intercept − 22·b_x).
    | Derived of nodes: string list * f: (float[] -> float)

/// The same model through the formula front end, with the source's priors given in the formula's prior syntax.
type FormulaVariant =
    {
        /// Response family ("gaussian", "binomial", "poisson", ...).
        Family: Family
        /// Prior overrides in `Formula.build`'s text form ("sigma ~ HalfNormal(100)").
        Priors: string list
        /// The formula, e.g. `y ~ x + (1 | g)`.
        Text: string
        /// Columns the source computes inside its model and the formula reads from the data (centred or logged
        /// covariates, a group id as labels); `id` when the case's data already has them.
        Columns: Dataset -> Dataset
        /// Reference node name → how to read it from the formula model, for every reference node.
        Nodes: (string * FormulaNode) list
        /// What differs from the source's model in the way it is written (empty if nothing).
        Note: string
    }

    /// The formula options: the family, and the InverseWishart covariance prior when a prior override names a
    /// `Sigma_` node (the source puts an InverseWishart on the covariance), else the default (LKJ).
    member v.Options: FormulaOptions =
        let covariance =
            if v.Priors |> List.exists (fun p -> p.TrimStart().StartsWith "Sigma_") then
                CovariancePrior.InverseWishart
            else
                FormulaOptions.Default.Covariance

        { FormulaOptions.Default with
            Family = v.Family
            Covariance = covariance
        }

    /// Builds the formula model and its data.
    member v.Build(data: Dataset) =
        Formula.buildWithTerms v.Options v.Priors v.Text (v.Columns data)
        |> Result.map (fun (m, d, _) -> m, d)

/// Whether a case has a formula version, and why not when it has none (the issue asks for one wherever the
/// formula language can express the source's model with the source's priors).
[<RequireQualifiedAccess>]
type AsFormula =
    /// The formula version, run against the same reference.
    | Variant of FormulaVariant
    /// Why the formula cannot express this model with the source's priors.
    | NotExpressible of reason: string

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
        /// The same model as a formula, or why the formula cannot express it.
        Formula: AsFormula
        /// Columns the harness builds from the CSV before binding, e.g. a matrix column for a vector-valued
        /// observation (a CSV holds only scalar columns); `id` for most cases.
        Columns: Dataset -> Dataset
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
            Formula = AsFormula.NotExpressible "no formula version written"
            Columns = id
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

    /// The case's data set, with the columns the case builds from it.
    let data (case: Case) : Dataset =
        Csv.readOrThrow (dataPath case.Name) |> case.Columns

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
