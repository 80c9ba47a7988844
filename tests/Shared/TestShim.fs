/// xunit's Assert.* for the Expecto suites: the same names and overloads, raising Expecto's AssertException (a test
/// failure, not an error), so tests converted from xunit by xunit2expecto.py keep their assertions as written.
namespace HierFunctional.TestShim

open System
open System.Collections
open System.Collections.Generic
open System.Text.RegularExpressions
open Expecto

/// Structural equality as xunit's default comparer sees it: strings by value, sequences element by element,
/// everything else by Equals (so NaN equals NaN and F# records and unions compare structurally).
module internal Same =
    let rec values (a: obj) (b: obj) =
        match a, b with
        | null, null -> true
        | null, _
        | _, null -> false
        | (:? string as x), (:? string as y) -> String.Equals(x, y)
        | (:? IEnumerable as x), (:? IEnumerable as y) ->
            let ex, ey = x.GetEnumerator(), y.GetEnumerator()

            let rec loop () =
                match ex.MoveNext(), ey.MoveNext() with
                | false, false -> true
                | true, true -> values ex.Current ey.Current && loop ()
                | _ -> false

            loop ()
        | _ -> a.Equals b

    /// A value printed for a failure message, cut short when it is long.
    let show (x: obj) =
        let s = sprintf "%A" x
        if s.Length > 2000 then s.Substring(0, 2000) + " …" else s

    let fail (msg: string) = raise (AssertException msg)

