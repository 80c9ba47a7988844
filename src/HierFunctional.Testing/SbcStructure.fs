namespace HierFunctional.Testing

open HierFunctional

/// A quantity ranked by SBC besides the monitored scalars, e.g. the mean of a group vector: a function of one
/// state's monitored values, looked up by scalar name (`mu`, `theta[2]`) or by node name (all its elements).
type SbcDerived =
    {
        /// Name shown in the results.
        Name: string
        /// The quantity, given a lookup from a scalar or node name to its monitored values.
        Compute: (string -> float[]) -> float
    }

/// One model structure to calibrate: the model, the data shape it is simulated on, and how to compile it.
type SbcStructure =
    {
        /// Short name (used in file names: letters, digits and dashes read best).
        Name: string
        /// What the structure exercises (rules, updates), for the summary.
        Exercises: string
        /// The model; every prior must be proper, since truths are drawn from it.
        Model: Model
        /// The data shape: group columns, covariates and trials as they will be used; the observed columns must
        /// be present with valid placeholder values (they are replaced by simulated data in every replication).
        Data: Dataset
        /// Compiler settings (rules, interweaving, block slicing) the fits use.
        Compile: CompileSettings
        /// Extra quantities to rank, such as group means.
        Derived: SbcDerived list
    }

/// Building SBC structures.
[<RequireQualifiedAccess>]
module SbcStructure =

    /// A structure fitted with the default compiler settings and no derived quantities.
    let create (name: string) (exercises: string) (model: Model) (data: Dataset) : SbcStructure =
        {
            Name = name
            Exercises = exercises
            Model = model
            Data = data
            Compile = CompileSettings.Default
            Derived = []
        }

    /// The structure with these derived quantities ranked too.
    let withDerived (derived: SbcDerived list) (s: SbcStructure) = { s with Derived = derived }

/// How SBC is run.
type SbcSettings =
    {
        /// Number of replications (prior draw, simulated data, fit, rank).
        Replications: int
        /// Master seed; replication i uses a generator derived from (Seed, i), so results do not depend on Threads.
        Seed: int
        /// Warm-up sweeps per fit (slice widths and block directions adapt only here).
        Warmup: int
        /// L: posterior draws kept per fit after thinning, so ranks lie in 0..L.
        Draws: int
        /// Largest thinning factor tried (a power of two); a fit still short of L effective draws there is counted
        /// as under-mixed.
        MaxThin: int
        /// Family-wise level of each structure's test: each of its m tested quantities is tested at Alpha/m.
        Alpha: float
        /// K: ECDF evaluation points j/K (K must divide L + 1).
        EcdfPoints: int
        /// Rank histogram bins (must divide L + 1).
        HistogramBins: int
        /// Replications run at once.
        Threads: int
    }

    /// 1,000 replications, seed 1, 300 warm-up sweeps, L = 99, thinning up to 64, α = 0.01, K = 50, 20 bins, 1 thread.
    static member Default =
        {
            Replications = 1000
            Seed = 1
            Warmup = 300
            Draws = 99
            MaxThin = 64
            Alpha = 0.01
            EcdfPoints = 50
            HistogramBins = 20
            Threads = 1
        }
