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
