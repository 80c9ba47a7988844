namespace HierFunctional

/// New rows for a fitted formula model: the derived columns the model reads (treatment dummies, interaction
/// products, combined groups `g1:g2`, `log(E)` offsets), coded with the fit's levels so that a dummy means the same
/// level it meant in the fit.
[<RequireQualifiedAccess>]
module internal FormulaNewData =

    let private collect rs = ResultList.collect rs

    let private column (d: Dataset) (c: string) (usedBy: string) =
        match Dataset.tryColumn c d with
        | Some col -> Ok col
        | None -> Error [ PredictionError.MissingColumn(c, usedBy) ]

    /// A column's values as labels (integer group ids as their text).
    let private asLabels (c: string) (col: Column) =
        match col with
        | Column.Labels(values, _) -> Ok values
        | Column.Integers values -> Ok(values |> Array.map string)
        | other -> Error [ PredictionError.WrongColumnType(c, "labels", Validate.kindName other) ]

    /// The factors a column contributes in the fit's coding: itself when numeric, a dummy per coded level for a
    /// label column (the fit's reference level dropped unless `full`).
    let private factors (train: Dataset) (d: Dataset) (full: bool) (usedBy: string) (c: string) =
        column d c usedBy
        |> Result.bind (fun col ->
            match Dataset.tryColumn c train with
            | Some(Column.Labels(trainValues, levels)) ->
                let present = set trainValues
                let used = levels |> Array.filter present.Contains
                let coded = if full then used else Array.skip (min 1 used.Length) used

                asLabels c col
                |> Result.bind (fun values ->
                    match values |> Array.tryFind (fun v -> not (Array.contains v used)) with
                    | Some v -> Error [ PredictionError.UnseenFactorLevel(c, v) ]
                    | None ->
                        Ok
                            [
                                for l in coded -> c + l, values |> Array.map (fun v -> if v = l then 1.0 else 0.0)
                            ])
            | _ ->
                match col with
                | Column.Reals a -> Ok [ c, a ]
                | Column.Integers a -> Ok [ c, Array.map float a ]
                | other -> Error [ PredictionError.WrongColumnType(c, "numbers", Validate.kindName other) ])

    let private isLabels (d: Dataset) (c: string) =
        match Dataset.tryColumn c d with
        | Some(Column.Labels _) -> true
        | _ -> false

    /// The derived columns of one sum of terms, in the fit's coding (as `FormulaDesign.coefs` names them).
    let private termColumns (train: Dataset) (d: Dataset) (rows: int) (intercept: bool) (terms: FormulaTerm list) =
        let fullAt =
            if intercept then
                -1
            else
                terms
                |> List.tryFindIndex (fun t -> t.Variables.Length = 1 && isLabels train t.Variables.Head)
                |> Option.defaultValue -1

        terms
        |> List.mapi (fun i t ->
            let term = String.concat ":" t.Variables
            let usedBy = $"the formula term '{term}'"

            t.Variables
            |> List.map (factors train d (i = fullAt) usedBy)
            |> collect
            |> Result.map (fun fs ->
                fs
                |> List.fold
                    (fun acc f ->
                        [
                            for (l, v) in acc do
                                for (l2, v2) in f -> $"{l}:{l2}", Array.map2 (*) v v2
                        ])
                    [ "", Array.create rows 1.0 ]
                |> List.map (fun (l, v) -> l.Substring 1, v)
                |> List.filter (fun (l, _) -> t.Variables <> [ l ])))
        |> collect
        |> Result.map List.concat

    /// A combined group column `g1:g2` (labels joined by ':', as the fit built them).
    let private groupColumn (d: Dataset) (factors: string list) =
        match factors with
        | [ _ ] -> Ok []
        | _ ->
            let name = String.concat ":" factors

            factors
            |> List.map (fun c -> column d c $"the group term '{name}'" |> Result.bind (asLabels c))
            |> collect
            |> Result.map (fun parts ->
                let rows = parts.Head.Length

                let values =
                    Array.init rows (fun r -> parts |> List.map (fun p -> p.[r]) |> String.concat ":")

                [ name, Column.Labels(values, Array.distinct values) ])

    /// The new data with every derived column the fitted formula model reads, or every problem found.
    let prepare
        (formula: Formula)
        (family: Family)
        (train: Dataset)
        (d: Dataset)
        : Result<Dataset, PredictionError list> =
        let rows =
            d.Columns
            |> List.tryHead
            |> Option.map (snd >> Dataset.columnLength)
            |> Option.defaultValue 0

        let reals =
            (termColumns train d rows formula.Intercept formula.Terms)
            :: (formula.Groups
                |> List.map (fun g -> termColumns train d rows g.Intercept g.Terms))
            @ (formula.Offsets
               |> List.mapi (fun i o ->
                   match o.Log with
                   | true when not (family = Family.Poisson && i = 0) ->
                       column d o.Column "offset(log(...))"
                       |> Result.bind (fun col ->
                           match col with
                           | Column.Reals a -> Ok [ $"log({o.Column})", Array.map log a ]
                           | Column.Integers a -> Ok [ $"log({o.Column})", a |> Array.map (float >> log) ]
                           | other ->
                               Error
                                   [
                                       PredictionError.WrongColumnType(o.Column, "numbers", Validate.kindName other)
                                   ])
                   | _ -> Ok []))
            |> collect
            |> Result.map List.concat

        let groups =
            formula.Groups
            |> List.map (fun g -> groupColumn d g.Factors)
            |> collect
            |> Result.map List.concat

        match reals, groups with
        | Ok rs, Ok gs ->
            let withReals = rs |> List.fold (fun acc (n, v) -> Dataset.reals n v acc) d
            Ok(gs |> List.fold (fun acc (n, c) -> Dataset.add n c acc) withReals)
        | a, b ->
            collect [ Result.map ignore a; Result.map ignore b ]
            |> Result.bind (fun _ -> Error [])
            // a column read by several terms is named once, with the first term that reads it
            |> Result.mapError (
                List.distinctBy (function
                    | PredictionError.MissingColumn(c, _) -> PredictionError.MissingColumn(c, "")
                    | e -> e)
            )
