namespace HierFunctional

open System
open System.Globalization
open System.IO
open System.Text

/// One draw of one scalar in long ("tidy") form.
type TidyDraw =
    {
        /// 1-based chain.
        Chain: int
        /// 1-based draw within the chain.
        Draw: int
        /// The scalar's name (or its label, from `Tidy.labelled`).
        Name: string
        /// The value.
        Value: float
    }

/// Posterior draws in long form, one (chain, draw, name, value) per row, as R's `posterior::as_draws_df` pivoted
/// longer, or a pandas/ArviZ long table: one row per chain × draw × scalar.
[<RequireQualifiedAccess>]
module Tidy =

    let private rows (nameOf: int -> string) (p: Posterior) =
        let n = p.DrawCount

        seq {
            for c in 0 .. p.ChainCount - 1 do
                let col = p.Columns.[c]

                for d in 0 .. n - 1 do
                    for i in 0 .. p.NameArray.Length - 1 ->
                        {
                            Chain = c + 1
                            Draw = d + 1
                            Name = nameOf i
                            Value = col.[i * n + d]
                        }
        }

    /// Every draw as (chain, draw, name, value), chain by chain, draw by draw, scalars in column order.
    let draws (p: Posterior) : seq<TidyDraw> = rows (fun i -> p.NameArray.[i]) p

    /// `draws` with each scalar named by its label where it has one (`theta[Hospital A]`, `r_Subject[308,Days]`).
    let labelled (p: Posterior) : seq<TidyDraw> =
        rows (fun i -> defaultArg p.LabelArray.[i] p.NameArray.[i]) p

    let private quote (s: string) = "\"" + s.Replace("\"", "\"\"") + "\""

    /// Writes tidy draws as CSV with the header `chain,draw,name,value` (names quoted, values round-trip).
    let write (writer: TextWriter) (draws: seq<TidyDraw>) : unit =
        writer.Write("chain,draw,name,value\n")

        for r in draws do
            let v =
                if Double.IsNaN r.Value then
                    "NA"
                else
                    r.Value.ToString("R", CultureInfo.InvariantCulture)

            writer.Write($"{r.Chain},{r.Draw},{quote r.Name},{v}\n")

    /// Tidy draws as CSV text (`write` to a string).
    let toCsv (draws: seq<TidyDraw>) : string =
        use w = new StringWriter(StringBuilder(), CultureInfo.InvariantCulture)
        write w draws
        w.ToString()
