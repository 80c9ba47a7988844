namespace HierFunctional

/// Symbolic helpers the update executors share: which expressions are data-only, which are constant within a
/// group's level, and how to factor a per-row quantity into (level-invariant part) × (data-only part).
[<RequireQualifiedAccess>]
module internal Factor =

    /// No parameter is read: the expression can be evaluated once per row when the plan is compiled.
    let isDataOnly (e: Expr) = Expr.paramRefs e |> List.isEmpty

    /// A single-copy scalar parameter of global scope: one value per sweep, whatever element or row reads it.
    let isScalarGlobalParameter (b: Bound) (p: string) =
        match b.NodeMap.TryFind p with
        | Some i ->
            i.Scope = Scope.Global
            && i.Event = Shape.Scalar
            && i.Copies = 1
            && (match i.Node.Kind with
                | NodeKind.Parameter _ -> true
                | _ -> false)
        | None -> false

    /// Reads no data column and only scalar global parameters: the expression can be evaluated once per sweep
    /// instead of once per element or copy.
    let readsOnlyScalarGlobals (b: Bound) (e: Expr) =
        List.isEmpty (Expr.columnRefs e)
        && Expr.paramRefs e |> List.forall (isScalarGlobalParameter b)

    /// The expression takes one value for every row/copy mapped to the same element of a target indexed by
    /// `slotGroup` (None: a scalar or fixed-position target): it reads no row data, and every group-level node
    /// it reads is indexed by that same group.
    let rec isInvariant (b: Bound) (slotGroup: string option) (e: Expr) : bool =
        let go = isInvariant b slotGroup

        match e with
        | Const _ -> true
        | Data _
        | Group _ -> false
        | Param p ->
            match b.NodeMap.TryFind p with
            | Some info -> info.Scope = Scope.Global && info.Event = Shape.Scalar
            | None -> false
        | Index(Param _, Group g) -> slotGroup = Some g
        | Index _ -> false
        | Elem(Param p, _) ->
            match b.NodeMap.TryFind p with
            | Some info -> info.Scope = Scope.Global
            | None -> false
        | Elem _
        | Vector _
        | Matrix _
        | Dot _ -> false
        | Neg x
        | Apply(_, x) -> go x
        | Add(x, y)
        | Sub(x, y)
        | Mul(x, y)
        | Div(x, y)
        | Power(x, y) -> go x && go y

    /// Splits e into (invariant, dataOnly) with e = invariant × dataOnly, when it factors that simply.
    let split (b: Bound) (slotGroup: string option) (e: Expr) : (Expr * Expr) option =
        if isDataOnly e then
            Some(Const 1.0, e)
        elif isInvariant b slotGroup e then
            Some(e, Const 1.0)
        else
            match e with
            | Mul(x, y) when isInvariant b slotGroup x && isDataOnly y -> Some(x, y)
            | Mul(x, y) when isDataOnly x && isInvariant b slotGroup y -> Some(y, x)
            | Div(x, y) when isInvariant b slotGroup x && isDataOnly y -> Some(x, Div(Const 1.0, y))
            | Div(x, y) when isDataOnly x && isInvariant b slotGroup y -> Some(Div(Const 1.0, y), x)
            | _ -> None
