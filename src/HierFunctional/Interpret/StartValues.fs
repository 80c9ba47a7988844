namespace HierFunctional

open System

/// How a parameter node without a given starting value is started.
[<RequireQualifiedAccess>]
type internal StartScheme =
    /// A typical value of its prior given its parents' starting values, jittered per chain on the unconstrained scale.
    | Typical
    /// A draw from its prior, redrawn while the draw is degenerate (see `StartValues.start`).
    | PriorDraw
    /// Each unconstrained coordinate uniform on (−2, 2), as Stan does (discrete parameters: a prior draw).
    | Uniform

/// Starting values of a chain. Nodes are started in declaration order, each from its parents' starting values, so a
/// given value conditions everything generated after it (BUGS semantics).
///
/// The typical value of a continuous prior is its median where that is well inside the support, and otherwise a
/// value that stays representable under vague priors: the mean a/b for Gamma(a, b) (a precision under
/// Gamma(0.001, 0.001) starts near 1, not at its median 2^−1000), b/a for InverseGamma(a, b) (the reciprocal of the
/// matching precision), α/(α+β) for Beta, the mean for Dirichlet, νS for Wishart, S/ν for InverseWishart and the
/// identity for LKJ. Each chain adds uniform(−2, 2)·spread to every unconstrained coordinate, as Stan's default
/// initialisation does, with the spread the prior's own scale on that coordinate capped at 1 (so a tight prior is
/// not left, and a vague one starts within e^±2 of its typical value). The result is clamped so that a positive
/// value stays within e^±40 and a probability's logit within ±20: never 0, ∞ or a saturated invLogit.
[<RequireQualifiedAccess>]
module internal StartValues =

    /// Stan's initialisation radius on the unconstrained scale.
    [<Literal>]
    let Radius = 2.0

    /// The largest |log x| a started positive value may have.
    [<Literal>]
    let MaxLogPositive = 40.0

    /// The largest |logit p| a started probability (or a value on a bounded interval) may have.
    [<Literal>]
    let MaxLogit = 20.0

    /// Prior draws below this (or above its reciprocal) on (0, ∞), or this close to 0 on (0, 1), are degenerate:
    /// x, 1/x, x² and 1/x² must all be normal doubles for a start to be usable.
    [<Literal>]
    let DegenerateBelow = 1e-150

    let private clampTo (lo: float) (hi: float) (x: float) = max lo (min hi x)

    let private safe (support: Support) (u: float) =
        match support with
        | Support.Positive -> clampTo -MaxLogPositive MaxLogPositive u
        | Support.UnitInterval
        | Support.Interval _
        | Support.Simplex -> clampTo -MaxLogit MaxLogit u
        | Support.CorrelationCholesky -> clampTo -3.0 3.0 u
        | _ -> clampTo -1e150 1e150 u

    let private flatMatrix (m: float[,]) =
        Array.init m.Length (fun i -> m.[i / Array2D.length2 m, i % Array2D.length2 m])

    let private flatten (v: Value) =
        match v with
        | Value.Scalar x -> [| x |]
        | Value.Vector xs -> xs
        | Value.Matrix m -> flatMatrix m

    /// What a value of this support must be, in words.
    let private expectation (support: Support) =
        match support with
        | Support.Real -> "a finite number, e.g. 0"
        | Support.Positive -> "a positive finite number, e.g. 1"
        | Support.UnitInterval -> "a probability strictly between 0 and 1, e.g. 0.5"
        | Support.Interval(a, b) -> $"a number strictly between {a} and {b}"
        | Support.Binary -> "0 or 1"
        | Support.Count
        | Support.BoundedCount -> "a whole number ≥ 0 (and at most its trials)"
        | Support.Category -> "a category number from 0 to K − 1"
        | Support.Ordinal -> "a category number from 1 to K"
        | Support.Ordered -> "strictly increasing finite numbers"
        | Support.CountVector -> "whole numbers ≥ 0"
        | Support.Simplex -> "positive entries that sum to 1"
        | Support.RealVector -> "finite numbers"
        | Support.Covariance -> "a symmetric positive-definite matrix"
        | Support.CorrelationCholesky -> "the lower Cholesky factor of a correlation matrix, e.g. the identity"

    /// The first entry of one copy that cannot start a chain, if any. `strict` also refuses the representable but
    /// degenerate values a prior draw under a vague prior gives (see `DegenerateBelow`).
    let private offending (strict: bool) (support: Support) (k: int) (x: float[]) : float option =
        let first bad = Array.tryFind bad x

        let whole (v: float) =
            not (Double.IsFinite v && Math.Floor v = v && v >= 0.0)

        let lowest = if strict then DegenerateBelow else Numerics.TinyPositive

        match support with
        | Support.Real
        | Support.RealVector -> first (fun v -> not (Double.IsFinite v) || (strict && abs v > 1.0 / DegenerateBelow))
        | Support.Positive -> first (fun v -> not (v >= lowest && v <= 1.0 / lowest))
        | Support.UnitInterval -> first (fun v -> not (v >= lowest && v < 1.0))
        | Support.Interval(a, b) -> first (fun v -> not (v > a && v < b))
        | Support.Binary -> first (fun v -> v <> 0.0 && v <> 1.0)
        | Support.Count
        | Support.BoundedCount
        | Support.CountVector -> first whole
        | Support.Category -> first (fun v -> whole v || v > float (k - 1))
        | Support.Ordinal -> first (fun v -> whole v || v < 1.0 || v > float k)
        | Support.Ordered ->
            match first (fun v -> not (Double.IsFinite v) || (strict && abs v > 1.0 / DegenerateBelow)) with
            | Some v -> Some v
            | None ->
                Seq.tryFind (fun i -> x.[i] <= x.[i - 1]) (seq { 1 .. x.Length - 1 })
                |> Option.map (fun i -> x.[i])
        | Support.Simplex ->
            match first (fun v -> not (v >= lowest && v <= 1.0)) with
            | Some v -> Some v
            | None when abs (Array.sum x - 1.0) > 1e-8 * float k -> Some(Array.sum x)
            | None -> None
        | Support.Covariance ->
            match first (Double.IsFinite >> not) with
            | Some v -> Some v
            | None ->
                let m = Array2D.init k k (fun i j -> x.[i * k + j])

                let symmetric =
                    Seq.forall (fun (i, j) -> m.[i, j] = m.[j, i]) (Seq.allPairs [ 0 .. k - 1 ] [ 0 .. k - 1 ])

                if symmetric && (Numerics.tryCholesky m).IsSome then
                    None
                else
                    Some x.[0]
        | Support.CorrelationCholesky ->
            match first (Double.IsFinite >> not) with
            | Some v -> Some v
            | None ->
                let row i = Array.sub x (i * k) k

                let bad i =
                    let r = row i
                    let norm = Array.sumBy (fun v -> v * v) r
                    abs (norm - 1.0) > 1e-8 || r.[i] <= 0.0 || Array.exists ((<>) 0.0) r.[i + 1 ..]

                [ 0 .. k - 1 ] |> List.tryFind bad |> Option.map (fun i -> x.[i * k + i])

    let private elementName (b: Bound) (info: NodeInfo) (copy: int) =
        let n = Bound.shapeSize info.Event

        if n = 1 then
            b.Layout.Names.[b.Layout.Offsets.[info.Node.Name] + copy]
        elif info.Copies = 1 then
            info.Node.Name
        else
            $"{info.Node.Name}[{copy + 1}]"

    let private support (info: NodeInfo) =
        match info.ParameterSupport with
        | Some s -> s
        | None -> invalidArg "info" $"'{info.Node.Name}' is not a parameter node."

    /// The given values by node, flattened as the state holds them; refuses a value outside its node's support.
    let private givenValues (b: Bound) (values: (string * Value) list) : Map<string, float[]> =
        values
        |> List.fold
            (fun acc (name, v) ->
                let info = Bound.node b name
                let n = Bound.shapeSize info.Event
                let state = Layout.set b (Array.zeroCreate b.Layout.Size) name v
                let flat = Array.sub state b.Layout.Offsets.[name] (info.Copies * n)
                let s = support info

                for c in 0 .. info.Copies - 1 do
                    match offending false s info.Dim (Array.sub flat (c * n) n) with
                    | Some bad ->
                        raise (
                            ModelException(ModelError.InvalidInitialValue(elementName b info c, bad, expectation s))
                        )
                    | None -> ()

                Map.add name flat acc)
            Map.empty

    let private argumentError (b: Bound) (info: NodeInfo) (copy: int) (d: Dist) validate (args: Value list) =
        match validate args with
        | Ok() -> ()
        | Error(label, problem) ->
            raise (
                ModelException(
                    ModelError.InvalidArgument(
                        elementName b info copy,
                        label,
                        $"{problem} at the starting values of the nodes it reads; give those nodes initial values that make its {Dist.name d} prior valid"
                    )
                )
            )

    /// Stops the start with a NumericalFailure naming the copy.
    let private failedStart (b: Bound) (info: NodeInfo) (copy: int) (detail: string) : 'a =
        raise (ModelException(ModelError.NumericalFailure(elementName b info copy, "initialisation", detail)))

    /// The copies of a node without a given value: a copy's constrained values from its arguments. The family is
    /// looked up once per node, not per copy.
    let private startCopy (scheme: StartScheme) (b: Bound) (info: NodeInfo) (d: Dist) =
        let s = Dist.support d
        let k = info.Dim
        let discrete = Dist.isDiscrete d
        // the typical value of a copy on the unconstrained scale and each coordinate's spread (None: discrete)
        let anchorOf = (Dist.family d).Anchor k

        fun (rng: Random) (copy: int) args ->
            let fromU (u: float[]) =
                fst (Transform.fromUnconstrained s k (Array.map (safe s) u))

            let uniform () =
                fromU (
                    Array.init (Transform.unconstrainedSize s k) (fun _ -> -Radius + 2.0 * Radius * rng.NextDouble())
                )

            let rec draw tries =
                let x = flatten (Density.draw rng d args)

                match offending true s k x with
                | None -> x
                | Some _ when tries < 100 -> draw (tries + 1)
                | Some bad ->
                    failedStart
                        b
                        info
                        copy
                        $"100 draws from its {Dist.name d} prior were all degenerate (the last was {bad}; draws below {DegenerateBelow} or above {1.0 / DegenerateBelow} in magnitude, or within {DegenerateBelow} of 0 or at 1 for a probability, are redrawn); use the default Initial.Typical or give '{info.Node.Name}' an initial value"

            match scheme, d with
            | _, _ when discrete -> draw 1
            | StartScheme.Uniform, _
            | _, Dist.Flat _ -> uniform ()
            | StartScheme.PriorDraw, _ -> draw 1
            | StartScheme.Typical, _ ->
                match anchorOf args with
                | None -> draw 1
                | Some(centre, spread) ->
                    match Array.tryFind (Double.IsFinite >> not) centre with
                    | Some bad ->
                        failedStart
                            b
                            info
                            copy
                            $"the typical value of its {Dist.name d} prior is {bad} on the unconstrained scale at the starting values of the nodes it reads; give '{info.Node.Name}' an initial value"
                    | None ->
                        fromU (
                            Array.init centre.Length (fun i ->
                                centre.[i] + Radius * (2.0 * rng.NextDouble() - 1.0) * spread.[i])
                        )

    /// One full state: given nodes take their values, the others are started in declaration order from their
    /// parents' values.
    let private generate (scheme: StartScheme) (rng: Random) (b: Bound) (given: Map<string, float[]>) : float[] =
        let state = Array.zeroCreate b.Layout.Size

        // The state is filled in place in declaration order (later priors read earlier values); it escapes complete.
        for info in Bound.parameters b do
            let name = info.Node.Name
            let off = b.Layout.Offsets.[name]
            let n = Bound.shapeSize info.Event

            match given.TryFind name, info.Node.Kind with
            | Some xs, _ -> Array.blit xs 0 state off xs.Length
            | None, NodeKind.Parameter d ->
                let args = Forward.argFns b info d
                let validate = Density.argsValidator d
                let start = startCopy scheme b info d

                for c in 0 .. info.Copies - 1 do
                    let a = args state c
                    argumentError b info c d validate a
                    Array.blit (start rng c a) 0 state (off + c * n) n
            | None, _ -> ()

        state

    /// The parameter nodes a node reads, through derived nodes.
    let rec private parentsOf (b: Bound) (refs: string list) : string list =
        refs
        |> List.collect (fun r ->
            match b.NodeMap.TryFind r with
            | Some { Node = { Kind = NodeKind.Derived e } } -> parentsOf b (Expr.paramRefs e)
            | Some _ -> [ r ]
            | None -> [])
        |> List.distinct

    let private describeParents (b: Bound) (state: float[]) (parents: string list) =
        parents
        |> List.map (fun p ->
            match Layout.get b state p with
            | Value.Scalar v -> $"{p} = {v:G6}"
            | _ -> p)
        |> String.concat ", "

    /// The first term (in declaration order) whose log-density is not finite, as a typed error naming its node.
    let private nonFinite (b: Bound) (state: float[]) (attempts: int) : ModelError =
        let failing =
            b.Nodes
            |> List.tryPick (fun info ->
                let term = LogDensity.nodeTerm b info

                match info.Node.Kind with
                | NodeKind.Derived _ -> None
                | _ ->
                    [ 0 .. info.Copies - 1 ]
                    |> List.tryPick (fun c ->
                        let v = term state c
                        if Double.IsFinite v then None else Some(info, c, v)))

        let tries =
            if attempts = 1 then
                "at its starting point"
            else
                $"at every one of {attempts} starting points"

        match failing with
        | Some(info, c, v) ->
            let refs =
                match info.Node.Kind with
                | NodeKind.Parameter d
                | NodeKind.Observed d -> parentsOf b (Dist.paramRefs d)
                | NodeKind.Factor e -> parentsOf b (Expr.paramRefs e)
                | NodeKind.Derived _ -> []

            let reads =
                if refs.IsEmpty then
                    ""
                else
                    $" where it reads {describeParents b state refs}"

            let parentList = String.concat ", " refs

            match info.Node.Kind with
            | NodeKind.Observed d ->
                ModelError.NumericalFailure(
                    info.Node.Name,
                    "initialisation",
                    $"the {Dist.name d} log-likelihood of row {c + 1} is {v} {tries}{reads}; give initial values (Initial.Given) to {parentList} that give every row a positive probability"
                )
            | NodeKind.Parameter d ->
                ModelError.NumericalFailure(
                    elementName b info c,
                    "initialisation",
                    $"its {Dist.name d} prior's log-density is {v} {tries}{reads}; give '{info.Node.Name}' or the nodes it reads initial values (Initial.Given)"
                )
            | _ ->
                ModelError.NumericalFailure(
                    info.Node.Name,
                    "initialisation",
                    $"the factor's log-density is {v} {tries}{reads}; give the nodes it reads initial values (Initial.Given)"
                )
        | None ->
            ModelError.NumericalFailure(
                "(joint)",
                "initialisation",
                $"the joint log-density is not finite {tries} although every term is; give initial values (Initial.Given)"
            )

    /// Starting values for one chain: nodes given in `values` take them (refused with `InvalidInitialValue` when
    /// outside their support), the others are started by `scheme` in declaration order from their parents' values.
    /// Up to 100 states are tried until `joint` is finite; then a `NumericalFailure` names the node and row whose
    /// log-density is not finite. A `PriorDraw` on (0, ∞) below 1e-150 or above 1e150, on (0, 1) below 1e-150,
    /// or on ℝ beyond ±1e150 is redrawn (up to 100 times per copy).
    let start
        (scheme: StartScheme)
        (rng: Random)
        (b: Bound)
        (joint: float[] -> float)
        (values: (string * Value) list)
        : float[] =
        let given = givenValues b values

        // a start fully determined by given values is the same on every try
        let tries =
            if Bound.parameters b |> List.forall (fun i -> given.ContainsKey i.Node.Name) then
                1
            else
                100

        let rec attempt k =
            let s = generate scheme rng b given

            if Double.IsFinite(joint s) then s
            elif k >= tries then raise (ModelException(nonFinite b s k))
            else attempt (k + 1)

        attempt 1
