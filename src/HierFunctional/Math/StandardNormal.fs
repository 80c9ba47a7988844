namespace HierFunctional

open System
open System.Runtime.CompilerServices

/// Standard-normal variates by the 128-layer ziggurat (Marsaglia & Tsang 2000, in Doornik's 2005 ZIGNOR form,
/// which avoids the correlation of reusing the layer bits): about one uniform per draw, against ~2.5 uniforms, a
/// log and a sqrt for the polar method, which matters where a sweep draws one Normal per group.
[<RequireQualifiedAccess>]
module internal StandardNormal =

    let private layers = 128

    /// Start of the tail (R) and area of each layer (V) for 128 layers.
    let private tailStart = 3.442619855899
    let private layerArea = 9.91256303526217e-3

    /// Right edges x_i of the layers (x_0 is the base layer's pseudo-width V/f(R), x_128 = 0).
    let private edges =
        let x = Array.zeroCreate (layers + 1)
        let mutable f = exp (-0.5 * tailStart * tailStart) // table construction only
        x.[0] <- layerArea / f
        x.[1] <- tailStart

        for i in 2 .. layers - 1 do
            x.[i] <- sqrt (-2.0 * log (layerArea / x.[i - 1] + f))
            f <- exp (-0.5 * x.[i] * x.[i])

        x.[layers] <- 0.0
        x

    /// x_{i+1}/x_i: a uniform below it lies inside layer i's rectangle and is accepted at once.
    let private ratios = Array.init layers (fun i -> edges.[i + 1] / edges.[i])

    /// A uniform in (0, 1), never 0 (its log is taken).
    let private openUniform (rng: Random) =
        let mutable u = rng.NextDouble() // retry loop only

        while u <= 0.0 do
            u <- rng.NextDouble()

        u

    /// Marsaglia's tail method for |z| > R.
    let private tail (rng: Random) (negative: bool) =
        let mutable x = log (openUniform rng) / tailStart // rejection loop only
        let mutable y = log (openUniform rng)

        while -2.0 * y < x * x do
            x <- log (openUniform rng) / tailStart
            y <- log (openUniform rng)

        if negative then x - tailStart else tailStart - x

    /// The layer a uniform's 53 bits pick: their top 7.
    let inline private layer (bits: int64) = int (bits >>> 46)

    /// The signed uniform in [-1, 1) of a uniform's other 46 bits (2⁻⁴⁵ apart).
    let inline private signedUniform (bits: int64) =
        float (bits &&& 70368744177663L) * 2.842170943040401e-14 - 1.0

    /// One N(0, 1) variate from uniforms `next ()` and their 53 bits `bits ()` (the uniform times 2⁵³). One uniform
    /// supplies 53 bits: the top 7 pick the layer, the other 46 the signed uniform. Disjoint bits keep layer and
    /// uniform independent; taking the layer from the top also stays sound for generators with fewer random bits
    /// per double (System.Random's seeded 31-bit `NextDouble`).
    let inline private sampleBy
        (rng: Random)
        ([<InlineIfLambda>] nextBits: unit -> int64)
        ([<InlineIfLambda>] next: unit -> float)
        : float =
        let mutable result = nan // rejection loop state
        let mutable accepted = false

        while not accepted do
            let bits = nextBits ()
            let i = layer bits
            let u = signedUniform bits

            if abs u < ratios.[i] then
                result <- u * edges.[i]
                accepted <- true
            elif i = 0 then
                result <- tail rng (u < 0.0)
                accepted <- true
            else
                let x = u * edges.[i]
                let f0 = exp (-0.5 * (edges.[i] * edges.[i] - x * x))
                let f1 = exp (-0.5 * (edges.[i + 1] * edges.[i + 1] - x * x))

                if f1 + (f0 - f1) * next () < 1.0 then
                    result <- x
                    accepted <- true

        result

    /// The ziggurat's first try on a uniform's 53 bits: the variate when they fall inside their layer's rectangle
    /// (about 99% of draws), else NaN. A stream whose first uniform these bits are gives this variate from `fromPhilox`,
    /// which begins with the same try; on NaN, `fromPhilox` on the stream from its start gives it.
    [<MethodImpl(MethodImplOptions.AggressiveInlining)>]
    let firstTry (bits: int64) : float =
        let i = layer bits
        let u = signedUniform bits
        if abs u < ratios.[i] then u * edges.[i] else nan

    /// One N(0, 1) variate from the samplers' generator, its uniforms taken without virtual calls.
    let fromPhilox (g: Philox4x32) : float =
        // the bits straight from the outputs: the same integer as the uniform times 2⁵³, without the round trip
        sampleBy g (fun () -> g.NextBits53()) (fun () -> g.NextDoubleDirect())

    /// One N(0, 1) variate (see `sampleBy`); the same draws as `fromPhilox` when `rng` is a Philox4x32.
    let sample (rng: Random) : float =
        match rng with
        | :? Philox4x32 as g -> fromPhilox g
        | _ -> sampleBy rng (fun () -> int64 (rng.NextDouble() * 9007199254740992.0)) (fun () -> rng.NextDouble())

    /// Fills z.[0 .. n − 1] with N(0, 1) variates in order, the same draws as n calls of `sample`, with the
    /// generator's type tested once rather than per variate.
    let fill (rng: Random) (z: float[]) (n: int) =
        match rng with
        | :? Philox4x32 as g ->
            for i in 0 .. n - 1 do
                z.[i] <- fromPhilox g
        | _ ->
            for i in 0 .. n - 1 do
                z.[i] <- sample rng
