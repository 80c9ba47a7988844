/// The formula parser: printing and parsing back are inverse, whitespace does not matter, R's expansions of
/// `*` and `/` hold, and every syntax error names the column, what was found and what was expected.
module HierFunctional.Tests.Formula.FormulaParserTests

open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open HierFunctional
open HierFunctional.Tests

let private names =
    [ "x"; "z"; "w"; "Days"; "dose_2"; "x.1"; "g"; "h"; "plate"; "n"; "E" ]

let private distinctNames (k: int) =
    Gen.shuffle names |> Gen.map (Array.truncate k >> List.ofArray)

let private term =
    Gen.choose (1, 2)
    |> Gen.bind distinctNames
    |> Gen.map (fun cs -> { Variables = cs })

/// Terms with distinct column sets (the parser drops repeats, as R does).
let private terms =
    Gen.choose (0, 3)
    |> Gen.bind (fun k -> Gen.listOfLength k term)
    |> Gen.map (List.distinctBy (fun t -> Set.ofList t.Variables))

let private groupTerm =
    gen {
        let! intercept = Gen.elements [ true; false ]
        let! ts = terms
        let! k = Gen.choose (1, 2)
        let! factors = distinctNames k
        let! correlated = Gen.elements [ true; false ]

        let ts =
            if intercept || not ts.IsEmpty then
                ts
            else
                [ { Variables = [ "x" ] } ]

        return
            {
                Intercept = intercept
                Terms = ts
                Factors = factors
                Correlated = correlated
            }
    }

let private formula =
    gen {
        let! y = Gen.elements [ "y"; "Reaction"; "count" ]

        let! info =
            Gen.elements [ ResponseInfo.Plain; ResponseInfo.Trials "n"; ResponseInfo.Se "s" ]

        let! intercept = Gen.elements [ true; false ]
        let! ts = terms

        let offset =
            Gen.map2 (fun c l -> { Column = c; Log = l }) (Gen.elements names) (Gen.elements [ true; false ])

        let! offsets = Gen.choose (0, 2) |> Gen.bind (fun k -> Gen.listOfLength k offset)
        let! groups = Gen.choose (0, 3) |> Gen.bind (fun k -> Gen.listOfLength k groupTerm)

        return
            {
                Response = y
                Info = info
                Intercept = intercept
                Terms = ts
                Offsets = offsets
                Groups = groups
            }
    }

let ``printing a formula and parsing it back gives the same formula`` () =
    let prop =
        Prop.forAll (Arb.fromGen formula) (fun f -> Formula.parse (Formula.print f) = Ok f)

    Check.One(TestConfig.quick.WithMaxTest(200), prop)

let ``removing or widening the whitespace does not change the parse`` () =
    let prop =
        Prop.forAll (Arb.fromGen formula) (fun f ->
            let text = Formula.print f
            let tight = text.Replace(" ", "")
            let wide = text.Replace(" ", " \t  ")

            Formula.parse tight = Ok f
            && Formula.parse wide = Ok f
            && Formula.parse ("  " + text + "\n") = Ok f)

    Check.One(TestConfig.quick.WithMaxTest(200), prop)

let private parsed (text: string) =
    match Formula.parse text with
    | Ok f -> f
    | Error e -> failwith (FormulaError.describe e)

let ``a product expands to main effects and interactions in R's order`` () =
    let f = parsed "y ~ a*b*c"

    let expected =
        [
            [ "a" ]
            [ "b" ]
            [ "a"; "b" ]
            [ "c" ]
            [ "a"; "c" ]
            [ "b"; "c" ]
            [ "a"; "b"; "c" ]
        ]

    Assert.Equal<string list list>(expected, f.Terms |> List.map (fun t -> t.Variables))

let ``nesting g1 over g2 is the sum of a g1 term and a g1 by g2 term`` () =
    Assert.Equal(parsed "y ~ 1 + (1 | g1) + (1 | g1:g2)", parsed "y ~ (1 | g1/g2)")

let ``minus one and zero plus both remove the intercept`` () =
    Assert.False((parsed "y ~ x - 1").Intercept)
    Assert.False((parsed "y ~ 0 + x").Intercept)
    Assert.False((parsed "y ~ -1 + x").Intercept)
    Assert.True((parsed "y ~ x").Intercept)
    Assert.Equal(parsed "y ~ (1 + x | g)", parsed "y ~ (x | g)")

let ``the response side reads trials and se`` () =
    Assert.Equal(ResponseInfo.Trials "n", (parsed "y | trials(n) ~ x").Info)
    Assert.Equal(ResponseInfo.Se "sigma", (parsed "y | se(sigma) ~ 1 + (1 | school)").Info)
    Assert.Equal<Offset list>([ { Column = "E"; Log = true } ], (parsed "y ~ offset(log(E))").Offsets)

