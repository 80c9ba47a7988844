namespace HierFunctional

open HierFunctional.Inference

/// Per-level sums for an observed Normal child whose mean is a group parameter plus global coefficients times data,
/// y_r ~ N(θ[g_r]·u_r + Σ_k c_k·x_rk + d_r, σ) (radon: a[county] + beta·floor). The conditional of each c_k and the
/// child's sum of squares (for σ) then need only sums over each level of g, computed once from the data, so a sweep
/// costs O(levels) instead of a pass over the rows.
[<RequireQualifiedAccess>]
module internal LevelSums =

    /// A mean split into its one group-parameter term, its global-coefficient terms and its data-only rest.
    type Split =
        {
            /// The group parameter θ, a scalar over the levels of `Group`.
            Level: string
            Group: string
            /// The data θ[g] is multiplied by (Const 1.0 when it enters alone).
            LevelData: Expr
            /// (c_k, x_k): a coefficient reading only scalar global parameters, times data.
            Globals: (Expr * Expr) list
            /// The data-only terms.
            Rest: Expr list
        }

    let rec private terms (e: Expr) =
        match e with
        | Add(x, y) -> terms x @ terms y
        | _ -> [ e ]

    let private levelParam (b: Bound) (e: Expr) =
        match e with
        | Index(Param p, Group g) ->
            match b.NodeMap.TryFind p with
            | Some info when
                info.Scope = Scope.Level g
                && info.Event = Shape.Scalar
                && info.Node.Kind.IsParameter
                && info.Copies = b.Groups.[g].Levels.Length
                ->
                Some(p, g)
            | _ -> None
        | _ -> None

    type private Term =
        | LevelTerm of string * string * Expr
        | GlobalTerm of Expr * Expr
        | DataTerm of Expr

    let private classify (b: Bound) (e: Expr) =
        let level x u =
            levelParam b x |> Option.map (fun (p, g) -> LevelTerm(p, g, u))

        if Factor.isDataOnly e then
            Some(DataTerm e)
        else
            match level e (Const 1.0) with
            | Some t -> Some t
            | None ->
                match e with
                | Mul(x, u) when Factor.isDataOnly u && (levelParam b x).IsSome -> level x u
                | Mul(u, x) when Factor.isDataOnly u && (levelParam b x).IsSome -> level x u
                | _ ->
                    match Factor.split b None e with
                    | Some(c, x) when Factor.readsOnlyScalarGlobals b c -> Some(GlobalTerm(c, x))
                    | _ -> None

    /// The split of an observed row-level child's mean (or offset) with exactly one group-parameter term, if it has
    /// that shape.
    let splitOf (b: Bound) (child: NodeInfo) (mean: Expr) : Split option =
        if child.Scope <> Scope.Row || not child.Node.Kind.IsObserved then
            None
        else
            let classified = terms mean |> List.map (classify b)

            if List.forall Option.isSome classified then
                let ts = List.choose id classified

                match
                    ts
                    |> List.choose (fun t ->
                        match t with
                        | LevelTerm(p, g, u) -> Some(p, g, u)
                        | _ -> None)
                with
                | [ p, g, u ] ->
                    Some
                        {
                            Level = p
                            Group = g
                            LevelData = u
                            Globals =
                                ts
                                |> List.choose (fun t ->
                                    match t with
                                    | GlobalTerm(c, x) -> Some(c, x)
                                    | _ -> None)
                            Rest =
                                ts
                                |> List.choose (fun t ->
                                    match t with
                                    | DataTerm d -> Some d
                                    | _ -> None)
                        }
                | _ -> None
            else
                None

    /// The split of a Normal-Normal child's offset, when the target is one global scalar entering as
    /// (global coefficient × data) with sd (global × data): then `gaussian` applies.
    let gaussianSplit (b: Bound) (target: NodeInfo) (c: GaussianChild) =
        let child = Bound.node b c.Node.Name

        let scalarGlobal (e: Expr) =
            match Factor.split b None e with
            | Some(inv, data) when Factor.readsOnlyScalarGlobals b inv -> Some(inv, data)
            | _ -> None

        match c.Slot, target.Scope, target.Copies, scalarGlobal c.Coefficient, scalarGlobal c.Sd with
        | Slot.Whole, Scope.Global, 1, Some coefficient, Some sd ->
            splitOf b child c.Offset |> Option.map (fun split -> split, coefficient, sd)
        | _ -> None

    let private rowsOf (b: Bound) (child: NodeInfo) (e: Expr) =
        UpdateKit.precompute b child.Scope child.Copies e

    let private response (b: Bound) (child: NodeInfo) (split: Split) =
        let ys = b.Numeric.[child.Node.Name]
        let rest = split.Rest |> List.map (rowsOf b child)
        Array.init child.Copies (fun r -> ys.[r] - (rest |> List.sumBy (fun d -> d.[r])))

    /// The Normal-Normal accumulation into (precision, shift) of a scalar global target from one child with the
    /// offset θ[g]·u + Σ c_k·x_k + d: with w_r = cd_r/sd_r², the sums Σ cd·w, Σ w·(y − d), Σ w·x_k and, per level,
    /// Σ w·u are formed once; a sweep reads θ's levels and the c_k.
    let gaussian (b: Bound) (target: NodeInfo) (c: GaussianChild) =
        gaussianSplit b target c
        |> Option.map (fun (split, (ci, cData), (si, sData)) ->
            let child = Bound.node b c.Node.Name
            let cd, sd = rowsOf b child cData, rowsOf b child sData
            let w = Array.init child.Copies (fun r -> cd.[r] / (sd.[r] * sd.[r]))
            let y = response b child split
            let u = rowsOf b child split.LevelData
            let level = Eval.groupLevel b child.Scope split.Group
            let levels = b.Groups.[split.Group].Levels.Length
            let perLevel = Array.zeroCreate levels
            let mutable p, sy = 0.0, 0.0

            for r in 0 .. child.Copies - 1 do
                p <- p + cd.[r] * w.[r]
                sy <- sy + w.[r] * y.[r]
                perLevel.[level r] <- perLevel.[level r] + w.[r] * u.[r]

            let globals =
                split.Globals
                |> List.map (fun (coef, x) ->
                    let xs = rowsOf b child x
                    UpdateKit.perSweep b coef |> Option.get, Array.fold2 (fun acc wr xr -> acc + wr * xr) 0.0 w xs)
                |> Array.ofList

            let ciF, siF =
                UpdateKit.perSweep b ci |> Option.get, UpdateKit.perSweep b si |> Option.get

            let off = b.Layout.Offsets.[split.Level]

            fun (s: float[]) (prec: float[]) (shift: float[]) (_: float[]) ->
                let cv, sv = ciF s, siF s
                let iv = 1.0 / (sv * sv)
                let mutable t = sy // accumulation over levels (hot loop)

                for l in 0 .. levels - 1 do
                    t <- t - s.[off + l] * perLevel.[l]

                for (coef, sum) in globals do
                    t <- t - coef s * sum

                prec.[0] <- prec.[0] + cv * cv * iv * p
                shift.[0] <- shift.[0] + cv * iv * t)

    /// Per-level sums of the rows r of each level l for y_r ≈ z_r·β_l: the row count, ZᵀZ, and Σe² and Zᵀe of the
    /// residuals e = y − z·β̃_l about a reference β̃_l, a ridge least-squares fit (ε relative to the trace; 0 when
    /// that fails) computed once. Any reference gives the exact sum; a close one keeps Σe² and the corrections small.
    type LevelSquares =
        {
            K: int
            Count: int[]
            Gram: float[]
            Reference: float[]
            Sq: float[]
            Zte: float[]
        }

    /// The `LevelSquares` of `rows` rows, row r in level `level r` with regressors `z r i` (i < k) and response `y r`.
    let levelSquares (k: int) (levels: int) (rows: int) (level: int -> int) (z: int -> int -> float) (y: int -> float) =
        let kk = k * k
        let count = Array.zeroCreate levels
        let gram = Array.zeroCreate (levels * kk)
        let zty = Array.zeroCreate (levels * k)

        for r in 0 .. rows - 1 do
            let l = level r
            count.[l] <- count.[l] + 1

            for i in 0 .. k - 1 do
                zty.[l * k + i] <- zty.[l * k + i] + z r i * y r

                for j in 0 .. k - 1 do
                    gram.[l * kk + i * k + j] <- gram.[l * kk + i * k + j] + z r i * z r j

        let reference = Array.zeroCreate (levels * k)
        let chol = Array.zeroCreate kk

        for l in 0 .. levels - 1 do
            let trace = Seq.sum (seq { for i in 0 .. k - 1 -> gram.[l * kk + i * k + i] })
            Array.blit gram (l * kk) chol 0 kk

            for i in 0 .. k - 1 do
                chol.[i * k + i] <- chol.[i * k + i] + 1e-10 * trace / float k + 1e-300

            if count.[l] > 0 && SmallMv.cholesky k chol 0 then
                Array.blit zty (l * k) reference (l * k) k
                SmallMv.solveLower k chol 0 reference (l * k)
                SmallMv.solveLowerTransposed k chol 0 reference (l * k)

        let sq = Array.zeroCreate levels
        let zte = Array.zeroCreate (levels * k)

        for r in 0 .. rows - 1 do
            let l = level r
            let mutable e = y r

            for i in 0 .. k - 1 do
                e <- e - z r i * reference.[l * k + i]

            sq.[l] <- sq.[l] + e * e

            for i in 0 .. k - 1 do
                zte.[l * k + i] <- zte.[l * k + i] + z r i * e

        {
            K = k
            Count = count
            Gram = gram
            Reference = reference
            Sq = sq
            Zte = zte
        }

    /// Σ_l SS_l with SS_l = Σe² − 2δᵀZᵀe + δᵀZᵀZδ and δ_i = `coef l i` − β̃_l,i: the exact residual sum of squares at
    /// the coefficients `coef`, in O(levels·k²), without the cancellation of expanding about zero.
    let inline totalSquares (q: LevelSquares) ([<InlineIfLambda>] coef: int -> int -> float) : float =
        let k = q.K
        let kk = k * k
        let mutable ss = 0.0 // accumulation over levels (hot loop)

        for l in 0 .. q.Count.Length - 1 do
            if q.Count.[l] > 0 then
                let mutable lin = 0.0
                let mutable quad = 0.0

                for i in 0 .. k - 1 do
                    let di = coef l i - q.Reference.[l * k + i]
                    lin <- lin + di * q.Zte.[l * k + i]
                    let mutable row = 0.0

                    for j in 0 .. k - 1 do
                        row <- row + q.Gram.[l * kk + i * k + j] * (coef l j - q.Reference.[l * k + j])

                    quad <- quad + di * row

                ss <- ss + max 0.0 (q.Sq.[l] - 2.0 * lin + quad)

        ss

    /// Σ (y − mean)² of an observed child whose mean has the `Split` shape, in O(levels·k²) per sweep for k = 1 +
    /// the number of global terms: per level, the residuals e = y − d − z·β̃_l about a reference β̃_l (a ridge
    /// least-squares fit of z_r = (u_r, x_r1, …) computed once) give SS_l = Σe² − 2δᵀZᵀe + δᵀZᵀZδ exactly, with
    /// δ = (θ_l, c_1, …) − β̃_l, and without the cancellation of expanding about zero.
    let sumOfSquares (b: Bound) (child: NodeInfo) (split: Split) : float[] -> float =
        let y = response b child split

        let columns =
            split.LevelData :: (split.Globals |> List.map snd)
            |> List.map (rowsOf b child)
            |> Array.ofList

        let coefs =
            split.Globals
            |> List.map (fst >> UpdateKit.perSweep b >> Option.get)
            |> Array.ofList

        let k = columns.Length
        let level = Eval.groupLevel b child.Scope split.Group
        let levels = b.Groups.[split.Group].Levels.Length

        let q =
            levelSquares k levels child.Copies level (fun r i -> columns.[i].[r]) (fun r -> y.[r])

        let off = b.Layout.Offsets.[split.Level]

        fun (s: float[]) -> totalSquares q (fun l i -> if i = 0 then s.[off + l] else coefs.[i - 1]s)
