namespace HierFunctional

open System
open HierFunctional.Inference

/// Non-conjugate update of a Normal-prior target whose children are log-linear count rows: y_i ~ Poisson(exp(eta_i),
/// E_i) or NegativeBinomial(exp(eta_i), φ_i), eta_i = a_i + c_i·θ[e_i]. Once per sweep the rows are summarised
/// (offsets a_i + log E_i, coefficients, dispersions; per element and Poisson child Σ y_i and W = Σ e^(a_i) E_i when
/// the element's rows share one coefficient c), then every element is slice-sampled (Neal 2003) on its exact
/// log-conditional log N(θ; m, s) + c θ Σy − W e^(cθ): O(1) per evaluation for Poisson random intercepts, O(rows of
/// the element) otherwise. See docs/conjugacy.md, "Non-conjugate GLM updates", for why not elliptical slice.
[<RequireQualifiedAccess>]
module internal LogLinearCountUpdate =

    let private perRow = PolyaGammaUpdate.perRow

    /// One count child: its rows grouped by the target element they read, and per-row expressions.
    type Rows =
        {
            Copies: int
            /// Rows sorted by element; element e owns Order[Start[e] .. Start[e + 1] − 1].
            Order: int[]
            Start: int[]
            /// a_i, plus log E_i for Poisson rows.
            Offset: float[] -> int -> float
            Coefficient: float[] -> int -> float
            /// φ_i for Negative Binomial rows (None: Poisson).
            Dispersion: (float[] -> int -> float) option
            Y: float[]
        }

    let rows (b: Bound) (target: NodeInfo) (c: LinkedChild) : Result<Rows, string> =
        let child = Bound.node b c.Node.Name

        Slots.elementOf b target child c.Slot
        |> Result.map (fun element ->
            let order = Array.init child.Copies id |> Array.sortBy (fun r -> element.[r])
            let start = Array.zeroCreate (target.Copies + 1)

            for r in 0 .. child.Copies - 1 do
                start.[element.[r] + 1] <- start.[element.[r] + 1] + 1

            for e in 1 .. target.Copies do
                start.[e] <- start.[e] + start.[e - 1]

            let offset, dispersion =
                match c.Family with
                | GlmFamily.Poisson exposure -> Add(c.Offset, Apply(Fn.Log, exposure)), None
                | GlmFamily.NegativeBinomial phi -> c.Offset, Some(perRow b child phi)
                | GlmFamily.Logistic _ -> invalidArg "c" "not a count child"

            {
                Copies = child.Copies
                Order = order
                Start = start
                Offset = perRow b child offset
                Coefficient = perRow b child c.Coefficient
                Dispersion = dispersion
                Y = b.Numeric.[c.Node.Name]
            })

    /// log(e^x + e^y) without overflow.
    let private logAddExp (x: float) (y: float) =
        if x > y then
            x + log (1.0 + exp (y - x))
        else
            y + log (1.0 + exp (x - y))

    /// Per-sweep scratch of one child: row offsets, coefficients, dispersions; per element Σy, W and the shared c.
    [<Struct>]
    type Scratch =
        {
            O: float[]
            C: float[]
            Phi: float[]
            SumY: float[]
            W: float[]
            Shared: float[]
        }

    /// Fills the scratch of one child for the current state (one O(rows) pass).
    let summarise (rs: Rows) (s: float[]) (sc: Scratch) =
        for r in 0 .. rs.Copies - 1 do
            sc.O.[r] <- rs.Offset s r
            sc.C.[r] <- rs.Coefficient s r

            match rs.Dispersion with
            | Some phi -> sc.Phi.[r] <- phi s r
            | None -> ()

        for e in 0 .. rs.Start.Length - 2 do
            let mutable sy = 0.0
            let mutable w = 0.0

            let mutable shared =
                if rs.Start.[e] < rs.Start.[e + 1] then
                    sc.C.[rs.Order.[rs.Start.[e]]]
                else
                    0.0

            for i in rs.Start.[e] .. rs.Start.[e + 1] - 1 do
                let r = rs.Order.[i]
                sy <- sy + rs.Y.[r]
                w <- w + exp sc.O.[r]

                if sc.C.[r] <> shared then
                    shared <- nan

            sc.SumY.[e] <- sy
            sc.W.[e] <- w
            // the aggregated form needs one coefficient and Poisson rows; NaN sends the element to the row loop
            sc.Shared.[e] <- if rs.Dispersion.IsSome then nan else shared

    /// The log-likelihood of element e's rows of one child at θ (up to terms free of θ).
    let elementLogLik (rs: Rows) (sc: Scratch) (e: int) (theta: float) =
        let c = sc.Shared.[e]

        if not (Double.IsNaN c) then
            c * theta * sc.SumY.[e] - sc.W.[e] * exp (c * theta)
        else
            let mutable acc = 0.0

            for i in rs.Start.[e] .. rs.Start.[e + 1] - 1 do
                let r = rs.Order.[i]
                let y = rs.Y.[r]
                let eta = sc.O.[r] + sc.C.[r] * theta

                acc <-
                    acc
                    + if rs.Dispersion.IsSome then
                          // NB2: y·eta − (y + φ)·log(φ + e^eta), dropping log Γ terms and φ log φ (free of θ)
                          y * eta - (y + sc.Phi.[r]) * logAddExp (log sc.Phi.[r]) eta
                      else
                          y * eta - exp eta

            acc

    /// Slices every element of a Normal(m0, s0)-prior target on its exact log-conditional (see the module doc).
    let private elementwise (b: Bound) (target: NodeInfo) (m0: Expr) (s0: Expr) (parts: Rows[]) : Update =
        let name = target.Node.Name
        let rule = GlmConjugacy.logLinearCount.Name
        let off = b.Layout.Offsets.[name]
        let n = target.Copies
        let mf = Eval.compileScalar b target.Scope m0
        let sf = Eval.compileScalar b target.Scope s0


        {
            Node = name
            Method = rule
            Kind = UpdateKind.Rule rule
            Exactness = Exactness.Markov
            Reason = ""
            KeepsWeight = false
            Init =
                fun setup ->
                    let widths = UpdateStep.widths n

                    let scratch =
                        parts
                        |> Array.map (fun rs ->
                            {
                                O = Array.zeroCreate rs.Copies
                                C = Array.zeroCreate rs.Copies
                                Phi = Array.zeroCreate rs.Copies
                                SumY = Array.zeroCreate n
                                W = Array.zeroCreate n
                                Shared = Array.zeroCreate n
                            })

                    let prepare (_: Random) (st: ChainState) =
                        for k in 0 .. parts.Length - 1 do
                            summarise parts.[k] st.Values scratch.[k]

                    // group-wise: element j slices on its own stream with its own width
                    let runRange (gs: GroupStream) (st: ChainState) (lo: int) (hi: int) =
                        let s = st.Values

                        for j in lo .. hi - 1 do
                            let rng = gs.PhiloxInOrder(setup.Index, st.Sweep, j) :> Random
                            let i = if target.Scope = Scope.Global then 0 else j
                            let m, sd = mf s i, sf s i

                            let f theta =
                                let z = (theta - m) / sd
                                let mutable acc = -0.5 * z * z

                                for k in 0 .. parts.Length - 1 do
                                    acc <- acc + elementLogLik parts.[k] scratch.[k] j theta

                                acc

                            let w = widths.[j]
                            let x0 = s.[off + j]
                            let r = UpdateKit.sliceStep name rule rng f w.Width x0
                            s.[off + j] <- r.Value

                            if st.Adapting then
                                widths.[j] <- Slice.adaptWidth w x0 r.Value

                    UpdateStep.withWidths widths (fun _ _ -> ())
                    |> UpdateStep.grouped
                        {
                            Count = n
                            Prepare = prepare
                            RunRange = runRange
                        }
        }

    /// The update of a Normal-prior target with log-linear count children (see `GlmConjugacy.logLinearCount`).
    let update
        (b: Bound)
        (target: NodeInfo)
        (prior: GaussianPrior)
        (children: LinkedChild list)
        : Result<Update, string> =
        match prior with
        | GaussianPrior.Elementwise(m0, s0) ->
            children
            |> List.map (rows b target)
            |> PolyaGammaUpdate.collect
            |> Result.map (elementwise b target m0 s0)
        | _ -> Error "coefficients read through a dot product are left to the slice fallback"
