namespace HierFunctional.Inference

open System
open HierFunctional

/// One grid cell: its alias-table entry (the chance of keeping the cell, the cell drawn otherwise) and the
/// proposal's density in it and in its alias, together so a draw and the proposal's density at the drawn point read
/// one cache line: a 256² grid's table is larger than a core's cache, and the cell a draw starts from is uniform.
[<Struct>]
type internal GridCell =
    {
        Keep: float
        Density: float
        AliasDensity: float
        Alias: int
    }

/// A proposal density for an independence Metropolis–Hastings step on a fixed two-dimensional target π(u), tabulated
/// once from log π: a Newton climb finds the mode m and the Laplace covariance Σ = −H⁻¹ = LLᵀ; on z = L⁻¹(u − m) a
/// grid of n × n cells (n = 64, 128 or 256) covers the box where log π is within `Depth` of its maximum (found by scanning along the axes and
/// diagonals), each cell weighted by the mean of π at its corners and drawn through an alias table, uniform within
/// the cell. With weight `TailWeight` the draw comes instead from a bivariate t₄ on z with scale 2 (covariance 4Σ in
/// the limit of many degrees of freedom), so the proposal q is positive everywhere.
///
/// Why the step is exact and what the table's error costs: the independence MH step with acceptance
/// min(1, π(y)q(x)/(π(x)q(y))) is reversible with respect to π for any q that is positive wherever π is, so the chain
/// leaves π invariant whatever the grid's error; the grid only decides how often proposals are accepted. Since
/// q ≥ TailWeight · t₄, the step is uniformly ergodic (Mengersen & Tweedie 1996: sup π/q < ∞) whenever π's tails fall
/// at least as fast as |z|^−6 on the z scale, which holds for the log-scale hyperparameter marginals it is used for
/// (their tails are exponential in u); where the grid approximates π well, draws are nearly independent.
[<Sealed>]
type internal GridProposal
    private
    (
        mode1: float,
        mode2: float,
        l11: float,
        l21: float,
        l22: float,
        lo1: float,
        w1: float,
        lo2: float,
        w2: float,
        n: int,
        cells: GridCell[]
    ) =

    /// Grid cells per axis, finest first: the finest the caller's budget allows is used.
    static member Sizes = [ 256; 128; 64 ]

    /// How far below its largest value the grid follows the target.
    static member Depth = 15.0

    /// The t component's weight.
    static member TailWeight = 0.02

    /// The t component's degrees of freedom (4: its density is a cube, no power function).
    static member private Nu = 4.0

    /// The t component's scale on z.
    static member private TailScale = 2.0

    /// Evaluations of the target the tabulation of an n × n grid spends, about (the caller's budget is in these).
    static member Evaluations(n: int) =
        441 + 9 * 100 + 8 * 121 + (n + 1) * (n + 1)

    /// Mode and Laplace factor (l11, l21, l22) of f, from the best point of a coarse 21 × 21 grid of unit steps
    /// around `start`, by a damped Newton climb with finite-difference derivatives.
    static member private Climb(f: float -> float -> float, start1: float, start2: float) =
        let mutable best = struct (start1, start2, f start1 start2)

        for i in -10 .. 10 do
            for k in -10 .. 10 do
                let x, y = start1 + float i, start2 + float k
                let v = f x y
                let struct (_, _, fb) = best

                if v > fb || (Double.IsFinite v && not (Double.IsFinite fb)) then
                    best <- struct (x, y, v)

        let struct (bx, by, bf) = best

        if not (Double.IsFinite bf) then
            Error $"the log-density is not finite anywhere on the coarse grid around ({start1}, {start2})"
        else
            let hessian (x: float) (y: float) (fx: float) =
                let h = 1e-3
                let fxx = (f (x + h) y - 2.0 * fx + f (x - h) y) / (h * h)
                let fyy = (f x (y + h) - 2.0 * fx + f x (y - h)) / (h * h)

                let fxy =
                    (f (x + h) (y + h) - f (x + h) (y - h) - f (x - h) (y + h) + f (x - h) (y - h))
                    / (4.0 * h * h)

                let gx = (f (x + h) y - f (x - h) y) / (2.0 * h)
                let gy = (f x (y + h) - f x (y - h)) / (2.0 * h)
                struct (gx, gy, fxx, fxy, fyy)

            let mutable x, y, fx = bx, by, bf
            let mutable iter = 0
            let mutable moving = true

            while moving && iter < 100 do
                iter <- iter + 1
                let struct (gx, gy, hxx, hxy, hyy) = hessian x y fx
                let det = hxx * hyy - hxy * hxy
                // Newton where −H is positive definite, else a gradient step of at most one unit
                let dx, dy =
                    if hxx < 0.0 && det > 0.0 then
                        -(hyy * gx - hxy * gy) / det, -(hxx * gy - hxy * gx) / det
                    else
                        let norm = max 1.0 (sqrt (gx * gx + gy * gy))
                        gx / norm, gy / norm

                let mutable t = 1.0
                let mutable fNew = f (x + dx) (y + dy)

                while not (fNew >= fx) && t > 1e-8 do
                    t <- 0.5 * t
                    fNew <- f (x + t * dx) (y + t * dy)

                if not (fNew >= fx) || t * (abs dx + abs dy) < 1e-9 then
                    moving <- false
                else
                    x <- x + t * dx
                    y <- y + t * dy
                    fx <- fNew

            let struct (gx, gy, hxx, hxy, hyy) = hessian x y fx
            let det = hxx * hyy - hxy * hxy

            if not (hxx < 0.0 && det > 0.0 && Double.IsFinite det) then
                Error
                    $"the log-density's Hessian at its highest point found ({x}, {y}) is not negative definite (no proper mode)"
            // the Newton decrement gᵀ(−H)⁻¹g: small at a mode, large where the climb stopped on a slope
            elif (-hyy * gx * gx + 2.0 * hxy * gx * gy - hxx * gy * gy) / det > 1e-4 then
                Error $"the climb stopped at ({x}, {y}) without reaching a mode (the posterior may be improper)"
            else
                // Σ = −H⁻¹ and its Cholesky factor
                let s11, s12, s22 = -hyy / det, hxy / det, -hxx / det
                let l11 = sqrt s11
                let l21 = s12 / l11
                let l22 = sqrt (s22 - l21 * l21)

                if Double.IsFinite l22 && l22 > 0.0 then
                    Ok(struct (x, y, fx, l11, l21, l22))
                else
                    Error $"the Laplace covariance at ({x}, {y}) is degenerate"

    /// Vose's alias table for the probabilities p (summing to 1).
    static member private Alias(p: float[]) =
        let n = p.Length
        let prob = Array.zeroCreate n
        let alias = Array.init n id
        let scaled = p |> Array.map (fun v -> v * float n)
        let small = Collections.Generic.Stack<int>()
        let large = Collections.Generic.Stack<int>()

        for i in 0 .. n - 1 do
            if scaled.[i] < 1.0 then small.Push i else large.Push i

        while small.Count > 0 && large.Count > 0 do
            let s, l = small.Pop(), large.Pop()
            prob.[s] <- scaled.[s]
            alias.[s] <- l
            scaled.[l] <- scaled.[l] + scaled.[s] - 1.0
            if scaled.[l] < 1.0 then small.Push l else large.Push l

        for i in Seq.append small large do
            prob.[i] <- 1.0

        prob, alias

    /// The proposal for the log-density `logDensity` (unnormalised) of (u1, u2), its mode searched from `start`; an
    /// error when the target has no finite value near `start` or no proper mode (e.g. an improper posterior).
    static member TryCreate
        (logDensity: float -> float -> float, start1: float, start2: float, n: int)
        : Result<GridProposal, string> =
        let f x y =
            let v = logDensity x y
            if Double.IsNaN v then Double.NegativeInfinity else v

        GridProposal.Climb(f, start1, start2)
        |> Result.map (fun (struct (m1, m2, top, l11, l21, l22)) ->
            let fz (z1: float) (z2: float) =
                f (m1 + l11 * z1) (m2 + l21 * z1 + l22 * z2)

            // the box on z: scans along the axes and diagonals until the target is Depth below the mode
            let mutable lo1, hi1, lo2, hi2 = -1.0, 1.0, -1.0, 1.0

            for d1, d2 in
                [
                    1.0, 0.0
                    -1.0, 0.0
                    0.0, 1.0
                    0.0, -1.0
                    0.7, 0.7
                    0.7, -0.7
                    -0.7, 0.7
                    -0.7, -0.7
                ] do
                let mutable r = 0.0

                while r < 30.0 && fz (r * d1) (r * d2) > top - GridProposal.Depth do
                    r <- r + 0.25

                lo1 <- min lo1 (r * d1 - 0.5)
                hi1 <- max hi1 (r * d1 + 0.5)
                lo2 <- min lo2 (r * d2 - 0.5)
                hi2 <- max hi2 (r * d2 + 0.5)

            let w1, w2 = (hi1 - lo1) / float n, (hi2 - lo2) / float n

            let corner =
                Array2D.init (n + 1) (n + 1) (fun i k ->
                    let v = fz (lo1 + w1 * float i) (lo2 + w2 * float k)
                    if Double.IsFinite v then exp (min 0.0 (v - top)) else 0.0)

            // a cell's mass: its area times the mean of the target at its corners
            let mass =
                Array.init (n * n) (fun c ->
                    let i, k = c / n, c % n

                    0.25
                    * (corner.[i, k] + corner.[i + 1, k] + corner.[i, k + 1] + corner.[i + 1, k + 1]))

            let total = Array.sum mass
            let p = mass |> Array.map (fun v -> v / total)
            let prob, alias = GridProposal.Alias p

            let cells =
                Array.init (n * n) (fun c ->
                    {
                        Keep = prob.[c]
                        Density = p.[c] / (w1 * w2)
                        AliasDensity = p.[alias.[c]] / (w1 * w2)
                        Alias = alias.[c]
                    })

            GridProposal(m1, m2, l11, l21, l22, lo1, w1, lo2, w2, n, cells))

    /// The mode the table is centred on.
    member _.Mode = struct (mode1, mode2)

    /// The point's z coordinates and the grid cell that holds it (−1 outside the grid).
    member private _.Locate(u1: float, u2: float) : struct (float * float * int) =
        let z1 = (u1 - mode1) / l11
        let z2 = (u2 - mode2 - l21 * z1) / l22
        let c1 = (z1 - lo1) / w1
        let c2 = (z2 - lo2) / w2

        let cell =
            if c1 >= 0.0 && c1 < float n && c2 >= 0.0 && c2 < float n then
                int c1 * n + int c2
            else
                -1

        struct (z1, z2, cell)

    /// `LogDensity` at a located point, told the density of one cell (`known`, −1 for none) so it need not read it
    /// from the table.
    member private _.Score(z1: float, z2: float, cell: int, known: int, knownDensity: float) : float =
        let grid =
            if cell < 0 then 0.0
            elif cell = known then knownDensity
            else cells.[cell].Density

        let s2 = GridProposal.TailScale * GridProposal.TailScale
        let k = 1.0 + (z1 * z1 + z2 * z2) / (GridProposal.Nu * s2)
        let t = 1.0 / (2.0 * Math.PI * s2 * k * k * k)
        log ((1.0 - GridProposal.TailWeight) * grid + GridProposal.TailWeight * t)

    /// The proposal's log-density at (u1, u2), up to the same constant everywhere.
    member this.LogDensity(u1: float, u2: float) : float =
        let struct (z1, z2, cell) = this.Locate(u1, u2)
        this.Score(z1, z2, cell, -1, 0.0)

    /// The number of grid cells (n²); cells are numbered 0 .. Cells − 1.
    member _.Cells = n * n

    /// The grid cell that holds (u1, u2), or −1 outside the grid (where only the t component has density).
    member this.CellAt(u1: float, u2: float) : int =
        let struct (_, _, cell) = this.Locate(u1, u2)
        cell

    /// The centre of a grid cell, on the (u1, u2) scale.
    member _.CellCentre(cell: int) : struct (float * float) =
        let z1 = lo1 + w1 * (float (cell / n) + 0.5)
        let z2 = lo2 + w2 * (float (cell % n) + 0.5)
        struct (mode1 + l11 * z1, mode2 + l21 * z1 + l22 * z2)

    /// One draw from the proposal, the proposal's log-density there (the same value as `LogDensity`) and the grid
    /// cell that holds it (`CellAt`: a draw of the t component may fall in a cell too).
    member this.DrawLocated(rng: Random) : struct (float * float * float * int) =
        let struct (u1, u2, drawn, density) = this.DrawCell rng
        let struct (z1, z2, cell) = this.Locate(u1, u2)
        struct (u1, u2, this.Score(z1, z2, cell, drawn, density), cell)

    /// One draw from the proposal and the proposal's log-density there (the same value as `LogDensity`).
    member this.DrawScored(rng: Random) : struct (float * float * float) =
        let struct (u1, u2, q, _) = this.DrawLocated rng
        struct (u1, u2, q)

    /// One draw, with the grid cell it was drawn in and that cell's density (−1 for a draw of the t component).
    member private _.DrawCell(rng: Random) : struct (float * float * int * float) =
        let struct (z1, z2, drawn, density) =
            if rng.NextDouble() < GridProposal.TailWeight then
                // t₄: N(0, I) over sqrt(χ²₄/4), χ²₄ = −2 log(U U')
                let chi = -2.0 * log ((1.0 - rng.NextDouble()) * (1.0 - rng.NextDouble()))
                let r = GridProposal.TailScale / sqrt (chi / GridProposal.Nu)
                struct (r * StandardNormal.sample rng, r * StandardNormal.sample rng, -1, 0.0)
            else
                let v = rng.NextDouble() * float (n * n)
                let c = min (n * n - 1) (int v)
                let entry = cells.[c]
                let kept = v - float c < entry.Keep
                let cell = if kept then c else entry.Alias
                let z1 = lo1 + w1 * (float (cell / n) + rng.NextDouble())
                let z2 = lo2 + w2 * (float (cell % n) + rng.NextDouble())
                struct (z1, z2, cell, (if kept then entry.Density else entry.AliasDensity))

        struct (mode1 + l11 * z1, mode2 + l21 * z1 + l22 * z2, drawn, density)
