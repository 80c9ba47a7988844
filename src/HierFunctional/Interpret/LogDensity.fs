namespace HierFunctional

open System

/// A model's log-density compiled against a data set: closures over the constrained state (one flat float[] laid
/// out as in `Bound.Layout`) or over the unconstrained vector a slice sampler moves in.
type CompiledDensity =
    {
        /// The bound model the closures were compiled for.
        Bound: Bound
        /// log p(state, data): every parameter prior, observed likelihood and factor term.
        Joint: float[] -> float
        /// Only the terms that involve the named parameter node: its prior and its children's terms.
        Blanket: string -> (float[] -> float)
        /// Only the terms that involve one copy (0-based) of a parameter node: its own prior term and the terms
        /// that read it (via `Trace.dependents`).
        BlanketElement: string -> int -> (float[] -> float)
        /// log p on the unconstrained scale: Joint(fromUnconstrained u) + Σ log|det J|.
        JointUnconstrained: float[] -> float
        /// The unconstrained vector of a constrained state.
        ToUnconstrained: float[] -> float[]
        /// The constrained state of an unconstrained vector (discrete parameters, which have no unconstrained
        /// coordinates, are left at 0).
        FromUnconstrained: float[] -> float[]
        /// The log-likelihood of each data row, summed over the observed nodes (for WAIC and PSIS-LOO).
        PointwiseLogLik: float[] -> float[]
        /// The log-likelihood of one data row (0-based) of a state: `PointwiseLogLik` one row at a time, so
        /// criteria can be computed in row blocks without an observations × draws matrix.
        PointwiseLogLikRow: float[] -> int -> float
        /// −2 Σ log-likelihood over all observations (the deviance of DIC).
        Deviance: float[] -> float
        /// One term's log-density (a node's copy: prior, likelihood row or factor).
        Term: Term -> (float[] -> float)
        /// For each parameter node and copy, the terms that read it (see `Trace.dependents`).
        Dependents: Map<string, Term[][]>
    }

