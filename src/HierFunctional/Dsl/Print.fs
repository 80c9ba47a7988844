namespace HierFunctional

/// Writes a model the way the math is written: `theta[j] ~ Normal(mu, tau),  j = 1..J`.
[<RequireQualifiedAccess>]
module Print =

    // Index letters are handed out to groups in order of first appearance; rows always use i.
    let private letters = [ "j"; "k"; "l"; "m"; "g"; "h"; "q"; "r" ]

    type private Context =
        {
            Letters: Map<string, string>
            Plate: Plate
        }

    let private number (x: float) =
        if x = floor x && abs x < 1e15 then
            string (int64 x)
        else
            x.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)

    let private fnName (f: Fn) =
        match f with
        | Fn.Exp -> "exp"
        | Fn.Log -> "log"
        | Fn.Logit -> "logit"
        | Fn.InvLogit -> "inv_logit"
        | Fn.Sqrt -> "sqrt"
        | Fn.Square -> "square"
        | Fn.Log1p -> "log1p"
        | Fn.Abs -> "abs"
        | Fn.Inverse -> "inverse"

    let private subscript (ctx: Context) =
        match ctx.Plate with
        | Plate.Rows -> Some "i"
        | Plate.Over g -> Map.tryFind g ctx.Letters
        | Plate.Sized _ -> Some "p"
        | Plate.Scalar -> None

    /// Precedence: 1 additive, 2 multiplicative, 3 unary minus, 4 power, 5 atoms.
    let rec private expr (ctx: Context) (prec: int) (e: Expr) : string =
        let paren p s = if p < prec then $"({s})" else s
        let go p x = expr ctx p x

        match e with
        | Const x when x < 0.0 -> paren 3 (number x)
        | Const x -> number x
        | Param n -> n
        | Data c ->
            match subscript ctx with
            | Some s -> $"{c}[{s}]"
            | None -> c
        | Group g ->
            match ctx.Plate, subscript ctx with
            | Plate.Over h, Some s when h = g -> s
            | _, Some s -> $"{g}[{s}]"
            | _, None -> g
        | Index(v, i) -> $"{go 5 v}[{go 0 i}]"
        | Elem(v, k) -> $"{go 5 v}[{k + 1}]"
        | Vector xs -> "[" + (xs |> List.map (go 0) |> String.concat ", ") + "]"
        | Matrix rows ->
            "["
            + (rows
               |> List.map (fun r -> "[" + (r |> List.map (go 0) |> String.concat ", ") + "]")
               |> String.concat ", ")
            + "]"
        | Neg x -> paren 3 ("-" + go 4 x)
        | Add(a, b) -> paren 1 $"{go 1 a} + {go 2 b}"
        | Sub(a, b) -> paren 1 $"{go 1 a} - {go 2 b}"
        | Mul(a, b) -> paren 2 $"{go 2 a} * {go 3 b}"
        | Div(a, b) -> paren 2 $"{go 2 a} / {go 3 b}"
        | Power(a, b) -> paren 4 $"{go 5 a}^{go 5 b}"
        | Apply(f, x) -> $"{fnName f}({go 0 x})"
        | Dot(a, b) -> $"dot({go 0 a}, {go 0 b})"

    let private support (s: Support) =
        match s with
        | Support.Real -> "real line"
        | Support.Positive -> "(0, inf)"
        | Support.UnitInterval -> "(0, 1)"
        | Support.Interval(a, b) -> $"({number a}, {number b})"
        | Support.Simplex -> "simplex"
        | other -> string other

    let rec private dist (ctx: Context) (d: Dist) =
        match d with
        | Dist.Flat s -> $"Flat on {support s}"
        | Dist.Normal(m, Power(tau, Const -0.5)) -> $"NormalPrecision({expr ctx 0 m}, {expr ctx 0 tau})"
        | Dist.Truncated(inner, lo, hi) ->
            let bound = Option.map (expr ctx 0) >> Option.defaultValue ""
            $"{dist ctx inner} T({bound lo}, {bound hi})"
        | Dist.Poisson(rate, Const 1.0) -> $"Poisson({expr ctx 0 rate})"
        | Dist.LkjCholesky(k, eta) -> $"LkjCholesky({k}, {expr ctx 0 eta})"
        | Dist.Ordered(inner, size) -> $"Ordered({dist ctx inner}, {size})"
        | _ ->
            let args = Dist.arguments d |> List.map (snd >> expr ctx 0) |> String.concat ", "
            $"{Dist.name d}({args})"

    let private groupsInOrder (m: Model) =
        m.Nodes
        |> List.collect (fun n ->
            let own =
                match n.Plate with
                | Plate.Over g -> [ g ]
                | _ -> []

            own @ (Model.nodeExprs n |> List.collect Expr.columnRefs))
        |> List.distinct

    let private line (letters: Map<string, string>) (n: Node) =
        let ctx = { Letters = letters; Plate = n.Plate }

        let lhs, range =
            match n.Plate with
            | Plate.Scalar -> n.Name, ""
            | Plate.Rows -> $"{n.Name}[i]", ",  i = 1..N"
            | Plate.Sized k -> $"{n.Name}[p]", $",  p = 1..{k}"
            | Plate.Over g ->
                let s = letters[g]
                $"{n.Name}[{s}]", $",  {s} = 1..{s.ToUpperInvariant()}"

        match n.Kind with
        | NodeKind.Parameter d
        | NodeKind.Observed d -> $"{lhs} ~ {dist ctx d}{range}"
        | NodeKind.Derived e -> $"{lhs} = {expr ctx 0 e}{range}"
        | NodeKind.Factor e -> $"log p += {expr ctx 0 e}{range}"

    /// The model as lines of math, followed by a legend saying which group each index letter runs over.
    let model (m: Model) : string =
        let plated =
            m.Nodes
            |> List.choose (fun n ->
                match n.Plate with
                | Plate.Over g -> Some g
                | _ -> None)
            |> List.distinct

        let groups = groupsInOrder m |> List.filter (fun g -> List.contains g plated)
        let letters = List.zip groups (List.truncate groups.Length letters) |> Map.ofList
        let body = m.Nodes |> List.map (line letters)

        let legend =
            [
                for g in groups -> $"{letters[g]} indexes the levels of '{g}' ({letters[g].ToUpperInvariant()} levels)"
            ]
            @ (if m.Nodes |> List.exists (fun n -> n.Plate = Plate.Rows) then
                   [ "i indexes the data rows (N rows)" ]
               else
                   [])

        String.concat
            "\n"
            (body
             @ (if legend.IsEmpty then
                    []
                else
                    "where" :: (legend |> List.map (fun l -> "  " + l))))
