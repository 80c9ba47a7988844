namespace HierFunctional

/// Lists of results that each may carry several errors, as the binding and formula phases produce them.
[<RequireQualifiedAccess>]
module internal ResultList =

    /// All the values, or every error of every failed result (so one run reports all that is wrong, not the first).
    let collect (rs: Result<'T, 'E list> list) : Result<'T list, 'E list> =
        match
            rs
            |> List.collect (fun r ->
                match r with
                | Error es -> es
                | Ok _ -> [])
        with
        | [] -> Ok(rs |> List.choose Result.toOption)
        | es -> Error es
