namespace HierFunctional

/// How many copies of a node there are.
[<RequireQualifiedAccess>]
type Plate =
    /// A single value.
    | Scalar
    /// One value per level of a group column (`over "school"`).
    | Over of group: string
    /// A fixed-length vector, e.g. regression coefficients.
    | Sized of length: int
    /// One value per data row (observations, and derived row-level quantities).
    | Rows

/// What a node is: an unknown with a prior, data with a likelihood, a named function of other nodes, or a
/// free log-density term.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type NodeKind =
    /// An unknown parameter drawn from a distribution.
    | Parameter of dist: Dist
    /// Data: the column of the same name is modelled by the distribution, row by row.
    | Observed of dist: Dist
    /// A deterministic quantity, named so that it is monitored like a parameter.
    | Derived of value: Expr
    /// A term added to the joint log-density (a custom prior such as BDA3's (α+β)^(−5/2) on the log scale).
    | Factor of logDensity: Expr

/// One named node of the model graph.
[<StructuralEquality; NoComparison>]
type Node =
    {
        /// The node's unique name; observed nodes share it with their data column.
        Name: string
        /// Parameter, observed, derived or factor.
        Kind: NodeKind
        /// How many copies of the node there are.
        Plate: Plate
    }

/// A hierarchical model: its nodes in declaration (topological) order. An immutable value with structural
/// equality, independent of any data set, so one model serves many data sets and many fits.
[<StructuralEquality; NoComparison>]
type Model =
    {
        /// The nodes in the order they were declared; a node may refer only to nodes before it.
        Nodes: Node list
    }

/// What a user got wrong (or what the library cannot do), named precisely enough to fix.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type ModelError =
    /// Two nodes have the same name (positions are 1-based declaration order).
    | DuplicateNode of name: string * firstPosition: int * secondPosition: int
    /// A node refers to a parameter or derived node that is not declared before it.
    | UndefinedReference of node: string * reference: string
    /// A node or group needs a data column that the data set does not have.
    | MissingColumn of node: string * column: string
    /// A column's length differs from the data set's row count.
    | LengthMismatch of column: string * expected: int * actual: int
    /// A data value is NaN or infinite (row is 1-based).
    | NonFiniteValue of column: string * row: int * value: float
    /// A data value lies outside the support of the node that models it (row is 1-based).
    | OutsideSupport of node: string * column: string * row: int * value: float * expected: string
    /// A label in a group column is not among the group's declared levels (row is 1-based).
    | UnknownLabel of column: string * row: int * label: string
    /// A column has the wrong kind of values for its use (labels where numbers are needed, and so on).
    | WrongColumnType of column: string * expected: string * actual: string
    /// A nested group level belongs to more than one level of its enclosing group.
    | NotNested of inner: string * outer: string * level: string
    /// A data column used inside a group plate is not constant within a level.
    | NotConstantWithinGroup of column: string * group: string * level: string
    /// An expression or distribution has the wrong shape (scalar vs vector vs matrix) or size.
    | ShapeMismatch of node: string * problem: string
    /// A distribution argument is invalid in a way the model itself shows (e.g. non-constant Uniform bounds).
    | InvalidArgument of node: string * argument: string * problem: string
    /// The model uses something this version cannot do.
    | Unsupported of node: string * feature: string
    /// The posterior is known to be improper for this prior and data.
    | ImproperPosterior of node: string * reason: string
    /// A sampler update produced NaN or an infinite value.
    | NumericalFailure of node: string * update: string * detail: string
    /// A given starting value lies outside its node's support or on its edge (0 for a positive parameter, a
    /// probability of exactly 0 or 1, NaN or ±∞); `expected` says what to give instead.
    | InvalidInitialValue of node: string * value: float * expected: string
    /// A conjugacy rule threw while building a node's update: a bug in the rule, never a reason to fall back.
    | RuleFailed of node: string * rule: string * failure: string

/// The error kinds as a plain enumeration, for callers (C# among them) that switch on the kind.
type ErrorKind =
    | DuplicateNode = 0
    | UndefinedReference = 1
    | MissingColumn = 2
    | LengthMismatch = 3
    | NonFiniteValue = 4
    | OutsideSupport = 5
    | UnknownLabel = 6
    | WrongColumnType = 7
    | NotNested = 8
    | NotConstantWithinGroup = 9
    | ShapeMismatch = 10
    | InvalidArgument = 11
    | Unsupported = 12
    | ImproperPosterior = 13
    | NumericalFailure = 14
    | InvalidInitialValue = 15
    | RuleFailed = 16

