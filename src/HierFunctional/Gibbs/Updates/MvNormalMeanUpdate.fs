namespace HierFunctional

open System
open HierFunctional.Inference

/// The executor of the MvNormal-mean rule: observed children's n and Σx are summed once at compile time, parameter
/// children per sweep.
[<RequireQualifiedAccess>]
module internal MvNormalMeanUpdate =

    /// MvNormal prior × MvNormal(target, Σ_c) children (see `MvConjugacy.mvNormalMean`). Observed children
    /// contribute n_c and Σx once (summed at compile time); parameter children are summed per sweep, O(n k).
    /// The posterior is formed and drawn on the chain's scratch arrays (`SmallMv`), without allocating.
    let mvNormalMean
        (b: Bound)
        (target: NodeInfo)
        (m0: Expr)
        (s0: Expr)
        (children: MvNormalChild list)
        : Result<Update, string> =
        let k = MvUpdateKit.vectorLength target

        match
            MvUpdateKit.checkVectorChildren b k children
            |> Option.orElse (
                children
                |> List.tryFind (fun c -> not (MvUpdateKit.isGlobal b c.Covariance))
                |> Option.map (fun c -> $"the covariance of child '{c.Node.Name}' varies across its copies")
            )
        with
        | Some why -> Error why
        | None ->
            let name = target.Node.Name
            let rule = MvConjugacy.mvNormalMean.Name
            let off = b.Layout.Offsets.[name]

            let parts =
                children
                |> List.map (fun c ->
                    let child = Bound.node b c.Node.Name

                    // Local accumulation into the caller's buffer.
                    let sumInto: float[] -> float[] -> unit =
                        match child.Node.Kind with
                        | NodeKind.Observed _ ->
                            let value = Bound.vectorElement b child k

                            fun s acc ->
                                Array.Clear acc

                                for r in 0 .. child.Copies - 1 do
                                    for j in 0 .. k - 1 do
                                        acc.[j] <- acc.[j] + value s r j
                        | _ ->
                            let at = b.Layout.Offsets.[child.Node.Name]

                            fun s acc ->
                                Array.Clear acc

                                for r in 0 .. child.Copies - 1 do
                                    for j in 0 .. k - 1 do
                                        acc.[j] <- acc.[j] + s.[at + r * k + j]

                    let fixedSum =
                        if c.Node.Kind.IsObserved then
                            let a = Array.zeroCreate k
                            sumInto (UpdateKit.zeroState b) a
                            Some a
                        else
                            None

                    float child.Copies, MvUpdateKit.matrixInto b Scope.Global k c.Covariance, fixedSum, sumInto)
                |> Array.ofList

            let prior =
                MvUpdateKit.priorPrecision
                    name
                    rule
                    k
                    (MvUpdateKit.vectorInto b Scope.Global k m0)
                    (MvUpdateKit.matrixInto b Scope.Global k s0)

            let kk = k * k
            let work = SmallMv.gaussianWorkLength k

            // Buffers: the prior's (`priorBuffers`), then sum (k), covariance (k²), its inverse (k²),
            // stats (k² + k), z (k), work.
            let make () =
                MvUpdateKit.priorScratch k,
                Array.init 6 (fun i -> Array.zeroCreate<float> [| k; kk; kk; kk + k; k; work |].[i])

            MvUpdateKit.update name rule make (fun (pr, bufs) rng st ->
                let s = st.Values
                let q0, q0m0 = pr.Q0, pr.Q0m0
                let scratch, cov, covInv = bufs.[0], bufs.[1], bufs.[2]
                let stats, z, work = bufs.[3], bufs.[4], bufs.[5]
                Array.Clear stats

                for (n, readCov, fixedSum, sumInto) in parts do
                    let sum =
                        match fixedSum with
                        | Some a -> a
                        | None ->
                            sumInto s scratch
                            scratch

                    readCov s 0 cov

                    if not (SmallMv.invertSpd k cov work covInv) then
                        UpdateKit.fail name rule "a child covariance is not positive definite"

                    for i in 0 .. k - 1 do // stats accumulate in scratch (hot loop)
                        let mutable v = 0.0

                        for j in 0 .. k - 1 do
                            stats.[i * k + j] <- stats.[i * k + j] + n * covInv.[i * k + j]
                            v <- v + covInv.[i * k + j] * sum.[j]

                        stats.[kk + i] <- stats.[kk + i] + v

                prior s 0 pr

                if not (SmallMv.drawGaussian rng k q0 q0m0 stats 0 z work s off) then
                    UpdateKit.fail name rule "the posterior precision is not positive definite"

                for j in 0 .. k - 1 do
                    UpdateKit.checkFinite name rule s.[off + j])
