/// BUGS's parameterisations written in our model language, so a case reads like its BUGS file. One place to change
/// when the library gains a precision-parameterised Normal.
[<RequireQualifiedAccess>]
module HierFunctional.Conformance.Bugs

open HierFunctional
open type Distributions

/// BUGS `dnorm(mean, tau)` (tau is a precision): Normal(mean, 1/sqrt tau), the form the Normal-scale rules read as
/// a precision. A constant precision is folded into the sd, as a user would type it.
let dnorm (mean: Expr) (tau: Expr) : Dist =
    match tau with
    | Const t -> Normal(mean, Const(1.0 / sqrt t))
    | _ -> Normal(mean, 1.0 / sqrt tau)

/// BUGS `dgamma(shape, rate)`: the same parameterisation as ours.
let dgamma (shape: float) (rate: float) : Dist = Gamma(Const shape, Const rate)

/// A scalar starting value.
let scalar (name: string) (x: float) = name, Value.Scalar x

/// A vector starting value, `n` copies of `x` (BUGS init files mostly repeat one value).
let repeated (name: string) (n: int) (x: float) = name, Value.Vector(Array.create n x)

/// Builds a part of a model (a `Step`) without closing it, so a case can write one block several times
/// (e.g. one sub-model per prior) and splice each in with `do!`.
type StepBuilder() =
    /// Binds a declared node.
    member _.Bind(s: Step<'T>, f: 'T -> Step<'U>) = Step.bind f s
    /// Returns a value.
    member _.Return(x: 'T) = Step.ret x
    /// Nothing declared.
    member _.Zero() = Step.ret ()
    /// Sequences two parts.
    member _.Combine(a: Step<unit>, b: Step<'T>) = Step.bind (fun () -> b) a
    /// Runs the body at once.
    member _.Delay(f: unit -> Step<'T>) = f ()

/// `part { ... }`: a block of nodes to splice into a `model { ... }` with `do!`.
let part = StepBuilder()
