/// Hostile mutations of fuzz models and data sets: unknown names, duplicates, forward references, wrong shapes, bad
/// constants, NaN/Inf, negative or fractional counts, successes > trials, ragged columns, unknown labels, duplicate
/// column names.
module HierFunctional.Tests.Reliability.FuzzMutations

open System
open FsCheck
open FsCheck.FSharp
open HierFunctional
open type Distributions
open HierFunctional.Tests.Reliability.FuzzTemplates

let private mapNodes f (m: Model) = Model.ofNodes (f m.Nodes)

let rec private renameRefs (from: string) (into: string) (e: Expr) =
    let go = renameRefs from into

    match e with
    | Param p when p = from -> Param into
    | Index(v, i) -> Index(go v, go i)
    | Neg a -> Neg(go a)
    | Add(a, b) -> Add(go a, go b)
    | Sub(a, b) -> Sub(go a, go b)
    | Mul(a, b) -> Mul(go a, go b)
    | Div(a, b) -> Div(go a, go b)
    | Apply(f, a) -> Apply(f, go a)
    | other -> other

let private mapExprs (f: Expr -> Expr) (n: Node) =
    let kind =
        match n.Kind with
        | NodeKind.Parameter d -> NodeKind.Parameter(Dist.mapArgs f d)
        | NodeKind.Observed d -> NodeKind.Observed(Dist.mapArgs f d)
        | NodeKind.Derived e -> NodeKind.Derived(f e)
        | NodeKind.Factor e -> NodeKind.Factor(f e)

    { n with Kind = kind }

let private badConstant =
    pick [ -1.0; 0.0; nan; infinity; -infinity; 1e308; 1e-308 ] |> Gen.map Const

/// A model mutation and its name.
let mutateModel (m: Model) : Gen<string * Model> =
    let first = m.Nodes.Head.Name

    gen {
        let! which = Gen.choose (0, 8)
        let! c = badConstant

        return
            match which with
            | 0 -> "unknown reference", m |> mapNodes (List.map (mapExprs (renameRefs first "nowhere")))
            | 1 -> "duplicate node", m |> mapNodes (fun ns -> ns @ [ ns.Head ])
            | 2 -> "forward reference", m |> mapNodes List.rev
            | 3 ->
                "bad constant",
                m
                |> mapNodes (
                    List.map (fun n ->
                        match n.Kind with
                        | NodeKind.Parameter d ->
                            { n with
                                Kind =
                                    NodeKind.Parameter(
                                        Dist.mapArgs
                                            (fun e ->
                                                match e with
                                                | Const _ -> c
                                                | e -> e)
                                            d
                                    )
                            }
                        | _ -> n)
                )
            | 4 ->
                "unindexed vector",
                m
                |> mapNodes (
                    List.map (
                        mapExprs (fun e ->
                            match e with
                            | Index(v, _) -> v
                            | e -> e)
                    )
                )
            | 5 ->
                "indexed scalar",
                m
                |> mapNodes (
                    List.map (
                        mapExprs (
                            renameRefs first first
                            >> fun e ->
                                match e with
                                | Param p when p = first -> Index(e, Group "g")
                                | e -> e
                        )
                    )
                )
            | 6 ->
                "unknown group",
                m
                |> mapNodes (
                    List.map (fun n ->
                        if n.Plate = Plate.Over "g" then
                            { n with Plate = Plate.Over "h" }
                        else
                            n)
                )
            | 7 ->
                "observed over a group",
                m
                |> mapNodes (
                    List.map (fun n ->
                        match n.Kind with
                        | NodeKind.Observed _ -> { n with Plate = Plate.Over "g" }
                        | _ -> n)
                )
            | _ ->
                "sized zero",
                m
                |> mapNodes (
                    List.map (fun n ->
                        if n.Plate = Plate.Over "g" then
                            { n with Plate = Plate.Sized 0 }
                        else
                            n)
                )
    }

let private replaceColumn name (f: Column -> Column) (d: Dataset) =
    { d with
        Columns = d.Columns |> List.map (fun (n, c) -> if n = name then n, f c else n, c)
    }

let private setAt (k: int) (v: 'T) (xs: 'T[]) =
    let ys = Array.copy xs

    if ys.Length > 0 then
        ys.[k % ys.Length] <- v

    ys

/// A data mutation and its name.
let mutateData (d: Dataset) : Gen<string * Dataset> =
    gen {
        let! which = Gen.choose (0, 10)
        let! row = Gen.choose (0, 1000)
        let! bad = pick [ nan; infinity; -infinity ]
        let name, _ = d.Columns |> List.last

        let onNumbers f =
            d.Columns
            |> List.fold
                (fun acc (n, c) ->
                    match c with
                    | Column.Reals _
                    | Column.Integers _ when n <> "g" -> replaceColumn n f acc
                    | _ -> acc)
                d

        return
            match which with
            | 0 ->
                "non-finite value",
                onNumbers (function
                    | Column.Reals xs -> Column.Reals(setAt row bad xs)
                    | c -> c)
            | 1 ->
                "negative count",
                onNumbers (function
                    | Column.Integers xs -> Column.Integers(setAt row -3 xs)
                    | c -> c)
            | 2 ->
                "fractional count",
                onNumbers (function
                    | Column.Integers xs -> Column.Reals(xs |> Array.map float |> setAt row 0.5)
                    | c -> c)
            | 3 ->
                "successes above trials",
                replaceColumn
                    "y"
                    (function
                    | Column.Integers xs -> Column.Integers(setAt row 1_000_000 xs)
                    | c -> c)
                    d
            | 4 ->
                "ragged column",
                replaceColumn
                    name
                    (function
                    | Column.Reals xs -> Column.Reals(Array.append xs [| 1.0 |])
                    | Column.Integers xs -> Column.Integers(Array.append xs [| 1 |])
                    | c -> c)
                    d
            | 5 ->
                "unknown label",
                replaceColumn
                    "g"
                    (function
                    | Column.Labels(v, l) -> Column.Labels(setAt row "stranger" v, l)
                    | c -> c)
                    d
            | 6 ->
                "duplicate column",
                { d with
                    Columns = d.Columns @ [ d.Columns.Head ]
                }
            | 7 ->
                "missing column",
                { d with
                    Columns = d.Columns |> List.filter (fun (n, _) -> n <> name)
                }
            | 8 ->
                "labels where numbers are needed",
                replaceColumn "y" (fun c -> Column.Labels(Array.create (Dataset.columnLength c) "a", [| "a" |])) d
            | 9 ->
                "no rows",
                { d with
                    Columns =
                        d.Columns
                        |> List.map (fun (n, c) ->
                            n,
                            match c with
                            | Column.Labels _ -> Column.Labels([||], [||])
                            | Column.Integers _ -> Column.Integers [||]
                            | _ -> Column.Reals [||])
                }
            | _ -> "empty data set", Dataset.empty
    }
