namespace HierFunctional

open System
open MathNet.Numerics.LinearAlgebra
open HierFunctional.Inference

/// Pólya-Gamma data augmentation (Polson, Scott & Windle 2013) for a Gaussian-prior target whose children are
/// y_i ~ Binomial(n_i, invLogit(eta_i)) with eta linear in the target. The identity
/// (e^eta)^y / (1 + e^eta)^n = 2^(−n) e^(κ eta) E[exp(−ω eta²/2)], ω ~ PG(n, 0), κ = y − n/2, makes the likelihood
/// Gaussian in eta given ω: pseudo-data z_i = κ_i/ω_i with precision ω_i. One update draws ω_i ~ PG(n_i, eta_i) for
/// every row and then the target from the existing Normal-Normal, block or MvNormal-linear conditional; the ω are
/// accumulated as they are drawn (w·c² and c·(κ − ω a)), so a sweep allocates nothing per row.
[<RequireQualifiedAccess>]
module internal PolyaGammaUpdate =

    /// A per-row quantity: precomputed once when it reads no parameter, else evaluated from the state.
    let perRow (b: Bound) (child: NodeInfo) (e: Expr) : float[] -> int -> float =
        let f = Eval.compileScalar b child.Scope e

        if Factor.isDataOnly e then
            let zero = UpdateKit.zeroState b
            let xs = Array.init child.Copies (f zero)
            fun _ r -> xs.[r]
        else
            f

    /// A per-row design vector (dot-product slots), precomputed when data-only.
    let private perRowVector (b: Bound) (child: NodeInfo) (e: Expr) : float[] -> int -> float[] =
        let f = Eval.compileValue b child.Scope e

        if Factor.isDataOnly e then
            let zero = UpdateKit.zeroState b
            let xs = Array.init child.Copies (fun r -> Value.vector (f zero r))
            fun _ r -> xs.[r]
        else
            fun s r -> Value.vector (f s r)

    /// A logistic child ready for the sweep: which target element each row reads, its offset, trials and response.
    type private Rows =
        {
            Copies: int
            Element: int[]
            Offset: float[] -> int -> float
            Trials: float[] -> int -> float
            Y: float[]
        }

    let private rows (b: Bound) (child: NodeInfo) (c: LinkedChild) (element: int[]) : Result<Rows, string> =
        let n =
            match c.Family with
            | GlmFamily.Logistic n -> n
            | _ -> invalidArg "c" "not a logistic child"

        let trials = perRow b child n
        let zero = UpdateKit.zeroState b

        // PG(b, c) is drawn as a sum of b PG(1, c) terms, so the trials must be whole numbers.
        match
            Seq.init child.Copies id
            |> Seq.tryFind (fun r -> Factor.isDataOnly n && (let t = trials zero r in t < 0.0 || t <> round t))
        with
        | Some r ->
            Error
                $"row {r + 1} of '{c.Node.Name}' has {trials zero r} trials; the Pólya-Gamma update needs whole numbers"
        | None ->
            Ok
                {
                    Copies = child.Copies
                    Element = element
                    Offset = perRow b child c.Offset
                    Trials = trials
                    Y = b.Numeric.[c.Node.Name]
                }

    /// Draws ω ~ PG(n, eta) and hands (ω, κ = y − n/2) to `add`; rows with no trials carry no information.
    let inline private augment (rng: Random) (n: float) (y: float) (eta: float) ([<InlineIfLambda>] add) =
        if n > 0.0 then
            let w = PolyaGammaN.draw rng (int (round n)) eta
            add w (y - 0.5 * n)

    let private methodName (inner: Recogniser<'m>) =
        $"{GlmConjugacy.polyaGammaLogistic.Name} ({inner.Name})"

    /// An update whose per-chain state is the scratch `scratch` allocates (rebuilt by every move).
    let private make name inner (scratch: unit -> 'scratch) (run: 'scratch -> Random -> ChainState -> unit) =
        {
            Node = name
            Method = methodName inner
            Kind = UpdateKind.Rule GlmConjugacy.polyaGammaLogistic.Name
            Exactness = Exactness.Exact
            Reason = ""
            KeepsWeight = false
            Init = fun _ -> UpdateStep.scratch (run (scratch ()))
        }

    /// All the values, or the first error.
    let collect (results: Result<'a, string> list) =
        match
            results
            |> List.tryPick (function
                | Error e -> Some e
                | Ok _ -> None)
        with
        | Some why -> Error why
        | None ->
            Ok(
                results
                |> List.map (function
                    | Ok x -> x
                    | Error _ -> failwith "unreachable")
                |> Array.ofList
            )

    /// Element-wise Normal prior: prec_e += c²ω, shift_e += c(κ − ωa), then `NormalUpdates.drawElements`.
    let private elementwise (b: Bound) (target: NodeInfo) m0 s0 (children: LinkedChild list) =
        let off = b.Layout.Offsets.[target.Node.Name]

        children
        |> List.map (fun c ->
            let child = Bound.node b c.Node.Name

            Slots.elementOf b target child c.Slot
            |> Result.bind (rows b child c)
            |> Result.map (fun rs -> rs, perRow b child c.Coefficient))
        |> collect
        |> Result.map (fun parts ->
            let n = target.Copies

            let draw =
                NormalUpdates.drawElements b target m0 s0 (methodName NormalConjugacy.normalMean)

            make
                target.Node.Name
                NormalConjugacy.normalMean
                (fun () -> Array.zeroCreate<float> n, Array.zeroCreate<float> n)
                (fun (prec, shift) rng st ->
                    let s = st.Values
                    Array.Clear prec
                    Array.Clear shift

                    for rs, coef in parts do
                        for r in 0 .. rs.Copies - 1 do
                            let e = rs.Element.[r]
                            let c = coef s r
                            let a = rs.Offset s r

                            augment rng (rs.Trials s r) rs.Y.[r] (a + c * s.[off + e]) (fun w kappa ->
                                prec.[e] <- prec.[e] + c * c * w
                                shift.[e] <- shift.[e] + c * (kappa - w * a))

                    draw rng s prec shift))

    /// Rows read the target through x·b_e: accumulate ω x xᵀ and x(κ − ωa) per copy e (`MvNormalLinearUpdate.accumulateRow`).
    let private dotRows
        (b: Bound)
        (target: NodeInfo)
        (k: int)
        (element: LinkedChild -> Result<NodeInfo * int[], string>)
        children
        =
        let off = b.Layout.Offsets.[target.Node.Name]

        children
        |> List.map (fun (c: LinkedChild) ->
            element c
            |> Result.bind (fun (child, elem) ->
                rows b child c elem
                |> Result.map (fun rs -> rs, perRowVector b child c.Coefficient)))
        |> collect
        |> Result.map (fun parts ->
            fun (rng: Random) (s: float[]) (acc: float[]) ->
                Array.Clear acc

                for rs, design in parts do
                    for r in 0 .. rs.Copies - 1 do
                        let e = rs.Element.[r]
                        let x = design s r
                        let a = rs.Offset s r
                        let mutable eta = a

                        for d in 0 .. k - 1 do
                            eta <- eta + x.[d] * s.[off + e * k + d]

                        augment rng (rs.Trials s r) rs.Y.[r] eta (fun w kappa ->
                            MvNormalLinearUpdate.accumulateRow k acc e x w (kappa / w - a)))

    let private updateInner
        (b: Bound)
        (target: NodeInfo)
        (prior: GaussianPrior)
        (children: LinkedChild list)
        : Result<Update, string> =
        let name = target.Node.Name

        match prior with
        | GaussianPrior.Elementwise(m0, s0) when
            children
            |> List.forall (fun c -> (Bound.node b c.Node.Name).Event = Shape.Scalar)
            ->
            elementwise b target m0 s0 children
        | GaussianPrior.Elementwise _ -> Error "a child is not scalar"
        | GaussianPrior.Block(m0, s0) ->
            let k = target.Copies

            let element (c: LinkedChild) =
                let child = Bound.node b c.Node.Name

                if child.Event = Shape.Scalar then
                    Ok(child, Array.zeroCreate child.Copies)
                else
                    Error $"child '{c.Node.Name}' is not scalar"

            dotRows b target k element children
            |> Result.map (fun accumulate ->
                let draw =
                    NormalUpdates.drawBlock b target m0 s0 (methodName NormalConjugacy.normalBlock)

                make name NormalConjugacy.normalBlock (fun () -> Array.zeroCreate<float>(k * k + k)) (fun acc rng st ->
                    accumulate rng st.Values acc

                    draw
                        rng
                        st.Values
                        {
                            XtWX = Matrix<float>.Build.DenseOfRowMajor(k, k, Array.sub acc 0 (k * k))
                            XtWr = Array.sub acc (k * k) k
                        }))
        | GaussianPrior.MvLinear(m0, s0) ->
            let k = MvNormalLinearUpdate.copyLength target

            let element (c: LinkedChild) =
                MvNormalLinearUpdate.dotElements b target c.Node c.Slot

            dotRows b target k element children
            |> Result.map (fun accumulate ->
                let scratch, draw =
                    MvNormalLinearUpdate.drawLinearCopies b target m0 s0 (methodName MvConjugacy.mvNormalLinear)

                let makeScratch () =
                    Array.zeroCreate<float>(target.Copies * (k * k + k)), scratch ()

                make name MvConjugacy.mvNormalLinear makeScratch (fun (acc, sc) rng st ->
                    accumulate rng st.Values acc
                    draw.Invoke(rng, st, acc, sc)))

    /// The Pólya-Gamma update of a Gaussian-prior target with logistic children (see `GlmConjugacy.polyaGammaLogistic`);
    /// its method says when some ω may come from `PolyaGammaN`'s approximate series (trials above its exact limit).
    let update
        (b: Bound)
        (target: NodeInfo)
        (prior: GaussianPrior)
        (children: LinkedChild list)
        : Result<Update, string> =
        let exactOmega =
            children
            |> List.forall (fun c ->
                match c.Family with
                | GlmFamily.Logistic n when Factor.isDataOnly n ->
                    let child = Bound.node b c.Node.Name
                    let f = perRow b child n
                    let zero = UpdateKit.zeroState b

                    Seq.init child.Copies (f zero)
                    |> Seq.forall (fun t -> not (PolyaGammaN.mayApproximate (int t)))
                | _ -> false)

        updateInner b target prior children
        |> Result.map (fun u ->
            if exactOmega then
                u
            else
                { u with
                    Method = $"{u.Method}; ω: {PolyaGammaN.describe}"
                    Exactness = Exactness.Approximate PolyaGammaN.bound
                })
