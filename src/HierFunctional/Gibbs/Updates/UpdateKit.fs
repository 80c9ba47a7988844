namespace HierFunctional

open System
open HierFunctional.Inference

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

    /// Stops the run when a closed-form draw is not finite.
    let checkFinite (node: string) (update: string) (x: float) =
        if not (Double.IsFinite x) then
            fail node update $"the draw was {x}"

    /// One slice step from x0; a non-finite log-density at the current value means the state is already broken,
    /// so it stops with an error naming the node and the update instead of sampling from it.
    let sliceStep (node: string) (update: string) (rng: Random) (f: float -> float) (width: float) (x0: float) =
        let f0 = f x0

        if not (Double.IsFinite f0) then
            fail node update $"the log-density at the current value is {f0}"

        Slice.step rng f width maxSteps x0
