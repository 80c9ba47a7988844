namespace HierFunctional

/// One data column. Labels keep their text so output can name groups ("Hospital A"), and declare their levels
/// explicitly so a level with no rows can still exist (its parameter is then prior-only).
[<RequireQualifiedAccess; CustomEquality; NoComparison>]
type Column =
    /// Real numbers, one per row.
    | Reals of float[]
    /// Integers (counts, trials, category codes or integer group ids), one per row.
    | Integers of int[]
    /// Text labels, one per row, with the group's levels in output order (a superset of the labels used).
    | Labels of values: string[] * levels: string[]
    /// A rows × columns matrix (a design matrix, or a vector-valued observation per row).
    | Matrix of float[,]

    override this.Equals(other: obj) =
        match other with
        | :? Column as o ->
            match this, o with
            | Reals a, Reals b -> Value.Vector a = Value.Vector b
            | Integers a, Integers b -> a = b
            | Labels(a, la), Labels(b, lb) -> a = b && la = lb
            | Matrix a, Matrix b -> Value.Matrix a = Value.Matrix b
            | _ -> false
        | _ -> false

    override this.GetHashCode() =
        match this with
        | Reals a -> (Value.Vector a).GetHashCode()
        | Integers a -> a |> Array.fold (fun h x -> h * 31 + x) 3
        | Labels(a, _) -> a |> Array.fold (fun h x -> h * 31 + x.GetHashCode()) 5
        | Matrix a -> (Value.Matrix a).GetHashCode()

/// A data set: named columns and named scalars, immutable. Models refer to both by name (`data "N"`), so one
/// model serves many data sets.
[<StructuralEquality; NoComparison>]
type Dataset =
    {
        /// The columns by name, in the order they were added.
        Columns: (string * Column) list
        /// Named constants (a count N, a prior scale), in the order they were added: `data "N"` reads the value
        /// in any scope, as a number written into the model.
        Scalars: (string * float) list
    }

/// Building and reading data sets.
[<RequireQualifiedAccess>]
module Dataset =
    /// A data set with no columns.
    let empty: Dataset = { Columns = []; Scalars = [] }

    /// Adds (or replaces) a column; a scalar of the same name is removed.
    let add (name: string) (column: Column) (d: Dataset) : Dataset =
        {
            Columns = (d.Columns |> List.filter (fun (n, _) -> n <> name)) @ [ name, column ]
            Scalars = d.Scalars |> List.filter (fun (n, _) -> n <> name)
        }

    /// Adds (or replaces) a named scalar, e.g. `Dataset.scalar "N" 8.0` or a prior scale; a column of the same
    /// name is removed. A model reads it as `data "N"` anywhere, including in priors of global parameters.
    let scalar (name: string) (value: float) (d: Dataset) : Dataset =
        {
            Columns = d.Columns |> List.filter (fun (n, _) -> n <> name)
            Scalars = (d.Scalars |> List.filter (fun (n, _) -> n <> name)) @ [ name, value ]
        }

    /// The named scalar, if present.
    let tryScalar (name: string) (d: Dataset) =
        d.Scalars |> List.tryFind (fun (n, _) -> n = name) |> Option.map snd

    /// Adds a column of real numbers.
    let reals (name: string) (values: float[]) d =
        add name (Column.Reals(Array.copy values)) d

    /// Adds a column of integers.
    let integers (name: string) (values: int[]) d =
        add name (Column.Integers(Array.copy values)) d

    /// Adds a label column whose levels are the distinct labels in first-appearance order.
    let labels (name: string) (values: string[]) d =
        add name (Column.Labels(Array.copy values, Array.distinct values)) d

    /// Adds a label column with explicitly declared levels (which may include levels with no rows).
    let labelsWithLevels (name: string) (values: string[]) (levels: string[]) d =
        add name (Column.Labels(Array.copy values, Array.copy levels)) d

    /// Adds a matrix column (rows × columns).
    let matrix (name: string) (values: float[,]) d =
        add name (Column.Matrix(Array2D.copy values)) d

    /// The named column, if present.
    let tryColumn (name: string) (d: Dataset) =
        d.Columns |> List.tryFind (fun (n, _) -> n = name) |> Option.map snd

    /// The number of values in a column.
    let columnLength (c: Column) =
        match c with
        | Column.Reals a -> a.Length
        | Column.Integers a -> a.Length
        | Column.Labels(a, _) -> a.Length
        | Column.Matrix a -> Array2D.length1 a

    /// True when row `r` of a column is missing: NaN in a numeric column (CSV `NA` or an empty cell), or an empty
    /// or `NA` label.
    let isMissingAt (c: Column) (r: int) =
        match c with
        | Column.Reals a -> System.Double.IsNaN a.[r]
        | Column.Integers _ -> false
        | Column.Labels(a, _) -> a.[r] = "" || a.[r] = "NA"
        | Column.Matrix a -> Seq.exists (fun j -> System.Double.IsNaN a.[r, j]) (seq { 0 .. Array2D.length2 a - 1 })

    let private keepRows (keep: int[]) (c: Column) =
        match c with
        | Column.Reals a -> Column.Reals(keep |> Array.map (fun r -> a.[r]))
        | Column.Integers a -> Column.Integers(keep |> Array.map (fun r -> a.[r]))
        | Column.Labels(a, levels) -> Column.Labels(keep |> Array.map (fun r -> a.[r]), levels)
        | Column.Matrix a -> Column.Matrix(Array2D.init keep.Length (Array2D.length2 a) (fun i j -> a.[keep.[i], j]))

    /// The data set without the rows that have a missing cell (`isMissingAt`) in any of the named columns (as lme4
    /// and brms drop incomplete rows), and the 1-based numbers of the rows dropped. Columns of another length than
    /// the first named one are left as they are, for binding to report. Label columns keep their declared levels.
    let dropMissing (columns: string list) (d: Dataset) : Dataset * int[] =
        let named = columns |> List.distinct |> List.choose (fun c -> tryColumn c d)

        match named with
        | [] -> d, [||]
        | first :: _ ->
            let rows = columnLength first
            let same = named |> List.filter (fun c -> columnLength c = rows)

            let dropped =
                Array.init rows id
                |> Array.filter (fun r -> same |> List.exists (fun c -> isMissingAt c r))

            if dropped.Length = 0 then
                d, [||]
            else
                let gone = set dropped
                let keep = Array.init rows id |> Array.filter (gone.Contains >> not)

                { d with
                    Columns =
                        d.Columns
                        |> List.map (fun (n, c) -> n, (if columnLength c = rows then keepRows keep c else c))
                },
                dropped |> Array.map ((+) 1)
