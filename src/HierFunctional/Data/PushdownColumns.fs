namespace HierFunctional

open System
open System.Data.Common

/// Typed, unboxed reading of a reader's columns into flat arrays: a per-group result of 10⁷ rows is read without one
/// object per value or one array per row, so the .NET side of a push-down stays a few flat arrays per sum.
[<RequireQualifiedAccess>]
module internal PushdownColumns =

    let private boxed (value: obj) =
        match value with
        | :? DBNull -> nan
        | :? Numerics.BigInteger as b -> float b
        | :? bool as b -> if b then 1.0 else 0.0
        | v -> Convert.ToDouble(v, Globalization.CultureInfo.InvariantCulture)

    /// A reader of column `i` of the current row as a float (NULL is NaN) through the getter of its field type; other
    /// types (DuckDB's HUGEINT sums, decimals) through the boxed value.
    let number (reader: DbDataReader) (i: int) : unit -> float =
        let t = reader.GetFieldType i

        let typed: unit -> float =
            if t = typeof<float> then
                fun () -> reader.GetDouble i
            elif t = typeof<int64> then
                fun () -> float (reader.GetInt64 i)
            elif t = typeof<int> then
                fun () -> float (reader.GetInt32 i)
            elif t = typeof<float32> then
                fun () -> float (reader.GetFloat i)
            elif t = typeof<int16> then
                fun () -> float (reader.GetInt16 i)
            else
                fun () -> boxed (reader.GetValue i)

        fun () -> if reader.IsDBNull i then nan else typed ()

    /// Whether a field type holds integers that a group key reads without boxing.
    let isInteger (t: Type) =
        t = typeof<int>
        || t = typeof<int64>
        || t = typeof<int16>
        || t = typeof<byte>
        || t = typeof<sbyte>

    /// A reader of an integer column `i` of the current (non-NULL) row as an int64.
    let integer (reader: DbDataReader) (i: int) : unit -> int64 =
        let t = reader.GetFieldType i

        if t = typeof<int64> then
            fun () -> reader.GetInt64 i
        elif t = typeof<int> then
            fun () -> int64 (reader.GetInt32 i)
        elif t = typeof<int16> then
            fun () -> int64 (reader.GetInt16 i)
        else
            fun () -> Convert.ToInt64(reader.GetValue i, Globalization.CultureInfo.InvariantCulture)

    /// One group key column, appended row by row in its own type (integers, reals, or text), and the Column it
    /// becomes: integer keys that fit 32 bits as Integers, other whole numbers and text as labels.
    type KeyBuffer(reader: DbDataReader, i: int) =
        let t = reader.GetFieldType i
        let ints = ResizeArray<int64>()
        let reals = ResizeArray<float>()
        let texts = ResizeArray<string>()
        // Booleans are 0 and 1, as the stream's general pass and the row path read them.
        let whole = isInteger t || t = typeof<bool>
        let readInt = if whole then integer reader i else (fun () -> 0L)

        let real = t = typeof<float> || t = typeof<float32> || t = typeof<decimal>

        /// Appends the current row's (non-NULL) value.
        member _.Add() =
            if whole then
                ints.Add(readInt ())
            elif real then
                reals.Add(Convert.ToDouble(reader.GetValue i, Globalization.CultureInfo.InvariantCulture))
            else
                texts.Add(Convert.ToString(reader.GetValue i, Globalization.CultureInfo.InvariantCulture))

        /// The values appended, as the data set column the rewritten model binds.
        member _.Column() : Column =
            if whole then
                if ints |> Seq.forall (fun x -> x > -2147483648L && x < 2147483648L) then
                    Column.Integers(Array.init ints.Count (fun g -> int ints.[g]))
                else
                    let text = Array.init ints.Count (fun g -> string ints.[g])
                    Column.Labels(text, text)
            elif real then
                Column.Reals(reals.ToArray())
            else
                let text = texts.ToArray()
                Column.Labels(text, text)
