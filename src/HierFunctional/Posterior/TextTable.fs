namespace HierFunctional

open System

/// Plain-text tables as the printed reports lay them out: the first column left-aligned, the others
/// right-aligned, two spaces apart, each column as wide as its widest cell.
[<RequireQualifiedAccess>]
module internal TextTable =

    /// The function that lays out one row of a table with this header and these rows.
    let lineFormatter (header: string[]) (cells: string[][]) : string[] -> string =
        let widths =
            Array.init header.Length (fun k ->
                Array.append [| header.[k] |] (cells |> Array.map (fun c -> c.[k]))
                |> Array.map String.length
                |> Array.max)

        fun (c: string[]) ->
            String.Join(
                "  ",
                c
                |> Array.mapi (fun k s ->
                    if k = 0 then
                        s.PadRight widths.[k]
                    else
                        s.PadLeft widths.[k])
            )
