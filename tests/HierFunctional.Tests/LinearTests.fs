module HierFunctional.Tests.LinearTests

open HierFunctional.TestShim
open FsCheck
open FsCheck.FSharp
open HierFunctional
open HierFunctional.Inference
open type Distributions

/// A tiny scalar evaluator, independent of the library's interpreter: params and data from maps.
let rec eval (env: Map<string, float>) (e: Expr) : float =
    match e with
    | Const x -> x
    | Param n
    | Data n -> env[n]
    | Neg x -> -(eval env x)
    | Add(a, b) -> eval env a + eval env b
    | Sub(a, b) -> eval env a - eval env b
    | Mul(a, b) -> eval env a * eval env b
    | Div(a, b) -> eval env a / eval env b
    | Apply(Fn.Exp, x) -> exp (eval env x)
    | other -> failwithf "not in the test language: %A" other

/// Expressions that are linear in "t" by construction: products only ever have one side free of t.
let rec linearGen size : Gen<Expr> =
    let leaf =
        Gen.oneof
            [
                Gen.constant (Param "t")
                Gen.constant (Param "a")
                Gen.constant (Data "x")
                Gen.choose (-5, 5) |> Gen.map (fun k -> Const(float k + 0.5))
            ]

    let free =
        Gen.oneof [ Gen.constant (Param "a"); Gen.constant (Data "x"); Gen.constant (Const 2.0) ]

    if size <= 0 then
        leaf
    else
        let sub = linearGen (size / 2)

        Gen.oneof
            [
                leaf
                Gen.map2 (fun a b -> Add(a, b)) sub sub
                Gen.map2 (fun a b -> Sub(a, b)) sub sub
                Gen.map Neg sub
                Gen.map2 (fun k a -> Mul(k, a)) free sub
                Gen.map2 (fun a k -> Mul(a, k)) sub free
                Gen.map2 (fun a k -> Div(a, Add(k, Const 10.0))) sub free
            ]

/// A property with its number of cases, for `property` below.
let private casesOf (n: int) (prop: Property) = n, prop

/// The Expecto test of a property function of this file, from the suite's fixed replay seed.
let private property (name: string) (f: unit -> int * Property) =
    let n, prop = f ()
    Expecto.ExpectoFsCheck.testPropertyWithConfig { TestConfig.fsCheck with maxTest = n } name prop

let private valueOf (form: LinearForm) env t =
    let coef =
        match form.Terms with
        | [] -> 0.0
        | [ Slot.Whole, c ] -> eval env c
        | other -> failwithf "unexpected slots %A" other

    eval env form.Offset + coef * t

let ``linear analysis recovers offset plus coefficient times target for every linear expression`` () =
    let gen =
        gen {
            let! e = Gen.sized (fun s -> linearGen (min s 12))

            let! vals =
                Gen.arrayOfLength 3 (Gen.choose (-20, 20) |> Gen.map (fun k -> float k / 3.0))

            return e, vals
        }

    Prop.forAll (Arb.fromGen gen) (fun (e, vals) ->
        let env = Map [ "t", vals[0]; "a", vals[1]; "x", vals[2] ]

        match Linear.analyse "t" e with
        | None -> false
        | Some form ->
            let direct = eval env e
            let viaForm = valueOf form env vals[0]
            abs (direct - viaForm) <= 1e-9 * (1.0 + abs direct))
    |> casesOf 300

let ``linear analysis refuses products of the target with itself and link functions of it`` () =
    let t = Param "t"
    Assert.True((Linear.analyse "t" (t * t)).IsNone)
    Assert.True((Linear.analyse "t" (exp t + 1.0)).IsNone)
    Assert.True((Linear.analyse "t" (1.0 / t)).IsNone)
    Assert.True((Linear.analyse "t" (Param "a" / t)).IsNone)

let ``an indexed group effect is one indexed slot with coefficient one`` () =
    let mean = Param "mu" + (Param "theta").[group "school"]

    match Linear.tryAffine "theta" mean with
    | Some(offset, Slot.Indexed(Group "school"), Const 1.0) -> Assert.Equal(Param "mu", offset)
    | other -> failwithf "unexpected %A" other

let ``a design-matrix dot product is a whole-vector dot slot`` () =
    let mean = Param "alpha" + dot (data "X") (Param "beta")

    match Linear.tryAffine "beta" mean with
    | Some(offset, Slot.WholeDot, Data "X") -> Assert.Equal(Param "alpha", offset)
    | other -> failwithf "unexpected %A" other

let ``inlining a non-centred derived effect exposes linearity in the raw effect`` () =
    let nonCentred =
        model {
            let! mu = sample "mu" (Normal(0.0, 5.0))
            let! tau = sample "tau" (HalfCauchy 5.0)
            let! eta = sample "eta" (Normal(0.0, 1.0)) |> over "school"
            let! theta = derived "theta" (mu + tau * eta.[group "school"]) |> over "school"
            do! observe "y" (Normal(theta.[group "school"], data "sigma"))
        }

    let expanded = Graph.expand nonCentred
    let children = Graph.children expanded "eta" |> List.map (fun n -> n.Name)
    Assert.Equal<string list>([ "y" ], children)

    match (Model.tryFind "y" expanded).Value.Kind with
    | NodeKind.Observed(Dist.Normal(mean, _)) ->
        match Linear.tryAffine "eta" mean with
        | Some(Param "mu", Slot.Indexed(Group "school"), Param "tau") -> ()
        | other -> failwithf "unexpected %A" other
    | other -> failwithf "unexpected %A" other

// expecto: generated from the xunit attributes above by xunit2expecto.py; edit the functions, not this list
[<Expecto.Tests>]
let tests =
    Expecto.Tests.testSequencedGroup
        "HierFunctional.Tests.LinearTests"
        (Expecto.Tests.testList
            "HierFunctional.Tests.LinearTests"
            [
                property
                    "linear analysis recovers offset plus coefficient times target for every linear expression"
                    ``linear analysis recovers offset plus coefficient times target for every linear expression``
                Expecto.Tests.testCase
                    "linear analysis refuses products of the target with itself and link functions of it"
                    (fun () ->
                        ``linear analysis refuses products of the target with itself and link functions of it`` ())
                Expecto.Tests.testCase "an indexed group effect is one indexed slot with coefficient one" (fun () ->
                    ``an indexed group effect is one indexed slot with coefficient one`` ())
                Expecto.Tests.testCase "a design-matrix dot product is a whole-vector dot slot" (fun () ->
                    ``a design-matrix dot product is a whole-vector dot slot`` ())
                Expecto.Tests.testCase
                    "inlining a non-centred derived effect exposes linearity in the raw effect"
                    (fun () -> ``inlining a non-centred derived effect exposes linearity in the raw effect`` ())
            ])
