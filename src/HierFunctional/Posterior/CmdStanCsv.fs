namespace HierFunctional

open System
open System.Globalization
open System.IO
open System.Text

/// What the comment header of a written CmdStan CSV file says about the run.
type CmdStanHeader =
    {
        /// Model name (`# model = ...`).
        ModelName: string
        /// Algorithm name written as `algorithm = ...` under `sample` (CmdStan writes hmc or fixed_param).
        Algorithm: string
        /// Number of saved post-warmup iterations before thinning (`num_samples`).
        NumSamples: int
        /// Number of warmup iterations (`num_warmup`).
        NumWarmup: int
        /// Thinning interval (`thin`).
        Thin: int
        /// Seed of the run (`# random / seed = ...`).
        Seed: uint64
        /// Chain id, 1-based as CmdStan's `# id = ...`.
        ChainId: int
        /// Warmup and sampling wall-clock seconds for the trailing `Elapsed Time` block, if known.
        ElapsedSeconds: (float * float) option
    }

/// One chain read from a Stan CSV file (CmdStan or rstan `sample_file` output).
type internal StanCsvChain =
    {
        /// `key = value` pairs of the leading comment block in file order, keys trimmed and values without
        /// CmdStan's ` (Default)` suffix; section lines without `=` (e.g. `sample`, `adapt`) are not listed.
        Metadata: (string * string) list
        /// Column names as in the file (`lp__`, `accept_stat__`, ..., `theta.1`, `Sigma.1.2`).
        Names: string[]
        /// Saved warmup draws [iteration][column] (empty unless the file was written with save_warmup).
        Warmup: float[][]
        /// Post-warmup draws [iteration][column].
        Draws: float[][]
    }

