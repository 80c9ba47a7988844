namespace HierFunctional

open HierFunctional.Inference

/// The executor of the Gamma-Poisson rule (recogniser `CountConjugacy.gammaPoisson`, posterior
/// `ConjugatePosterior.gammaPoisson`), with the flat-array sweep of BUGS pumps when the sums are fixed data.
[<RequireQualifiedAccess>]
module internal GammaPoissonUpdate =

    /// Gamma(a, rate b) × Poisson children → Gamma(a + Σy, b + Σ exposure). When the sums are fixed data and a, b
    /// are the same for every element (BUGS pumps), the sweep is one Gamma draw per element over flat arrays.
    let gammaPoisson (b: Bound) (target: NodeInfo) (shape: Expr) (rate: Expr) (children: CountChild list) =
        let af = Eval.compileScalar b target.Scope shape
        let rf = Eval.compileScalar b target.Scope rate
        let rule = CountConjugacy.gammaPoisson.Name

        match CountSums.staticCountSums b target children with
        | Some(ys, sizes) when Factor.readsOnlyScalarGlobals b shape && Factor.readsOnlyScalarGlobals b rate ->
            let name = target.Node.Name
            let n = target.Copies
            let off = b.Layout.Offsets.[name]

            Ok
                {
                    Node = name
                    Method = rule
                    Kind = UpdateKind.Rule rule
                    Exactness = Exactness.Exact
                    Reason = ""
                    KeepsWeight = false
                    Init =
                        fun setup ->
                            UpdateStep.groupWise
                                {
                                    Count = n
                                    Prepare = fun _ _ -> ()
                                    RunRange =
                                        fun gs st lo hi ->
                                            let s = st.Values
                                            let a = af s 0
                                            let r = rf s 0

                                            for j in lo .. hi - 1 do
                                                // ConjugatePosterior.gammaPoisson's sums, inlined so no record is
                                                // built per element; element j draws from its own group stream
                                                let rng = gs.PhiloxInOrder(setup.Index, st.Sweep, j)

                                                let x =
                                                    Numerics.positive (
                                                        GammaVariate.fromPhilox rng (a + ys.[j]) (r + sizes.[j])
                                                    )

                                                UpdateKit.checkFinite name rule x
                                                s.[off + j] <- x
                                }
                }
        | _ ->
            CountSums.countUpdate b target children rule (fun rng s i y exposure ->
                Numerics.positive (
                    ConjugatePosterior.drawGammaPoisson rng { Shape = af s i; Rate = rf s i } y exposure
                ))
