namespace HierFunctional.Testing

open System

/// One-dimensional quadrature of an unnormalised log-density on the real line: the reference the rule and
/// exact-posterior checks compare draws with.
[<RequireQualifiedAccess>]
module internal Quadrature =

    let private points = 201

    /// The interval holding all but a negligible part (e^-30) of exp(f): from v0, a step small enough that f stays
    /// within 8 nats of f(v0), then outwards in growing steps until f is 30 nats below the best value seen.
    let private bracket (f: float -> float) (v0: float) (step0: float) =
        let f0 = f v0

        if not (Double.IsFinite f0) then
            Error $"the log-density is {f0} at the current value {v0}"
        else
            let mutable s = if step0 > 0.0 && Double.IsFinite step0 then step0 else 1.0
            let mutable k = 0

            while k < 60 && (f (v0 + s) < f0 - 8.0 || f (v0 - s) < f0 - 8.0) do
                s <- s / 2.0
                k <- k + 1

            let mutable best = f0

            let edge (dir: float) =
                let mutable step = s
                let mutable v = v0 + dir * step
                let mutable fv = f v
                let mutable i = 0

                while i < 400 && Double.IsFinite fv && fv > best - 30.0 do
                    best <- max best fv
                    step <- step * 1.3
                    v <- v + dir * step
                    fv <- f v
                    i <- i + 1

                v

            let lo = edge -1.0
            let hi = edge 1.0
            Ok(lo, hi)

    let private grid (lo: float) (hi: float) =
        Array.init points (fun i -> lo + (hi - lo) * float i / float (points - 1))

    /// E[g(v)] and E[g(v)²] under the density ∝ exp(f(v)) (trapezoid on a grid fitted to the mass in two passes).
    let moments (f: float -> float) (g: float -> float) (v0: float) (step0: float) : Result<float * float, string> =
        bracket f v0 step0
        |> Result.map (fun (lo, hi) ->
            // second pass: the grid shrunk to where the first one saw mass, so narrow peaks get enough points
            let v1 = grid lo hi
            let f1 = v1 |> Array.map f
            let m1 = Array.max f1
            let inside = f1 |> Array.map (fun x -> x > m1 - 35.0)
            let first = max 0 ((Array.findIndex id inside) - 1)
            let last = min (points - 1) ((Array.findIndexBack id inside) + 1)
            let v2 = grid v1.[first] v1.[last]
            let f2 = v2 |> Array.map f
            let m2 = Array.max f2
            let w = f2 |> Array.map (fun x -> exp (x - m2))
            let gs = v2 |> Array.map g
            let total = Array.sum w
            let mean = Array.fold2 (fun acc wi gi -> acc + wi * gi) 0.0 w gs / total
            let second = Array.fold2 (fun acc wi gi -> acc + wi * gi * gi) 0.0 w gs / total
            mean, second)
