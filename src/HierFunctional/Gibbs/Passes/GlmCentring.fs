namespace HierFunctional

open System
open HierFunctional.Inference

/// Hierarchical centring for the GLM block, drawn exactly. A Normal random effect re[g] that every row of the block's
/// children reads as + re[g[row]] (and nothing else reads) pins the coefficients of covariates constant within levels
/// of g: given re, they can only move as far as the data allow. Shifting those coefficients by δ and re_l by −X_l·δ
/// leaves every linear predictor unchanged, so δ has an exactly Gaussian conditional (re's prior and the coefficient
/// priors only): a Gibbs step along a linear subspace, equivalent to drawing the coefficients given the centred
/// effects re_l + X_l·α.
[<RequireQualifiedAccess>]
module internal GlmCentring =

    /// A GLM child as the centring step sees it: its node, its linear predictor without the block, and its design.
    type Row =
        {
            Info: NodeInfo
            FreeOffset: Expr
            /// Rows × block size, row-major.
            X: float[]
            Rows: int
        }

    /// A GLM child as the centring and translation steps see it.
    let rowOf (c: GlmProposal.Child) : Row =
        {
            Info = c.Info
            FreeOffset = c.FreeOffset
            X = c.X
            Rows = c.Rows
        }

    /// Σ_l x_l x_lᵀ of per-level vectors (levels × p, row-major) as p × p, row-major.
    let gram (levels: int) (p: int) (xs: float[]) =
        Array.init (p * p) (fun i ->
            Seq.sum (seq { for l in 0 .. levels - 1 -> xs.[l * p + i / p] * xs.[l * p + i % p] }))

    /// `step` applied to each parameter the children's linear predictors read besides the block (its random effects).
    let forEachEffect (b: Bound) (children: Row[]) (step: string -> 'a option) =
        children
        |> Array.collect (fun c -> Expr.paramRefs c.FreeOffset |> Array.ofList)
        |> Array.distinct
        |> Array.choose (fun p -> if b.NodeMap.ContainsKey p then step p else None)

    /// A Normal random effect re[g] that every row of the block's children reads as + re[g[row]] and nothing else
    /// reads, with block columns constant within each level of g. Shifting the coefficients in those columns by δ
    /// and re_l by −X_l·δ leaves every linear predictor unchanged, so δ has a Gaussian conditional (the re prior and
    /// the coefficient priors only): the hierarchical-centring step, drawn exactly.
    type Shift =
        {
            Name: string
            Offset: int
            Levels: int
            /// Indices (into the block) of the columns constant within levels.
            Cols: int[]
            /// Per level, the constant column values (levels × Cols.Length; 0 for levels without rows).
            X: float[]
            /// Σ_l X_l X_lᵀ (Cols.Length², row-major).
            XtX: float[]
            PriorMean: Eval.Compiled<float>
            PriorSd: Eval.Compiled<float>
            /// Σ_l X_l (Cols.Length), for the joint move with the mean.
            XSum: float[]
            /// When re's mean is a scalar Normal parameter μ that nothing else reads (a formula's b_Intercept under
            /// hierarchical centring): μ's offset and prior. The step then shifts μ with the coefficients, since
            /// moving the coefficients alone would move re's centre away from μ.
            Mean: (string * int * Eval.Compiled<float> * Eval.Compiled<float>) option
        }

    /// Reads no data column, only scalar global parameters and scalar global derived nodes of them (e.g. a
    /// formula's `sd = tau_sd^-0.5` under a prior on the precision): the expression takes one value per sweep.
    let rec private scalarGlobal (b: Bound) (e: Expr) =
        List.isEmpty (Expr.columnRefs e)
        && Expr.paramRefs e
           |> List.forall (fun p ->
               Factor.isScalarGlobalParameter b p
               || (match b.NodeMap.TryFind p with
                   | Some i when i.Scope = Scope.Global && i.Event = Shape.Scalar && i.Copies = 1 ->
                       match i.Node.Kind with
                       | NodeKind.Derived d -> scalarGlobal b d
                       | _ -> false
                   | _ -> false))

    /// re's mean μ when it is a scalar global Normal parameter, outside the block, whose only child is re and which
    /// re's sd does not read (so that moving μ changes re's density only through its mean).
    let private meanOf (b: Bound) (expanded: Model) (members: string[]) (re: string) (m: Expr) (sd: Expr) =
        match m with
        | Param mu when
            Factor.isScalarGlobalParameter b mu
            && not (Array.contains mu members)
            && not (Expr.dependsOn mu sd)
            ->
            match b.NodeMap.[mu].Node.Kind with
            | NodeKind.Parameter(Dist.Normal(pm, ps)) when
                scalarGlobal b pm
                && scalarGlobal b ps
                && not (Expr.dependsOn mu pm || Expr.dependsOn mu ps)
                && (Graph.children expanded mu |> List.map _.Name) = [ re ]
                ->
                Some(
                    mu,
                    b.Layout.Offsets.[mu],
                    Eval.compileScalar b Scope.Global pm,
                    Eval.compileScalar b Scope.Global ps
                )
            | _ -> None
        | _ -> None

    /// How a block column varies within the levels of a random effect's grouping factor.
    [<RequireQualifiedAccess>]
    type Column =
        /// One value in every row of each level: the shift leaves every linear predictor unchanged.
        | Constant
        /// One non-zero value in each level, 0 in the level's other rows (a treatment indicator times level
        /// covariates): the shift leaves the rows with the non-zero value unchanged and moves the others.
        | ConstantWhereNonZero
        | Varies

    /// A Normal random effect re[g] with mean and sd free of re and the block, that every row of the block's children
    /// reads as + re[g[row]] and nothing else reads: (re, g, mean, sd).
    let effectFor (b: Bound) (expanded: Model) (members: string[]) (children: Row[]) (re: string) =
        let info = b.NodeMap.[re]

        let free e =
            not (Expr.dependsOn re e)
            && members |> Array.forall (fun m -> not (Expr.dependsOn m e))

        let childNames = children |> Array.map _.Info.Node.Name |> Set.ofArray

        let readsOnce (g: string) (c: Row) =
            match Linear.tryAffine re c.FreeOffset with
            | Some(_, Slot.Indexed(Group g'), Const 1.0) -> g' = g
            | _ -> false

        match info.Node.Kind, info.Node.Plate with
        | NodeKind.Parameter(Dist.Normal(m, sd)), Plate.Over g when
            free m
            && free sd
            && scalarGlobal b m
            && scalarGlobal b sd
            && Array.forall (readsOnce g) children
            && (Graph.children expanded re |> List.map _.Name |> Set.ofList) = childNames
            ->
            Some(info, g, m, sd)
        | _ -> None

    /// Per level of g, each block column's value in the level's rows where it is non-zero (levels × k; 0 in a level
    /// where it is zero or that has no rows), and how each column varies within levels.
    let levelColumns (b: Bound) (children: Row[]) (g: string) (levels: int) (k: int) =
        let x = Array.create (levels * k) nan
        let nonZero = Array.zeroCreate (levels * k)
        let kinds = Array.create k Column.Constant

        let demote j kind =
            match kinds.[j], kind with
            | Column.Constant, _
            | Column.ConstantWhereNonZero, Column.Varies -> kinds.[j] <- kind
            | _ -> ()

        for c in children do
            let level = Eval.groupLevel b c.Info.Scope g

            for r in 0 .. c.Rows - 1 do
                let l = level r

                for j in 0 .. k - 1 do
                    let v = c.X.[r * k + j]
                    let seen = x.[l * k + j]

                    if Double.IsNaN seen then
                        x.[l * k + j] <- v
                    elif seen <> v then
                        demote j Column.ConstantWhereNonZero

                    if v <> 0.0 then
                        if nonZero.[l * k + j] = 0.0 then
                            nonZero.[l * k + j] <- v
                        elif nonZero.[l * k + j] <> v then
                            demote j Column.Varies

        nonZero, kinds

    /// The block columns (of k) that `keep` takes given how they vary within g's levels, their per-level values
    /// (levels × p, row-major) and those values' Gram matrix.
    let columnsWhere (b: Bound) (children: Row[]) (g: string) (levels: int) (k: int) (keep: int -> Column -> bool) =
        let x, kinds = levelColumns b children g levels k
        let cols = Array.init k id |> Array.filter (fun j -> keep j kinds.[j])
        let p = cols.Length
        let xs = Array.init (levels * p) (fun i -> x.[(i / p) * k + cols.[i % p]])
        cols, xs, gram levels p xs

    /// The centring shift of random effect `re` for a block, if `re` qualifies (see `Shift`).
    let private shiftFor (b: Bound) (expanded: Model) (members: string[]) (children: Row[]) (re: string) =
        let k = members.Length

        match effectFor b expanded members children re with
        | Some(info, g, m, sd) ->
            let levels = info.Copies

            let cols, xs, xtx =
                columnsWhere b children g levels k (fun _ kind -> kind = Column.Constant)

            let p = cols.Length

            if p = 0 then
                None
            else
                Some
                    {
                        Name = re
                        Offset = b.Layout.Offsets.[re]
                        Levels = levels
                        Cols = cols
                        X = xs
                        XtX = xtx
                        PriorMean = Eval.compileScalar b Scope.Global m
                        PriorSd = Eval.compileScalar b Scope.Global sd
                        XSum = Array.init p (fun i -> Seq.sum (seq { for l in 0 .. levels - 1 -> xs.[l * p + i] }))
                        Mean = meanOf b expanded members re m sd
                    }
        | None -> None

    /// The centring shifts of every qualifying random effect in the block's linear predictors.
    let shiftsFor (b: Bound) (expanded: Model) (members: string[]) (children: Row[]) =
        forEachEffect b children (shiftFor b expanded members children)

    /// One exact centring step: δ ~ N(Q⁻¹h, Q⁻¹) with Q = diag(prior precisions) + XᵀX/σ² and
    /// h = −P(α − m) + Σ_l X_l (re_l − μ)/σ², then α_S += δ, re_l −= X_l·δ (q: p×p, h and z: p scratch). With
    /// `sh.Mean`, μ is coordinate p of the same Gaussian draw (row Σ_l X_l/σ², diagonal L/σ² + its prior precision)
    /// and moves by it while re stays put (q: (p+1)², h and z: p + 1). A member
    /// with a Uniform prior (bounds: lower, upper per member; ±∞ for the others) truncates δ's conditional to a box;
    /// the Gaussian draw is then an independence proposal for it, accepted exactly when it stays inside the box.
    let centre
        (update: string)
        (rng: Random)
        (sh: Shift)
        (s: float[])
        (memberOffsets: int[])
        (bounds: float[])
        (pm: float[])
        (pp: float[])
        (q: float[])
        (h: float[])
        (z: float[])
        =
        let p = sh.Cols.Length
        // n = p coefficients, plus re's mean μ as coordinate p when the step moves it too (q: n×n, h and z: n)
        let n = if sh.Mean.IsSome then p + 1 else p
        let mu = sh.PriorMean s 0
        let sd = sh.PriorSd s 0
        let w = 1.0 / (sd * sd)

        for i in 0 .. p - 1 do
            let j = sh.Cols.[i]
            h.[i] <- -pp.[j] * (s.[memberOffsets.[j]] - pm.[j])

            for l in 0..i do
                q.[i * n + l] <- w * sh.XtX.[i * p + l]

            q.[i * n + i] <- q.[i * n + i] + pp.[j]

        match sh.Mean with
        | Some(_, _, meanMean, meanSd) ->
            let ps = meanSd s 0
            let precision = 1.0 / (ps * ps)
            h.[p] <- -precision * (mu - meanMean s 0)

            for l in 0 .. p - 1 do
                q.[p * n + l] <- w * sh.XSum.[l]

            q.[p * n + p] <- w * float sh.Levels + precision
        | None -> ()

        for l in 0 .. sh.Levels - 1 do
            let r = w * (s.[sh.Offset + l] - mu)

            for i in 0 .. p - 1 do
                h.[i] <- h.[i] + r * sh.X.[l * p + i]

            if n > p then
                h.[p] <- h.[p] + r

        if not (SmallMv.cholesky n q 0) then
            UpdateKit.fail sh.Name update "the centring step's precision is not positive definite"

        SmallMv.solveLower n q 0 h 0
        SmallMv.solveLowerTransposed n q 0 h 0

        for i in 0 .. n - 1 do
            z.[i] <- StandardNormal.sample rng

        SmallMv.solveLowerTransposed n q 0 z 0

        let mutable inside = true

        for i in 0 .. n - 1 do
            z.[i] <- h.[i] + z.[i]

        for i in 0 .. p - 1 do
            let j = sh.Cols.[i]
            let moved = s.[memberOffsets.[j]] + z.[i]

            if not (moved > bounds.[2 * j] && moved < bounds.[2 * j + 1]) then
                inside <- false

        if inside then
            for i in 0 .. p - 1 do
                s.[memberOffsets.[sh.Cols.[i]]] <- s.[memberOffsets.[sh.Cols.[i]]] + z.[i]

            match sh.Mean with
            | Some(_, offset, _, _) -> s.[offset] <- s.[offset] + z.[p]
            | None -> ()

            for l in 0 .. sh.Levels - 1 do
                let mutable acc = 0.0

                for i in 0 .. p - 1 do
                    acc <- acc + sh.X.[l * p + i] * z.[i]

                s.[sh.Offset + l] <- s.[sh.Offset + l] - acc