/// The xunit assertions the F# suites use.
[<AbstractClass; Sealed>]
type Assert =
    /// Fails unless the condition is true.
    static member True(condition: bool) =
        if not condition then
            Same.fail "Assert.True() Failure"

    /// Fails with the message unless the condition is true.
    static member True(condition: bool, userMessage: string) =
        if not condition then
            Same.fail userMessage

    /// Fails unless the condition is false.
    static member False(condition: bool) =
        if condition then
            Same.fail "Assert.False() Failure"

    /// Fails with the message unless the condition is false.
    static member False(condition: bool, userMessage: string) =
        if condition then
            Same.fail userMessage

    /// Fails unless the values are equal (sequences element by element).
    static member Equal<'T>(expected: 'T, actual: 'T) =
        if not (Same.values (box expected) (box actual)) then
            Same.fail $"Assert.Equal() Failure\nExpected: {Same.show expected}\nActual:   {Same.show actual}"

    /// Fails unless the values agree when both are rounded to `precision` decimal places.
    static member Equal(expected: float, actual: float, precision: int) =
        let e, a = Math.Round(expected, precision), Math.Round(actual, precision)

        if not (e.Equals a) then
            Same.fail
                $"Assert.Equal() Failure: values differ at {precision} decimal places\nExpected: {expected:R} (rounded {e})\nActual:   {actual:R} (rounded {a})"

    /// Fails unless |expected − actual| ≤ tolerance (NaN equals NaN, like xunit).
    static member Equal(expected: float, actual: float, tolerance: float) =
        if not (expected.Equals actual || abs (expected - actual) <= tolerance) then
            Same.fail
                $"Assert.Equal() Failure: values differ by more than {tolerance}\nExpected: {expected:R}\nActual:   {actual:R}"

    /// Fails when the values are equal.
    static member NotEqual<'T>(expected: 'T, actual: 'T) =
        if Same.values (box expected) (box actual) then
            Same.fail $"Assert.NotEqual() Failure: both are {Same.show actual}"

    /// Fails unless the string contains the substring.
    static member Contains(expectedSubstring: string, actualString: string) =
        if isNull actualString || not (actualString.Contains expectedSubstring) then
            Same.fail $"Assert.Contains() Failure: '{expectedSubstring}' not found in:\n{actualString}"

    /// Fails unless the collection contains the item.
    static member Contains<'T>(expected: 'T, collection: seq<'T>) =
        if not (collection |> Seq.exists (fun x -> Same.values (box expected) (box x))) then
            Same.fail
                $"Assert.Contains() Failure: {Same.show expected} not found in {Same.show (List.ofSeq collection)}"

    /// Fails unless some item of the collection satisfies the filter.
    static member Contains<'T>(collection: seq<'T>, filter: Predicate<'T>) =
        if not (collection |> Seq.exists filter.Invoke) then
            Same.fail $"Assert.Contains() Failure: no item matches the filter in {Same.show (List.ofSeq collection)}"

    /// Fails when the string contains the substring.
    static member DoesNotContain(expectedSubstring: string, actualString: string) =
        if not (isNull actualString) && actualString.Contains expectedSubstring then
            Same.fail $"Assert.DoesNotContain() Failure: '{expectedSubstring}' found in:\n{actualString}"

    /// Fails when the collection contains the item.
    static member DoesNotContain<'T>(expected: 'T, collection: seq<'T>) =
        if collection |> Seq.exists (fun x -> Same.values (box expected) (box x)) then
            Same.fail $"Assert.DoesNotContain() Failure: {Same.show expected} found"

    /// Fails when some item of the collection satisfies the filter.
    static member DoesNotContain<'T>(collection: seq<'T>, filter: Predicate<'T>) =
        match collection |> Seq.tryFind filter.Invoke with
        | Some x -> Same.fail $"Assert.DoesNotContain() Failure: {Same.show x} matches the filter"
        | None -> ()

    /// Fails unless the string starts with the prefix.
    static member StartsWith(expectedStartString: string, actualString: string) =
        if
            isNull actualString
            || not (actualString.StartsWith(expectedStartString, StringComparison.Ordinal))
        then
            Same.fail
                $"Assert.StartsWith() Failure\nExpected start: {expectedStartString}\nActual:         {actualString}"

    /// Fails unless the string ends with the suffix.
    static member EndsWith(expectedEndString: string, actualString: string) =
        if
            isNull actualString
            || not (actualString.EndsWith(expectedEndString, StringComparison.Ordinal))
        then
            Same.fail $"Assert.EndsWith() Failure\nExpected end: {expectedEndString}\nActual:       {actualString}"

    /// Fails unless the string matches the regular expression.
    static member Matches(expectedRegexPattern: string, actualString: string) =
        if isNull actualString || not (Regex.IsMatch(actualString, expectedRegexPattern)) then
            Same.fail $"Assert.Matches() Failure: /{expectedRegexPattern}/ does not match:\n{actualString}"

    /// Fails unless low ≤ actual ≤ high.
    static member InRange<'T when 'T :> IComparable>(actual: 'T, low: 'T, high: 'T) =
        if actual.CompareTo low < 0 || actual.CompareTo high > 0 then
            Same.fail $"Assert.InRange() Failure: {actual} is not in [{low}, {high}]"

    /// Fails unless the collection is empty.
    static member Empty(collection: IEnumerable) =
        let e = collection.GetEnumerator()

        if e.MoveNext() then
            Same.fail $"Assert.Empty() Failure: the collection holds {Same.show collection}"

    /// Fails when the collection is empty.
    static member NotEmpty(collection: IEnumerable) =
        if not (collection.GetEnumerator().MoveNext()) then
            Same.fail "Assert.NotEmpty() Failure: the collection is empty"

    /// The only item of the collection; fails unless there is exactly one.
    static member Single<'T>(collection: seq<'T>) : 'T =
        match List.ofSeq collection with
        | [ x ] -> x
        | xs -> Same.fail $"Assert.Single() Failure: the collection holds {xs.Length} items: {Same.show xs}"

    /// Runs the action on every item; fails naming the items whose action failed.
    static member All<'T>(collection: seq<'T>, action: Action<'T>) =
        let failures =
            collection
            |> Seq.indexed
            |> Seq.choose (fun (i, x) ->
                try
                    action.Invoke x
                    None
                with :? AssertException as e ->
                    Some $"[{i}] {Same.show x}: {e.Message}")
            |> List.ofSeq

        if not failures.IsEmpty then
            Same.fail ("Assert.All() Failure:\n" + String.Join("\n", failures))

    /// The exception of exactly type 'T the code throws; fails if it throws nothing or another type.
    static member Throws<'T when 'T :> exn>(testCode: Action) : 'T =
        let thrown =
            try
                testCode.Invoke()
                None
            with e ->
                Some e

        match thrown with
        | Some(:? 'T as e) when e.GetType() = typeof<'T> -> e
        | Some e ->
            Same.fail
                $"Assert.Throws() Failure: expected {typeof<'T>.FullName}, got {e.GetType().FullName}: {e.Message}"
        | None -> Same.fail $"Assert.Throws() Failure: expected {typeof<'T>.FullName}, nothing was thrown"

    /// The exception of type 'T or a type derived from it that the code throws; fails otherwise.
    static member ThrowsAny<'T when 'T :> exn>(testCode: Action) : 'T =
        let thrown =
            try
                testCode.Invoke()
                None
            with e ->
                Some e

        match thrown with
        | Some(:? 'T as e) -> e
        | Some e ->
            Same.fail
                $"Assert.ThrowsAny() Failure: expected {typeof<'T>.FullName}, got {e.GetType().FullName}: {e.Message}"
        | None -> Same.fail $"Assert.ThrowsAny() Failure: expected {typeof<'T>.FullName}, nothing was thrown"

    /// Fails unless the value is null.
    static member Null(o: obj) =
        if not (isNull o) then
            Same.fail $"Assert.Null() Failure: {Same.show o}"

    /// Fails when the value is null.
    static member NotNull(o: obj) =
        if isNull o then
            Same.fail "Assert.NotNull() Failure"

    /// Fails when the string matches the regular expression.
    static member DoesNotMatch(expectedRegexPattern: string, actualString: string) =
        if not (isNull actualString) && Regex.IsMatch(actualString, expectedRegexPattern) then
            Same.fail $"Assert.DoesNotMatch() Failure: /{expectedRegexPattern}/ matches:\n{actualString}"

    /// The value cast to exactly type 'T; fails for any other type.
    static member IsType<'T>(o: obj) : 'T =
        match o with
        | :? 'T as t when o.GetType() = typeof<'T> -> t
        | null -> Same.fail $"Assert.IsType() Failure: expected {typeof<'T>.FullName}, got null"
        | _ -> Same.fail $"Assert.IsType() Failure: expected {typeof<'T>.FullName}, got {o.GetType().FullName}"

    /// Fails with the message.
    static member Fail(message: string) : unit = Same.fail message
