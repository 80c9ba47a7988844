namespace HierFunctional

open MathNet.Numerics.Statistics

/// One coefficient's predictor: its label (the node-name suffix), the expression it multiplies and its sd.
[<NoComparison>]
type internal Coef =
    {
        /// `Intercept`, a column name, a dummy `sexM` or an interaction `x:sexM`.
        Label: string
        /// Const 1 for the intercept, else the (possibly derived) data column.
        X: Expr
        /// The predictor's sample sd (1 for the intercept), which scales the slope's default prior.
        SdX: float
    }

/// From formula terms to coefficients and derived columns (treatment-coded dummies, products, combined groups).
[<RequireQualifiedAccess>]
module internal FormulaDesign =

    let private unknown (d: Dataset) (c: string) =
        FormulaError.UnknownColumn(c, d.Columns |> List.map fst)

    /// The values of a numeric column, or a typed error naming it.
    let numeric (d: Dataset) (c: string) (role: string) : Result<float[], FormulaError> =
        match Dataset.tryColumn c d with
        | Some(Column.Reals a) -> Ok a
        | Some(Column.Integers a) -> Ok(Array.map float a)
        | Some col -> Error(FormulaError.WrongColumnType(c, role, Validate.kindName col))
        | None -> Error(unknown d c)

    /// The used levels of a label column in declared order (the first is R's treatment-contrast reference).
    let private usedLevels (values: string[]) (levels: string[]) =
        let present = set values
        levels |> Array.filter present.Contains

    /// The factors one column contributes: itself when numeric, dummies for a label column.
    let private columnFactors (d: Dataset) (full: bool) (c: string) =
        match Dataset.tryColumn c d with
        | Some(Column.Labels(values, levels)) ->
            let used = usedLevels values levels
            let coded = if full then used else Array.skip (min 1 used.Length) used

            Ok
                [
                    for l in coded -> c + l, values |> Array.map (fun v -> if v = l then 1.0 else 0.0)
                ]
        | Some(Column.Matrix _) -> Error(FormulaError.WrongColumnType(c, "a predictor (numbers or labels)", "a matrix"))
        | Some _ -> numeric d c "a predictor" |> Result.map (fun v -> [ c, v ])
        | None -> Error(unknown d c)

    let private isLabels (d: Dataset) (c: string) =
        match Dataset.tryColumn c d with
        | Some(Column.Labels _) -> true
        | _ -> false

    /// The coefficients of one term (a product of the columns' factors) and the columns to add for them.
    let private termCoefs (d: Dataset) (rows: int) (full: bool) (t: FormulaTerm) =
        t.Variables
        |> List.map (fun c -> columnFactors d full c |> Result.mapError List.singleton)
        |> ResultList.collect
        |> Result.bind (fun factors ->
            let width = factors |> List.fold (fun n f -> n * int64 (List.length f)) 1L

            // Fewer than two rows per coefficient of one term (an id column, or a numeric column read as labels)
            // gives a model the data cannot estimate that samples for a long time; refused before the product
            // columns are built (two 1000-level factors would need 10⁶ of them).
            if 2L * width > int64 rows then
                let k = int (min width 2147483647L)
                Error [ FormulaError.TooManyCoefficients(FormulaText.term t, k, k, rows) ]
            else
                let combos =
                    factors
                    |> List.fold
                        (fun acc f ->
                            [
                                for (l, v) in acc do
                                    for (l2, v2) in f -> $"{l}:{l2}", Array.map2 (*) v v2
                            ])
                        [ "", Array.create rows 1.0 ]
                    |> List.map (fun (l, v) -> l.Substring 1, v)

                combos
                |> List.map (fun (label, v) ->
                    let sd = if v.Length > 1 then Statistics.StandardDeviation v else 0.0

                    if not (sd > 0.0) then
                        Error
                            [
                                FormulaError.InvalidData(
                                    label,
                                    "is constant, so its coefficient cannot be told apart from the intercept; drop the term"
                                )
                            ]
                    else
                        let own = (t.Variables = [ label ])

                        let coef =
                            {
                                Label = label
                                X = Data label
                                SdX = sd
                            }

                        Ok(coef, (if own then [] else [ label, v ])))
                |> ResultList.collect)

    /// The coefficients of a sum of terms with or without an intercept. As in R, without an intercept the first
    /// term that is a single label column gets one dummy per level; otherwise the first level is the reference.
    let coefs
        (d: Dataset)
        (rows: int)
        (intercept: bool)
        (terms: FormulaTerm list)
        : Result<Coef list * (string * float[]) list, FormulaError list> =
        let fullAt =
            if intercept then
                -1
            else
                terms
                |> List.tryFindIndex (fun t -> t.Variables.Length = 1 && isLabels d t.Variables.Head)
                |> Option.defaultValue -1

        let one =
            {
                Label = "Intercept"
                X = Const 1.0
                SdX = 1.0
            }

        terms
        |> List.mapi (fun i t -> termCoefs d rows (i = fullAt) t)
        |> ResultList.collect
        |> Result.bind (fun per ->
            let all = List.concat per
            let total = all.Length + (if intercept then 1 else 0)

            if total >= rows && not per.IsEmpty then
                let term, k =
                    List.zip terms per |> List.map (fun (t, cs) -> t, cs.Length) |> List.maxBy snd

                Error [ FormulaError.TooManyCoefficients(FormulaText.term term, k, total, rows) ]
            else
                Ok((if intercept then [ one ] else []) @ List.map fst all, all |> List.collect snd))

    /// Level index per row and level names of a grouping column (labels in declared order, integers sorted).
    let private groupLevels (d: Dataset) (c: string) =
        match Dataset.tryColumn c d with
        | Some(Column.Labels(values, levels)) ->
            let index = levels |> Array.mapi (fun i l -> l, i) |> dict
            Ok(values |> Array.map (fun v -> index.[v]), values)
        | Some(Column.Integers values) ->
            let sorted = values |> Array.distinct |> Array.sort
            let index = sorted |> Array.mapi (fun i l -> l, i) |> dict
            Ok(values |> Array.map (fun v -> index.[v]), values |> Array.map string)
        | Some col ->
            Error(FormulaError.WrongColumnType(c, "a grouping factor (labels or integers)", Validate.kindName col))
        | None -> Error(unknown d c)

    /// The grouping column of a factor list: the column itself, or a new label column `g1:g2` whose levels are the
    /// combinations present, ordered by g1's level, then g2's.
    let groupColumn (d: Dataset) (factors: string list) : Result<string * Column option, FormulaError list> =
        factors
        |> List.map (fun c -> groupLevels d c |> Result.mapError List.singleton)
        |> ResultList.collect
        |> Result.map (fun parts ->
            match factors with
            | [ c ] -> c, None
            | _ ->
                let name = factors |> String.concat ":"
                let rows = (snd parts.Head).Length

                let label r =
                    parts |> List.map (fun (_, l) -> (l: string[]).[r]) |> String.concat ":"

                let order r =
                    parts |> List.map (fun (i, _) -> (i: int[]).[r])

                let values = Array.init rows label

                let levels =
                    Array.init rows (fun r -> order r, label r)
                    |> Array.distinct
                    |> Array.sortBy fst
                    |> Array.map snd

                name, Some(Column.Labels(values, levels)))
