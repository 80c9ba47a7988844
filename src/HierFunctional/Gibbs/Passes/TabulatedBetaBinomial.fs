namespace HierFunctional

open System
open HierFunctional.Inference

/// The collapsed Beta-Binomial update with its hyperparameter pair moved by one independence Metropolis–Hastings step
/// per sweep from a tabulated approximation of their marginal posterior (`GridProposal`), instead of two slice steps.
/// With the rates integrated out, p(a, b | y) ∝ p(a, b) Π_g B(a + Y_g, b + F_g)/B(a, b) is fixed by the data when the
/// priors' arguments are data and the factors read only a and b, so it is tabulated once at compile time on the
/// update's own scale (Jacobian included) and the pair moves by `TabulatedPair`'s step, then the rates are drawn
/// exactly. The MH step is exact whatever the table's error (see `GridProposal`); the table makes the pair's draws
/// nearly independent.
[<RequireQualifiedAccess>]
module internal TabulatedBetaBinomial =

    /// The tabulated update from the parts, or why it is not used.
    let private create (b: Bound) (p: CollapsedBetaBinomial.Parts) : Result<Update, string> =
        if not p.Fixed then
            Error "the hyperparameters' priors or factors read other parameters, so their marginal is not fixed"
        else
            let nodes = $"{p.Name1}, {p.Name2}"

            TabulatedPair.tryUpdate
                b.Layout.Size
                p.Name1
                (UpdateKind.Rule CollapsedBetaBinomial.name)
                $"{CollapsedBetaBinomial.name} ({nodes} with {p.Rates} integrated out: independence Metropolis-Hastings from their tabulated marginal; then {p.Rates})"
                {
                    Name1 = p.Name1
                    Name2 = p.Name2
                    Off1 = b.Layout.Offsets.[p.Name1]
                    Off2 = b.Layout.Offsets.[p.Name2]
                    LogTarget = p.LogTarget
                    Current = p.Current
                    Start = p.Start
                    Terms =
                        Array.zip p.Successes p.Failures
                        |> Array.filter (fun (y, f) -> y + f > 0.0)
                        |> Array.distinct
                        |> Array.length
                    Groups = p.Groups
                    DrawGroups = p.DrawRates
                }

    /// Replaces each collapsed Beta-Binomial update whose hyperparameters' marginal is fixed by the data with the
    /// tabulated one, before `CollapsedBetaBinomial.combine` lists it under its three nodes; where the table is not
    /// built the slice update stays and says why.
    let replace (b: Bound) (expanded: Model) (updates: Update[]) : Update[] =
        updates
        |> Array.map (fun u ->
            match u.Kind, Model.tryFind u.Node expanded with
            | UpdateKind.Rule r, Some node when r = CollapsedBetaBinomial.name ->
                match CollapsedBetaConjugacy.recogniser.Recognise expanded node with
                | RuleOutcome.Matched m ->
                    match CollapsedBetaBinomial.parts b (Bound.node b u.Node) m |> Result.bind (create b) with
                    | Ok tabulated -> tabulated
                    | Error why ->
                        { u with
                            Reason = $"the pair is sliced, not drawn from a table: {why}"
                        }
                | _ -> u
            | _ -> u)