/// Reading and writing draws in the Stan CSV format (CmdStan guide, "Stan CSV File Format").
[<RequireQualifiedAccess>]
module CmdStanCsv =
    /// Converts an indexed name to Stan's CSV form: `theta[1]` → `theta.1`, `Sigma[1,2]` → `Sigma.1.2`
    /// (indices are copied as written; CmdStan's are 1-based).
    let toStanName (name: string) : string =
        let i = name.IndexOf '['

        if i < 0 || not (name.EndsWith "]") then
            name
        else
            let indices =
                name.Substring(i + 1, name.Length - i - 2).Split ','
                |> Array.map (fun s -> s.Trim())

            name.Substring(0, i) + "." + String.Join(".", indices)

    /// Converts a Stan CSV name back to indexed form: `theta.1` → `theta[1]`, `Sigma.1.2` → `Sigma[1,2]`;
    /// names without a dot (`mu`, `lp__`) are unchanged. Stan identifiers cannot contain dots, so this is unambiguous.
    let fromStanName (name: string) : string =
        let parts = name.Split '.'

        if parts.Length = 1 then
            name
        else
            parts.[0] + "[" + String.Join(",", parts.[1..]) + "]"

    // Round-trip ("R": shortest string that parses back to the same double) and Stan's spellings of non-finite values.
    let internal formatValue (v: float) =
        if Double.IsNaN v then
            "nan"
        elif Double.IsPositiveInfinity v then
            "inf"
        elif Double.IsNegativeInfinity v then
            "-inf"
        else
            v.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e') // C++ streams write 1e-300, not 1E-300

    let private parseValue (lineNo: int) (s: string) =
        match s.Trim().ToLowerInvariant() with
        | "nan"
        | "-nan"
        | "na" -> nan
        | "inf"
        | "+inf"
        | "infinity"
        | "+infinity" -> Double.PositiveInfinity
        | "-inf"
        | "-infinity" -> Double.NegativeInfinity
        | t ->
            match Double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture) with
            | true, v -> v
            | _ ->
                raise (
                    InvalidDataException $"line {lineNo}: '{s}' is not a number; Stan CSV data rows hold numbers only."
                )

    let private headerLines (h: CmdStanHeader) (nameOfFile: string) =
        [
            $"model = {h.ModelName}"
            "method = sample (Default)"
            "  sample"
            $"    num_samples = {h.NumSamples}"
            $"    num_warmup = {h.NumWarmup}"
            "    save_warmup = 0"
            $"    thin = {h.Thin}"
            "    adapt"
            "      engaged = 0"
            $"    algorithm = {h.Algorithm}"
            "    num_chains = 1"
            $"id = {h.ChainId}"
            "random"
            $"  seed = {h.Seed}"
            "output"
            $"  file = {nameOfFile}"
            "generator = HierFunctional"
        ]

    let private elapsedLines (warm: float, sampling: float) =
        let f (v: float) =
            v.ToString("0.######", CultureInfo.InvariantCulture)

        [
            ""
            $" Elapsed Time: {f warm} seconds (Warm-up)"
            $"               {f sampling} seconds (Sampling)"
            $"               {f (warm + sampling)} seconds (Total)"
            ""
        ]

    /// The text of one chain's Stan CSV file: `#` comment header in CmdStan's nested layout, the header row of
    /// names (converted with `toStanName`), one row per draw in round-trip precision, and an optional
    /// `Elapsed Time` block. draws is indexed [draw][column].
    let format (header: CmdStanHeader) (names: string[]) (draws: float[][]) : string =
        if isNull names || names.Length = 0 then
            invalidArg "names" "need at least one column name."

        draws
        |> Array.iteri (fun s row ->
            if row.Length <> names.Length then
                invalidArg "draws" $"draw {s} has {row.Length} values but there are {names.Length} names.")

        let sb = StringBuilder()

        let comment (l: string) =
            sb.Append('#').Append(if l = "" then "" else " " + l).Append('\n') |> ignore

        headerLines header $"{header.ModelName}_{header.ChainId}.csv"
        |> List.iter comment

        sb.Append(String.Join(",", names |> Array.map toStanName)).Append('\n')
        |> ignore

        for row in draws do
            sb.Append(String.Join(",", row |> Array.map formatValue)).Append('\n') |> ignore

        header.ElapsedSeconds |> Option.iter (elapsedLines >> List.iter comment)
        sb.ToString()

    /// Writes one chain to a file (UTF-8 without BOM, `\n` line ends); see `format`.
    let write (path: string) (header: CmdStanHeader) (names: string[]) (draws: float[][]) : unit =
        File.WriteAllText(path, format header names draws, UTF8Encoding(false))

    /// Writes one file per chain, `<directory>/<model>_<chain id>.csv` as CmdStan names them, with chain ids
    /// 1, 2, ... and the given header otherwise. chains is indexed [chain][draw][column]. Returns the paths.
    let writeChains (directory: string) (header: CmdStanHeader) (names: string[]) (chains: float[][][]) : string[] =
        chains
        |> Array.mapi (fun c draws ->
            let h = { header with ChainId = c + 1 }
            let path = Path.Combine(directory, $"{header.ModelName}_{c + 1}.csv")
            write path h names draws
            path)

    let private metadataPair (comment: string) =
        let i = comment.IndexOf '='

        if i <= 0 then
            None
        else
            let value = comment.Substring(i + 1).Trim()

            let value =
                if value.EndsWith "(Default)" then
                    value.Substring(0, value.Length - 9).Trim()
                else
                    value

            Some(comment.Substring(0, i).Trim(), value)

    let private tryFind key (pairs: (string * string) list) =
        pairs |> List.tryFind (fun (k, _) -> k = key) |> Option.map snd

    // Without an adaptation block, saved warmup rows are recognised from save_warmup and the warmup count.
    let private warmupRows (meta: (string * string) list) =
        let flag = tryFind "save_warmup" meta |> Option.map (fun v -> v = "1" || v = "true")

        let warm =
            tryFind "num_warmup" meta
            |> Option.orElse (tryFind "warmup" meta)
            |> Option.map int

        let thin = tryFind "thin" meta |> Option.map int |> Option.defaultValue 1

        match flag, warm with
        | Some true, Some w -> (w + thin - 1) / thin
        | _ -> 0

    /// Parses the text of a Stan CSV file. Leading `key = value` comments become Metadata; the adaptation block
    /// (`# Adaptation terminated`, step size, mass matrix) and the `Elapsed Time` block are skipped, and draws
    /// before the adaptation block are returned as Warmup.
    /// <exception cref="System.IO.InvalidDataException">A row has the wrong number of cells or a non-number.</exception>
    let internal parse (text: string) : StanCsvChain =
        let lines = text.Split('\n') |> Array.map (fun l -> l.TrimEnd('\r'))
        // One pass over the lines, accumulating into locals; nothing mutable escapes.
        let mutable meta = []
        let mutable names: string[] = null
        let rows = ResizeArray<float[]>()
        let mutable adaptationAt = -1

        for i in 0 .. lines.Length - 1 do
            let line = lines.[i]

            if line.StartsWith "#" then
                let c = line.Substring(1).Trim()

                if isNull names then
                    metadataPair c |> Option.iter (fun p -> meta <- p :: meta)
                elif c.StartsWith "Adaptation terminated" && adaptationAt < 0 then
                    adaptationAt <- rows.Count
            elif line.Trim() <> "" then
                if isNull names then
                    names <- line.Split ',' |> Array.map (fun s -> s.Trim().Trim('"'))
                else
                    let cells = line.Split ','

                    if cells.Length <> names.Length then
                        raise (
                            InvalidDataException
                                $"line {i + 1}: {cells.Length} values but the header row has {names.Length} names."
                        )

                    rows.Add(cells |> Array.map (parseValue (i + 1)))

        if isNull names then
            raise (InvalidDataException "no header row: the text has only comments or is empty.")

        let meta = List.rev meta

        let split =
            if adaptationAt >= 0 then
                adaptationAt
            else
                min rows.Count (warmupRows meta)

        let all = rows.ToArray()

        {
            Metadata = meta
            Names = names
            Warmup = all.[.. split - 1]
            Draws = all.[split..]
        }

    /// Reads one Stan CSV file (one chain); see `parse`. Errors name the file and line.
    /// <exception cref="System.IO.InvalidDataException">The file is not a Stan CSV file.</exception>
    let internal read (path: string) : StanCsvChain =
        try
            parse (File.ReadAllText path)
        with :? InvalidDataException as e ->
            raise (InvalidDataException($"{path}: {e.Message}", e))

    /// The value of the first metadata entry with this key (e.g. "seed", "id", "num_samples"), if any.
    let internal tryMetadata (key: string) (chain: StanCsvChain) : string option = tryFind key chain.Metadata

    /// Writes a posterior as CmdStan does, one file per chain (`<directory>/<model>_<chain>.csv`), with names in
    /// Stan's form (`theta[1]` → `theta.1`); returns the paths. Draws are written in round-trip precision.
    let writePosterior (directory: string) (header: CmdStanHeader) (posterior: Posterior) : string[] =
        writeChains directory header posterior.Names (Posterior.toArray posterior)

    /// Reads one Stan CSV file per chain into a posterior, names back in bracket form (`theta.1` → `theta[1]`).
    /// Sampler columns ending in `__` (lp__, accept_stat__, ...) are kept. All files must have the same columns
    /// and draw counts.
    let readPosterior (files: string[]) : Posterior =
        if isNull files || files.Length = 0 then
            invalidArg "files" "need at least one Stan CSV file (one per chain)."

        let chains = files |> Array.map read

        chains
        |> Array.iteri (fun c ch ->
            if ch.Names <> chains.[0].Names then
                invalidArg "files" $"{files.[c]} has columns different from {files.[0]}; chains must match.")

        Posterior.create (chains.[0].Names |> Array.map fromStanName) (chains |> Array.map (fun ch -> ch.Draws))
