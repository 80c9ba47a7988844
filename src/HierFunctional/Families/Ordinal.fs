namespace HierFunctional.Families

open System
open MathNet.Numerics
open MathNet.Numerics.Distributions
open HierFunctional
open HierFunctional.Numerics

/// The cumulative-logit ordinal family (Stan's `ordered_logistic`, brms's `cumulative("logit")`) and the ordered
/// vector its cutpoints take as a prior: K − 1 increasing cutpoints c split a latent η + logistic noise into the
/// categories 1, …, K, so P(y ≤ k) = σ(c_k − η).
[<RequireQualifiedAccess>]
module internal Ordinal =

    /// log(1 − e^x) for x ≤ 0 without cancellation (Mächler's switch at −log 2).
    let private log1mExp (x: float) =
        if x > -0.6931471805599453 then
            log (-(SpecialFunctions.Expm1 x))
        else
            log1p (-(exp x))

    /// log(σ(a) − σ(b)) for a > b: a + log(1 − e^(b − a)) − softplus(a) − softplus(b).
    let private logSigmoidDiff (a: float) (b: float) =
        if a <= b then
            Double.NegativeInfinity
        else
            a + log1mExp (b - a) - softplus a - softplus b

    let private strictlyIncreasing (c: float[]) =
        Array.forall Double.IsFinite c
        && Seq.forall (fun i -> c.[i] > c.[i - 1]) (seq { 1 .. c.Length - 1 })

    /// log P(y = k) of OrderedLogistic(eta, cutpoints) for k in 1..K (K = cutpoints + 1); −∞ outside 1..K, for a
    /// non-finite η or for cutpoints that are not strictly increasing (the ordering is part of the model).
    let orderedLogisticLogPdf (eta: float) (cutpoints: float[]) (k: float) =
        let kk = cutpoints.Length + 1

        if
            not (isInteger k && k >= 1.0 && k <= float kk)
            || not (Double.IsFinite eta)
            || not (strictlyIncreasing cutpoints)
        then
            Double.NegativeInfinity
        else
            let i = int k

            if kk = 1 then
                0.0
            elif i = 1 then
                logSigmoid (cutpoints.[0] - eta)
            elif i = kk then
                logSigmoid (eta - cutpoints.[kk - 2])
            else
                logSigmoidDiff (cutpoints.[i - 1] - eta) (cutpoints.[i - 2] - eta)

    /// One draw: the latent η + logistic noise, counted against the cutpoints.
    let drawOrderedLogistic (rng: Random) (eta: float) (cutpoints: float[]) =
        let u = rng.NextDouble()
        let latent = eta + log u - log1p -u
        1.0 + float (cutpoints |> Array.filter (fun c -> c < latent) |> Array.length)

    let private cutpointsArg (label: string) (v: Value) =
        match v with
        | Value.Vector c when c.Length >= 1 ->
            let shown = c |> Array.map string |> String.concat ", "
            DistFamily.check label (strictlyIncreasing c) $"must be finite and strictly increasing, but was [{shown}]"
        | other -> Error(label, $"must be a non-empty vector of cutpoints, but was {other}")

    /// OrderedLogistic(eta, cutpoints) on {1, …, K}.
    let orderedLogistic: DistFamily =
        let parts (args: Value list) =
            match args with
            | [ eta; c ] -> Value.scalar eta, Value.vector c
            | _ -> DistFamily.wrongArity "OrderedLogistic" 2 args

        {
            Name = "OrderedLogistic"
            Arguments = [ "eta"; "cutpoints" ]
            Support = DistFamily.fixedSupport Support.Ordinal
            LogPdf =
                fun args x ->
                    let eta, c = parts args
                    orderedLogisticLogPdf eta c (Value.scalar x)
            Scalar = None
            InSupport =
                fun args x ->
                    match x with
                    | Value.Scalar v ->
                        let _, c = parts args
                        isInteger v && v >= 1.0 && v <= float (c.Length + 1)
                    | _ -> false
            Draw =
                Some(fun rng args ->
                    let eta, c = parts args
                    Value.Scalar(drawOrderedLogistic rng eta c))
            Validate = DistFamily.eachArg [ "eta"; "cutpoints" ] [ DistFamily.finite; cutpointsArg ]
            Anchor = DistFamily.noAnchor
            Tails = None
            Sufficient = None
            Fixed = None
        }

    /// Blom's approximation to the expected i-th of n standard normal order statistics (i from 1).
    let private blom (i: int) (n: int) =
        Normal.InvCDF(0.0, 1.0, (float i - 0.375) / (float n + 0.25))

    /// The order statistics of `size` iid copies of a real-valued scalar family: density size!·Π f(c_k) on strictly
    /// increasing vectors, i.e. the iid prior restricted to increasing order (brms's `ordered` cutpoints with one
    /// prior on each, normalised). Sampled on Stan's ordered transform (Support.Ordered).
    let ordered (parent: DistFamily) (size: int) : DistFamily =
        let scalar =
            match parent.Scalar with
            | Some(ScalarLogPdf.One f) -> fun (a: float[]) x -> f a.[0] x
            | Some(ScalarLogPdf.Two f) -> fun a x -> f a.[0] a.[1] x
            | Some(ScalarLogPdf.Three f) -> fun a x -> f a.[0] a.[1] a.[2] x
            | _ -> invalidArg "parent" $"Ordered needs a scalar family with arguments, not {parent.Name}."

        let logFactorial = SpecialFunctions.FactorialLn size

        let logPdf (args: Value list) (x: Value) =
            let a = args |> List.map Value.scalar |> Array.ofList

            match x with
            | Value.Vector c when c.Length = size && strictlyIncreasing c -> logFactorial + Array.sumBy (scalar a) c
            | _ -> Double.NegativeInfinity

        let anchor (_: int) (args: Value list) =
            match parent.Anchor 1 args with
            | Some(centre, spread) when centre.Length = 1 ->
                let s = DistFamily.capSpread spread.[0]
                let x = Array.init size (fun i -> centre.[0] + s * blom (i + 1) size)
                let u = Array.init size (fun i -> if i = 0 then x.[0] else log (x.[i] - x.[i - 1]))
                Some(u, Array.init size (fun i -> if i = 0 then s else 0.5))
            | _ -> None

        {
            Name = "Ordered"
            Arguments = parent.Arguments
            Support = DistFamily.fixedSupport Support.Ordered
            LogPdf = logPdf
            Scalar = None
            InSupport =
                fun _ x ->
                    match x with
                    | Value.Vector c -> c.Length = size && strictlyIncreasing c
                    | _ -> false
            Draw =
                parent.Draw
                |> Option.map (fun draw ->
                    fun rng args -> Value.Vector(Array.init size (fun _ -> Value.scalar (draw rng args)) |> Array.sort))
            Validate = parent.Validate
            Anchor = anchor
            Tails = None
            Sufficient = None
            Fixed = None
        }
