namespace HierFunctional.Inference

open HierFunctional

/// What a rule's recogniser says about a target node. `NotApplicable`: the node's prior is not the rule's family, so
/// the rule is silent in the plan. `Rejected`: the prior fits but something else does not, and the reason is shown
/// when the node falls back to slice sampling. `Matched`: the rule's own finding, which its executor implements.
[<RequireQualifiedAccess>]
type RuleOutcome<'m> =
    /// The rule is not about this kind of node (its prior is not the rule's family).
    | NotApplicable
    /// The rule is about this kind of node but does not cover this one, for the reason given.
    | Rejected of reason: string
    /// The rule applies; the value is what its executor needs.
    | Matched of 'm

/// Building and reading rule outcomes.
[<RequireQualifiedAccess>]
module RuleOutcome =

    /// `Ok m` as a match, `Error why` as a rejection (the family already fits; the parts did not).
    let ofResult (r: Result<'m, string>) : RuleOutcome<'m> =
        match r with
        | Ok m -> RuleOutcome.Matched m
        | Error why -> RuleOutcome.Rejected why

    /// The outcome with its match transformed (rejections and non-applicability pass through).
    let map (f: 'm -> 'n) (o: RuleOutcome<'m>) : RuleOutcome<'n> =
        match o with
        | RuleOutcome.Matched m -> RuleOutcome.Matched(f m)
        | RuleOutcome.Rejected why -> RuleOutcome.Rejected why
        | RuleOutcome.NotApplicable -> RuleOutcome.NotApplicable

    /// The match, if the rule applied.
    let toOption (o: RuleOutcome<'m>) : 'm option =
        match o with
        | RuleOutcome.Matched m -> Some m
        | _ -> None

/// One row of the conjugacy table (`docs/conjugacy.md` is generated from these): the prior a rule takes, the children
/// it needs, and the full conditional it draws. This is where a rule's formula is written.
type RuleMath =
    {
        /// Which form of the rule this row is, when a rule has several (e.g. "Gamma on a precision"); empty otherwise.
        Case: string
        /// The prior on the target θ that the rule takes.
        Prior: string
        /// What the target's children must look like.
        Children: string
        /// The full conditional the update draws from (or the move it makes, for a rule marked not conjugate).
        Conditional: string
    }

/// Writing rule rows.
[<RequireQualifiedAccess>]
module RuleMath =

    /// The single row of a rule with one form.
    let one (prior: string) (children: string) (conditional: string) : RuleMath list =
        [
            {
                Case = ""
                Prior = prior
                Children = children
                Conditional = conditional
            }
        ]

    /// A row for one of a rule's several forms.
    let case (case: string) (prior: string) (children: string) (conditional: string) : RuleMath =
        {
            Case = case
            Prior = prior
            Children = children
            Conditional = conditional
        }

/// The recognising half of a conjugacy rule: a name, the update's math, and a recogniser whose match type `'m` is
/// the rule's own. `Rules` pairs each with its executor into a `ConjugacyRule`.
type Recogniser<'m> =
    {
        /// Short name shown by `Gibbs.describe` (like JAGS's sampler names).
        Name: string
        /// The update's math, one row per form of the rule (the conjugacy table is rendered from it).
        Math: RuleMath list
        /// Recognises the pattern for a target parameter node of the expanded model.
        Recognise: Model -> Node -> RuleOutcome<'m>
    }
