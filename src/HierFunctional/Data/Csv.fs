namespace HierFunctional

open System
open System.Globalization
open System.IO

/// A problem in a data file, located precisely enough to fix it (rows are 1-based file lines).
type CsvError =
    {
        /// The file (or "(text)" for in-memory input).
        File: string
        /// The 1-based line of the file.
        Line: int
        /// The column, when the problem is in one.
        Column: string
        /// What is wrong and what to do.
        Problem: string
    }

    /// One line for people: file, line, column, problem.
    member e.Message =
        let col =
            if String.IsNullOrEmpty e.Column then
                ""
            else
                $", column '{e.Column}'"

        $"{e.File} line {e.Line}{col}: {e.Problem}"

/// The exception form of a CsvError.
type CsvException(error: CsvError) =
    inherit Exception(error.Message)
    /// The error in full.
    member _.Error = error

/// Reading data sets from CSV (RFC 4180: commas, double-quoted fields with "" escapes, a header row).
/// Column types are inferred: a column with any quoted field is labels (R writes factors quoted); otherwise all
/// integers → integers, all numbers → reals, anything else → labels. `NA` and empty fields are missing (NaN), which
/// binding refuses by name and row if a model uses that column.
[<RequireQualifiedAccess>]
module Csv =

    /// Splits one line into fields and whether each was quoted; Error on an unterminated quote.
    let private split (line: string) : Result<(string * bool)[], string> =
        let fields = Collections.Generic.List<string * bool>()
        let sb = Text.StringBuilder()
        let mutable i = 0
        let mutable quoted = false
        let mutable wasQuoted = false
        let mutable error = None

        while i < line.Length do
            let c = line.[i]

            if quoted then
                if c = '"' && i + 1 < line.Length && line.[i + 1] = '"' then
                    sb.Append('"') |> ignore
                    i <- i + 1
                elif c = '"' then
                    quoted <- false
                else
                    sb.Append(c) |> ignore
            elif c = '"' then
                quoted <- true
                wasQuoted <- true
            elif c = ',' then
                fields.Add((sb.ToString(), wasQuoted))
                sb.Clear() |> ignore
                wasQuoted <- false
            else
                sb.Append(c) |> ignore

            i <- i + 1

        if quoted then
            error <- Some "a quoted field is not closed; close it with a double quote"

        fields.Add((sb.ToString(), wasQuoted))

        match error with
        | Some e -> Error e
        | None -> Ok(fields.ToArray())

    let private isMissing (s: string) = s = "" || s = "NA"

    let private number (s: string) =
        match Double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture) with
        | true, x -> Some x
        | _ -> None

    let private column (values: (string * bool)[]) : Column =
        let text = values |> Array.map fst

        if values |> Array.exists (fun (v, q) -> q && not (isMissing v)) then
            Column.Labels(text, Array.distinct text)
        else
            let parsed = text |> Array.map (fun s -> if isMissing s then Some nan else number s)

            if parsed |> Array.forall Option.isSome then
                let xs = parsed |> Array.map Option.get

                if xs |> Array.forall (fun x -> Double.IsFinite x && x = floor x && abs x < 2e9) then
                    Column.Integers(xs |> Array.map int)
                else
                    Column.Reals xs
            else
                Column.Labels(text, Array.distinct text)

    /// Parses CSV text into a data set; `source` names it in errors.
    let parse (source: string) (text: string) : Result<Dataset, CsvError> =
        // U+FEFF (a byte-order mark read as text, possibly mid-text in concatenated files) carries no content and
        // would otherwise become part of a column name.
        let lines =
            text.Replace("\uFEFF", "").Split('\n')
            |> Array.map (fun l -> l.TrimEnd('\r'))
            |> Array.mapi (fun i l -> i + 1, l)
            |> Array.filter (fun (_, l) -> l.Trim() <> "")

        let err line col problem =
            Error
                {
                    File = source
                    Line = line
                    Column = col
                    Problem = problem
                }

        match lines |> List.ofArray with
        | [] -> err 1 "" "the file is empty; it needs a header row and at least one data row"
        | (hl, header) :: rows ->
            match split header with
            | Error e -> err hl "" e
            | Ok names ->
                let names = names |> Array.map (fst >> fun s -> s.Trim())

                match names |> Array.countBy id |> Array.tryFind (fun (_, c) -> c > 1) with
                | Some(n, _) -> err hl n "the column name appears twice in the header; rename one"
                | None when names |> Array.exists String.IsNullOrWhiteSpace ->
                    err hl "" "a column has no name in the header"
                | None ->
                    let parsedRows = rows |> List.map (fun (ln, l) -> ln, split l)

                    match
                        parsedRows
                        |> List.tryPick (fun (ln, r) ->
                            match r with
                            | Error e -> Some(ln, e)
                            | _ -> None)
                    with
                    | Some(ln, e) -> err ln "" e
                    | None ->
                        let table = parsedRows |> List.map (fun (ln, r) -> ln, Result.defaultValue [||] r)

                        match table |> List.tryFind (fun (_, f) -> f.Length <> names.Length) with
                        | Some(ln, f) ->
                            err
                                ln
                                ""
                                $"the row has {f.Length} fields but the header has {names.Length}; every row needs one value per column"
                        | None when table.IsEmpty -> err hl "" "there are no data rows"
                        | None ->
                            let cells = table |> List.map snd |> Array.ofList

                            names
                            |> Array.mapi (fun j n -> n, column (cells |> Array.map (fun r -> r.[j])))
                            |> Array.fold (fun d (n, c) -> Dataset.add n c d) Dataset.empty
                            |> Ok

    /// Reads a CSV file into a data set.
    let read (path: string) : Result<Dataset, CsvError> =
        if not (File.Exists path) then
            Error
                {
                    File = path
                    Line = 0
                    Column = ""
                    Problem = "the file does not exist; check the path"
                }
        else
            parse path (File.ReadAllText path)

    /// Reads a CSV file, raising CsvException on a problem.
    let readOrThrow (path: string) : Dataset =
        match read path with
        | Ok d -> d
        | Error e -> raise (CsvException e)
