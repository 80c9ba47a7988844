namespace HierFunctional.Testing

open HierFunctional

/// Data shapes for SBC structures: group columns, covariates and trials, with placeholder observed columns (SBC
/// replaces them by simulated data in every replication). Covariates are deterministic, so a structure is a value.
[<RequireQualifiedAccess>]
module SbcData =

    /// Labels `prefix1..prefixJ`, each repeated `perLevel` times (levels in order).
    let levels (prefix: string) (j: int) (perLevel: int) =
        Array.init (j * perLevel) (fun i -> $"{prefix}{i / perLevel + 1}")

    /// A deterministic covariate spread over [−1, 1] (a low-discrepancy sequence, so rows differ and look mixed).
    let covariate (rows: int) (shift: int) =
        Array.init rows (fun i -> 2.0 * (float ((i + shift) * 7 % 19) / 18.0) - 1.0)

    /// Rows with a group column `g` of j levels and perLevel rows each.
    let grouped (j: int) (perLevel: int) =
        Dataset.empty |> Dataset.labels "g" (levels "g" j perLevel)

    /// Two nested groups: `g1` with j1 levels, `g2` with j2 levels inside each (unique labels `g1:g2`), perLevel rows
    /// in each g2 level.
    let nested (j1: int) (j2: int) (perLevel: int) =
        let rows = j1 * j2 * perLevel
        let outer = Array.init rows (fun i -> $"a{i / (j2 * perLevel) + 1}")

        let inner =
            Array.init rows (fun i -> $"a{i / (j2 * perLevel) + 1}:b{i / perLevel % j2 + 1}")

        Dataset.empty |> Dataset.labels "g1" outer |> Dataset.labels "g2" inner

    /// Two crossed groups: every (g1, g2) pair, perCell rows in each cell.
    let crossed (j1: int) (j2: int) (perCell: int) =
        let rows = j1 * j2 * perCell
        let cell i = i / perCell
        let outer = Array.init rows (fun i -> $"a{cell i / j2 + 1}")
        let inner = Array.init rows (fun i -> $"b{cell i % j2 + 1}")
        Dataset.empty |> Dataset.labels "g1" outer |> Dataset.labels "g2" inner

    /// The number of rows of a data set (the length of its first column; 0 when it has none).
    let rows (d: Dataset) =
        match d.Columns with
        | (_, c) :: _ -> Dataset.columnLength c
        | [] -> 0

    /// Adds a real placeholder column of the data set's length, every value `value`.
    let realsOf (name: string) (value: float) (d: Dataset) =
        d |> Dataset.reals name (Array.create (rows d) value)

    /// Adds an integer placeholder column of the data set's length, every value `value`.
    let integersOf (name: string) (value: int) (d: Dataset) =
        d |> Dataset.integers name (Array.create (rows d) value)

    /// Adds a covariate column `name` over the data set's rows.
    let withCovariate (name: string) (shift: int) (d: Dataset) =
        d |> Dataset.reals name (covariate (rows d) shift)

    /// Adds trials 1..maxTrials cycling over the rows.
    let withTrials (name: string) (maxTrials: int) (d: Dataset) =
        d
        |> Dataset.integers name (Array.init (rows d) (fun i -> 1 + (i * 5 + 3) % maxTrials))

    /// Adds exposures in [0.5, 3] cycling over the rows.
    let withExposure (name: string) (d: Dataset) =
        d
        |> Dataset.reals name (Array.init (rows d) (fun i -> 0.5 + 0.5 * float (i % 6)))
