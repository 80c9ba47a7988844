/// The full conformance suite as a program: `dotnet run -c Release --project tests/HierFunctional.Conformance --
/// [--quick] [--threads N] [--out FILE] [case ...]` (what `dotnet fsi build.fsx conformance` runs). Runs every case
/// (or the named ones: `case` runs its model and formula versions, `case_model` or `case_formula` one of them),
/// prints each result as it finishes, writes the table (to bench/results/conformance.md when every case ran at full
/// length, else to --out if given), and exits 1 if any case failed.
/// `-- test [Expecto options]` runs the harness tests and the CI quick slice instead (what `build.fsx test` runs).
module HierFunctional.Conformance.Program

open System
open System.IO

type private Options =
    {
        Quick: bool
        /// Chains run at once; 1 (the default) makes our ESS/s per core, like rjags's.
        Threads: int
        Out: string option
        Names: string list
    }

/// A case and which of its versions to run.
type private Selection =
    {
        Case: Case
        Model: bool
        Formula: bool
    }

/// `name` runs both versions of a case, `name_model` only the source's model, `name_formula` only the formula.
let private select (name: string) =
    let version (suffix: string) model formula =
        if name.EndsWith suffix then
            Catalogue.tryFind (name.Substring(0, name.Length - suffix.Length))
            |> Option.map (fun c ->
                {
                    Case = c
                    Model = model
                    Formula = formula
                })
        else
            None

    match Catalogue.tryFind name with
    | Some c ->
        Some
            {
                Case = c
                Model = true
                Formula = true
            }
    | None -> version "_formula" false true |> Option.orElse (version "_model" true false)

let rec private parse (o: Options) (args: string list) =
    match args with
    | [] -> Ok { o with Names = List.rev o.Names }
    | "--quick" :: rest -> parse { o with Quick = true } rest
    | "--threads" :: n :: rest ->
        match Int32.TryParse n with
        | true, t when t > 0 -> parse { o with Threads = t } rest
        | _ -> Error $"--threads needs a positive number, not '{n}'"
    | "--out" :: path :: rest -> parse { o with Out = Some path } rest
    | flag :: _ when flag.StartsWith "--" -> Error $"unknown option {flag} (options: --quick, --threads N, --out FILE)"
    | name :: rest ->
        match select name with
        | Some _ -> parse { o with Names = name :: o.Names } rest
        | None ->
            let known = String.Join(", ", Catalogue.all |> List.map (fun c -> c.Name))
            Error $"unknown case '{name}' (add _model or _formula to run one version). Cases: {known}"

let private run (o: Options) =
    let cases =
        if o.Names.IsEmpty then
            Catalogue.all
            |> List.map (fun c ->
                {
                    Case = c
                    Model = true
                    Formula = true
                })
        else
            o.Names |> List.choose select

    let length (c: Case) =
        if o.Quick then
            c.Quick |> Option.defaultValue c.Full
        else
            c.Full

    let results =
        cases
        |> List.collect (fun s ->
            let c = s.Case

            let rs =
                (if s.Model then
                     [ Runner.runModel (length c) o.Threads c ]
                 else
                     [])
                @ (if s.Formula then
                       Runner.runFormula (length c) o.Threads c |> Option.toList
                   else
                       [])

            for r in rs do
                printfn "%s" (Table.row r)

            rs)

    let lengths =
        if o.Quick then
            "CI quick lengths"
        else
            "each case's full length"

    let chains =
        if o.Threads = 1 then
            "4 chains run one at a time, like rjags"
        else
            $"4 chains, {o.Threads} at once"

    let text =
        Table.markdown "Conformance suite: published hierarchical models" $"{lengths}; {chains}" results

    let standard =
        Path.Combine(CaseFiles.root, "..", "..", "bench", "results", "conformance.md")

    match o.Out with
    | Some path -> File.WriteAllText(path, text)
    | None when o.Names.IsEmpty && not o.Quick -> File.WriteAllText(standard, text)
    | None -> printfn "\n%s" text

    let failed = results |> List.filter (Runner.passed >> not)
    printfn "%d passed, %d failed" (results.Length - failed.Length) failed.Length
    if failed.IsEmpty then 0 else 1

[<EntryPoint>]
let main argv =
    match List.ofArray argv with
    | "test" :: expectoArgs ->
        Expecto.Tests.runTestsInAssemblyWithCLIArgs [ Expecto.Tests.CLIArguments.No_Spinner ] (Array.ofList expectoArgs)
    | _ ->

        match
            parse
                {
                    Quick = false
                    Threads = 1
                    Out = None
                    Names = []
                }
                (List.ofArray argv)
        with
        | Error msg ->
            eprintfn "%s" msg
            2
        | Ok o -> run o