/// Describing errors for people.
[<RequireQualifiedAccess>]
module ModelError =

    /// The enumeration value of an error's kind.
    let kind (e: ModelError) : ErrorKind =
        match e with
        | ModelError.DuplicateNode _ -> ErrorKind.DuplicateNode
        | ModelError.UndefinedReference _ -> ErrorKind.UndefinedReference
        | ModelError.MissingColumn _ -> ErrorKind.MissingColumn
        | ModelError.LengthMismatch _ -> ErrorKind.LengthMismatch
        | ModelError.NonFiniteValue _ -> ErrorKind.NonFiniteValue
        | ModelError.OutsideSupport _ -> ErrorKind.OutsideSupport
        | ModelError.UnknownLabel _ -> ErrorKind.UnknownLabel
        | ModelError.WrongColumnType _ -> ErrorKind.WrongColumnType
        | ModelError.NotNested _ -> ErrorKind.NotNested
        | ModelError.NotConstantWithinGroup _ -> ErrorKind.NotConstantWithinGroup
        | ModelError.ShapeMismatch _ -> ErrorKind.ShapeMismatch
        | ModelError.InvalidArgument _ -> ErrorKind.InvalidArgument
        | ModelError.Unsupported _ -> ErrorKind.Unsupported
        | ModelError.ImproperPosterior _ -> ErrorKind.ImproperPosterior
        | ModelError.NumericalFailure _ -> ErrorKind.NumericalFailure
        | ModelError.InvalidInitialValue _ -> ErrorKind.InvalidInitialValue
        | ModelError.RuleFailed _ -> ErrorKind.RuleFailed

    /// One sentence saying what is wrong, where, and what to do about it.
    let describe (e: ModelError) : string =
        match e with
        | ModelError.DuplicateNode(name, a, b) ->
            $"node '{name}' is declared twice (positions {a} and {b}); node names must be unique: rename one of them."
        | ModelError.UndefinedReference(node, r) ->
            $"node '{node}' refers to '{r}', which is not declared before it; declare '{r}' with sample/derived first, or use data \"{r}\" if it is a data column."
        | ModelError.MissingColumn(node, c) ->
            $"node '{node}' needs data column '{c}', which the data set does not have; add the column or fix the name."
        | ModelError.LengthMismatch(c, expected, actual) ->
            $"column '{c}' has {actual} values but the data set has {expected} rows; every column must have one value per row."
        | ModelError.NonFiniteValue(c, row, v) ->
            $"column '{c}' row {row} is {v}; data must be finite numbers: remove or impute the row."
        | ModelError.OutsideSupport(node, c, row, v, expected) ->
            $"column '{c}' row {row} is {v}, but node '{node}' needs {expected}; fix the value or choose a distribution whose support includes it."
        | ModelError.UnknownLabel(c, row, label) ->
            $"column '{c}' row {row} has label '{label}', which is not one of the group's declared levels; add it to the levels or fix the label."
        | ModelError.WrongColumnType(c, expected, actual) ->
            $"column '{c}' holds {actual} but is used as {expected}; supply it as {expected}."
        | ModelError.NotNested(inner, outer, level) ->
            $"level '{level}' of group '{inner}' appears in more than one level of '{outer}', so '{inner}' is not nested in '{outer}'; give nested levels unique labels (e.g. '{outer}:{inner}')."
        | ModelError.NotConstantWithinGroup(c, g, level) ->
            $"column '{c}' takes more than one value within level '{level}' of group '{g}', so it cannot be used as a group-level value; use a column that is constant within each level."
        | ModelError.ShapeMismatch(node, problem) -> $"node '{node}': {problem}."
        | ModelError.InvalidArgument(node, arg, problem) -> $"node '{node}', argument '{arg}': {problem}."
        | ModelError.Unsupported(node, feature) -> $"node '{node}': {feature} is not supported."
        | ModelError.ImproperPosterior(node, reason) -> $"node '{node}': the posterior is improper: {reason}."
        | ModelError.NumericalFailure(node, update, detail) ->
            $"node '{node}' became non-finite in its {update} update ({detail}); check the data scale and the priors, or start from other initial values."
        | ModelError.InvalidInitialValue(node, v, expected) ->
            $"initial value {v} for '{node}' cannot be used: '{node}' needs {expected}; give such a value, or leave the node out of the initial values so that it starts at a typical value of its prior."
        | ModelError.RuleFailed(node, rule, ex) ->
            $"the conjugacy rule '{rule}' failed while building the update of node '{node}' ({ex}); this is a bug in the rule, not in your model: please report it with the model, and meanwhile compile without the rule, e.g. CompileSettings.Default.WithRules(Rules.builtIn |> List.filter (fun r -> r.Name <> \"{rule}\"))."

/// The exception that carries a ModelError, for callers that prefer exceptions to Result (C# among them).
type ModelException(error: ModelError) =
    inherit System.Exception(ModelError.describe error)
    /// The error in full.
    member _.Error = error
    /// The error's kind.
    member _.Kind = ModelError.kind error