/// Bad formulas with the column, the found text and the expectation their error must state.
let badFormulas: (string * int * string * string) list =
    [
        "y ~ x + (1 + x | g", 19, "the end of the text", "')' to close the group term opened at column 9"
        "y ~ x +", 8, "the end of the text", "'1', '0', a column name, offset(...) or a group term '('"
        "y x", 3, "'x'", "'~' after the response"
        "~ x", 1, "'~'", "the response column name at the start of the formula"
        "y ~ x - z", 9, "'z'", "'1' after '-' (only the intercept can be removed)"
        "y ~ (1 + x g)", 12, "'g'", "'|' or '||' and a grouping factor in the group term opened at column 5"
        "y ~ x + (1 | )", 14, "')'", "a grouping factor (a column name)"
        "y | foo(n) ~ x", 5, "'foo'", "'trials(n)' or 'se(s)' after '|' on the response side"
        "y ~ offset(log(E) + x", 19, "'+'", "')' to close offset("
        "y ~ x $ z", 7, "'$'", "a column name, a number or one of ~ + - * : / | ( ) ,"
        "y ~ x )", 7, "')'", "'+' or the end of the formula"
        "y ~ (0 | g)", 5, "a group term with no coefficients", "at least one varying coefficient, e.g. (1 | g)"
    ]

let ``each bad formula is reported at its column with what was found and what was expected`` () =
    for text, column, found, expected in badFormulas do
        match Formula.parse text with
        | Error(FormulaError.Syntax(c, f, e)) ->
            Assert.True((c, f, e) = (column, found, expected), $"{text}: got column {c}, found {f}, expected {e}")
        | other -> failwith $"{text}: expected a syntax error, got {other}"

let ``a syntax error reads as a sentence with the column first`` () =
    match Formula.parse "y ~ x + (1 + x | g" with
    | Error e ->
        Assert.Equal(
            "column 19: expected ')' to close the group term opened at column 9, found the end of the text.",
            FormulaError.describe e
        )
    | Ok _ -> failwith "parsed"

let ``prior overrides parse into distributions and bad ones point at the column`` () =
    Assert.Equal(
        Ok
            {
                Node = "sigma"
                Prior = Dist.HalfNormal(Const 10.0)
                On = PriorOn.Itself
            },
        FormulaPriors.parseOverride "sigma ~ HalfNormal(10)"
    )

    Assert.Equal(
        Ok
            {
                Node = "b_Days"
                Prior = Dist.Normal(Const 0.0, Const 5.0)
                On = PriorOn.Itself
            },
        FormulaPriors.parseOverride "b_Days ~ normal(0, 5)"
    )

    Assert.Equal(
        Ok
            {
                Node = "sd_g1:g2__Intercept"
                Prior = Dist.StudentT(Const 3.0, Const -1.5, Const 2e-1)
                On = PriorOn.Itself
            },
        FormulaPriors.parseOverride "sd_g1:g2__Intercept ~ student_t(3, -1.5, 2e-1)"
    )

    let errorOf text =
        match FormulaPriors.parseOverride text with
        | Error(FormulaError.Syntax(c, f, e)) -> c, f, e
        | other -> failwith $"{other}"

    Assert.Equal((22, "the end of the text", "',' or ')' to close HalfNormal("), errorOf "sigma ~ HalfNormal(10")
    Assert.Equal((10, "Normal with 1 argument(s)", "Normal(mean, sd)"), errorOf "b_Days ~ Normal(0)")
    let c, f, _ = errorOf "sigma ~ Foo(1)"
    Assert.Equal((9, "'Foo'"), (c, f))

let ``family names parse case-insensitively and unknown ones are errors`` () =
    Assert.Equal(Ok Family.NegativeBinomial, Family.parse "NegBinomial")
    Assert.Equal(Ok Family.Gaussian, Family.parse "gaussian")
    Assert.Equal(Ok Family.Binomial, Family.parse " binomial ")
    Assert.Equal(Ok Family.Poisson, Family.parse "poisson")
    Assert.Equal(Error(FormulaError.UnknownFamily "weibull"), Family.parse "weibull")

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.Formula.FormulaParserTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.Formula.FormulaParserTests"
            [
                Expecto.Tests.testCase "printing a formula and parsing it back gives the same formula" (fun () ->
                    ``printing a formula and parsing it back gives the same formula`` ())
                Expecto.Tests.testCase "removing or widening the whitespace does not change the parse" (fun () ->
                    ``removing or widening the whitespace does not change the parse`` ())
                Expecto.Tests.testCase "a product expands to main effects and interactions in R's order" (fun () ->
                    ``a product expands to main effects and interactions in R's order`` ())
                Expecto.Tests.testCase "nesting g1 over g2 is the sum of a g1 term and a g1 by g2 term" (fun () ->
                    ``nesting g1 over g2 is the sum of a g1 term and a g1 by g2 term`` ())
                Expecto.Tests.testCase "minus one and zero plus both remove the intercept" (fun () ->
                    ``minus one and zero plus both remove the intercept`` ())
                Expecto.Tests.testCase "the response side reads trials and se" (fun () ->
                    ``the response side reads trials and se`` ())
                Expecto.Tests.testCase
                    "each bad formula is reported at its column with what was found and what was expected"
                    (fun () ->
                        ``each bad formula is reported at its column with what was found and what was expected`` ())
                Expecto.Tests.testCase "a syntax error reads as a sentence with the column first" (fun () ->
                    ``a syntax error reads as a sentence with the column first`` ())
                Expecto.Tests.testCase
                    "prior overrides parse into distributions and bad ones point at the column"
                    (fun () -> ``prior overrides parse into distributions and bad ones point at the column`` ())
                Expecto.Tests.testCase "family names parse case-insensitively and unknown ones are errors" (fun () ->
                    ``family names parse case-insensitively and unknown ones are errors`` ())
            ])
