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

/// How to read a CSV file: which columns are labels whatever their cells look like, and the field delimiter.
type CsvOptions =
    {
        /// Columns read as labels (categorical), even when their cells are numbers or mostly numbers.
        Categorical: string list
        /// The field delimiter (',', ';' or '\t'); None detects it from the header line. With ';' a decimal comma
        /// (`1,5`) is read as a decimal point, as European spreadsheets write such files.
        Delimiter: char option
    }

/// Reading data sets from CSV (RFC 4180: commas, double-quoted fields with "" escapes, a header row). The delimiter
/// (comma, semicolon or tab) is the one the header line uses most, unless given; semicolon files may use decimal commas.
/// Column types are inferred: a column declared categorical is labels; a column that is mostly numbers but holds
/// some text cells is refused, naming the cells (a stray word must not turn a predictor into a many-level factor);
/// a column with any quoted field is labels (R writes factors quoted); otherwise all integers → integers, all
/// numbers → reals, anything else → labels. `NA` and empty fields are missing (NaN), which binding refuses by
/// name and row if a model uses that column.
[<RequireQualifiedAccess>]
module Csv =

    /// No column declared categorical, the delimiter detected: every type is inferred.
    let defaultOptions = { Categorical = []; Delimiter = None }

    /// The delimiters a file may use.
    let delimiters = [ ','; ';'; '\t' ]

    /// The delimiter a header line uses most outside quotes (comma when it uses none: a one-column file).
    let detectDelimiter (header: string) : char =
        let counts =
            header
            |> Seq.fold
                (fun (quoted, counts: Map<char, int>) c ->
                    if c = '"' then
                        not quoted, counts
                    elif not quoted && counts.ContainsKey c then
                        quoted, counts.Add(c, counts[c] + 1)
                    else
                        quoted, counts)
                (false, delimiters |> List.map (fun d -> d, 0) |> Map.ofList)
            |> snd

        // the first delimiter of the list wins a tie, so a header with none is read as comma-separated
        delimiters
        |> List.maxBy (fun d -> counts[d], -(List.findIndex ((=) d) delimiters))

    /// Splits one line into fields and whether each was quoted; Error on an unterminated quote.
    let private split (delimiter: char) (line: string) : Result<(string * bool)[], string> =
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
            elif c = delimiter then
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

    // With a decimal comma, "1,5" is 1.5; a cell with both a comma and a point (a thousands separator) stays text,
    // so the column is refused by name rather than read wrongly.
    let private number (decimalComma: bool) (s: string) =
        let s =
            if decimalComma && s.Contains ',' && not (s.Contains '.') then
                s.Replace(',', '.')
            else
                s

        match Double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture) with
        | true, x -> Some x
        | _ -> None

    let private labels (text: string[]) =
        Column.Labels(text, Array.distinct text)

    /// The text cells of a column that is mostly numbers: (line, text) of every non-missing cell that is not an
    /// unquoted number, when unquoted numbers are more than half of the non-missing cells; empty otherwise.
    let private strayText (decimalComma: bool) (lines: int[]) (values: (string * bool)[]) =
        let present =
            values |> Array.indexed |> Array.filter (fun (_, (v, _)) -> not (isMissing v))

        let isNumber (v: string, quoted) =
            not quoted && (number decimalComma v).IsSome

        let text = present |> Array.filter (snd >> isNumber >> not)
        let numbers = present.Length - text.Length

        if text.Length > 0 && numbers > text.Length then
            text |> Array.map (fun (i, (v, _)) -> lines[i], v)
        else
            [||]

    let private column (decimalComma: bool) (categorical: bool) (values: (string * bool)[]) : Column =
        let text = values |> Array.map fst

        if categorical then
            labels text
        elif values |> Array.exists (fun (v, q) -> q && not (isMissing v)) then
            labels text
        else
            let parsed =
                text
                |> Array.map (fun s -> if isMissing s then Some nan else number decimalComma s)

            if parsed |> Array.forall Option.isSome then
                let xs = parsed |> Array.map Option.get

                if xs |> Array.forall (fun x -> Double.IsFinite x && x = floor x && abs x < 2e9) then
                    Column.Integers(xs |> Array.map int)
                else
                    Column.Reals xs
            else
                labels text

    let private strayProblem (name: string) (rows: int) (cells: (int * string)[]) =
        let shown =
            cells
            |> Array.truncate 5
            |> Array.map (fun (l, v) -> $"line {l} '{v}'")
            |> String.concat ", "

        let more =
            if cells.Length > 5 then
                $" and {cells.Length - 5} more"
            else
                ""

        $"the column holds numbers in {rows - cells.Length} of {rows} rows but text in {cells.Length} ({shown}{more}); a numeric column cannot hold text, and read as labels it would become a factor with a level per value. Fix the cells (NA or an empty cell marks a missing value), or, if the values are labels, declare the column categorical (hier fit --categorical {name}; Csv.parseWith {{ Csv.defaultOptions with Categorical = [ \"{name}\" ] }} in F#; DataSet.ReadCsv(path, \"{name}\") in C#)"

    /// Parses CSV text into a data set with the given options; `source` names it in errors.
    let parseWith (options: CsvOptions) (source: string) (text: string) : Result<Dataset, CsvError> =
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
            let delimiter =
                options.Delimiter |> Option.defaultWith (fun () -> detectDelimiter header)

            let decimalComma = delimiter = ';'
            let split = split delimiter

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
                            let lines = table |> List.map fst |> Array.ofList
                            let declared = set options.Categorical

                            let stray =
                                names
                                |> Array.indexed
                                |> Array.filter (fun (_, n) -> not (declared.Contains n))
                                |> Array.tryPick (fun (j, n) ->
                                    match strayText decimalComma lines (cells |> Array.map (fun r -> r.[j])) with
                                    | [||] -> None
                                    | found -> Some(n, found))

                            match
                                options.Categorical |> List.tryFind (fun c -> not (Array.contains c names)), stray
                            with
                            | Some c, _ ->
                                let all = String.Join(", ", names)

                                err
                                    hl
                                    c
                                    $"the column is declared categorical but the header has no such column (columns: {all})"
                            | None, Some(n, found) -> err (fst found[0]) n (strayProblem n cells.Length found)
                            | None, None ->
                                names
                                |> Array.mapi (fun j n ->
                                    n, column decimalComma (declared.Contains n) (cells |> Array.map (fun r -> r.[j])))
                                |> Array.fold (fun d (n, c) -> Dataset.add n c d) Dataset.empty
                                |> Ok

    /// Parses CSV text into a data set (`parseWith defaultOptions`); `source` names it in errors.
    let parse (source: string) (text: string) : Result<Dataset, CsvError> = parseWith defaultOptions source text

    /// Reads a CSV file into a data set with the given options. A problem in the file's content is an Error; a
    /// file that does not exist raises FileNotFoundException (naming the path), as any .NET file read does.
    let readWith (options: CsvOptions) (path: string) : Result<Dataset, CsvError> =
        if not (File.Exists path) then
            raise (FileNotFoundException($"{path}: the file does not exist; check the path.", path))

        parseWith options path (File.ReadAllText path)

    /// Reads a CSV file into a data set (`readWith defaultOptions`); FileNotFoundException if it does not exist.
    let read (path: string) : Result<Dataset, CsvError> = readWith defaultOptions path

    /// Reads a CSV file, raising CsvException on a problem in its content and FileNotFoundException if it does not exist.
    let readOrThrow (path: string) : Dataset =
        match read path with
        | Ok d -> d
        | Error e -> raise (CsvException e)
