namespace HierFunctional

/// Placeholder; filled in below.
[<RequireQualifiedAccess>]
module internal CountUpdates =
    /// Not yet.
    let update (_: Bound) (_: NodeInfo) (_: GaussianPrior) (_: LinkedChild list) : Result<Update, string> =
        Error "not yet"
