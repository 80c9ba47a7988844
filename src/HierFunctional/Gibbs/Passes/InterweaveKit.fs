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
        let excluded =
            [|
                for c in 0 .. theta.Copies - 1 do
                    yield
                        {
                            Term.Node = theta.Node.Name
                            Copy = c
                        }

                    yield! density.Dependents.[theta.Node.Name].[c]
            |]
            |> Set.ofArray

        let terms =
            [|
                yield { Term.Node = tau.Node.Name; Copy = 0 }
                yield! density.Dependents.[tau.Node.Name].[0]
            |]
            |> Array.distinct
            |> Array.filter (fun t -> not (excluded.Contains t))
            |> Array.map density.Term

        fun s ->
            let mutable total = 0.0

            // local accumulation
            for t in terms do
                total <- total + t s

            total