/// Functions over models.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Model =

    /// A model from nodes in declaration order.
    let ofNodes (nodes: Node list) : Model = { Nodes = nodes }

    /// The node with the given name, if any.
    let tryFind (name: string) (m: Model) =
        m.Nodes |> List.tryFind (fun n -> n.Name = name)

    /// The parameter nodes, in order.
    let parameters (m: Model) =
        m.Nodes
        |> List.filter (fun n ->
            match n.Kind with
            | NodeKind.Parameter _ -> true
            | _ -> false)

    /// The observed nodes, in order.
    let observed (m: Model) =
        m.Nodes
        |> List.filter (fun n ->
            match n.Kind with
            | NodeKind.Observed _ -> true
            | _ -> false)

    /// The expressions a node reads: its distribution's arguments, its value or its log-density term.
    let nodeExprs (n: Node) : Expr list =
        match n.Kind with
        | NodeKind.Parameter d
        | NodeKind.Observed d -> Dist.arguments d |> List.map snd
        | NodeKind.Derived e
        | NodeKind.Factor e -> [ e ]

    /// The parameter and derived nodes a node refers to directly.
    let parents (n: Node) =
        nodeExprs n |> List.collect Expr.paramRefs |> List.distinct

    /// The nodes that refer to the named node directly.
    let children (name: string) (m: Model) =
        m.Nodes |> List.filter (fun n -> parents n |> List.contains name)

    /// Structural checks that need no data: unique names, references only to earlier nodes, constant Uniform
    /// bounds, sensible plates. Returns every problem found, not just the first.
    let check (m: Model) : Result<Model, ModelError list> =
        let indexed = m.Nodes |> List.mapi (fun i n -> i + 1, n)

        let duplicates =
            indexed
            |> List.groupBy (fun (_, n) -> n.Name)
            |> List.choose (fun (name, occurrences) ->
                match occurrences with
                | (a, _) :: (b, _) :: _ -> Some(ModelError.DuplicateNode(name, a, b))
                | _ -> None)

        let undefined =
            indexed
            |> List.collect (fun (i, n) ->
                let earlier =
                    indexed
                    |> List.filter (fun (j, other) ->
                        j < i
                        && (match other.Kind with
                            | NodeKind.Parameter _
                            | NodeKind.Derived _ -> true
                            | _ -> false))
                    |> List.map (fun (_, other) -> other.Name)
                    |> Set.ofList

                parents n
                |> List.filter (fun r -> not (earlier.Contains r))
                |> List.map (fun r -> ModelError.UndefinedReference(n.Name, r)))

        let argumentProblems =
            m.Nodes
            |> List.collect (fun n ->
                match n.Kind with
                | NodeKind.Parameter(Dist.Uniform(a, b))
                | NodeKind.Observed(Dist.Uniform(a, b)) ->
                    match Expr.tryConstant a, Expr.tryConstant b with
                    | Some lo, Some hi when lo < hi -> []
                    | Some lo, Some hi ->
                        [
                            ModelError.InvalidArgument(
                                n.Name,
                                "lower",
                                $"Uniform bounds must satisfy lower < upper, got ({lo}, {hi})"
                            )
                        ]
                    | _ ->
                        [
                            ModelError.InvalidArgument(
                                n.Name,
                                "lower/upper",
                                "Uniform bounds must be constants; use a Beta on a rescaled parameter for data-dependent bounds"
                            )
                        ]
                | NodeKind.Parameter _ when n.Plate = Plate.Rows ->
                    [
                        ModelError.ShapeMismatch(
                            n.Name,
                            "a parameter cannot be one-per-row; put it over a group with `over`, or make it derived"
                        )
                    ]
                | NodeKind.Observed _ when n.Plate <> Plate.Rows ->
                    [
                        ModelError.ShapeMismatch(n.Name, "observed nodes are one per data row; remove `over`/`sized`")
                    ]
                | _ ->
                    match n.Plate with
                    | Plate.Sized k when k < 1 ->
                        [
                            ModelError.ShapeMismatch(n.Name, $"a sized vector needs length ≥ 1, got {k}")
                        ]
                    | _ -> [])

        let truncationProblems =
            m.Nodes
            |> List.collect (fun n ->
                match n.Kind with
                | NodeKind.Parameter(Dist.Truncated(inner, lo, hi))
                | NodeKind.Observed(Dist.Truncated(inner, lo, hi)) ->
                    let constant = Option.map Expr.tryConstant

                    if not (Dist.isTruncatable inner) then
                        [
                            ModelError.InvalidArgument(
                                n.Name,
                                "dist",
                                $"{Dist.name inner} cannot be truncated; only univariate continuous families can (Normal, StudentT, Cauchy, the half families, Uniform, Exponential, Gamma, InverseGamma, LogNormal, Beta)"
                            )
                        ]
                    else
                        match n.Kind, constant lo, constant hi with
                        | NodeKind.Parameter _, Some None, _
                        | NodeKind.Parameter _, _, Some None ->
                            [
                                ModelError.InvalidArgument(
                                    n.Name,
                                    "lower/upper",
                                    "the bounds of a truncated parameter prior must be constants (observed data may have varying bounds)"
                                )
                            ]
                        | _, Some(Some l), Some(Some u) when not (l < u) ->
                            [
                                ModelError.InvalidArgument(
                                    n.Name,
                                    "upper",
                                    $"truncation bounds must satisfy lower < upper, got ({l}, {u})"
                                )
                            ]
                        | _ -> []
                | _ -> [])

        match duplicates @ undefined @ argumentProblems @ truncationProblems with
        | [] -> Ok m
        | errors -> Error errors
