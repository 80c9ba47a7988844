namespace HierFunctional

open System
open HierFunctional.Inference

/// What the interweaving passes (`Interweave`, `GlmInterweave`) share: finding centred Normal hierarchies in the plan,
/// τ's half-t augmentation that a move of τ leaves stale, and the part of τ's conditional outside θ.
[<RequireQualifiedAccess>]
module internal InterweaveKit =

    /// A centred Normal group node with scalar-parameter mean and a scale parameter written as an sd, a variance
    /// (`sqrt v`) or a precision (`1/sqrt tau`, `tau^-0.5`, BUGS's form): (group node, mean node, scale node, link).
    let candidates (b: Bound) (updates: Update[]) (kind: UpdateKind) =
        // a shared-ω logistic block moves several nodes: its node is their names joined by ", "
        let closedForm name =
            updates
            |> Array.exists (fun u ->
                u.Kind = kind
                && (u.Node = name
                    || kind = UpdateKind.LogitBlock && Array.contains name (u.Node.Split ", ")))

        b.Nodes
        |> List.choose (fun info ->
            match info.Node.Kind, info.Node.Plate with
            | NodeKind.Parameter(Dist.Normal(Param mu, sd)), Plate.Over _ when closedForm info.Node.Name ->
                match NormalConjugacy.scaleOf (Graph.inlineDerived b.Model sd) with
                | Some(tau, link) -> Some(info, mu, tau, link)
                | None -> None
            | _ -> None)
        |> List.choose (fun (info, mu, tau, link) ->
            match b.NodeMap.TryFind mu, b.NodeMap.TryFind tau with
            | Some m, Some t when
                m.Scope = Scope.Global
                && t.Scope = Scope.Global
                && m.Event = Shape.Scalar
                && t.Event = Shape.Scalar
                && m.Node.Kind.IsParameter
                && t.Node.Kind.IsParameter
                ->
                Some(info, m, t, link)
            | _ -> None)

    /// The group sd as a function of the scale node's value under its link.
    let sdOf (link: ScaleLink) : float -> float =
        match link with
        | ScaleLink.Sd -> id
        | ScaleLink.Variance -> sqrt
        | ScaleLink.Precision -> fun t -> 1.0 / sqrt t

    /// Membership in a set of terms as one flag per copy of each node they belong to. At J = 10⁷ an F# set of terms
    /// costs GBs of tree nodes and boxes both terms in each comparison; the flags cost one byte a copy.
    let termFlags (b: Bound) (terms: seq<Term[]>) : Term -> bool =
        let flags = Collections.Generic.Dictionary<string, bool[]>()

        // Filled here, read-only once returned.
        for chunk in terms do
            for t in chunk do
                match flags.TryGetValue t.Node with
                | true, f -> f.[t.Copy] <- true
                | _ ->
                    let f = Array.zeroCreate b.NodeMap.[t.Node].Copies
                    f.[t.Copy] <- true
                    flags.[t.Node] <- f

        fun t ->
            match flags.TryGetValue t.Node with
            | true, f -> f.[t.Copy]
            | _ -> false

    /// The terms `keep` accepts, each once, in order of first occurrence: `Array.distinct >> Array.filter keep` over
    /// the chunks joined, without joining them or hashing the terms it drops (θ's J prior terms, mostly).
    let distinctKept (keep: Term -> bool) (chunks: seq<Term[]>) : Term[] =
        let seen = Collections.Generic.HashSet<Term>()
        let kept = ResizeArray<Term>()

        for chunk in chunks do
            for t in chunk do
                if keep t && seen.Add t then
                    kept.Add t

        kept.ToArray()

    /// A node's own prior term and its copy-0 dependents, the chunks its blanket is made of.
    let ownTerms (density: CompiledDensity) (node: NodeInfo) : seq<Term[]> =
        [
            [| { Term.Node = node.Node.Name; Copy = 0 } |]
            density.Dependents.[node.Node.Name].[0]
        ]

    /// Every copy's dependents of θ: its children's terms.
    let childChunks (density: CompiledDensity) (theta: NodeInfo) : seq<Term[]> =
        density.Dependents.[theta.Node.Name] :> seq<Term[]>

    /// The prior's ν and A of τ's half-t augmentation: after moving τ, the mixing weight that τ's own update keeps
    /// (`UpdateStep.Weight`) is redrawn from a | τ², because the move used τ's marginal prior and left it stale.
    type Augmentation =
        {
            Dof: float[] -> float
            Scale: float[] -> float
        }

    /// τ's half-t augmentation, when τ's own update keeps a mixing weight and τ has a half-t family prior.
    let augmentationOf (b: Bound) (updates: Update[]) (tau: NodeInfo) : Augmentation option =
        match Array.tryFind (fun (u: Update) -> u.Node = tau.Node.Name && u.KeepsWeight) updates with
        | Some _ ->
            match tau.Node.Kind with
            | NodeKind.Parameter((Dist.HalfCauchy _ | Dist.HalfStudentT _) as d) ->
                NormalUpdates.halfTArguments b d
                |> Option.map (fun (dof, scale) -> { Dof = dof; Scale = scale })
            | _ -> None
        | None -> None

    /// Redraws τ's half-t mixing weight from a | τ² after a move of τ that used τ's marginal prior.
    let redrawWeight (a: Augmentation) (w: MixingWeight) (rng: Random) (s: float[]) (tau: float) =
        let p = ConjugatePosterior.halfStudentTAuxiliary (a.Dof s) (a.Scale s) (tau * tau)
        w.Value <- MathNet.Numerics.Distributions.InverseGamma.Sample(rng, p.Shape, p.Scale)

    /// log p(τ) plus τ's dependents other than θ's prior terms and θ's children: the exact part of τ's conditional
    /// under η = (θ − μ)/τ fixed that the collapsed logistic sums do not already hold.
    let tauRest (density: CompiledDensity) (theta: NodeInfo) (tau: NodeInfo) : float[] -> float =
        let isChild = termFlags density.Bound (childChunks density theta)

        let terms =
            ownTerms density tau
            |> distinctKept (fun t -> t.Node <> theta.Node.Name && not (isChild t))
            |> Array.map density.Term

        fun s ->
            let mutable total = 0.0

            // local accumulation
            for t in terms do
                total <- total + t s

            total
