namespace HierFunctional

/// Where a target node enters a linear term.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type internal Slot =
    /// The target itself (a scalar node).
    | Whole
    /// The copy of a group-level node selected by an index expression (`theta[school[i]]`).
    | Indexed of index: Expr
    /// A fixed element of a vector node (`beta[2]`).
    | Position of int
    /// The whole vector node in a dot product with a coefficient vector (`X[i] · beta`).
    | WholeDot
    /// The indexed copy of a vector-valued group node in a dot product (`[1, Days[i]] · b[Subject[i]]`).
    | IndexedDot of index: Expr

/// An expression written as offset + Σ coefficient · target[slot], with offset and coefficients free of the target.
/// This is what "the mean is linear in the node" means for the Normal conjugate rules.
[<StructuralEquality; NoComparison>]
type internal LinearForm =
    {
        /// The part that does not involve the target.
        Offset: Expr
        /// One coefficient per slot (vector-valued for the dot-product slots).
        Terms: (Slot * Expr) list
    }

/// Symbolic linear analysis of expressions in one target node.
[<RequireQualifiedAccess>]
module internal Linear =

    // Smart constructors keep analysed forms readable and cheap to evaluate (no 0 + x or 1 * x left behind).
    let private add a b =
        match a, b with
        | Const 0.0, x
        | x, Const 0.0 -> x
        | Const x, Const y -> Const(x + y)
        | _ -> Add(a, b)

    let private mul a b =
        match a, b with
        | Const 0.0, _
        | _, Const 0.0 -> Const 0.0
        | Const 1.0, x
        | x, Const 1.0 -> x
        | Const x, Const y -> Const(x * y)
        | _ -> Mul(a, b)

    let private neg a =
        match a with
        | Const x -> Const(-x)
        | Neg x -> x
        | _ -> Neg a

    let private mergeTerms (terms: (Slot * Expr) list) =
        terms
        |> List.fold
            (fun acc (slot, c) ->
                match List.tryFindIndex (fun (s, _) -> s = slot) acc with
                | Some k -> acc |> List.mapi (fun i (s, c0) -> if i = k then s, add c0 c else s, c0)
                | None -> acc @ [ slot, c ])
            []

    let private scale (k: Expr) (f: LinearForm) =
        {
            Offset = mul k f.Offset
            Terms = f.Terms |> List.map (fun (s, c) -> s, mul k c)
        }

    let private constant (e: Expr) = { Offset = e; Terms = [] }

    let private single slot coefficient =
        {
            Offset = Const 0.0
            Terms = [ slot, coefficient ]
        }

    /// The linear form of `e` in the node `target`, or None when `e` depends on it non-linearly
    /// (or through an index, a link function or a product of two target terms).
    let rec analyse (target: string) (e: Expr) : LinearForm option =
        let free x = not (Expr.dependsOn target x)

        if free e then
            Some(constant e)
        else
            match e with
            | Param t when t = target -> Some(single Slot.Whole (Const 1.0))
            | Index(Param t, idx) when t = target && free idx -> Some(single (Slot.Indexed idx) (Const 1.0))
            | Elem(Param t, k) when t = target -> Some(single (Slot.Position k) (Const 1.0))
            | Dot(a, Param t)
            | Dot(Param t, a) when t = target && free a -> Some(single Slot.WholeDot a)
            | Dot(a, Index(Param t, idx))
            | Dot(Index(Param t, idx), a) when t = target && free a && free idx -> Some(single (Slot.IndexedDot idx) a)
            | Neg x -> analyse target x |> Option.map (scale (Const -1.0))
            | Add(a, b) -> combine target a b id
            | Sub(a, b) -> combine target a b neg
            | Mul(a, b) when free a -> analyse target b |> Option.map (scale a)
            | Mul(a, b) when free b -> analyse target a |> Option.map (scale b)
            | Div(a, b) when free b -> analyse target a |> Option.map (scale (Div(Const 1.0, b)))
            | _ -> None

    and private combine target a b (sign: Expr -> Expr) =
        match analyse target a, analyse target b with
        | Some fa, Some fb ->
            Some
                {
                    Offset = add fa.Offset (sign fb.Offset)
                    Terms = mergeTerms (fa.Terms @ (fb.Terms |> List.map (fun (s, c) -> s, sign c)))
                }
        | _ -> None

    /// The form of `e` when it is exactly `offset + coefficient · target[slot]` with a single slot.
    let tryAffine (target: string) (e: Expr) : (Expr * Slot * Expr) option =
        match analyse target e with
        | Some { Offset = o; Terms = [ slot, c ] } -> Some(o, slot, c)
        | _ -> None
