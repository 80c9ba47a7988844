namespace HierFunctional

/// A number, vector or matrix: what an expression or a distribution argument evaluates to.
[<RequireQualifiedAccess; CustomEquality; NoComparison>]
type Value =
    /// A real number.
    | Scalar of float
    /// A vector (length K).
    | Vector of float[]
    /// A matrix (rows × columns).
    | Matrix of float[,]

    override this.Equals(other: obj) =
        match other with
        | :? Value as o ->
            match this, o with
            | Scalar a, Scalar b -> a.Equals b
            | Vector a, Vector b -> a.Length = b.Length && Array.forall2 (fun (x: float) y -> x.Equals y) a b
            | Matrix a, Matrix b ->
                Array2D.length1 a = Array2D.length1 b
                && Array2D.length2 a = Array2D.length2 b
                && Seq.forall2 (fun (x: float) (y: float) -> x.Equals y) (Seq.cast<float> a) (Seq.cast<float> b)
            | _ -> false
        | _ -> false

    override this.GetHashCode() =
        match this with
        | Scalar a -> a.GetHashCode()
        | Vector a -> a |> Array.fold (fun h x -> h * 31 + x.GetHashCode()) 17
        | Matrix a -> Seq.cast<float> a |> Seq.fold (fun h x -> h * 31 + x.GetHashCode()) 19

/// Accessors that fail with a clear message when a value has the wrong shape.
[<RequireQualifiedAccess>]
module Value =
    /// The number inside a scalar value.
    let scalar (v: Value) =
        match v with
        | Value.Scalar x -> x
        | other -> invalidArg "v" $"expected a scalar, got {other}"

    /// The array inside a vector value.
    let vector (v: Value) =
        match v with
        | Value.Vector x -> x
        | other -> invalidArg "v" $"expected a vector, got {other}"

    /// The array inside a matrix value.
    let matrix (v: Value) =
        match v with
        | Value.Matrix x -> x
        | other -> invalidArg "v" $"expected a matrix, got {other}"
