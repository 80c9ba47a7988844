namespace HierFunctional

open System
open HierFunctional.Inference
open System.Runtime.CompilerServices

/// Checks and helpers every update executor shares.
[<RequireQualifiedAccess>]
module internal UpdateKit =

    /// Stepping-out limit of every slice step (Neal 2003's m).
    let maxSteps = 50

    /// A state of zeros, for evaluating data-only expressions once at compile time (they read no parameter).
    let zeroState (b: Bound) = Array.zeroCreate<float> b.Layout.Size

    /// Stops the run with a NumericalFailure naming the node and the update.
    let fail (node: string) (update: string) (detail: string) =
        raise (ModelException(ModelError.NumericalFailure(node, update, detail)))

    let private notFinite (node: string) (update: string) (x: float) : unit = fail node update $"the draw was {x}"

    /// Stops the run when a closed-form draw is not finite.
    [<MethodImpl(MethodImplOptions.AggressiveInlining)>]
    let checkFinite (node: string) (update: string) (x: float) =
        if not (Double.IsFinite x) then
            notFinite node update x

    /// One slice step from x0; a non-finite log-density at the current value means the state is already broken,
    /// so it stops with an error naming the node and the update instead of sampling from it.
    let sliceStep (node: string) (update: string) (rng: Random) (f: float -> float) (width: float) (x0: float) =
        let f0 = f x0

        if not (Double.IsFinite f0) then
            fail node update $"the log-density at the current value is {f0}"

        Slice.step rng f width maxSteps x0

    /// A data-only expression as a function of the copy, evaluated when asked (`precompute` without the array).
    let evaluator (b: Bound) (scope: Scope) (e: Expr) : int -> float =
        let f = Eval.compileScalar b scope e
        // a data-only expression reads no state: no layout-sized zero state per call
        let s =
            if List.isEmpty (Expr.paramRefs e) then
                Array.empty
            else
                zeroState b

        fun r -> f s r

    /// Evaluates a data-only expression for every copy of a scope once.
    let precompute (b: Bound) (scope: Scope) (copies: int) (e: Expr) = Array.init copies (evaluator b scope e)

    /// The copy of a target's scope that element j reads its prior's arguments from (0 for a global target).
    let targetIndex (target: NodeInfo) (j: int) =
        if target.Scope = Scope.Global then 0 else j

    /// An expression that takes one value per sweep (constants and global scalar parameters only), compiled to
    /// be read once per sweep rather than once per group.
    let perSweep (b: Bound) (e: Expr) : (float[] -> float) option =
        if Factor.isInvariant b None e then
            let f = Eval.compileScalar b Scope.Global e
            Some(fun s -> f s 0)
        else
            None

    /// Where a latent child's values sit in the state (None for observed children, whose values are data).
    let stateOffset (b: Bound) (child: NodeInfo) =
        match child.Node.Kind with
        | NodeKind.Observed _ -> None
        | _ -> Some b.Layout.Offsets.[child.Node.Name]

    /// The updates with each joint update of `joints` in place of the updates of the nodes it covers, at the place of
    /// the first of them (a pass that merges one-node updates into one step).
    let placeJoints (joints: (Set<string> * Update)[]) (updates: Update[]) : Update[] =
        if joints.Length = 0 then
            updates
        else
            let placed = Collections.Generic.HashSet<string>()

            updates
            |> Array.choose (fun u ->
                match joints |> Array.tryFind (fun (names: Set<string>, _) -> names.Contains u.Node) with
                | Some(_, joint) -> if placed.Add joint.Node then Some joint else None
                | None -> Some u)

    /// A hyperparameter a collapsing pass needs: a scalar global continuous parameter with the given support, a prior
    /// of data arguments, read by the group node `reader` alone (so its marginal is fixed by the data).
    let isPrivateHyperparameter (density: CompiledDensity) (reader: string) (support: Support) (name: string) =
        let b = density.Bound

        Factor.isScalarGlobalParameter b name
        && (match b.NodeMap.[name].Node.Kind with
            | NodeKind.Parameter d ->
                not (Dist.isDiscrete d)
                && Dist.support d = support
                && Dist.arguments d |> List.forall (snd >> Factor.isDataOnly)
            | _ -> false)
        && density.Dependents.[name].[0] |> Array.forall (fun t -> t.Node = reader)

    /// The updates with each matched hierarchy's three updates (two hyperparameters and a group node) replaced by one
    /// joint step at the place of the first: `find u` gives, for the group node's update u, its two hyperparameters and
    /// what `build` needs; `build` makes the step (None keeps the plan), only when both have their own update.
    let replaceHierarchies
        (find: Update -> (string * string * 'a) option)
        (build: Update -> string -> string -> 'a -> Update option)
        (updates: Update[])
        : Update[] =
        let own (n: string) =
            updates |> Array.exists (fun u -> u.Node = n)

        let joints =
            updates
            |> Array.choose (fun u ->
                find u
                |> Option.filter (fun (h1, h2, _) -> own h1 && own h2)
                |> Option.bind (fun (h1, h2, found) ->
                    build u h1 h2 found
                    |> Option.map (fun joint -> Set.ofList [ h1; h2; u.Node ], joint)))

        placeJoints joints updates
