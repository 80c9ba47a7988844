namespace HierFunctional

/// A lexical token of a formula with its 1-based column.
[<RequireQualifiedAccess>]
type internal Token =
    | Ident of name: string * column: int
    | Number of text: string * column: int
    | Symbol of text: string * column: int
    | End of column: int

/// A parsed prior statement `NAME ~ DIST(a, b)`, before the distribution name is checked.
type internal PriorText =
    {
        Name: string
        Dist: string
        DistColumn: int
        Args: float list
        /// The word after a trailing `on` (`precision`, `variance`, `sd`) with its column, if there is one.
        On: (string * int) option
    }

/// The recursive-descent parser for the lme4/brms formula subset (grammar in docs/formula.md).
[<RequireQualifiedAccess>]
module internal FormulaParser =

    exception private Failure of FormulaError

    let private fail column found expected =
        raise (Failure(FormulaError.Syntax(column, found, expected)))

    let private isIdentStart c =
        System.Char.IsLetter c || c = '_' || c = '.'

    let private isIdentChar c =
        System.Char.IsLetterOrDigit c || c = '_' || c = '.'

    let private numberEnd (s: string) (i: int) =
        let mutable j = i // local scan position

        while j < s.Length && (System.Char.IsDigit s.[j] || s.[j] = '.') do
            j <- j + 1

        if j < s.Length && (s.[j] = 'e' || s.[j] = 'E') then
            let k =
                if j + 1 < s.Length && (s.[j + 1] = '+' || s.[j + 1] = '-') then
                    j + 2
                else
                    j + 1

            if k < s.Length && System.Char.IsDigit s.[k] then
                j <- k

                while j < s.Length && System.Char.IsDigit s.[j] do
                    j <- j + 1

        j

    let private symbols = [ "||"; "~"; "+"; "-"; "*"; ":"; "/"; "|"; "("; ")"; "," ]

    /// Splits the text into tokens; backquotes allow any column name (`` `my column` ``).
    let tokenize (s: string) : Token list =
        let rec go i acc =
            if i >= s.Length then
                List.rev (Token.End(s.Length + 1) :: acc)
            elif System.Char.IsWhiteSpace s.[i] then
                go (i + 1) acc
            elif s.[i] = '`' then
                match s.IndexOf('`', i + 1) with
                | -1 -> fail (i + 1) "an unclosed '`'" "a closing '`' after the quoted column name"
                | j -> go (j + 1) (Token.Ident(s.Substring(i + 1, j - i - 1), i + 1) :: acc)
            elif
                isIdentStart s.[i]
                && not (s.[i] = '.' && i + 1 < s.Length && System.Char.IsDigit s.[i + 1])
            then
                let j =
                    Seq.initInfinite (fun k -> i + 1 + k)
                    |> Seq.find (fun k -> k >= s.Length || not (isIdentChar s.[k]))

                go j (Token.Ident(s.Substring(i, j - i), i + 1) :: acc)
            elif System.Char.IsDigit s.[i] || s.[i] = '.' then
                let j = numberEnd s i
                go j (Token.Number(s.Substring(i, j - i), i + 1) :: acc)
            else
                match
                    symbols
                    |> List.tryFind (fun sym -> System.String.CompareOrdinal(s, i, sym, 0, sym.Length) = 0)
                with
                | Some sym -> go (i + sym.Length) (Token.Symbol(sym, i + 1) :: acc)
                | None -> fail (i + 1) $"'{s.[i]}'" "a column name, a number or one of ~ + - * : / | ( ) ,"

        go 0 []

    let private column (t: Token) =
        match t with
        | Token.Ident(_, c)
        | Token.Number(_, c)
        | Token.Symbol(_, c)
        | Token.End c -> c

    let private describeToken (t: Token) =
        match t with
        | Token.Ident(n, _) -> $"'{n}'"
        | Token.Number(x, _) -> $"'{x}'"
        | Token.Symbol(s, _) -> $"'{s}'"
        | Token.End _ -> "the end of the text"

    let private failAt (t: Token) expected =
        fail (column t) (describeToken t) expected

    let private expectSymbol (sym: string) (expected: string) (ts: Token list) =
        match ts with
        | Token.Symbol(s, _) :: rest when s = sym -> rest
        | t :: _ -> failAt t expected
        | [] -> fail 0 "nothing" expected

    let private ident (expected: string) (ts: Token list) =
        match ts with
        | Token.Ident(n, _) :: rest -> n, rest
        | t :: _ -> failAt t expected
        | [] -> fail 0 "nothing" expected

    /// `a:b:c` as a list of names.
    let rec private colonList (expected: string) (ts: Token list) =
        let n, rest = ident expected ts

        match rest with
        | Token.Symbol(":", _) :: more ->
            let tail, rest = colonList "a column name after ':'" more
            n :: tail, rest
        | _ -> [ n ], rest

    let private sameTerm (a: FormulaTerm) (b: FormulaTerm) =
        Set.ofList a.Variables = Set.ofList b.Variables

    let private addTerms (acc: FormulaTerm list) (ts: FormulaTerm list) =
        ts
        |> List.fold (fun acc t -> if List.exists (sameTerm t) acc then acc else acc @ [ t ]) acc

    /// `a*b*c` expanded as R does: a, b, a:b, c, a:c, b:c, a:b:c.
    let private product (ts: Token list) : FormulaTerm list * Token list =
        let rec factors acc ts =
            let cols, rest = colonList "a column name" ts
            let acc = acc @ [ cols ]

            match rest with
            | Token.Symbol("*", _) :: more -> factors acc more
            | _ -> acc, rest

        let fs, rest = factors [] ts

        let terms =
            fs
            |> List.fold (fun terms f -> terms @ [ f ] @ (terms |> List.map (fun t -> t @ f))) []
            |> List.map (fun cols -> { Variables = cols })

        addTerms [] terms, rest

    type private Sum =
        {
            Intercept: bool
            Terms: FormulaTerm list
            Offsets: Offset list
            Groups: GroupTerm list
        }

    let private offset (ts: Token list) : Offset * Token list =
        let rest = expectSymbol "(" "'(' after 'offset'" ts

        let o, rest =
            match rest with
            | Token.Ident("log", _) :: Token.Symbol("(", _) :: more ->
                let c, more = ident "a column name inside log(...)" more
                { Column = c; Log = true }, expectSymbol ")" "')' to close log(" more
            | _ ->
                let c, more = ident "a column name or log(column) inside offset(...)" rest
                { Column = c; Log = false }, more

        o, expectSymbol ")" "')' to close offset(" rest

    /// One summand; `inGroup` forbids offsets and nested group terms.
    let rec private summand (inGroup: bool) (negative: bool) (acc: Sum) (ts: Token list) : Sum * Token list =
        match ts with
        | Token.Number("1", _) :: rest -> { acc with Intercept = not negative }, rest
        | Token.Number("0", _) :: rest when not negative -> { acc with Intercept = false }, rest
        | t :: _ when negative -> failAt t "'1' after '-' (only the intercept can be removed)"
        | Token.Ident("offset", _) :: (Token.Symbol("(", _) :: _ as rest) when not inGroup ->
            let o, rest = offset rest

            { acc with
                Offsets = acc.Offsets @ [ o ]
            },
            rest
        | Token.Symbol("(", c) :: rest when not inGroup ->
            let gs, rest = groupTerm c rest
            { acc with Groups = acc.Groups @ gs }, rest
        | Token.Ident _ :: _ ->
            let terms, rest = product ts

            { acc with
                Terms = addTerms acc.Terms terms
            },
            rest
        | t :: _ when inGroup -> failAt t "'1', '0' or a column name in the group term"
        | t :: _ -> failAt t "'1', '0', a column name, offset(...) or a group term '('"
        | [] -> fail 0 "nothing" "a term"

    /// A sum of summands separated by '+' (or '- 1'), up to a token that is neither.
    and private sum (inGroup: bool) (ts: Token list) : Sum * Token list =
        let start =
            {
                Intercept = true
                Terms = []
                Offsets = []
                Groups = []
            }

        let first, ts =
            match ts with
            | Token.Symbol("-", _) :: rest -> summand inGroup true start rest
            | _ -> summand inGroup false start ts

        let rec more acc ts =
            match ts with
            | Token.Symbol("+", _) :: rest -> summand inGroup false acc rest ||> more
            | Token.Symbol("-", _) :: rest -> summand inGroup true acc rest ||> more
            | _ -> acc, ts

        more first ts

    /// `(terms | g1/g2)` after its '(' at column `opened`; nesting expands to (… | g1) + (… | g1:g2).
    and private groupTerm (opened: int) (ts: Token list) : GroupTerm list * Token list =
        let s, rest = sum true ts

        let correlated, rest =
            match rest with
            | Token.Symbol("|", _) :: more -> true, more
            | Token.Symbol("||", _) :: more -> false, more
            | t :: _ -> failAt t $"'|' or '||' and a grouping factor in the group term opened at column {opened}"
            | [] -> fail 0 "nothing" "'|'"

        if not s.Intercept && List.isEmpty s.Terms then
            fail opened "a group term with no coefficients" "at least one varying coefficient, e.g. (1 | g)"

        let rec nesting acc ts =
            let f, rest = colonList "a grouping factor (a column name)" ts
            let acc = acc @ [ f ]

            match rest with
            | Token.Symbol("/", _) :: more -> nesting acc more
            | _ -> acc, rest

        let levels, rest = nesting [] rest

        let rest =
            expectSymbol ")" $"')' to close the group term opened at column {opened}" rest

        let factorsAt k =
            levels |> List.take (k + 1) |> List.concat

        let groups =
            levels
            |> List.mapi (fun k _ ->
                {
                    Intercept = s.Intercept
                    Terms = s.Terms
                    Factors = factorsAt k
                    Correlated = correlated
                })

        groups, rest

    let private responseSide (ts: Token list) =
        let y, rest = ident "the response column name at the start of the formula" ts

        match rest with
        | Token.Symbol("|", _) :: more ->
            let aux, more =
                match more with
                | Token.Ident("trials", _) :: m -> ResponseInfo.Trials, m
                | Token.Ident("se", _) :: m -> ResponseInfo.Se, m
                | t :: _ -> failAt t "'trials(n)' or 'se(s)' after '|' on the response side"
                | [] -> fail 0 "nothing" "trials or se"

            let more = expectSymbol "(" "'(' and a column name" more
            let c, more = ident "a column name" more
            y, aux c, expectSymbol ")" "')'" more
        | _ -> y, ResponseInfo.Plain, rest

    let private run (f: unit -> 'T) : Result<'T, FormulaError> =
        try
            Ok(f ())
        with Failure e ->
            Error e

    let private atEnd (what: string) (ts: Token list) =
        match ts with
        | [ Token.End _ ] -> ()
        | t :: _ -> failAt t what
        | [] -> ()

    /// Parses a formula such as `y | trials(n) ~ 1 + x + (1 + x | g)`.
    let parse (text: string) : Result<Formula, FormulaError> =
        run (fun () ->
            let ts = tokenize text
            let y, info, rest = responseSide ts
            let rest = expectSymbol "~" "'~' after the response" rest
            let s, rest = sum false rest
            atEnd "'+' or the end of the formula" rest

            {
                Response = y
                Info = info
                Intercept = s.Intercept
                Terms = s.Terms
                Offsets = s.Offsets
                Groups = s.Groups
            })

    let private signedNumber (ts: Token list) =
        let sign, ts =
            match ts with
            | Token.Symbol("-", _) :: rest -> -1.0, rest
            | _ -> 1.0, ts

        match ts with
        | Token.Number(x, c) :: rest ->
            match
                System.Double.TryParse(
                    x,
                    System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture
                )
            with
            | true, v -> sign * v, rest
            | _ -> fail c $"'{x}'" "a number"
        | t :: _ -> failAt t "a number"
        | [] -> fail 0 "nothing" "a number"

    /// Parses `NAME ~ DIST(a, b, ...)` with numeric arguments.
    let parsePrior (text: string) : Result<PriorText, FormulaError> =
        run (fun () ->
            let ts = tokenize text
            let name, rest = colonList "a node name at the start" ts
            let rest = expectSymbol "~" "'~' after the node name" rest

            let dist, column, rest =
                match rest with
                | Token.Ident(d, c) :: more -> d, c, more
                | t :: _ -> failAt t "a distribution name such as Normal"
                | [] -> fail 0 "nothing" "a distribution"

            let rest = expectSymbol "(" $"'(' after '{dist}'" rest

            let rec args acc ts =
                let x, rest = signedNumber ts

                match rest with
                | Token.Symbol(",", _) :: more -> args (acc @ [ x ]) more
                | _ -> acc @ [ x ], expectSymbol ")" $"',' or ')' to close {dist}(" rest

            let values, rest = args [] rest

            let on =
                match rest with
                | Token.Ident(o, _) :: Token.Ident(scale, c) :: more when o.ToLowerInvariant() = "on" ->
                    atEnd "the end of the prior" more
                    Some(scale, c)
                | Token.Ident(o, _) :: t :: _ when o.ToLowerInvariant() = "on" ->
                    failAt t "'precision', 'variance' or 'sd' after 'on'"
                | _ ->
                    atEnd "the end of the prior, or 'on precision' / 'on variance'" rest
                    None

            {
                Name = name |> String.concat ":"
                Dist = dist
                DistColumn = column
                Args = values
                On = on
            })
