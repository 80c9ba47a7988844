namespace HierFunctional

/// Something in a valid model that is probably not what its author meant; the model still compiles and runs.
[<RequireQualifiedAccess>]
type ModelWarning =
    /// A Normal prior with a constant sd below 1e-3 of its mean's scale (max(|mean|, 1) for a constant mean, else 1):
    /// most likely a BUGS precision typed as an sd, e.g. `Normal(0, 1.0E-6)` from `dnorm(0, 1.0E-6)`.
    | SdLooksLikePrecision of node: string * sd: float * meanScale: float

/// Finding and describing model warnings.
[<RequireQualifiedAccess>]
module ModelWarning =

    /// Below this fraction of its mean's scale a Normal prior's sd is reported as a likely precision.
    [<Literal>]
    let PrecisionRatio = 1e-3

    /// One sentence saying what looks wrong and what to write instead.
    let describe (w: ModelWarning) : string =
        match w with
        | ModelWarning.SdLooksLikePrecision(node, sd, scale) ->
            $"node '{node}': its Normal prior has sd {sd}, below {PrecisionRatio} of its mean's scale ({scale}), so it is almost a point mass; if {sd} is a BUGS precision (dnorm(mean, tau)), write NormalPrecision(mean, {sd}) (sd {1.0 / sqrt sd:G4})."

    /// The warnings of a model, in node order.
    let check (m: Model) : ModelWarning list =
        let rec normalOf (d: Dist) =
            match d with
            | Dist.Normal(mean, sd) -> Some(mean, sd)
            | Dist.Truncated(inner, _, _) -> normalOf inner
            | _ -> None

        m.Nodes
        |> List.choose (fun n ->
            match n.Kind with
            | NodeKind.Parameter d ->
                match normalOf d with
                | Some(mean, sd) ->
                    match Expr.tryConstant sd with
                    | Some s when s > 0.0 ->
                        let scale =
                            match Expr.tryConstant mean with
                            | Some c -> max (abs c) 1.0
                            | None -> 1.0

                        if s < PrecisionRatio * scale then
                            Some(ModelWarning.SdLooksLikePrecision(n.Name, s, scale))
                        else
                            None
                    | _ -> None
                | None -> None
            | _ -> None)