/// Compiling a bound model into log-density closures.
[<RequireQualifiedAccess>]
module LogDensity =

    /// A fast scalar log-density for one-dimensional families: argument closures are called directly, so a term
    /// allocates nothing.
    let private scalarLogPdf (d: Dist) (f: Eval.Compiled<float>[]) : (float[] -> int -> float -> float) option =
        let one g = Some(fun s i x -> g (f.[0] s i) x)

        let two g =
            Some(fun s i x -> g (f.[0] s i) (f.[1] s i) x)

        let three g =
            Some(fun s i x -> g (f.[0] s i) (f.[1] s i) (f.[2] s i) x)

        match (Dist.family d).Scalar with
        | Some(ScalarLogPdf.Zero g) -> Some(fun _ _ x -> g x)
        | Some(ScalarLogPdf.One g) -> one g
        | Some(ScalarLogPdf.Two g) -> two g
        | Some(ScalarLogPdf.Three g) -> three g
        | None -> None

    /// Compiles one node's density term as `state -> copy -> log-density`.
    let private distTerm
        (b: Bound)
        (info: NodeInfo)
        (d: Dist)
        (x: float[] -> int -> Value)
        (xScalar: float[] -> int -> float)
        =
        let argIndex = if info.Scope = Scope.Global then (fun _ -> 0) else id
        let args = Dist.arguments d |> List.map snd

        let scalarArg (e: Expr) =
            Shapes.infer (Eval.env b) info.Scope e = Ok Shape.Scalar

        // Logit-linked Bernoulli/Binomial are evaluated on the logit scale (see LogPdf.bernoulliLogit).
        let logit =
            match info.Event, d with
            | Shape.Scalar, Dist.Bernoulli(Apply(Fn.InvLogit, eta)) when scalarArg eta ->
                let g = Eval.compileScalar b info.Scope eta
                Some(fun s i x -> LogPdf.bernoulliLogit (g s i) x)
            | Shape.Scalar, Dist.Binomial(n, Apply(Fn.InvLogit, eta)) when scalarArg n && scalarArg eta ->
                let gn, g = Eval.compileScalar b info.Scope n, Eval.compileScalar b info.Scope eta
                Some(fun s i x -> LogPdf.binomialLogit (gn s i) (g s i) x)
            | _ -> None

        // Constant arguments (a hyperparameter's prior): the family's log-density with them fixed, so its logs and
        // log-gammas are computed once rather than at every evaluation.
        let fixedArgs =
            match info.Event, (Dist.family d).Fixed with
            | Shape.Scalar, Some make when
                Dist.arguments d
                |> List.forall (fun (_, e) -> (Expr.tryConstant e).IsSome && scalarArg e)
                ->
                let zero = Array.zeroCreate b.Layout.Size
                let f = make [| for e in args -> Eval.compileScalar b info.Scope e zero 0 |]
                Some(fun (_: float[]) (_: int) x -> f x)
            | _ -> None

        let fast =
            match info.Event with
            | _ when logit.IsSome -> logit
            | _ when fixedArgs.IsSome -> fixedArgs
            | Shape.Scalar when
                Dist.arguments d
                |> List.forall (fun (_, e) -> Shapes.infer (Eval.env b) info.Scope e = Ok Shape.Scalar)
                ->
                scalarLogPdf d (args |> List.map (Eval.compileScalar b info.Scope) |> Array.ofList)
            | _ -> None

        match fast with
        | Some f -> fun (s: float[]) (c: int) -> f s (argIndex c) (xScalar s c)
        | None ->
            let fs = args |> List.map (Eval.compileValue b info.Scope)
            let logPdf = (Dist.family d).LogPdf

            fun s c ->
                let i = argIndex c
                logPdf (fs |> List.map (fun g -> g s i)) (x s c)

    /// Compiles the density term of a parameter, observed or factor node as `state -> copy -> log-density`.
    let nodeTerm (b: Bound) (info: NodeInfo) : float[] -> int -> float =
        match info.Node.Kind with
        | NodeKind.Parameter d ->
            let off = b.Layout.Offsets.[info.Node.Name]
            distTerm b info d (fun s c -> Eval.readCopy b info s c) (fun s c -> s.[off + c])
        | NodeKind.Observed d ->
            match b.Numeric.TryFind info.Node.Name, b.Matrices.TryFind info.Node.Name with
            | Some ys, _ -> distTerm b info d (fun _ r -> Value.Scalar ys.[r]) (fun _ r -> ys.[r])
            | None, Some m ->
                let rows =
                    Array.init (Array2D.length1 m) (fun r ->
                        Value.Vector(Array.init (Array2D.length2 m) (fun j -> m.[r, j])))

                distTerm b info d (fun _ r -> rows.[r]) (fun _ _ -> nan)
            | None, None -> invalidArg "info" $"node '{info.Node.Name}' has no data column"
        | NodeKind.Factor e ->
            let f = Eval.compileScalar b info.Scope e
            if info.Scope = Scope.Global then fun s _ -> f s 0 else f
        | NodeKind.Derived _ -> fun _ _ -> 0.0

    /// Sums a fixed list of terms; the loop is the hot path of every blanket evaluation.
    let private sumTerms (parts: ((float[] -> int -> float) * int)[]) : float[] -> float =
        fun s ->
            // Local accumulation in a hot loop.
            let mutable acc = 0.0

            for (f, c) in parts do
                acc <- acc + f s c

            acc

    /// The unconstrained ↔ constrained maps for every parameter copy.
    let private transforms (b: Bound) =
        let blocks =
            Bound.parameters b
            |> List.filter (fun info ->
                match info.Node.Kind with
                | NodeKind.Parameter d -> not (Dist.isDiscrete d)
                | _ -> false)
            |> List.map (fun info ->
                let support = info.ParameterSupport |> Option.defaultValue Support.Real

                let n = Bound.shapeSize info.Event
                let u = Transform.unconstrainedSize support info.Dim

                info.Copies,
                b.Layout.Offsets.[info.Node.Name],
                n,
                b.Layout.UnconstrainedOffsets.[info.Node.Name],
                u,
                support,
                info.Dim)
            |> Array.ofList

        let toU (x: float[]) =
            let out = Array.zeroCreate b.Layout.UnconstrainedSize
            // Filling a fresh array block by block; it escapes only when complete.
            for (copies, off, n, uoff, u, support, k) in blocks do
                if n = 1 && u = 1 then
                    for c in 0 .. copies - 1 do
                        out.[uoff + c] <- Transform.toUnconstrainedScalar support x.[off + c]
                else
                    for c in 0 .. copies - 1 do
                        let v = Transform.toUnconstrained support k (Array.sub x (off + c * n) n)
                        Array.blit v 0 out (uoff + c * u) u

            out

        let fromU (uv: float[]) =
            let out = Array.zeroCreate b.Layout.Size
            let mutable logJ = 0.0 // local accumulator, as in toU

            for (copies, off, n, uoff, u, support, k) in blocks do
                if n = 1 && u = 1 then
                    for c in 0 .. copies - 1 do
                        out.[off + c] <- Transform.fromUnconstrainedScalar support uv.[uoff + c]
                        logJ <- logJ + Transform.logJacobianScalar support uv.[uoff + c]
                else
                    for c in 0 .. copies - 1 do
                        let v, lj = Transform.fromUnconstrained support k (Array.sub uv (uoff + c * u) u)
                        Array.blit v 0 out (off + c * n) n
                        logJ <- logJ + lj

            out, logJ

        toU, fromU

    /// `compile`, plus an action that drops the density's own reference to its per-row dependents table, so a
    /// caller that keeps only a copy without `Dependents` (the Gibbs plan) does not keep O(rows) of terms alive.
    let internal compileReleasable (b: Bound) : CompiledDensity * (unit -> unit) =
        let termFns =
            b.Nodes |> List.map (fun info -> info.Node.Name, nodeTerm b info) |> Map.ofList

        // Every copy of every non-derived node, in `Trace.terms` order (node by node, copy by copy), held as one
        // (term, copies) pair per node rather than one pair per row, so the joint costs O(nodes) memory.
        let nodeRuns =
            b.Nodes
            |> List.choose (fun info ->
                match info.Node.Kind with
                | NodeKind.Derived _ -> None
                | _ -> Some(termFns.[info.Node.Name], info.Copies))
            |> Array.ofList

        let joint (s: float[]) =
            // Local accumulation in the hot loop, in the same order as summing `Trace.terms` one by one.
            let mutable acc = 0.0

            for (f, copies) in nodeRuns do
                for c in 0 .. copies - 1 do
                    acc <- acc + f s c

            acc

        // The per-row dependents table is O(rows); it is computed on demand and can be released (see
        // `compileReleasable`), after which a later blanket request rebuilds it. A benign race at worst builds it twice.
        let cache: Map<string, Term[][]> option ref = ref None

        let dependentsNow () =
            match cache.Value with
            | Some d -> d
            | None ->
                let d = Trace.dependents b
                cache.Value <- Some d
                d

        let blanketElement (name: string) (copy: int) =
            let dependents = dependentsNow ()

            match dependents.TryFind name with
            | Some perCopy when copy >= 0 && copy < perCopy.Length ->
                { Node = name; Copy = copy } :: List.ofArray perCopy.[copy]
                |> List.distinct
                |> List.map (fun t -> termFns.[t.Node], t.Copy)
                |> Array.ofList
                |> sumTerms
            | Some perCopy -> invalidArg "copy" $"'{name}' has {perCopy.Length} copies; copy {copy} does not exist."
            | None -> invalidArg "name" $"'{name}' is not a parameter node."

        let blanket (name: string) =
            match (dependentsNow ()).TryFind name with
            | Some perCopy ->
                [
                    for c in 0 .. perCopy.Length - 1 do
                        yield { Node = name; Copy = c }
                        yield! perCopy.[c]
                ]
                |> List.distinct
                |> List.map (fun t -> termFns.[t.Node], t.Copy)
                |> Array.ofList
                |> sumTerms
            | None -> invalidArg "name" $"'{name}' is not a parameter node."

        let observed =
            Bound.observed b |> List.map (fun i -> termFns.[i.Node.Name]) |> Array.ofList

        let pointwiseRow (s: float[]) (r: int) =
            observed |> Array.sumBy (fun f -> f s r)

        let pointwise (s: float[]) = Array.init b.Rows (pointwiseRow s)

        let toU, fromU = transforms b

        {
            Bound = b
            Joint = joint
            Blanket = blanket
            BlanketElement = blanketElement
            JointUnconstrained = fun u -> let x, lj = fromU u in joint x + lj
            ToUnconstrained = toU
            FromUnconstrained = fromU >> fst
            PointwiseLogLik = pointwise
            PointwiseLogLikRow = pointwiseRow
            Deviance = fun s -> -2.0 * Array.sum (pointwise s)
            Term = fun t -> let f = termFns.[t.Node] in fun s -> f s t.Copy
            Dependents = dependentsNow ()
        },
        fun () -> cache.Value <- None

    /// Compiles the joint, blanket, unconstrained, pointwise and deviance closures of a bound model.
    let compile (b: Bound) : CompiledDensity = fst (compileReleasable b)
