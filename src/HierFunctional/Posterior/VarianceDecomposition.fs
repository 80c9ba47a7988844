namespace HierFunctional

/// Variance components of a Normal hierarchy, as derived quantities of the draws.
[<RequireQualifiedAccess>]
module VarianceDecomposition =

    /// Adds, for standard-deviation scalars listed from the top level down (e.g. `["tau"; "sigma"]` or
    /// `["tau_school"; "tau_class"; "sigma"]`), each variance `var_<sd>` = sd² and each level's share
    /// `share_<sd>` = sd_k² / Σ_l sd_l², so the shares sum to 1 draw by draw (the law of total variance for
    /// independent Normal levels). With two levels it also adds `icc` = τ²/(τ²+σ²), the intra-class correlation.
    let decompose (sds: string list) (posterior: Posterior) : Posterior =
        if List.length sds < 2 then
            invalidArg "sds" "need the sd of at least two levels (between groups, then within)."

        let total (row: string -> float) =
            sds |> List.sumBy (fun s -> row s * row s)

        let withVars =
            sds
            |> List.fold (fun p s -> Posterior.derive $"var_{s}" (fun row -> row s * row s) p) posterior

        let withShares =
            sds
            |> List.fold (fun p s -> Posterior.derive $"share_{s}" (fun row -> row s * row s / total row) p) withVars

        match sds with
        | [ between; _ ] ->
            withShares
            |> Posterior.derive "icc" (fun row -> row between * row between / total row)
        | _ -> withShares

    /// The names `decompose` adds, in order.
    let names (sds: string list) : string list =
        let icc = if List.length sds = 2 then [ "icc" ] else []

        (sds |> List.map (fun s -> $"var_{s}"))
        @ (sds |> List.map (fun s -> $"share_{s}"))
        @ icc

    /// The summary of the variance components (`decompose`, then `Summary.compute` on the added scalars).
    let summary (sds: string list) (posterior: Posterior) : Summary =
        decompose sds posterior |> Posterior.select (names sds) |> Summary.compute
